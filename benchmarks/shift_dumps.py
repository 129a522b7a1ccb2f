"""Score the shipped dump detector on held-out scenes pushed beyond the generator's sensor ranges.

    .venv/bin/python benchmarks/shift_dumps.py [--scenes 6] [--size 1024] [--model M.joblib] [--validation]

The generator draws haze of 0-0.05 reflectance, illumination 0.85-1.15, per-band gain 0.97-1.03, a
point-spread blur of 0.35-0.7 px and noise of 0.001-0.005. Imagery made by anyone else will not keep
to those ranges. Each shift below is applied on top of the held-out scenes of ``eval_dumps.py``
(seeds 5000+, ``test`` half of the spectral library), then the shipped detector runs at the model
card's thresholds; the unshifted row is the reference. A last row scores the same seeds built from
the ``train`` half of the library: the same layouts with spectra the model saw, which measures what
the unseen spectra alone cost.

``--validation`` scores the training script's validation scenes instead (seeds 2000+, the ``train``
half of the library, 768 px, look-alike kinds of training): where a choice between two models may be
made, the held-out scenes staying for the record.

Writes ``benchmarks/out/shift_dumps.json`` and prints a Markdown summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy import ndimage

from kzgeo.dumps import detect_dumps, load_model
from kzgeo.dumps.evaluate import Evaluation
from kzgeo.synth import generate_scene
from kzgeo.synth.scene import BAND_CENTRES_UM

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT.parent / "scripts")]

import train_dump_model as tdm  # noqa: E402
from eval_dumps import HELD_OUT_SEEDS, _evaluate  # noqa: E402


def _haze(img, rng, amount):
    return img + (amount * (0.49 / BAND_CENTRES_UM) ** 2.5)[:, None, None]


def _blur(img, rng, sigma):
    out = np.empty_like(img)
    for b in range(len(img)):
        band = img[b]
        nan = np.isnan(band)
        out[b] = ndimage.gaussian_filter(np.where(nan, np.nanmean(band), band), sigma)
        out[b][nan] = np.nan
    return out


def _noise(img, rng, sigma):
    return img + rng.normal(0, sigma, img.shape).astype(np.float32) * (1 + 3 * np.nan_to_num(img))


def _gain(img, rng, spread):
    return img * rng.uniform(1 - spread, 1 + spread, (len(img), 1, 1)).astype(np.float32)


SHIFTS = {
    "none": None,
    "haze +0.05 (2x the generator's maximum)": (_haze, 0.05),
    "illumination x0.75": (lambda img, rng, k: img * k, 0.75),
    "illumination x1.25": (lambda img, rng, k: img * k, 1.25),
    "per-band gain +-8 % (generator +-3 %)": (_gain, 0.08),
    "extra blur, sigma 0.8 px": (_blur, 0.8),
    "noise 0.01 (2x the generator's maximum)": (_noise, 0.01),
}


SEEN_SPECTRA = "no shift, spectra the model saw (training half of the library, same layouts)"


def shifted(scene, shift, seed: int):
    if shift is None:
        return scene
    fn, arg = shift
    data = fn(scene.data.copy(), np.random.default_rng(seed), arg)
    data = np.where(np.isnan(scene.data), np.nan, np.clip(data, 1e-4, 6.5535)).astype(np.float32)
    return replace(scene, data=data)


def _score(scenes, model=None) -> dict[str, float]:
    ev = Evaluation()
    for scene in scenes:
        ev = ev + _evaluate(scene, detect_dumps(scene, model=model))
    p, r, f1 = ev.prf()
    return {
        "precision": p,
        "recall": r,
        "f1": f1,
        "precision_ge_0.5ha": ev.prf(min_ha=0.5)[0],
        "f1_ge_0.5ha": ev.prf(min_ha=0.5)[2],
        "recall_0.1_0.5ha": ev.recall_by_size()["0.1-0.5 ha"],
        "false_alarms_per_100km2": ev.false_alarms_per_100km2(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=6)
    ap.add_argument("--size", type=int, help="scene size, pixels (1024; 768 with --validation)")
    ap.add_argument("--model", help="a .joblib of scripts/train_dump_model.py (default: the shipped model)")
    ap.add_argument("--validation", action="store_true", help="the training script's validation scenes")
    ap.add_argument("--out", default="shift_dumps.json", help="result file in benchmarks/out/")
    args = ap.parse_args()
    t0 = time.perf_counter()
    model = load_model(args.model)
    if args.validation:
        size = args.size or 768
        seeds = list(tdm.VALIDATION_SEEDS)[: args.scenes]
        scenes = [tdm._scene(s, size) for s in seeds]
    else:
        size = args.size or 1024
        seeds = list(HELD_OUT_SEEDS)[: args.scenes]
        scenes = [generate_scene(s, size, split="test") for s in seeds]
    rows = {}
    for name, shift in SHIFTS.items():
        rows[name] = _score([shifted(scene, shift, scene.params["seed"]) for scene in scenes], model)
        print(name, json.dumps(rows[name], default=float), flush=True)
    if not args.validation:
        # the same seeds with the training half of the library: the same layouts, spectra the model saw
        seen = [generate_scene(s, size, split="train") for s in seeds]
        for a, b in zip(seen, scenes, strict=True):
            if not a.truth.geometry.geom_equals(b.truth.geometry).all():
                raise SystemExit(f"seed {a.params['seed']}: the two halves of the library gave other layouts")
        rows[SEEN_SPECTRA] = _score(seen, model)
        print(SEEN_SPECTRA, json.dumps(rows[SEEN_SPECTRA], default=float), flush=True)
    result = {"date": time.strftime("%Y-%m-%d"), "scenes": args.scenes, "size_px": size, "shifts": rows}
    result |= {"seeds": "validation" if args.validation else "held-out", "model": args.model or "shipped"}
    shifted_f1 = [m["f1"] for name, m in rows.items() if name not in ("none", SEEN_SPECTRA)]
    result["mean_f1_shifted"] = float(np.mean(shifted_f1))
    result["seconds"] = round(time.perf_counter() - t0, 1)
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    (out / args.out).write_text(json.dumps(result, indent=1, default=float) + "\n", encoding="utf-8")
    lines = [
        "| shift | P | R | F1 | P ≥0.5 ha | F1 ≥0.5 ha | R 0.1–0.5 | FA/100 km² |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in rows.items():
        lines.append(
            f"| {name} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} "
            f"| {m['precision_ge_0.5ha']:.2f} | {m['f1_ge_0.5ha']:.2f} | {m['recall_0.1_0.5ha']:.2f} "
            f"| {m['false_alarms_per_100km2']:.1f} |"
        )
    print("\n".join(lines))
    print(f"mean F1 over the {len(shifted_f1)} shifts: {result['mean_f1_shifted']:.3f}")


if __name__ == "__main__":
    main()
