"""Trains the SPADE-style single-pass baseline (piti_tools.spade) on the demo world and exports it.

    cd tools && nice -n 10 /usr/bin/python3 -m piti_tools.train_spade --run runs/spade-mask
    cd tools && /usr/bin/python3 -m piti_tools.train_spade --run runs/spade-mask --export-only \
        --out ../worker/src/main/resources/pitiserve/models/spade-mask

Sizes and recipe come from ``configs/spade-mask.toml``. Training scenes are the world's seeds 0..N-1
(the held-out range from ``world.HELD_OUT_FROM`` is never read), flipped or not, at the generator's size
(``input.size``, 128 px): masks resized NEAREST as the engine resizes them, images box-filtered.

Loss (what a tiny CPU-trained generator can use; no pretrained VGG here):

* generator: hinge GAN against two patch discriminators (the image and its 2 x 2 average, conditioned on the one-hot
  map, spectral norm), discriminator feature matching (L1 between the discriminators' features of the
  real and the generated image, as pix2pixHD and SPADE use it), and L1 on 4 x 4 box-filtered images
  (layout and colours; at full resolution L1 averages textures away, the adversarial terms draw them);
* discriminators: hinge loss.

Adam (0.5, 0.999) at a constant learning rate, an EMA of the generator's weights (exported). Seeded and
resumable: the batch and noise of step k depend only on (seed, k), so a run stopped at step N holds the
weights of a run of N steps; ``<run>/spade.ckpt`` every ``checkpoint_every`` steps; losses
in ``<run>/spade-loss.csv``.
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import CONFIG_DIR
from .native import keep_freed_memory
from .preprocess import labels_to_rgb
from .spade import PaletteOneHot, SpadeConfig, SpadeGenerator, export_single_pass, palette
from .train import build_dataset, to_unit
from .world import SIZE, downsample, resize_nearest


def load_spade_config(name: str) -> tuple[SpadeConfig, dict]:
    path = Path(name) if name.endswith(".toml") else CONFIG_DIR / f"{name}.toml"
    raw = tomllib.loads(path.read_text())
    g = raw["generator"]
    cfg = SpadeConfig(classes=tuple(g["classes"]), channels=tuple(g["channels"]), latent=g["latent"],
                      z_channels=g["z_channels"], hidden=g["hidden"], size=raw["input"]["size"],
                      output=g["output"])
    cfg.validate()
    return cfg, raw


class PatchDiscriminator(nn.Module):
    """Conditional patch discriminator: (image, one-hot) -> logits on a grid, plus its features."""

    def __init__(self, in_channels: int, widths: tuple[int, ...]):
        super().__init__()
        layers, c = [], in_channels
        for w in widths:
            layers.append(nn.utils.spectral_norm(nn.Conv2d(c, w, 4, stride=2, padding=1)))
            c = w
        self.layers = nn.ModuleList(layers)
        self.out = nn.utils.spectral_norm(nn.Conv2d(c, 1, 3, padding=1))

    def forward(self, image: torch.Tensor, onehot: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x, feats = torch.cat([image, onehot], 1), []
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.2)
            feats.append(x)
        return self.out(x), feats


class Discriminators(nn.Module):
    def __init__(self, in_channels: int, widths: tuple[int, ...]):
        super().__init__()
        self.full = PatchDiscriminator(in_channels, widths)
        self.coarse = PatchDiscriminator(in_channels, widths)

    def forward(self, image: torch.Tensor, onehot: torch.Tensor):
        return [self.full(image, onehot),
                self.coarse(F.avg_pool2d(image, 2), F.interpolate(onehot, scale_factor=0.5, mode="nearest"))]


class SpadeBatches:
    """The batch of step k, a pure function of (seed, k): colour masks, images, noise maps."""

    def __init__(self, data: dict[str, np.ndarray], cfg: SpadeConfig, batch: int, seed: int):
        self.cfg, self.batch, self.seed = cfg, batch, seed
        # the generator's resolution: labels as the engine resizes a mask (nearest), images box-filtered
        self.small_labels = resize_nearest(data["labels"], cfg.size)
        self.small = np.stack([downsample(im, SIZE // cfg.size) for im in data["images"]])

    def __call__(self, step: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, step])
        idx = rng.integers(0, len(self.small), self.batch)
        flip = rng.random(self.batch) < 0.5
        lab = np.stack([self.small_labels[i][:, ::-1] if f else self.small_labels[i] for i, f in zip(idx, flip)])
        img = np.stack([self.small[i][:, ::-1] if f else self.small[i] for i, f in zip(idx, flip)])
        z = rng.standard_normal((self.batch, self.cfg.z_channels, self.cfg.latent, self.cfg.latent), dtype=np.float32)
        return {"mask": torch.from_numpy(to_unit(labels_to_rgb(lab))), "x": torch.from_numpy(to_unit(img)),
                "z": torch.from_numpy(z)}


def hinge_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def generator_loss(d_fake, d_real, fake: torch.Tensor, real: torch.Tensor, w: dict) -> dict[str, torch.Tensor]:
    adv = sum(-logits.mean() for logits, _ in d_fake)
    fm = sum(F.l1_loss(ff, fr.detach()) for (_, f_fake), (_, f_real) in zip(d_fake, d_real)
             for ff, fr in zip(f_fake, f_real)) / len(d_fake)
    l1 = F.l1_loss(F.avg_pool2d(fake, 4), F.avg_pool2d(real, 4))
    total = w["adv"] * adv + w["fm"] * fm + w["l1"] * l1
    return {"total": total, "adv": adv, "fm": fm, "l1": l1}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Train the SPADE-style single-pass baseline on the demo world")
    p.add_argument("--config", default="spade-mask")
    p.add_argument("--run", default="runs/spade-mask")
    p.add_argument("--steps", type=int, default=None, help="total steps (default: the config's)")
    p.add_argument("--scenes", type=int, default=None, help="training scenes (default: the config's)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-minutes", type=float, default=None, help="stop (after a checkpoint) when exceeded")
    p.add_argument("--export-only", action="store_true", help="export the run's checkpoint and stop")
    p.add_argument("--out", help="export the EMA generator to this model directory when done")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    keep_freed_memory()
    cfg, raw = load_spade_config(a.config)
    tr = raw["train"]
    steps = a.steps or int(tr["steps"])
    run = Path(a.run)
    run.mkdir(parents=True, exist_ok=True)
    ckpt = run / "spade.ckpt"
    log_file = open(run / "spade.log", "a")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    torch.manual_seed(int(tr["seed"]))
    gen = SpadeGenerator(cfg)
    disc = Discriminators(3 + cfg.label_channels, tuple(tr["disc_widths"]))
    ema = copy.deepcopy(gen).eval()
    for q in ema.parameters():
        q.requires_grad_(False)
    betas = tuple(tr["betas"])
    opt_g = torch.optim.Adam(gen.parameters(), lr=tr["lr_g"], betas=betas)
    opt_d = torch.optim.Adam(disc.parameters(), lr=tr["lr_d"], betas=betas)
    start = 0
    if ckpt.exists():
        state = torch.load(ckpt, map_location="cpu")
        gen.load_state_dict(state["gen"])
        disc.load_state_dict(state["disc"])
        ema.load_state_dict(state["ema"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        start = int(state["step"])
        log(f"resumed at step {start}")
    if a.export_only:
        return export(ema, cfg, raw, Path(a.out or "out/spade-mask"), log)
    log(f"generator {sum(q.numel() for q in gen.parameters())} parameters, discriminators "
        f"{sum(q.numel() for q in disc.parameters())}, {steps} steps, batch {tr['batch']}")
    scenes = a.scenes or int(tr["scenes"])
    data = build_dataset(run / f"data-{scenes}.npz", scenes, log)
    batches = SpadeBatches(data, cfg, int(tr["batch"]), int(tr["seed"]))
    onehot = PaletteOneHot([c for _, c in palette(cfg.classes)])
    weights = {"adv": tr["w_adv"], "fm": tr["w_fm"], "l1": tr["w_l1"]}
    csv_path = run / "spade-loss.csv"
    if start == 0 and csv_path.exists():
        csv_path.unlink()
    csv = open(csv_path, "a")
    if start == 0:
        csv.write("step,d,adv,fm,l1,seconds\n")

    def save(step: int) -> None:
        tmp = ckpt.with_suffix(".tmp")
        torch.save({"gen": gen.state_dict(), "disc": disc.state_dict(), "ema": ema.state_dict(),
                    "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(), "step": step, "config": a.config}, tmp)
        os.replace(tmp, ckpt)
        csv.flush()

    t_start = time.time()
    gen.train()
    for step in range(start, steps):
        t0 = time.time()
        b = batches(step)
        seg = onehot(b["mask"])
        fake = gen(seg, b["z"])
        # discriminators
        d_real = disc(b["x"], seg)
        d_fake = disc(fake.detach(), seg)
        loss_d = sum(hinge_d(r[0], f[0]) for r, f in zip(d_real, d_fake))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # generator
        d_fake = disc(fake, seg)  # feature matching reads the real features of the discriminator step
        lg = generator_loss(d_fake, d_real, fake, b["x"], weights)
        opt_g.zero_grad(set_to_none=True)
        lg["total"].backward()
        opt_g.step()
        with torch.no_grad():
            decay = min(tr["ema"], (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), gen.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        csv.write(f"{step + 1},{loss_d.item():.4f},{lg['adv'].item():.4f},{lg['fm'].item():.4f},"
                  f"{lg['l1'].item():.4f},{time.time() - t0:.3f}\n")
        if (step + 1) % 25 == 0:
            log(f"step {step + 1}/{steps} d {loss_d.item():.3f} adv {lg['adv'].item():.3f} fm {lg['fm'].item():.3f} "
                f"l1 {lg['l1'].item():.4f} ({time.time() - t0:.2f} s/step)")
        if (step + 1) % int(tr["checkpoint_every"]) == 0 or step + 1 == steps:
            save(step + 1)
            if a.max_minutes is not None and (time.time() - t_start) / 60 > a.max_minutes and step + 1 < steps:
                log(f"stopping at step {step + 1} after {a.max_minutes} minutes; rerun to resume")
                break
    log(f"trained to step {max(start, min(steps, step + 1)) if steps > start else start}")
    if a.out:
        return export(ema, cfg, raw, Path(a.out), log)
    return 0


def export(ema: SpadeGenerator, cfg: SpadeConfig, raw: dict, out: Path, log) -> int:
    export_single_pass(ema, out=out, name=raw["name"], version=raw["version"], description=raw["description"],
                       class_names=cfg.classes, size=cfg.size, z_shape=(cfg.z_channels, cfg.latent, cfg.latent),
                       output=cfg.output, log=log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
