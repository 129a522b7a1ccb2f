"""Evaluate the dump detector on held-out synthetic scenes, against single-index baselines.

    .venv/bin/python benchmarks/eval_dumps.py [--scenes 16] [--rich 8] [--size 1024]

Held out from training in four ways: other seeds (so other layouts, biomes, months, haze, clouds),
the ``test`` half of the spectral library (spectra the model never saw), two look-alike kinds the
model never saw (solar farms, rail yards), and look-alike-rich scenes (60 look-alikes and 10 dumps
in 105 km²). Sixteen held-out and eight look-alike-rich scenes by default: with fewer, a target is
decided by two or three sites (95 % intervals are printed for the figures the targets name).
Object-level precision / recall / F1 at IoU >= 0.25, recall per size bin, false alarms per
100 km² and by kind, median area error; a segmentation check traces each false alarm and missed site
of the held-out scenes to a true site, a rejected candidate or nothing; a sweep of the site cut shows
what no threshold can reach. Baselines: BSI, NDBI and
plastic-index thresholds, each tuned for object F1 on the training generator's validation scenes,
then segmented like the detector.
Finally the detector runs on the real Sentinel-2 L1C crop in ``../shared/data/rasters/eo-box_s2l1c``.

The detector is scored at two operating points of the model card: all sites (``thresholds.site``,
chosen for the best object F1 on validation scenes) and the ``confident`` tier only
(``thresholds.confident``, chosen on the same scenes for precision >= 0.90 on sites >= 0.5 ha).

Writes ``benchmarks/out/eval_dumps.json`` and prints a Markdown summary. Synthetic scores are an
upper bound for real imagery.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from rasterio import features as rfeatures
from scipy import stats

from kzgeo.dumps import Thresholds, detect_dumps, load_model, spectral_mask
from kzgeo.dumps.evaluate import SIZE_BINS, WASTE_KINDS, Evaluation, _objects, match_sites, sites_from_score
from kzgeo.synth import generate_scene

ROOT = Path(__file__).resolve().parent
REAL = ROOT.parent.parent / "shared" / "data" / "rasters" / "eo-box_s2l1c"
HELD_OUT_SEEDS = range(5000, 5100)
RICH_SEEDS = range(6000, 6100)
TUNE_SEEDS = range(2000, 2100)  # the training script's validation scenes
SWEEP = (0.0, 0.3, 0.5, 0.7, 0.9)
"""Site cuts of the sweep: what the site threshold could trade, and the ceiling the pixel stage and the
segmentation leave (cut 0: every candidate kept). For reading only; the thresholds come from the model
card, chosen on the training generator's validation scenes."""


def _idx(scene, name: str) -> np.ndarray:
    b = scene.bands
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "BSI":
            v = ((b["B11"] + b["B04"]) - (b["B08"] + b["B02"])) / (
                (b["B11"] + b["B04"]) + (b["B08"] + b["B02"])
            )
        elif name == "NDBI":
            v = (b["B11"] - b["B08"]) / (b["B11"] + b["B08"])
        else:  # plastic index B8/(B8+B4): waste is less green, so a low PI flags it
            v = -(b["B08"] / (b["B08"] + b["B04"]))
    v[spectral_mask(scene.data)] = np.nan
    return v


BASELINE_GRIDS = {
    "BSI": np.arange(-0.2, 0.45, 0.05),
    "NDBI": np.arange(-0.3, 0.45, 0.05),
    "PI": -np.arange(0.50, 0.86, 0.02),  # PI < t, as -PI > -t
}


def _valid_region(scene) -> gpd.GeoSeries:
    valid = (np.isfinite(scene.data).all(axis=0) & ~scene.cloud).astype(np.uint8)
    shapes = [
        shapely.geometry.shape(g) for g, v in rfeatures.shapes(valid, transform=scene.transform) if v == 1
    ]
    return gpd.GeoSeries(shapes, crs=scene.crs)


def _evaluate(scene, sites) -> Evaluation:
    region = _valid_region(scene)
    area_km2 = float(region.area.sum()) / 1e6
    return match_sites(sites, scene.truth, valid=region, area_km2=area_km2)


def _at_cuts(scene, found, cuts) -> dict[float, Evaluation]:
    """The scene's evaluation of the sites scoring at least each cut, each distinct cut once."""
    return {cut: _evaluate(scene, found[found["score"] >= cut]) for cut in set(cuts)}


@dataclass(frozen=True)
class _IndexCut:
    """Hysteresis at one cut of an index (-1..1, so not a Thresholds, whose scores lie in 0..1)."""

    high: float
    low: float
    min_area_ha: float = Thresholds.min_area_ha


