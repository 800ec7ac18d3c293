"""Adds reduced-precision networks (bf16 or fp16) to an exported model
directory, next to its fp32 ones.

    cd tools && /usr/bin/python3 -m piti_tools.precision --config mask --model /models/piti-mask --precision bf16

The engine cannot re-type a TorchScript module when it loads it (traced
graphs hold their dtypes as constants, and DJL 0.36 cannot cast tensors to
bf16), so each precision is traced on its own: the fp32 files' weights are
loaded into the eager networks of the config (strict), cast (group norms stay
fp32, as the networks compute them in fp32 anyway) and traced behind a float32
interface: the files take and return float32 exactly as the fp32 ones do,
cast their image inputs to the precision inside (timesteps stay float32) and
their outputs back. Each is checked against the cast eager network. model.json gains, per stage,
``"precisions": {"bf16": {"encoder": "base/encoder.bf16.pt", ...}}`` and the
new files' sha256. The difference to fp32 is printed, not checked: it is what
the precision costs.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .config import load_config
from .export import ExportError, _max_diff, example_inputs, sha256, strip_debug_info
from .networks import DecoderExport, GroupNormF32, StageNetwork, build_stage

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def load_exported(cfg_stage: Any, folder: Path, sname: str) -> StageNetwork:
    """The eager network of one stage with the weights of its exported fp32 files."""
    stage = build_stage(cfg_stage).eval()
    meta = json.loads((folder / "model.json").read_text())["stages"][sname]
    encoder = torch.jit.load(str(folder / meta["encoder"]), map_location="cpu")
    decoder = torch.jit.load(str(folder / meta["decoder"]), map_location="cpu")
    state = {f"encoder.{k}": v for k, v in encoder.state_dict().items()}
    state.update(decoder.state_dict())  # the traced decoder's keys already start with decoder.
    # TorchScript keeps non-persistent buffers (derived from the config, rebuilt by the eager network)
    derived = {name for name, _ in stage.named_buffers()} - set(stage.state_dict())
    stage.load_state_dict({k: v for k, v in state.items() if k not in derived}, strict=True)
    return stage


def cast_stage(stage: StageNetwork, dtype: torch.dtype) -> StageNetwork:
    cast = copy.deepcopy(stage).to(dtype)
    for module in cast.modules():
        if isinstance(module, GroupNormF32):
            module.float()
    return cast.eval()


class Float32Encoder(nn.Module):
    """ref (float32) -> (xf_proj, xf_out) in float32, computed in ``dtype``."""

    def __init__(self, stage: StageNetwork, dtype: torch.dtype) -> None:
        super().__init__()
        self.encoder = stage.encoder
        self.dtype = dtype

    def forward(self, ref: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xf_proj, xf_out = self.encoder(ref.to(self.dtype))
        return xf_proj.float(), xf_out.float()


class Float32Decoder(nn.Module):
    """(x_t, t, xf_proj, xf_out[, low_res]) in float32 -> float32, computed in ``dtype`` (t stays float32)."""

    def __init__(self, stage: StageNetwork, dtype: torch.dtype) -> None:
        super().__init__()
        self.decoder = DecoderExport(stage)
        self.dtype = dtype

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        typed = [a if k == 1 else a.to(self.dtype) for k, a in enumerate(args)]
        return self.decoder(*typed).float()


def trace_precision(
    stage: StageNetwork, precision: str, batch: int, device: torch.device, log: Any = print
) -> tuple[torch.jit.ScriptModule, torch.jit.ScriptModule]:
    dtype = DTYPES[precision]
    cast = cast_stage(stage, dtype).to(device)
    reference = DecoderExport(stage.to(device)).eval()
    encoder = Float32Encoder(cast, dtype).eval()
    decoder = Float32Decoder(cast, dtype).eval()
    traced: dict[str, torch.jit.ScriptModule] = {}
    with torch.no_grad(), torch.jit.optimized_execution(False):
        for b, seed in ((batch, 1), (2 * batch, 2)):
            x = example_inputs(stage.cfg, b, seed, device)
            low_res = [x["low_res"]] if stage.cfg.is_upsampler else []
            xf_proj, xf_out = encoder(x["ref"])
            args = [x["x_t"], x["t"], xf_proj, xf_out] + low_res
            if not traced:
                traced["encoder"] = torch.jit.trace(encoder, (x["ref"],), check_trace=False)
                traced["decoder"] = torch.jit.trace(decoder, tuple(args), check_trace=False)
            eager = decoder(*args)
            d_enc = _max_diff(traced["encoder"](x["ref"]), (xf_proj, xf_out))
            d_dec = _max_diff(traced["decoder"](*args), eager)
            p32, o32 = stage.encoder(x["ref"])
            full = reference(*([x["x_t"], x["t"], p32, o32] + low_res))
            cost = (eager - full).abs()
            log(
                f"  {stage.cfg.name} {precision}: batch {b}: traced vs eager max|diff| encoder {d_enc:.2e}, "
                f"decoder {d_dec:.2e}; decoder vs fp32 mean|diff| {cost.mean():.2e}, max {cost.max():.2e}"
            )
            if not (d_enc == 0.0 and d_dec == 0.0):
                raise ExportError(f"{stage.cfg.name}: traced {precision} differs from eager at batch {b}")
    return traced["encoder"], traced["decoder"]


def add_precision(
    config: str,
    folder: Path,
    precision: str,
    batch: int = 1,
    device: str = "cpu",
    log: Any = print,
    strip_debug: bool = False,
) -> dict[str, Any]:
    """Writes ``<stage>/{encoder,decoder}.<precision>.pt`` and updates model.json; returns it."""
    if precision not in DTYPES:
        raise ExportError(f"unknown precision {precision!r} (expected one of {', '.join(DTYPES)})")
    cfg = load_config(config)
    dev = torch.device(device)
    meta = json.loads((folder / "model.json").read_text())
    for sname in ("base", "upsampler"):
        stage = load_exported(cfg.stages[sname], folder, sname)
        enc, dec = trace_precision(stage, precision, batch, dev, log)
        files = {}
        for part, module in (("encoder", enc), ("decoder", dec)):
            rel = f"{sname}/{part}.{precision}.pt"
            module.save(str(folder / rel))
            if strip_debug:
                strip_debug_info(folder / rel)
            files[part] = rel
            meta["sha256"][rel] = sha256(folder / rel)
        meta["stages"][sname].setdefault("precisions", {})[precision] = files
    (folder / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Add bf16 or fp16 networks to a piti-serve model directory")
    p.add_argument("--config", required=True, help="the config the model was exported with")
    p.add_argument("--model", required=True, help="model directory (written by piti_tools.export)")
    p.add_argument("--precision", required=True, choices=sorted(DTYPES))
    p.add_argument("--device", default="cpu", help="trace on this device (fp16 needs cuda)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--strip-debug", action="store_true", help="drop TorchScript debug records (smaller files)")
    a = p.parse_args(argv)
    try:
        add_precision(a.config, Path(a.model), a.precision, a.batch, a.device, strip_debug=a.strip_debug)
    except ExportError as e:
        print(f"precision export failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
