"""Compare site-stage variants on one fixed set of candidate sites: minutes a variant, not a retraining.

    .venv/bin/python benchmarks/site_stage_dumps.py [committed refit seeds5 ring_z merge20 ...] [--jobs 2]

The shipped pixel stage outlines, once, the candidate sites (with their part sums) of the training
script's site scenes (384 + 192), its validation scenes (16 + 8) and the held-out scenes of
``eval_dumps.py`` (16 + 8); they are kept in ``benchmarks/out/site_stage_cache/`` (about 22 minutes
on 2 cores the first time; delete the folder when the pixel stage or the generator changes). Each
variant is then fitted on the training candidates with the shipped site settings (about 90 s a fit),
its cut chosen for the best object F1 on the validation scenes as the training script chooses it,
and scored on the held-out scenes at its own cut and at 0.70, 0.84 and 0.90.

Variants:

- ``committed``: the shipped site classifier (reproduces ``eval_dumps.py``);
- ``refit``: the shipped settings fitted again (seed 0): how far a refit moves;
- ``seeds5``: the mean probability of five fits with seeds 0-4 (each stops early on another split);
- ``ring_z``: four more site features, each ring contrast divided by the ring's spread;
- ``merge20``: the shipped classifier, reported sites less than 20 m apart merged into one (the
  evaluation's own grouping of waste parts);
- ``drop_fragments``: the shipped settings fitted without the training candidates that match no true
  site but are at least 25 % waste (pieces of a dump the matching calls false, yet made of waste);
- ``fragments_true``: the shipped settings fitted with candidates at least 50 % waste labelled true.

The last two read the share of waste in each training candidate from the truth of its scene,
regenerated once (about 3 minutes) and cached beside the candidates.

Adds its variants to ``benchmarks/out/site_stage_dumps.json`` (each with the time it ran; variants
not run keep their earlier results) and prints one line per variant and cut.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from kzgeo.area import hectares
from kzgeo.dumps import Thresholds, load_model
from kzgeo.dumps.detect import candidate_sites, touching_groups
from kzgeo.dumps.evaluate import WASTE_KINDS, Evaluation, match_sites
from kzgeo.dumps.objects import RING_SPREAD_INPUTS, object_features
from kzgeo.synth import generate_scene

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT.parent / "scripts")]

import train_dump_model as tdm  # noqa: E402
from eval_dumps import HELD_OUT_SEEDS, RICH_SEEDS, _valid_region, summarise  # noqa: E402

CACHE = ROOT / "out" / "site_stage_cache"
CUTS = (0.70, 0.84, 0.90)
HELD, RICH = 16, 8
MERGE_GAP_M = 20.0


def _held_scene(seed: int, rich: bool, model) -> tuple:
    with threadpool_limits(1):
        kw = {"n_lookalikes": 60, "n_dumps": 10} if rich else {}
        scene = generate_scene(seed, 1024, split="test", **kw)
        region = _valid_region(scene)
        cands = candidate_sites(scene.data, scene.transform, scene.crs, model)
        return cands, scene.truth, region, float(region.area.sum()) / 1e6


def _cached(name: str, make):
    path = CACHE / f"{name}.pkl"
    if not path.exists():
        t0 = time.perf_counter()
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump(make(), f)
        tmp.replace(path)
        print(f"cached {name}: {time.perf_counter() - t0:.0f} s", flush=True)
    with path.open("rb") as f:
        return pickle.load(f)


def candidates(jobs: int) -> tuple[list, list, list]:
    """(training candidates and labels, validation scenes, held-out scenes) of the shipped pixel stage."""
    model = load_model()

    def site():
        seeds = list(tdm.SITE_SEEDS)[:384]
        rich = list(tdm.RICH_SITE_SEEDS)[:192]
        _, scenes = tdm._site_scenes(model, seeds, rich, 768, jobs, dense=True)
        labels = [match_sites(c, t).detections["matched"].to_numpy().astype(np.int8) for c, t, _ in scenes]
        return [(c, y) for (c, _, _), y in zip(scenes, labels, strict=True)]

    def val():
        seeds = list(tdm.VALIDATION_SEEDS)[:16]
        rich = list(tdm.RICH_VALIDATION_SEEDS)[:8]
        return tdm._site_scenes(model, seeds, rich, 768, jobs, dense=False)[1]

    def held():
        tasks = [(s, False) for s in list(HELD_OUT_SEEDS)[:HELD]]
        tasks += [(s, True) for s in list(RICH_SEEDS)[:RICH]]
        scenes = Parallel(n_jobs=jobs)(delayed(_held_scene)(s, r, model) for s, r in tasks)
        return [(rich, *scene) for (_, rich), scene in zip(tasks, scenes, strict=True)]

    return _cached("site", site), _cached("validation", val), _cached("held_out", held)


def _site_truth(seed: int, rich: bool):
    with threadpool_limits(1):
        kw = {"n_lookalikes": 60, "n_dumps": 10} if rich else {"n_dumps": 30 + seed % 15}
        return tdm._scene(seed, 768, **kw).truth  # as tdm._site_scenes draws it (dense)


def waste_shares(train: list, jobs: int) -> np.ndarray:
    """Share of each training candidate's area that is waste (dump, landfill or overspill)."""

    def truths():
        tasks = [(s, False) for s in list(tdm.SITE_SEEDS)[:384]]
        tasks += [(s, True) for s in list(tdm.RICH_SITE_SEEDS)[:192]]
        return Parallel(n_jobs=jobs)(delayed(_site_truth)(s, r) for s, r in tasks)

    shares = []
    for (cands, _), truth in zip(train, _cached("site_truth", truths), strict=True):
        if not len(cands):
            continue
        waste = shapely.union_all(truth.geometry[truth.kind.isin(WASTE_KINDS)].to_numpy())
        geoms = cands.geometry.to_numpy()
        shares.append(shapely.area(shapely.intersection(geoms, waste)) / shapely.area(geoms))
    return np.concatenate(shares)