def _baseline_sites(scene, name: str, cut: float):
    return sites_from_score(_idx(scene, name), scene.transform, scene.crs, _IndexCut(high=cut, low=cut))


def segmentation_check(scene, candidates: gpd.GeoDataFrame, cut: float) -> dict[str, int]:
    """Where the reported sites (score >= ``cut``) go wrong, against every candidate site.

    False alarms that overlap a true site (a site grown out of, or cut from, a true one) and missed
    true sites by what covers them: a reported site at IoU < 0.25 (a segmentation miss), a candidate
    at IoU >= 0.25 that the site classifier rejected, only candidates at IoU < 0.25, or nothing.
    """
    region = _valid_region(scene)
    cand = candidates.to_crs(scene.crs)
    ev = match_sites(cand[cand["score"] >= cut], scene.truth, valid=region)
    union = shapely.union_all(region.to_numpy())
    objs = _objects(scene.truth[scene.truth.kind.isin(WASTE_KINDS)].geometry.to_numpy())
    if len(objs):
        objs = objs[shapely.area(shapely.intersection(objs, union)) / shapely.area(objs) >= 0.5]
    geoms = cand.geometry.to_numpy()
    reported = cand["score"].to_numpy() >= cut
    out = dict.fromkeys(
        (
            "false_alarms",
            "false_alarms_on_true_site",
            "missed",
            "missed_reported_iou_lt_0.25",
            "missed_rejected_iou_ge_0.25",
            "missed_candidate_iou_lt_0.25",
            "missed_no_candidate",
        ),
        0,
    )
    rep = geoms[reported]
    for i in ev.detections.index[~ev.detections["matched"].to_numpy()]:
        out["false_alarms"] += 1
        out["false_alarms_on_true_site"] += int(len(objs) > 0 and shapely.intersects(rep[i], objs).any())
    for i in ev.truth.index[~ev.truth["matched"].to_numpy()]:
        out["missed"] += 1
        o = objs[i]
        hit = shapely.intersects(geoms, o) if len(geoms) else np.zeros(0, bool)
        if not hit.any():
            out["missed_no_candidate"] += 1
            continue
        iou = np.zeros(len(geoms))
        iou[hit] = shapely.area(shapely.intersection(geoms[hit], o)) / shapely.area(
            shapely.union(geoms[hit], o)
        )
        if (hit & reported).any():
            out["missed_reported_iou_lt_0.25"] += 1
        elif (iou >= 0.25).any():
            out["missed_rejected_iou_ge_0.25"] += 1
        else:
            out["missed_candidate_iou_lt_0.25"] += 1
    return out


def tune_baselines(size: int, n: int) -> dict[str, float]:
    scenes = [generate_scene(s, size, split="train") for s in list(TUNE_SEEDS)[:n]]
    best = {}
    for name, grid in BASELINE_GRIDS.items():
        scores = []
        for cut in grid:
            ev = sum((_evaluate(s, _baseline_sites(s, name, cut)) for s in scenes), Evaluation())
            scores.append(ev.prf()[2])
        best[name] = float(grid[int(np.nanargmax(scores))])
    return best


def summarise(ev: Evaluation) -> dict:
    p, r, f1 = ev.prf()
    p5, r5, f5 = ev.prf(min_ha=0.5)
    return {
        "truth_sites": len(ev.truth),
        "detections": len(ev.detections),
        "precision": p,
        "recall": r,
        "f1": f1,
        "precision_ge_0.5ha": p5,
        "recall_ge_0.5ha": r5,
        "f1_ge_0.5ha": f5,
        "recall_by_size": ev.recall_by_size(),
        "truth_by_size": {
            name: int(((ev.truth.area_ha >= lo) & (ev.truth.area_ha < hi)).sum())
            for lo, hi, name in SIZE_BINS
        },
        "false_alarms_per_100km2": ev.false_alarms_per_100km2(),
        "false_alarms_by_kind": {k: int(v) for k, v in ev.false_alarms().items()},
        "median_area_error_pct": ev.median_area_error_pct(),
        "area_km2": ev.area_km2,
    }


def _swept(held_out: Evaluation, rich: Evaluation) -> dict:
    return {**summarise(held_out), "lookalike_rich_false_alarms_per_100km2": rich.false_alarms_per_100km2()}


