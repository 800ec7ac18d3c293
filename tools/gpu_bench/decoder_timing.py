"""Times piti-serve's encoder and decoder networks at released sizes.

    python3 tools/gpu_bench/decoder_timing.py                  # CUDA, released mask config
    /usr/bin/python3 tools/gpu_bench/decoder_timing.py --device cpu --quick   # smoke test

Builds the networks from tools/configs with random weights directly on the
device (checkpoints need not travel), then for each batch size times one
encoder call and one decoder call per stage, fp32 and bf16 (autocast), after
warm-up, with device synchronisation. Prints a table and one final JSON line.
Per-batch sizes that run out of memory are reported as "oom".
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any, Callable

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from piti_tools.config import StageConfig, load_config  # noqa: E402
from piti_tools.networks import StageNetwork, build_stage  # noqa: E402


@torch.no_grad()
def random_on(cfg: StageConfig, device: torch.device) -> StageNetwork:
    net = build_stage(cfg, device="meta").to_empty(device=device).eval()
    for name, p in net.named_parameters():
        if p.dim() >= 2:
            p.normal_(0.0, 1.0 / math.sqrt(p[0].numel()))
        elif name.endswith("weight"):
            p.normal_(1.0, 0.1)
        else:
            p.normal_(0.0, 0.05)
    return net


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(fn: Callable[[], Any], device: torch.device, warmup: int, min_iters: int, min_seconds: float) -> float:
    for _ in range(warmup):
        fn()
    sync(device)
    iters, start = 0, time.perf_counter()
    while iters < min_iters or time.perf_counter() - start < min_seconds:
        fn()
        iters += 1
        if iters >= 50:
            break
    sync(device)
    return (time.perf_counter() - start) / iters * 1000.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda")
    p.add_argument("--config", default=None, help="default: mask (released sizes); tiny-mask with --quick")
    p.add_argument("--quick", action="store_true", help="tiny config, batches 1,2, one iteration")
    p.add_argument("--batches", default="1,2,4,8,16,32,64")
    p.add_argument("--dtypes", default="fp32,bf16")
    p.add_argument("--budget-s", type=float, default=270.0, help="stop starting new measurements after this")
    a = p.parse_args(argv)
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("CUDA not available; use --device cpu --quick", file=sys.stderr)
        return 2
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    cfg = load_config(a.config or ("tiny-mask" if a.quick else "mask"))
    batches = [1, 2] if a.quick else [int(b) for b in a.batches.split(",")]
    warmup, min_iters, min_s = (0, 1, 0.0) if a.quick else (2, 3, 0.5)
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    print(f"device={device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}) "
          f"torch={torch.__version__} config={cfg.name} tf32=off")
    print(f"{'stage':10} {'dtype':5} {'batch':>5} {'encoder ms':>11} {'decoder ms':>11} {'dec ms/img':>11}")
    for sname, scfg in cfg.stages.items():
        net = random_on(scfg, device)
        for dtype in a.dtypes.split(","):
            amp = dtype == "bf16"
            for b in batches:
                if time.perf_counter() - t0 > a.budget_s:
                    rows.append({"stage": sname, "dtype": dtype, "batch": b, "skipped": "time budget"})
                    continue
                try:
                    e = scfg.encoder
                    ref = torch.rand(b, e.in_channels, e.ref_size, e.ref_size, device=device) * 2 - 1
                    x = torch.randn(b, 3, scfg.resolution, scfg.resolution, device=device)
                    t = torch.full((b,), 500.0, device=device)
                    low = (torch.rand(b, 3, scfg.low_res, scfg.low_res, device=device) * 2 - 1
                           if scfg.is_upsampler else None)
                    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                        proj, toks = net.encoder(ref)
                        enc_ms = time_call(lambda: net.encoder(ref), device, warmup, min_iters, min_s)
                        dec_ms = time_call(lambda: net.decode(x, t, proj, toks, low), device, warmup, min_iters, min_s)
                    row = {"stage": sname, "dtype": dtype, "batch": b, "encoder_ms": round(enc_ms, 3),
                           "decoder_ms": round(dec_ms, 3), "decoder_ms_per_image": round(dec_ms / b, 3)}
                    print(f"{sname:10} {dtype:5} {b:5d} {enc_ms:11.2f} {dec_ms:11.2f} {dec_ms / b:11.2f}", flush=True)
                except torch.cuda.OutOfMemoryError:
                    row = {"stage": sname, "dtype": dtype, "batch": b, "oom": True}
                    print(f"{sname:10} {dtype:5} {b:5d} {'oom':>11}", flush=True)
                    torch.cuda.empty_cache()
                rows.append(row)
        del net
        if device.type == "cuda":
            torch.cuda.empty_cache()
    result = {
        "bench": "piti-serve decoder_timing", "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__, "config": cfg.name, "tf32": False, "wall_s": round(time.perf_counter() - t0, 1),
        "rows": rows,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
