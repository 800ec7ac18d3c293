"""The files behind the worker's evaluation jobs, generated from the demo world.

    cd tools && /usr/bin/python3 -m piti_tools.evaluation_assets [--root ..] [--only classifier|heldout|parity]

Writes (relative to the repository root):
  worker/src/main/resources/pitiserve/evaluation/world-classifier.json
      ``quality.default_classifier()`` (the per-class Gaussians the tools scorer fits on 60 real
      world images of its own seed range), so the Java scorer classifies pixels as the tools do;
  worker/src/main/resources/pitiserve/evaluation/world-heldout/
      the bundled held-out set: ``HELDOUT_SCENES`` scenes from ``world.HELD_OUT_FROM`` with the
      colour-coded mask (the inputs of a mask model and the truth of mIoU), the sketch (the inputs
      of a sketch model) and, per scene, the sums of the reference render's patch statistics
      (count, sum, sum of outer products of ``quality.patch_features``): a Frechet distance needs
      only the mean and covariance of the real patches, and sums of any subset of scenes give them
      exactly, so the renders themselves (about 100 kB a scene) stay out of the jar;
  worker/src/test/resources/fixtures/scorer/
      the parity fixture: a few degraded world images at 128 px with their masks, and the tools
      scorer's numbers on them (mIoU, per-class IoU, FD against the clean images' statistics,
      a predicted label map, a few pixel and patch feature rows).
Every random number comes from a fixed seed; the classifier is bit-identical on every run.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from .quality import FEATURES, IoU, PixelClassifier, default_classifier, frechet, patch_features, pixel_features
from .world import CLASS_NAMES, HELD_OUT_FROM, downsample, resize_nearest, scene

REPO_ROOT = Path(__file__).resolve().parents[2]
CLASSIFIER_FILE = "worker/src/main/resources/pitiserve/evaluation/world-classifier.json"
HELDOUT_DIR = "worker/src/main/resources/pitiserve/evaluation/world-heldout"
PARITY_DIR = "worker/src/test/resources/fixtures/scorer"
HELDOUT_SCENES = 16
# the parity fixture's scenes: held out, and apart from the bundled set's
PARITY_SEEDS = tuple(HELD_OUT_FROM + 900 + i for i in range(4))
PARITY_SIZE = 128


def classifier_json(clf: PixelClassifier) -> dict:
    return {
        "features": FEATURES,
        "classes": list(CLASS_NAMES),
        "ids": [int(i) for i in clf.ids],
        "means": clf.means.tolist(),
        "precisions": clf.precisions.tolist(),
        "log_norm": clf.log_norm.tolist(),
    }


def patch_sums(image: np.ndarray) -> dict:
    """The sufficient statistics of an image's patch features: count, sum, sum of outer products."""
    f = patch_features(image)
    return {"count": int(f.shape[0]), "sum": f.sum(0).tolist(), "outer": (f.T @ f).tolist()}


def write_classifier(root: Path) -> PixelClassifier:
    clf = default_classifier()
    path = root / CLASSIFIER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(classifier_json(clf)) + "\n")
    return clf


def write_heldout(root: Path, count: int = HELDOUT_SCENES) -> None:
    folder = root / HELDOUT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    scenes = []
    for i in range(count):
        s = scene(HELD_OUT_FROM + i)
        name = f"{s.seed}"
        Image.fromarray(s.mask).save(folder / f"{name}-mask.png", optimize=True)
        Image.fromarray(s.sketch).save(folder / f"{name}-sketch.png", optimize=True)
        scenes.append({"name": name, "seed": s.seed, "mask": f"{name}-mask.png", "sketch": f"{name}-sketch.png",
                       "reference_patches": patch_sums(s.image)})
    index = {"dataset": "world-heldout", "size": 256, "patch": 16, "scenes": scenes}
    (folder / "index.json").write_text(json.dumps(index) + "\n")


def degrade(image: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """A generated-looking version of a real image: blurred, shifted in colour, noisy."""
    from scipy import ndimage

    x = ndimage.uniform_filter(image.astype(np.float32), size=(3, 3, 1))
    x = x + rng.normal(0, 12 * strength, (1, 1, 3)) + rng.normal(0, 10 * strength, x.shape)
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def write_parity(root: Path, clf: PixelClassifier) -> dict:
    folder = root / PARITY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(19)
    iou = IoU(clf.ids)
    images, references, cases = [], [], []
    for k, seed in enumerate(PARITY_SEEDS):
        s = scene(seed)
        real = downsample(s.image, 256 // PARITY_SIZE)
        labels = resize_nearest(s.labels, PARITY_SIZE)
        mask = resize_nearest(s.mask, PARITY_SIZE)
        image = degrade(real, rng, 0.5 + 0.5 * k)
        Image.fromarray(image).save(folder / f"{k}-image.png")
        Image.fromarray(mask).save(folder / f"{k}-mask.png")
        iou.add(clf.predict(image), labels)
        images.append(image)
        references.append(real)
        cases.append({"image": f"{k}-image.png", "mask": f"{k}-mask.png", "reference_patches": patch_sums(real)})
    first = images[0]
    Image.fromarray(clf.predict(first)).save(folder / "0-predicted.png")
    picks = [(0, 0), (3, 100), (64, 64), (127, 5), (90, 127)]
    feats = pixel_features(first)
    expected = {
        "images": cases,
        "miou": iou.mean(),
        "per_class": {n: (None if np.isnan(v) else float(v)) for n, v in zip(CLASS_NAMES, iou.per_class())},
        "fd": frechet(np.concatenate([patch_features(im) for im in images]),
                      np.concatenate([patch_features(im) for im in references])),
        "fd_real_against_itself": frechet(np.concatenate([patch_features(im) for im in references]),
                                          np.concatenate([patch_features(im) for im in references])),
        "pixel_features": [{"y": y, "x": x, "values": feats[y, x].tolist()} for y, x in picks],
        "patch_features": patch_features(first)[:6].tolist(),
    }
    (folder / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    return expected


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="the worker's evaluation assets: classifier, held-out set, parity fixture")
    p.add_argument("--root", default=str(REPO_ROOT))
    p.add_argument("--only", choices=("classifier", "heldout", "parity"))
    a = p.parse_args(argv)
    root = Path(a.root)
    clf = None
    if a.only in (None, "classifier", "parity"):
        clf = write_classifier(root) if a.only != "parity" else default_classifier()
    if a.only in (None, "heldout"):
        write_heldout(root)
    if a.only in (None, "parity"):
        assert clf is not None
        summary = write_parity(root, clf)
        print(f"parity fixture: mIoU {summary['miou']:.4f}, fd {summary['fd']:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
