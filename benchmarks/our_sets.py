"""Every one of our question sets about the shipped report, in one table.

    python -m benchmarks.our_sets [--data-dir DIR] [--json]

In-sample sets (``benchmarks.sets.FIT_SETS``: the gate is fitted on them; ``DEV_SETS``:
questions the code or tests quote) are marked so; the report sets (``REPORT_SETS``) are
scored without any question the code or the tests quote (``benchmarks.sets.in_code``).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.own_set import _load, evaluate
from benchmarks.sets import DEV_SETS, FIT_SETS, REPORT_SETS, in_code

HERE = Path(__file__).parent


def run(retriever, sets=FIT_SETS + DEV_SETS + REPORT_SETS) -> dict[str, dict]:
    out = {}
    for name in sets:
        questions = _load(HERE / name)
        if name in REPORT_SETS:
            questions = [q for q in questions if not in_code(q["question"])]
        out[name] = evaluate(retriever, questions)["summary"]
    return out


def pooled(summaries: list[dict]) -> dict:
    keys = ("answerable", "unanswerable", "right_answers", "unanswerable_answered", "answerable_abstained")
    return {k: sum(s[k] for s in summaries) for k in keys}


def table(result: dict[str, dict]) -> list[str]:
    lines = ["| set | in sample | answerable / not | R@1 | R@3 | answer accuracy | unanswerable answered | "
             "answerable declined |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, s in result.items():
        lines.append(f"| `{name}` | {'no' if name in REPORT_SETS else 'yes'} | {s['answerable']} / {s['unanswerable']} | "
                     f"{s['recall@1']:.3f} | {s['recall@3']:.3f} | {s['answer_accuracy']:.3f} | "
                     f"{s['unanswerable_answered']} of {s['unanswerable']} | {s['answerable_abstained']} of "
                     f"{s['answerable']} |")
    for label, names in (("in-sample sets (fitted on)", FIT_SETS), ("report sets", REPORT_SETS)):
        p = pooled([result[n] for n in names if n in result])
        if p["answerable"] + p["unanswerable"]:
            lines.append(f"| **{label}, pooled** | | {p['answerable']} / {p['unanswerable']} | | | "
                         f"{p['right_answers'] / max(1, p['answerable']):.3f} | {p['unanswerable_answered']} of "
                         f"{p['unanswerable']} ({p['unanswerable_answered'] / max(1, p['unanswerable']):.3f}) | "
                         f"{p['answerable_abstained']} of {p['answerable']} "
                         f"({p['answerable_abstained'] / max(1, p['answerable']):.3f}) |")
    return lines


def main(argv=None) -> int:
    import settings
    from retriever.service import Retriever

    parser = argparse.ArgumentParser(prog="python -m benchmarks.our_sets", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.data_dir:
        data = settings.data_dir(args.data_dir)
    else:
        from benchmarks.fit_gate import _seed_index
        data = _seed_index()
    retriever = Retriever(data)
    retriever.warm_up()
    result = run(retriever)
    print(json.dumps(result, indent=1) if args.json else "\n".join(table(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
