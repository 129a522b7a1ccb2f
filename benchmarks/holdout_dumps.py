"""Hold a whole dump material family and a whole biome out of training and measure what the detector loses.

    .venv/bin/python benchmarks/holdout_dumps.py [--family plastics] [--biome semi_desert]
        [--pixel-scenes 16] [--site-scenes 96] [--rich-scenes 48] [--scenes 6] [--jobs 2]

``eval_dumps.py`` holds out seeds, the other half of the spectral library and two look-alike kinds. This
benchmark holds out what a generator of one's own cannot vary enough: a material family no training
dump contains, and a landscape no training scene shows. It trains three small detectors with the
recipe of ``scripts/train_dump_model.py`` (same seeds, fewer scenes, same settings; thresholds from
validation scenes with the same restriction):

* ``control``: every family and biome, like the shipped model;
* ``no <family>``: no training or validation dump contains the family;
* ``no <biome>``: no training or validation scene is of the biome (the other four in turn).

All three are scored on held-out scenes from the ``test`` half of the spectral library: the
ordinary held-out scenes of ``eval_dumps.py`` (recall of the sites whose materials include the
family, and every site), scenes whose dumps are the family mixed with soil only, and scenes of the
held-out biome. A detector that generalises loses little between ``control`` and the held-out models.

Writes ``benchmarks/out/holdout_dumps.json`` and prints a Markdown summary. The models are small
(16 pixel scenes, 96 + 48 site scenes) so that the three fit in about half an hour on 2 cores; they
are weaker than the shipped model, and only the difference between them is the measurement.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kzgeo.dumps import Thresholds, detect_dumps
from kzgeo.dumps.evaluate import WASTE_KINDS, Evaluation, match_sites
from kzgeo.dumps.model import DumpModel
from kzgeo.synth import BIOMES, DUMP_FAMILIES, generate_scene

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "scripts"))
sys.path.insert(0, str(ROOT))

import train_dump_model as tdm  # noqa: E402
from eval_dumps import HELD_OUT_SEEDS, _valid_region  # noqa: E402

FAMILY_SEEDS = range(5200, 5300)
BIOME_SEEDS = range(5300, 5400)


def restriction(family: str | None = None, biome: str | None = None):
    """``scene_kw(seed)`` for the training script: no dump of ``family``, no scene of ``biome``."""
    families = tuple(f for f in DUMP_FAMILIES if f != family)
    biomes = tuple(b for b in BIOMES if b != biome)

    def scene_kw(seed: int) -> dict:
        kw = {}
        if family:
            kw["dump_families"] = families
        if biome:
            kw["biome"] = biomes[seed % len(biomes)]
        return kw

    return scene_kw


def train(args, scene_kw) -> DumpModel:
    """A small detector: pixel stage, site stage, thresholds, as ``scripts/train_dump_model.py`` does."""
    pix = argparse.Namespace(scenes=args.pixel_scenes, size=args.size, background=args.background)
    pixels, card = tdm.train_pixels(pix, scene_kw)
    model = DumpModel(pixels, card)
    seeds = list(tdm.SITE_SEEDS)[: args.site_scenes]
    rich = list(tdm.RICH_SITE_SEEDS)[: args.rich_scenes]
    sx, sy = tdm.site_samples(model, seeds, args.size, rich, args.jobs, scene_kw)
    model = DumpModel(pixels, card, tdm.fit(sx, sy, **tdm.SITE_PARAMS))
    val = list(tdm.VALIDATION_SEEDS)[: args.validation]
    rich_val = list(tdm.RICH_VALIDATION_SEEDS)[: args.validation // 2]
    _, best_f1, _ = tdm.tune_site_threshold(model, val, args.size, rich_val, args.jobs, scene_kw)
    card["thresholds"]["site"] = best_f1
    return model


def score(model: DumpModel, scenes, family: str | None = None) -> dict:
    """Object scores of ``model`` on the scenes; with ``family``, also the recall of sites containing it."""
    th = Thresholds.from_card(model.card)
    ev, fam = Evaluation(), Evaluation()
    for scene in scenes:
        region = _valid_region(scene)
        km2 = float(region.area.sum()) / 1e6
        sites = detect_dumps(scene, model=model, thresholds=th)
        ev = ev + match_sites(sites, scene.truth, valid=region, area_km2=km2)
        if family:
            t = scene.truth
            keep = ~t.kind.isin(WASTE_KINDS) | t.materials.str.contains(family, regex=False)
            fam = fam + match_sites(sites, t[keep], valid=region, area_km2=km2)
    p, r, f1 = ev.prf()
    out = {"precision": p, "recall": r, "f1": f1, "f1_ge_0.5ha": ev.prf(min_ha=0.5)[2]}
    out |= {"recall_0.1_0.5ha": ev.recall_by_size()["0.1-0.5 ha"], "sites": len(ev.truth)}
    out["false_alarms_per_100km2"] = ev.false_alarms_per_100km2()
    if family:
        out |= {"recall_with_family": float(fam.truth.matched.mean()), "sites_with_family": len(fam.truth)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", default="plastics", choices=DUMP_FAMILIES, help="material family held out")
    ap.add_argument("--biome", default="semi_desert", choices=BIOMES, help="biome held out")
    ap.add_argument("--pixel-scenes", type=int, default=16)
    ap.add_argument("--site-scenes", type=int, default=96)
    ap.add_argument("--rich-scenes", type=int, default=48)
    ap.add_argument("--validation", type=int, default=8, help="validation scenes (and half as many rich)")
    ap.add_argument("--scenes", type=int, default=6, help="held-out scenes of each kind")
    ap.add_argument("--size", type=int, default=768, help="training scene size, pixels")
    ap.add_argument("--test-size", type=int, default=1024)
    ap.add_argument("--background", type=int, default=30_000)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    t0 = time.perf_counter()
    n, size, fam, biome = args.scenes, args.test_size, args.family, args.biome
    tests = {
        "held_out": [generate_scene(s, size, split="test") for s in list(HELD_OUT_SEEDS)[:n]],
        "family_with_soil": [
            generate_scene(s, size, split="test", dump_families=(fam, "soil")) for s in list(FAMILY_SEEDS)[:n]
        ],
        "biome": [generate_scene(s, size, split="test", biome=biome) for s in list(BIOME_SEEDS)[:n]],
    }
    models = {"control": {}, f"no {fam}": {"family": fam}, f"no {biome}": {"biome": biome}}
    result = {"date": time.strftime("%Y-%m-%d"), "args": vars(args), "models": {}}
    for name, held in models.items():
        t = time.perf_counter()
        model = train(args, restriction(**held))
        train_s = time.perf_counter() - t
        result["models"][name] = {
            "train_seconds": round(train_s, 1),
            "site_threshold": model.card["thresholds"]["site"],
            **{k: score(model, scenes, fam if k != "biome" else None) for k, scenes in tests.items()},
        }
        print(f"{name}: {json.dumps(result['models'][name], default=float)}", flush=True)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    (out / "holdout_dumps.json").write_text(
        json.dumps(result, indent=1, default=float) + "\n", encoding="utf-8"
    )
    print(_markdown(result, fam, biome))


def _markdown(r: dict, fam: str, biome: str) -> str:
    lines = [
        f"| model | site cut | held-out F1 | F1 ≥0.5 ha | R 0.1–0.5 | R sites with {fam} "
        f"| {fam}+soil scenes: R | F1 | {biome} scenes: P | R | F1 | F1 ≥0.5 ha | FA/100 km² |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in r["models"].items():
        h, f, b = m["held_out"], m["family_with_soil"], m["biome"]
        lines.append(
            f"| {name} | {m['site_threshold']:.2f} | {h['f1']:.2f} | {h['f1_ge_0.5ha']:.2f} "
            f"| {h['recall_0.1_0.5ha']:.2f} | {h['recall_with_family']:.2f} | {f['recall_with_family']:.2f} "
            f"| {f['f1']:.2f} | {b['precision']:.2f} | {b['recall']:.2f} | {b['f1']:.2f} "
            f"| {b['f1_ge_0.5ha']:.2f} | {b['false_alarms_per_100km2']:.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
