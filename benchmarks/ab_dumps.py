"""Train a small detector from the code on the path and score it at several site cuts (A/B of a change).

    .venv/bin/python benchmarks/ab_dumps.py TAG [--spectral-jitter 0] [--scenes 6] [--rich 2]

A change to the features, the generator or the training recipe is measured by training a small
detector with the recipe of ``holdout_dumps.py`` (16 pixel scenes, 96 + 48 site scenes, 8 + 4
validation scenes; about 20 minutes alone on 2 cores) once without and once with the change, and
scoring both on the held-out and look-alike-rich scenes of ``eval_dumps.py`` at the same site cuts
(0.3, 0.5, 0.7, 0.8, 0.9 and the detector's own validation cut): comparing at equal cuts shows
whether the change moves the trade between small sites and false alarms, not only the threshold.
Run it from a checkout of the change (``PYTHONPATH=that/checkout/src``). Writes
``benchmarks/out/ab_dumps_TAG.json`` and prints one line per cut.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kzgeo.dumps import Thresholds, detect_dumps
from kzgeo.dumps.evaluate import Evaluation
from kzgeo.synth import generate_scene

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from eval_dumps import HELD_OUT_SEEDS, RICH_SEEDS, _at_cuts, _swept  # noqa: E402
from holdout_dumps import restriction, train  # noqa: E402

CUTS = (0.3, 0.5, 0.7, 0.8, 0.9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tag", help="name of the run (output file name)")
    ap.add_argument(
        "--spectral-jitter", type=float, default=0.0, help="generate_scene(spectral_jitter=) in training"
    )
    ap.add_argument("--scenes", type=int, default=6, help="held-out scenes")
    ap.add_argument("--rich", type=int, default=2, help="look-alike-rich scenes")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    t0 = time.perf_counter()
    recipe = argparse.Namespace(
        pixel_scenes=16, site_scenes=96, rich_scenes=48, validation=8, size=768, background=30_000
    )
    recipe.jobs = args.jobs
    jitter = args.spectral_jitter
    model = train(recipe, (lambda seed: {"spectral_jitter": jitter}) if jitter else restriction())
    train_s = time.perf_counter() - t0
    own = model.card["thresholds"]["site"]
    cuts = sorted({*CUTS, own})
    low = Thresholds.from_card(model.card, site=0.0)
    held = {c: Evaluation() for c in cuts}
    rich = {c: Evaluation() for c in cuts}

    def run(scene, store: dict) -> None:
        for c, ev in _at_cuts(scene, detect_dumps(scene, model=model, thresholds=low), cuts).items():
            store[c] = store[c] + ev

    for seed in list(HELD_OUT_SEEDS)[: args.scenes]:
        run(generate_scene(seed, 1024, split="test"), held)
    for seed in list(RICH_SEEDS)[: args.rich]:
        run(generate_scene(seed, 1024, split="test", n_lookalikes=60, n_dumps=10), rich)
    rows = {f"{c:.2f}": _swept(held[c], rich[c]) for c in cuts}
    for c in cuts:
        row = rows[f"{c:.2f}"]
        print(
            f"{args.tag} cut {c:.2f}{' (own)' if c == own else ''}: P {row['precision']:.2f} "
            f"R {row['recall']:.2f} F1 {row['f1']:.2f} | >= 0.5 ha P {row['precision_ge_0.5ha']:.2f} "
            f"F1 {row['f1_ge_0.5ha']:.2f} | R 0.1-0.5 ha {row['recall_by_size']['0.1-0.5 ha']:.2f} "
            f"| FA/100 km2 {row['false_alarms_per_100km2']:.1f}, "
            f"look-alike-rich {row['lookalike_rich_false_alarms_per_100km2']:.1f}",
            flush=True,
        )
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "tag": args.tag,
        "args": vars(args),
        "site_cut": own,
        "train_seconds": round(train_s, 1),
        "seconds": round(time.perf_counter() - t0, 1),
        "cuts": rows,
    }
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    text = json.dumps(result, indent=1, default=float) + "\n"
    (out / f"ab_dumps_{args.tag}.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
