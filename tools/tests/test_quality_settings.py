"""bench quality's settings: what they ask the engine for and what they cost."""
from pathlib import Path

import pytest

from piti_tools.quality import SAMPLERS, Setting, default_setting, released_gflop

DEMO = Path(__file__).resolve().parents[2] / "worker/src/main/resources/pitiserve/models/demo-mask"


def test_a_setting_counts_the_decoder_calls_of_each_stage():
    assert Setting.parse("dpmpp_2m:12:cfg:1.3:8").evaluations(DEMO) == (12, 8, True)
    assert Setting.parse("ddim:25:cfg:1.3:10").base_steps == "ddim25"
    assert Setting.parse("ddim:25:cfg:1.3:10").evaluations(DEMO) == (25, 10, True)
    assert Setting.parse("ddpm:50:cfg:1:10").evaluations(DEMO) == (50, 10, False)  # scale 1: one row


def test_released_cost_doubles_guided_base_calls():
    # 50 guided base calls at 230 GFLOP a row and 10 upsampler calls at 1,272
    assert released_gflop(50, 10, True) == pytest.approx(50 * 2 * 230 + 10 * 1272)
    assert released_gflop(50, 10, False) == pytest.approx(50 * 230 + 10 * 1272)


def test_every_engine_sampler_is_a_setting_and_others_are_refused():
    for sampler in SAMPLERS:
        assert Setting.parse(f"{sampler}:8:cfg:1.3:4").sampler == sampler
    with pytest.raises(ValueError):
        Setting.parse("euler:8:cfg:1.3")


def test_the_default_setting_is_the_models_own():
    sampler, base, mode, scale, sr = default_setting(DEMO).split(":")
    assert sampler in SAMPLERS and mode == "cfg" and float(scale) > 0 and base and sr
