"""Questions naming two reports (江苏省和浙江省2026年地区生产总值的预期增长目标分别是多少？),
asked of the 30-report library (README, "Measurements").

    python -m benchmarks.library.comparisons [--part report|dev|all] [--data-dir DIR] [--json]

Made from the library set's questions naming one province (``benchmarks/library/questions.jsonl``,
the GDP, jobs and unemployment targets, in Simplified and Traditional script): two of them on
the same indicator, the provinces in the set's order taken in pairs, asked as one question
("……和……", 分别). Right: each province's own figure (the set's answer) is in the answer's
line for its report, cited from it. Also pairs whose first province has no report in the
library (北京, 广东): right when the other's figure is given and the missing report named.
Split by a hash of the pair (``benchmarks.sets.library_part``): a pair is developed on when
its id hashes so, whatever its two questions' parts.
"""
from __future__ import annotations

import re
import time

from benchmarks.library.run import asked_of_the_library, load, printed, report_line
from benchmarks.sets import library_part

TEMPLATES = ("gdp", "jobs", "unemployment")
ABSENT = ("北京市", "广东省")          # no report on them in the library


def _joined(a: dict, b: dict) -> str:
    """B's question with A's province before B's: "A和B……", 分别 before what it asks."""
    rest = b["question"][len(b["report"]):]
    rest = re.sub(r"(是多少|要控制在多少)", r"分别\1", rest)
    return f"{a['report']}和{b['report']}{rest}"


def pairs(part: str) -> list[dict]:
    rows = [r for r in load("all") if r["kind"] in ("named", "traditional") and r["qid"].split("-")[1] in TEMPLATES
            and r["question"].startswith(r["report"])]
    out = []
    for template in TEMPLATES:
        for kind in ("named", "traditional"):
            same = [r for r in rows if r["qid"].split("-")[1] == template and r["kind"] == kind]
            for a, b in zip(same[::2], same[1::2]):
                out.append({"qid": f"cmp-{template}-{kind}-{a['report']}+{b['report']}", "question": _joined(a, b),
                            "asked": [a, b], "missing": ""})
            if same:
                b = same[-1]
                out.append({"qid": f"cmp-{template}-{kind}-{ABSENT[len(out) % 2]}+{b['report']}",
                            "question": _joined({"report": ABSENT[len(out) % 2]}, b), "asked": [b],
                            "missing": ABSENT[len(out) % 2]})
    return [p for p in out if part == "all" or library_part(p["qid"]) == part]


def score(retriever, pair: dict) -> dict:
    started = time.perf_counter()
    answer = retriever.ask(pair["question"])
    latency = (time.perf_counter() - started) * 1000
    right = [report_line(answer, q["report"], q["answer"], only=len(pair["asked"]) == 1)[1] for q in pair["asked"]]
    said_missing = not pair["missing"] or any(pair["missing"][:2] in w for w in answer.warnings)
    return {"qid": pair["qid"], "question": pair["question"], "abstained": answer.abstained,
            "correct": not answer.abstained and all(right) and said_missing, "each": right,
            "said_missing": said_missing, "latency_ms": latency, "answer": answer.answer[:300]}


def main(argv=None) -> int:
    from benchmarks.own_set import latency_summary
    args, retriever = asked_of_the_library("python -m benchmarks.library.comparisons", __doc__, argv)
    rows = [score(retriever, p) for p in pairs(args.part)]
    both = [r for r in rows if len(r["each"]) == 2]
    result = {"part": args.part, "pairs": len(rows),
              "accuracy": sum(r["correct"] for r in rows) / max(1, len(rows)),
              "both_reports_right": sum(r["correct"] for r in both) / max(1, len(both)),
              "each_report_right": sum(sum(r["each"]) for r in both) / max(1, 2 * len(both)),
              "one_missing_right": sum(r["correct"] for r in rows if len(r["each"]) == 1)
              / max(1, sum(len(r["each"]) == 1 for r in rows)),
              "declined": sum(r["abstained"] for r in rows) / max(1, len(rows)),
              **latency_summary([r["latency_ms"] for r in rows])}
    return printed(result, rows, args)


if __name__ == "__main__":
    raise SystemExit(main())
