import json
import shutil

import torch

from piti_tools import fixtures as fx
from piti_tools.export import sha256
from piti_tools.precision import add_precision

from conftest import REPO

MICRO = REPO / fx.MICRO_DIR / "micro-mask"


def _fp32_copy(tmp_path):
    folder = tmp_path / "micro-mask"
    shutil.copytree(MICRO, folder)
    meta = json.loads((folder / "model.json").read_text())
    for stage in meta["stages"].values():
        stage.pop("precisions", None)
    meta["sha256"] = {k: v for k, v in meta["sha256"].items() if ".bf16." not in k}
    (folder / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    return folder


def test_the_tool_rewrites_the_committed_bf16_networks(tmp_path):
    folder = _fp32_copy(tmp_path)
    meta = add_precision("micro-mask", folder, "bf16", strip_debug=True, log=lambda *_: None)
    committed = json.loads((MICRO / "model.json").read_text())
    for stage in ("base", "upsampler"):
        assert meta["stages"][stage]["precisions"] == committed["stages"][stage]["precisions"]
    assert json.loads((folder / "model.json").read_text()) == meta
    for rel in ("base/encoder.bf16.pt", "base/decoder.bf16.pt", "upsampler/encoder.bf16.pt", "upsampler/decoder.bf16.pt"):
        assert meta["sha256"][rel] == sha256(folder / rel)
    # Archives differ in TorchScript's generated names; the networks compute the same numbers.
    ref = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        for rel in ("base/encoder.bf16.pt", "upsampler/encoder.bf16.pt"):
            written = torch.jit.load(str(folder / rel))(ref)
            kept = torch.jit.load(str(MICRO / rel))(ref)
            assert all(torch.equal(a, b) for a, b in zip(written, kept))


def test_bf16_networks_keep_the_float32_interface_and_stay_close_to_fp32():
    gen = torch.Generator().manual_seed(3)
    ref = torch.rand(1, 3, 64, 64, generator=gen) * 2 - 1
    x = torch.randn(1, 3, 16, 16, generator=gen)
    t = torch.tensor([500.0])
    outs = {}
    for suffix in ("", ".bf16"):
        enc = torch.jit.load(str(MICRO / f"base/encoder{suffix}.pt"))
        dec = torch.jit.load(str(MICRO / f"base/decoder{suffix}.pt"))
        with torch.no_grad():
            proj, tokens = enc(ref)
            assert proj.dtype == tokens.dtype == torch.float32
            outs[suffix] = dec(x, t, proj, tokens)
    assert outs[".bf16"].dtype == torch.float32
    diff = (outs[".bf16"] - outs[""]).abs().mean().item()
    assert 0 < diff < 0.02
