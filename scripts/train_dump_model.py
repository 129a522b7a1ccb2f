"""Train the dump-detection classifiers shipped in ``kzgeo/models`` (run by ``make model``).

    .venv/bin/python scripts/train_dump_model.py [--scenes 56] [--site-scenes 384] [--rich-scenes 192]
        [--jobs 2] [--pixels-from MODEL.joblib] [--wide-sensor 0] [--spectral-jitter 0]
        [--small-site-weight 0] [--cross-fit] [--context]

1. Generate training scenes with :mod:`kzgeo.synth` from the ``train`` half of the spectral library,
   over all biomes and months, with every look-alike kind except the held-out ones
   (:data:`HELD_OUT_LOOKALIKES`, kept for the evaluation in ``benchmarks/eval_dumps.py``).
   ``--wide-sensor 0.5`` gives half of the training and validation scenes a sensor drawn from ranges
   about twice the generator's own (:data:`WIDE_SENSOR`); ``--spectral-jitter 0.15`` warps every
   material spectrum of every scene (``generate_scene(spectral_jitter=)``). Both were measured in
   ``benchmarks/dumps.md`` and are not the default.
2. Pixel classifier: compute the detector's features (:func:`kzgeo.dumps.compute_features`), sample
   every waste pixel, look-alike pixels, textured and random background (classes weighted evenly),
   fit a ``HistGradientBoostingClassifier``.
   Then add the background pixels this first fit scores above 0.3 (hard negatives) and fit again.
   ``--small-site-weight 1`` weighs each waste pixel by the inverse of its site's hectares
   (:func:`pixel_weights`; measured in ``benchmarks/dumps.md``, not the default).
   ``--context`` adds a context stage: a second pixel classifier, fitted the same way on
   ``--scenes`` other scenes (:data:`CONTEXT_SEEDS`), sees each pixel's features and
   :func:`kzgeo.dumps.features.context_features` of the first classifier's score around it
   (measured in ``benchmarks/dumps.md``, not the default).
3. Site classifier: on other scenes, outline candidate sites with the pixel scores (hysteresis), label
   each by whether it matches a true site (IoU >= 0.25), fit a second classifier on the site
   features (:mod:`kzgeo.dumps.objects`: mean and spread of every pixel feature inside the site,
   their contrast against a near and an outer ring around it, the pixel score in the rings, area,
   compactness, elongation, width, rectangularity, convexity). Scenes are generated and outlined in
   ``--jobs`` worker processes.
   One third of these scenes are look-alike-rich (60 look-alikes, 10 dumps): every candidate the pixel
   stage outlines on a quarry, yard, road or building site is a hard negative for the site stage.
   ``--cross-fit`` outlines the site scenes with pixel classifiers that never saw their spectra: two
   more pixel classifiers are fitted, one on each fold of the ``train`` half of the spectral library
   (``split="train_a"``, ``"train_b"``), and each site scene, drawn from one fold, is outlined by the
   classifier of the other. The site classifier then learns from pixel scores as they fall on
   materials the pixel stage never saw, as they will on any real scene (stacking on out-of-fold
   predictions). The shipped pixel classifier is still the one fitted on the whole ``train`` half.
4. On validation scenes (ordinary and look-alike-rich), choose two site-probability thresholds: the
   one with the best object F1 (``thresholds.site``: every site reported), and the lowest that
   reaches precision >= 0.90 on sites >= 0.5 ha (``thresholds.confident``: the ``confident`` tier).
5. Write ``dumps_hgb.joblib`` (both classifiers) and its card ``dumps_hgb.json``.

Every random choice is seeded (scenes, pixel sampling, the classifiers); on 2 shared cores the pixel
stage took 343 s and the site stage (``--pixels-from``) 1,475 s.
Needs ``earthlib``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import joblib
import numpy as np
import sklearn
from joblib import Parallel, delayed
from rasterio.features import rasterize
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from kzgeo.dumps import FEATURE_NAMES, Thresholds, compute_features, spectral_mask
from kzgeo.dumps.detect import candidate_sites
from kzgeo.dumps.evaluate import match_sites
from kzgeo.dumps.features import CONTEXT_FEATURES, candidates, context_features
from kzgeo.dumps.model import MODEL_NAME, DumpModel
from kzgeo.dumps.objects import OBJECT_FEATURES, object_features
from kzgeo.synth import BACKGROUND_KINDS, DUMP_KINDS, LOOKALIKE_KINDS, generate_scene

HELD_OUT_LOOKALIKES = ("solar_farm", "rail_yard")
TRAIN_KINDS = tuple(k for k in LOOKALIKE_KINDS if k not in HELD_OUT_LOOKALIKES)
TRAIN_SEEDS = range(1000, 1100)
CONTEXT_SEEDS = range(1100, 1200)
SITE_SEEDS = [*range(3000, 3500), *range(4000, 4500)]
RICH_SITE_SEEDS = range(3500, 4000)
VALIDATION_SEEDS = range(2000, 2100)
RICH_VALIDATION_SEEDS = range(2500, 2600)
TARGET_PRECISION = 0.90
SITE_PARAMS = {"max_iter": 400, "max_leaf_nodes": 63, "min_samples_leaf": 50, "learning_rate": 0.05}
"""Site classifier settings (it stops early on a 10 % validation split of its training sites)."""
WIDE_SENSOR = {
    "haze": (0.0, 0.10),
    "illumination": (0.70, 1.30),
    "band_gain": (0.03, 0.08),
    "psf_px": (0.35, 1.30),
    "noise": (0.001, 0.012),
}
"""Sensor ranges of the widened scenes, about twice the generator's own (haze 0-0.05, illumination
0.85-1.15, band gain 0.03, blur 0.35-0.7 px, noise 0.001-0.005): imagery made by anyone else will not
keep to one generator's ranges (``--wide-sensor``)."""
SMALL_SITE_WEIGHT = 0.0
"""Each waste pixel weighs ``(its site's hectares) ** -SMALL_SITE_WEIGHT`` in the pixel classifier
(``--small-site-weight``; see :func:`pixel_weights`)."""
SPECTRAL_JITTER = 0.0
"""Spread of the warp of every material spectrum in the training and validation scenes
(``--spectral-jitter``; ``generate_scene(spectral_jitter=)``): materials no library measured."""
FOLDS = ("train_a", "train_b")
"""Folds of the ``train`` half of the spectral library for ``--cross-fit``; seed ``s`` draws from
``FOLDS[s % 2]`` and is outlined by the pixel classifier of the other fold."""
SITE_GRID = tuple(np.round(np.arange(0.30, 0.991, 0.02), 2))
MAX_NDVI = Thresholds().max_ndvi


