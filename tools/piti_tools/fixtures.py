"""Deterministic generator of piti-serve's test fixtures and bundled tiny model.

    cd tools && /usr/bin/python3 -m piti_tools.fixtures [--root ..] [--only models|parity|preprocess|examples]

Writes (relative to the repository root):
  worker/src/main/resources/pitiserve/models/tiny-mask/     tiny config, bundled model
  worker/src/test/resources/fixtures/models/micro-{mask,sketch}/
  worker/src/test/resources/fixtures/parity/<case>/ + index.json
  common/src/test/resources/fixtures/preprocess/
  worker/src/main/resources/pitiserve/examples/mask.png, sketch.png
Every random number comes from a fixed seed.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch
from PIL import Image, ImageDraw

from .config import ModelConfig, load_config
from .export import export_model
from .networks import StageNetwork, build_stage, randomize_
from .preprocess import coco_classes, labels_to_rgb, mask_ref, sketch_ref
from .reference import RespacedSchedule, TorchStageModel, quantise, sample_stage, spacing_of

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_DIR = "worker/src/main/resources/pitiserve/models/tiny-mask"
MICRO_DIR = "worker/src/test/resources/fixtures/models"
PARITY_DIR = "worker/src/test/resources/fixtures/parity"
PREPROCESS_DIR = "common/src/test/resources/fixtures/preprocess"
EXAMPLE_MASK = "worker/src/main/resources/pitiserve/examples/mask.png"
EXAMPLE_SKETCH = "worker/src/main/resources/pitiserve/examples/sketch.png"
# a held-out scene of the demo world (mountains, a river, trees, clouds) whose edge map is the example sketch
EXAMPLE_SKETCH_SEED = 1_000_509

MODELS = {"tiny-mask": "tiny-mask", "micro-mask": "micro-mask", "micro-sketch": "micro-sketch"}


def _seed(*parts: str) -> int:
    return zlib.crc32("/".join(parts).encode()) & 0x7FFFFFFF


def random_stages(cfg: ModelConfig) -> dict[str, StageNetwork]:
    """Both stages with every parameter drawn from a seeded normal; asserts the
    decoder output is not constant."""
    torch.manual_seed(0)
    stages = {}
    for name, scfg in cfg.stages.items():
        stage = build_stage(scfg).eval()
        randomize_(stage, _seed(cfg.name, name))
        check_not_degenerate(stage)
        stages[name] = stage
    return stages


@torch.no_grad()
def check_not_degenerate(stage: StageNetwork) -> float:
    cfg = stage.cfg
    gen = torch.Generator().manual_seed(7)
    e = cfg.encoder
    ref = torch.rand(1, e.in_channels, e.ref_size, e.ref_size, generator=gen) * 2 - 1
    x = torch.randn(1, 3, cfg.resolution, cfg.resolution, generator=gen)
    low = torch.rand(1, 3, cfg.low_res, cfg.low_res, generator=gen) * 2 - 1 if cfg.is_upsampler else None
    proj, tokens = stage.encoder(ref)
    out = stage.decode(x, torch.tensor([500.0]), proj, tokens, low)
    std = float(out.std(dim=(2, 3)).min())
    assert torch.isfinite(out).all(), "decoder output not finite"
    assert std > 1e-3, f"decoder output (nearly) constant: per-channel std {std}"
    out_uncond = stage.decode(x, torch.tensor([500.0]), *stage.encoder(torch.ones_like(ref)), low)
    assert float((out - out_uncond).abs().max()) > 1e-4, "decoder ignores the condition"
    return std


def write_model(cfg_name: str, out: Path, log: Any = print) -> dict[str, StageNetwork]:
    cfg = load_config(cfg_name)
    stages = random_stages(cfg)
    if out.exists():
        shutil.rmtree(out)
    export_model(cfg, stages, out, log=log, strip_debug=True)
    return stages


# --------------------------------------------------------------------------
# condition inputs
# --------------------------------------------------------------------------


def synthetic_mask(size: int, rng: np.random.Generator) -> np.ndarray:
    """A blocky colour-coded COCO-Stuff mask [size, size, 3] uint8."""
    labels = np.full((size, size), 255, dtype=np.int64)
    names = ["sky-other", "grass", "tree", "person", "road", "sea", "mountain", "house"]
    ids = [coco_classes()[n][0] for n in names]
    labels[: size // 3] = ids[0]
    labels[size // 3 :] = ids[1]
    for _ in range(6):
        h, w = rng.integers(size // 8, size // 2, size=2)
        y, x = rng.integers(0, size - h), rng.integers(0, size - w)
        labels[y : y + h, x : x + w] = ids[int(rng.integers(2, len(ids)))]
    return labels_to_rgb(labels)


def synthetic_sketch(size: int, rng: np.random.Generator, lines: int = 6) -> np.ndarray:
    """White (255) strokes on black [size, size] uint8."""
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    for _ in range(lines):
        pts = [tuple(int(v) for v in rng.integers(0, size, 2)) for _ in range(3)]
        d.line(pts, fill=255, width=1)
    return np.asarray(img, dtype=np.uint8).copy()


def condition_ref(cfg: ModelConfig, batch: int, rng: np.random.Generator) -> np.ndarray:
    size = cfg.input_size
    if cfg.input_kind == "mask":
        refs = [mask_ref(synthetic_mask(size, rng)) for _ in range(batch)]
    elif cfg.input_kind == "sketch":
        refs = [sketch_ref(synthetic_sketch(size, rng)) for _ in range(batch)]
    else:
        refs = [rng.uniform(-1, 1, (cfg.input_channels, size, size)).astype(np.float32) for _ in range(batch)]
    return np.stack(refs).astype(np.float32)


# --------------------------------------------------------------------------
# parity cases
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ParityCase:
    name: str
    model: str
    samples: int
    sampler: str
    eta: float
    guidance_mode: str
    guidance_scale: float
    base_respacing: Optional[str]
    sr_respacing: Optional[str]
    stages: tuple[str, ...]
    note: str = ""

    def case_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "samples": self.samples,
            "sampler": self.sampler,
            "eta": self.eta,
            "guidance": {"mode": self.guidance_mode, "scale": self.guidance_scale},
            "base_respacing": self.base_respacing,
            "sr_respacing": self.sr_respacing,
            "stages": list(self.stages),
        }


CASES: tuple[ParityCase, ...] = (
    ParityCase("base-ddpm-cfg-fast27", "micro-mask", 1, "ddpm", 0.0, "cfg", 1.3, "fast27", None, ("base",),
               "guided DDPM over the fast27 respacing"),
    ParityCase("base-ddpm-normalized-10-b2", "micro-mask", 2, "ddpm", 0.0, "normalized", 1.4, "10", None, ("base",),
               "normalized guidance, two samples"),
    ParityCase("base-ddim-eta0-ddim8", "micro-mask", 1, "ddim", 0.0, "cfg", 1.3, "ddim8", None, ("base",),
               "deterministic DDIM"),
    ParityCase("base-ddim-eta05-sections-b2", "micro-sketch", 2, "ddim", 0.5, "normalized", 1.3, "5,3", None,
               ("base",), "stochastic DDIM, sectioned respacing, sketch model"),
    ParityCase("upsampler-ddpm-4", "micro-mask", 1, "ddpm", 0.0, "cfg", 1.3, None, "4", ("upsampler",),
               "upsampler alone from a given low_res (unguided)"),
    ParityCase("pipeline-ddpm-cfg", "micro-mask", 1, "ddpm", 0.0, "cfg", 1.3, "10", "4", ("base", "upsampler"),
               "two stages with quantised hand-off"),
    ParityCase("pipeline-ddim-eta05-normalized-b2", "micro-sketch", 2, "ddim", 0.5, "normalized", 1.3, "ddim8",
               "ddim3", ("base", "upsampler"), "two stages, DDIM eta 0.5, two samples"),
    ParityCase("base-dpmpp2m-cfg-10", "micro-mask", 1, "dpmpp_2m", 0.0, "cfg", 1.3, "10", None, ("base",),
               "DPM-Solver++(2M), steps uniform in t, guided"),
    ParityCase("base-dpmpp2m-logsnr-normalized-4-b2", "micro-sketch", 2, "dpmpp_2m_logsnr", 0.0, "normalized", 1.4,
               "4", None, ("base",), "DPM-Solver++(2M), log-SNR steps, normalized guidance, two samples"),
    ParityCase("upsampler-dpmpp2m-karras-6", "micro-mask", 1, "dpmpp_2m_karras", 0.0, "cfg", 1.3, None, "6",
               ("upsampler",), "DPM-Solver++(2M), Karras steps, upsampler alone from a given low_res"),
    ParityCase("base-dpmpp2m-sde-normalized-8-b2", "micro-mask", 2, "dpmpp_2m_sde", 0.0, "normalized", 1.3, "8", None,
               ("base",), "SDE-DPM-Solver++(2M): fresh noise at every step, two samples"),
    ParityCase("pipeline-dpmpp2m-cfg-b2", "micro-mask", 2, "dpmpp_2m", 0.0, "cfg", 1.3, "8", "8",
               ("base", "upsampler"), "DPM-Solver++(2M), both stages with quantised hand-off, two samples"),
)


def draws(case: ParityCase, sched: RespacedSchedule) -> int:
    """Noise rows a case records: the start and one per step, or the start alone for DPM-Solver++."""
    return 1 if case.sampler.startswith("dpmpp_2m") and case.sampler != "dpmpp_2m_sde" else sched.steps + 1


def run_case(case: ParityCase, stages: dict[str, StageNetwork], cfg: ModelConfig) -> dict[str, np.ndarray]:
    """Generates the inputs of a case and runs the reference; returns name -> array."""
    rng = np.random.default_rng(_seed("parity", case.name))
    b = case.samples
    files: dict[str, np.ndarray] = {}
    ref = condition_ref(cfg, b, rng)
    files["ref.npy"] = ref
    low_res: Optional[np.ndarray] = None
    if "base" in case.stages:
        s = cfg.base
        assert case.base_respacing is not None
        sched = RespacedSchedule.create(s.schedule, case.base_respacing, spacing_of(case.sampler))
        noise = rng.standard_normal((draws(case, sched), b, 3, s.resolution, s.resolution), dtype=np.float32)
        files["noise/base.npy"] = noise
        model = TorchStageModel(stages["base"], ref)
        x = sample_stage(model, sched, noise, s.noise_scale, case.sampler, case.eta, s.guided,
                         case.guidance_scale, case.guidance_mode)
        files["expected/base.npy"] = x
        low_res = quantise(x)
        files["expected/low_res.npy"] = low_res
    if "upsampler" in case.stages:
        s = cfg.upsampler
        assert case.sr_respacing is not None and s.low_res is not None
        if low_res is None:
            smooth = rng.uniform(-1.2, 1.2, (b, 3, s.low_res // 4, s.low_res // 4)).astype(np.float32)
            smooth = np.repeat(np.repeat(smooth, 4, axis=2), 4, axis=3)
            low_res = quantise(smooth + rng.normal(0, 0.1, smooth.shape).astype(np.float32))
            files["low_res.npy"] = low_res
        sched = RespacedSchedule.create(s.schedule, case.sr_respacing, spacing_of(case.sampler))
        noise = rng.standard_normal((draws(case, sched), b, 3, s.resolution, s.resolution), dtype=np.float32)
        files["noise/upsampler.npy"] = noise
        model = TorchStageModel(stages["upsampler"], ref, low_res)
        x = sample_stage(model, sched, noise, s.noise_scale, case.sampler, case.eta, s.guided,
                         case.guidance_scale, case.guidance_mode)
        files["expected/upsampler.npy"] = x
    for k, v in files.items():
        assert v.dtype == np.float32 and np.isfinite(v).all(), k
    return files


def write_parity(root: Path, micro: dict[str, dict[str, StageNetwork]], log: Any = print) -> None:
    out = root / PARITY_DIR
    if out.exists():
        shutil.rmtree(out)
    index = []
    for case in CASES:
        cfg = load_config(MODELS[case.model])
        files = run_case(case, micro[case.model], cfg)
        cdir = out / case.name
        for rel, arr in files.items():
            (cdir / rel).parent.mkdir(parents=True, exist_ok=True)
            np.save(cdir / rel, arr)
        (cdir / "case.json").write_text(json.dumps(case.case_json(), indent=2) + "\n")
        index.append({"case": case.name, "description": case.note, **case.case_json(),
                      "files": sorted(["case.json", *files])})
        log(f"  parity {case.name}: {sum(a.nbytes for a in files.values()) / 1024:.0f} KiB")
    (out / "index.json").write_text(json.dumps({"cases": index}, indent=2) + "\n")


# --------------------------------------------------------------------------
# preprocessing fixtures and the example input
# --------------------------------------------------------------------------


def preprocess_mask_labels() -> np.ndarray:
    c = coco_classes()
    lab = np.full((256, 256), 255, dtype=np.uint8)
    lab[:96] = c["sky-other"][0]
    lab[96:] = c["grass"][0]
    lab[60:140, 20:90] = c["tree"][0]
    lab[120:220, 150:190] = c["person"][0]
    lab[200:, :] = c["road"][0]
    lab[230:250, 30:120] = c["car"][0]
    lab[100:110, 100:250] = c["fence"][0] if "fence" in c else c["wall-other"][0]
    lab[0:20, 200:256] = 255  # unlabelled -> black
    return lab


def preprocess_sketch() -> np.ndarray:
    img = Image.new("L", (256, 256), 0)
    d = ImageDraw.Draw(img)
    d.rectangle([40, 50, 200, 180], outline=255)
    d.ellipse([90, 20, 170, 100], outline=255)
    d.line([(0, 230), (255, 200)], fill=255)
    d.line([(10, 10), (60, 240)], fill=255)
    arr = np.asarray(img, dtype=np.uint8).copy()
    # near-white and grey pixels are NOT edges (only exactly 255 is)
    arr[120:124, 120:124] = 254
    arr[200:204, 60:64] = 128
    return arr


def write_preprocess(root: Path, log: Any = print) -> None:
    out = root / PREPROCESS_DIR
    out.mkdir(parents=True, exist_ok=True)
    labels = preprocess_mask_labels()
    rgb = labels_to_rgb(labels)
    Image.fromarray(rgb, "RGB").save(out / "mask.png", optimize=True)
    Image.fromarray(labels, "L").save(out / "mask_labels.png", optimize=True)
    np.save(out / "mask_ref.npy", mask_ref(rgb))
    sk = preprocess_sketch()
    Image.fromarray(sk, "L").save(out / "sketch.png", optimize=True)
    Image.fromarray((255 - sk).astype(np.uint8), "L").save(out / "sketch_black_on_white.png", optimize=True)
    np.save(out / "sketch_ref.npy", sketch_ref(sk))
    (out / "README.md").write_text(
        "Generated by `tools/` (`python3 -m piti_tools.fixtures`); do not edit.\n\n"
        "- `mask.png`: 256x256 RGB colour-coded COCO-Stuff mask (sky-other, grass, tree, person, road, car,\n"
        "  fence, and a black unlabelled corner); `mask_labels.png`: the same as a single-channel label-id\n"
        "  map (255 = unlabelled); `mask_ref.npy`: float32 [3,256,256] = value / 127.5 - 1.\n"
        "- `sketch.png`: 256x256 grayscale, white (255) edges on black, plus grey blocks of 254 and 128 that\n"
        "  are NOT edges; `sketch_black_on_white.png`: 255 - sketch.png (to be detected and inverted);\n"
        "  `sketch_ref.npy`: float32 [1,256,256]: taxicab (L1, 3x3 mask) distance of every pixel to the\n"
        "  nearest pixel equal to 255, clipped to 0..255, / 127.5 - 1.\n"
    )
    log(f"  preprocess fixtures in {out}")


def example_mask() -> np.ndarray:
    """A 256x256 landscape: sky, clouds, mountains, trees, grass, a river."""
    c = coco_classes()
    img = Image.new("RGB", (256, 256), c["sky-other"][1])
    d = ImageDraw.Draw(img)
    d.polygon([(20, 40), (60, 30), (90, 45), (50, 55)], fill=c["clouds"][1])
    d.polygon([(0, 150), (60, 70), (110, 120), (170, 55), (256, 140), (256, 160), (0, 160)], fill=c["mountain"][1])
    d.rectangle([0, 150, 256, 256], fill=c["grass"][1])
    d.polygon([(110, 150), (140, 150), (200, 256), (120, 256)], fill=c["river"][1])
    for x0 in (10, 40, 200, 225):
        d.ellipse([x0, 120, x0 + 30, 175], fill=c["tree"][1])
    return np.asarray(img, dtype=np.uint8).copy()


def write_example(root: Path, log: Any = print) -> None:
    rgb = example_mask()
    palette = {rgb for _, rgb in coco_classes().values()} | {(0, 0, 0)}
    assert {tuple(int(v) for v in p) for p in rgb.reshape(-1, 3)} <= palette, "non-palette colour in example"
    path = root / EXAMPLE_MASK
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb, "RGB").save(path, optimize=True)
    log(f"  example {path}")
    path = root / EXAMPLE_SKETCH
    Image.fromarray(example_sketch(), "L").save(path, optimize=True)
    log(f"  example {path}")


def example_sketch() -> np.ndarray:
    """The edge map of a held-out demo-world scene, white on black (``piti_tools.sketches``)."""
    from .world import HELD_OUT_FROM, scene

    assert EXAMPLE_SKETCH_SEED >= HELD_OUT_FROM
    return scene(EXAMPLE_SKETCH_SEED).sketch


# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Regenerate piti-serve fixtures (deterministic)")
    p.add_argument("--root", default=str(REPO_ROOT), help="repository root to write into")
    p.add_argument("--only", choices=["models", "parity", "preprocess", "examples"], action="append")
    a = p.parse_args(argv)
    root = Path(a.root)
    only = set(a.only or ["models", "parity", "preprocess", "examples"])
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    if "models" in only:
        print("tiny-mask (bundled):")
        write_model("tiny-mask", root / TINY_DIR)
    micro: dict[str, dict[str, StageNetwork]] = {}
    for name in ("micro-mask", "micro-sketch"):
        if "models" in only:
            print(f"{name}:")
            micro[name] = write_model(name, root / MICRO_DIR / name)
        else:
            micro[name] = random_stages(load_config(name))
    if "parity" in only:
        write_parity(root, micro)
    if "preprocess" in only:
        write_preprocess(root)
    if "examples" in only:
        write_example(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
