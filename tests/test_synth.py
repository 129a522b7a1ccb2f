"""The synthetic scene generator: determinism and the input contract of the dump detector."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from kzgeo.errors import OutputExistsError
from kzgeo.synth import (
    BACKGROUND_KINDS,
    BANDS,
    DUMP_KINDS,
    LOOKALIKE_KINDS,
    demo_scene,
    family_spectra,
    generate_scene,
    to_uint16,
    write_scene,
)

pytest.importorskip("earthlib")


@pytest.fixture(scope="module")
def scene():
    return generate_scene(11, 256, clouds=False, swath_edge=True, landfills=1)


def test_same_seed_same_scene(scene):
    again = generate_scene(11, 256, clouds=False, swath_edge=True, landfills=1)
    np.testing.assert_array_equal(np.isnan(scene.data), np.isnan(again.data))
    np.testing.assert_array_equal(np.nan_to_num(scene.data), np.nan_to_num(again.data))
    assert scene.truth.geometry.geom_equals(again.truth.geometry).all()


def test_other_seed_other_scene(scene):
    other = generate_scene(12, 256, clouds=False, swath_edge=True, landfills=1)
    assert not np.array_equal(np.nan_to_num(scene.data), np.nan_to_num(other.data))


def test_reflectance_is_physical_and_quantised(scene):
    valid = scene.data[:, np.isfinite(scene.data).all(axis=0)]
    assert valid.min() >= 1e-4 and valid.max() <= 1.0
    # stored as uint16 x 10000: every value is a whole number of 1e-4
    np.testing.assert_allclose(valid * 10_000, np.round(valid * 10_000), atol=1e-2)


def test_twenty_metre_bands_are_coarser_than_ten_metre_bands(scene):
    def detail(band):
        b = np.nan_to_num(scene.data[BANDS.index(band)])[:200, :200]
        return np.abs(np.diff(b, axis=1)).mean() / b.mean()

    # B8A (20 m) and B08 (10 m) see nearly the same light; the 20 m band must have less pixel detail
    assert detail("B8A") < 0.8 * detail("B08")


def test_truth_kinds_and_areas(scene):
    kinds = set(scene.truth["kind"])
    assert kinds <= set(DUMP_KINDS) | set(LOOKALIKE_KINDS) | set(BACKGROUND_KINDS)
    assert "road" in kinds
    assert "dump" in kinds and "landfill" in kinds
    dumps = scene.truth[scene.truth["kind"] == "dump"]
    assert dumps["area_ha"].between(0.02, 6.0).all()
    assert len(scene.landfills) == 1
    assert scene.crs.to_epsg() // 100 == 326  # a northern UTM zone


def test_held_out_family_and_biome_stay_out():
    """benchmarks/holdout_dumps.py trains without a material family or a biome through these arguments."""
    kept = ("burned", "litter", "debris", "soil")
    s = generate_scene(21, 256, n_dumps=12, dump_families=kept, biome="semi_desert", landfills=0)
    mats = s.truth.loc[s.truth["kind"] == "dump", "materials"]
    assert len(mats) >= 5
    assert all(set(m.split("+")) <= set(kept) for m in mats)
    assert s.params["biome"] == "semi_desert"
    every = generate_scene(21, 256, n_dumps=12, landfills=0)
    assert any("plastics" in m for m in every.truth.loc[every.truth["kind"] == "dump", "materials"])


def test_sensor_overrides_change_only_the_sensor(scene):
    blurred = generate_scene(
        11, 256, clouds=False, swath_edge=True, landfills=1, sensor={"psf_px": 1.3, "noise": 0.0}
    )
    assert blurred.params["psf_px"] == 1.3 and blurred.params["haze"] == scene.params["haze"]
    assert blurred.truth.geometry.geom_equals(scene.truth.geometry).all()

    def detail(s):
        b = np.nan_to_num(s.data[BANDS.index("B04")])[:200, :200]
        return np.abs(np.diff(b, axis=1)).mean()

    assert detail(blurred) < 0.8 * detail(scene)
    with pytest.raises(ValueError, match="unknown"):
        generate_scene(11, 64, sensor={"gamma": 2.0})


def test_spectral_jitter_warps_materials_not_layout(scene):
    kw = {"clouds": False, "swath_edge": True, "landfills": 1}
    same = generate_scene(11, 256, spectral_jitter=0.0, **kw)
    np.testing.assert_array_equal(np.nan_to_num(same.data), np.nan_to_num(scene.data))
    warped = generate_scene(11, 256, spectral_jitter=0.15, **kw)
    assert warped.params["spectral_jitter"] == 0.15
    assert warped.truth.geometry.geom_equals(scene.truth.geometry).all()
    assert (warped.truth["materials"] == scene.truth["materials"]).all()
    ratio = np.abs(np.log(warped.data / scene.data))
    ok = np.isfinite(ratio)
    # the median pixel moves by 3-30 %
    assert 0.03 < np.median(ratio[ok]) < 0.3
    with pytest.raises(ValueError, match="spectral_jitter"):
        generate_scene(11, 64, spectral_jitter=-0.1)


def test_clean_scene_has_no_waste():
    clean = generate_scene(5, 128, clean=True)
    assert not clean.truth["kind"].isin(DUMP_KINDS).any()
    assert len(clean.landfills) == 0


def test_written_scene_follows_the_contract(scene, tmp_path):
    path = write_scene(scene, tmp_path / "s.tif")
    with rasterio.open(path) as ds:
        assert ds.count == 10
        assert ds.descriptions == BANDS
        assert ds.dtypes == ("uint16",) * 10
        assert ds.nodata == 0
        assert ds.res == (10.0, 10.0)
        assert ds.crs.to_epsg() == scene.crs.to_epsg()
        data = ds.read()
    np.testing.assert_array_equal(data, to_uint16(scene.data))
    # beyond the swath edge every band is 0 (nodata)
    edge = np.isnan(scene.data).any(axis=0)
    assert edge.any() and (data[:, edge] == 0).all()
    with pytest.raises(OutputExistsError):
        write_scene(scene, path)


def test_spectral_library_halves_are_disjoint():
    train, test = family_spectra("soil", "train"), family_spectra("soil", "test")
    assert len(train) > 1000 and len(test) > 1000
    assert not (train[:, None, :] == test[None, :50, :]).all(axis=2).any()
    assert family_spectra("vegetation").shape[1] == 10


@pytest.mark.parametrize("family", ["soil", "plastics", "burned"])
def test_train_folds_split_the_train_half(family):
    # the two folds are disjoint and together make the train half, in its order
    train = family_spectra(family, "train")
    a, b = family_spectra(family, "train_a"), family_spectra(family, "train_b")
    assert len(a) > 0 and len(b) > 0 and len(a) + len(b) == len(train)
    rows = {tuple(r) for r in train}
    assert {tuple(r) for r in a} | {tuple(r) for r in b} == rows
    assert not {tuple(r) for r in a} & {tuple(r) for r in b}
    assert not rows & {tuple(r) for r in family_spectra(family, "test")}


def test_bad_inputs():
    with pytest.raises(ValueError, match="even"):
        generate_scene(1, 101)
    with pytest.raises(KeyError, match="unknown material family"):
        family_spectra("kryptonite")
    with pytest.raises(ValueError, match="split='tset'"):
        family_spectra("soil", "tset")
    with pytest.raises(ValueError, match="split='tset'"):
        generate_scene(1, 128, split="tset")


def test_demo_scene_is_deterministic(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = demo_scene(tmp_path / "a", size=128), demo_scene(tmp_path / "b", size=128)
    with rasterio.open(a.scene) as da, rasterio.open(b.scene) as db:
        np.testing.assert_array_equal(da.read(), db.read())
        assert da.crs.to_epsg() == 32642  # Astana lies in UTM zone 42N
    assert a.truth.exists() and a.landfills.exists()
