"""``bench quality``: how well a mask or sketch model draws the demo world.

    cd tools && /usr/bin/python3 -m piti_tools.quality --model ../worker/src/main/resources/pitiserve/models/demo-mask

For N held-out scenes of the world (seeds from ``world.HELD_OUT_FROM``, never
seen in training), the model's input (the task of its model.json: the
colour-coded mask, or the sketch, the edge map of the scene's render made by
``piti_tools.sketches``) is translated, then scored. With
``--engine-jar ../worker/target/pitiserve-worker.jar`` (and ``--images DIR``)
the product translates: one JVM per setting runs ``translate --input-dir``
over the inputs (input i with seed ``--seed + i``), writing
``DIR/engine-<setting>/<i>.png`` and its own wall and CPU seconds. Without it,
the exported model files (TorchScript, the files the engine loads) run under
the sampler of ``piti_tools.reference`` (parity-tested against the engine;
its noise is numpy's, so its images differ from the engine's). Then:

* mIoU: every output pixel is classified by ``PixelClassifier``, a Gaussian
  model of per-pixel colour and texture statistics fitted on real world
  images of a third seed range (it knows nothing of the generator's code or
  of the network), and compared with the scene's mask (for a sketch model the
  mask behind the sketch, which the model never sees); intersections and
  unions are summed over all images, then averaged over the classes;
* fd: Frechet distance between per-patch statistics (16 x 16 patches: mean
  and std of R, G, B, mean absolute horizontal and vertical luminance
  gradient) of the outputs and of the real images of the same masks;
* sec_per_image: wall time of translation per image (both stages, one
  process, ``--threads`` intra-op threads; shards add up their seconds),
  and cpu_sec_per_image, the process's CPU time per image, the figure to
  compare when other work shares the machine;
* evaluations: decoder calls per image (base + upsampler; a guided base call
  runs two rows), and released_gflop, what they cost at PITI's released
  sizes (``RELEASED_GFLOP`` per call, the base doubled when guided).

Adding a task (e.g. sketches) means another scorer next to ``score`` and a
source of held-out inputs next to ``scene``; translation, timing and the
table do not depend on the task.

Prints a table (per-class IoU and the summary of each setting) and, as its
LAST line, one JSON object with at least ``miou``, ``fd`` and
``sec_per_image`` (of the first setting). ``--settings`` runs several
settings over the same masks and noise, e.g.
``ddpm:100:cfg:1.3,dpmpp_2m:12:cfg:1.3:8`` (sampler:base steps:guidance:
scale[:upsampler steps]; default: the model's own sampler, respacings and
guidance).
``--real`` scores the real images themselves (the classifier's ceiling).
``--shard I/K --images DIR`` splits the translation over K processes;
``--score --images DIR`` then scores their images. With ``--images``
a run is resumable: images are written per chunk, and masks whose image
is already there are skipped (the noise of mask i depends only on the seed
and i, so a resumed run draws what an uninterrupted one would, up to a
pixel rounded the other way in a batch of another size).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

if __name__ == "__main__":
    # Run as the command: the BLAS library (numpy's, and torch's on Debian) would otherwise start a
    # thread per core that spins next to ``--threads`` (a "1 thread" process then used 1.6 cores).
    # Only here, before numpy loads it: an importing process (the tests, and the fixture
    # generator they start) keeps its own BLAS threads, whose sums its numbers depend on.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy import linalg, ndimage

from .config import ScheduleConfig
from .native import keep_freed_memory
from .reference import F32, RespacedSchedule, quantise, sample_stage, space_timesteps, spacing_of, to_uint8
from .sketches import condition_ref
from .world import CLASS_NAMES, HELD_OUT_FROM, Scene, class_ids, scene

CLASSIFIER_SEEDS_FROM = 500_000
FEATURES = 11  # fitting range: disjoint from training (0..) and held-out (1e6..)


# --------------------------------------------------------------------------
# the pixel classifier
# --------------------------------------------------------------------------


def _luma(img: np.ndarray) -> np.ndarray:
    return img @ np.array([0.299, 0.587, 0.114], np.float32)


def pixel_features(image: np.ndarray) -> np.ndarray:
    """[H, W, 3] uint8 -> [H, W, 11] float32: local (7 x 7) mean and std of
    RGB, wider (21 x 21) mean RGB, local mean |dx| and |dy| of luminance.
    No position: a picture must look like its classes wherever they are."""
    x = image.astype(np.float32)
    mean7 = ndimage.uniform_filter(x, size=(7, 7, 1))
    sq7 = ndimage.uniform_filter(x * x, size=(7, 7, 1))
    std7 = np.sqrt(np.maximum(sq7 - mean7 * mean7, 0))
    mean21 = ndimage.uniform_filter(x, size=(21, 21, 1))
    lum = _luma(x)
    dx = np.abs(np.diff(lum, axis=1, append=lum[:, -1:]))
    dy = np.abs(np.diff(lum, axis=0, append=lum[-1:, :]))
    gx = ndimage.uniform_filter(dx, 7)
    gy = ndimage.uniform_filter(dy, 7)
    return np.concatenate([mean7, std7, mean21, gx[..., None], gy[..., None]], axis=-1).astype(np.float32)


@dataclass(frozen=True)
class PixelClassifier:
    """Per class: a Gaussian (mean, full covariance) over pixel_features."""

    ids: np.ndarray  # [K] COCO-Stuff ids
    means: np.ndarray  # [K, D]
    precisions: np.ndarray  # [K, D, D]
    log_norm: np.ndarray  # [K]: log prior - 0.5 log det cov

    @staticmethod
    def fit(images: list[np.ndarray], labels: list[np.ndarray], per_class: int = 20000, seed: int = 0) -> "PixelClassifier":
        rng = np.random.default_rng(seed)
        feats = np.concatenate([pixel_features(im).reshape(-1, FEATURES) for im in images])
        labs = np.concatenate([lab.reshape(-1) for lab in labels])
        ids = np.array([class_ids()[n] for n in CLASS_NAMES])
        means, precs, norms = [], [], []
        for c in ids:
            sel = np.nonzero(labs == c)[0]
            if len(sel) == 0:
                raise ValueError(f"class {c} absent from the fitting images")
            sel = rng.choice(sel, min(per_class, len(sel)), replace=False)
            f = feats[sel].astype(np.float64)
            mu = f.mean(0)
            cov = np.cov(f, rowvar=False) + np.eye(f.shape[1]) * 1.0
            means.append(mu)
            precs.append(np.linalg.inv(cov))
            prior = np.mean(labs == c)
            norms.append(np.log(prior) - 0.5 * np.linalg.slogdet(cov)[1])
        return PixelClassifier(ids, np.array(means), np.array(precs), np.array(norms))

    def predict(self, image: np.ndarray) -> np.ndarray:
        """[H, W, 3] uint8 -> [H, W] COCO-Stuff ids."""
        f = pixel_features(image).reshape(-1, FEATURES).astype(np.float64)
        scores = np.empty((f.shape[0], len(self.ids)))
        for k in range(len(self.ids)):
            d = f - self.means[k]
            scores[:, k] = self.log_norm[k] - 0.5 * ((d @ self.precisions[k]) * d).sum(axis=1)
        return self.ids[scores.argmax(1)].reshape(image.shape[:2]).astype(np.uint8)


def default_classifier(images: int = 60, cache: Optional[Path] = None) -> PixelClassifier:
    """Fitted on ``images`` real world images of the classifier seed range; kept in ``cache`` if given."""
    path = None if cache is None else cache / f"classifier-{images}.npz"
    if path is not None and path.exists():
        with np.load(path) as d:
            return PixelClassifier(d["ids"], d["means"], d["precisions"], d["log_norm"])
    scenes = [scene(CLASSIFIER_SEEDS_FROM + i) for i in range(images)]
    clf = PixelClassifier.fit([s.image for s in scenes], [s.labels for s in scenes])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, ids=clf.ids, means=clf.means, precisions=clf.precisions, log_norm=clf.log_norm)
    return clf


class IoU:
    def __init__(self, ids: np.ndarray):
        self.ids = ids
        self.inter = np.zeros(len(ids))
        self.union = np.zeros(len(ids))

    def add(self, pred: np.ndarray, truth: np.ndarray) -> None:
        for k, c in enumerate(self.ids):
            p, t = pred == c, truth == c
            self.inter[k] += np.logical_and(p, t).sum()
            self.union[k] += np.logical_or(p, t).sum()

    def per_class(self) -> np.ndarray:
        return np.where(self.union > 0, self.inter / np.maximum(self.union, 1), np.nan)

    def mean(self) -> float:
        return float(np.nanmean(self.per_class()))


# --------------------------------------------------------------------------
# Frechet distance of patch statistics
# --------------------------------------------------------------------------


def patch_features(image: np.ndarray, patch: int = 16) -> np.ndarray:
    """[H, W, 3] uint8 -> [patches, 8]."""
    x = image.astype(np.float32)
    h, w, _ = x.shape
    lum = _luma(x)
    dx = np.abs(np.diff(lum, axis=1, append=lum[:, -1:]))
    dy = np.abs(np.diff(lum, axis=0, append=lum[-1:, :]))
    ph, pw = h // patch, w // patch

    def blocks(a: np.ndarray) -> np.ndarray:
        return a.reshape(ph, patch, pw, patch, -1).transpose(0, 2, 1, 3, 4).reshape(ph * pw, patch * patch, -1)

    c = blocks(x)
    return np.concatenate(
        [c.mean(1), c.std(1), blocks(dx[..., None]).mean(1), blocks(dy[..., None]).mean(1)], axis=1
    ).astype(np.float64)


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(s1 @ s2, disp=False)
    covmean = covmean.real
    return max(0.0, float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean)))


# --------------------------------------------------------------------------
# translation with the exported model files
# --------------------------------------------------------------------------


class TracedStage:
    """A stage of an exported model directory, called the way the engine
    calls it: encoder once per job (and once for the all-ones ref), then one
    decoder call per step, cond and uncond halves in one batch."""

    def __init__(self, model_dir: Path, stage: str, ref: np.ndarray, low_res: Optional[np.ndarray] = None):
        self.enc = torch.jit.load(str(model_dir / stage / "encoder.pt"))
        self.dec = torch.jit.load(str(model_dir / stage / "decoder.pt"))
        r = torch.from_numpy(ref)
        with torch.no_grad(), torch.jit.optimized_execution(False):  # no profiling warm-up compiles
            self.cond, self.uncond = self.enc(r), self.enc(torch.ones_like(r))
        self.low = [] if low_res is None else [torch.from_numpy(low_res)]

    def __call__(self, x: np.ndarray, t: np.ndarray, guided: bool):
        b = x.shape[0]
        xt, tt = torch.from_numpy(x), torch.from_numpy(t)
        with torch.no_grad(), torch.jit.optimized_execution(False):
            if guided:
                proj = torch.cat([self.cond[0], self.uncond[0]])
                tokens = torch.cat([self.cond[1], self.uncond[1]])
                low = [torch.cat([self.low[0], self.low[0]])] if self.low else []
                o = self.dec(torch.cat([xt, xt]), torch.cat([tt, tt]), proj, tokens, *low).numpy()
                return o[:b, :3], o[b:, :3], o[:b, 3:]
            o = self.dec(xt, tt, *self.cond, *self.low).numpy()
            return o[:, :3], None, o[:, 3:]


@dataclass(frozen=True)
class Setting:
    sampler: str
    base_steps: str
    mode: str
    scale: float
    sr_steps: str = "fast27"
    eta: float = 0.0

    @staticmethod
    def parse(text: str) -> "Setting":
        parts = text.split(":")
        if len(parts) not in (4, 5):
            raise ValueError(f"setting {text!r}: sampler:base_steps:guidance:scale[:sr_steps]")
        sampler, steps, mode, scale = parts[:4]
        if sampler not in SAMPLERS or mode not in ("cfg", "normalized"):
            raise ValueError(f"setting {text!r}: sampler {'|'.join(SAMPLERS)}, guidance cfg|normalized")
        respacing = f"ddim{steps}" if sampler == "ddim" and steps.isdigit() else steps
        return Setting(sampler, respacing, mode, float(scale), parts[4] if len(parts) == 5 else "fast27")

    def label(self) -> str:
        return f"{self.sampler} {self.base_steps} {self.mode} {self.scale:g} (sr {self.sr_steps})"

    def evaluations(self, model_dir: Path) -> tuple[int, int, bool]:
        """Decoder calls per image of each stage, and whether the base calls are guided (two rows)."""
        meta = json.loads((model_dir / "model.json").read_text())
        stages = meta["stages"]
        base = len(space_timesteps(int(stages["base"]["schedule"]["steps"]), self.base_steps))
        sr = len(space_timesteps(int(stages["upsampler"]["schedule"]["steps"]), self.sr_steps))
        return base, sr, bool(stages["base"]["guided"]) and self.scale != 1.0


@dataclass(frozen=True)
class SinglePassSetting(Setting):
    """The one setting of a single-pass model (model.json kind ``single-pass``): one generator forward; the
    diffusion fields are placeholders (the engine ignores them)."""

    sampler: str = "ddpm"
    base_steps: str = "1"
    mode: str = "cfg"
    scale: float = 1.0
    sr_steps: str = "1"

    def label(self) -> str:
        return "single pass"

    def evaluations(self, model_dir: Path) -> tuple[int, int, bool]:
        return 1, 0, False


def single_pass(model_dir: Path) -> bool:
    return json.loads((model_dir / "model.json").read_text()).get("kind") == "single-pass"


def translate_single_pass(model_dir: Path, masks: list[np.ndarray], indices: list[int], seed: int,
                          chunk: int) -> list[np.ndarray]:
    """Translates masks with a single-pass model's network; the noise of mask ``indices[j]`` is numpy's
    standard normals of (seed, index), so the images differ from the engine's (SeededNoise)."""
    meta = json.loads((model_dir / "model.json").read_text())
    gen = meta["generator"]
    net = torch.jit.load(str(model_dir / gen["network"]))
    out: list[np.ndarray] = []
    for start in range(0, len(masks), chunk):
        ref = np.stack([condition_ref(meta["task"], m, meta["input"]["size"]) for m in masks[start : start + chunk]])
        args = [torch.from_numpy(ref.astype(F32))]
        if gen["noise"]:
            z = [np.random.default_rng([seed, i]).standard_normal(gen["noise"], dtype=np.float32)
                 for i in indices[start : start + chunk]]
            args.append(torch.from_numpy(np.stack(z)))
        with torch.no_grad(), torch.jit.optimized_execution(False):
            x = net(*args).numpy()
        out += [to_uint8(img).transpose(1, 2, 0) for img in x]
    return out


