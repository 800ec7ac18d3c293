"""A small procedural landscape world for piti-serve's demo model.

Every scene is a pair (label map, image) at 256 x 256, drawn from one integer
seed (bit-identical on every run):

* the label map uses real COCO-Stuff ids (sky-other, clouds, mountain, hill,
  grass, sea, river, tree, sand), so its colour-coded form is a mask the
  released mask model's palette understands;
* the image paints every class with its own appearance: a sky gradient, soft
  cloud puffs, streaked rock, mottled hills, grass blades, wave stripes on the
  sea, ripples on rivers, speckled sand, leafy tree crowns on brown trunks.

Layouts: a horizon, an optional mountain ridge and rolling hills behind it,
then either a coast (sea, beach, sometimes grass in front) or a meadow with a
winding river; trees stand on the ground, clouds float in the sky.

    cd tools && /usr/bin/python3 -m piti_tools.world --out /tmp/world --count 8

writes ``<seed>_mask.png`` (colour-coded), ``<seed>_labels.png`` (ids),
``<seed>_image.png`` and ``<seed>_sketch.png`` (its edge map, white on black:
``piti_tools.sketches``).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .preprocess import coco_classes, labels_to_rgb

SIZE = 256
CLASS_NAMES = ("sky-other", "clouds", "mountain", "hill", "grass", "sea", "river", "tree", "sand")
# seeds at or above this value are held out: never used for training or fitting the quality classifier
HELD_OUT_FROM = 1_000_000


def class_ids() -> dict[str, int]:
    c = coco_classes()
    return {n: c[n][0] for n in CLASS_NAMES}


@dataclass(frozen=True)
class Scene:
    seed: int
    labels: np.ndarray  # [256, 256] uint8 COCO-Stuff ids
    image: np.ndarray  # [256, 256, 3] uint8

    @property
    def mask(self) -> np.ndarray:
        """The colour-coded mask [256, 256, 3] uint8."""
        return labels_to_rgb(self.labels)

    @property
    def sketch(self) -> np.ndarray:
        """The edge map of the image, as PITI makes its sketches [256, 256] uint8 (255 on edges, 0 elsewhere)."""
        from .sketches import sketch  # sketches uses this module's resize

        return sketch(self.image)

    def condition(self, task: str) -> np.ndarray:
        """The 256 px input a model of ``task`` translates back into this scene: its mask or its sketch."""
        if task not in ("mask", "sketch"):
            raise ValueError(f"no demo-world input for task {task!r}")
        return self.sketch if task == "sketch" else self.mask


# --------------------------------------------------------------------------
# noise helpers
# --------------------------------------------------------------------------


def smooth_noise(rng: np.random.Generator, cells_y: int, cells_x: int, size: int = SIZE) -> np.ndarray:
    """Bilinear value noise in about [-1, 1]: a random grid resized to size x size."""
    grid = rng.uniform(-1, 1, (cells_y + 1, cells_x + 1)).astype(np.float32)
    img = Image.fromarray(grid, mode="F").resize((size, size), Image.BILINEAR)
    return np.asarray(img, dtype=np.float32)


def fractal_noise(rng: np.random.Generator, octaves: tuple[int, ...], size: int = SIZE) -> np.ndarray:
    out = np.zeros((size, size), np.float32)
    amp, total = 1.0, 0.0
    for cells in octaves:
        out += amp * smooth_noise(rng, cells, cells, size)
        total += amp
        amp *= 0.55
    return out / total


def profile(rng: np.random.Generator, base: float, amplitude: float, bumps: int) -> np.ndarray:
    """A smooth 1-D height profile over x (pixels from the top)."""
    x = np.arange(SIZE, dtype=np.float32) / SIZE
    y = np.full(SIZE, base, np.float32)
    for k in range(1, bumps + 1):
        y += amplitude / k * np.sin(2 * np.pi * (k * x * rng.uniform(0.4, 1.2) + rng.uniform(0, 1)))
    return y


def ridge(rng: np.random.Generator, base: float, height: float) -> np.ndarray:
    """A jagged mountain ridge: piecewise-linear peaks plus fine jitter."""
    n = int(rng.integers(2, 5))
    px = np.sort(rng.uniform(-20, SIZE + 20, n))
    peaks_x = np.concatenate([[-60.0], px, [SIZE + 60.0]])
    peaks_y = np.concatenate([[base], base - rng.uniform(0.4, 1.0, n) * height, [base]])
    # valleys between peaks
    xs, ys = [peaks_x[0]], [peaks_y[0]]
    for i in range(1, len(peaks_x)):
        mid = (peaks_x[i - 1] + peaks_x[i]) / 2
        xs += [mid, peaks_x[i]]
        ys += [base - rng.uniform(0.0, 0.35) * height, peaks_y[i]]
    x = np.arange(SIZE, dtype=np.float32)
    y = np.interp(x, xs, ys).astype(np.float32)
    jitter = np.cumsum(rng.normal(0, 1.0, SIZE)).astype(np.float32)
    jitter -= np.linspace(jitter[0], jitter[-1], SIZE, dtype=np.float32)
    return y + 0.6 * jitter


# --------------------------------------------------------------------------
# layout
# --------------------------------------------------------------------------


def layout(rng: np.random.Generator, ids: dict[str, int]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Label map plus geometry the painter needs (ridge line, horizon...)."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    lab = np.full((SIZE, SIZE), ids["sky-other"], np.uint8)
    horizon = float(rng.uniform(95, 150))
    geo: dict[str, np.ndarray] = {"horizon": np.float32(horizon)}

    if rng.random() < 0.7:
        top = ridge(rng, horizon + 5, float(rng.uniform(35, 85)))
        lab[yy >= top[None, :]] = ids["mountain"]
        geo["ridge"] = top
    if rng.random() < 0.6:
        hills = profile(rng, horizon - rng.uniform(5, 20), float(rng.uniform(6, 18)), 3)
        lab[yy >= hills[None, :]] = ids["hill"]
        geo["hills"] = hills

    coast = rng.random() < 0.45
    if coast:
        lab[yy >= horizon] = ids["sea"]
        shore = profile(rng, horizon + rng.uniform(40, 90), float(rng.uniform(4, 14)), 2)
        lab[yy >= shore[None, :]] = ids["sand"]
        geo["shore"] = shore
        if rng.random() < 0.4:
            meadow = profile(rng, shore.mean() + rng.uniform(30, 60), float(rng.uniform(3, 10)), 2)
            lab[yy >= meadow[None, :]] = ids["grass"]
    else:
        lab[yy >= horizon] = ids["grass"]
        if rng.random() < 0.75:
            # a river winding from the horizon to the bottom, wider towards the viewer
            depth = np.clip((yy - horizon) / (SIZE - horizon), 0, 1)
            centre = rng.uniform(40, 216) + rng.uniform(-60, 60) * depth + 12 * np.sin(
                depth * rng.uniform(3, 8) + rng.uniform(0, 6.28)
            )
            half = 2 + depth * rng.uniform(14, 34)
            river = (yy >= horizon) & (np.abs(xx - centre) < half)
            lab[river] = ids["river"]
            if rng.random() < 0.5:
                bank = (yy >= horizon) & (np.abs(xx - centre) < half + 2 + 8 * depth) & ~river
                lab[bank] = ids["sand"]

    # trees on the ground (grass, hill or sand), bigger when nearer
    for _ in range(int(rng.integers(0, 9))):
        ground = np.isin(lab, [ids["grass"], ids["hill"]])
        ys, xs = np.nonzero(ground[:: 4, :: 4])
        if len(ys) == 0:
            break
        k = int(rng.integers(0, len(ys)))
        by, bx = ys[k] * 4.0, xs[k] * 4.0
        scale = 0.35 + 0.9 * np.clip((by - horizon + 30) / (SIZE - horizon + 30), 0, 1)
        rw, rh = rng.uniform(9, 18) * scale, rng.uniform(14, 26) * scale
        crown = ((xx - bx) / rw) ** 2 + ((yy - (by - rh)) / rh) ** 2 <= 1.0
        trunk = (np.abs(xx - bx) <= max(1.0, rw * 0.15)) & (yy >= by - rh) & (yy <= by + 2)
        lab[crown | trunk] = ids["tree"]
        geo.setdefault("trunks", np.zeros((SIZE, SIZE), bool))
        geo["trunks"] = (geo["trunks"] | trunk) & ~crown

    # clouds: unions of ellipses, only over the sky
    for _ in range(int(rng.integers(0, 5))):
        cx, cy = rng.uniform(0, SIZE), rng.uniform(8, max(20.0, horizon - 40))
        blob = np.zeros((SIZE, SIZE), bool)
        for _ in range(int(rng.integers(2, 6))):
            ex, ey = cx + rng.uniform(-30, 30), cy + rng.uniform(-6, 6)
            rx, ry = rng.uniform(12, 34), rng.uniform(6, 13)
            blob |= ((xx - ex) / rx) ** 2 + ((yy - ey) / ry) ** 2 <= 1.0
        lab[blob & (lab == ids["sky-other"])] = ids["clouds"]
    return lab, geo


# --------------------------------------------------------------------------
# appearance
# --------------------------------------------------------------------------


def _rgb(base: tuple[float, float, float], rng: np.random.Generator, jitter: float = 12.0) -> np.ndarray:
    return np.asarray(base, np.float32) + rng.normal(0, jitter, 3).astype(np.float32)


def paint(rng: np.random.Generator, lab: np.ndarray, geo: dict[str, np.ndarray], ids: dict[str, int]) -> np.ndarray:
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    img = np.zeros((SIZE, SIZE, 3), np.float32)
    horizon = float(geo["horizon"])
    light = float(rng.uniform(0.85, 1.1))  # overall brightness of the scene

    def put(name: str, layer: np.ndarray) -> None:
        sel = lab == ids[name]
        img[sel] = layer[sel]

    # sky: vertical gradient, deep blue at the top to pale near the horizon
    top, low = _rgb((45, 95, 195), rng, 10), _rgb((165, 200, 238), rng, 8)
    g = np.clip(yy / max(horizon, 1.0), 0, 1)[..., None]
    sky = top * (1 - g) + low * g + 4 * smooth_noise(rng, 3, 3)[..., None]
    put("sky-other", sky)

    # clouds: bright puffs, grey undersides, soft lumps
    shade = fractal_noise(rng, (6, 12, 24))
    cloud = _rgb((238, 240, 245), rng, 5) - 28 * np.clip(shade, 0, 1)[..., None] - 10 * smooth_noise(rng, 12, 12)[..., None]
    put("clouds", cloud)

    # mountain: grey-brown rock with diagonal strata and dark streaks
    rock = _rgb((115, 105, 110), rng, 10)
    n = fractal_noise(rng, (8, 16, 48))
    strata = np.sin((xx * 0.35 + yy * 0.9) * 0.25 + 6 * n)
    mountain = rock[None, None, :] + (18 * strata + 22 * n)[..., None]
    if "ridge" in geo:  # lighter near the ridge line (snow-dusted peaks are not part of this world)
        dist = np.clip((yy - geo["ridge"][None, :]) / 40, 0, 1)
        mountain = mountain + (20 * (1 - dist))[..., None]
    put("mountain", mountain)

    # hill: olive, low-frequency mottling
    hill = _rgb((128, 150, 72), rng, 10)[None, None, :] + (26 * fractal_noise(rng, (4, 8)))[..., None]
    put("hill", hill)

    # grass: green with vertical blade streaks and speckles, brighter in front
    blades = np.asarray(
        Image.fromarray(rng.uniform(-1, 1, (32, 256)).astype(np.float32), mode="F").resize((SIZE, SIZE), Image.BILINEAR)
    )
    speck = rng.uniform(-1, 1, (SIZE, SIZE)).astype(np.float32)
    depth = np.clip((yy - horizon) / (SIZE - horizon + 1), 0, 1)
    grass = _rgb((62, 138, 48), rng, 10)[None, None, :] + (22 * blades + 10 * speck)[..., None] + (20 * depth)[..., None] * np.array([0.3, 1.0, 0.2], np.float32)
    put("grass", grass)

    # sea: deep blue with horizontal wave stripes, denser near the horizon
    dist = np.maximum(yy - horizon, 1.0)
    waves = np.sin(np.log(dist) * 28 + 2.5 * smooth_noise(rng, 8, 2))
    sea = _rgb((28, 78, 150), rng, 10)[None, None, :] + (28 * np.clip(waves, 0.4, 1) - 10)[..., None] * np.array([0.8, 0.9, 1.0], np.float32)
    put("sea", sea)

    # river: lighter teal with fine ripples
    ripples = np.sin(yy * 1.3 + 3 * smooth_noise(rng, 16, 16))
    river = _rgb((60, 135, 170), rng, 10)[None, None, :] + (16 * ripples)[..., None] * np.array([1.0, 1.0, 0.8], np.float32)
    put("river", river)

    # sand: beige with fine grain and soft dunes
    sand = _rgb((212, 190, 138), rng, 8)[None, None, :] + (14 * rng.normal(0, 1, (SIZE, SIZE)).astype(np.float32) + 14 * smooth_noise(rng, 6, 10))[..., None]
    put("sand", sand)

    # trees: dark green leafy crowns with light and dark clumps; brown trunks
    leaves = fractal_noise(rng, (24, 64))
    tree = _rgb((30, 88, 38), rng, 8)[None, None, :] + (40 * leaves)[..., None] * np.array([0.6, 1.0, 0.5], np.float32)
    if "trunks" in geo:
        bark = _rgb((92, 62, 34), rng, 6)[None, None, :] + (10 * speck)[..., None]
        tree = np.where(geo["trunks"][..., None], bark, tree)
    put("tree", tree)

    return np.clip(np.round(img * light), 0, 255).astype(np.uint8)


def scene(seed: int) -> Scene:
    """The scene of ``seed`` (deterministic)."""
    rng = np.random.default_rng([seed, 0x91717])
    ids = class_ids()
    lab, geo = layout(rng, ids)
    return Scene(seed, lab, paint(rng, lab, geo, ids))


def downsample(image: np.ndarray, factor: int) -> np.ndarray:
    """Box-filter downsample of [H, W, 3] uint8 by an integer factor (uint8 result)."""
    h, w, c = image.shape
    out = image.reshape(h // factor, factor, w // factor, factor, c).astype(np.float32).mean(axis=(1, 3))
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def nearest_indices(src: int, dst: int) -> np.ndarray:
    """Source index of every destination index of a nearest resize, as the
    engine's preprocessing picks it: floor((d + 0.5) * src / dst)."""
    return np.minimum(np.floor((np.arange(dst) + 0.5) * (src / dst)).astype(np.int64), src - 1)


def resize_nearest(a: np.ndarray, size: int) -> np.ndarray:
    """[..., H, W(, C)] -> [..., size, size(, C)] with the engine's nearest indices (H == W)."""
    spatial = (-3, -2) if a.ndim >= 3 and a.shape[-1] == 3 else (-2, -1)
    idx = nearest_indices(a.shape[spatial[0]], size)
    return np.take(np.take(a, idx, axis=spatial[0]), idx, axis=spatial[1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Write scenes of the demo world as PNGs")
    p.add_argument("--out", required=True)
    p.add_argument("--first", type=int, default=HELD_OUT_FROM, help="first seed (default: held-out range)")
    p.add_argument("--count", type=int, default=8)
    a = p.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for seed in range(a.first, a.first + a.count):
        s = scene(seed)
        Image.fromarray(s.mask, "RGB").save(out / f"{seed}_mask.png")
        Image.fromarray(s.labels, "L").save(out / f"{seed}_labels.png")
        Image.fromarray(s.image, "RGB").save(out / f"{seed}_image.png")
        Image.fromarray(s.sketch, "L").save(out / f"{seed}_sketch.png")
    print(f"{a.count} scenes in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
