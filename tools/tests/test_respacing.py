import pytest

from piti_tools.reference import space_timesteps

FAST27 = {0, 22, 44, 66, 88, 111, 133, 155, 177, 199, 200, 222, 244, 266, 288, 311, 333, 355, 377, 399,
          400, 500, 599, 600, 799, 800, 997}


def test_fast27_is_the_documented_set():
    assert set(space_timesteps(1000, "fast27")) == FAST27
    assert len(space_timesteps(1000, "fast27")) == 27


@pytest.mark.parametrize("spec,size", [("250", 250), ("100", 100), ("ddim50", 50), ("ddim8", 8),
                                       ("10,10,3,2,2", 27), ("1", 1)])
def test_respacing_sizes(spec, size):
    steps = space_timesteps(1000, spec)
    assert len(steps) == size
    assert steps == sorted(set(steps)) and steps[0] == 0 and steps[-1] <= 999


def test_sections_take_first_and_last_step_of_each_section():
    assert space_timesteps(1000, "10") == [0, 111, 222, 333, 444, 555, 666, 777, 888, 999]
    assert space_timesteps(1000, "5,3") == [0, 125, 250, 374, 499, 500, 750, 999]
    assert space_timesteps(1000, "ddim8") == list(range(0, 1000, 125))
    assert space_timesteps(1000, "3,2,2") == [0, 166, 333, 334, 666, 667, 999]  # 166.5 -> 166 (half to even)


def test_half_way_offsets_round_half_to_even_like_the_reference():
    # sections of 250 with 3 steps: offset 124.5 -> 124
    assert space_timesteps(1000, "3,3,3,3")[:3] == [0, 124, 249]


def test_impossible_respacings_are_refused():
    with pytest.raises(ValueError):
        space_timesteps(1000, "ddim999")
    with pytest.raises(ValueError):
        space_timesteps(1000, "600,600")
