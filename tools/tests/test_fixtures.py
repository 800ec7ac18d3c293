"""The committed fixtures are consistent, within budget, and reproducible."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from piti_tools import fixtures as fx
from piti_tools.config import load_config
from piti_tools.export import sha256
from piti_tools.preprocess import coco_classes, mask_ref, sketch_ref
from piti_tools.reference import RespacedSchedule, quantise, sample_stage, spacing_of

ROOT = fx.REPO_ROOT
PARITY = ROOT / fx.PARITY_DIR
MODEL_DIRS = [ROOT / fx.TINY_DIR, ROOT / fx.MICRO_DIR / "micro-mask", ROOT / fx.MICRO_DIR / "micro-sketch"]


def _size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


@pytest.mark.parametrize("model_dir", MODEL_DIRS, ids=lambda p: p.name)
def test_model_dirs_match_their_sha256(model_dir):
    meta = json.loads((model_dir / "model.json").read_text())
    expected = {"base/encoder.pt", "base/decoder.pt", "upsampler/encoder.pt", "upsampler/decoder.pt"}
    for stage in meta["stages"].values():
        for files in stage.get("precisions", {}).values():  # added by piti_tools.precision
            expected |= {files["encoder"], files["decoder"]}
    assert set(meta["sha256"]) == expected
    for rel, digest in meta["sha256"].items():
        assert sha256(model_dir / rel) == digest


def test_sizes_stay_within_budget():
    assert _size(ROOT / fx.TINY_DIR) < 1.5e6
    assert sum(f.stat().st_size for f in PARITY.rglob("*.npy")) < 2.6e6


def test_index_lists_every_case_with_its_files():
    index = json.loads((PARITY / "index.json").read_text())["cases"]
    assert [c["case"] for c in index] == [c.name for c in fx.CASES]
    for c in index:
        for f in c["files"]:
            assert (PARITY / c["case"] / f).is_file()
    assert any(c["samples"] == 2 for c in index)


class TracedStage:
    """Replays a case the way the engine does: traced encoder/decoder files."""

    def __init__(self, model_dir: Path, stage: str, ref: np.ndarray, low_res=None):
        self.enc = torch.jit.load(str(model_dir / stage / "encoder.pt"))
        self.dec = torch.jit.load(str(model_dir / stage / "decoder.pt"))
        r = torch.from_numpy(ref)
        with torch.no_grad():
            self.cond, self.uncond = self.enc(r), self.enc(torch.ones_like(r))
        self.low = None if low_res is None else [torch.from_numpy(low_res)]

    def __call__(self, x, t, guided):
        with torch.no_grad(), torch.jit.optimized_execution(False):
            if guided:  # two separate calls: batching must not matter
                oc = self.dec(torch.from_numpy(x), torch.from_numpy(t), *self.cond, *(self.low or []))
                ou = self.dec(torch.from_numpy(x), torch.from_numpy(t), *self.uncond, *(self.low or []))
                return oc[:, :3].numpy(), ou[:, :3].numpy(), oc[:, 3:].numpy()
            o = self.dec(torch.from_numpy(x), torch.from_numpy(t), *self.cond, *(self.low or [])).numpy()
            return o[:, :3], None, o[:, 3:]


@pytest.mark.parametrize("case", fx.CASES, ids=lambda c: c.name)
def test_parity_cases_replay_with_the_traced_model_files(case):
    d = PARITY / case.name
    spec = json.loads((d / "case.json").read_text())
    model_dir = ROOT / fx.MICRO_DIR / spec["model"]
    meta = json.loads((model_dir / "model.json").read_text())
    ref = np.load(d / "ref.npy")
    low = np.load(d / "low_res.npy") if (d / "low_res.npy").exists() else None
    for stage in spec["stages"]:
        st = meta["stages"][stage]
        resp = spec["base_respacing"] if stage == "base" else spec["sr_respacing"]
        sched = RespacedSchedule.create(load_config(spec["model"]).stages[stage].schedule, resp,
                                        spacing_of(spec["sampler"]))
        model = TracedStage(model_dir, stage, ref, low if stage == "upsampler" else None)
        x = sample_stage(model, sched, np.load(d / "noise" / f"{stage}.npy"), st["noise_scale"], spec["sampler"],
                         spec["eta"], st["guided"], spec["guidance"]["scale"], spec["guidance"]["mode"])
        want = np.load(d / "expected" / f"{stage}.npy")
        assert x.shape == want.shape
        np.testing.assert_allclose(x, want, atol=2e-4)
        if stage == "base":
            # truncation is discontinuous: float noise may move an isolated pixel by one level
            expected_low = np.load(d / "expected" / "low_res.npy")
            np.testing.assert_array_equal(expected_low, quantise(want))
            diff = np.abs(quantise(x) - expected_low)
            assert diff.max() <= 1 / 127.5 + 1e-6 and (diff > 0).mean() < 0.01
            low = expected_low


def test_regenerating_gives_the_same_weights_and_numbers(tmp_path):
    stages = fx.random_stages(load_config("micro-mask"))
    for stage in ("base", "upsampler"):
        for part in ("encoder", "decoder"):
            traced = torch.jit.load(str(ROOT / fx.MICRO_DIR / "micro-mask" / stage / f"{part}.pt"))
            eager = getattr(stages[stage], part).state_dict()
            traced_sd = {k.removeprefix("decoder."): v for k, v in traced.state_dict().items()}
            assert traced_sd.keys() == eager.keys()
            for k, v in eager.items():
                assert torch.equal(traced_sd[k], v), k
    subprocess.run([sys.executable, "-m", "piti_tools.fixtures", "--root", str(tmp_path), "--only", "parity"],
                   cwd=fx.REPO_ROOT / "tools", check=True, capture_output=True)
    regenerated = sorted(p.relative_to(tmp_path / fx.PARITY_DIR) for p in (tmp_path / fx.PARITY_DIR).rglob("*.*"))
    assert regenerated == sorted(p.relative_to(PARITY) for p in PARITY.rglob("*.*"))
    for rel in regenerated:
        fresh, committed = tmp_path / fx.PARITY_DIR / rel, PARITY / rel
        if rel.suffix != ".npy":
            assert fresh.read_bytes() == committed.read_bytes(), rel  # case files: the bytes are the contract
        elif rel.parts[1] != "expected":
            # inputs and noise come from seeded numpy generators alone: identical on every machine
            np.testing.assert_array_equal(np.load(fresh), np.load(committed), err_msg=str(rel))
        elif rel.name == "low_res.npy":
            # truncation to 8-bit levels: a float difference at a level boundary moves a value one level
            diff = np.abs(np.load(fresh) - np.load(committed))
            assert diff.max() <= 1 / 127.5 + 1e-6 and (diff > 1e-6).mean() < 0.01, rel
        elif rel.parts[0].startswith("pipeline-") and rel.name == "upsampler.npy":
            # downstream of low_res: where a value moved one 8-bit level (above), the upsampler sees
            # another input and its output there moves by about that level (max 0.0082 and 3.7 % of
            # values over 1e-4 seen between an AVX2-only and an AVX-512 machine); a wrong weight or
            # noise file moves every value by far more
            diff = np.abs(np.load(fresh) - np.load(committed))
            assert diff.max() <= 4 / 127.5 and diff.mean() <= 1e-3, (rel, diff.max(), diff.mean())
        else:
            # network outputs: float sums run in another order on another CPU (max 1.2e-5 seen);
            # 1e-4 is the tolerance the engine is held to against these same files
            np.testing.assert_allclose(np.load(fresh), np.load(committed), rtol=0, atol=1e-4, err_msg=str(rel))


def test_preprocess_fixtures_match_the_documented_transforms():
    d = ROOT / fx.PREPROCESS_DIR
    from PIL import Image

    rgb = np.asarray(Image.open(d / "mask.png").convert("RGB"))
    np.testing.assert_array_equal(np.load(d / "mask_ref.npy"), rgb.transpose(2, 0, 1) / np.float32(127.5) - 1)
    palette = {c for _, c in coco_classes().values()} | {(0, 0, 0)}
    assert {tuple(p) for p in rgb.reshape(-1, 3).tolist()} <= palette
    assert len({tuple(p) for p in rgb.reshape(-1, 3).tolist()}) >= 6
    sk = np.asarray(Image.open(d / "sketch.png"))
    inv = np.asarray(Image.open(d / "sketch_black_on_white.png"))
    np.testing.assert_array_equal(255 - inv, sk)
    ref = np.load(d / "sketch_ref.npy")
    assert ref.shape == (1, 256, 256) and ref.dtype == np.float32
    np.testing.assert_array_equal(ref, sketch_ref(sk))
    assert (ref[0][sk == 255] == -1).all() and (ref[0][sk != 255] > -1).all()
    # brute-force taxicab distance on a few pixels
    ys, xs = np.nonzero(sk == 255)
    for y, x in [(0, 0), (120, 121), (255, 255), (128, 128)]:
        dist = min(255, int(np.min(np.abs(ys - y) + np.abs(xs - x))))
        assert ref[0, y, x] == pytest.approx(dist / 127.5 - 1)


def test_example_mask_uses_only_palette_colours():
    from PIL import Image

    rgb = np.asarray(Image.open(ROOT / fx.EXAMPLE_MASK).convert("RGB"))
    assert rgb.shape == (256, 256, 3)
    palette = {c for _, c in coco_classes().values()}
    assert {tuple(p) for p in rgb.reshape(-1, 3).tolist()} <= palette


def test_example_sketch_is_the_white_on_black_edge_map_of_a_held_out_scene():
    from PIL import Image

    from piti_tools import world

    img = Image.open(ROOT / fx.EXAMPLE_SKETCH)
    assert img.mode == "L" and img.size == (256, 256)
    assert fx.EXAMPLE_SKETCH_SEED >= world.HELD_OUT_FROM
    np.testing.assert_array_equal(np.asarray(img), world.scene(fx.EXAMPLE_SKETCH_SEED).sketch)