SAMPLERS = ("ddpm", "ddim", "dpmpp_2m", "dpmpp_2m_logsnr", "dpmpp_2m_karras", "dpmpp_2m_sde")
# Forward cost of one decoder call per image at PITI's released sizes (64 px base, 256 px upsampler);
# a guided base call runs two rows.
RELEASED_GFLOP = {"base": 230.0, "upsampler": 1272.0}


def released_gflop(base_calls: int, sr_calls: int, guided: bool) -> float:
    return base_calls * RELEASED_GFLOP["base"] * (2 if guided else 1) + sr_calls * RELEASED_GFLOP["upsampler"]


def schedule_of(stage: dict) -> ScheduleConfig:
    s = stage["schedule"]
    return ScheduleConfig(s["kind"], int(s["steps"]), s.get("beta_start"), s.get("beta_end"))


def translate(model_dir: Path, masks: list[np.ndarray], indices: list[int], setting: Setting, seed: int,
              chunk: int) -> list[np.ndarray]:
    """Translates masks; the noise of mask ``indices[j]`` comes from (seed, index) alone, so results do
    not depend on chunking or sharding."""
    meta = json.loads((model_dir / "model.json").read_text())
    base, sr = meta["stages"]["base"], meta["stages"]["upsampler"]
    base_sched = RespacedSchedule.create(schedule_of(base), setting.base_steps, spacing_of(setting.sampler))
    sr_sched = RespacedSchedule.create(schedule_of(sr), setting.sr_steps, spacing_of(setting.sampler))
    out: list[np.ndarray] = []
    for start in range(0, len(masks), chunk):
        group = masks[start : start + chunk]
        rngs = [np.random.default_rng([seed, i]) for i in indices[start : start + chunk]]
        ref = np.stack([condition_ref(meta["task"], m, meta["input"]["size"]) for m in group]).astype(F32)
        r = base["resolution"]
        noise = np.stack([g.standard_normal((base_sched.steps + 1, 3, r, r), dtype=np.float32) for g in rngs], 1)
        x = sample_stage(TracedStage(model_dir, "base", ref), base_sched, noise, base["noise_scale"],
                         setting.sampler, setting.eta, base["guided"], setting.scale, setting.mode)
        low = quantise(x)
        r = sr["resolution"]
        noise = np.stack([g.standard_normal((sr_sched.steps + 1, 3, r, r), dtype=np.float32) for g in rngs], 1)
        x = sample_stage(TracedStage(model_dir, "upsampler", ref, low), sr_sched, noise, sr["noise_scale"],
                         setting.sampler, setting.eta, False, 1.0, "cfg")
        out += [to_uint8(img).transpose(1, 2, 0) for img in x]
    return out


