"""Train the dump-detection pixel classifier shipped in ``kzgeo/models`` (run by ``make model``).

    .venv/bin/python scripts/train_dump_model.py [--scenes 8] [--size 768] [--out src/kzgeo/models]

1. Generate training scenes with :mod:`kzgeo.synth` from the ``train`` half of the spectral library,
   over all biomes and months, with every look-alike kind except the held-out ones
   (:data:`HELD_OUT_LOOKALIKES`, kept for the evaluation in ``benchmarks/eval_dumps.py``).
2. Compute the detector's features (:func:`kzgeo.dumps.compute_features`) and sample pixels: every
   waste pixel, the pixels of look-alikes, and random background; weight the classes evenly.
3. Fit a ``HistGradientBoostingClassifier``.
4. Choose the hysteresis thresholds that maximise object F1 on separate validation scenes.
5. Write ``dumps_hgb.joblib`` and its card ``dumps_hgb.json`` (features, thresholds, data, timing).

Deterministic for a given scikit-learn version; about 5 minutes on 2 cores. Needs ``earthlib``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier

from kzgeo.dumps import FEATURE_NAMES, Thresholds, compute_features, spectral_mask
from kzgeo.dumps.evaluate import match_sites, sites_from_score
from kzgeo.dumps.model import MODEL_NAME, DumpModel
from kzgeo.synth import DUMP_KINDS, LOOKALIKE_KINDS, generate_scene

HELD_OUT_LOOKALIKES = ("solar_farm", "rail_yard")
TRAIN_KINDS = tuple(k for k in LOOKALIKE_KINDS if k not in HELD_OUT_LOOKALIKES)
TRAIN_SEEDS = range(1000, 1100)
VALIDATION_SEEDS = range(2000, 2100)
MAX_NDVI = Thresholds().max_ndvi


def scene_samples(seed: int, size: int, rng: np.random.Generator, n_background: int):
    scene = generate_scene(seed, size, split="train", lookalike_kinds=TRAIN_KINDS)
    feats = compute_features(scene.data, spectral_mask(scene.data))
    ndvi = feats[FEATURE_NAMES.index("ndvi")]
    with np.errstate(invalid="ignore"):
        candidate = np.isfinite(feats).all(axis=0) & (ndvi < MAX_NDVI)
    waste = scene.truth_mask(DUMP_KINDS)
    look = scene.truth_mask(TRAIN_KINDS)
    pos = np.flatnonzero((candidate & waste).ravel())
    hard = np.flatnonzero((candidate & look & ~waste).ravel())
    rest = np.flatnonzero((candidate & ~look & ~waste).ravel())
    hard = rng.choice(hard, min(len(hard), n_background // 2), replace=False)
    rest = rng.choice(rest, min(len(rest), n_background), replace=False)
    idx = np.concatenate([pos, hard, rest])
    y = np.r_[np.ones(len(pos)), np.zeros(len(hard) + len(rest))].astype(np.int8)
    return feats.reshape(len(FEATURE_NAMES), -1)[:, idx].T, y, scene.params


def tune_thresholds(model: DumpModel, seeds, size: int) -> tuple[dict, list]:
    from kzgeo.dumps.detect import score_cube

    scored = []
    for seed in seeds:
        scene = generate_scene(seed, size, split="train", lookalike_kinds=TRAIN_KINDS)
        scored.append((scene, score_cube(scene.data, model)))
    grid = []
    for high in (0.5, 0.6, 0.7, 0.8, 0.9):
        for low_share in (0.5, 0.7):
            th = Thresholds(high=high, low=high * low_share)
            ev = None
            for scene, score in scored:
                sites = sites_from_score(score, scene.transform, scene.crs, th)
                e = match_sites(sites, scene.truth, area_km2=scene.data.shape[1] * scene.data.shape[2] / 1e4)
                ev = e if ev is None else ev + e
            p, r, f1 = ev.prf()
            grid.append(
                {"high": high, "low": round(high * low_share, 3), "precision": p, "recall": r, "f1": f1}
            )
            print(
                f"  high={high:.2f} low={high * low_share:.2f}  P={p:.3f} R={r:.3f} F1={f1:.3f}", flush=True
            )
    best = max(grid, key=lambda g: g["f1"])
    return {"high": best["high"], "low": best["low"]}, grid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=8, help="training scenes")
    ap.add_argument("--validation", type=int, default=3, help="validation scenes for the thresholds")
    ap.add_argument("--size", type=int, default=768, help="scene size, pixels")
    ap.add_argument("--background", type=int, default=40_000, help="background pixels sampled per scene")
    ap.add_argument("--out", type=Path, default=Path("src/kzgeo/models"))
    args = ap.parse_args()
    t0 = time.time()
    rng = np.random.default_rng(0)
    xs, ys, scenes = [], [], []
    for seed in list(TRAIN_SEEDS)[: args.scenes]:
        x, y, params = scene_samples(seed, args.size, rng, args.background)
        xs.append(x)
        ys.append(y)
        scenes.append(params)
        print(f"scene {seed}: {params['biome']} month {params['month']}, {int(y.sum())} waste px", flush=True)
    x, y = np.concatenate(xs), np.concatenate(ys)
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    clf = HistGradientBoostingClassifier(
        max_iter=250,
        learning_rate=0.08,
        max_leaf_nodes=31,
        min_samples_leaf=50,
        l2_regularization=1.0,
        random_state=0,
    )
    t1 = time.time()
    clf.fit(x, y, sample_weight=weight)
    fit_s = time.time() - t1
    print(f"fitted on {len(y)} pixels ({int(y.sum())} waste) in {fit_s:.0f} s", flush=True)
    card = {
        "model": MODEL_NAME,
        "estimator": "sklearn.ensemble.HistGradientBoostingClassifier",
        "sklearn_version": sklearn.__version__,
        "features": list(FEATURE_NAMES),
        "training": {
            "scenes": scenes,
            "size_px": args.size,
            "pixels": len(y),
            "waste_pixels": int(y.sum()),
            "spectra_split": "train",
            "lookalike_kinds": list(TRAIN_KINDS),
            "held_out_lookalikes": list(HELD_OUT_LOOKALIKES),
        },
        "thresholds": {**Thresholds().__dict__},
    }
    model = DumpModel(clf, card)
    best, grid = tune_thresholds(model, list(VALIDATION_SEEDS)[: args.validation], args.size)
    card["thresholds"].update(best)
    card["threshold_grid"] = grid
    card["train_seconds"] = round(time.time() - t0, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    joblib.dump(clf, args.out / f"{MODEL_NAME}.joblib", compress=3)
    (args.out / f"{MODEL_NAME}.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out / MODEL_NAME}.joblib/.json; thresholds {best}; {card['train_seconds']} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