def ring_z(cands) -> np.ndarray:
    f = object_features(cands)
    for name in RING_SPREAD_INPUTS:
        with np.errstate(divide="ignore", invalid="ignore"):
            f[f"ring_z_{name}"] = f[f"ring_contrast_{name}"] / (f[f"ring_std_{name}"] + 1e-3)
    return f.to_numpy()


def plain(cands) -> np.ndarray:
    return object_features(cands).to_numpy()


def merged(sites, gap_m: float):
    """Sites less than ``gap_m`` apart as one (metric CRS; score the highest of the parts)."""
    if len(sites) < 2:
        return sites
    out = sites[["geometry", "p"]].assign(group=touching_groups(sites.geometry.to_numpy(), gap_m))
    return out.dissolve(by="group", aggfunc={"p": "max"}).reset_index(drop=True)


def _evaluation(scenes, cut: float, gap_m: float, held_out: bool) -> Evaluation:
    ev = Evaluation()
    for cands, p, truth, region, km2 in scenes:
        keep = p >= cut
        sites = cands[keep].copy() if len(cands) else cands  # the copy also defragments the frame
        if len(cands):
            sites["p"] = p[keep]
        sites = merged(sites, gap_m) if gap_m else sites
        if held_out and len(sites):
            sites = sites.to_crs(4326)
            sites = sites[hectares(sites) >= Thresholds().min_area_ha - 1e-9]  # as detect_dumps drops them
        ev = ev + match_sites(sites, truth, valid=region, area_km2=km2)
    return ev


def variant(name: str, train: list, jobs: int):
    """(features of candidates, probability of features) of a variant, fitted on ``train``."""
    if name in ("committed", "merge20"):
        clf = load_model().sites
        return plain, lambda x: clf.predict_proba(x)[:, 1]
    feats = ring_z if name == "ring_z" else plain
    x = np.concatenate([feats(c) for c, _ in train])
    y = np.concatenate([label for _, label in train])
    if name in ("drop_fragments", "fragments_true"):
        share = waste_shares(train, jobs)
        if name == "drop_fragments":
            keep = (y == 1) | (share < 0.25)
            x, y = x[keep], y[keep]
        else:
            y = np.where(share >= 0.5, 1, y).astype(np.int8)
    seeds = range(5 if name == "seeds5" else 1)
    clfs = [tdm.fit(x, y, random_state=seed, **tdm.SITE_PARAMS) for seed in seeds]
    return feats, lambda x: np.mean([c.predict_proba(x)[:, 1] for c in clfs], axis=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variants", nargs="*", default=["committed", "refit", "seeds5", "ring_z", "merge20"])
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    train, val, held = candidates(args.jobs)
    out = {}
    for name in args.variants:
        t0 = time.perf_counter()
        feats, predict = variant(name, train, args.jobs)
        gap = MERGE_GAP_M if name == "merge20" else 0.0

        def scored(scenes, feats=feats, predict=predict):
            return [(c, predict(feats(c)) if len(c) else np.array([]), *rest) for c, *rest in scenes]

        v = [(c, p, t, None, km2) for c, p, t, km2 in scored(val)]
        f1 = {float(cut): _evaluation(v, cut, gap, False).prf()[2] for cut in tdm.SITE_GRID}
        own = max(f1, key=f1.get)
        h = scored([s[1:] for s in held if not s[0]])
        r = scored([s[1:] for s in held if s[0]])
        rows = {}
        for cut in sorted({*CUTS, own}):
            s = summarise(_evaluation(h, cut, gap, True))
            rich_fa = _evaluation(r, cut, gap, True).false_alarms_per_100km2()
            s["lookalike_rich_false_alarms_per_100km2"] = rich_fa
            rows[f"{cut:.2f}"] = s
            print(
                f"{name} cut {cut:.2f}{' (own)' if cut == own else ''}: P {s['precision']:.2f} "
                f"F1 {s['f1']:.2f} | >= 0.5 ha P {s['precision_ge_0.5ha']:.2f} F1 {s['f1_ge_0.5ha']:.3f} | "
                f"R 0.1-0.5 ha {s['recall_by_size']['0.1-0.5 ha']:.2f} | FA/100 km2 "
                f"{s['false_alarms_per_100km2']:.1f}, look-alike-rich "
                f"{s['lookalike_rich_false_alarms_per_100km2']:.1f}",
                flush=True,
            )
        out[name] = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "validation_cut": own,
            "validation_f1": f1[own],
            "seconds": round(time.perf_counter() - t0, 1),
            "cuts": rows,
        }
    path = ROOT / "out" / "site_stage_dumps.json"
    earlier = json.loads(path.read_text(encoding="utf-8"))["variants"] if path.exists() else {}
    result = {"held_out_scenes": HELD, "rich_scenes": RICH, "variants": {**earlier, **out}}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=float) + "\n", encoding="utf-8")
    tmp.replace(path)  # variants run before and not now keep their results


if __name__ == "__main__":
    main()
