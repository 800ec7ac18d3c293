"""A SPADE-style single-pass generator and its export as a piti-serve
``single-pass`` model directory (docs/MODEL_FORMAT.md, "Single-pass models").

The generator follows SPADE (Park et al. 2019, "Semantic Image Synthesis with
Spatially-Adaptive Normalization"): a stack of residual blocks whose
normalisation layers are parameter-free (instance norm here) and are then
modulated per pixel by a scale and a shift predicted from the semantic map
(``SPADE``); each block is followed by a 2x nearest upsampling. As in OASIS
(Schonfeld et al. 2021) the noise is a 3D map: it is upsampled and
concatenated to the one-hot map wherever the map is read, so different noise
gives different images of the same layout.

    generator(onehot [B, K, S, S], z [B, Z, s, s]) -> image [B, 3, S, S] in [-1, 1]

The file the engine loads wraps a generator with a palette front end
(``PaletteOneHot``): it takes the engine's pre-processed colour-coded mask
(3 channels in [-1, 1], as for PITI mask models) and turns it into the one-hot
map, one channel per class of ``classes`` plus one for every other colour.
``export_single_pass`` does this for any generator with that signature, so a
released SPADE-family generator (with its own label list and noise shape) is
exported by the same function.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .export import sha256, strip_debug_info
from .preprocess import coco_classes, voc_colour
from .world import CLASS_NAMES

TOLERANCE = 1e-5
NETWORK_FILE = "generator.pt"


@dataclass(frozen=True)
class SpadeConfig:
    """Sizes of the generator: ``channels[i]`` is the width at resolution ``latent * 2**i``."""

    classes: tuple[str, ...] = CLASS_NAMES
    channels: tuple[int, ...] = (32, 32, 24, 16)
    latent: int = 16  # side of the noise map (and of the first feature map)
    z_channels: int = 8
    hidden: int = 12  # width of each SPADE's shared convolution
    size: int = 128  # the generator's resolution (and that of its one-hot input)
    output: int = 256  # the exported network's output: the generator's image, bilinearly resized to it

    @property
    def label_channels(self) -> int:
        return len(self.classes) + 1  # one more for colours of no listed class

    def validate(self) -> None:
        if self.latent * 2 ** (len(self.channels) - 1) != self.size:
            raise ValueError(f"latent {self.latent} x 2^{len(self.channels) - 1} must be the size {self.size}")


class Spade(nn.Module):
    """Parameter-free instance norm, then a per-pixel scale and shift predicted from the condition map."""

    def __init__(self, channels: int, cond_channels: int, hidden: int):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.shared = nn.Sequential(nn.Conv2d(cond_channels, hidden, 3, padding=1), nn.ReLU())
        self.gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.shared(cond)
        return self.norm(x) * (1 + self.gamma(h)) + self.beta(h)


class SpadeResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, cond_channels: int, hidden: int):
        super().__init__()
        mid = min(cin, cout)
        self.norm0 = Spade(cin, cond_channels, hidden)
        self.conv0 = nn.Conv2d(cin, mid, 3, padding=1)
        self.norm1 = Spade(mid, cond_channels, hidden)
        self.conv1 = nn.Conv2d(mid, cout, 3, padding=1)
        self.learned_skip = cin != cout
        if self.learned_skip:
            self.norm_s = Spade(cin, cond_channels, hidden)
            self.conv_s = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        skip = self.conv_s(self.norm_s(x, cond)) if self.learned_skip else x
        h = self.conv0(F.leaky_relu(self.norm0(x, cond), 0.2))
        h = self.conv1(F.leaky_relu(self.norm1(h, cond), 0.2))
        return skip + h


class SpadeGenerator(nn.Module):
    """One-hot map and noise map -> image, one forward pass."""

    def __init__(self, cfg: SpadeConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        cond = cfg.label_channels + cfg.z_channels
        self.head = nn.Conv2d(cond, cfg.channels[0], 3, padding=1)
        blocks = []
        for i, c in enumerate(cfg.channels):
            blocks.append(SpadeResBlock(cfg.channels[max(i - 1, 0)], c, cond, cfg.hidden))
        self.blocks = nn.ModuleList(blocks)
        self.to_rgb = nn.Conv2d(cfg.channels[-1], 3, 3, padding=1)

    def forward(self, onehot: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        size = onehot.shape[-1]
        side = z.shape[-1]
        # the condition at every resolution: the map resized (nearest, area-free) and the noise map upsampled
        x = self.head(torch.cat([F.interpolate(onehot, size=(side, side), mode="nearest"), z], 1))
        n = len(self.blocks)
        for i, block in enumerate(self.blocks):
            res = side * 2 ** i
            seg = F.interpolate(onehot, size=(res, res), mode="nearest") if res != size else onehot
            zz = F.interpolate(z, size=(res, res), mode="nearest") if res != side else z
            if i > 0:
                x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            x = block(x, torch.cat([seg, zz], 1))
        return torch.tanh(self.to_rgb(F.leaky_relu(x, 0.2)))


def palette(class_names: Sequence[str]) -> list[tuple[int, tuple[int, int, int]]]:
    """(COCO-Stuff id, mask colour) of every class name, in order."""
    c = coco_classes()
    return [(c[n][0], voc_colour(c[n][0] + 1)) for n in class_names]


class PaletteOneHot(nn.Module):
    """Colour-coded mask [B, 3, S, S] in [-1, 1] -> one-hot [B, K + 1, S, S]; the last channel holds every
    pixel whose colour is none of the K palette entries."""

    def __init__(self, colours: Sequence[tuple[int, int, int]]):
        super().__init__()
        rgb = torch.tensor(colours, dtype=torch.float32) / 127.5 - 1
        self.register_buffer("colours", rgb[:, :, None, None])  # [K, 3, 1, 1]

    def forward(self, mask: torch.Tensor) -> torch.Tensor:
        # a colour matches within half a grey level (the engine's masks are exact palette colours)
        dist = (mask[:, None] - self.colours[None]).abs().amax(dim=2)  # [B, K, S, S]
        hot = (dist < 0.5 / 127.5).float()
        other = (1 - hot.sum(dim=1, keepdim=True)).clamp(min=0)
        return torch.cat([hot, other], 1)


class SinglePassExport(nn.Module):
    """What the engine calls: (mask [B, 3, S, S] in [-1, 1], z) -> image [B, 3, R, R] in [-1, 1] (the
    generator's S px image, bilinearly resized to R when R differs)."""

    def __init__(self, generator: nn.Module, colours: Sequence[tuple[int, int, int]], output: int):
        super().__init__()
        self.onehot = PaletteOneHot(colours)
        self.generator = generator
        self.output = output

    def finish(self, image: torch.Tensor) -> torch.Tensor:
        if image.shape[-1] != self.output:
            image = F.interpolate(image, size=(self.output, self.output), mode="bilinear", align_corners=False)
        return image.clamp(-1, 1)

    def forward(self, mask: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.finish(self.generator(self.onehot(mask), z))


class SinglePassExportNoNoise(SinglePassExport):
    """What the engine calls for a generator without noise: mask [B, 3, S, S] in [-1, 1] -> image."""

    def forward(self, mask: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.finish(self.generator(self.onehot(mask)))


def example_mask(colours: Sequence[tuple[int, int, int]], batch: int, size: int, seed: int) -> torch.Tensor:
    """A blocky random mask of the palette's colours, [-1, 1]."""
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, len(colours), (batch, 1, size // 16, size // 16), generator=gen)
    idx = F.interpolate(idx.float(), size=(size, size), mode="nearest").long()[:, 0]
    rgb = torch.tensor(colours, dtype=torch.float32)[idx]  # [B, S, S, 3]
    return rgb.permute(0, 3, 1, 2) / 127.5 - 1


def export_single_pass(generator: nn.Module, *, out: Path, name: str, version: str, description: str,
                       class_names: Sequence[str], size: int, z_shape: Sequence[int] | None,
                       output: int | None = None, task: str = "mask", strip_debug: bool = True, log: Any = print) -> dict[str, Any]:
    """Traces ``generator(onehot, z)`` behind the palette front end into ``out/generator.pt`` and writes
    ``out/model.json`` (kind ``single-pass``). ``size`` is the mask side the generator takes, ``output``
    the side of the images the network returns (default ``size``; bilinear resize). ``z_shape`` is the noise of one sample (e.g. [C, h, w]), or
    None for a generator without noise, which is then called as ``generator(onehot)`` and exported as
    ``network(mask)``."""
    if task != "mask":
        raise ValueError("single-pass export supports mask models (one-hot of a colour-coded mask)")
    classes = palette(class_names)
    colours = [c for _, c in classes]
    output = output or size
    net = (SinglePassExport if z_shape else SinglePassExportNoNoise)(generator.eval(), colours, output).eval()
    out.mkdir(parents=True, exist_ok=True)
    path = out / NETWORK_FILE
    gen = torch.Generator().manual_seed(7)

    def inputs(b: int, seed: int) -> tuple[torch.Tensor, ...]:
        m = example_mask(colours, b, size, seed)
        return (m, torch.randn(b, *z_shape, generator=gen)) if z_shape else (m,)

    with torch.no_grad(), torch.jit.optimized_execution(False):
        traced = torch.jit.trace(net, inputs(1, 1), check_trace=False)
        for b, seed in ((1, 2), (2, 3)):
            x = inputs(b, seed)
            diff = float((traced(*x) - net(*x)).abs().max())
            if diff > TOLERANCE:
                raise RuntimeError(f"traced generator differs from the eager one at batch {b}: {diff:.2e}")
        traced.save(str(path))
    if strip_debug:
        strip_debug_info(path)
    manifest = {
        "format": 1,
        "kind": "single-pass",
        "name": name,
        "version": version,
        "task": task,
        "description": description,
        "input": {"kind": "mask", "channels": 3, "size": size},
        "generator": {
            "network": NETWORK_FILE,
            "resolution": output,
            "noise": list(z_shape) if z_shape else [],
            "classes": [{"name": n, "id": i, "rgb": list(rgb)} for n, (i, rgb) in zip(class_names, classes)],
        },
        "sha256": {NETWORK_FILE: sha256(path)},
    }
    (out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    log(f"exported {name} to {out} ({path.stat().st_size / 1e6:.2f} MB)")
    return manifest
