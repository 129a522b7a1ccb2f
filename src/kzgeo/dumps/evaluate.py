"""Object-level evaluation of detected sites against ground truth (for training and benchmarks).

Detections and truth objects are matched one to one, greedily by intersection over union (IoU); a
pair counts when IoU >= 0.25. Truth objects of the waste kinds that touch (a landfill and its
overspill) are one object. Unmatched detections are false alarms, attributed to the look-alike they
overlap most (or to ``background``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kzgeo.dumps.detect import Thresholds, _merge, _segment, _vectorise

__all__ = ["SIZE_BINS", "WASTE_KINDS", "Evaluation", "match_sites", "sites_from_score"]

SIZE_BINS = ((0.0, 0.1, "<0.1 ha"), (0.1, 0.5, "0.1-0.5 ha"), (0.5, 1.0, "0.5-1 ha"), (1.0, np.inf, ">1 ha"))
WASTE_KINDS = ("dump", "landfill", "overspill")
"""Truth kinds that are waste: a detection on them is a found site, not a false alarm."""


@dataclass
class Evaluation:
    """Counts from one or more scenes; add them with ``+``."""

    truth: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per truth object: area_ha, matched
    detections: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per site: area_ha, matched, kind
    area_km2: float = 0.0

    def __add__(self, other: Evaluation) -> Evaluation:
        return Evaluation(
            pd.concat([self.truth, other.truth], ignore_index=True),
            pd.concat([self.detections, other.detections], ignore_index=True),
            self.area_km2 + other.area_km2,
        )

    def prf(self, min_ha: float = 0.0, max_ha: float = np.inf) -> tuple[float, float, float]:
        """Precision, recall, F1 for truth objects and detections in a size range."""
        t = self.truth[(self.truth.area_ha >= min_ha) & (self.truth.area_ha < max_ha)]
        d = self.detections[(self.detections.area_ha >= min_ha) & (self.detections.area_ha < max_ha)]
        tp_t, tp_d = int(t.matched.sum()) if len(t) else 0, int(d.matched.sum()) if len(d) else 0
        recall = tp_t / len(t) if len(t) else float("nan")
        precision = tp_d / len(d) if len(d) else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        return precision, recall, f1

    def recall_by_size(self) -> dict[str, float]:
        out = {}
        for lo, hi, name in SIZE_BINS:
            t = self.truth[(self.truth.area_ha >= lo) & (self.truth.area_ha < hi)]
            out[name] = float(t.matched.mean()) if len(t) else float("nan")
        return out

    def false_alarms(self) -> pd.Series:
        """False alarms by the kind of ground they fell on."""
        d = self.detections
        return d[~d.matched].kind.value_counts() if len(d) else pd.Series(dtype=int)

    def false_alarms_per_100km2(self) -> float:
        n = int((~self.detections.matched).sum()) if len(self.detections) else 0
        return 100.0 * n / self.area_km2 if self.area_km2 else float("nan")

    def median_area_error_pct(self) -> float:
        t = self.truth[self.truth.matched]
        if t.empty:
            return float("nan")
        return float(np.median(np.abs(t.matched_area_ha - t.area_ha) / t.area_ha) * 100)


def _objects(geoms: np.ndarray, gap_m: float = 20.0) -> np.ndarray:
    """Truth polygons closer than ``gap_m`` (a landfill and its overspill) as one object each."""
    if not len(geoms):
        return np.array([], dtype=object)
    groups = shapely.get_parts(shapely.union_all(shapely.buffer(geoms, gap_m / 2)))
    tree = shapely.STRtree(geoms)
    return np.array(
        [shapely.union_all(geoms[tree.query(g, predicate="intersects")]) for g in groups], dtype=object
    )


def sites_from_score(score: np.ndarray, transform, crs, thresholds: Thresholds) -> gpd.GeoDataFrame:
    """Sites (in ``crs``) from a whole-scene score array: hysteresis, polygons, area filter."""
    labels, _ = _segment(score, thresholds)
    sites = _merge(_vectorise(labels, score, None, transform), crs)
    sites = sites[sites.area >= thresholds.min_area_ha * 10_000 - 1e-6]
    return sites.reset_index(drop=True)


def match_sites(
    sites: gpd.GeoDataFrame,
    truth: gpd.GeoDataFrame,
    *,
    valid: gpd.GeoSeries | None = None,
    area_km2: float = 0.0,
    iou: float = 0.25,
) -> Evaluation:
    """Match detected sites to the truth of a synthetic scene.

    Parameters
    ----------
    sites : GeoDataFrame
        Detections (any CRS; brought to the truth's CRS).
    truth : GeoDataFrame
        ``kind`` and ``geometry`` of the implanted objects (:attr:`kzgeo.synth.SyntheticScene.truth`).
    valid : GeoSeries, optional
        Area that was observed (no cloud, no nodata); truth objects less than half inside are ignored,
        and so are detections outside it.
    area_km2 : float
        Observed area, for false alarms per 100 km².
    iou : float
        Minimum intersection over union for a match.
    """
    crs = truth.crs
    det = sites.to_crs(crs).geometry.to_numpy() if len(sites) else np.array([], dtype=object)
    waste = truth[truth.kind.isin(WASTE_KINDS)]
    objs = _objects(waste.geometry.to_numpy())
    if valid is not None and len(objs):
        region = shapely.union_all(valid.to_numpy())
        inside = shapely.area(shapely.intersection(objs, region)) / shapely.area(objs)
        objs = objs[inside >= 0.5]
    t_matched = np.zeros(len(objs), bool)
    t_match_area = np.full(len(objs), np.nan)
    d_matched = np.zeros(len(det), bool)
    if len(objs) and len(det):
        tree = shapely.STRtree(objs)
        di, ti = tree.query(det, predicate="intersects")
        inter = shapely.area(shapely.intersection(det[di], objs[ti]))
        union = shapely.area(shapely.union(det[di], objs[ti]))
        order = np.argsort(-(inter / union))
        for k in order:
            if inter[k] / union[k] < iou:
                break
            if d_matched[di[k]] or t_matched[ti[k]]:
                continue
            d_matched[di[k]] = t_matched[ti[k]] = True
            t_match_area[ti[k]] = det[di[k]].area / 10_000
    kinds = np.full(len(det), "background", dtype=object)
    looks = truth[~truth.kind.isin(WASTE_KINDS)]
    if len(det) and len(looks):
        lg = looks.geometry.to_numpy()
        di, li = shapely.STRtree(lg).query(det, predicate="intersects")
        share = shapely.area(shapely.intersection(det[di], lg[li]))
        best: dict[int, tuple[float, str]] = {}
        for d, l_, s in zip(di, li, share, strict=True):
            if s > best.get(d, (0.0, ""))[0]:
                best[d] = (s, looks.kind.iloc[l_])
        for d, (_, k) in best.items():
            kinds[d] = k
    if len(det) and len(objs):
        near_waste = np.zeros(len(det), bool)
        di, _ = shapely.STRtree(objs).query(det, predicate="intersects")
        near_waste[di] = True
        kinds[near_waste & (kinds == "background")] = "waste_split"
    truth_df = pd.DataFrame(
        {
            "area_ha": shapely.area(objs) / 10_000 if len(objs) else [],
            "matched": t_matched,
            "matched_area_ha": t_match_area,
        }
    )
    det_df = pd.DataFrame(
        {"area_ha": shapely.area(det) / 10_000 if len(det) else [], "matched": d_matched, "kind": kinds}
    )
    if valid is not None and len(det):
        keep = shapely.intersects(det, shapely.union_all(valid.to_numpy()))
        det_df = det_df[keep]
    return Evaluation(truth_df, det_df, area_km2)
