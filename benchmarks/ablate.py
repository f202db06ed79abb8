"""Does a rule earn its place? Each report set answered with the rule on, then off.

    python -m benchmarks.ablate [--rule NAME ...] [--sets heldout_english_5.jsonl ...]

A rule stays only if switching it off makes the report sets' cost worse (``cost``)
(``benchmarks.sets.REPORT_SETS``; their questions written in code or tests left out, as
``benchmarks.sets.in_code`` finds them). Each rule is switched off by replacing the one
function or table it lives in, in this process only (``RULES``).
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from unittest import mock

from benchmarks.sets import REPORT_SETS


def _off(target: str, value):
    return mock.patch(target, value)


# name -> (what it is, how to switch it off). Dropped after their run (2026-12-07, docs/log.md,
# "The learned gate"): English clippings, compounds and abbreviations (no report set changed).
RULES = {
    "figure_first": ("the sentence giving the number a 'how many' question counts is quoted first",
                     lambda: _off("retriever.extract.prefer_figure", lambda found, figure: found)),
    "closest_first_english": ("an English question's sentences re-ranked by their cosine",
                              lambda: _off("retriever.extract.prefer_closest", lambda found, weight=0: found)),
}


def run(sets: list[str], data_dir: Path | None, rule: str | None) -> dict[str, dict]:
    from benchmarks import our_sets
    from benchmarks.fit_gate import _seed_index
    from retriever.service import Retriever

    with RULES[rule][1]() if rule else contextlib.nullcontext():
        retriever = Retriever(data_dir or _seed_index())
        retriever.warm_up()
        return our_sets.run(retriever, sets)


def cost(s: dict) -> int:
    """A guess presented as fact costs 3, an answerable question not answered right costs 1
    (``retriever.config.GUESS_COST``, ``DECLINE_COST``)."""
    return 3 * s["unanswerable_answered"] + s["answerable"] - s["right_answers"]


def _line(name: str, s: dict) -> str:
    return (f"{name:<38} R@1 {s['recall@1']:.3f}  accuracy {s['answer_accuracy']:.3f}  unanswerable answered "
            f"{s['unanswerable_answered']}/{s['unanswerable']}  answerable declined "
            f"{s['answerable_abstained']}/{s['answerable']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ablate", description=__doc__.split("\n")[0])
    parser.add_argument("--rule", action="append", choices=sorted(RULES))
    parser.add_argument("--sets", nargs="+", default=list(REPORT_SETS))
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args(argv)
    base = run(args.sets, args.data_dir, None)
    for rule in args.rule or sorted(RULES):
        off = run(args.sets, args.data_dir, rule)
        print(f"\n{rule}: {RULES[rule][0]}")
        for name in args.sets:
            print("  on  " + _line(name, base[name]))
            print("  off " + _line(name, off[name]))
        cost_on, cost_off = sum(cost(base[n]) for n in args.sets), sum(cost(off[n]) for n in args.sets)
        print(f"  -> cost on {cost_on}, off {cost_off}: {'keep' if cost_off > cost_on else 'drop'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
