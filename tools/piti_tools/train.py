"""Trains one stage of a small PITI model on the demo world (piti_tools.world).

    cd tools && nice -n 15 /usr/bin/python3 -m piti_tools.train --stage base --run runs/demo-mask
    cd tools && nice -n 15 /usr/bin/python3 -m piti_tools.train --stage upsampler --run runs/demo-mask
    cd tools && nice -n 15 /usr/bin/python3 -m piti_tools.train --config demo-sketch --stage base --run runs/demo-sketch

The recipe of PITI, in small:

* base: 64 px images (box-filtered from the 256 px world images), the
  condition as ``ref``: for a mask model the colour-coded mask, for a sketch
  model the distance map of the render's edge map (``piti_tools.sketches``),
  both resized (nearest) to the config's input size as the engine does;
  condition dropout (``--p-uncond``,
  0.2): the ref is replaced by the all-ones unconditional ref, so that
  classifier-free guidance works at sampling time;
* upsampler: 64 x 64 windows of the 256 px image (``--crop``), conditioned on
  the quantised 64 px image (the same window, 16 x 16) and on the mask; no
  condition dropout (the upsampler runs unguided);
* loss: MSE on eps (for an x0-predicting config, ``prediction = "x0"``: the
  x0 MSE weighted by the signal-to-noise ratio clipped to [0.5, 5]) plus the
  variational bound term of the learned-range variance (the mean's gradient
  stopped there), as the engine reads both halves of the decoder's six
  output channels;
* AdamW, EMA of the weights (the EMA is what gets exported), horizontal flips.

Seeded and resumable: the batch of step k depends only on (seed, k); a
checkpoint (``<run>/<stage>.ckpt``: weights, EMA, optimiser, step) is written
every ``--checkpoint-every`` steps and at the end; a rerun continues from it.
The loss of every step goes to ``<run>/<stage>-loss.csv``. The training
scenes are seeds 0..N-1 of the world, cached in ``<run>/data-<N>.npz``.
"""
from __future__ import annotations

import argparse
import copy
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .config import StageConfig, load_config
from .native import keep_freed_memory
from .networks import StageNetwork, build_stage
from .preprocess import labels_to_rgb
from .sketches import sketch, sketch_condition
from .reference import base_betas
from .world import HELD_OUT_FROM, SIZE, downsample, resize_nearest, scene


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


def build_dataset(path: Path, count: int, log=print) -> dict[str, np.ndarray]:
    """Scenes 0..count-1: labels [N,256,256] uint8, images [N,256,256,3] uint8."""
    if path.exists():
        with np.load(path) as d:
            return {k: d[k] for k in d.files}
    assert count <= HELD_OUT_FROM
    labels = np.zeros((count, SIZE, SIZE), np.uint8)
    images = np.zeros((count, SIZE, SIZE, 3), np.uint8)
    t0 = time.time()
    for i in range(count):
        s = scene(i)
        labels[i], images[i] = s.labels, s.image
        if (i + 1) % 250 == 0:
            log(f"world: {i + 1}/{count} scenes ({time.time() - t0:.0f} s)")
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, labels=labels, images=images)
    tmp.replace(path)
    return {"labels": labels, "images": images}


def to_unit(x: np.ndarray) -> np.ndarray:
    """uint8 [..., H, W, C] -> float32 [..., C, H, W] in [-1, 1]."""
    return (np.moveaxis(x, -1, -3).astype(np.float32) / np.float32(127.5) - np.float32(1)).astype(np.float32)


def quantise_t(x: torch.Tensor) -> torch.Tensor:
    return torch.floor(127.5 * (x.clamp(-1, 1) + 1)) / 127.5 - 1


