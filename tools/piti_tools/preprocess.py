"""NumPy reference of piti-serve's input pre-processing (SAMPLING.md section 2)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import ndimage

PALETTE_FILE = Path("/work/shared/design/coco-stuff-classes.json")
_LOCAL_PALETTE = Path(__file__).resolve().parent / "coco_stuff_classes.json"


@lru_cache(maxsize=1)
def coco_classes() -> dict[str, tuple[int, tuple[int, int, int]]]:
    """name -> (label, rgb)."""
    path = _LOCAL_PALETTE if _LOCAL_PALETTE.exists() else PALETTE_FILE
    data = json.loads(path.read_text())
    return {c["name"]: (int(c["label"]), tuple(int(v) for v in c["rgb"])) for c in data["classes"]}


def voc_colour(index: int) -> tuple[int, int, int]:
    """PASCAL-VOC bit-interleaved colormap entry (label c is drawn as index c+1)."""
    r = g = b = 0
    c = index
    for shift in range(7, 0, -1):
        r |= ((c >> 0) & 1) << shift
        g |= ((c >> 1) & 1) << shift
        b |= ((c >> 2) & 1) << shift
        c >>= 3
    return r, g, b


def labels_to_rgb(labels: np.ndarray) -> np.ndarray:
    """[H, W] label ids (255 = unlabelled) -> [H, W, 3] uint8 colour-coded mask."""
    lut = np.zeros((256, 3), dtype=np.uint8)
    for c in range(182):
        lut[c] = voc_colour(c + 1)
    return lut[labels]


def mask_ref(rgb: np.ndarray) -> np.ndarray:
    """[H, W, 3] uint8 colour mask (already 256x256) -> float32 [3, H, W] in [-1, 1]."""
    return (rgb.astype(np.float32).transpose(2, 0, 1) / np.float32(127.5) - np.float32(1)).astype(np.float32)


def sketch_ref(gray: np.ndarray) -> np.ndarray:
    """[H, W] uint8 white-on-black sketch -> float32 [1, H, W]: taxicab distance
    to the nearest pixel that is exactly 255, clipped to 0..255, mapped to [-1, 1]."""
    non_edge = gray != 255
    if non_edge.all():
        raise ValueError("sketch has no edge pixel")
    dist = ndimage.distance_transform_cdt(non_edge, metric="taxicab").astype(np.float64)
    dist = np.clip(dist, 0, 255).astype(np.float32)
    return (dist / np.float32(127.5) - np.float32(1))[None].astype(np.float32)
