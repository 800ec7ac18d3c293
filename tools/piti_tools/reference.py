"""Independent NumPy reference sampler for piti-serve parity fixtures.

Implements SAMPLING.md sections 3-6: respacing, cosine/linear schedules,
DDPM with learned-range variance and clipping, DDIM with eta, classifier-free
(cfg) and normalized guidance, and the two-stage pipeline with the
reference's quantisation; and DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++:
Fast Solver for Guided Sampling of Diffusion Probabilistic Models",
Algorithm 2) with its steps placed uniformly in t, uniformly in log-SNR or
at Karras et al.'s (2022, eq. 5) noise levels. Schedule tables are float64 and cast to float32
where used; all per-pixel maths is on float32 arrays. Networks are called
only for their outputs (eager torch, see ``TorchStageModel``). Noise comes in
the noise-file layout of docs/MODEL_FORMAT.md: row 0 the initial draw, row j
the z of step i = K - j.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Protocol

import numpy as np

from .config import ScheduleConfig

F32 = np.float32


# --------------------------------------------------------------------------
# schedules and respacing
# --------------------------------------------------------------------------


def base_betas(schedule: ScheduleConfig) -> np.ndarray:
    """betas of the original schedule, float64 [steps]."""
    n = schedule.steps
    if schedule.kind == "linear":
        assert schedule.beta_start is not None and schedule.beta_end is not None
        return np.linspace(schedule.beta_start, schedule.beta_end, n, dtype=np.float64)
    if schedule.kind == "cosine":

        def abar(s: float) -> float:
            return math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2

        return np.array([min(1 - abar((i + 1) / n) / abar(i / n), 0.999) for i in range(n)], dtype=np.float64)
    raise ValueError(f"unknown schedule kind {schedule.kind!r}")


def space_timesteps(num_steps: int, spec: str) -> list[int]:
    """Kept original timesteps (sorted) for a respacing string.

    "N,M,...": equal sections (the first ``num_steps % sections`` one step
    longer); a section of ``size`` keeps ``count`` steps at offsets
    round(cur) where cur advances by (size-1)/(count-1) as a float64
    accumulator and round is half-to-even (Python's round, Java's Math.rint).
    "ddimN": stride s with len(range(0, num_steps, s)) == N.
    "fast27": "10,10,3,2,2" with step num_steps-1 replaced by num_steps-3.
    """
    if spec == "fast27":
        steps = set(space_timesteps(num_steps, "10,10,3,2,2"))
        steps.remove(num_steps - 1)
        steps.add(num_steps - 3)
        return sorted(steps)
    if spec.startswith("ddim"):
        want = int(spec[len("ddim"):])
        for stride in range(1, num_steps):
            if len(range(0, num_steps, stride)) == want:
                return list(range(0, num_steps, stride))
        raise ValueError(f"cannot make {want} steps with an integer stride")
    counts = [int(c) for c in spec.split(",")]
    size_per, extra = divmod(num_steps, len(counts))
    start = 0
    kept: list[int] = []
    for i, count in enumerate(counts):
        size = size_per + (1 if i < extra else 0)
        if size < count or count < 1:
            raise ValueError(f"cannot take {count} steps from a section of {size}")
        stride = 1.0 if count <= 1 else (size - 1) / (count - 1)
        cur = 0.0
        for _ in range(count):
            kept.append(start + round(cur))
            cur += stride
        start += size
    return sorted(set(kept))


SPACINGS = ("uniform", "logsnr", "karras")
KARRAS_RHO = 7.0


def spacing_of(sampler: str) -> str:
    """The spacing a sampler's wire name asks for: ``dpmpp_2m_logsnr`` -> logsnr, ``..._karras``
    -> karras, anything else -> uniform (the respacing's own timesteps)."""
    for spacing in SPACINGS[1:]:
        if sampler.endswith("_" + spacing):
            return spacing
    return "uniform"


def half_log_snr(abar: np.ndarray) -> np.ndarray:
    """lambda = log(alpha / sigma) with alpha^2 = abar, sigma^2 = 1 - abar (float64)."""
    abar = np.asarray(abar, dtype=np.float64)
    return 0.5 * (np.log(abar) - np.log1p(-abar))


def spaced_timesteps(schedule: ScheduleConfig, spec: str, spacing: str = "uniform") -> list[int]:
    """Kept original timesteps (sorted). ``uniform``: those of ``spec``. ``logsnr`` / ``karras``: as
    many as ``spec`` keeps, at targets from the noisiest timestep (T-1) to timestep 0 that are
    evenly spaced in lambda, or are Karras' sigma_j = (smax^(1/rho) + j/(N-1) (smin^(1/rho) -
    smax^(1/rho)))^rho with sigma = exp(-lambda), rho = 7; each target takes the timestep of the
    nearest lambda, and a target whose timestep is taken (or would leave too few below it) takes
    the largest timestep still free below the previous one."""
    uniform = space_timesteps(schedule.steps, spec)
    if spacing == "uniform":
        return uniform
    if spacing not in SPACINGS:
        raise ValueError(f"unknown spacing {spacing!r}")
    n = len(uniform)
    lam = half_log_snr(np.cumprod(1.0 - base_betas(schedule)))
    lam_max, lam_min = lam[0], lam[-1]  # timestep 0 is the cleanest
    fractions = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)
    if spacing == "logsnr":
        targets = lam_min + fractions * (lam_max - lam_min)
    else:
        s_max, s_min = np.exp(-lam_min), np.exp(-lam_max)
        sigmas = (s_max ** (1 / KARRAS_RHO) + fractions * (s_min ** (1 / KARRAS_RHO) - s_max ** (1 / KARRAS_RHO))) ** KARRAS_RHO
        targets = -np.log(sigmas)
    chosen: list[int] = []
    for j, target in enumerate(targets):
        t = int(np.argmin(np.abs(lam - target)))
        if chosen:
            t = min(t, chosen[-1] - 1)
        chosen.append(max(t, n - 1 - j))
    return sorted(chosen)


