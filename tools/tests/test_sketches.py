"""Sketches of the demo world: edge maps of its renders, fed to a sketch model as the engine does."""
import numpy as np
import pytest
import torch

from piti_tools import sketches, train, world
from piti_tools.preprocess import sketch_ref


def _step_image(column: int) -> np.ndarray:
    """A grey image, dark left of ``column`` and bright from it on."""
    img = np.full((256, 256, 3), 60, np.uint8)
    img[:, column:] = 200
    return img


def test_a_sketch_is_white_edges_on_black():
    sk = world.scene(world.HELD_OUT_FROM).sketch
    assert sk.shape == (256, 256) and sk.dtype == np.uint8
    assert set(np.unique(sk).tolist()) == {0, 255}
    assert 0.01 < (sk == 255).mean() < 0.2, "edges, not a filled or empty picture"


def test_a_step_in_brightness_becomes_one_straight_line_on_the_step():
    sk = sketches.sketch(_step_image(100))
    cols = np.nonzero((sk == 255).any(axis=0))[0]
    assert np.array_equal(cols, np.nonzero((sk == 255).all(axis=0))[0]), "a straight, unbroken line"
    # the two pixels either side of the step tie for the maximum, so the thinned ridge is 2 px, widened by WIDTH - 1
    assert cols.tolist() == list(range(99 - sketches.WIDTH + 1, 101))


def test_a_flat_image_and_faint_texture_have_no_edges():
    assert not sketches.sketch(np.full((256, 256, 3), 128, np.uint8)).any()
    noise = np.random.default_rng(0).normal(128, 2, (256, 256, 3)).clip(0, 255).astype(np.uint8)
    assert not sketches.sketch(noise).any()


def test_region_boundaries_carry_edges_more_often_than_the_inside_of_regions():
    near, far = [], []
    for seed in range(world.HELD_OUT_FROM, world.HELD_OUT_FROM + 6):
        s = world.scene(seed)
        lab = s.labels.astype(int)
        boundary = np.zeros(lab.shape, bool)
        boundary[:, 1:] |= lab[:, 1:] != lab[:, :-1]
        boundary[1:, :] |= lab[1:, :] != lab[:-1, :]
        from scipy import ndimage
        close = ndimage.binary_dilation(boundary, iterations=2)
        edge = s.sketch == 255
        near.append(edge[close].mean())
        far.append(edge[~ndimage.binary_dilation(boundary, iterations=8)].mean())
    assert np.mean(near) > 0.3
    assert np.mean(far) < 0.03


def test_the_condition_is_the_engines_distance_map_of_the_nearest_resized_sketch():
    sk = sketches.sketch(_step_image(101))
    cond = sketches.sketch_condition(sk, 128)
    assert cond.shape == (1, 128, 128) and cond.dtype == np.float32
    assert np.array_equal(cond, sketch_ref(world.resize_nearest(sk, 128)))
    edge_cols = np.nonzero(world.resize_nearest(sk, 128)[0] == 255)[0]
    assert len(edge_cols) >= 1, "the line survives the 2x nearest resize"
    distance = np.abs(np.arange(128)[:, None] - edge_cols[None, :]).min(axis=1)
    assert np.allclose(cond[0], (distance / 127.5 - 1)[None, :].repeat(128, 0), atol=1e-6)
    empty = sketches.sketch_condition(np.zeros((256, 256), np.uint8), 128)
    assert np.array_equal(empty, np.ones((1, 128, 128), np.float32))


def test_sketch_batches_condition_on_the_edge_map_and_drop_it_to_all_ones():
    data = {"labels": np.stack([world.scene(i).labels for i in range(3)]),
            "images": np.stack([world.scene(i).image for i in range(3)])}
    cfg = train.load_config("demo-sketch").base
    never = train.Batches(data, cfg, 5, 0, 0.0, 64, "sketch")(0)
    always = train.Batches(data, cfg, 5, 0, 1.0, 64, "sketch")(0)
    assert never["ref"].shape == (5, 1, 128, 128)
    assert torch.all(always["ref"] == 1.0)
    assert torch.all(never["ref"].flatten(1).min(dim=1).values == -1.0), "every ref has edges"
    rng = np.random.default_rng([0, 0])
    idx, flip = rng.integers(0, 3, 5), rng.random(5) < 0.5
    i, f = int(idx[0]), bool(flip[0])
    sk = world.scene(i).sketch
    expected = sketches.sketch_condition(sk[:, ::-1] if f else sk, 128)
    assert np.array_equal(never["ref"][0].numpy(), expected)


def test_a_scene_gives_each_task_its_input_and_the_engines_ref_of_it():
    s = world.scene(world.HELD_OUT_FROM + 3)
    assert np.array_equal(s.condition("mask"), s.mask)
    assert np.array_equal(s.condition("sketch"), s.sketch)
    mask_ref = sketches.condition_ref("mask", s.condition("mask"), 128)
    sketch_ref_ = sketches.condition_ref("sketch", s.condition("sketch"), 128)
    assert mask_ref.shape == (3, 128, 128) and sketch_ref_.shape == (1, 128, 128)
    assert np.array_equal(sketch_ref_, sketches.sketch_condition(s.sketch, 128))
    with pytest.raises(ValueError):
        s.condition("depth")
    with pytest.raises(ValueError):
        sketches.condition_ref("depth", s.mask, 128)


def test_bench_quality_translates_a_sketch_models_input_and_the_sketch_steers_the_picture():
    from piti_tools import quality
    from tests.conftest import REPO

    model = REPO / "worker/src/test/resources/fixtures/models/micro-sketch"
    setting = quality.Setting.parse("ddim:4:cfg:1.3:3")
    a, b = (world.scene(world.HELD_OUT_FROM + i).condition("sketch") for i in (0, 1))
    # the same index gives the same noise: only the sketch differs
    out_a = quality.translate(model, [a], [0], setting, seed=5, chunk=1)[0]
    again = quality.translate(model, [a], [0], setting, seed=5, chunk=1)[0]
    out_b = quality.translate(model, [b], [0], setting, seed=5, chunk=1)[0]
    assert out_a.shape == (64, 64, 3)
    assert np.array_equal(out_a, again)
    assert np.abs(out_a.astype(int) - out_b.astype(int)).max() > 2
