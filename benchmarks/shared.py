"""Run the shared benchmarks (CMRC 2018, DRCD, both pooled) end to end.

    python -m benchmarks.shared [--bench ../shared/benchmarks] [--out benchmarks/runs] [--only cmrc2018]

For each: ingest the corpus with ``python -m ingest --jsonl --rebuild`` into its own data dir,
answer every question with ``python -m retriever eval``, score the run with the
benchmarks' own ``score.py`` (which judges what was retrieved), and count the answers
that quote a gold answer (``answer_accuracy``). The pooled corpus is both corpora in one
file (3,104 passages, mixed scripts); its index starts from a copy of DRCD's, so only
CMRC is embedded. Everything goes under --out: the ingest summaries (time, chunks), the
run files, the scores and the answer counts, as printed in README.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import settings
from chinese.clean import fold_for_matching
from benchmarks.marking import key_marking
from retriever.records import first_sentence


def _run(cmd: list[str], log: Path) -> str:
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True)
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr[-2000:]}")
    print(f"  {' '.join(cmd[2:5])} ... {time.perf_counter() - started:.0f} s", flush=True)
    return result.stdout


def answer_accuracy(questions: Path, run: Path) -> dict:
    """Of the questions, how many got an answer containing one of their gold answers, both
    folded (Traditional to Simplified, full width, case, no spaces: a DRCD answer in
    Traditional is found in an answer either way), and how many were abstained on. Of the
    right answers: how many quote it in their first sentence, and how well the run's
    ``key_spans`` mark it (``benchmarks.marking``)."""
    def fold(text: str) -> str:
        return "".join(fold_for_matching(text).split())

    gold = {}
    for line in questions.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            gold[q["qid"]] = [a for a in q.get("answers", []) if a.strip()]
    right = first = abstained = 0
    marks = []
    for line in run.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else None
        if not row or row["qid"] not in gold:
            continue
        if row.get("abstained"):
            abstained += 1
            continue
        folded = [fold(a) for a in gold[row["qid"]]]
        if any(a in fold(row.get("answer", "")) for a in folded):
            right += 1
            first += any(a in fold(first_sentence(row["answer"])) for a in folded)
            marks.append(key_marking(row["answer"], row.get("key_spans", []), gold[row["qid"]]))
    return {"questions": len(gold), "right": right, "right_in_first_sentence": first, "abstained": abstained,
            "accuracy": right / max(1, len(gold)),
            "right_key_marked": sum(m.marked for m in marks), "right_key_exact": sum(m.exact for m in marks),
            "right_key_f1": sum(m.f1 for m in marks) / max(1, len(marks))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shared")
    parser.add_argument("--bench", type=Path, default=settings.PROJECT_ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--out", type=Path, default=settings.PROJECT_ROOT / "benchmarks" / "runs")
    parser.add_argument("--only", choices=["cmrc2018", "drcd", "pooled"], action="append")
    args = parser.parse_args(argv)
    py = sys.executable
    wanted = args.only or ["cmrc2018", "drcd", "pooled"]
    for name in ("cmrc2018", "drcd", "pooled"):
        if name not in wanted:
            continue
        out = args.out / name
        out.mkdir(parents=True, exist_ok=True)
        index = out / "index"
        print(f"{name}:", flush=True)
        ingest = [py, "-m", "ingest", "--data-dir", str(index), "--json", "--jsonl"]
        if name == "pooled":
            questions, corpus = out / "questions.jsonl", out / "corpus.jsonl"
            for kind, target in (("questions", questions), ("corpus", corpus)):   # as the benchmarks' README says
                target.write_text("".join((args.bench / b / f"{kind}.jsonl").read_text(encoding="utf-8")
                                          for b in ("cmrc2018", "drcd")), encoding="utf-8")
            drcd = args.out / "drcd" / "index"
            if not (index / "index.sqlite").exists() and (drcd / "index.sqlite").exists():
                shutil.copytree(drcd, index, ignore=shutil.ignore_patterns("ingest.lock"))  # its vectors are reused
            _run(ingest + [str(corpus), "--rebuild"], out / "ingest.json")
        else:
            questions = args.bench / name / "questions.jsonl"
            # --rebuild: the same result whatever was there before (vectors of unchanged text are reused)
            _run(ingest + [str(args.bench / name / "corpus.jsonl"), "--rebuild"], out / "ingest.json")
        _run([py, "-m", "retriever", "--data-dir", str(index), "eval", "--questions", str(questions),
              "--out", str(out / "run.jsonl"), "--k", "10"], out / "eval.txt")
        score = _run([py, str(args.bench / "score.py"), str(questions), str(out / "run.jsonl")], out / "score.txt")
        answers = answer_accuracy(questions, out / "run.jsonl")
        (out / "answers.json").write_text(json.dumps(answers) + "\n")
        ingest = json.loads((out / "ingest.json").read_text().strip().splitlines()[-1])
        print(f"  ingest: {ingest['seconds']:.0f} s, {ingest['chunks_total']} chunks, {ingest['embedded']} embedded")
        print("  " + (out / "eval.txt").read_text().strip().replace("\n", "\n  "))
        print("  " + score.strip().replace("\n", "\n  "))
        print(f"  answers quoting a gold answer: {answers['right']} of {answers['questions']} "
              f"({answers['accuracy']:.4f}), {answers['right_in_first_sentence']} of them in the answer's first "
              f"sentence; abstained on {answers['abstained']}; key span F1 {answers['right_key_f1']:.3f}, "
              f"exactly a gold answer in {answers['right_key_exact']}, overlapping one in "
              f"{answers['right_key_marked']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
