"""The reference sampler's maths against hand computation."""
import math

import numpy as np
import pytest

from piti_tools.config import ScheduleConfig
from piti_tools.reference import (RespacedSchedule, base_betas, cfg_guidance, ddim_step, ddpm_step,
                                  normalized_guidance, quantise, sample_stage)

COSINE = ScheduleConfig("cosine", 1000)
LINEAR = ScheduleConfig("linear", 1000, 1e-4, 0.02)


def test_schedules():
    lin = base_betas(LINEAR)
    assert lin[0] == pytest.approx(1e-4) and lin[-1] == pytest.approx(0.02)
    cos = base_betas(COSINE)
    assert cos.max() == pytest.approx(0.999) and cos[0] < 1e-4
    f = lambda s: math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
    assert cos[500] == pytest.approx(1 - f(501 / 1000) / f(500 / 1000), rel=1e-12)


def test_respaced_tables_follow_the_documented_definitions():
    s = RespacedSchedule.create(COSINE, "10")
    abar = np.cumprod(1 - base_betas(COSINE))
    tau = s.timesteps
    assert s.abar == pytest.approx(abar[tau], rel=1e-12)
    assert s.betas[3] == pytest.approx(1 - abar[tau[3]] / abar[tau[2]], rel=1e-12)
    assert s.betas[0] == pytest.approx(1 - abar[0])
    assert s.log_var_clipped[0] == s.log_var_clipped[1] == pytest.approx(math.log(s.posterior_variance[1]))
    i = 5
    assert s.coef1[i] == pytest.approx(s.betas[i] * math.sqrt(s.abar_prev[i]) / (1 - s.abar[i]))
    assert s.coef2[i] == pytest.approx((1 - s.abar_prev[i]) * math.sqrt(1 - s.betas[i]) / (1 - s.abar[i]))


def test_one_ddpm_step_matches_hand_computation():
    s = RespacedSchedule.create(LINEAR, "10")
    rng = np.random.default_rng(0)
    x, eps, z = (rng.standard_normal((1, 3, 2, 2)).astype(np.float32) for _ in range(3))
    v = rng.uniform(-1, 1, (1, 3, 2, 2)).astype(np.float32)
    i = 4
    got = ddpm_step(s, i, x, eps, v, z)
    ab = s.abar[i]
    ab_prev = s.abar[i - 1]
    beta = 1 - ab / ab_prev
    pv = beta * (1 - ab_prev) / (1 - ab)
    for idx in np.ndindex(x.shape):
        xi, ei, vi, zi = (float(a[idx]) for a in (x, eps, v, z))
        x0 = min(1.0, max(-1.0, math.sqrt(1 / ab) * xi - math.sqrt(1 / ab - 1) * ei))
        mean = beta * math.sqrt(ab_prev) / (1 - ab) * x0 + (1 - ab_prev) * math.sqrt(1 - beta) / (1 - ab) * xi
        frac = (vi + 1) / 2
        logvar = frac * math.log(beta) + (1 - frac) * math.log(pv)
        assert float(got[idx]) == pytest.approx(mean + math.exp(logvar / 2) * zi, rel=1e-5, abs=1e-5)


def test_last_ddpm_and_ddim_step_return_the_clipped_x0():
    s = RespacedSchedule.create(COSINE, "fast27")
    rng = np.random.default_rng(1)
    x = (3 * rng.standard_normal((2, 3, 4, 4))).astype(np.float32)
    eps = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    x0 = np.clip(np.float32(s.sqrt_recip_abar[0]) * x - np.float32(s.sqrt_recipm1_abar[0]) * eps, -1, 1)
    np.testing.assert_array_equal(ddpm_step(s, 0, x, eps, eps, None), x0)
    np.testing.assert_allclose(ddim_step(s, 0, x, eps, 0.7, None), x0, atol=1e-6)


def test_ddim_step_matches_the_standard_update():
    s = RespacedSchedule.create(COSINE, "ddim8")
    rng = np.random.default_rng(2)
    x, eps, z = (rng.standard_normal((1, 3, 3, 3)).astype(np.float32) for _ in range(3))
    i, eta = 3, 0.5
    a, ap = s.abar[i], s.abar[i - 1]
    x0 = np.clip((x - math.sqrt(1 - a) * eps) / math.sqrt(a), -1, 1)
    e = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
    sigma = eta * math.sqrt((1 - ap) / (1 - a) * (1 - a / ap))
    want = math.sqrt(ap) * x0 + math.sqrt(1 - ap - sigma**2) * e + sigma * z
    np.testing.assert_allclose(ddim_step(s, i, x, eps, eta, z), want, rtol=1e-5, atol=1e-5)


def test_normalized_guidance_against_a_direct_evaluation():
    rng = np.random.default_rng(3)
    ec = (rng.standard_normal((2, 3, 5, 5)) * 0.8 + 0.1).astype(np.float32)
    eu = (rng.standard_normal((2, 3, 5, 5)) * 1.3 - 0.2).astype(np.float32)
    s = 1.4
    w = s - 1
    got = normalized_guidance(ec, eu, s)
    for b in range(2):
        for c in range(3):
            pc, pu = ec[b, c].astype(np.float64).ravel(), eu[b, c].astype(np.float64).ravel()
            mu_c, mu_u = pc.mean(), pu.mean()
            sd_c = math.sqrt(((pc - mu_c) ** 2).mean())
            sd_u = math.sqrt(((pu - mu_u) ** 2).mean())
            hat = pu + s * (pc - pu)
            mu_hat = mu_c + w * (mu_c - mu_u)
            var_hat = (1 + w) ** 2 * sd_c**2 + w**2 * sd_u**2
            want = (hat - mu_hat) / math.sqrt(var_hat) * sd_c + mu_c
            np.testing.assert_allclose(got[b, c].ravel(), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(normalized_guidance(ec, eu, 1.0), ec, atol=1e-6)


def test_cfg_guidance_formula():
    ec, eu = np.float32([[[[1.0]]]]), np.float32([[[[0.5]]]])
    assert cfg_guidance(ec, eu, 1.3)[0, 0, 0, 0] == pytest.approx(0.5 + 1.3 * 0.5)


def test_quantisation_truncates():
    x = np.float32([-1.5, -1.0, 0.0, 0.999, 1.0, 2.0, 0.0039])
    want = np.floor(127.5 * (np.clip(x, -1, 1) + 1)) / 127.5 - 1
    np.testing.assert_allclose(quantise(x), want, atol=1e-7)
    assert quantise(np.float32([0.0]))[0] == pytest.approx(127 / 127.5 - 1)


def test_stage_loop_reads_noise_rows_in_the_documented_order():
    s = RespacedSchedule.create(COSINE, "3")
    seen = []

    def model(x, t, guided):
        seen.append(float(t[0]))
        return np.zeros_like(x), None, np.zeros_like(x)

    noise = np.zeros((4, 1, 3, 2, 2), dtype=np.float32)
    noise[0] = 2.0
    sample_stage(model, s, noise, 0.5, "ddpm")
    assert seen == [999.0, 500.0, 0.0]
    with pytest.raises(ValueError):
        sample_stage(model, s, noise[:3], 1.0)
