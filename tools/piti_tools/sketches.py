"""Edge-map sketches of the demo world's renders, made the way PITI makes its COCO sketches.

PITI's sketch data (its ``preprocess/preprocess_sketch.py``) runs HED, a learned multi-scale edge
detector, on the 256 x 256 photo and thresholds its edge probability at 0.6: white edges (255) on
black (0). Its data loader then resizes the sketch with NEAREST and feeds the network the L1 distance
to the nearest edge pixel (``preprocess.sketch_ref``, the engine's ``SketchPreprocessor``).

HED's weights are not available here, so :func:`edge_probability` stands in for it with the same
structure: side outputs at several scales of the photo (colour gradient magnitude of the image
blurred at sigma 1, 2 and 4, each normalised by its scale) fused by averaging into a probability.
Like HED's fused output, the coarse scales keep object and region boundaries and damp fine texture
(grass blades, waves, ripples). HED's side outputs are upsampled from coarse layers, so its
thresholded edges are a few pixels wide but centred on the boundary; here the fused map is thinned
by non-maximum suppression across the gradient direction and the ridge widened again to a fixed
width (:data:`WIDTH` pixels), so that an edge is as thick as a thresholded HED edge wherever it lies
and survives the engine's NEAREST resize of the 256 px sketch to the model's 128 px input.

    cd tools && /usr/bin/python3 -m piti_tools.sketches picture.png sketch.png   # a sketch of any picture
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from .preprocess import mask_ref, sketch_ref
from .world import resize_nearest

SCALES = (1.0, 2.0, 4.0)
THRESHOLD = 0.6  # PITI's threshold on HED's fused edge probability
GAIN = 0.06  # fused gradient (per unit of grey level / pixel) at which the probability reaches 1 - 1/e
WIDTH = 2  # edge width in pixels at 256 px


def edge_probability(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[H, W, 3] uint8 -> (probability [H, W] in [0, 1), gx, gy of the fused gradient)."""
    rgb = image.astype(np.float32) / np.float32(255)
    fused = np.zeros(image.shape[:2], np.float32)
    gx_sum = np.zeros_like(fused)
    gy_sum = np.zeros_like(fused)
    for sigma in SCALES:
        mag2 = np.zeros_like(fused)
        for c in range(3):
            blurred = ndimage.gaussian_filter(rgb[..., c], sigma, mode="nearest")
            gx = ndimage.sobel(blurred, axis=1, mode="nearest") / 8
            gy = ndimage.sobel(blurred, axis=0, mode="nearest") / 8
            mag2 += gx * gx + gy * gy
            gx_sum += gx * sigma
            gy_sum += gy * sigma
        fused += np.sqrt(mag2) * sigma  # scale-normalised: a step edge gives the same peak at every scale
    fused /= len(SCALES)
    return (1 - np.exp(-fused / GAIN)).astype(np.float32), gx_sum, gy_sum


def thin(prob: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Non-maximum suppression: keeps the pixels not smaller than both neighbours across the edge."""
    angle = np.mod(np.arctan2(gy, gx), np.pi)
    sector = (np.round(angle / (np.pi / 4)).astype(np.int64)) % 4  # 0: x, 1: diagonal, 2: y, 3: anti-diagonal
    p = np.pad(prob, 1, mode="edge")
    h, w = prob.shape
    offsets = {0: (0, 1), 1: (1, 1), 2: (1, 0), 3: (1, -1)}
    keep = np.zeros(prob.shape, bool)
    for s, (dy, dx) in offsets.items():
        a = p[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
        b = p[1 - dy : 1 - dy + h, 1 - dx : 1 - dx + w]
        keep |= (sector == s) & (prob >= a) & (prob >= b)
    return keep


def sketch(image: np.ndarray) -> np.ndarray:
    """[H, W, 3] uint8 render -> [H, W] uint8 sketch: 255 on edges, 0 elsewhere."""
    prob, gx, gy = edge_probability(image)
    ridge = thin(prob, gx, gy) & (prob >= THRESHOLD)
    if WIDTH > 1:
        ridge = ndimage.binary_dilation(ridge, structure=np.ones((WIDTH, WIDTH), bool), origin=(0, 0))
    return np.where(ridge, 255, 0).astype(np.uint8)


def sketch_condition(sketch_256: np.ndarray, size: int) -> np.ndarray:
    """A 256 px sketch as the engine feeds it to a model of input size ``size``: NEAREST resize, then the
    distance map of :func:`piti_tools.preprocess.sketch_ref` ([1, size, size] float32 in [-1, 1]). A sketch
    left without an edge pixel (the engine refuses those) becomes the all-ones unconditional ref."""
    small = resize_nearest(sketch_256, size)
    if not (small == 255).any():
        return np.ones((1, size, size), np.float32)
    return sketch_ref(small)


def condition_ref(task: str, image: np.ndarray, size: int) -> np.ndarray:
    """The engine's ref of a 256 px input of ``task``: a colour-coded mask or a white-on-black sketch."""
    if task == "sketch":
        return sketch_condition(image, size)
    if task == "mask":
        return mask_ref(resize_nearest(image, size))
    raise ValueError(f"no demo-world input for task {task!r}")


def main(argv: list[str] | None = None) -> int:
    import argparse

    from PIL import Image

    p = argparse.ArgumentParser(description="The sketch (white-on-black edge map) of a picture, as demo-sketch was trained on")
    p.add_argument("image", help="a picture, resized to 256 x 256 first (the world's renders are 256 px)")
    p.add_argument("out", help="the sketch PNG to write")
    a = p.parse_args(argv)
    rgb = Image.open(a.image).convert("RGB").resize((256, 256), Image.BICUBIC)
    Image.fromarray(sketch(np.asarray(rgb)), "L").save(a.out, optimize=True)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
