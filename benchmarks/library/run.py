"""The library question set asked of the 30-report library (README, "Measurements").

    python -m benchmarks.library.run [--part report|dev|all] [--data-dir DIR] [--ingest] [--json] [--gdp]

The library: the shipped report and ../shared/reports/provinces-2026 (``--ingest`` builds
it in DIR, default benchmarks/runs/library). Per part: right report's passage first / in
the top 3, answer accuracy (the figure, from the right report), unanswerable declined,
answerable declined, whole-answer latency. "Several" questions (naming no report) are
right when the answer gives several reports' figures, each report named. ``--gdp``: only the
Chinese questions about 地区生产总值, asked with "GDP" instead, as users often write it.
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from benchmarks.own_set import latency_summary
from benchmarks.sets import LIBRARY_SET, library_part
from chinese.clean import fold_for_matching

HERE = Path(__file__).resolve().parent
DEFAULT_DIR = HERE.parent / "runs" / "library"
LIBRARY = [HERE.parents[1] / "corpus", HERE.parents[2] / "shared" / "reports" / "provinces-2026"]


def load(part: str) -> list[dict]:
    rows = [json.loads(x) for x in (HERE.parent / LIBRARY_SET).read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if part == "all" or library_part(r["qid"], r["question"]) == part]


def report_line(answer, report: str, figure: str, only: bool = False) -> tuple[bool, bool]:
    """In a reply giving several reports' answers, each on a line "label：answer": whether a
    line's label names ``report``, and whether such a line gives ``figure`` and cites that
    report. ``only``: the reply is about this report alone, so any line counts."""
    place = fold_for_matching(report)
    lines = answer.answer.splitlines()
    mine = [fold_for_matching(x) for x in lines if "：" in x and place in fold_for_matching(x.split("：")[0])]
    mine = mine or ([fold_for_matching(x) for x in lines] if only else [])
    cited = {c.n: c.report for c in answer.citations}
    markers = {int(n) for x in mine for n in re.findall(r"\[(\d+)\]", x)}
    return bool(mine), (any(fold_for_matching(figure) in x for x in mine)
                        and any(report in cited.get(n, "") for n in markers))


def score(retriever, question: dict, asked: str = "", history=None) -> dict:
    """``asked``: the words asked instead (a follow-up), after ``history``."""
    started = time.perf_counter()
    answer = retriever.ask(asked or question["question"], k=5, history=history)
    latency = (time.perf_counter() - started) * 1000
    place = question["report"]
    in_report = [place and place in h.chunk.report for h in answer.hits]
    evidence = [fold_for_matching(e) for e in question["evidence"]]
    rank = next((i + 1 for i, h in enumerate(answer.hits)
                 if in_report[i] and any(e in fold_for_matching(h.chunk.text) for e in evidence)), None)
    cited = [c for c in answer.citations if c.sentences]
    if question["kind"] == "several":
        correct = not answer.abstained and len({c.doc_id for c in cited}) >= 2
    else:
        key = fold_for_matching(question["answer"] or "")
        correct = bool(question["answerable"] and not answer.abstained and key and key in fold_for_matching(answer.answer)
                       and cited and place in cited[0].report)
    return {"qid": question["qid"], "kind": question["kind"], "answerable": question["answerable"], "rank": rank,
            "abstained": answer.abstained, "correct": correct, "latency_ms": latency,
            "question": asked or question["question"], "resolved": answer.resolved_question,
            "answer": answer.answer[:300]}


def summary(rows: list[dict]) -> dict:
    ranked = [r for r in rows if r["answerable"] and r["kind"] != "several"]
    answerable = [r for r in rows if r["answerable"]]
    missing = [r for r in rows if not r["answerable"]]
    return {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(missing),
            "right_first": sum(1 for r in ranked if r["rank"] == 1) / max(1, len(ranked)),
            "right_top3": sum(1 for r in ranked if r["rank"] and r["rank"] <= 3) / max(1, len(ranked)),
            "answer_accuracy": sum(r["correct"] for r in answerable) / max(1, len(answerable)),
            "unanswerable_declined": sum(r["abstained"] for r in missing) / max(1, len(missing)),
            "answerable_declined": sum(r["abstained"] for r in answerable) / max(1, len(answerable)),
            **latency_summary([r["latency_ms"] for r in rows])}


def asked_of_the_library(prog: str, doc: str, argv=None, part: str = "dev"):
    """The command line every library benchmark shares (--part, --data-dir, --json): its
    arguments and a warm ``Retriever`` on the library."""
    from retriever.service import Retriever

    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n")[0])
    parser.add_argument("--part", choices=("report", "dev", "all"), default=part)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    retriever = Retriever(args.data_dir)
    retriever.warm_up()
    return args, retriever


def printed(result: dict, rows: list[dict], args) -> int:
    """A library benchmark's result as JSON (with each question's row when ``--json``)."""
    if args.json:
        result["rows"] = rows
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.library.run", description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("report", "dev", "all"), default="report")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--ingest", action="store_true", help="(re)build the library index first, and time it")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rows", type=Path, help="write each question's outcome here (JSONL)")
    parser.add_argument("--gdp", action="store_true",
                        help="only the Chinese questions about 地区生产总值, asked as users often write it: GDP")
    args = parser.parse_args(argv)
    if args.ingest:
        from embedding.model import Embedder
        from ingest.pipeline import Ingestor

        started = time.perf_counter()
        result = Ingestor(args.data_dir, Embedder()).ingest_paths(LIBRARY)
        size = sum(p.stat().st_size for p in args.data_dir.glob("*") if p.is_file()) / 2**20
        print(f"ingest: {len(result.added) + len(result.updated)} reports, {result.chunks_total} chunks, "
              f"{time.perf_counter() - started:.0f} s, index {size:.1f} MiB")
    from retriever.service import Retriever

    retriever = Retriever(args.data_dir)
    retriever.warm_up()
    retriever.ask("预热")
    by_kind: dict[str, list] = {}
    questions = load(args.part)
    if args.gdp:
        questions = [dict(q, question=q["question"].replace("地区生产总值", "GDP").replace("地區生產總值", "GDP"))
                     for q in questions if "地区生产总值" in q["question"] or "地區生產總值" in q["question"]]
    rows = [score(retriever, q) for q in questions]
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    result = {"part": args.part, **summary(rows), "by_kind": {k: summary(v) for k, v in sorted(by_kind.items())}}
    if args.rows:
        args.rows.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        for name, s in [("all", result)] + list(result["by_kind"].items()):
            print(f"{name:<15} n={s['questions']:>3} first {s['right_first']:.3f} top3 {s['right_top3']:.3f} "
                  f"accuracy {s['answer_accuracy']:.3f} unans declined {s['unanswerable_declined']:.3f} "
                  f"ans declined {s['answerable_declined']:.3f} p50 {s['latency_ms_p50']:.0f} ms "
                  f"p95 {s['latency_ms_p95']:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
