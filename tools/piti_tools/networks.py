"""PITI network definitions for piti-serve (condition encoder + GLIDE-style UNet).

The module tree is laid out so that ``state_dict()`` keys are exactly those of
the released checkpoints (``encoder.*`` and ``decoder.*``); the test suite
checks that against docs/../piti-checkpoint-keys.json. Layout facts that decide
whether released weights compute the right thing:

* fused qkv projections are laid out per head (head 0's q, k, v, then head 1's);
* the UNet's attention prepends the projected encoder tokens to its keys/values;
* q and k are each scaled by (channels per head) ** -0.25;
* the timestep embedding is [cos, sin];
* the encoder appends its class token LAST; the class token gets positional
  slot 0, the image tokens slots 1..T.

Every constructor takes ``device`` so the released sizes can be built on the
``meta`` device (no memory) for key-set checks.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .config import EncoderConfig, StageConfig

Device = Optional[torch.device | str]


# --------------------------------------------------------------------------
# condition encoder
# --------------------------------------------------------------------------


class ConditionCnn(nn.Module):
    """7x7 conv, four stride-2 3x3 convs (InstanceNorm + LeakyReLU after all
    but the last conv), then a 3x3 conv: R x R -> (R/16) x (R/16) tokens."""

    def __init__(self, in_channels: int, channels: tuple[int, ...], device: Device = None) -> None:
        super().__init__()
        c = channels
        self.conv1 = nn.Conv2d(in_channels, c[0], 7, 1, 3, device=device)
        self.norm1 = nn.InstanceNorm2d(c[0], affine=True, device=device)
        self.conv2 = nn.Conv2d(c[0], c[1], 3, 2, 1, device=device)
        self.norm2 = nn.InstanceNorm2d(c[1], affine=True, device=device)
        self.conv3 = nn.Conv2d(c[1], c[2], 3, 2, 1, device=device)
        self.norm3 = nn.InstanceNorm2d(c[2], affine=True, device=device)
        self.conv4 = nn.Conv2d(c[2], c[3], 3, 2, 1, device=device)
        self.norm4 = nn.InstanceNorm2d(c[3], affine=True, device=device)
        self.conv5 = nn.Conv2d(c[3], c[4], 3, 2, 1, device=device)
        self.norm5 = nn.InstanceNorm2d(c[4], affine=True, device=device)
        self.conv6 = nn.Conv2d(c[4], c[5], 3, 1, 1, device=device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, norm in (
            (self.conv1, self.norm1),
            (self.conv2, self.norm2),
            (self.conv3, self.norm3),
            (self.conv4, self.norm4),
            (self.conv5, self.norm5),
        ):
            x = F.leaky_relu(norm(conv(x)), 0.2)
        return self.conv6(x)


class TokenAttention(nn.Module):
    """Multi-head self-attention over [B, N, W] with a per-head fused qkv."""

    def __init__(self, width: int, heads: int, device: Device = None) -> None:
        super().__init__()
        self.heads = heads
        self.c_qkv = nn.Linear(width, 3 * width, device=device)
        self.c_proj = nn.Linear(width, width, device=device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, w = x.shape
        head_ch = w // self.heads
        qkv = self.c_qkv(x).reshape(b, n, self.heads, 3 * head_ch)
        q, k, v = qkv.split(head_ch, dim=-1)  # each [B, N, H, C]
        s = head_ch ** -0.25
        logits = torch.einsum("bnhc,bmhc->bhnm", q * s, k * s)
        weights = torch.softmax(logits.float(), dim=-1).to(logits.dtype)
        out = torch.einsum("bhnm,bmhc->bnhc", weights, v).reshape(b, n, w)
        return self.c_proj(out)


class TokenMlp(nn.Module):
    def __init__(self, width: int, device: Device = None) -> None:
        super().__init__()
        self.c_fc = nn.Linear(width, 4 * width, device=device)
        self.c_proj = nn.Linear(4 * width, width, device=device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(F.gelu(self.c_fc(x)))


class TransformerLayer(nn.Module):
    """Pre-norm transformer layer: x + attn(ln_1 x), then x + mlp(ln_2 x)."""

    def __init__(self, width: int, heads: int, device: Device = None) -> None:
        super().__init__()
        self.attn = TokenAttention(width, heads, device)
        self.ln_1 = nn.LayerNorm(width, device=device)
        self.mlp = TokenMlp(width, device)
        self.ln_2 = nn.LayerNorm(width, device=device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TransformerStack(nn.Module):
    def __init__(self, width: int, layers: int, heads: int, device: Device = None) -> None:
        super().__init__()
        self.resblocks = nn.ModuleList(TransformerLayer(width, heads, device) for _ in range(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.resblocks:
            x = layer(x)
        return x


class ConditionEncoder(nn.Module):
    """ref [B, C, R, R] -> (xf_proj [B, W], xf_out [B, W, T])."""

    def __init__(self, cfg: EncoderConfig, device: Device = None) -> None:
        super().__init__()
        w, t = cfg.width, cfg.tokens
        self.transformer = TransformerStack(w, cfg.layers, cfg.heads, device)
        self.cnn = ConditionCnn(cfg.in_channels, cfg.cnn_channels, device)
        self.final_ln = nn.LayerNorm(w, device=device)
        self.cls_token = nn.Parameter(torch.empty(1, 1, w, device=device))
        self.positional_embedding = nn.Parameter(torch.empty(1, t + 1, w, device=device))
        with torch.no_grad():  # deterministic placeholder; real weights are loaded or drawn
            if self.cls_token.device.type != "meta":
                nn.init.normal_(self.cls_token, std=0.02)
                nn.init.normal_(self.positional_embedding, std=0.02)

    def forward(self, ref: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.cnn(ref).flatten(2).transpose(1, 2)  # [B, T, W]
        feats = feats + self.positional_embedding[:, 1:, :]
        cls = (self.cls_token + self.positional_embedding[:, :1, :]).expand(feats.shape[0], -1, -1)
        tokens = torch.cat([feats, cls], dim=1)  # class token LAST
        tokens = self.final_ln(self.transformer(tokens))
        xf_proj = tokens[:, -1]
        xf_out = tokens[:, :-1].permute(0, 2, 1)
        return xf_proj, xf_out


# --------------------------------------------------------------------------
# UNet
# --------------------------------------------------------------------------


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding of (float) timesteps: cosines first, then sines."""
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half
    )
    args = t[:, None].float() * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