@dataclass(frozen=True)
class RespacedSchedule:
    """Per kept step i (float64 tables, SAMPLING.md section 4)."""

    timesteps: np.ndarray  # int, original indices tau_i
    betas: np.ndarray
    abar: np.ndarray
    abar_prev: np.ndarray
    posterior_variance: np.ndarray
    log_var_clipped: np.ndarray
    coef1: np.ndarray
    coef2: np.ndarray
    sqrt_recip_abar: np.ndarray
    sqrt_recipm1_abar: np.ndarray
    log_betas: np.ndarray

    @property
    def steps(self) -> int:
        return len(self.timesteps)

    @staticmethod
    def create(schedule: ScheduleConfig, spec: str, spacing: str = "uniform") -> "RespacedSchedule":
        orig_abar = np.cumprod(1.0 - base_betas(schedule))
        kept = spaced_timesteps(schedule, spec, spacing)
        betas, last = [], 1.0
        for t in kept:
            betas.append(1.0 - orig_abar[t] / last)
            last = orig_abar[t]
        b = np.array(betas, dtype=np.float64)
        abar = np.cumprod(1.0 - b)
        abar_prev = np.append(1.0, abar[:-1])
        pv = b * (1.0 - abar_prev) / (1.0 - abar)
        log_clipped = np.log(np.append(pv[1], pv[1:])) if len(pv) > 1 else np.log(pv)
        return RespacedSchedule(
            timesteps=np.array(kept, dtype=np.int64),
            betas=b,
            abar=abar,
            abar_prev=abar_prev,
            posterior_variance=pv,
            log_var_clipped=log_clipped,
            coef1=b * np.sqrt(abar_prev) / (1.0 - abar),
            coef2=(1.0 - abar_prev) * np.sqrt(1.0 - b) / (1.0 - abar),
            sqrt_recip_abar=np.sqrt(1.0 / abar),
            sqrt_recipm1_abar=np.sqrt(1.0 / abar - 1.0),
            log_betas=np.log(b),
        )


# --------------------------------------------------------------------------
# one step
# --------------------------------------------------------------------------


def predict_x0(s: RespacedSchedule, i: int, x: np.ndarray, eps: np.ndarray) -> np.ndarray:
    x0 = F32(s.sqrt_recip_abar[i]) * x - F32(s.sqrt_recipm1_abar[i]) * eps
    return np.clip(x0, F32(-1), F32(1)).astype(F32)


