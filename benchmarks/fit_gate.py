"""Fit the gate (``retriever/gate.py``) and say how well it decides.

    python -m benchmarks.fit_gate [--reuse] [--write]

1. Features: every fitting question is asked through the real ``Retriever`` with a gate
   that always answers and only records its features (``Recorder``). Fitting questions:
   the ``fit`` part of CMRC 2018 and DRCD by removal (``benchmarks.removal prepare`` first),
   and our sets about the shipped report that are in sample (``benchmarks.sets.FIT_SETS``). Questions the router
   sends elsewhere (a report's outline, a follow-up's next sentence) never reach the gate
   and are left out. ``--reuse`` reads the features written last time.
2. The L2 penalty with the best 5-fold cross-validated log-loss (``L2_GRID``); with
   ``--ablate``, the same loss with each feature switched off in turn.
3. Cross-validated precision and recall of declining at the operating point, and a
   calibration table (predicted P(answerable) against the share that were), per source.
4. ``--write``: the gate fitted on all fitting rows, to retriever/gate.json.

Each source weighs the same in the fit (CMRC, DRCD, our sets), whatever its size (our
report's questions are few but closest to what users ask), and within each, answerable
and unanswerable questions weigh the same; the gate's ``prior_odds`` then move its
probabilities to a population of questions 3 in 4 answerable (``retriever/config.py``).
The cross-validated tables below use those same probabilities, so they are read on the
fitting sources' own mix at the shipped operating point.

``benchmarks.sets.REPORT_SETS`` and the removal ``report`` part are never read here: their numbers are
reported by ``benchmarks.own_set`` and ``benchmarks.removal report`` only.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import settings
from benchmarks.own_set import _keys, _load
from benchmarks.removal import NAMES, OUT as REMOVAL, correct
from benchmarks.sets import FIT_SETS
from retriever import config
from retriever.gate import FEATURES, GATE_FILE, Decision, features, fitted

HERE = Path(__file__).parent
OUT = settings.PROJECT_ROOT / "benchmarks" / "runs" / "gate"
L2_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)
FOLDS = 5
REPEATS = 4


class Recorder:
    """A gate that always answers and keeps the features it was shown."""

    def run(self, question, hits, relevance, candidates, weights) -> Decision:
        values = features(question, hits, relevance, candidates, weights)
        vetoes = relevance.vetoes
        return Decision(answer=True, p_answer=1.0, reason=vetoes[0] if vetoes else None, features=values)


def feature_rows(data_dir: Path, questions: list[dict], source: str, gold) -> list[dict]:
    from retriever.question import BadQuestion
    from retriever.service import Retriever

    retriever = Retriever(data_dir, gate=Recorder())
    retriever.warm_up()
    rows = []
    for q in questions:
        try:
            answer = retriever.ask(q["question"], k=5)
        except BadQuestion:                  # nothing to search (an empty question)
            continue
        if answer.decision is None:          # routed to an outline or a follow-up: no gate
            continue
        rows.append({"qid": q["qid"], "source": source, "answerable": bool(q["answerable"]),
                     "correct": bool(q["answerable"]) and correct(answer.answer, gold(q)),
                     "features": answer.decision.features})
    return rows


def collect(reuse: bool) -> list[dict]:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in NAMES:
        path = OUT / f"features-{name}.jsonl"
        if not (reuse and path.exists()):
            part = feature_rows(REMOVAL / name / "index", _load(REMOVAL / name / "fit.jsonl"), name,
                                lambda q: q["answers"])
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
        rows += _load(path)
    path = OUT / "features-own.jsonl"
    if not (reuse and path.exists()):
        own = [q for name in FIT_SETS for q in _load(HERE / name)]
        part = feature_rows(_seed_index(), own, "own", _keys)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
    rows += _load(path)
    return rows


def _seed_index() -> Path:
    """The shipped report alone, ingested once under benchmarks/runs."""
    from embedding.model import Embedder
    from ingest.pipeline import Ingestor

    folder = settings.PROJECT_ROOT / "benchmarks" / "runs" / "seed-index"
    Ingestor(folder, Embedder()).ingest_paths([settings.DEFAULT_CORPUS])
    return folder


def _arrays(rows):
    """Features, labels, and weights under which every source, and within it answerable and
    unanswerable questions, weigh the same (the gate's prior odds then move it to ours)."""
    x = [r["features"] for r in rows]
    y = np.array([1.0 if r["answerable"] else 0.0 for r in rows])
    groups = {(r["source"], r["answerable"]) for r in rows}
    size = {g: sum((r["source"], r["answerable"]) == g for r in rows) for g in groups}
    w = np.array([len(rows) / (len(groups) * size[(r["source"], r["answerable"])]) for r in rows])
    return x, y, w


def folds(rows: list[dict], k: int = FOLDS, seed: int = 0) -> np.ndarray:
    """A fold number per row, assigned at random within each source and label."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(rows), dtype=int)
    for key in sorted({(r["source"], r["answerable"]) for r in rows}):
        idx = [i for i, r in enumerate(rows) if (r["source"], r["answerable"]) == key]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[i] = j % k
    return out


def cross_validated(rows: list[dict], l2: float, prior_odds: float = 1.0, without: str = "") -> np.ndarray:
    """P(answerable) for each row from gates fitted without its fold, averaged over
    ``REPEATS`` different splits into folds (one split's log-loss moves by ±0.01: our
    own rows are few and weigh much). ``without``: a feature held at 0, switched off."""
    if without:
        rows = [{**r, "features": {**r["features"], without: 0.0}} for r in rows]
    x, y, w = _arrays(rows)
    p = np.zeros(len(rows))
    for seed in range(REPEATS):
        fold = folds(rows, seed=seed)
        for f in range(FOLDS):
            train = [i for i in range(len(rows)) if fold[i] != f]
            gate = fitted([x[i] for i in train], list(y[train]), w[train], l2=l2, prior_odds=prior_odds)
            for i in np.where(fold == f)[0]:
                p[i] += gate.probability(x[i]) / REPEATS
    return p


def log_loss(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-(w * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum() / w.sum())


def decline_table(rows, p, threshold: float) -> list[str]:
    lines = ["| source | questions (answerable / not) | declining: precision | recall (unanswerable declined) | "
             "answerable declined | answerable answered correctly |", "| --- | --- | --- | --- | --- | --- |"]
    for source in sorted({r["source"] for r in rows}) + ["all"]:
        idx = [i for i, r in enumerate(rows) if source in ("all", r["source"])]
        declined = [i for i in idx if p[i] <= threshold]
        unanswerable = [i for i in idx if not rows[i]["answerable"]]
        answerable = [i for i in idx if rows[i]["answerable"]]
        right = sum(1 for i in answerable if p[i] > threshold and rows[i]["correct"])
        precision = sum(1 for i in declined if not rows[i]["answerable"]) / max(1, len(declined))
        recall = sum(1 for i in unanswerable if p[i] <= threshold) / max(1, len(unanswerable))
        lines.append(f"| {source} | {len(answerable)} / {len(unanswerable)} | {precision:.3f} | {recall:.3f} | "
                     f"{sum(1 for i in answerable if p[i] <= threshold) / max(1, len(answerable)):.3f} | "
                     f"{right / max(1, len(answerable)):.3f} |")
    return lines


def calibration_table(rows, p, w, bins: int = 10) -> list[str]:
    """Predicted against observed, both under the fitting weights (the 50/50 mix the
    model is fitted on, before the prior odds move it)."""
    lines = ["| predicted P(answerable) | questions | mean predicted | share answerable (weighted) |",
             "| --- | --- | --- | --- |"]
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i in range(len(rows)) if lo <= p[i] < hi or (b == bins - 1 and p[i] == 1.0)]
        if idx:
            share = sum(w[i] * rows[i]["answerable"] for i in idx) / sum(w[i] for i in idx)
            lines.append(f"| {lo:.1f}–{hi:.1f} | {len(idx)} | {np.mean([p[i] for i in idx]):.3f} | {share:.3f} |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fit_gate", description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", action="store_true", help="read the features computed last time")
    parser.add_argument("--ablate", action="store_true", help="the log-loss with each feature switched off")
    parser.add_argument("--write", action="store_true", help="save the fitted gate to retriever/gate.json")
    parser.add_argument("--out", type=Path, default=GATE_FILE, help="where --write saves it (default: %(default)s)")
    args = parser.parse_args(argv)
    rows = collect(args.reuse)
    x, y, w = _arrays(rows)
    losses = {l2: log_loss(cross_validated(rows, l2), y, w) for l2 in L2_GRID}
    l2 = min(losses, key=losses.get)
    print("5-fold cross-validated log-loss by L2 penalty: "
          + ", ".join(f"{k:g}: {v:.4f}" for k, v in losses.items()) + f" -> {l2:g}")
    prior_odds = config.ANSWERABLE_SHARE / (1 - config.ANSWERABLE_SHARE)
    p = cross_validated(rows, l2, prior_odds)
    threshold = config.GATE_THRESHOLD
    print(f"\nCross-validated, operating point P(answerable) > {threshold:.2f} (prior odds {prior_odds:.0f}):\n")
    print("\n".join(decline_table(rows, p, threshold)))
    print("\nCalibration (cross-validated, all sources, before the prior odds):\n")
    print("\n".join(calibration_table(rows, cross_validated(rows, l2), w)))
    gate = fitted(x, list(y), w, l2=l2, prior_odds=prior_odds, provenance={
        "fitted_by": "python -m benchmarks.fit_gate", "sources": {s: sum(r["source"] == s for r in rows)
                                                                 for s in sorted({r["source"] for r in rows})},
        "own_sets": list(FIT_SETS), "l2": l2, "cv_log_loss": round(losses[l2], 4)})
    if args.ablate:
        print("\nEach feature switched off: 5-fold cross-validated log-loss, and its change "
              "(a feature earns its place when the loss rises without it):")
        for name in FEATURES:
            loss = log_loss(cross_validated(rows, l2, without=name), y, w)
            print(f"  {name:<18} {loss:.4f} ({loss - losses[l2]:+.4f})")
    print("\nWeights (standardised features), largest first:")
    for name, c in sorted(zip(FEATURES, gate.coef), key=lambda nc: -abs(nc[1])):
        print(f"  {name:<18} {c:+.3f}")
    if args.write:
        gate.save(args.out)
        print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
