"""Model configuration files (TOML) for piti-serve's two-stage networks.

Every size of the encoder and of both UNets is a setting, so the released
networks, the bundled tiny model and the micro parity models share one code
path. See tools/configs/*.toml for examples.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


@dataclass(frozen=True)
class EncoderConfig:
    in_channels: int
    ref_size: int
    cnn_channels: tuple[int, ...]  # conv1..conv6 output channels (conv6 == width)
    width: int
    layers: int
    heads: int

    @property
    def tokens(self) -> int:
        # conv2..conv5 each halve the resolution
        side = self.ref_size // 16
        return side * side

    def validate(self, where: str) -> None:
        if len(self.cnn_channels) != 6:
            raise ValueError(f"{where}.encoder.cnn_channels: need 6 entries")
        if self.cnn_channels[5] != self.width:
            raise ValueError(f"{where}.encoder.cnn_channels[5] must equal width")
        if self.ref_size % 16 != 0:
            raise ValueError(f"{where}.encoder.ref_size must be a multiple of 16")
        if self.width % self.heads != 0:
            raise ValueError(f"{where}.encoder.heads must divide width")


@dataclass(frozen=True)
class ScheduleConfig:
    kind: str  # "cosine" | "linear"
    steps: int = 1000
    beta_start: float | None = None
    beta_end: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "steps": self.steps}
        if self.kind == "linear":
            out["beta_start"] = self.beta_start
            out["beta_end"] = self.beta_end
        return out


@dataclass(frozen=True)
class StageConfig:
    name: str  # "base" | "upsampler"
    resolution: int
    in_channels: int  # 3 for the base, 6 for the upsampler (x_t + low_res)
    out_channels: int
    model_channels: int
    num_res_blocks: int
    channel_mult: tuple[int, ...]
    attention_resolutions: tuple[int, ...]  # in pixels
    num_head_channels: int
    norm_groups: int
    schedule: ScheduleConfig
    respacing: str
    guided: bool
    noise_scale: float
    encoder: EncoderConfig
    low_res: int | None = None
    # piti-serve addition (off for the released sizes): the decoder also adds the encoder's tokens, laid out
    # on their grid and unfolded to full resolution, to its first feature map (see networks.TokenGrid)
    spatial_tokens: bool = False
    # piti-serve addition: "eps" (the released networks) or "x0": the UNet predicts the clean image and the
    # decoder turns it into eps = (x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t), so the exported signature and
    # the sampler stay the same (see networks.ConditionedUNet); "residual" (upsamplers): like x0, but the
    # UNet predicts x0 minus the upsampled low_res image
    prediction: str = "eps"

    @property
    def is_upsampler(self) -> bool:
        return self.low_res is not None

    @property
    def attention_downsample_rates(self) -> set[int]:
        return {self.resolution // r for r in self.attention_resolutions}

    def validate(self) -> None:
        where = self.name
        self.encoder.validate(where)
        if self.resolution % (2 ** (len(self.channel_mult) - 1)) != 0:
            raise ValueError(f"{where}.resolution not divisible by the UNet's downsampling")
        for m in self.channel_mult:
            ch = m * self.model_channels
            if ch % self.norm_groups or ch % self.num_head_channels:
                raise ValueError(f"{where}: channels {ch} vs norm_groups/num_head_channels")
        if self.schedule.kind not in ("cosine", "linear"):
            raise ValueError(f"{where}.schedule.kind: cosine or linear")
        if self.is_upsampler and self.in_channels != 6:
            raise ValueError(f"{where}.in_channels must be 6 for an upsampler")
        if self.prediction not in ("eps", "x0", "residual"):
            raise ValueError(f"{where}.prediction: eps, x0 or residual")
        if self.prediction == "residual" and not self.is_upsampler:
            raise ValueError(f"{where}.prediction: residual needs an upsampler (low_res)")
        if self.spatial_tokens and self.resolution % (self.encoder.ref_size // 16) != 0:
            raise ValueError(f"{where}.spatial_tokens: resolution must be a multiple of the token grid side")


@dataclass(frozen=True)
class ModelConfig:
    name: str
    task: str  # mask | sketch | depth
    description: str
    version: str
    input_kind: str
    input_channels: int
    input_size: int
    guidance_scale: float
    guidance_mode: str
    stages: dict[str, StageConfig] = field(default_factory=dict)

    @property
    def base(self) -> StageConfig:
        return self.stages["base"]

    @property
    def upsampler(self) -> StageConfig:
        return self.stages["upsampler"]


def _stage(name: str, raw: dict[str, Any], input_channels: int, input_size: int) -> StageConfig:
    enc = raw["encoder"]
    sched = raw["schedule"]
    stage = StageConfig(
        name=name,
        resolution=int(raw["resolution"]),
        in_channels=int(raw["in_channels"]),
        out_channels=int(raw.get("out_channels", 6)),
        model_channels=int(raw["model_channels"]),
        num_res_blocks=int(raw["num_res_blocks"]),
        channel_mult=tuple(int(x) for x in raw["channel_mult"]),
        attention_resolutions=tuple(int(x) for x in raw["attention_resolutions"]),
        num_head_channels=int(raw["num_head_channels"]),
        norm_groups=int(raw.get("norm_groups", 32)),
        schedule=ScheduleConfig(
            kind=sched["kind"],
            steps=int(sched.get("steps", 1000)),
            beta_start=sched.get("beta_start"),
            beta_end=sched.get("beta_end"),
        ),
        respacing=str(raw["respacing"]),
        guided=bool(raw["guided"]),
        noise_scale=float(raw["noise_scale"]),
        encoder=EncoderConfig(
            in_channels=int(enc.get("in_channels", input_channels)),
            ref_size=int(enc.get("ref_size", input_size)),
            cnn_channels=tuple(int(x) for x in enc["cnn_channels"]),
            width=int(enc["width"]),
            layers=int(enc["layers"]),
            heads=int(enc["heads"]),
        ),
        low_res=int(raw["low_res"]) if "low_res" in raw else None,
        spatial_tokens=bool(raw.get("spatial_tokens", False)),
        prediction=str(raw.get("prediction", "eps")),
    )
    stage.validate()
    return stage


def parse_config(raw: dict[str, Any]) -> ModelConfig:
    inp = raw["input"]
    channels, size = int(inp["channels"]), int(inp["size"])
    stages = {n: _stage(n, raw[n], channels, size) for n in ("base", "upsampler") if n in raw}
    return ModelConfig(
        name=str(raw["name"]),
        task=str(raw["task"]),
        description=str(raw.get("description", "")),
        version=str(raw.get("version", "0")),
        input_kind=str(inp["kind"]),
        input_channels=channels,
        input_size=size,
        guidance_scale=float(raw["guidance"]["scale"]),
        guidance_mode=str(raw["guidance"].get("mode", "cfg")),
        stages=stages,
    )


def load_config(path: str | Path) -> ModelConfig:
    """Loads a config by path, or by bare name from tools/configs/."""
    p = Path(path)
    if not p.exists() and not p.suffix:
        p = CONFIG_DIR / f"{path}.toml"
    with open(p, "rb") as f:
        return parse_config(tomllib.load(f))