def ddpm_step(
    s: RespacedSchedule, i: int, x: np.ndarray, eps: np.ndarray, v: np.ndarray, z: Optional[np.ndarray]
) -> np.ndarray:
    """x_{i} -> x_{i-1}: learned-range variance, clipped x0, posterior mean."""
    x0 = predict_x0(s, i, x, eps)
    mean = F32(s.coef1[i]) * x0 + F32(s.coef2[i]) * x
    if i == 0:
        return mean.astype(F32)
    frac = (v + F32(1)) / F32(2)
    logvar = frac * F32(s.log_betas[i]) + (F32(1) - frac) * F32(s.log_var_clipped[i])
    assert z is not None
    return (mean + np.exp(F32(0.5) * logvar) * z).astype(F32)


def ddim_sigma(s: RespacedSchedule, i: int, eta: float) -> float:
    """sigma_i (float64) = eta sqrt((1-abar_prev)/(1-abar)) sqrt(1 - abar/abar_prev)."""
    a, ap = s.abar[i], s.abar_prev[i]
    return float(eta * math.sqrt((1 - ap) / (1 - a)) * math.sqrt(1 - a / ap))


def ddim_step(
    s: RespacedSchedule, i: int, x: np.ndarray, eps: np.ndarray, eta: float, z: Optional[np.ndarray]
) -> np.ndarray:
    """DDIM from the clipped x0 and the eps recomputed from it."""
    x0 = predict_x0(s, i, x, eps)
    eps_x0 = (F32(s.sqrt_recip_abar[i]) * x - x0) / F32(s.sqrt_recipm1_abar[i])
    sigma = ddim_sigma(s, i, eta)
    ap = s.abar_prev[i]
    mean = x0 * F32(math.sqrt(ap)) + F32(math.sqrt(max(1 - ap - sigma * sigma, 0.0))) * eps_x0
    if i == 0:
        return mean.astype(F32)
    assert z is not None
    return (mean + F32(sigma) * z).astype(F32)