def scene_samples(seed: int, size: int, rng: np.random.Generator, n_background: int, first=None, **scene_kw):
    """Pixel features, labels and site hectares of one training scene (``scene_kw`` go to ``generate_scene``).

    The hectares are those of the dump each waste pixel belongs to (0 for background), for
    :func:`pixel_weights`. With ``first`` (a :class:`DumpModel`), the features are followed by the
    :func:`~kzgeo.dumps.features.context_features` of its first pixel score (the context stage).
    """
    # denser in waste than real land, so each scene gives many positive pixels
    scene = _scene(seed, size, n_dumps=int(rng.integers(25, 45)), **scene_kw)
    feats = compute_features(scene.data, spectral_mask(scene.data))
    candidate = candidates(feats, MAX_NDVI)
    if first is not None:
        ctx = context_features(first.first_score(feats, candidate), np.isfinite(feats[0]))
        feats = np.concatenate([feats, ctx])
    waste = scene.truth_mask(DUMP_KINDS)
    hectares = site_hectares(scene)
    look = scene.truth_mask(TRAIN_KINDS) & ~waste
    built = scene.truth_mask(BACKGROUND_KINDS) & ~waste & ~look
    texture = feats[FEATURE_NAMES.index("std50_bright")]
    with np.errstate(invalid="ignore"):
        rough = texture > np.nanquantile(texture[candidate & ~waste], 0.85)
    rest = candidate & ~look & ~waste & ~built
    groups = [
        np.flatnonzero((candidate & waste).ravel()),
        _sample(rng, candidate & look, n_background // 2),
        # roads and settlements, and other textured ground: what a dump is most often confused with
        _sample(rng, candidate & built, n_background // 2),
        _sample(rng, rest & rough, n_background // 2),
        _sample(rng, rest, n_background),
    ]
    idx = np.concatenate(groups)
    y = np.r_[np.ones(len(groups[0])), np.zeros(len(idx) - len(groups[0]))].astype(np.int8)
    ha = np.r_[hectares.ravel()[groups[0]], np.zeros(len(idx) - len(groups[0]))]
    flat = feats.reshape(feats.shape[0], -1)
    pool = _sample(rng, candidate & ~waste, 4 * n_background)
    return flat[:, idx].T, y, ha, scene.params, flat[:, pool].T


def site_hectares(scene) -> np.ndarray:
    """Raster of the hectares of the dump (or landfill) each pixel lies in; 0 outside them."""
    sel = scene.truth[scene.truth["kind"].isin(DUMP_KINDS)]
    shape = scene.data.shape[1:]
    if sel.empty:
        return np.zeros(shape, np.float32)
    pairs = zip(sel.geometry, sel["area_ha"], strict=True)
    return rasterize(pairs, out_shape=shape, transform=scene.transform, fill=0, dtype="float32")


def pixel_weights(y: np.ndarray, hectares: np.ndarray, power: float) -> np.ndarray:
    """Sample weights of the pixel classifier: the two classes weigh the same in all, and within the
    waste class each pixel weighs in proportion to ``hectares ** -power`` of its site (sites under
    0.03 ha count as 0.03 ha, over 10 ha as 10 ha), so a small dump's few pixels are not outvoted by a
    big one's many. ``power`` 0 weighs every waste pixel alike (the default).
    """
    pos = y == 1
    weight = np.where(pos, 0.5 / pos.mean(), 0.5 / (1 - pos.mean()))
    if power:
        w = np.clip(hectares[pos], 0.03, 10.0) ** -power
        weight[pos] *= w / w.mean()
    return weight


def hard_negatives(clf, pool: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """Background pixels the first fit scores as waste: roads, yards, building sites to learn to reject."""
    hard = np.flatnonzero(clf.predict_proba(pool)[:, 1] > 0.3)
    return pool[rng.choice(hard, min(len(hard), n), replace=False)]


def _sample(rng: np.random.Generator, mask: np.ndarray, n: int) -> np.ndarray:
    idx = np.flatnonzero(mask.ravel())
    return rng.choice(idx, min(len(idx), n), replace=False)


def wide_sensor(share: float):
    """``scene_kw(seed)``: sensor parameters from :data:`WIDE_SENSOR` for a ``share`` of the seeds."""

    def scene_kw(seed: int) -> dict:
        rng = np.random.default_rng([seed, 77])
        if rng.random() >= share:
            return {}
        return {"sensor": {name: float(rng.uniform(lo, hi)) for name, (lo, hi) in WIDE_SENSOR.items()}}

    return scene_kw


def scene_arguments(wide: float = 0.0, jitter: float = 0.0):
    """``scene_kw(seed)`` of the training scenes: a widened sensor for a ``wide`` share of them
    (:func:`wide_sensor`), spectra warped by ``jitter`` in all (``generate_scene(spectral_jitter=)``).
    None when both are 0: the generator's own scenes.
    """
    if not wide and not jitter:
        return None
    sensor = wide_sensor(wide) if wide else (lambda seed: {})
    return lambda seed: {**sensor(seed), **({"spectral_jitter": jitter} if jitter else {})}


def _scene(seed: int, size: int, **kw):
    return generate_scene(seed, size, **{"split": "train", "lookalike_kinds": TRAIN_KINDS, **kw})


def cross_fit(fold_pixels: dict, card: dict, sites=None, scene_kw=None):
    """``(model_for(seed), scene_kw(seed))`` of cross-fitted site scenes: seed ``s`` is drawn from fold
    ``FOLDS[s % 2]`` of the spectral library and outlined by the pixel classifier of the other fold.
    """
    other = dict(zip(FOLDS, FOLDS[::-1], strict=True))
    models = {fold: DumpModel(fold_pixels[other[fold]], card, sites) for fold in FOLDS}

    def model_for(seed: int) -> DumpModel:
        return models[FOLDS[seed % 2]]

    def kw(seed: int) -> dict:
        return {**(scene_kw(seed) if scene_kw is not None else {}), "split": FOLDS[seed % 2]}

    return model_for, kw


def _site_scene(model: DumpModel, seed: int, size: int, kw: dict):
    """Candidate sites of a training scene, its truth and area in km² (in a worker, one thread each)."""
    with threadpool_limits(1):
        scene = _scene(seed, size, **kw)
        cands = candidate_sites(scene.data, scene.transform, scene.crs, model)
        return cands, scene.truth, scene.data.shape[1] * scene.data.shape[2] / 1e4


def _site_scenes(model: DumpModel, seeds, rich, size: int, jobs: int, dense: bool, scene_kw=None):
    """(seeds, [(candidates, truth, km²)]) of the ordinary then the look-alike-rich scenes.

    ``model`` outlines the candidates; a function ``model(seed)`` gives each scene its own (``--cross-fit``).

    ``dense`` puts 30-44 dumps in each ordinary scene (training); otherwise the generator's default
    (validation). Look-alike-rich scenes have 60 look-alikes and 10 dumps. ``scene_kw(seed)`` adds
    arguments of ``generate_scene`` (a held-out material family or biome, ``benchmarks/holdout_dumps.py``).
    """
    seeds = [*seeds, *rich]
    kws = [
        {"n_lookalikes": 60, "n_dumps": 10} if s in rich else ({"n_dumps": 30 + s % 15} if dense else {})
        for s in seeds
    ]
    if scene_kw is not None:
        kws = [{**kw, **scene_kw(s)} for s, kw in zip(seeds, kws, strict=True)]
    model_for = model if callable(model) else (lambda seed: model)
    pairs = zip(seeds, kws, strict=True)
    tasks = (delayed(_site_scene)(model_for(seed), seed, size, kw) for seed, kw in pairs)
    return seeds, Parallel(n_jobs=jobs)(tasks)


def site_samples(
    model: DumpModel, seeds, size: int, rich=(), jobs: int = 1, scene_kw=None
) -> tuple[np.ndarray, np.ndarray]:
    """Site features and labels (1 = matches a true site at IoU >= 0.25) of candidate sites.

    ``rich`` seeds give look-alike-rich scenes, whose candidates are mostly hard negatives.
    """
    seeds, scenes = _site_scenes(model, seeds, rich, size, jobs, dense=True, scene_kw=scene_kw)
    xs, ys = [], []
    for seed, (cands, truth, _) in zip(seeds, scenes, strict=True):
        ev = match_sites(cands, truth)
        xs.append(object_features(cands).to_numpy())
        ys.append(ev.detections["matched"].to_numpy().astype(np.int8))
        print(f"  site scene {seed}: {len(cands)} candidates, {int(ys[-1].sum())} true", flush=True)
    return np.concatenate(xs), np.concatenate(ys)


def tune_site_threshold(
    model: DumpModel, seeds, size: int, rich=(), jobs: int = 1, scene_kw=None
) -> tuple[float, float, list]:
    """(lowest cut with precision >= TARGET_PRECISION on sites >= 0.5 ha, cut of best F1, grid)."""
    seeds, scenes = _site_scenes(model, seeds, rich, size, jobs, dense=False, scene_kw=scene_kw)
    model_for = model if callable(model) else (lambda seed: model)
    scored = [
        (truth, km2, cands, model_for(seed).site_score(cands) if len(cands) else np.array([]))
        for seed, (cands, truth, km2) in zip(seeds, scenes, strict=True)
    ]
    grid = []
    for cut in SITE_GRID:
        ev = None
        for truth, km2, cands, p in scored:
            e = match_sites(cands[p >= cut], truth, area_km2=km2)
            ev = e if ev is None else ev + e
        prec, rec, f1 = ev.prf()
        p5, r5, f5 = ev.prf(min_ha=0.5)
        grid.append(
            {"site": float(cut), "precision": prec, "recall": rec, "f1": f1}
            | {"precision_ge_0.5ha": p5, "recall_ge_0.5ha": r5, "f1_ge_0.5ha": f5}
            | {"false_alarms_per_100km2": ev.false_alarms_per_100km2()}
        )
        print(
            f"  site >= {cut:.2f}: P={prec:.3f} R={rec:.3f} F1={f1:.3f} | >=0.5 ha P={p5:.3f} R={r5:.3f}"
            f" F1={f5:.3f} | FA/100 km2 {grid[-1]['false_alarms_per_100km2']:.1f}",
            flush=True,
        )
    best_f1 = max(grid, key=lambda g: g["f1"])["site"]
    precise = [g["site"] for g in grid if g["precision_ge_0.5ha"] >= TARGET_PRECISION]
    # never reached: the most precise cut of the grid
    cut = precise[0] if precise else max(grid, key=lambda g: (g["precision_ge_0.5ha"], g["site"]))["site"]
    return cut, best_f1, grid


def fit(
    x: np.ndarray, y: np.ndarray, weight=None, random_state: int = 0, **params
) -> HistGradientBoostingClassifier:
    """A classifier on ``x``, ``y``; by default the two classes weigh the same in all."""
    if weight is None:
        weight = pixel_weights(y, np.zeros(len(y)), 0.0)
    settings = {"max_iter": 100, "learning_rate": 0.12, "max_leaf_nodes": 31, "min_samples_leaf": 50}
    clf = HistGradientBoostingClassifier(
        **{**settings, **params}, l2_regularization=1.0, random_state=random_state
    )
    return clf.fit(x, y, sample_weight=weight)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=56, help="scenes for the pixel classifier")
    ap.add_argument("--site-scenes", type=int, default=384, help="scenes for the site classifier")
    ap.add_argument("--rich-scenes", type=int, default=192, help="look-alike-rich site scenes")
    ap.add_argument("--validation", type=int, default=16, help="validation scenes for the site threshold")
    ap.add_argument("--rich-validation", type=int, default=8, help="look-alike-rich validation scenes")
    ap.add_argument(
        "--pixels-from",
        type=Path,
        help="reuse the pixel classifier of this .joblib (with its .json card) and train only the site stage",
    )
    ap.add_argument("--size", type=int, default=768, help="scene size, pixels")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for the site scenes")
    ap.add_argument("--background", type=int, default=30_000, help="background pixels sampled per scene")
    ap.add_argument(
        "--wide-sensor",
        type=float,
        default=0.0,
        help="share of scenes whose haze, illumination, gain, blur and noise come from WIDE_SENSOR",
    )
    ap.add_argument(
        "--wide-sensor-stage",
        choices=("both", "pixels"),
        default="both",
        help="which stages see the widened sensor: both, or the pixel classifier only",
    )
    ap.add_argument(
        "--spectral-jitter",
        type=float,
        default=SPECTRAL_JITTER,
        help="warp every material spectrum of the training scenes by this spread (generate_scene)",
    )
    ap.add_argument(
        "--small-site-weight",
        type=float,
        default=SMALL_SITE_WEIGHT,
        help="waste pixels weigh (site hectares) ** -POWER in the pixel classifier; 0 weighs all alike",
    )
    ap.add_argument(
        "--cross-fit",
        action="store_true",
        help="outline site and validation scenes with pixel classifiers fitted on the library's other fold",
    )
    ap.add_argument(
        "--context",
        action="store_true",
        help="add a context stage: a second pixel classifier that also sees the first score around a pixel",
    )
    ap.add_argument("--out", type=Path, default=Path("src/kzgeo/models"))
    args = ap.parse_args()
    t0 = time.time()
    scene_kw = scene_arguments(args.wide_sensor, args.spectral_jitter)
    if args.cross_fit and args.context:
        raise SystemExit("--cross-fit and --context: cross-fitting has no context stage; choose one")
    if args.pixels_from:
        pixels, context, card = reuse_pixels(args.pixels_from)
    else:
        (pixels, card), context = train_pixels(args, scene_kw), None
    if args.context and context is None:
        context = train_context(args, pixels, card, scene_kw)
    print(f"pixel classifier: {time.time() - t0:.0f} s", flush=True)
    site_kw = scene_arguments(
        0.0 if args.wide_sensor_stage == "pixels" else args.wide_sensor, args.spectral_jitter
    )
    model = DumpModel(pixels, card, None, context)
    if args.cross_fit:
        fold_pixels = {}
        for fold in FOLDS:
            fold_pixels[fold], fold_card = train_pixels(args, _with_split(scene_kw, fold))
            card["training"].setdefault("cross_fit", {})[fold] = {
                k: fold_card["training"][k] for k in ("pixels", "waste_pixels", "hard_negative_pixels")
            }
            print(f"pixel classifier of fold {fold}: {time.time() - t0:.0f} s", flush=True)
        model, site_kw = cross_fit(fold_pixels, card, scene_kw=site_kw)
    site_seeds = list(SITE_SEEDS)[: args.site_scenes]
    rich_seeds = list(RICH_SITE_SEEDS)[: args.rich_scenes]
    sx, sy = site_samples(model, site_seeds, args.size, rich_seeds, args.jobs, site_kw)
    sites = fit(sx, sy, **SITE_PARAMS)
    card["training"].update(
        site_scenes=site_seeds, rich_site_scenes=rich_seeds, sites=len(sy), true_sites=int(sy.sum())
    )
    if args.wide_sensor:
        card["training"].update(
            wide_sensor_share=args.wide_sensor,
            wide_sensor=WIDE_SENSOR,
            wide_sensor_stage=args.wide_sensor_stage,
        )
    card["training"]["spectral_jitter"] = args.spectral_jitter
    print(
        f"site classifier: {len(sy)} candidates ({int(sy.sum())} true), {time.time() - t0:.0f} s", flush=True
    )
    model = DumpModel(pixels, card, sites, context)
    val_model = cross_fit(fold_pixels, card, sites, site_kw)[0] if args.cross_fit else model
    val_seeds = list(VALIDATION_SEEDS)[: args.validation]
    rich_val = list(RICH_VALIDATION_SEEDS)[: args.rich_validation]
    cut, best_f1, grid = tune_site_threshold(val_model, val_seeds, args.size, rich_val, args.jobs, site_kw)
    card["training"].update(validation_scenes=val_seeds, rich_validation_scenes=rich_val)
    card["thresholds"]["site"] = best_f1
    card["thresholds"]["confident"] = max(cut, best_f1)
    card["site_target_precision_ge_0.5ha"] = TARGET_PRECISION
    card["threshold_grid"] = grid
    card["train_seconds"] = round(time.time() - t0, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    stages = {"pixels": pixels, "sites": sites} | ({"context": context} if context is not None else {})
    joblib.dump(stages, args.out / f"{MODEL_NAME}.joblib", compress=3)
    (args.out / f"{MODEL_NAME}.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out / MODEL_NAME}.joblib/.json; site >= {best_f1} (best F1), confident >= {cut}; "
        f"{card['train_seconds']} s",
        flush=True,
    )


def _with_split(scene_kw, split: str):
    """``scene_kw`` with every scene drawn from ``split`` of the spectral library."""
    return lambda seed: {**(scene_kw(seed) if scene_kw is not None else {}), "split": split}


def reuse_pixels(path: Path):
    """The pixel classifier and card of an earlier run (the site stage is trained anew)."""
    card = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    if tuple(card["features"]) != FEATURE_NAMES:
        raise SystemExit(f"{path}: its pixel classifier uses other features; train without --pixels-from")
    card["site_features"] = list(OBJECT_FEATURES)
    card["thresholds"] = {**Thresholds().with_card({}).__dict__}
    for key in ("threshold_grid", "train_seconds"):
        card.pop(key, None)
    stages = joblib.load(path)
    if stages.get("context") is None:
        card.pop("context_features", None)
        card["training"].pop("context", None)
    return stages["pixels"], stages.get("context"), card


def _pixel_stage(args, seeds, scene_kw=None, first=None):
    """(classifier, scene parameters, pixels, waste pixels, hard negatives) of one pixel stage fitted on
    ``seeds``: a first fit, then again with its hard negatives added. ``first`` makes it the context stage.
    """
    rng = np.random.default_rng(0)
    power = getattr(args, "small_site_weight", SMALL_SITE_WEIGHT)
    xs, ys, has, scenes, pools = [], [], [], [], []
    for seed in seeds:
        extra = scene_kw(seed) if scene_kw is not None else {}
        x, y, ha, params, pool = scene_samples(seed, args.size, rng, args.background, first, **extra)
        xs.append(x)
        ys.append(y)
        has.append(ha)
        scenes.append(params)
        pools.append(pool)
        print(f"scene {seed}: {params['biome']} month {params['month']}, {int(y.sum())} waste px", flush=True)
    x, y, ha = np.concatenate(xs), np.concatenate(ys), np.concatenate(has)
    clf = fit(x, y, pixel_weights(y, ha, power))
    hard = np.concatenate([hard_negatives(clf, pool, rng, args.background // 2) for pool in pools])
    del pools
    x, y = np.concatenate([x, hard]), np.r_[y, np.zeros(len(hard), np.int8)]
    ha = np.r_[ha, np.zeros(len(hard))]
    clf = fit(x, y, pixel_weights(y, ha, power))
    print(f"pixel classifier: {len(y)} pixels ({int(y.sum())} waste)", flush=True)
    return clf, scenes, len(y), int(y.sum()), len(hard)


def train_context(args, pixels, card: dict, scene_kw=None):
    """The context stage (a second pixel classifier on the features and the first score's
    neighbourhood), fitted on ``args.scenes`` scenes the first stage never saw; records it in ``card``.
    """
    first = DumpModel(pixels, card)
    seeds = list(CONTEXT_SEEDS)[: args.scenes]
    context, scenes, n, waste, hard = _pixel_stage(args, seeds, scene_kw, first)
    card["context_features"] = list(CONTEXT_FEATURES)
    card["training"]["context"] = {
        "scenes": scenes,
        "pixels": n,
        "waste_pixels": waste,
        "hard_negative_pixels": hard,
    }
    return context


def train_pixels(args, scene_kw=None):
    """The pixel classifier and a model card, from ``args.scenes`` scenes (``scene_kw`` as for the sites)."""
    power = getattr(args, "small_site_weight", SMALL_SITE_WEIGHT)
    pixels, scenes, n, waste, hard = _pixel_stage(args, list(TRAIN_SEEDS)[: args.scenes], scene_kw)
    card = {
        "model": MODEL_NAME,
        "estimator": "sklearn.ensemble.HistGradientBoostingClassifier (pixels, then sites)",
        "sklearn_version": sklearn.__version__,
        "features": list(FEATURE_NAMES),
        "site_features": list(OBJECT_FEATURES),
        "training": {
            "pixel_scenes": scenes,
            "size_px": args.size,
            "pixels": n,
            "waste_pixels": waste,
            "hard_negative_pixels": hard,
            "small_site_weight": power,
            "spectra_split": (scene_kw(TRAIN_SEEDS[0]) if scene_kw else {}).get("split", "train"),
            "lookalike_kinds": list(TRAIN_KINDS),
            "held_out_lookalikes": list(HELD_OUT_LOOKALIKES),
        },
        "thresholds": {**Thresholds().with_card({}).__dict__},
    }
    return pixels, card


if __name__ == "__main__":
    main()