class GroupNormF32(nn.GroupNorm):
    """GroupNorm computed in float32 whatever the input dtype."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.float()).to(x.dtype)


class ResBlock(nn.Module):
    """Residual block with scale-shift timestep conditioning; optionally
    halves (down) or doubles (up) the resolution."""

    def __init__(
        self,
        channels: int,
        emb_channels: int,
        out_channels: int,
        groups: int,
        up: bool = False,
        down: bool = False,
        device: Device = None,
    ) -> None:
        super().__init__()
        self.up, self.down = up, down
        self.in_layers = nn.Sequential(
            GroupNormF32(groups, channels, device=device),
            nn.SiLU(),
            nn.Conv2d(channels, out_channels, 3, padding=1, device=device),
        )
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_channels, 2 * out_channels, device=device))
        self.out_layers = nn.Sequential(
            GroupNormF32(groups, out_channels, device=device),
            nn.SiLU(),
            nn.Dropout(0.0),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, device=device),
        )
        if out_channels == channels:
            self.skip_connection: nn.Module = nn.Identity()
        else:
            self.skip_connection = nn.Conv2d(channels, out_channels, 1, device=device)

    def _resample(self, x: torch.Tensor) -> torch.Tensor:
        if self.up:
            return F.interpolate(x, scale_factor=2.0, mode="nearest")
        if self.down:
            return F.avg_pool2d(x, kernel_size=2, stride=2)
        return x

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        norm, act, conv = self.in_layers[0], self.in_layers[1], self.in_layers[2]
        h = act(norm(x))
        h = conv(self._resample(h))
        x = self._resample(x)
        scale, shift = self.emb_layers(emb).to(h.dtype)[:, :, None, None].chunk(2, dim=1)
        h = self.out_layers[0](h) * (1 + scale) + shift
        for layer in list(self.out_layers)[1:]:
            h = layer(h)
        return self.skip_connection(x) + h


class CrossAttentionBlock(nn.Module):
    """Spatial self-attention whose keys/values are prefixed by the encoder's
    tokens (projected by ``encoder_kv``)."""

    def __init__(self, channels: int, head_channels: int, encoder_width: int, groups: int, device: Device = None) -> None:
        super().__init__()
        self.heads = channels // head_channels
        self.norm = GroupNormF32(groups, channels, device=device)
        self.qkv = nn.Conv1d(channels, 3 * channels, 1, device=device)
        self.encoder_kv = nn.Conv1d(encoder_width, 2 * channels, 1, device=device)
        self.proj_out = nn.Conv1d(channels, channels, 1, device=device)

    def forward(self, x: torch.Tensor, xf_out: torch.Tensor) -> torch.Tensor:
        b, c, hh, ww = x.shape
        ch = c // self.heads
        qkv = self.qkv(self.norm(x).reshape(b, c, hh * ww))
        q, k, v = qkv.reshape(b * self.heads, 3 * ch, hh * ww).split(ch, dim=1)
        ek, ev = self.encoder_kv(xf_out).reshape(b * self.heads, 2 * ch, -1).split(ch, dim=1)
        k = torch.cat([ek, k], dim=-1)  # encoder tokens IN FRONT
        v = torch.cat([ev, v], dim=-1)
        s = ch ** -0.25
        logits = torch.einsum("bct,bcs->bts", q * s, k * s)
        weights = torch.softmax(logits.float(), dim=-1).to(logits.dtype)
        out = torch.einsum("bts,bcs->bct", weights, v).reshape(b, c, hh * ww)
        return x + self.proj_out(out).reshape(b, c, hh, ww)


class TokenGrid(nn.Module):
    """piti-serve's optional spatial path for small models (``spatial_tokens``):
    each of the encoder's T tokens (a sqrt(T) x sqrt(T) grid over ``ref``) is
    mapped by one linear layer to an f x f block of feature vectors (f = the
    stage resolution / sqrt(T)), giving a full-resolution map that is added to
    the UNet's first feature map. The released PITI networks reach the tokens
    through cross-attention only; a small model trained for minutes on a CPU
    cannot learn where each token lies, this path tells it."""

    def __init__(self, encoder_width: int, tokens: int, resolution: int, channels: int, device: Device = None) -> None:
        super().__init__()
        self.side = int(round(math.sqrt(tokens)))
        self.factor = resolution // self.side
        self.channels = channels
        self.proj = nn.Linear(encoder_width, channels * self.factor * self.factor, device=device)

    def forward(self, xf_out: torch.Tensor) -> torch.Tensor:
        b = xf_out.shape[0]
        f, c, s = self.factor, self.channels, self.side
        blocks = self.proj(xf_out.transpose(1, 2))  # [B, T, c*f*f]
        blocks = blocks.reshape(b, s, s, c, f, f).permute(0, 3, 1, 4, 2, 5)
        return blocks.reshape(b, c, s * f, s * f)


class UNetLevel(nn.ModuleList):
    """One entry of input_blocks / middle_block / output_blocks."""

    def forward(self, h: torch.Tensor, emb: torch.Tensor, xf_out: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        for layer in self:
            if isinstance(layer, ResBlock):
                h = layer(h, emb)
            elif isinstance(layer, CrossAttentionBlock):
                h = layer(h, xf_out)
            else:
                h = layer(h)
        return h


class ConditionedUNet(nn.Module):
    """The decoder: (x_t [B,Cin,H,H], t [B] float, xf_proj, xf_out) -> [B, 6, H, H]."""

    def __init__(self, cfg: StageConfig, device: Device = None) -> None:
        super().__init__()
        mc = cfg.model_channels
        emb_ch = 4 * mc
        groups = cfg.norm_groups
        enc_w = cfg.encoder.width
        attn_rates = cfg.attention_downsample_rates
        self.model_channels = mc

        def attn(ch: int) -> CrossAttentionBlock:
            return CrossAttentionBlock(ch, cfg.num_head_channels, enc_w, groups, device)

        self.time_embed = nn.Sequential(
            nn.Linear(mc, emb_ch, device=device), nn.SiLU(), nn.Linear(emb_ch, emb_ch, device=device)
        )
        ch = cfg.channel_mult[0] * mc
        self.input_blocks = nn.ModuleList([UNetLevel([nn.Conv2d(cfg.in_channels, ch, 3, padding=1, device=device)])])
        skip_channels = [ch]
        rate = 1
        for level, mult in enumerate(cfg.channel_mult):
            for _ in range(cfg.num_res_blocks):
                layers: list[nn.Module] = [ResBlock(ch, emb_ch, mult * mc, groups, device=device)]
                ch = mult * mc
                if rate in attn_rates:
                    layers.append(attn(ch))
                self.input_blocks.append(UNetLevel(layers))
                skip_channels.append(ch)
            if level != len(cfg.channel_mult) - 1:
                self.input_blocks.append(UNetLevel([ResBlock(ch, emb_ch, ch, groups, down=True, device=device)]))
                skip_channels.append(ch)
                rate *= 2
        self.middle_block = UNetLevel(
            [ResBlock(ch, emb_ch, ch, groups, device=device), attn(ch), ResBlock(ch, emb_ch, ch, groups, device=device)]
        )
        self.output_blocks = nn.ModuleList()
        for level, mult in reversed(list(enumerate(cfg.channel_mult))):
            for i in range(cfg.num_res_blocks + 1):
                layers = [ResBlock(ch + skip_channels.pop(), emb_ch, mult * mc, groups, device=device)]
                ch = mult * mc
                if rate in attn_rates:
                    layers.append(attn(ch))
                if level and i == cfg.num_res_blocks:
                    layers.append(ResBlock(ch, emb_ch, ch, groups, up=True, device=device))
                    rate //= 2
                self.output_blocks.append(UNetLevel(layers))
        self.out = nn.Sequential(
            GroupNormF32(groups, ch, device=device),
            nn.SiLU(),
            nn.Conv2d(ch, cfg.out_channels, 3, padding=1, device=device),
        )
        self.transformer_proj = nn.Linear(enc_w, emb_ch, device=device)
        self.token_grid: Optional[TokenGrid] = None
        if cfg.spatial_tokens:
            self.token_grid = TokenGrid(
                enc_w, cfg.encoder.tokens, cfg.resolution, cfg.channel_mult[0] * mc, device=device
            )
        self.predicts_x0 = cfg.prediction in ("x0", "residual")
        self.residual = cfg.prediction == "residual"
        if self.predicts_x0:
            # sqrt(abar_t) and sqrt(1 - abar_t) of the stage's 1000-step schedule; not part of the state_dict
            from .reference import base_betas

            abar = torch.tensor(np.cumprod(1.0 - base_betas(cfg.schedule)), dtype=torch.float64)
            self.register_buffer("sqrt_abar", abar.sqrt().float(), persistent=False)
            self.register_buffer("sqrt_1m_abar", (1.0 - abar).sqrt().float(), persistent=False)

    def forward(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        xf_proj: torch.Tensor,
        xf_out: torch.Tensor,
        crop: Optional[tuple[int, int]] = None,
    ) -> torch.Tensor:
        """``crop`` (training only): x is the window at (top, left) of the full
        resolution, so the token grid map is cut to match."""
        emb = self.time_embed(timestep_embedding(t, self.model_channels).to(self.transformer_proj.weight.dtype))
        emb = emb + self.transformer_proj(xf_proj).to(emb.dtype)
        skips = []
        h = x
        for n, block in enumerate(self.input_blocks):
            h = block(h, emb, xf_out)
            if n == 0 and self.token_grid is not None:
                grid = self.token_grid(xf_out).to(h.dtype)
                if crop is not None:
                    grid = grid[:, :, crop[0] : crop[0] + h.shape[2], crop[1] : crop[1] + h.shape[3]]
                h = h + grid
            skips.append(h)
        h = self.middle_block(h, emb, xf_out)
        for block in self.output_blocks:
            h = block(torch.cat([h, skips.pop()], dim=1), emb, xf_out)
        out = self.out(h)
        if not self.predicts_x0:
            return out
        x0 = out[:, :3] + x[:, 3:6] if self.residual else out[:, :3]  # x[:, 3:6]: the upsampled low_res
        return torch.cat([self.eps_from_x0(x[:, :3], t, x0), out[:, 3:]], dim=1)

    def eps_from_x0(self, x_t: torch.Tensor, t: torch.Tensor, x0: torch.Tensor) -> torch.Tensor:
        """eps = (x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t), abar of the (integer) original step t."""
        idx = t.round().long().clamp(0, self.sqrt_abar.shape[0] - 1)
        a = self.sqrt_abar[idx][:, None, None, None]
        s = self.sqrt_1m_abar[idx][:, None, None, None]
        return (x_t - a * x0) / s


class UpsamplerUNet(ConditionedUNet):
    """The upsampler's decoder: upsamples ``low_res`` to x's size (bilinear,
    align_corners=False) and concatenates it to x_t."""

    def forward_sr(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        xf_proj: torch.Tensor,
        xf_out: torch.Tensor,
        low_res: torch.Tensor,
        crop: Optional[tuple[int, int]] = None,
    ) -> torch.Tensor:
        up = F.interpolate(low_res, size=(x.shape[2], x.shape[3]), mode="bilinear", align_corners=False)
        return super().forward(torch.cat([x, up], dim=1), t, xf_proj, xf_out, crop)


class StageNetwork(nn.Module):
    """One stage of a task: ``encoder`` + ``decoder`` (checkpoint key prefixes)."""

    def __init__(self, cfg: StageConfig, device: Device = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = ConditionEncoder(cfg.encoder, device)
        self.decoder: ConditionedUNet = (UpsamplerUNet if cfg.is_upsampler else ConditionedUNet)(cfg, device)

    def decode(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        xf_proj: torch.Tensor,
        xf_out: torch.Tensor,
        low_res: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        if self.cfg.is_upsampler:
            assert low_res is not None
            assert isinstance(self.decoder, UpsamplerUNet)
            return clamp_variance(self.decoder, self.decoder.forward_sr(x, t, xf_proj, xf_out, low_res))
        return clamp_variance(self.decoder, self.decoder(x, t, xf_proj, xf_out))


def clamp_variance(decoder: "ConditionedUNet", out: torch.Tensor) -> torch.Tensor:
    """For piti-serve's x0 / residual decoders, at inference: the variance value v interpolates the
    log-variance between the posterior variance (-1) and beta (+1) and is kept in that range, so a
    small network seeing new conditions (a 256 px upsampler trained on 64 px windows asks for v of 1
    to 13) cannot ask for a variance far beyond beta (which overflows with respaced schedules).
    Training sees the raw v."""
    if not decoder.predicts_x0:
        return out
    return torch.cat([out[:, :3], out[:, 3:].clamp(-1.0, 1.0)], dim=1)


class DecoderExport(nn.Module):
    """The traced decoder signature: (x_t, t, xf_proj, xf_out[, low_res])."""

    def __init__(self, stage: StageNetwork) -> None:
        super().__init__()
        self.decoder = stage.decoder
        self.is_upsampler = stage.cfg.is_upsampler

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        if self.is_upsampler:
            x, t, xf_proj, xf_out, low_res = args
            assert isinstance(self.decoder, UpsamplerUNet)
            return clamp_variance(self.decoder, self.decoder.forward_sr(x, t, xf_proj, xf_out, low_res))
        x, t, xf_proj, xf_out = args
        return clamp_variance(self.decoder, self.decoder(x, t, xf_proj, xf_out))


def build_stage(cfg: StageConfig, device: Device = None) -> StageNetwork:
    return StageNetwork(cfg, device)


def _fan_in(p: torch.Tensor) -> int:
    return int(p[0].numel()) if p.dim() >= 2 else 1


@torch.no_grad()
def randomize_(net: nn.Module, seed: int, out_gain: float = 0.5) -> None:
    """Draws EVERY parameter from a seeded normal (no zero init anywhere), with
    stds chosen so activations stay O(1): weights ~ N(0, 1/fan_in), norm gains
    ~ N(1, 0.1), biases ~ N(0, 0.05), embeddings ~ N(0, 0.1)."""
    gen = torch.Generator().manual_seed(seed)
    for name, p in net.named_parameters():
        leaf = name.rsplit(".", 1)[-1]
        is_norm = any(tag in name for tag in ("norm", "ln_", "final_ln", "in_layers.0.", "out_layers.0.", "out.0."))
        if name.endswith("cls_token") or name.endswith("positional_embedding"):
            mean, std = 0.0, 0.1
        elif is_norm and leaf == "weight":
            mean, std = 1.0, 0.1
        elif leaf == "bias":
            mean, std = 0.0, 0.05
        else:
            mean, std = 0.0, 1.0 / math.sqrt(_fan_in(p))
            if name.endswith("decoder.out.2.weight"):
                std *= out_gain
        p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float32) * std + mean)
