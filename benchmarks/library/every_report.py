"""Questions asked of every report (各省2026年地区生产总值的预期增长目标是多少？), asked of the
30-report library (README, "Measurements").

    python -m benchmarks.library.every_report [--part report|dev|all] [--data-dir DIR] [--json]

Made from the library set's questions naming one province (``benchmarks/library/questions.jsonl``:
the GDP, jobs and unemployment targets): the question without its province, asked of every
province (各省……, 每个省份……, and 各省 in Traditional script). One question per indicator and
phrasing; each province the set has a question on that indicator for is scored on its own:
right when the reply's line for its report holds the set's answer and cites that report.
Split by province and indicator, a hash of ``every-INDICATOR-PROVINCE``
(``benchmarks.sets.library_part``): the reply is one, the scores are kept apart.
"""
from __future__ import annotations

import time

from benchmarks.library.run import asked_of_the_library, load, printed, report_line
from benchmarks.sets import library_part

TEMPLATES = ("gdp", "jobs", "unemployment")
PHRASINGS = {"named": ("各省{}", "每个省份{}"), "traditional": ("各省{}",)}


def questions() -> list[dict]:
    """[{question, kind, template, asked: the set's questions on that indicator}]"""
    rows = [r for r in load("all") if r["kind"] in PHRASINGS and r["qid"].split("-")[1] in TEMPLATES
            and r["question"].startswith(r["report"])]
    out = []
    for template in TEMPLATES:
        for kind, phrasings in PHRASINGS.items():
            same = [r for r in rows if r["qid"].split("-")[1] == template and r["kind"] == kind]
            rest = same[0]["question"][len(same[0]["report"]):]
            out += [{"question": p.format(rest), "kind": kind, "template": template, "asked": same} for p in phrasings]
    return out


def score(retriever, asked: dict, part: str) -> list[dict]:
    started = time.perf_counter()
    answer = retriever.ask(asked["question"])
    latency = (time.perf_counter() - started) * 1000
    rows = []
    for q in asked["asked"]:
        if part != "all" and library_part(f"every-{asked['template']}-{q['report']}") != part:
            continue
        listed, right = report_line(answer, q["report"], q["answer"])
        rows.append({"question": asked["question"], "report": q["report"], "listed": listed, "right": right,
                     "latency_ms": latency})
    return rows


def main(argv=None) -> int:
    from benchmarks.own_set import latency_summary
    args, retriever = asked_of_the_library("python -m benchmarks.library.every_report", __doc__, argv)
    rows, latencies = [], []
    for asked in questions():
        scored = score(retriever, asked, args.part)
        rows += scored
        latencies += [scored[0]["latency_ms"]] if scored else []
    result = {"part": args.part, "questions": len(latencies), "reports_scored": len(rows),
              "right": sum(r["right"] for r in rows) / max(1, len(rows)),
              "listed_not_right": sum(r["listed"] and not r["right"] for r in rows) / max(1, len(rows)),
              "not_listed": sum(not r["listed"] for r in rows) / max(1, len(rows)),
              **latency_summary(latencies)}
    return printed(result, rows, args)


if __name__ == "__main__":
    raise SystemExit(main())