def real_scene(model=None) -> dict:
    if not REAL.exists():
        return {"skipped": f"{REAL} not found"}
    t0 = time.perf_counter()
    sites = detect_dumps(REAL, model=model)
    seconds = time.perf_counter() - t0
    return {
        "scene": str(REAL.relative_to(ROOT.parent.parent)),
        "sites": len(sites),
        "confident": int((sites["tier"] == "confident").sum()),
        "area_ha_total": float(sites["area_ha"].sum()),
        "area_ha_median": float(sites["area_ha"].median()) if len(sites) else None,
        "largest": sites.nlargest(5, "area_ha")[["score", "area_ha"]].round(3).to_dict("records"),
        "centroids_lonlat_top5": [
            (round(p.x, 4), round(p.y, 4)) for p in sites.head(5).geometry.representative_point()
        ],
        "seconds": round(seconds, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=16, help="held-out scenes")
    ap.add_argument("--rich", type=int, default=8, help="look-alike-rich scenes")
    ap.add_argument("--tune", type=int, default=2, help="scenes to tune the baselines on")
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--model", help="a .joblib of scripts/train_dump_model.py (default: the shipped model)")
    ap.add_argument("--out", default="eval_dumps.json", help="result file in benchmarks/out/")
    args = ap.parse_args()
    model = load_model(args.model)
    t0 = time.perf_counter()
    cuts = tune_baselines(args.size, args.tune)
    print(f"baseline thresholds (tuned on the training generator): {cuts}", flush=True)
    card = model.card["thresholds"]
    points = {"detector": card["site"], "detector_confident": card.get("confident") or (card["site"] + 1) / 2}
    # every candidate site (the site threshold only filters the output), for the segmentation check
    low = Thresholds.from_card({"thresholds": card}, site=0.0)
    seg: dict[str, int] = {}
    evals = {name: Evaluation() for name in points}
    sweep = {cut: [Evaluation(), Evaluation()] for cut in SWEEP}  # held-out, look-alike-rich
    baselines = {name: Evaluation() for name in cuts}
    for seed in list(HELD_OUT_SEEDS)[: args.scenes]:
        scene = generate_scene(seed, args.size, split="test")
        found = detect_dumps(scene, thresholds=low, model=model)
        for k, v in segmentation_check(scene, found, points["detector"]).items():
            seg[k] = seg.get(k, 0) + v
        at = _at_cuts(scene, found, [*points.values(), *SWEEP])
        for name, cut in points.items():
            evals[name] = evals[name] + at[cut]
        for cut in SWEEP:
            sweep[cut][0] = sweep[cut][0] + at[cut]
        ev = at[points["detector"]]
        for name, cut in cuts.items():
            baselines[name] = baselines[name] + _evaluate(scene, _baseline_sites(scene, name, cut))
        p, r, f1 = ev.prf()
        print(
            f"scene {seed} {scene.params['biome']} m{scene.params['month']}: P={p:.2f} R={r:.2f} F1={f1:.2f}",
            flush=True,
        )
    rich = {name: Evaluation() for name in points}
    for seed in list(RICH_SEEDS)[: args.rich]:
        scene = generate_scene(seed, args.size, split="test", n_lookalikes=60, n_dumps=10)
        found = detect_dumps(scene, thresholds=low, model=model)
        at = _at_cuts(scene, found, [*points.values(), *SWEEP])
        for name, cut in points.items():
            rich[name] = rich[name] + at[cut]
        for cut in SWEEP:
            sweep[cut][1] = sweep[cut][1] + at[cut]
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "scenes": args.scenes,
        "size_px": args.size,
        "site_thresholds": points,
        **{name: summarise(ev) for name, ev in evals.items()},
        "lookalike_rich": summarise(rich["detector"]),
        "lookalike_rich_confident": summarise(rich["detector_confident"]),
        "segmentation_check": seg,
        "intervals_95": {name: intervals(evals[name], rich[name]) for name in points},
        "site_cut_sweep": {f"{cut:.2f}": _swept(*evs) for cut, evs in sweep.items()},
        "baselines": {name: {"threshold": cuts[name], **summarise(ev)} for name, ev in baselines.items()},
        "real_s2_crop": real_scene(model),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    (out / args.out).write_text(json.dumps(result, indent=1, default=float) + "\n", encoding="utf-8")
    print(_markdown(result))


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n``."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (float(max(centre - half, 0.0)), float(min(centre + half, 1.0)))


def _poisson(k: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson count ``k``."""
    a = (1 - level) / 2
    lo = stats.chi2.ppf(a, 2 * k) / 2 if k else 0.0
    return (float(lo), float(stats.chi2.ppf(1 - a, 2 * k + 2) / 2))


def intervals(held_out: Evaluation, rich: Evaluation) -> dict:
    """95 % intervals of the figures the targets name: recall of 0.1-0.5 ha sites, precision and recall
    of sites >= 0.5 ha (Wilson), false alarms per 100 km² on look-alike-rich scenes (exact Poisson)."""
    t, d = held_out.truth, held_out.detections
    small = t[(t.area_ha >= 0.1) & (t.area_ha < 0.5)]
    big_t, big_d = t[t.area_ha >= 0.5], d[d.area_ha >= 0.5] if len(d) else d
    fa = int((~rich.detections.matched).sum()) if len(rich.detections) else 0
    per = 100.0 / rich.area_km2 if rich.area_km2 else float("nan")

    def share(frame) -> list:
        k = int(frame.matched.sum()) if len(frame) else 0
        return [k, len(frame), *_wilson(k, len(frame))]

    return {
        "recall_0.1-0.5ha": share(small),
        "recall_ge_0.5ha": share(big_t),
        "precision_ge_0.5ha": share(big_d),
        "lookalike_rich_false_alarms": [fa, rich.area_km2, *(x * per for x in _poisson(fa))],
    }


def _markdown(r: dict) -> str:
    pts = r["site_thresholds"]
    rows = [
        (f"detector, all sites (score >= {pts['detector']:.2f})", r["detector"]),
        (f"detector, confident (score >= {pts['detector_confident']:.2f})", r["detector_confident"]),
        *((f"{k} > {v['threshold']:.2f}", v) for k, v in r["baselines"].items()),
    ]
    lines = [
        "| method | P | R | F1 | P ≥0.5 ha | R ≥0.5 ha | F1 ≥0.5 ha | R <0.1 | R 0.1–0.5 | R 0.5–1 | R >1 | "
        "FA/100 km² | median area err % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in rows:
        rb = list(s["recall_by_size"].values())
        lines.append(
            f"| {name} | {s['precision']:.2f} | {s['recall']:.2f} | {s['f1']:.2f} | "
            f"{s['precision_ge_0.5ha']:.2f} | {s['recall_ge_0.5ha']:.2f} | {s['f1_ge_0.5ha']:.2f} | "
            + " | ".join(f"{x:.2f}" for x in rb)
            + f" | {s['false_alarms_per_100km2']:.1f} | {s['median_area_error_pct']:.0f} |"
        )
    lines.append("")
    for key in ("lookalike_rich", "lookalike_rich_confident"):
        lr = r[key]
        lines.append(
            f"{key}: FA/100 km² = {lr['false_alarms_per_100km2']:.1f}, by kind {lr['false_alarms_by_kind']}, "
            f"F1 = {lr['f1']:.2f}, P/R/F1 >= 0.5 ha = {lr['precision_ge_0.5ha']:.2f}/"
            f"{lr['recall_ge_0.5ha']:.2f}/{lr['f1_ge_0.5ha']:.2f}"
        )
    for key in ("detector", "detector_confident"):
        lines.append(f"held-out false alarms by kind ({key}): {r[key]['false_alarms_by_kind']}")
    lines.append(f"segmentation check (held-out, all sites): {r['segmentation_check']}")
    for key, iv in r["intervals_95"].items():
        (ks, ns, slo, shi), (kp, np_, plo, phi) = iv["recall_0.1-0.5ha"], iv["precision_ge_0.5ha"]
        fa, km2, flo, fhi = iv["lookalike_rich_false_alarms"]
        lines.append(
            f"95 % intervals ({key}): recall 0.1-0.5 ha {ks}/{ns} [{slo:.2f}, {shi:.2f}]; "
            f"precision >= 0.5 ha {kp}/{np_} [{plo:.2f}, {phi:.2f}]; "
            f"look-alike-rich false alarms {fa} in {km2:.0f} km2, [{flo:.1f}, {fhi:.1f}] / 100 km2"
        )
    lines += [
        "",
        "| site cut (sweep, for reading only) | P | R | F1 ≥0.5 ha | P ≥0.5 ha | R 0.1–0.5 | FA/100 km² "
        "| FA rich |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cut, s in r["site_cut_sweep"].items():
        lines.append(
            f"| ≥ {cut} | {s['precision']:.2f} | {s['recall']:.2f} | {s['f1_ge_0.5ha']:.2f} | "
            f"{s['precision_ge_0.5ha']:.2f} | {s['recall_by_size']['0.1-0.5 ha']:.2f} | "
            f"{s['false_alarms_per_100km2']:.1f} | {s['lookalike_rich_false_alarms_per_100km2']:.1f} |"
        )
    lines.append("")
    lines.append(f"real S2 crop: {r['real_s2_crop']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
