"""Dump detection pieces with hand-worked answers: features, masks, landfill status, change, matching."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from kzgeo.dumps import (
    BANDS,
    FEATURE_NAMES,
    Thresholds,
    assign_status,
    compare_sites,
    compute_features,
    detect_dumps,
    score_cube,
    spectral_mask,
)
from kzgeo.dumps.evaluate import match_sites
from kzgeo.dumps.objects import object_features, part_sums, ring_labels, site_rings
from kzgeo.errors import KzgeoWarning, RasterError

UTM = "EPSG:32642"
SOIL = np.array([0.10, 0.14, 0.18, 0.20, 0.22, 0.23, 0.24, 0.25, 0.32, 0.28], dtype=np.float32)


def _cube(h=40, w=40, spectrum=SOIL):
    return np.broadcast_to(spectrum[:, None, None], (10, h, w)).copy()


def _layer(geoms, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=UTM)


def _box(x0, y0, x1, y1):
    return shapely.box(x0, y0, x1, y1)


# --- features --------------------------------------------------------------------------------------


def test_indices_have_their_textbook_values():
    feats = compute_features(_cube())
    ndvi = feats[FEATURE_NAMES.index("ndvi"), 20, 20]
    assert ndvi == pytest.approx((0.24 - 0.18) / (0.24 + 0.18), abs=1e-6)
    bsi = feats[FEATURE_NAMES.index("bsi"), 20, 20]
    assert bsi == pytest.approx(((0.32 + 0.18) - (0.24 + 0.10)) / ((0.32 + 0.18) + (0.24 + 0.10)), abs=1e-6)
    ndsw = feats[FEATURE_NAMES.index("ndsw"), 20, 20]
    assert ndsw == pytest.approx((0.28 - 0.32) / (0.28 + 0.32), abs=1e-6)


def test_uniform_ground_has_no_contrast_texture_or_lines():
    feats = compute_features(_cube())
    for name in FEATURE_NAMES:
        if name.startswith(("contrast", "std", "linearity")):
            np.testing.assert_allclose(feats[FEATURE_NAMES.index(name)], 0, atol=1e-5, err_msg=name)


def test_a_road_is_linear_and_a_heap_is_not():
    cube = _cube(60, 60)
    cube[:, 30, :] *= 2.0  # a one-pixel road across the scene
    cube[:, 5:12, 5:12] *= 2.0  # a 7 x 7 heap
    lin = compute_features(cube)[FEATURE_NAMES.index("linearity110_bright")]
    assert lin[30, 45] > 3 * lin[8, 8]


def test_a_one_pixel_heap_stands_out_from_its_150_m():
    cube = _cube()
    cube[:, 20, 20] *= 2.0  # one 10 m pixel twice as bright as the ground around it
    feats = compute_features(cube)
    ground = float(SOIL.mean())
    step = ground  # its brightness minus the ground's (twice the ground, less the ground)
    # the pixel against the 15 x 15 box around it (the box holds the pixel itself once in 225)
    point = feats[FEATURE_NAMES.index("contrast10_150_bright"), 20, 20]
    assert point == pytest.approx(step * 224 / 225, rel=1e-4)
    # the 3 x 3 mean against the 15 x 15 mean: the pixel weighs 1/9 in one and 1/225 in the other
    small = feats[FEATURE_NAMES.index("contrast30_150_bright"), 20, 20]
    assert small == pytest.approx(step * (1 / 9 - 1 / 225), rel=1e-4)
    # the 50 m mean dilutes it further: the point contrast is what keeps a one-pixel site visible
    assert feats[FEATURE_NAMES.index("contrast150_bright"), 20, 20] < small < point


def test_masked_pixels_get_nan_features_and_do_not_bleed():
    cube = _cube()
    cube[:, 10, 10] = np.nan
    feats = compute_features(cube)
    assert np.isnan(feats[:, 10, 10]).all()
    # the neighbour's context ignores the hole instead of reading it as black
    assert feats[FEATURE_NAMES.index("contrast150_bright"), 10, 11] == pytest.approx(0, abs=1e-5)


def test_cube_of_the_wrong_shape():
    with pytest.raises(ValueError, match="expected"):
        compute_features(np.zeros((4, 10, 10), np.float32))


def test_spectral_mask_clouds_water_but_not_a_small_bright_heap():
    cube = _cube(60, 60)
    white = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.35, 0.25], dtype=np.float32)
    cube[:, 0:20, 0:20] = white[:, None, None]  # a cloud 200 m across
    cube[:, 40:42, 40:42] = white[:, None, None]  # a 20 m sheet of white plastic
    water = np.array([0.06, 0.05, 0.03, 0.02, 0.015, 0.01, 0.01, 0.01, 0.003, 0.002], dtype=np.float32)
    cube[:, 45:55, 5:15] = water[:, None, None]
    mask = spectral_mask(cube)
    assert mask[10, 10] and mask[50, 10]
    assert not mask[41, 41]
    assert not mask[30, 50]


def _water_and_cloud():
    cube = _cube(60, 60)
    white = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.35, 0.25], dtype=np.float32)
    cube[:, 0:20, 0:20] = white[:, None, None]
    water = np.array([0.06, 0.05, 0.03, 0.02, 0.015, 0.01, 0.01, 0.01, 0.003, 0.002], dtype=np.float32)
    cube[:, 45:55, 5:15] = water[:, None, None]
    return cube


def test_spectral_mask_of_chosen_kinds():
    cube = _water_and_cloud()
    only_water = spectral_mask(cube, ("water",))
    assert only_water[50, 10] and not only_water[10, 10]
    only_cloud = spectral_mask(cube, ("cloud",))
    assert only_cloud[10, 10] and not only_cloud[50, 10]
    with pytest.raises(ValueError, match="shadow"):
        spectral_mask(cube, ("shadow",))


def test_scl_masked_cube_still_loses_its_water():
    # an SCL-masked scene has NaN where SCL saw cloud, shadow or snow; water is left to the spectra
    cube = _water_and_cloud()
    score, _ = score_cube(cube, has_mask=True)
    assert np.isnan(score[45:55, 5:15]).all()
    assert np.isfinite(score[10, 10])  # a cloud SCL did not flag is ground to the detector
    score, _ = score_cube(cube)
    assert np.isnan(score[10, 10]) and np.isnan(score[50, 10])


# --- thresholds ----------------------------------------------------------------------------------


CARD = {"thresholds": {"high": 0.5, "low": 0.3, "site": 0.84, "confident": 0.96}}


def test_thresholds_left_unset_are_the_cards():
    th = Thresholds(high=0.6).with_card(CARD)
    assert (th.high, th.site, th.confident) == (0.6, 0.84, 0.96)
    th = Thresholds(site=0.7).with_card(CARD)
    assert (th.site, th.confident) == (0.7, 0.96)
    th = Thresholds(site=0.98).with_card(CARD)  # above the card's confident: not every site confident
    assert th.confident is None
    assert Thresholds().with_card({}).site == 0.5 and Thresholds().with_card({}).confident is None
    # a card written before the cut is tuned (the training script's) may hold None
    untuned = {"thresholds": {"site": None, "confident": None}}
    assert Thresholds().with_card(untuned) == Thresholds(site=0.5)
    assert Thresholds.from_card(CARD, low=0.2) == Thresholds(low=0.2, site=0.84, confident=0.96)


def test_detection_keeps_the_cards_site_cut_when_only_seeds_change():
    from kzgeo.dumps import load_model
    from kzgeo.synth import generate_scene

    scene = generate_scene(2, 256)  # candidates scoring above and below the card's cut
    site = load_model().card["thresholds"]["site"]
    cut = detect_dumps(scene, thresholds=Thresholds(high=0.5))
    lower = detect_dumps(scene, thresholds=Thresholds(high=0.5, site=0.3))
    assert len(cut) >= 1 and (cut["score"] >= site).all()
    assert len(lower) > len(cut) and (lower["score"] < site).any()


# --- landfill status -----------------------------------------------------------------------------


def test_status_against_landfill_polygons_and_points():
    landfills = _layer([_box(0, 0, 200, 200), shapely.Point(5_000, 5_000)], landfill_id=[1, 2])
    sites = _layer(
        [
            _box(50, 50, 100, 100),  # inside the fence
            _box(150, 0, 300, 100),  # 1 ha of its 1.5 ha beyond the fence
            _box(-10, 0, 100, 100),  # one pixel of blur over the fence
            _box(9_000, 9_000, 9_100, 9_100),  # far from any landfill
            _box(5_100, 5_100, 5_200, 5_200),  # 140-280 m from a landfill point
        ]
    )
    status = assign_status(sites, landfills)
    assert list(status) == [
        "legal_landfill",
        "landfill_overspill",
        "legal_landfill",
        "illegal",
        "legal_landfill",
    ]


def test_a_large_landfill_with_a_small_share_spilling_is_still_an_overspill():
    landfills = _layer([_box(0, 0, 1_000, 1_000)])  # 100 ha
    sites = _layer([_box(0, 0, 100, 1_050), _box(0, 0, 100, 1_016)])
    # 35 m x 100 m = 0.35 ha beyond the 15 m tolerance (3 % of the site); 1 m x 100 m = 0.01 ha is not
    assert list(assign_status(sites, landfills)) == ["landfill_overspill", "legal_landfill"]


def test_a_landfill_given_as_polygon_and_point_is_judged_by_its_polygon():
    fence = _box(0, 0, 300, 300)  # 9 ha
    spilling = _layer([_box(200, 0, 400, 150)])  # 3 ha, 1.5 ha of it beyond the fence
    assert list(assign_status(spilling, _layer([fence]))) == ["landfill_overspill"]
    # the same landfill also listed as a point at its centre: the point's 300 m radius swallowed the spill
    both = _layer([fence, shapely.Point(150, 150)])
    assert list(assign_status(spilling, both)) == ["landfill_overspill"]
    # a point landfill of its own, away from any polygon, still covers its radius
    apart = _layer([fence, shapely.Point(3_000, 0)])
    assert list(assign_status(_layer([_box(3_050, 0, 3_150, 100)]), apart)) == ["legal_landfill"]


def test_a_register_point_off_the_fence_is_the_same_landfill_and_a_radius_is_not_a_boundary():
    fence = _box(0, 0, 300, 300)  # 9 ha
    spilling = _layer([_box(200, 0, 400, 150)])  # 1.5 ha of its 3 ha beyond the fence
    gate = _layer([fence, shapely.Point(150, -50)])  # the register's point 50 m outside the fence
    assert list(assign_status(spilling, gate)) == ["landfill_overspill"]  # was legal: the gate's radius
    # a 10 ha site from 250 to 1,250 m east of a point landfill: 4 % of it within the 300 m radius
    point = _layer([shapely.Point(0, 0)])
    assert list(assign_status(_layer([_box(250, -50, 1_250, 50)]), point)) == ["illegal"]
    assert list(assign_status(_layer([_box(100, -50, 350, 50)]), point)) == ["legal_landfill"]  # 3/4 in


def test_a_small_site_beside_the_fence_is_an_overspill_not_the_landfill():
    fence = _layer([_box(0, 0, 300, 300)])
    beside = _layer([_box(310, 0, 340, 30), _box(295, 0, 325, 30)])  # 10 m off it; across it
    assert list(assign_status(beside, fence)) == ["landfill_overspill", "legal_landfill"]


def test_status_is_illegal_without_landfills_and_ignores_crs():
    sites = _layer([_box(0, 0, 100, 100)])
    assert list(assign_status(sites, None)) == ["illegal"]
    landfills = _layer([_box(-50, -50, 150, 150)]).to_crs(4326)
    assert list(assign_status(sites.to_crs(4326), landfills)) == ["legal_landfill"]


# --- change --------------------------------------------------------------------------------------


def test_change_new_grown_persisting():
    previous = _layer([_box(0, 0, 100, 100), _box(1_000, 0, 1_100, 100)])
    sites = _layer(
        [
            _box(0, 0, 100, 100),  # same 1 ha
            _box(1_000, 0, 1_200, 100),  # 1 ha -> 2 ha
            _box(5_000, 0, 5_100, 100),  # nothing there before
            _box(1_005, 0, 1_000 + 105, 100),  # a pixel of registration shift is the same site
        ]
    )
    assert list(compare_sites(sites, previous)) == ["persisting", "grown", "new", "persisting"]
    assert list(compare_sites(sites, previous.iloc[:0])) == ["new"] * 4


# --- matching ------------------------------------------------------------------------------------


def test_object_matching_at_iou_one_quarter():
    truth = _layer(
        [_box(0, 0, 100, 100), _box(500, 0, 600, 100), _box(2_000, 0, 2_050, 50)],
        kind=["dump", "dump", "quarry"],
    )
    sites = _layer([_box(0, 0, 100, 50), _box(500, 0, 600, 20), _box(2_000, 0, 2_050, 50)])
    ev = match_sites(sites, truth, area_km2=1.0)
    # IoU 0.5 matches, IoU 0.2 does not; the quarry is a false alarm of its kind
    assert list(ev.truth.matched) == [True, False]
    assert ev.false_alarms().to_dict() == {"waste_split": 1, "quarry": 1}
    precision, recall, f1 = ev.prf()
    assert (precision, recall, f1) == (pytest.approx(1 / 3), 0.5, pytest.approx(0.4))
    assert ev.median_area_error_pct() == pytest.approx(50.0)
    assert ev.false_alarms_per_100km2() == pytest.approx(200.0)


def test_ring_labels_surround_each_site():
    labels = np.zeros((20, 20), dtype=np.int32)
    labels[5:8, 5:8] = 1
    ring = ring_labels(labels, width=2)
    # a 3 x 3 site grown by two pixels on each side is 7 x 7; the site itself is not in its ring
    assert (ring == 1).sum() == 7 * 7 - 3 * 3
    assert not ring[labels > 0].any()
    assert not ring_labels(np.zeros((5, 5), dtype=np.int32)).any()


def test_site_features_spread_ring_contrast_and_rectangularity():
    feats = np.zeros((len(FEATURE_NAMES), 30, 30), dtype=np.float32)
    bright = feats[FEATURE_NAMES.index("bright")]
    bright[:] = 0.1
    labels = np.zeros((30, 30), dtype=np.int32)
    labels[5:15, 5:15] = 1  # a uniform square, brighter than its ring by 0.2
    bright[5:15, 5:15] = 0.3
    labels[20:26, 18:28] = 2  # a checkerboard of 0.2 and 0.4: a mix of materials
    bright[20:26, 18:28] = np.where(np.indices((6, 10)).sum(axis=0) % 2, 0.4, 0.2)
    score = (labels > 0).astype(np.float32) * 0.8
    score[5:10, 5:15] = 0.95  # half of the square scores above 0.9
    sums = part_sums(labels, score, feats, site_rings(labels))
    geoms = [_box(5, 5, 15, 15), _box(18, 20, 28, 26)]
    sites = gpd.GeoDataFrame({k: v[1:] for k, v in sums.items()}, geometry=geoms, crs=UTM)
    f = object_features(sites)
    np.testing.assert_allclose(f["std_bright"], [0.0, 0.1], atol=1e-6)
    np.testing.assert_allclose(f["mean_bright"], [0.3, 0.3], atol=1e-6)
    np.testing.assert_allclose(f["ring_contrast_bright"], [0.2, 0.2], atol=1e-6)
    np.testing.assert_allclose(f["outer_contrast_bright"], [0.2, 0.2], atol=1e-6)
    np.testing.assert_allclose(f["ring_std_bright"], [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(f["rectangularity"], [1.0, 1.0])
    np.testing.assert_allclose(f["frac_score_0.5"], [1.0, 1.0])
    np.testing.assert_allclose(f["frac_score_0.9"], [0.5, 0.0])
    np.testing.assert_allclose(f["max_score"], [0.95, 0.8], atol=1e-6)
    # the rings hold no score (the ground around scores nothing) and are all valid
    np.testing.assert_allclose(f["ring_score"], [0.0, 0.0])
    np.testing.assert_allclose(f["ring_valid"], [1.0, 1.0])


def test_site_rings_near_and_outer():
    labels = np.zeros((40, 40), dtype=np.int32)
    labels[18:21, 18:21] = 1
    near, outer = site_rings(labels)
    # near ring: 3 px around a 3 x 3 site (9 x 9 - 3 x 3); outer ring: out to 8 px (19 x 19 - 9 x 9)
    assert (near == 1).sum() == 9 * 9 - 3 * 3
    assert (outer == 1).sum() == 19 * 19 - 9 * 9
    assert not (near.astype(bool) & outer.astype(bool)).any()


def test_site_features_without_valid_ring_are_nan():
    feats = np.full((len(FEATURE_NAMES), 12, 12), np.nan, dtype=np.float32)
    labels = np.zeros((12, 12), dtype=np.int32)
    labels[4:8, 4:8] = 1
    feats[:, 4:8, 4:8] = 0.2  # the site is valid, everything around it is cloud
    score = np.where(labels > 0, 0.9, np.nan).astype(np.float32)
    sums = part_sums(labels, score, feats, site_rings(labels))
    sites = gpd.GeoDataFrame({k: v[1:] for k, v in sums.items()}, geometry=[_box(4, 4, 8, 8)], crs=UTM)
    f = object_features(sites)
    assert f["ring_valid"].iloc[0] == 0.0
    assert np.isnan(f["ring_contrast_bright"].iloc[0]) and np.isnan(f["outer_contrast_ndvi"].iloc[0])
    assert f["mean_bright"].iloc[0] == pytest.approx(0.2)


# --- error paths ---------------------------------------------------------------------------------


def test_missing_band_is_named():
    bands = dict(zip(BANDS, _cube(), strict=True))
    del bands["B12"]
    with pytest.raises(RasterError, match="missing B12"):
        detect_dumps(bands, transform=Affine(10, 0, 0, 0, -10, 0), crs=UTM)


def test_arrays_without_georeferencing():
    bands = dict(zip(BANDS, _cube(), strict=True))
    with pytest.raises(RasterError, match="no georeferencing"):
        detect_dumps(bands)


@pytest.mark.parametrize(
    ("transform", "crs", "message"),
    [
        (Affine(0.0001, 0, 71.4, 0, -0.0001, 51.1), "EPSG:4326", "not a projected CRS in metres"),
        (Affine(20, 0, 500_000, 0, -20, 5_600_000), UTM, "pixels of 20 x 20 m on the ground"),
        (Affine(30, 0, 500_000, 0, -10, 5_600_000), UTM, "pixels of 30 x 10 m on the ground"),
    ],
)
def test_grids_the_detector_was_not_made_for_are_refused(transform, crs, message):
    bands = dict(zip(BANDS, _cube(), strict=True))
    # the fix names the scene's own UTM zone (42N at 71.4° E; was EPSG:326NN), with rio and gdalwarp
    fix = "gdalwarp -t_srs EPSG:32642 -tr 10 10 scene.tif scene_10m.tif, or rio warp scene.tif scene_10m.tif"
    with pytest.raises(RasterError, match=f"{message}.*{re.escape(fix)}"):
        detect_dumps(bands, transform=transform, crs=crs)


def test_a_local_grid_is_refused_in_one_line():
    # a CRS with no longitude (an engineering one) was a pyproj traceback while naming the UTM zone
    bands = dict(zip(BANDS, _cube(), strict=True))
    local = 'LOCAL_CS["arbitrary",UNIT["metre",1]]'
    with pytest.raises(RasterError, match=r"not a projected CRS in metres.*EPSG:326NN .*NN is the UTM zone"):
        detect_dumps(bands, transform=Affine(10, 0, 0, 0, -10, 0), crs=local)


def test_a_web_mercator_grid_of_10_m_on_the_ground_is_accepted():
    # 15.9 m of Web Mercator grid at 51° N is 10 m on the ground
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(71.4, 51.1)
    size = 10 / np.cos(np.radians(51.1))
    bands = dict(zip(BANDS, _cube(), strict=True))
    sites = detect_dumps(bands, transform=Affine(size, 0, x, 0, -size, y), crs="EPSG:3857")
    assert list(sites.columns)[:3] == ["site_id", "score", "pixel_score"]


def test_a_scene_without_a_scorable_pixel_warns():
    bands = dict(zip(BANDS, np.full((10, 40, 40), np.nan, np.float32), strict=True))
    with pytest.warns(KzgeoWarning, match="no pixel could be scored"):
        sites = detect_dumps(bands, transform=Affine(10, 0, 500_000, 0, -10, 5_600_000), crs=UTM)
    assert sites.empty


# --- context stage (a second pixel pass on the first score's neighbourhood) ----------------------


def test_context_features_of_a_three_by_three_block():
    from kzgeo.dumps.features import CONTEXT_FEATURES, context_features

    score = np.full((12, 12), np.nan, np.float32)  # not scored: counts as 0
    score[3:6, 3:6] = 1.0
    valid = np.ones((12, 12), bool)
    valid[:, 0] = False
    ctx = dict(zip(CONTEXT_FEATURES, context_features(score, valid), strict=True))
    assert ctx["score"][4, 4] == 1 and ctx["score"][4, 8] == 0
    assert ctx["score_mean3"][4, 4] == pytest.approx(1.0)
    assert ctx["score_mean5"][4, 4] == pytest.approx(9 / 25)
    assert ctx["score_mean9"][4, 4] == pytest.approx(9 / 72)  # column 0 is invalid: 72 pixels, not 81
    assert ctx["score_mean5"][4, 7] == pytest.approx(3 / 25)  # one column of the block in reach
    assert ctx["score_max5"][4, 7] == 1 and ctx["score_median3"][4, 7] == 0
    assert ctx["score_median3"][3, 3] == 0 and ctx["score_median3"][4, 3] == 1  # corner 4 of 9, edge 6 of 9
    assert np.isnan(ctx["score_mean3"][4, 0])  # invalid: NaN, and left out of its neighbours' means
    assert ctx["score_mean3"][4, 1] == pytest.approx(0.0)


class _Stub:
    """A classifier whose probability is one of its input columns."""

    def __init__(self, column):
        self.column = column

    def predict_proba(self, x):
        p = np.clip(x[:, self.column], 0, 1)
        return np.c_[1 - p, p]


def test_a_model_with_a_context_stage_rescores_with_the_neighbourhood():
    from kzgeo.dumps.features import CONTEXT_FEATURES
    from kzgeo.dumps.model import DumpModel

    feats = np.zeros((3, 9, 9), np.float32)
    feats[0, 4, 4] = 1.0  # one bright pixel: first score 1 there, 0 elsewhere
    candidate = np.ones((9, 9), bool)
    mean3 = 3 + CONTEXT_FEATURES.index("score_mean3")  # the context columns follow the features
    plain = DumpModel(_Stub(0), {})
    both = DumpModel(_Stub(0), {}, context=_Stub(mean3))
    assert plain.score(feats, candidate)[4, 4] == 1
    rescored = both.score(feats, candidate)
    assert rescored[4, 4] == pytest.approx(1 / 9) and rescored[4, 5] == pytest.approx(1 / 9)
    assert rescored[4, 6] == 0
    np.testing.assert_array_equal(both.first_score(feats, candidate), plain.score(feats, candidate))


def test_band_arrays_in_digital_numbers_or_percent_are_refused():
    for scale in (10_000, 100):
        bands = dict(zip(BANDS, _cube() * scale, strict=True))
        with pytest.raises(RasterError, match=r"detect_dumps takes reflectance 0\.\.1"):
            detect_dumps(bands, transform=Affine(10, 0, 500_000, 0, -10, 5_600_000), crs=UTM)


def test_landfills_without_a_crs_are_refused_before_detection():
    from kzgeo.errors import CRSError

    bands = dict(zip(BANDS, _cube(), strict=True))
    fills = gpd.GeoDataFrame(geometry=[shapely.box(500_000, 5_599_800, 500_100, 5_599_900)])
    with pytest.raises(CRSError, match="landfills: the layer has no CRS"):
        detect_dumps(bands, transform=Affine(10, 0, 500_000, 0, -10, 5_600_000), crs=UTM, landfills=fills)


def test_previous_season_as_band_arrays_takes_the_scenes_georeferencing():
    bands = dict(zip(BANDS, _cube(), strict=True))
    t = Affine(10, 0, 500_000, 0, -10, 5_600_000)
    sites = detect_dumps(bands, transform=t, crs=UTM, previous=dict(bands))
    assert "change" in sites.columns


def test_the_scene_itself_as_the_previous_season_is_said():
    """Every site of a scene compared with itself is 'persisting': said, not taken for a result."""
    bands = dict(zip(BANDS, _cube(), strict=True))
    t = Affine(10, 0, 500_000, 0, -10, 5_600_000)
    with pytest.warns(KzgeoWarning, match=r"previous season band arrays: is the scene band arrays itself"):
        detect_dumps(bands, transform=t, crs=UTM, previous=bands)


def _context_warnings(bands) -> list[str]:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        detect_dumps(bands, transform=Affine(10, 0, 500_000, 0, -10, 5_600_000), crs=UTM)
    return [str(w.message) for w in caught if "surroundings the detector compares" in str(w.message)]


@pytest.mark.parametrize("size", [3, 20, 30])
def test_a_scene_smaller_than_the_features_surroundings_is_said(size):
    """The widest feature compares a pixel with 31 x 31 pixels (310 m): a smaller scene reported 0 sites
    as if it had been searched."""
    (message,) = _context_warnings(dict(zip(BANDS, _cube(size, size), strict=True)))
    assert message.startswith(
        f"band arrays: the scene is {size} x {size} pixels, smaller than the 31 x 31 pixels (310 m)"
    )
    assert message.endswith("give a larger scene (a few kilometres around the area of interest)")


def test_a_scene_whose_data_are_narrower_than_the_features_surroundings_is_said():
    cube = _cube(64, 64)
    cube[:, :, 30:] = np.nan  # 30 columns of data: no pixel has a whole 31-pixel box of them
    (message,) = _context_warnings(dict(zip(BANDS, cube, strict=True)))
    assert "no pixel has the 31 x 31 pixels (310 m) of surroundings" in message
    assert "give a larger or clearer scene" in message
    cube[:, :, 30] = SOIL[:, None]  # 31 columns: the middle one has them
    assert _context_warnings(dict(zip(BANDS, cube, strict=True))) == []
    assert _context_warnings(dict(zip(BANDS, _cube(31, 31), strict=True))) == []


def test_band_arrays_with_pixels_of_0_in_every_band_are_said():
    cube = _cube()
    cube[:, :2] = 0.0
    with pytest.warns(
        KzgeoWarning, match=r"band arrays: 80 pixels are exactly 0 in every band.*set the fill to NaN"
    ):
        detect_dumps(
            dict(zip(BANDS, cube, strict=True)), transform=Affine(10, 0, 500_000, 0, -10, 5_600_000), crs=UTM
        )


def test_layers_of_another_kind_are_refused_as_landfills_or_previous_sites():
    """Points of plots read as landfills get landfill ids 1..n from read_layer, and plots pass for
    previous sites: both refused as read_layer refuses a layer of another kind; landfill registers
    and site layers pass."""
    import kzgeo
    from kzgeo.dumps.status import check_layers
    from kzgeo.validate import AnotherKindError

    points = _layer([shapely.Point(500_050, 5_599_950)], plot_id=["P1"])
    with pytest.raises(AnotherKindError, match=r"^landfills: the layer looks like plots, not landfills"):
        check_layers(points, None)
    read = kzgeo.read_layer(points.to_crs(4326), kind="landfills")
    assert read["landfill_id"].tolist() == [1]
    with pytest.raises(AnotherKindError, match=r"its columns: plot_id, landfill_id"):
        check_layers(read, None)
    plots = _layer([_box(500_000, 5_599_900, 500_100, 5_600_000)], plot_id=["P1"])
    with pytest.raises(
        AnotherKindError, match=r"^previous sites: the layer looks like plots, not sites"
    ) as e:
        check_layers(None, plots)
    assert e.value.other_kind == "plots"
    assert str(e.value).endswith("give the sites kzgeo detect-dumps found in the earlier season")  # no kind=
    wide = plots.assign(
        region="Akmola", year=2024, species="pine", seedlings=100, declared_ha=1.0, survival_pct=90
    )
    with pytest.raises(
        AnotherKindError,
        match=r"\(its columns: plot_id, region, year, species, seedlings and 2 more\); give the sites",
    ):
        check_layers(None, wide)
    fills = kzgeo.datasets.load("landfills")
    with pytest.raises(AnotherKindError, match=r"looks like landfills, not sites") as e:
        check_layers(None, fills)
    assert e.value.other_kind == "landfills"
    check_layers(fills, plots.assign(site_id=[1]))  # a register; sites that also carry a plot id
    check_layers(kzgeo.read_layer(fills, kind="landfills"), None)
    check_layers(points.assign(landfill_id=[7]), _layer(plots.geometry, kato=[751_000_000]))


@pytest.mark.parametrize(
    "kwargs",
    [{"high": 0.2, "low": 0.6}, {"site": 1.5}, {"confident": -0.1}, {"min_area_ha": -1}, {"max_ndvi": 2}],
)
def test_thresholds_out_of_range_are_refused(kwargs):
    from kzgeo.errors import DataError

    with pytest.raises(DataError, match=r"scores and probabilities lie in 0\.\.1 with low <= high"):
        Thresholds(**kwargs)


def test_window_size_and_landfill_radius_out_of_range_are_refused():
    from kzgeo.errors import DataError

    bands = dict(zip(BANDS, _cube(), strict=True))
    t = Affine(10, 0, 500_000, 0, -10, 5_600_000)
    with pytest.raises(DataError, match="window_size=0"):
        detect_dumps(bands, transform=t, crs=UTM, window_size=0)
    with pytest.raises(DataError, match="landfill_radius_m=-300"):
        detect_dumps(bands, transform=t, crs=UTM, landfill_radius_m=-300)


def test_a_bare_cube_is_refused_with_the_mapping_it_needs():
    with pytest.raises(
        RasterError, match=r"scene of type ndarray: give a path, an open kzgeo Scene, or band arrays"
    ):
        detect_dumps(_cube(), transform=Affine(10, 0, 500_000, 0, -10, 5_600_000), crs=UTM)


# --- windows: a site is the same at any window size -------------------------------------------


def _scored_by_hand(monkeypatch, score: np.ndarray) -> dict:
    """Band arrays whose B02 the detector takes as its pixel score (the model left out), so only the
    windows, hysteresis and merging are under test."""
    import kzgeo.dumps.detect as detect
    from kzgeo.dumps.features import FEATURE_NAMES

    def score_cube(cube, model=None, *, has_mask=False, max_ndvi=0.6):
        return cube[0].copy(), np.zeros((len(FEATURE_NAMES), *cube.shape[1:]), np.float32)

    monkeypatch.setattr(detect, "score_cube", score_cube)
    flat = np.full(score.shape, 0.1, np.float32)
    return {b: (score if b == "B02" else flat) for b in BANDS}


@pytest.mark.parametrize("window", [128, 256])
def test_a_site_growing_beyond_the_halo_is_whole_in_any_window(monkeypatch, window):
    score = np.full((512, 512), 0.05, np.float32)
    score[200:230, 20:50] = 0.9  # the seeded body, 30 x 30 px
    score[205:225, 50:330] = 0.4  # an arm of 20 x 280 px above `low`, below `high`: 9 + 56 = 65 ha
    bands = _scored_by_hand(monkeypatch, score)
    th = Thresholds(site=0.0, confident=0.5)
    t = Affine(10, 0, 500_000, 0, -10, 5_800_000)
    whole = detect_dumps(bands, transform=t, crs=UTM, thresholds=th, window_size=1024)
    cut = detect_dumps(bands, transform=t, crs=UTM, thresholds=th, window_size=window)
    assert len(whole) == len(cut) == 1
    assert cut["area_ha"].iloc[0] == pytest.approx(whole["area_ha"].iloc[0], rel=1e-6)
    assert whole["area_ha"].iloc[0] == pytest.approx(65.0, rel=2e-3)  # ellipsoidal, UTM scale ~0.9996²
    # an arm without any seed anywhere is no site, however the windows cut it
    lone = score.copy()
    lone[200:230, 20:50] = 0.4
    assert detect_dumps(
        _scored_by_hand(monkeypatch, lone), transform=t, crs=UTM, thresholds=th, window_size=window
    ).empty


def test_a_ring_around_clean_ground_is_the_same_site_in_any_window_and_only_small_holes_are_filled(
    monkeypatch,
):
    score = np.full((512, 512), 0.05, np.float32)
    score[100:220, 60:180] = 0.9
    score[106:214, 66:174] = 0.05  # a 1.2 km square ring, 60 m wide, around ground scored clean
    score[150:160, 110:120] = 0.9  # a heap of 1 ha inside it
    score[300:320, 300:320] = 0.9
    score[305:315, 305:315] = 0.05  # a heap of 4 ha with a 1 ha hole: filled
    bands = _scored_by_hand(monkeypatch, score)
    t = Affine(10, 0, 500_000, 0, -10, 5_800_000)
    th = Thresholds(site=0.0)
    one, cut = (detect_dumps(bands, transform=t, crs=UTM, thresholds=th, window_size=w) for w in (1024, 128))
    # windows that held the whole ring filled it (144 ha, the heap inside swallowed); those that cut it
    # did not, and the merge then filled it over the heap: overlapping sites, by window size
    one, cut = (s.sort_values("area_ha", ascending=False) for s in (one, cut))
    for sites in (one, cut):
        assert sites["area_ha"].tolist() == pytest.approx([27.38, 3.96, 0.96], abs=0.01)  # 0.99 x grid ha
        assert [len(g.interiors) for g in sites.geometry] == [1, 0, 0]
        assert not sites.geometry.iloc[0].intersects(sites.geometry.iloc[2])
    ring_one, ring_cut = (sites.to_crs(UTM).geometry.iloc[0] for sites in (one, cut))
    assert ring_one.symmetric_difference(ring_cut).area < 1.0  # m²: the same ring, seams aside
    assert cut["site_id"].tolist() == one["site_id"].tolist()
