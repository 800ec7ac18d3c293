"""The SPADE-style single-pass baseline: generator shapes, palette one-hot, determinism, export round trip,
training resumability (piti_tools.spade, piti_tools.train_spade)."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch

from piti_tools.preprocess import labels_to_rgb
from piti_tools.spade import (NETWORK_FILE, PaletteOneHot, SpadeConfig, SpadeGenerator, example_mask,
                              export_single_pass, palette)
from piti_tools.train import to_unit
from piti_tools.train_spade import SpadeBatches, load_spade_config, main as train_main
from piti_tools.world import CLASS_NAMES, HELD_OUT_FROM, class_ids

SMALL = SpadeConfig(channels=(8, 8, 4), latent=8, z_channels=2, hidden=4, size=32, output=64)


def colours() -> list[tuple[int, int, int]]:
    return [c for _, c in palette(CLASS_NAMES)]


def test_the_palette_one_hot_marks_every_class_and_sends_other_colours_to_the_last_channel():
    ids = class_ids()
    labels = np.array([[ids["sky-other"], ids["sea"]], [ids["tree"], 0]], np.uint8)  # 0: a class not listed
    mask = torch.from_numpy(to_unit(labels_to_rgb(labels)))[None]
    hot = PaletteOneHot(colours())(mask)
    assert hot.shape == (1, len(CLASS_NAMES) + 1, 2, 2)
    assert torch.equal(hot.sum(dim=1), torch.ones(1, 2, 2))
    assert hot[0, CLASS_NAMES.index("sky-other"), 0, 0] == 1
    assert hot[0, CLASS_NAMES.index("sea"), 0, 1] == 1
    assert hot[0, CLASS_NAMES.index("tree"), 1, 0] == 1
    assert hot[0, -1, 1, 1] == 1


def test_the_generator_maps_a_one_hot_map_and_a_noise_map_to_an_image_of_its_size():
    torch.manual_seed(0)
    g = SpadeGenerator(SMALL).eval()
    onehot = PaletteOneHot(colours())(example_mask(colours(), 2, 32, 1))
    z = torch.randn(2, 2, 8, 8)
    with torch.no_grad():
        out = g(onehot, z)
    assert out.shape == (2, 3, 32, 32)
    assert float(out.abs().max()) <= 1.0
    with torch.no_grad():
        assert torch.equal(g(onehot, z), out)  # deterministic
        other = g(onehot, torch.randn(2, 2, 8, 8))
    assert float((other - out).abs().max()) > 1e-3  # the noise matters


def test_a_config_whose_blocks_do_not_reach_its_size_is_refused():
    with pytest.raises(ValueError):
        SpadeGenerator(SpadeConfig(channels=(8, 8), latent=8, size=32))


def test_the_committed_config_keeps_the_bundled_file_small():
    cfg, raw = load_spade_config("spade-mask")
    params = sum(p.numel() for p in SpadeGenerator(cfg).parameters())
    assert params * 4 < 700_000, params
    assert raw["train"]["scenes"] <= HELD_OUT_FROM


def test_the_export_round_trips_through_torchscript_with_its_manifest(tmp_path):
    torch.manual_seed(1)
    g = SpadeGenerator(SMALL).eval()
    manifest = export_single_pass(g, out=tmp_path, name="spade-test", version="t1", description="test",
                                  class_names=CLASS_NAMES, size=32, z_shape=(2, 8, 8), output=64, log=lambda m: None)
    on_disk = json.loads((tmp_path / "model.json").read_text())
    assert on_disk == manifest
    assert on_disk["kind"] == "single-pass"
    assert on_disk["input"] == {"kind": "mask", "channels": 3, "size": 32}
    assert on_disk["generator"]["resolution"] == 64
    assert on_disk["generator"]["noise"] == [2, 8, 8]
    assert [c["name"] for c in on_disk["generator"]["classes"]] == list(CLASS_NAMES)
    data = (tmp_path / NETWORK_FILE).read_bytes()
    assert on_disk["sha256"][NETWORK_FILE] == hashlib.sha256(data).hexdigest()

    loaded = torch.jit.load(str(tmp_path / NETWORK_FILE))
    mask = example_mask(colours(), 3, 32, 5)
    z = torch.randn(3, 2, 8, 8)
    with torch.no_grad():
        got = loaded(mask, z)
        eager = torch.nn.functional.interpolate(g(PaletteOneHot(colours())(mask), z), size=(64, 64),
                                                mode="bilinear", align_corners=False).clamp(-1, 1)
    assert got.shape == (3, 3, 64, 64)
    assert float((got - eager).abs().max()) <= 1e-5


def test_a_generator_without_noise_exports_as_a_network_of_the_mask_alone(tmp_path):
    class NoNoise(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(len(CLASS_NAMES) + 1, 3, 1)

        def forward(self, onehot):
            return torch.tanh(self.conv(onehot))

    manifest = export_single_pass(NoNoise(), out=tmp_path, name="plain", version="t1", description="test",
                                  class_names=CLASS_NAMES, size=16, z_shape=None, log=lambda m: None)
    assert manifest["generator"]["noise"] == []
    assert manifest["generator"]["resolution"] == 16
    loaded = torch.jit.load(str(tmp_path / NETWORK_FILE))
    assert loaded(example_mask(colours(), 2, 16, 3)).shape == (2, 3, 16, 16)


def test_the_batch_of_a_step_depends_only_on_the_seed_and_the_step():
    cfg, _ = load_spade_config("spade-mask")
    rng = np.random.default_rng(0)
    data = {"labels": rng.integers(0, 3, (4, 256, 256)).astype(np.uint8),
            "images": rng.integers(0, 255, (4, 256, 256, 3)).astype(np.uint8)}
    a, b = SpadeBatches(data, cfg, 2, 7), SpadeBatches(data, cfg, 2, 7)
    first, again, other = a(3), b(3), a(4)
    for k in ("mask", "x", "z"):
        assert torch.equal(first[k], again[k])
    assert first["x"].shape == (2, 3, cfg.size, cfg.size)
    assert first["z"].shape == (2, cfg.z_channels, cfg.latent, cfg.latent)
    assert not torch.equal(first["z"], other["z"])


def test_an_interrupted_training_run_resumes_to_the_same_weights(tmp_path):
    args = ["--scenes", "3", "--threads", "1"]
    train_main(["--run", str(tmp_path / "whole"), "--steps", "2", *args])
    train_main(["--run", str(tmp_path / "parts"), "--steps", "1", *args])
    train_main(["--run", str(tmp_path / "parts"), "--steps", "2", *args])
    whole = torch.load(tmp_path / "whole" / "spade.ckpt")
    parts = torch.load(tmp_path / "parts" / "spade.ckpt")
    assert whole["step"] == parts["step"] == 2
    for key, value in whole["ema"].items():
        assert torch.allclose(value, parts["ema"][key], atol=1e-6), key


def test_the_quality_bench_translates_with_a_single_pass_model_directory(tmp_path):
    from piti_tools.quality import SinglePassSetting, single_pass, translate_single_pass
    from piti_tools.world import scene

    torch.manual_seed(2)
    export_single_pass(SpadeGenerator(SMALL).eval(), out=tmp_path, name="spade-test", version="t1",
                       description="test", class_names=CLASS_NAMES, size=32, z_shape=(2, 8, 8), output=64,
                       log=lambda m: None)
    assert single_pass(tmp_path)
    assert SinglePassSetting().evaluations(tmp_path) == (1, 0, False)
    masks = [scene(HELD_OUT_FROM + i).mask for i in range(3)]
    images = translate_single_pass(tmp_path, masks, [0, 1, 2], seed=0, chunk=2)
    again = translate_single_pass(tmp_path, masks[1:], [1, 2], seed=0, chunk=1)
    assert [im.shape for im in images] == [(64, 64, 3)] * 3
    assert images[0].dtype == np.uint8
    # the noise of a mask depends on (seed, index) only: the same images in other chunks (within one 8-bit level)
    for a, b in ((images[1], again[0]), (images[2], again[1])):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