def dpmpp_2m_step(
    s: RespacedSchedule, i: int, x: np.ndarray, eps: np.ndarray, x0_prev: Optional[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """DPM-Solver++(2M), one step from s = step i to t = step i - 1 (abar_prev[i]; 1 at i = 0).

    The data prediction is the clipped x0 of the (guided) eps. With alpha = sqrt(abar),
    sigma = sqrt(1 - abar), lambda = log(alpha / sigma) and h = lambda_t - lambda_s:

        first step (no x0_prev):  x_t = sigma_t / sigma_s x_s - alpha_t (e^-h - 1) x0
        later steps:              D = (1 + 1/(2r)) x0 - 1/(2r) x0_prev,  r = h_prev / h,
                                  h_prev = lambda_s - lambda_u (u: the step before s)
                                  x_t = sigma_t / sigma_s x_s - alpha_t (e^-h - 1) D
        last step (abar_t = 1):   x_t = x0

    Returns (x_t, x0): the caller hands x0 to the next step as its x0_prev.
    """
    x0 = predict_x0(s, i, x, eps)
    if i == 0:
        return x0, x0
    lam_s = float(half_log_snr(s.abar[i]))
    lam_t = float(half_log_snr(s.abar_prev[i]))
    h = lam_t - lam_s
    alpha_t, sigma_t, sigma_s = math.sqrt(s.abar_prev[i]), math.sqrt(1 - s.abar_prev[i]), math.sqrt(1 - s.abar[i])
    decay = F32(sigma_t / sigma_s)
    gain = F32(-alpha_t * math.expm1(-h))
    if x0_prev is None:
        return (decay * x + gain * x0).astype(F32), x0
    r = (lam_s - float(half_log_snr(s.abar[i + 1]))) / h
    d = F32(1 + 1 / (2 * r)) * x0 - F32(1 / (2 * r)) * x0_prev
    return (decay * x + gain * d).astype(F32), x0


def dpmpp_2m_sde_step(
    s: RespacedSchedule, i: int, x: np.ndarray, eps: np.ndarray, x0_prev: Optional[np.ndarray],
    z: Optional[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """SDE-DPM-Solver++(2M) (Lu et al. 2022, the stochastic variant), one step from s = step i to t:

        x_t = sigma_t / sigma_s e^-h x_s + alpha_t (1 - e^-2h) D + sigma_t sqrt(1 - e^-2h) z

    with D as in ``dpmpp_2m_step`` (x0 on the first step) and x0 returned at the last step.
    """
    x0 = predict_x0(s, i, x, eps)
    if i == 0:
        return x0, x0
    lam_s = float(half_log_snr(s.abar[i]))
    h = float(half_log_snr(s.abar_prev[i])) - lam_s
    alpha_t, sigma_t, sigma_s = math.sqrt(s.abar_prev[i]), math.sqrt(1 - s.abar_prev[i]), math.sqrt(1 - s.abar[i])
    decay = F32(sigma_t / sigma_s * math.exp(-h))
    gain = F32(-alpha_t * math.expm1(-2 * h))
    std = F32(sigma_t * math.sqrt(-math.expm1(-2 * h)))
    if x0_prev is None:
        d = x0
    else:
        r = (lam_s - float(half_log_snr(s.abar[i + 1]))) / h
        d = F32(1 + 1 / (2 * r)) * x0 - F32(1 / (2 * r)) * x0_prev
    assert z is not None
    return (decay * x + gain * d + std * z).astype(F32), x0


# --------------------------------------------------------------------------
# guidance
# --------------------------------------------------------------------------


def cfg_guidance(eps_c: np.ndarray, eps_u: np.ndarray, scale: float) -> np.ndarray:
    return (eps_u + F32(scale) * (eps_c - eps_u)).astype(F32)


def normalized_guidance(eps_c: np.ndarray, eps_u: np.ndarray, scale: float) -> np.ndarray:
    """cfg, then rescaled per sample and per channel (statistics over H x W,
    population std) so that the result has mean mu_hat = mu_c + w (mu_c - mu_u)
    ... mapped back onto eps_c's statistics; w = scale - 1:

        eps = (eps_hat - mu_hat) / sqrt((1+w)^2 sigma_c^2 + w^2 sigma_u^2) * sigma_c + mu_c
    """
    w = F32(scale - 1.0)
    eps_hat = cfg_guidance(eps_c, eps_u, scale)
    mu_c = eps_c.mean(axis=(2, 3), keepdims=True, dtype=np.float64).astype(F32)
    mu_u = eps_u.mean(axis=(2, 3), keepdims=True, dtype=np.float64).astype(F32)
    sd_c = eps_c.std(axis=(2, 3), keepdims=True, dtype=np.float64).astype(F32)
    sd_u = eps_u.std(axis=(2, 3), keepdims=True, dtype=np.float64).astype(F32)
    mu_hat = mu_c + w * (mu_c - mu_u)
    var_hat = (F32(1) + w) ** 2 * sd_c**2 + w**2 * sd_u**2
    return ((eps_hat - mu_hat) / np.sqrt(var_hat) * sd_c + mu_c).astype(F32)


def guide(eps_c: np.ndarray, eps_u: np.ndarray, scale: float, mode: str) -> np.ndarray:
    if mode == "cfg":
        return cfg_guidance(eps_c, eps_u, scale)
    if mode == "normalized":
        return normalized_guidance(eps_c, eps_u, scale)
    raise ValueError(f"unknown guidance mode {mode!r}")


def quantise(x: np.ndarray) -> np.ndarray:
    """low_res = floor(127.5 (clamp(x,-1,1) + 1)) / 127.5 - 1 (truncation)."""
    xc = np.clip(x, F32(-1), F32(1)).astype(F32)
    return (np.floor(F32(127.5) * (xc + F32(1))) / F32(127.5) - F32(1)).astype(F32)


def to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(F32(255) * (x + F32(1)) / F32(2)), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------
# stage loop
# --------------------------------------------------------------------------


class StageModel(Protocol):
    """Network outputs for a stage: (eps_c, eps_u or None, v), each [B,3,H,W]."""

    def __call__(self, x: np.ndarray, t: np.ndarray, guided: bool) -> tuple[np.ndarray, Optional[np.ndarray], np.ndarray]:
        ...


def sample_stage(
    model: StageModel,
    schedule: RespacedSchedule,
    noise: np.ndarray,
    noise_scale: float,
    sampler: str = "ddpm",
    eta: float = 0.0,
    guided: bool = False,
    scale: float = 1.0,
    mode: str = "cfg",
    on_step: Optional[Callable[[int, np.ndarray], None]] = None,
) -> np.ndarray:
    """Runs one stage from noise [K+1, B, 3, H, W]; returns the final x. For a dpmpp_2m sampler,
    ``schedule`` must already be placed by its spacing (``RespacedSchedule.create(..., spacing_of(
    sampler))``); it reads row 0 of the noise only (the solver draws none), which may be all there is."""
    k = schedule.steps
    rows = 1 if sampler.startswith("dpmpp_2m") and sampler != "dpmpp_2m_sde" else k + 1
    if noise.shape[0] < rows:
        raise ValueError(f"noise has {noise.shape[0]} rows, need {rows}")
    x = (F32(noise_scale) * noise[0].astype(F32)).astype(F32)
    x0_prev: Optional[np.ndarray] = None
    for j in range(1, k + 1):
        i = k - j
        t = np.full((x.shape[0],), float(schedule.timesteps[i]), dtype=F32)
        eps_c, eps_u, v = model(x, t, guided)
        eps = guide(eps_c, eps_u, scale, mode) if guided and eps_u is not None else eps_c
        z = noise[j].astype(F32) if rows > 1 else None
        if sampler == "ddpm":
            x = ddpm_step(schedule, i, x, eps, v, z)
        elif sampler == "ddim":
            x = ddim_step(schedule, i, x, eps, eta, z)
        elif sampler == "dpmpp_2m_sde":
            x, x0_prev = dpmpp_2m_sde_step(schedule, i, x, eps, x0_prev, z)
        elif sampler.startswith("dpmpp_2m"):  # the spacing suffix only placed the schedule's steps
            x, x0_prev = dpmpp_2m_step(schedule, i, x, eps, x0_prev)
        else:
            raise ValueError(f"unknown sampler {sampler!r}")
        if on_step is not None:
            on_step(i, x)
    return x


class TorchStageModel:
    """Adapts an eager StageNetwork: encodes ref (and the all-ones
    unconditional ref) once, then runs the decoder at batch 2B for guided
    steps ([x; x] with [cond; uncond] encodings) or B otherwise."""

    def __init__(self, stage: "object", ref: np.ndarray, low_res: Optional[np.ndarray] = None) -> None:
        import torch

        self._torch = torch
        self.stage = stage
        with torch.no_grad():
            r = torch.from_numpy(np.ascontiguousarray(ref, dtype=F32))
            self.cond = stage.encoder(r)  # type: ignore[attr-defined]
            self.uncond = stage.encoder(torch.ones_like(r))  # type: ignore[attr-defined]
        self.low_res = None if low_res is None else torch.from_numpy(np.ascontiguousarray(low_res, dtype=F32))

    def __call__(self, x: np.ndarray, t: np.ndarray, guided: bool) -> tuple[np.ndarray, Optional[np.ndarray], np.ndarray]:
        torch = self._torch
        b = x.shape[0]
        xt = torch.from_numpy(np.ascontiguousarray(x))
        tt = torch.from_numpy(np.ascontiguousarray(t))
        with torch.no_grad():
            if guided:
                proj = torch.cat([self.cond[0], self.uncond[0]])
                out_tokens = torch.cat([self.cond[1], self.uncond[1]])
                low = None if self.low_res is None else torch.cat([self.low_res, self.low_res])
                out = self.stage.decode(torch.cat([xt, xt]), torch.cat([tt, tt]), proj, out_tokens, low)  # type: ignore[attr-defined]
                out = out.numpy().astype(F32)
                return out[:b, :3], out[b:, :3], out[:b, 3:]
            out = self.stage.decode(xt, tt, self.cond[0], self.cond[1], self.low_res).numpy().astype(F32)  # type: ignore[attr-defined]
            return out[:, :3], None, out[:, 3:]
