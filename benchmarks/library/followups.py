"""Follow-ups across reports: the library set's questions asked as the second turn of a
conversation ("那浙江呢？", "What about Zhejiang?") after the same question about another
province (README, "The library").

    python -m benchmarks.library.followups [--part report|dev|all] [--data-dir DIR] [--json]

Pairs: within each of the set's templates (one indicator asked of each province: the 2026
GDP growth and jobs targets, the unemployment ceiling, 2025's GDP), each question after the
one before it in the set's order, in Chinese and in English. The second turn is scored as
``benchmarks.library.run`` scores the question itself (right first, the figure from the right
report), its understood question must name the province, and the same question asked whole
is scored beside it. Split by the second question's part of the library set
(``benchmarks.sets.library_part``).
"""
from __future__ import annotations

import argparse
import json
import re

from benchmarks.library.run import DEFAULT_DIR, load, score
from benchmarks.sets import library_part
from ingest import config as ingest_config

TEMPLATE = re.compile(r"^lib-(gdp|gdp2025|jobs|unemployment)-(.+?)(-en)?$")


def pairs(part: str) -> list[tuple[dict, dict, str]]:
    """(the first question, the second, the follow-up asked for the second)."""
    groups: dict[tuple[str, bool], list[dict]] = {}
    for row in load("all"):
        m = TEMPLATE.match(row["qid"])
        if m and row["kind"] in ("named", "english"):
            groups.setdefault((m.group(1), bool(m.group(3))), []).append(row)
    out = []
    for (_, english), rows in groups.items():
        for before, after in zip(rows, rows[1:]):
            if part == "all" or library_part(after["qid"], after["question"]) == part:
                out.append((before, after, follow_up(after["report"], english)))
    return out


def follow_up(place: str, english: bool) -> str:
    short, name = next(((s, e) for s, full, e in ingest_config.PROVINCES if full == place), (place, place))
    return f"What about {name}?" if english else f"那{short}呢？"


def run(retriever, part: str) -> dict:
    from chinese.clean import fold_for_matching
    from retriever.conversation import Turn

    rows = []
    for before, after, asked in pairs(part):
        first = retriever.ask(before["question"], k=5)
        row = score(retriever, after, asked, history=[Turn.after(before["question"], first)])
        named = asked.removeprefix("What about ").removeprefix("那").rstrip("?？").removesuffix("呢")
        row["understood"] = fold_for_matching(named) in fold_for_matching(row["resolved"] or "")
        row["whole"] = score(retriever, after)["correct"]       # the same question asked whole
        rows.append(row)
    n = max(1, len(rows))
    return {"part": part, "pairs": len(rows),
            "understood": sum(r["understood"] for r in rows) / n,
            "right_first": sum(r["rank"] == 1 for r in rows) / n,
            "answer_accuracy": sum(r["correct"] for r in rows) / n,
            "declined": sum(r["abstained"] for r in rows) / n,
            "asked_whole_accuracy": sum(r["whole"] for r in rows) / n,
            "rows": rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.library.followups", description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("report", "dev", "all"), default="report")
    parser.add_argument("--data-dir", default=str(DEFAULT_DIR))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from retriever.service import Retriever

    retriever = Retriever(args.data_dir)
    retriever.warm_up()
    result = run(retriever, args.part)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"{result['part']}: {result['pairs']} follow-ups; understood {result['understood']:.3f}, right first "
              f"{result['right_first']:.3f}, answer accuracy {result['answer_accuracy']:.3f}, "
              f"declined {result['declined']:.3f}; the same questions asked whole: accuracy "
              f"{result['asked_whole_accuracy']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
