"""Network layout facts and the export round trip."""
import json
import math

import pytest
import torch

from piti_tools.config import load_config
from piti_tools.export import export_model, sha256
from piti_tools.fixtures import check_not_degenerate, random_stages
from piti_tools.networks import CrossAttentionBlock, TokenAttention, timestep_embedding


def test_timestep_embedding_puts_cosines_first():
    emb = timestep_embedding(torch.tensor([0.0, 3.0]), 8)
    assert torch.equal(emb[0], torch.tensor([1.0] * 4 + [0.0] * 4))
    freqs = [math.exp(-math.log(10000) * k / 4) for k in range(4)]
    want = [math.cos(3 * f) for f in freqs] + [math.sin(3 * f) for f in freqs]
    assert emb[1].tolist() == pytest.approx(want, abs=1e-6)


def _naive_attention(q, k, v):  # [T, C], [S, C], [S, C]
    w = torch.softmax(q @ k.T / math.sqrt(q.shape[1]), dim=-1)
    return w @ v


def test_unet_attention_uses_per_head_qkv_and_prepends_encoder_tokens():
    torch.manual_seed(0)
    blk = CrossAttentionBlock(channels=8, head_channels=4, encoder_width=6, groups=2).eval()
    x = torch.randn(1, 8, 3, 3)
    enc = torch.randn(1, 6, 5)
    with torch.no_grad():
        got = blk(x, enc)
        qkv = blk.qkv(blk.norm(x).reshape(1, 8, 9))[0]  # [24, 9]
        ekv = blk.encoder_kv(enc)[0]  # [16, 5]
        heads = []
        for h in range(2):
            q, k, v = qkv[12 * h: 12 * h + 4], qkv[12 * h + 4: 12 * h + 8], qkv[12 * h + 8: 12 * h + 12]
            ek, ev = ekv[8 * h: 8 * h + 4], ekv[8 * h + 4: 8 * h + 8]
            kk, vv = torch.cat([ek, k], 1), torch.cat([ev, v], 1)
            heads.append(_naive_attention(q.T, kk.T, vv.T).T)
        want = x + blk.proj_out(torch.cat(heads)[None]).reshape(1, 8, 3, 3)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_encoder_attention_uses_per_head_qkv():
    torch.manual_seed(1)
    att = TokenAttention(width=8, heads=2).eval()
    x = torch.randn(1, 5, 8)
    with torch.no_grad():
        qkv = att.c_qkv(x)[0]  # [5, 24]
        outs = [_naive_attention(qkv[:, 12 * h: 12 * h + 4], qkv[:, 12 * h + 4: 12 * h + 8],
                                 qkv[:, 12 * h + 8: 12 * h + 12]) for h in range(2)]
        want = att.c_proj(torch.cat(outs, 1))[None]
        torch.testing.assert_close(att(x), want, atol=1e-5, rtol=1e-5)


def test_encoder_appends_the_class_token_last():
    stage = random_stages(load_config("micro-mask"))["base"]
    enc = stage.encoder
    ref = torch.rand(2, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        feats = enc.cnn(ref).flatten(2).transpose(1, 2) + enc.positional_embedding[:, 1:]
        cls = (enc.cls_token + enc.positional_embedding[:, :1]).expand(2, -1, -1)
        tokens = enc.final_ln(enc.transformer(torch.cat([feats, cls], 1)))
        proj, out = enc(ref)
    assert out.shape == (2, 16, 16) and proj.shape == (2, 16)
    torch.testing.assert_close(proj, tokens[:, -1])
    torch.testing.assert_close(out, tokens[:, :-1].permute(0, 2, 1))


@pytest.mark.parametrize("name", ["micro-mask", "micro-sketch"])  # tiny-mask: checked while generating
def test_random_decoders_are_not_degenerate(name):
    for stage in random_stages(load_config(name)).values():
        assert check_not_degenerate(stage) > 0.05


def test_tiny_export_round_trips_traced_vs_eager_at_b_and_2b(tmp_path):
    cfg = load_config("tiny-mask")
    stages = random_stages(cfg)
    lines = []
    meta = export_model(cfg, stages, tmp_path, log=lines.append, strip_debug=True, batch=1)
    assert len([l for l in lines if "batch 1" in l]) == 4 and len([l for l in lines if "batch 2" in l]) == 4
    written = json.loads((tmp_path / "model.json").read_text())
    assert written == meta
    for rel, digest in meta["sha256"].items():
        assert sha256(tmp_path / rel) == digest
    dec = torch.jit.load(str(tmp_path / "upsampler" / "decoder.pt"))
    enc = torch.jit.load(str(tmp_path / "upsampler" / "encoder.pt"))
    ref = torch.rand(3, 3, 256, 256) * 2 - 1
    x, t, low = torch.randn(3, 3, 256, 256), torch.tensor([0.0, 400.0, 999.0]), torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        proj, out = enc(ref)
        want = stages["upsampler"].decode(x, t, *stages["upsampler"].encoder(ref), low)
        assert float((dec(x, t, proj, out, low) - want).abs().max()) <= 1e-5
