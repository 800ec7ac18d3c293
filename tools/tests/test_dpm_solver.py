"""DPM-Solver++(2M) and the step spacings of the reference sampler, against closed forms."""
import math

import numpy as np
import pytest

from piti_tools.config import ScheduleConfig
from piti_tools.reference import (RespacedSchedule, base_betas, ddim_step, dpmpp_2m_sde_step, dpmpp_2m_step,
                                  half_log_snr, sample_stage, spaced_timesteps, spacing_of)

COSINE = ScheduleConfig("cosine", 1000)
LINEAR = ScheduleConfig("linear", 1000, 1e-4, 0.02)
DATA_STD = 0.3


class GaussianData:
    """The exact eps of data ~ N(0, DATA_STD^2) per pixel: eps(x, t) = sigma x / (alpha^2 s^2 + sigma^2).
    Sampling's ODE then has a closed-form end: x_0 = s x_T / sqrt(alpha_T^2 s^2 + sigma_T^2)."""

    def __init__(self, schedule: ScheduleConfig):
        self.abar = np.cumprod(1.0 - base_betas(schedule))

    def __call__(self, x, t, guided):
        a = self.abar[int(t[0])]
        eps = math.sqrt(1 - a) * x.astype(np.float64) / (a * DATA_STD**2 + 1 - a)
        return eps.astype(np.float32), None, np.zeros_like(x)

    def exact(self, x_t: np.ndarray, t: int) -> np.ndarray:
        a = self.abar[t]
        return DATA_STD * x_t.astype(np.float64) / math.sqrt(a * DATA_STD**2 + 1 - a)


def _error(sampler: str, steps: int) -> float:
    model = GaussianData(LINEAR)
    schedule = RespacedSchedule.create(LINEAR, str(steps), spacing_of(sampler))
    rng = np.random.default_rng(3)
    noise = np.zeros((steps + 1, 1, 3, 8, 8), np.float32)
    noise[0] = rng.standard_normal((1, 3, 8, 8), dtype=np.float32)
    x = sample_stage(model, schedule, noise, 1.0, sampler)
    return float(np.abs(x - model.exact(noise[0], int(schedule.timesteps[-1]))).max())


def test_the_solver_converges_at_second_order_where_ddim_converges_at_first():
    # On the exact eps of Gaussian data, doubling the steps divides DDIM's error by about 2 and
    # DPM-Solver++(2M)'s by about 4 once the steps are small, with steps of equal h (log-SNR
    # spacing, where the multistep's order holds); at equal steps the solver is the more accurate.
    ddim = [_error("ddim", n) for n in (10, 20, 40)]
    dpm = [_error("dpmpp_2m_logsnr", n) for n in (10, 20, 40)]
    assert 1.6 < ddim[0] / ddim[1] < 2.5 and 1.6 < ddim[1] / ddim[2] < 2.5
    assert dpm[1] / dpm[2] > 3.0
    assert all(d < e / 5 for d, e in zip(dpm, ddim))
    assert dpm[2] < 5e-3


@pytest.mark.parametrize("sampler", ["dpmpp_2m", "dpmpp_2m_karras"])
def test_the_other_spacings_converge_too(sampler):
    assert _error(sampler, 80) < _error(sampler, 20) / 4


def test_the_first_step_is_ddim_without_noise():
    # DPM-Solver++(1) from the data prediction is DDIM with eta = 0 (Lu et al. 2022, section 4.1).
    s = RespacedSchedule.create(COSINE, "10")
    rng = np.random.default_rng(1)
    x, eps = (rng.standard_normal((2, 3, 4, 4)).astype(np.float32) for _ in range(2))
    i = s.steps - 1
    solver, x0 = dpmpp_2m_step(s, i, x, eps, None)
    np.testing.assert_allclose(solver, ddim_step(s, i, x, eps, 0.0, np.zeros_like(x)), atol=2e-6)
    final, _ = dpmpp_2m_step(s, 0, x, eps, x0)
    np.testing.assert_array_equal(final, np.clip(float(s.sqrt_recip_abar[0]) * x - float(s.sqrt_recipm1_abar[0]) * eps,
                                                 -1, 1).astype(np.float32))


def test_a_second_order_step_extrapolates_the_data_prediction_by_the_log_snr_ratio():
    s = RespacedSchedule.create(LINEAR, "10")
    i = 5
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 3, 4, 4)).astype(np.float32) * 0.2
    eps = rng.standard_normal((1, 3, 4, 4)).astype(np.float32) * 0.2
    x0_prev = rng.uniform(-0.5, 0.5, (1, 3, 4, 4)).astype(np.float32)
    got, x0 = dpmpp_2m_step(s, i, x, eps, x0_prev)
    lam = lambda a: math.log(math.sqrt(a) / math.sqrt(1 - a))  # noqa: E731
    h = lam(s.abar_prev[i]) - lam(s.abar[i])
    r = (lam(s.abar[i]) - lam(s.abar[i + 1])) / h
    d = x0 + (x0 - x0_prev) / (2 * r)
    want = math.sqrt((1 - s.abar_prev[i]) / (1 - s.abar[i])) * x - math.sqrt(s.abar_prev[i]) * math.expm1(-h) * d
    np.testing.assert_allclose(got, want, atol=2e-6)


