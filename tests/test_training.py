"""The training script's pixel weights: small dumps are not outvoted by big ones."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from rasterio.transform import rowcol

from kzgeo.synth import DUMP_KINDS, generate_scene

pytest.importorskip("earthlib")

_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_dump_model.py"


@pytest.fixture(scope="module")
def tdm():
    spec = importlib.util.spec_from_file_location("train_dump_model", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pixel_weights_by_site_size(tdm):
    # one pixel of a 0.25 ha site, two of a 4 ha site, two background pixels
    y = np.array([1, 1, 1, 0, 0], np.int8)
    ha = np.array([0.25, 4.0, 4.0, 0.0, 0.0])
    w = tdm.pixel_weights(y, ha, 1.0)
    assert w[0] / w[1] == pytest.approx(16.0)  # (0.25 / 4) ** -1
    assert w[1] == w[2]
    # the classes still weigh the same in all, and the total is the number of samples
    assert w[:3].sum() == pytest.approx(w[3:].sum())
    assert w.sum() == pytest.approx(len(y))


def test_pixel_weights_power_zero_and_clipping(tdm):
    y = np.array([1, 1, 0, 0, 0, 0], np.int8)
    even = tdm.pixel_weights(y, np.array([0.25, 4.0, 0, 0, 0, 0]), 0.0)
    np.testing.assert_allclose(even, [1.5, 1.5, 0.75, 0.75, 0.75, 0.75])
    # under 0.03 ha counts as 0.03 ha, over 10 ha as 10 ha
    w = tdm.pixel_weights(y, np.array([0.001, 500.0, 0, 0, 0, 0]), 1.0)
    assert w[0] / w[1] == pytest.approx(10.0 / 0.03)


def test_site_hectares_raster(tdm):
    scene = generate_scene(11, 256, clouds=False, swath_edge=False, landfills=0)
    ha = tdm.site_hectares(scene)
    dumps = scene.truth[scene.truth["kind"].isin(DUMP_KINDS)]
    assert len(dumps) > 0
    inside = scene.truth_mask(DUMP_KINDS)
    assert (ha[~inside] == 0).all()
    assert (ha[inside] > 0).all()
    # a pixel inside each dump that overlaps no other carries that dump's hectares
    checked = 0
    for geom, area in zip(dumps.geometry, dumps["area_ha"], strict=True):
        p = geom.representative_point()
        row, col = rowcol(scene.transform, p.x, p.y)
        if dumps.geometry.intersects(p).sum() == 1:
            assert ha[row, col] == pytest.approx(area, rel=1e-6)
            checked += 1
    assert checked >= len(dumps) // 2


def test_cross_fit_outlines_each_fold_with_the_other_folds_pixels(tdm):
    fold_pixels = {"train_a": "pixels fitted on fold a", "train_b": "pixels fitted on fold b"}
    model_for, kw = tdm.cross_fit(fold_pixels, {"card": 1}, sites="site classifier")
    # an even seed is drawn from fold a and outlined by fold b's pixel classifier, an odd seed the reverse
    assert kw(3000)["split"] == "train_a" and model_for(3000).classifier == "pixels fitted on fold b"
    assert kw(3001)["split"] == "train_b" and model_for(3001).classifier == "pixels fitted on fold a"
    assert model_for(3000).sites == "site classifier" and model_for(3001).card == {"card": 1}
    # the other scene arguments are kept, and the fold overrides any split they carry
    _, kw = tdm.cross_fit(fold_pixels, {}, scene_kw=lambda seed: {"biome": "steppe", "split": "train"})
    assert kw(7) == {"biome": "steppe", "split": "train_b"}


def test_cross_fit_scenes_are_drawn_from_their_fold(tdm):
    _, kw = tdm.cross_fit({"train_a": None, "train_b": None}, {})
    for seed, fold in ((10, "train_a"), (11, "train_b")):
        assert tdm._scene(seed, 128, **kw(seed)).params["split"] == fold
    # without a fold, training scenes come from the whole train half
    assert tdm._scene(10, 128).params["split"] == "train"


def test_context_stage_samples_carry_the_first_scores_neighbourhood(tdm):
    from kzgeo.dumps import FEATURE_NAMES, load_model
    from kzgeo.dumps.features import CONTEXT_FEATURES

    rng = np.random.default_rng(0)
    x, y, _, _, pool = tdm.scene_samples(11, 128, rng, 200)
    assert x.shape[1] == pool.shape[1] == len(FEATURE_NAMES)
    rng = np.random.default_rng(0)
    xc, yc, _, _, pool = tdm.scene_samples(11, 128, rng, 200, load_model())
    assert xc.shape[1] == pool.shape[1] == len(FEATURE_NAMES) + len(CONTEXT_FEATURES)
    # the same pixels, their own features first; the first score of a waste pixel is mostly high
    np.testing.assert_array_equal(xc[:, : len(FEATURE_NAMES)], x)
    np.testing.assert_array_equal(yc, y)
    assert np.nanmean(xc[yc == 1, len(FEATURE_NAMES)]) > np.nanmean(xc[yc == 0, len(FEATURE_NAMES)])


def test_widened_sensor_for_a_share_of_the_scenes(tdm):
    kw = tdm.scene_arguments(0.5)
    wide = [seed for seed in range(400) if "sensor" in kw(seed)]
    assert 160 < len(wide) < 240  # about half, drawn per seed
    for seed in wide[:20]:
        for name, value in kw(seed)["sensor"].items():
            lo, hi = tdm.WIDE_SENSOR[name]
            assert lo <= value <= hi
    assert kw(wide[0]) == tdm.scene_arguments(0.5)(wide[0])  # the same seed, the same sensor
    # the site stage of --wide-sensor-stage pixels draws the generator's own sensor
    assert tdm.scene_arguments(0.0) is None
    assert tdm.scene_arguments(0.0, 0.1)(wide[0]) == {"spectral_jitter": 0.1}
