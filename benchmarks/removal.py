"""Unanswerable questions made at scale: CMRC 2018 and DRCD "by removal" (SQuAD 2.0 style).

    python -m benchmarks.removal prepare [--only cmrc2018]   # split, write, ingest (once)
    python -m benchmarks.removal report  [--only cmrc2018]   # answer the report questions, print the table

Half of a benchmark's paragraphs are ingested (chosen by a hash of the doc_id, so the
split never depends on what we look at); a question on an ingested paragraph is
answerable, one on a removed paragraph is not. An unanswerable question whose gold answer
string still stands in some ingested paragraph is dropped: its answer may well be there.

The questions are split in two by a hash of their qid, before anything is scored:
- ``fit``: what the gate (``retriever/gate.py``) is fitted on (``python -m benchmarks.fit_gate``);
- ``report``: 300 answerable and 300 unanswerable questions, drawn once with a fixed seed,
  only ever answered here. No rule, threshold or weight is chosen by looking at them.

Answerable questions count as answered correctly when the answer holds a gold answer
(both folded: script, width, case, spaces).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import settings
from chinese.clean import fold_for_matching

BENCH = settings.PROJECT_ROOT.parent / "shared" / "benchmarks"
OUT = settings.PROJECT_ROOT / "benchmarks" / "runs" / "removal"
NAMES = ("cmrc2018", "drcd")
REPORT_EACH = 300           # answerable and unanswerable questions reported per benchmark (the split)
FIT_EACH = 1000             # of each, for fitting: enough for a dozen weights, ~4 min of features per benchmark
SEED = 2018


def _hashed_half(key: str) -> int:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 2


def _fold(text: str) -> str:
    return "".join(fold_for_matching(text).split())


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def split(name: str, bench: Path = BENCH) -> dict[str, list[dict]]:
    """{"corpus": kept paragraphs, "fit": questions, "report": questions}; each question
    has ``answerable``."""
    corpus = _load(bench / name / "corpus.jsonl")
    kept = [p for p in corpus if _hashed_half(p["doc_id"]) == 0]
    kept_ids = {p["doc_id"] for p in kept}
    kept_text = "\n".join(_fold(p["text"]) for p in kept)
    parts: dict[str, dict[bool, list[dict]]] = {"fit": {True: [], False: []}, "report": {True: [], False: []}}
    for q in _load(bench / name / "questions.jsonl"):
        answerable = q["doc_id"] in kept_ids
        if not answerable and any(_fold(a) in kept_text for a in q["answers"] if a.strip()):
            continue                      # its answer still stands somewhere: not surely unanswerable
        part = "report" if _hashed_half("part:" + q["qid"]) else "fit"
        parts[part][answerable].append({**q, "answerable": answerable})
    rng = random.Random(SEED)
    out = {"corpus": kept}
    for part, size in (("report", REPORT_EACH), ("fit", FIT_EACH)):
        chosen = []
        for answerable in (True, False):
            pool = parts[part][answerable]
            chosen += rng.sample(pool, min(size, len(pool)))
        out[part] = chosen
    return out


def prepare(name: str, out: Path = OUT) -> Path:
    """Write the split under benchmarks/runs/removal/NAME and ingest its corpus there."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    parts = split(name)
    for key, rows in parts.items():
        _write(folder / f"{key}.jsonl", rows)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ingest", "--data-dir", str(folder / "index"), "--jsonl",
                    str(folder / "corpus.jsonl"), "--json"], check=True, capture_output=True)
    print(f"{name}: {len(parts['corpus'])} paragraphs ingested in {time.perf_counter() - started:.0f} s; "
          f"fit {len(parts['fit'])}, report {len(parts['report'])} questions", flush=True)
    return folder


def correct(answer_text: str, gold: list[str]) -> bool:
    folded = _fold(answer_text)
    return any(_fold(a) in folded for a in gold if a.strip())


def report(name: str, out: Path = OUT) -> dict:
    from retriever.question import BadQuestion
    from retriever.service import Retriever

    folder = out / name
    retriever = Retriever(folder / "index")
    retriever.warm_up()
    rows, latencies = [], []
    for q in _load(folder / "report.jsonl"):
        started = time.perf_counter()
        try:
            answer = retriever.ask(q["question"], k=5)
        except BadQuestion:             # an empty question (DRCD has one): "请输入问题", nothing answered
            rows.append({"qid": q["qid"], "answerable": q["answerable"], "abstained": True, "correct": False})
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        rows.append({"qid": q["qid"], "answerable": q["answerable"], "abstained": answer.abstained,
                     "correct": not answer.abstained and q["answerable"] and correct(answer.answer, q["answers"]),
                     "p_answer": getattr(getattr(answer, "decision", None), "p_answer", None)})
    _write(folder / "report-run.jsonl", rows)
    return summarise(rows, latencies)


def summarise(rows: list[dict], latencies: list[float] = ()) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    missing = [r for r in rows if not r["answerable"]]
    ordered = sorted(latencies)
    pct = (lambda p: ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]) if ordered else (lambda p: 0.0)
    return {"answerable": len(answerable), "unanswerable": len(missing),
            "answered_correctly": sum(r["correct"] for r in answerable) / max(1, len(answerable)),
            "answerable_declined": sum(r["abstained"] for r in answerable) / max(1, len(answerable)),
            "unanswerable_declined": sum(r["abstained"] for r in missing) / max(1, len(missing)),
            "latency_ms_p50": pct(0.5), "latency_ms_p95": pct(0.95)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.removal", description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=["prepare", "report"])
    parser.add_argument("--only", choices=NAMES, action="append")
    args = parser.parse_args(argv)
    for name in args.only or NAMES:
        if args.step == "prepare":
            prepare(name)
            continue
        s = report(name)
        print(f"{name}: {s['answerable']} answerable: answered correctly {s['answered_correctly']:.3f}, "
              f"declined {s['answerable_declined']:.3f}; {s['unanswerable']} unanswerable: declined "
              f"{s['unanswerable_declined']:.3f}; whole answer p50 {s['latency_ms_p50']:.0f} ms, "
              f"p95 {s['latency_ms_p95']:.0f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