def test_the_solver_draws_no_noise():
    model = GaussianData(COSINE)
    schedule = RespacedSchedule.create(COSINE, "6")
    rng = np.random.default_rng(4)
    noise = rng.standard_normal((7, 1, 3, 4, 4), dtype=np.float32)
    other = noise.copy()
    other[1:] = rng.standard_normal(other[1:].shape, dtype=np.float32)
    np.testing.assert_array_equal(sample_stage(model, schedule, noise, 1.0, "dpmpp_2m"),
                                  sample_stage(model, schedule, other, 1.0, "dpmpp_2m"))


def test_log_snr_spacing_is_even_in_lambda_where_timesteps_allow():
    steps = spaced_timesteps(LINEAR, "12", "logsnr")
    assert len(steps) == 12 and steps[0] == 0 and steps[-1] == 999 and steps == sorted(set(steps))
    lam = half_log_snr(np.cumprod(1 - base_betas(LINEAR)))[steps]
    gaps = -np.diff(lam)
    assert gaps.max() - gaps.min() < 0.15 * gaps.mean()


def test_karras_spacing_follows_its_noise_levels():
    n = 10
    steps = spaced_timesteps(LINEAR, str(n), "karras")[::-1]
    sigma = np.exp(-half_log_snr(np.cumprod(1 - base_betas(LINEAR))))
    rho = 7
    want = (sigma[999] ** (1 / rho) + np.arange(n) / (n - 1) * (sigma[0] ** (1 / rho) - sigma[999] ** (1 / rho))) ** rho
    # each kept step is the timestep whose sigma is nearest the target (in log sigma)
    for t, target in zip(steps, want):
        neighbours = [u for u in (t - 1, t + 1) if 0 <= u < 1000]
        assert all(abs(math.log(sigma[t] / target)) <= abs(math.log(sigma[u] / target)) + 1e-12 for u in neighbours)


def test_crowded_targets_still_give_distinct_timesteps():
    # the cosine schedule's last timesteps span a wide range of lambda: several targets share one
    steps = spaced_timesteps(COSINE, "20", "karras")
    assert len(steps) == len(set(steps)) == 20 and steps[-1] == 999 and steps[0] == 0


def test_uniform_spacing_keeps_the_respacing():
    assert spaced_timesteps(COSINE, "10,3", "uniform") == RespacedSchedule.create(COSINE, "10,3").timesteps.tolist()
    assert spacing_of("dpmpp_2m") == "uniform" and spacing_of("dpmpp_2m_karras") == "karras"


def test_the_stochastic_solver_keeps_the_marginal_of_gaussian_data():
    # With the exact eps of N(0, s^2) data the samples end with the data's spread as the steps
    # shrink (0.36 at 40 steps, 0.296 at 400, here on 3 x 32 x 32 values), whatever noise each
    # step draws.
    model = GaussianData(COSINE)
    spreads = []
    for steps in (40, 400):
        schedule = RespacedSchedule.create(COSINE, str(steps))
        noise = np.random.default_rng(5).standard_normal((steps + 1, 1, 3, 32, 32), dtype=np.float32)
        spreads.append(float(sample_stage(model, schedule, noise, 1.0, "dpmpp_2m_sde").std()))
    assert spreads[1] == pytest.approx(DATA_STD, rel=0.03)
    assert abs(spreads[0] - DATA_STD) > abs(spreads[1] - DATA_STD)


def test_the_stochastic_solver_without_its_noise_is_a_damped_ode_step():
    s = RespacedSchedule.create(COSINE, "10")
    rng = np.random.default_rng(6)
    x, eps = (rng.standard_normal((1, 3, 4, 4)).astype(np.float32) for _ in range(2))
    z = np.zeros_like(x)
    i = 4
    lam = lambda a: 0.5 * math.log(a / (1 - a))  # noqa: E731
    h = lam(s.abar_prev[i]) - lam(s.abar[i])
    got, x0 = dpmpp_2m_sde_step(s, i, x, eps, None, z)
    want = (math.sqrt((1 - s.abar_prev[i]) / (1 - s.abar[i])) * math.exp(-h) * x
            + math.sqrt(s.abar_prev[i]) * (1 - math.exp(-2 * h)) * x0)
    np.testing.assert_allclose(got, want, atol=2e-6)