def translate_with_engine(jar: Path, model_dir: Path, inputs: dict[int, np.ndarray], setting: Setting, seed: int,
                          folder: Path, threads: int) -> dict:
    """Translates ``inputs`` (index -> colour mask or sketch, the model's task) with the Java engine,
    one JVM for all of them (``translate --input-dir``); input i gets the engine's seed ``seed + i``.
    Writes ``folder/<i>.png`` and returns the engine's timing line (images, seconds, cpu_seconds)."""
    import subprocess
    import tempfile

    from PIL import Image

    task = json.loads((model_dir / "model.json").read_text())["task"]
    with tempfile.TemporaryDirectory(prefix="quality-inputs-") as tmp:
        for i, condition in inputs.items():
            Image.fromarray(condition).save(Path(tmp) / f"{i}.png")
        command = ["java", "-jar", str(jar), "translate", "--model", str(model_dir), "--task", task,
                   "--input-dir", tmp,
                   "--out", str(folder), "--seed", str(seed), "--sampler", setting.sampler,
                   "--base-steps", setting.base_steps, "--sr-steps", setting.sr_steps,
                   "--guidance", setting.mode, "--guidance-scale", repr(setting.scale),
                   "--eta", repr(setting.eta), "--threads", str(threads), "--quiet"]
        env = dict(os.environ)
        env.setdefault("MALLOC_ARENA_MAX", "1")  # docs/ENGINE.md: one heap for the JVM's native memory
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"engine translate failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def default_setting(model_dir: Path) -> str:
    meta = json.loads((model_dir / "model.json").read_text())
    st = meta["stages"]
    sampler = meta.get("sampler", "ddpm")
    return (f"{sampler}:{st['base']['respacing']}:{meta['guidance']['mode']}:{meta['guidance']['scale']}:"
            f"{st['upsampler']['respacing']}")


