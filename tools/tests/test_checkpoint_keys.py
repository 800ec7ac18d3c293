"""The network definitions produce exactly the released checkpoints' key sets."""
import json
from pathlib import Path

import pytest
import torch

from piti_tools.config import load_config
from piti_tools.networks import build_stage

KEYS = json.loads((Path(__file__).parent / "data" / "piti-checkpoint-keys.json").read_text())["checkpoints"]
RELEASED = {
    "base_mask.pt": ("mask", "base"),
    "upsample_mask.pt": ("mask", "upsampler"),
    "base_edge.pt": ("sketch", "base"),
    "upsample_edge.pt": ("sketch", "upsampler"),
}


@pytest.mark.parametrize("checkpoint", sorted(RELEASED))
def test_released_config_builds_exactly_the_checkpoint_key_set_and_shapes(checkpoint):
    cfg_name, stage = RELEASED[checkpoint]
    net = build_stage(load_config(cfg_name).stages[stage], device="meta")
    ours = {k: list(v.shape) for k, v in net.state_dict().items()}
    expected = {k: shape for k, shape in KEYS[checkpoint]["keys"]}
    assert ours == expected
    assert sum(v.numel() for v in net.state_dict().values()) == KEYS[checkpoint]["parameters"]["parameters"]


@pytest.mark.parametrize("checkpoint", sorted(RELEASED))
def test_strict_load_of_a_state_dict_with_the_released_keys_succeeds(checkpoint):
    cfg_name, stage = RELEASED[checkpoint]
    net = build_stage(load_config(cfg_name).stages[stage], device="meta")
    state = {k: torch.empty(shape, device="meta") for k, shape in KEYS[checkpoint]["keys"]}
    net.load_state_dict(state, strict=True)
    state.pop(next(iter(state)))
    with pytest.raises(RuntimeError):
        net.load_state_dict(state, strict=True)


def test_one_real_released_size_strict_load_on_cpu_copies_the_values():
    net = build_stage(load_config("sketch").base, device="meta").to_empty(device="cpu")
    # zero-stride tensors: the check needs real values, not 1.4 GB of them
    state = {k: torch.full((1,), 0.25).expand(shape) for k, shape in KEYS["base_edge.pt"]["keys"]}
    state["decoder.out.2.bias"] = torch.arange(6, dtype=torch.float32)
    net.load_state_dict(state, strict=True)
    assert torch.equal(net.decoder.out[2].bias, torch.arange(6, dtype=torch.float32))
    assert float(net.encoder.cnn.conv1.weight[0, 0, 0, 0]) == 0.25
