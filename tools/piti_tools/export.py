"""Exports a task's two stages as the TorchScript model directory of
docs/MODEL_FORMAT.md.

    cd tools && /usr/bin/python3 -m piti_tools.export --config mask \
        --base base_mask.pt --upsampler upsample_mask.pt --out /models/piti-mask

Checkpoints are loaded with strict=True. Each traced module is checked
against the eager network at the tracing batch B and at 2B (max abs diff
<= 1e-5, otherwise the export fails).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import torch

from .config import ModelConfig, StageConfig, load_config
from .networks import DecoderExport, StageNetwork, build_stage

TOLERANCE = 1e-5
FILES = ("base/encoder.pt", "base/decoder.pt", "upsampler/encoder.pt", "upsampler/decoder.pt")


class ExportError(RuntimeError):
    pass


def load_checkpoint(stage: StageNetwork, path: str | Path) -> None:
    state = torch.load(path, map_location="cpu")
    if isinstance(state, dict) and "ema" in state and "step" in state:
        state = state["ema"]  # a piti_tools.train checkpoint: export the EMA weights
    elif isinstance(state, dict) and "state_dict" in state and not any(k.startswith("encoder.") for k in state):
        state = state["state_dict"]
    stage.load_state_dict(state, strict=True)


def example_inputs(cfg: StageConfig, batch: int, seed: int, device: torch.device) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    enc = cfg.encoder
    r = cfg.resolution

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=gen).to(device)

    inputs = {
        "ref": torch.rand(batch, enc.in_channels, enc.ref_size, enc.ref_size, generator=gen).to(device) * 2 - 1,
        "x_t": randn(batch, 3, r, r),
        "t": torch.randint(0, cfg.schedule.steps, (batch,), generator=gen).float().to(device),
    }
    if cfg.is_upsampler:
        assert cfg.low_res is not None
        inputs["low_res"] = torch.rand(batch, 3, cfg.low_res, cfg.low_res, generator=gen).to(device) * 2 - 1
    return inputs


def _max_diff(a: Any, b: Any) -> float:
    if isinstance(a, (tuple, list)):
        return max(_max_diff(x, y) for x, y in zip(a, b))
    return float((a - b).abs().max())


def trace_stage(
    stage: StageNetwork, batch: int, device: torch.device, log: Any = print
) -> tuple[torch.jit.ScriptModule, torch.jit.ScriptModule]:
    """Traces encoder(ref) and decoder(x_t, t, xf_proj, xf_out[, low_res])."""
    stage = stage.to(device).eval()
    decoder = DecoderExport(stage).eval()
    traced: dict[str, torch.jit.ScriptModule] = {}
    # optimized_execution(False): skip the profiling executor's warm-up compiles (slow on CPU, same numbers)
    with torch.no_grad(), torch.jit.optimized_execution(False):
        for b, seed in ((batch, 1), (2 * batch, 2)):
            x = example_inputs(stage.cfg, b, seed, device)
            xf_proj, xf_out = stage.encoder(x["ref"])
            dec_args = [x["x_t"], x["t"], xf_proj, xf_out] + ([x["low_res"]] if stage.cfg.is_upsampler else [])
            if not traced:
                traced["encoder"] = torch.jit.trace(stage.encoder, (x["ref"],), check_trace=False)
                traced["decoder"] = torch.jit.trace(decoder, tuple(dec_args), check_trace=False)
            d_enc = _max_diff(traced["encoder"](x["ref"]), (xf_proj, xf_out))
            eager = decoder(*dec_args)
            d_dec = _max_diff(traced["decoder"](*dec_args), eager)
            log(f"  {stage.cfg.name}: batch {b}: traced vs eager max|diff| encoder {d_enc:.2e}, decoder {d_dec:.2e}")
            if not (d_enc <= TOLERANCE and d_dec <= TOLERANCE):
                raise ExportError(f"{stage.cfg.name}: traced differs from eager at batch {b}: {d_enc}, {d_dec}")
    return traced["encoder"], traced["decoder"]


def strip_debug_info(path: Path) -> None:
    """Drops the ``*.debug_pkl`` source-range records from a saved TorchScript
    archive (most of a small model's file size; loaders treat them as
    optional). Records stay uncompressed and in order, so output is
    deterministic."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if info.filename.endswith(".debug_pkl"):
                continue
            out = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            out.compress_type = zipfile.ZIP_STORED
            dst.writestr(out, src.read(info.filename))
    tmp.replace(path)


