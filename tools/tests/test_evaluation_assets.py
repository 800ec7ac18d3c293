"""The evaluation assets the worker bundles and tests against are what the generator makes."""
import json

import numpy as np
import pytest
from PIL import Image

from conftest import REPO
from piti_tools import evaluation_assets as assets
from piti_tools.quality import default_classifier, frechet, patch_features
from piti_tools.world import HELD_OUT_FROM, scene


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("assets")
    clf = assets.write_classifier(root)
    assets.write_parity(root, clf)
    assets.write_heldout(root, count=2)
    return root


def test_the_committed_classifier_is_the_tools_classifier(generated):
    committed = json.loads((REPO / assets.CLASSIFIER_FILE).read_text())
    fresh = json.loads((generated / assets.CLASSIFIER_FILE).read_text())
    assert committed["ids"] == fresh["ids"] and committed["classes"] == fresh["classes"]
    # float64 fits whose BLAS sums run in another order on another CPU (between an AVX2-only and an
    # AVX-512 machine: 3.7e-8 relative on the large values, 1.5e-8 absolute on precisions near zero);
    # the Java scorer is held to 1e-4 against these numbers
    for key in ("means", "precisions", "log_norm"):
        np.testing.assert_allclose(committed[key], fresh[key], rtol=1e-6, atol=1e-7)


def test_the_committed_parity_fixture_is_regenerated(generated):
    committed = REPO / assets.PARITY_DIR
    fresh = generated / assets.PARITY_DIR
    for name in sorted(p.name for p in committed.glob("*.png")):
        assert np.array_equal(np.asarray(Image.open(committed / name)), np.asarray(Image.open(fresh / name))), name
    want, got = json.loads((committed / "expected.json").read_text()), json.loads((fresh / "expected.json").read_text())
    assert got["miou"] == pytest.approx(want["miou"], abs=1e-9)
    assert got["fd"] == pytest.approx(want["fd"], rel=1e-6)  # through the classifier's fit: 1.9e-9 seen


def test_patch_sums_give_the_covariance_the_frechet_distance_uses():
    images = [scene(HELD_OUT_FROM + i).image for i in range(2)]
    sums = [assets.patch_sums(im) for im in images]
    n = sum(s["count"] for s in sums)
    total = np.sum([s["sum"] for s in sums], axis=0)
    outer = np.sum([s["outer"] for s in sums], axis=0)
    mean = total / n
    cov = (outer - n * np.outer(mean, mean)) / (n - 1)
    feats = np.concatenate([patch_features(im) for im in images])
    np.testing.assert_allclose(mean, feats.mean(0), rtol=1e-12)
    np.testing.assert_allclose(cov, np.cov(feats, rowvar=False), rtol=1e-8, atol=1e-8)
    assert frechet(feats, feats) == pytest.approx(0.0, abs=1e-6)


def test_the_bundled_held_out_set_is_held_out_and_matches_its_scenes(generated):
    index = json.loads((REPO / assets.HELDOUT_DIR / "index.json").read_text())
    assert len(index["scenes"]) == assets.HELDOUT_SCENES
    assert all(s["seed"] >= HELD_OUT_FROM for s in index["scenes"])
    fresh = json.loads((generated / assets.HELDOUT_DIR / "index.json").read_text())
    for got, want in zip(fresh["scenes"], index["scenes"][:2]):
        assert (got["seed"], got["mask"], got["sketch"]) == (want["seed"], want["mask"], want["sketch"])
        got_p, want_p = got["reference_patches"], want["reference_patches"]
        assert got_p["count"] == want_p["count"]
        # BLAS sums run in another order on another CPU: 1.3e-8 relative seen
        np.testing.assert_allclose(got_p["outer"], want_p["outer"], rtol=1e-6)
    first = index["scenes"][0]
    mask = np.asarray(Image.open(REPO / assets.HELDOUT_DIR / first["mask"]).convert("RGB"))
    assert np.array_equal(mask, scene(first["seed"]).mask)
    total = sum(p.stat().st_size for p in (REPO / assets.HELDOUT_DIR).iterdir())
    assert total < 512 * 1024  # bundled in the worker jar: kept small


def test_the_classifier_export_keeps_the_fitted_numbers():
    clf = default_classifier()
    exported = assets.classifier_json(clf)
    assert exported["features"] == clf.means.shape[1]
    np.testing.assert_array_equal(np.array(exported["precisions"]), clf.precisions)