def slug(label: str) -> str:
    return label.replace(" (sr ", "_sr").replace(")", "").replace(" ", "_")


def score(images: list[np.ndarray], scenes: list, clf: PixelClassifier, real_patches: np.ndarray) -> tuple[IoU, float]:
    iou = IoU(clf.ids)
    for img, s in zip(images, scenes):
        iou.add(clf.predict(img), s.labels)
    return iou, frechet(np.concatenate([patch_features(im) for im in images]), real_patches)


def _save(folder: Path, indices: list[int], images: list[np.ndarray]) -> None:
    from PIL import Image

    for i, img in zip(indices, images):
        Image.fromarray(img).save(folder / f"{i}.png")


def _recorded_timing(folder: Path) -> tuple[float, Optional[float]]:
    """Wall and CPU seconds per image of the translation runs recorded in ``folder`` (all shards)."""
    timing = [json.loads(f.read_text()) for f in sorted(folder.glob("seconds-*.json"))]
    seconds = sum(t["seconds"] for t in timing) / max(1, sum(t["images"] for t in timing))
    cpu_timed = [t for t in timing if "cpu_seconds" in t]
    cpu = None
    if cpu_timed:  # on a shared machine CPU seconds per image are the comparable figure
        cpu = sum(t["cpu_seconds"] for t in cpu_timed) / max(1, sum(t["images"] for t in cpu_timed))
    return seconds, cpu