def verify_saved(stage: StageNetwork, folder: Path, batch: int, device: torch.device, log: Any = print) -> None:
    """Reloads the saved modules and compares them with the eager network at B and 2B."""
    enc = torch.jit.load(str(folder / "encoder.pt"), map_location=device)
    dec = torch.jit.load(str(folder / "decoder.pt"), map_location=device)
    eager_dec = DecoderExport(stage).eval()
    with torch.no_grad(), torch.jit.optimized_execution(False):
        for b, seed in ((batch, 3), (2 * batch, 4)):
            x = example_inputs(stage.cfg, b, seed, device)
            xf_proj, xf_out = stage.encoder(x["ref"])
            args = [x["x_t"], x["t"], xf_proj, xf_out] + ([x["low_res"]] if stage.cfg.is_upsampler else [])
            d_enc = _max_diff(enc(x["ref"]), (xf_proj, xf_out))
            d_dec = _max_diff(dec(*args), eager_dec(*args))
            log(f"  {stage.cfg.name}: saved file, batch {b}: max|diff| encoder {d_enc:.2e}, decoder {d_dec:.2e}")
            if not (d_enc <= TOLERANCE and d_dec <= TOLERANCE):
                raise ExportError(f"{stage.cfg.name}: saved module differs from eager at batch {b}")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_json(cfg: ModelConfig, out: Path, name: str, description: str | None) -> dict[str, Any]:
    stages: dict[str, Any] = {}
    for sname, s in cfg.stages.items():
        entry: dict[str, Any] = {"resolution": s.resolution}
        if s.is_upsampler:
            entry["low_res"] = s.low_res
        entry.update(
            {
                "in_channels": s.in_channels,
                "out_channels": s.out_channels,
                "schedule": s.schedule.to_json(),
                "respacing": s.respacing,
                "guided": s.guided,
                "noise_scale": s.noise_scale,
                "encoder": f"{sname}/encoder.pt",
                "decoder": f"{sname}/decoder.pt",
                "encoder_width": s.encoder.width,
                "encoder_tokens": s.encoder.tokens,
            }
        )
        stages[sname] = entry
    return {
        "format": 1,
        "name": name,
        "version": cfg.version,
        "task": cfg.task,
        "description": description if description is not None else cfg.description,
        "input": {"kind": cfg.input_kind, "channels": cfg.input_channels, "size": cfg.input_size},
        "guidance": {"scale": cfg.guidance_scale, "mode": cfg.guidance_mode},
        "stages": stages,
        "sha256": {f: sha256(out / f) for f in FILES},
    }


def export_model(
    cfg: ModelConfig,
    stages: dict[str, StageNetwork],
    out: Path,
    name: str | None = None,
    description: str | None = None,
    batch: int = 1,
    device: str = "cpu",
    log: Any = print,
    strip_debug: bool = False,
) -> dict[str, Any]:
    """Traces both stages into ``out`` and writes model.json; returns it."""
    dev = torch.device(device)
    for sname in ("base", "upsampler"):
        (out / sname).mkdir(parents=True, exist_ok=True)
        enc, dec = trace_stage(stages[sname], batch, dev, log)
        for part, module in (("encoder", enc), ("decoder", dec)):
            path = out / sname / f"{part}.pt"
            module.save(str(path))
            if strip_debug:
                strip_debug_info(path)
        verify_saved(stages[sname], out / sname, batch, dev, log)
    meta = model_json(cfg, out, name or cfg.name, description)
    (out / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Export PITI checkpoints as a piti-serve model directory")
    p.add_argument("--config", required=True, help="config name under tools/configs or a .toml path")
    p.add_argument("--base", help="base checkpoint (e.g. base_mask.pt)")
    p.add_argument("--upsampler", help="upsampler checkpoint (e.g. upsample_mask.pt)")
    p.add_argument(
        "--random-weights",
        action="store_true",
        help="no checkpoints: seeded random weights (released-size timing runs without the 1.4 GB files)",
    )
    p.add_argument("--out", required=True, help="output model directory")
    p.add_argument("--task", help="task (mask|sketch|depth); must match the config if given")
    p.add_argument("--name", help="model name in model.json (default: config name)")
    p.add_argument("--description")
    p.add_argument("--device", default="cpu", help="trace on this device (trace on the target device)")
    p.add_argument("--batch", type=int, default=1, help="tracing batch B (checked at B and 2B)")
    p.add_argument("--strip-debug", action="store_true", help="drop TorchScript debug records (smaller files)")
    a = p.parse_args(argv)
    cfg = load_config(a.config)
    if a.task and a.task != cfg.task:
        print(f"--task {a.task} does not match config task {cfg.task}", file=sys.stderr)
        return 2
    if a.random_weights == bool(a.base or a.upsampler) or not a.random_weights and not (a.base and a.upsampler):
        print("give --base and --upsampler checkpoints, or --random-weights", file=sys.stderr)
        return 2
    if a.random_weights:
        from .fixtures import random_stages

        stages = random_stages(cfg)
    else:
        stages = {}
        for sname, ckpt in (("base", a.base), ("upsampler", a.upsampler)):
            stage = build_stage(cfg.stages[sname])
            load_checkpoint(stage, ckpt)
            stages[sname] = stage
    try:
        meta = export_model(
            cfg, stages, Path(a.out), a.name, a.description, a.batch, a.device, strip_debug=a.strip_debug
        )
    except ExportError as e:
        print(f"export failed: {e}", file=sys.stderr)
        return 1
    print(json.dumps(meta["sha256"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
