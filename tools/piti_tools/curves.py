"""Loss curves of a training run (``piti_tools.train``) as a small PNG and a Markdown table.

    cd tools && /usr/bin/python3 -m piti_tools.curves --run runs/demo-mask --png ../docs/images/demo-mask-loss.png
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

COLOURS = {"base": (200, 60, 40), "upsampler": (40, 90, 200)}


def read(path: Path) -> dict[str, np.ndarray]:
    rows = [line.split(",") for line in path.read_text().splitlines()[1:] if line.strip()]
    arr = np.array(rows, dtype=np.float64)
    return {"step": arr[:, 0], "mse": arr[:, 1], "vb": arr[:, 2], "seconds": arr[:, 3]}


def smooth(v: np.ndarray, window: int) -> np.ndarray:
    if len(v) < window:
        return v
    kernel = np.ones(window) / window
    return np.convolve(v, kernel, mode="valid")


def plot(curves: dict[str, dict[str, np.ndarray]], out: Path, window: int = 50) -> None:
    w, h, pad = 480, 240, 36
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    top = max(float(np.max(smooth(c["mse"], window))) for c in curves.values())
    top = max(top, 0.05)
    last = max(float(c["step"][-1]) for c in curves.values())
    d.rectangle([pad, 8, w - 8, h - pad], outline=(0, 0, 0))
    for frac in (0.25, 0.5, 0.75):
        y = 8 + (h - pad - 8) * (1 - frac)
        d.line([pad, y, w - 8, y], fill=(225, 225, 225))
        d.text((2, y - 6), f"{top * frac:.2f}", fill=(0, 0, 0))
    d.text((2, 2), f"{top:.2f}", fill=(0, 0, 0))
    d.text((pad, h - pad + 4), "0", fill=(0, 0, 0))
    d.text((w - 60, h - pad + 4), f"{int(last)} steps", fill=(0, 0, 0))
    legend_x = pad + 8
    for name, c in curves.items():
        m = smooth(c["mse"], window)
        steps = c["step"][len(c["step"]) - len(m):]
        pts = [(pad + (w - 8 - pad) * s / last, 8 + (h - pad - 8) * (1 - v / top)) for s, v in zip(steps, m)]
        d.line(pts, fill=COLOURS.get(name, (0, 0, 0)), width=2)
        d.text((legend_x, h - 16), f"{name} MSE term (mean of {window})", fill=COLOURS.get(name, (0, 0, 0)))
        legend_x += 200
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, optimize=True)


def table(curves: dict[str, dict[str, np.ndarray]], parts: int = 5) -> str:
    lines = ["| stage | steps | MSE term | vb term | s/step (median) |", "|---|---|---|---|---|"]
    for name, c in curves.items():
        n = len(c["step"])
        for k in range(parts):
            a, b = n * k // parts, n * (k + 1) // parts
            if b <= a:
                continue
            lines.append(
                f"| {name} | {int(c['step'][a])}-{int(c['step'][b - 1])} | {c['mse'][a:b].mean():.4f} | "
                f"{c['vb'][a:b].mean():.4f} | {np.median(c['seconds'][a:b]):.2f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Plot the loss curves of a training run")
    p.add_argument("--run", default="runs/demo-mask")
    p.add_argument("--png", help="write the plot here")
    a = p.parse_args(argv)
    run = Path(a.run)
    curves = {s: read(run / f"{s}-loss.csv") for s in ("base", "upsampler") if (run / f"{s}-loss.csv").exists()}
    if not curves:
        print(f"no *-loss.csv in {run}", file=sys.stderr)
        return 1
    if a.png:
        plot(curves, Path(a.png))
    print(table(curves))
    return 0


if __name__ == "__main__":
    sys.exit(main())