def _load(folder: Path, n: int) -> list[np.ndarray]:
    from PIL import Image

    missing = [i for i in range(n) if not (folder / f"{i}.png").exists()]
    if missing:
        raise SystemExit(f"{folder}: {len(missing)} of {n} images missing (first: {missing[0]}.png); "
                         "translate every shard first")
    return [np.asarray(Image.open(folder / f"{i}.png").convert("RGB")) for i in range(n)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="bench quality: mIoU and patch FD of a mask or sketch model on the demo world")
    p.add_argument("--model", help="exported model directory (model.json + TorchScript files)")
    p.add_argument("--n", type=int, default=100, help="held-out masks (>= 100 for a reported number)")
    p.add_argument("--settings", help="comma-separated sampler:steps:guidance:scale[:sr] (default: the model's)")
    p.add_argument("--seed", type=int, default=0, help="noise seed")
    # 2: the fastest per image on the 2-vCPU VM (0.34 s an upsampler step, 10 at a time 0.45 s; with
    # glibc's default allocator 10 at a time took 2.6 s, see native.py)
    p.add_argument("--chunk", type=int, default=2, help="masks translated together")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--real", action="store_true", help="score the real world images (the classifier's ceiling)")
    p.add_argument("--images", help="keep the outputs here (<setting>/<index>.png); with --score, read them")
    p.add_argument("--shard", default="0/1", help="I/K: translate masks I, I+K, ... only (needs --images); "
                   "then score all shards' images with --score")
    p.add_argument("--score", action="store_true", help="score the images of --images instead of translating")
    p.add_argument("--engine-jar", help="translate with the Java engine (pitiserve-worker.jar translate --input-dir) "
                   "instead of the reference sampler; needs --images")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    keep_freed_memory()
    shard, shards = (int(v) for v in a.shard.split("/"))
    if not a.real and not a.model:
        p.error("give --model DIR, or --real")
    if (shards > 1 or a.score or a.engine_jar) and not a.images:
        p.error("--shard, --score and --engine-jar need --images DIR")
    single = bool(a.model) and single_pass(Path(a.model))
    settings_text = a.settings or ("" if a.real or single else default_setting(Path(a.model)))
    if a.real or single:
        settings = [None if a.real else SinglePassSetting()]
    else:
        settings = [Setting.parse(s) for s in settings_text.split(",")]
    labels_file = Path(a.images) / "cache" / f"labels-{a.n}.npy" if a.images else None
    if a.score and labels_file is not None and labels_file.exists():  # scoring needs the labels only
        scenes = [Scene(HELD_OUT_FROM + i, lab, lab) for i, lab in enumerate(np.load(labels_file))]
    else:
        scenes = [scene(HELD_OUT_FROM + i) for i in range(a.n)]
    rows = []
    clf: Optional[PixelClassifier] = None
    real_patches = np.zeros(0)
    for setting in settings:
        label = "real images" if setting is None else setting.label()
        # the engine's images and the reference sampler's live apart (same noise seed, different draws)
        folder = Path(a.images) / (("engine-" if a.engine_jar else "") + slug(label)) if a.images else None
        seconds, cpu_per_image = 0.0, None
        if setting is None:
            images = [s.image for s in scenes]
        elif a.score:
            assert folder is not None
            images = _load(folder, a.n)
            seconds, cpu_per_image = _recorded_timing(folder)
        elif a.engine_jar:
            assert folder is not None
            folder.mkdir(parents=True, exist_ok=True)
            mine = [i for i in range(a.n) if i % shards == shard and not (folder / f"{i}.png").exists()]
            if mine:
                task = json.loads((Path(a.model) / "model.json").read_text())["task"]
                timing = translate_with_engine(Path(a.engine_jar), Path(a.model),
                                               {i: scenes[i].condition(task) for i in mine}, setting, a.seed, folder,
                                               a.threads)
                stamp = time.strftime("%Y%m%dT%H%M%S")
                (folder / f"seconds-{shard}of{shards}-{stamp}.json").write_text(json.dumps(
                    {"images": timing["images"], "seconds": timing["seconds"], "cpu_seconds": timing["cpu_seconds"],
                     "threads": a.threads}))
            print(f"{label}: shard {shard}/{shards}: {len(mine)} images translated by the engine", file=sys.stderr)
            if shards > 1:
                continue
            images = _load(folder, a.n)
            seconds, cpu_per_image = _recorded_timing(folder)
        else:
            mine = [i for i in range(a.n) if i % shards == shard]
            if folder is not None:  # resumable: images already there (same index, same noise) are kept
                folder.mkdir(parents=True, exist_ok=True)
                mine = [i for i in mine if not (folder / f"{i}.png").exists()]
            wall, cpu = time.perf_counter(), time.process_time()
            images = []
            for start in range(0, len(mine), a.chunk):
                part = mine[start : start + a.chunk]
                task = json.loads((Path(a.model) / "model.json").read_text())["task"]
                conditions = [scenes[i].condition(task) for i in part]
                done = (translate_single_pass(Path(a.model), conditions, part, a.seed, a.chunk) if single
                        else translate(Path(a.model), conditions, part, setting, a.seed, a.chunk))
                images += done
                if folder is not None:
                    _save(folder, part, done)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            seconds = wall / max(1, len(mine))
            cpu_per_image = cpu / len(mine) if mine else None
            if folder is not None and mine:
                stamp = time.strftime("%Y%m%dT%H%M%S")
                (folder / f"seconds-{shard}of{shards}-{stamp}.json").write_text(
                    json.dumps({"images": len(mine), "seconds": wall, "cpu_seconds": cpu, "threads": a.threads}))
            if shards > 1 or (folder is not None and len(mine) < a.n):
                print(f"{label}: shard {shard}/{shards}: {len(mine)} images translated, {seconds:.2f} s/image",
                      file=sys.stderr)
                if shards > 1:
                    continue
                images = _load(folder, a.n)
        if clf is None:
            cache = Path(a.images) / "cache" if a.images else None
            clf = default_classifier(cache=cache)
            patches_file = None if cache is None else cache / f"real-patches-{a.n}.npy"
            if patches_file is not None and patches_file.exists():
                real_patches = np.load(patches_file)
            else:
                real_patches = np.concatenate([patch_features(s.image) for s in scenes])
                if patches_file is not None:
                    np.save(patches_file, real_patches)
                    np.save(cache / f"labels-{a.n}.npy", np.stack([s.labels for s in scenes]))
        iou, fd = score(images, scenes, clf, real_patches)
        base_calls, sr_calls, guided = (0, 0, False) if setting is None else setting.evaluations(Path(a.model))
        rows.append({"setting": label, "miou": round(iou.mean(), 4), "fd": round(fd, 2),
                     "evaluations": base_calls + sr_calls, "base_calls": base_calls, "sr_calls": sr_calls,
                     "released_gflop": None if single else released_gflop(base_calls, sr_calls, guided),
                     "sec_per_image": round(seconds, 3),
                     "cpu_sec_per_image": None if cpu_per_image is None else round(cpu_per_image, 3),
                     "per_class": {n: round(float(v), 3) for n, v in zip(CLASS_NAMES, iou.per_class())}})
        print(f"{label}: mIoU {rows[-1]['miou']:.3f}  fd {fd:.1f}  {seconds:.2f} s/image", file=sys.stderr)
    if not rows:
        return 0
    names = " ".join(f"{n[:6]:>6}" for n in CLASS_NAMES)
    print(f"bench quality: {a.n} held-out masks, model {a.model or '-'}, {a.threads} thread(s) per process")
    print(f"{'setting':<48} {'mIoU':>6} {'FD':>8} {'evals':>5} {'GFLOP':>7} {'s/img':>7} {'cpu s':>7}  {names}")
    for r in rows:
        per = " ".join(f"{v:6.3f}" for v in r["per_class"].values())
        cpu = "-" if r["cpu_sec_per_image"] is None else f"{r['cpu_sec_per_image']:.2f}"
        gflop = "-" if r["released_gflop"] is None else f"{r['released_gflop']:.0f}"
        print(f"{r['setting']:<48} {r['miou']:6.3f} {r['fd']:8.2f} {r['evaluations']:>5} {gflop:>7} "
              f"{r['sec_per_image']:7.2f} {cpu:>7}  {per}")
    first = rows[0]
    summary = {"miou": first["miou"], "fd": first["fd"], "evaluations": first["evaluations"],
               "released_gflop": first["released_gflop"], "sec_per_image": first["sec_per_image"],
               "cpu_sec_per_image": first["cpu_sec_per_image"], "n": a.n,
               "setting": first["setting"], "model": a.model, "threads": a.threads}
    if len(rows) > 1:
        keys = ("setting", "miou", "fd", "evaluations", "released_gflop", "sec_per_image", "cpu_sec_per_image")
        summary["settings"] = [{k: r[k] for k in keys} for r in rows]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