class Batches:
    """The batch of step k, a pure function of (seed, k)."""

    def __init__(self, data: dict[str, np.ndarray], cfg: StageConfig, batch: int, seed: int, p_uncond: float, crop: int,
                 kind: str = "mask"):
        self.labels, self.images = data["labels"], data["images"]
        self.cfg, self.batch, self.seed, self.p_uncond, self.crop = cfg, batch, seed, p_uncond, crop
        if kind not in ("mask", "sketch"):
            raise ValueError(f"cannot train a {kind} model on the demo world")
        self.kind = kind
        # a sketch model's condition: the edge map of each 256 px render (flipped with its image before the resize)
        self.sketches = np.stack([sketch(im) for im in self.images]) if kind == "sketch" else None
        self.small = np.stack([downsample(im, SIZE // 64) for im in self.images]) if cfg.is_upsampler else None
        if not cfg.is_upsampler:
            self.small = np.stack([downsample(im, SIZE // cfg.resolution) for im in self.images])

    def __call__(self, step: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, step])
        idx = rng.integers(0, len(self.labels), self.batch)
        flip = rng.random(self.batch) < 0.5
        ref = self._condition(idx, flip)
        if not self.cfg.is_upsampler:
            drop = rng.random(self.batch) < self.p_uncond
            ref[drop] = 1.0
        small = np.stack([self.small[i][:, ::-1] if f else self.small[i] for i, f in zip(idx, flip)])
        out: dict[str, torch.Tensor] = {"ref": torch.from_numpy(ref)}
        t = rng.integers(0, self.cfg.schedule.steps, self.batch)
        out["t"] = torch.from_numpy(t)
        out["noise"] = torch.from_numpy(rng.standard_normal((self.batch, 3, *self._x_shape()), dtype=np.float32))
        if self.cfg.is_upsampler:
            c = self.crop
            f = SIZE // 64
            top, left = (int(v) * f for v in rng.integers(0, (SIZE - c) // f + 1, 2))
            full = np.stack([self.images[i][:, ::-1] if fl else self.images[i] for i, fl in zip(idx, flip)])
            out["x0"] = torch.from_numpy(to_unit(full[:, top : top + c, left : left + c]))
            low = torch.from_numpy(to_unit(small[:, top // f : (top + c) // f, left // f : (left + c) // f]))
            # a little noise on the condition: at sampling time it is the base's output, not a clean downsample
            jitter = torch.from_numpy(rng.normal(0, 1, low.shape).astype(np.float32)) * torch.from_numpy(
                rng.uniform(0, 0.04, (self.batch, 1, 1, 1)).astype(np.float32)
            )
            out["low_res"] = quantise_t(low + jitter)
            out["crop"] = torch.tensor([top, left])
        else:
            out["x0"] = torch.from_numpy(to_unit(small))
        return out

    def _condition(self, idx: np.ndarray, flip: np.ndarray) -> np.ndarray:
        size = self.cfg.encoder.ref_size
        if self.kind == "sketch":
            sk = [self.sketches[i][:, ::-1] if f else self.sketches[i] for i, f in zip(idx, flip)]
            return np.stack([sketch_condition(s, size) for s in sk])
        lab = np.stack([self.labels[i][:, ::-1] if f else self.labels[i] for i, f in zip(idx, flip)])
        return to_unit(labels_to_rgb(resize_nearest(lab, size)))

    def _x_shape(self) -> tuple[int, int]:
        return (self.crop, self.crop) if self.cfg.is_upsampler else (self.cfg.resolution, self.cfg.resolution)


# --------------------------------------------------------------------------
# diffusion loss
# --------------------------------------------------------------------------


class Diffusion:
    def __init__(self, cfg: StageConfig):
        b = base_betas(cfg.schedule)
        abar = np.cumprod(1 - b)
        abar_prev = np.append(1.0, abar[:-1])
        pv = b * (1 - abar_prev) / (1 - abar)
        tab = {
            "sqrt_abar": np.sqrt(abar),
            "sqrt_1m_abar": np.sqrt(1 - abar),
            "sqrt_recip_abar": np.sqrt(1 / abar),
            "sqrt_recipm1_abar": np.sqrt(1 / abar - 1),
            "coef1": b * np.sqrt(abar_prev) / (1 - abar),
            "coef2": (1 - abar_prev) * np.sqrt(1 - b) / (1 - abar),
            "log_pv_clipped": np.log(np.append(pv[1], pv[1:])),
            "log_betas": np.log(b),
        }
        snr = abar / (1 - abar)
        # eps-space weight of each step: plain eps MSE for an eps network; for an x0 network the x0 MSE
        # weighted by the signal-to-noise ratio clipped to [0.5, 5] (eps MSE = SNR x0 MSE)
        tab["weight"] = np.clip(snr, 0.5, 5.0) / snr if cfg.prediction != "eps" else np.ones_like(snr)
        self.t = {k: torch.tensor(v, dtype=torch.float32) for k, v in tab.items()}

    def at(self, name: str, t: torch.Tensor) -> torch.Tensor:
        return self.t[name][t][:, None, None, None]

    def losses(self, out: torch.Tensor, x0: torch.Tensor, xt: torch.Tensor, noise: torch.Tensor, t: torch.Tensor):
        eps, v = out[:, :3], out[:, 3:]
        mse = (((eps - noise) ** 2).mean(dim=(1, 2, 3)) * self.t["weight"][t]).mean()
        # variational bound for the variance only (the mean's gradient is stopped)
        e = eps.detach()
        x0_pred = self.at("sqrt_recip_abar", t) * xt - self.at("sqrt_recipm1_abar", t) * e
        mean_p = self.at("coef1", t) * x0_pred + self.at("coef2", t) * xt
        mean_q = self.at("coef1", t) * x0 + self.at("coef2", t) * xt
        frac = (v + 1) / 2
        logvar_p = frac * self.at("log_betas", t) + (1 - frac) * self.at("log_pv_clipped", t)
        logvar_q = self.at("log_pv_clipped", t)
        kl = 0.5 * (-1 + logvar_p - logvar_q + torch.exp(logvar_q - logvar_p) + (mean_q - mean_p) ** 2 * torch.exp(-logvar_p))
        kl = kl.mean(dim=(1, 2, 3)) / math.log(2.0)
        vb = (kl * (t > 0).float()).mean()
        return mse, vb

    def noised(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return self.at("sqrt_abar", t) * x0 + self.at("sqrt_1m_abar", t) * noise


# --------------------------------------------------------------------------
# loop
# --------------------------------------------------------------------------


def train_step(stage: StageNetwork, diff: Diffusion, b: dict[str, torch.Tensor]):
    xt = diff.noised(b["x0"], b["t"], b["noise"])
    proj, tokens = stage.encoder(b["ref"])
    tf = b["t"].float()
    if stage.cfg.is_upsampler:
        crop = (int(b["crop"][0]), int(b["crop"][1]))
        out = stage.decoder.forward_sr(xt, tf, proj, tokens, b["low_res"], crop)  # type: ignore[attr-defined]
    else:
        out = stage.decoder(xt, tf, proj, tokens)
    return diff.losses(out, b["x0"], xt, b["noise"], b["t"])


def lr_at(step: int, base_lr: float, warmup: int, total: int) -> float:
    if step < warmup:
        return base_lr * (step + 1) / warmup
    frac = (step - warmup) / max(1, total - warmup)
    return base_lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0))))


def checkpoint_path(run: Path, stage: str) -> Path:
    return run / f"{stage}.ckpt"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Train one stage of a small PITI model on the demo world")
    p.add_argument("--config", default="demo-mask")
    p.add_argument("--stage", choices=["base", "upsampler"], required=True)
    p.add_argument("--run", default="runs/demo-mask", help="run directory (checkpoints, loss log, data cache)")
    p.add_argument("--steps", type=int, default=None, help="total steps (default: 1000)")
    p.add_argument("--batch", type=int, default=None, help="batch size (default: 8 base, 4 upsampler)")
    p.add_argument("--crop", type=int, default=64, help="upsampler training window (pixels)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--ema", type=float, default=0.995)
    p.add_argument("--p-uncond", type=float, default=0.2, help="condition dropout (base only)")
    p.add_argument("--scenes", type=int, default=600, help="training scenes (world seeds 0..N-1)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--checkpoint-every", type=int, default=50)
    p.add_argument("--max-minutes", type=float, default=None, help="stop (after a checkpoint) when exceeded")
    p.add_argument("--stop-at", type=int, default=None,
                   help="stop after step N (checkpointed), keeping the learning-rate schedule of --steps")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    keep_freed_memory()
    cfg = load_config(a.config)
    scfg = cfg.stages[a.stage]
    steps = a.steps or 1000
    batch = a.batch or (8 if a.stage == "base" else 4)
    run = Path(a.run)
    run.mkdir(parents=True, exist_ok=True)
    log_file = open(run / f"{a.stage}.log", "a")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    data = build_dataset(run / f"data-{a.scenes}.npz", a.scenes, log)
    torch.manual_seed(a.seed)
    stage = build_stage(scfg)
    if scfg.prediction == "residual":
        with torch.no_grad():  # start as "x0 = the upsampled low_res image", variance half-way
            stage.decoder.out[2].weight.zero_()
            stage.decoder.out[2].bias.zero_()
    ema = copy.deepcopy(stage).eval()
    for q in ema.parameters():
        q.requires_grad_(False)
    opt = torch.optim.AdamW(stage.parameters(), lr=a.lr, weight_decay=0.0)
    start = 0
    ckpt = checkpoint_path(run, a.stage)
    if ckpt.exists():
        state = torch.load(ckpt, map_location="cpu")
        stage.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        start = int(state["step"])
        log(f"resumed {a.stage} at step {start}")
    else:
        log(f"new {a.stage}: {sum(q.numel() for q in stage.parameters())} parameters, {steps} steps, batch {batch}")
    batches = Batches(data, scfg, batch, a.seed + (0 if a.stage == "base" else 1), a.p_uncond, a.crop, cfg.input_kind)
    diff = Diffusion(scfg)
    csv_path = run / f"{a.stage}-loss.csv"
    if start == 0 and csv_path.exists():
        csv_path.unlink()
    csv = open(csv_path, "a")
    if start == 0:
        csv.write("step,mse,vb,seconds\n")
    t_start = time.time()

    def save(step: int) -> None:
        tmp = ckpt.with_suffix(".tmp")
        torch.save({"model": stage.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step,
                    "config": a.config, "stage": a.stage}, tmp)
        os.replace(tmp, ckpt)
        csv.flush()

    stage.train()
    for step in range(start, steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a.lr, a.warmup, steps)
        t0 = time.time()
        mse, vb = train_step(stage, diff, batches(step))
        loss = mse + vb
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(stage.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            decay = min(a.ema, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), stage.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        csv.write(f"{step + 1},{mse.item():.5f},{vb.item():.5f},{time.time() - t0:.3f}\n")
        if (step + 1) % 50 == 0:
            log(f"{a.stage} step {step + 1}/{steps} mse {mse.item():.4f} vb {vb.item():.4f} ({time.time() - t0:.2f} s/step)")
        if (step + 1) % a.checkpoint_every == 0 or step + 1 == steps:
            save(step + 1)
            if a.max_minutes is not None and (time.time() - t_start) / 60 > a.max_minutes and step + 1 < steps:
                log(f"stopping at step {step + 1} after {a.max_minutes} minutes; rerun to resume")
                return 3
        if a.stop_at is not None and step + 1 >= a.stop_at and step + 1 < steps:
            save(step + 1)
            log(f"stopped at step {step + 1} (--stop-at)")
            return 0
    log(f"{a.stage} done: {steps} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
