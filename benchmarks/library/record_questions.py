"""Questions about a report itself (who delivered it, when, at which meeting), asked of the
30-report library; and how many content questions are taken for one (README, "Measurements").

    python -m benchmarks.library.record_questions [--part report|dev|all] [--data-dir DIR] [--json]

Each phrasing below is asked of each of the 29 provincial reports (the province named in
Simplified, Traditional or English). The phrasings are split by a hash of their text
(``part``), fixed before any was asked: the developed-on part shaped the question patterns
(``retriever.config.ASKS_*``), the reported part did not. Right: answered from the record
(route "record"), the key value in the answer (``front_matter_key.jsonl``: read off each
report's front-matter lines and checked by eye), the citation that report's.

Also printed: of every other question we have (our sets, the library set, CMRC 2018 and
DRCD), how many the patterns take for a question about a report's record, about the library
(库里有哪些报告？) or about which reports write something (哪些省份提到了低空经济？), and how many
of those the library then answers that way (a content question answered from the front
matter or a list instead: want 0).
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from benchmarks.library.run import asked_of_the_library
from chinese.clean import fold_for_matching
from chinese.script import to_traditional

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "benchmarks"
KEY = HERE / "front_matter_key.jsonl"
# (field, phrasing); {p}: the province as the question names it; {role}: its head's title.
PHRASINGS = [
    ("speaker", "{p}政府工作报告是谁作的？"), ("speaker", "谁作的{p}2026年政府工作报告？"),
    ("speaker", "{p}的政府工作报告由谁宣读？"), ("speaker", "{p}政府工作报告的报告人是谁？"),
    ("speaker", "{p}的{role}是谁？"), ("speaker", "哪位领导作了{p}的政府工作报告？"),
    ("date", "{p}政府工作报告是哪天作的？"), ("date", "{p}2026年政府工作报告是什么时候发布的？"),
    ("date", "{p}政府工作报告的日期是什么？"), ("date", "{p}的政府工作报告是几月几日作的？"),
    ("meeting", "{p}政府工作报告是在什么会议上作的？"), ("meeting", "{p}的政府工作报告在哪次大会上宣读？"),
    ("speaker", "{t}政府工作報告是誰作的？"), ("date", "{t}政府工作報告是哪天作的？"),
    ("meeting", "{t}政府工作報告是在什麼會議上作的？"), ("speaker", "{t}政府工作報告的報告人是誰？"),
    ("speaker", "Who delivered {e}'s government work report?"),
    ("speaker", "Who gave the 2026 government work report of {e}?"),
    ("speaker", "Who is the {role_en} of {e}?"),
    ("date", "When was {e}'s government work report delivered?"),
    ("date", "On what date was the {e} government work report given?"),
    ("meeting", "At which meeting was {e}'s government work report delivered?"),
    ("meeting", "Which session of the congress was the {e} government work report delivered to?"),
]


# Asked while the patterns were written (of a few reports, by hand): developed on, whatever their hash.
TRIED = {"{p}政府工作报告是谁作的？", "{p}政府工作报告是哪天作的？", "{p}政府工作报告是在什么会议上作的？",
         "Who delivered {e}'s government work report?"}


def part(phrasing: str) -> str:
    return "dev" if phrasing in TRIED or int(hashlib.sha1(phrasing.encode()).hexdigest(), 16) % 2 else "report"


def _role(place: str) -> tuple[str, str]:
    if place.endswith("自治区"):
        return "主席", "chairman"
    return ("市长", "mayor") if place.endswith("市") else ("省长", "governor")


def questions(which: str) -> list[dict]:
    from ingest.config import PROVINCES

    english = {full: e for _, full, e in PROVINCES}
    out = []
    for row in (json.loads(x) for x in KEY.read_text(encoding="utf-8").splitlines() if x.strip()):
        role, role_en = _role(row["place"])
        for field, phrasing in PHRASINGS:
            if which in ("all", part(phrasing)):
                text = phrasing.format(p=row["place"], t=to_traditional(row["place"]), e=english[row["place"]],
                                       role=role, role_en=role_en)
                out.append({"question": text, "field": field, "place": row["place"], "key": row[field]})
    return out


def score(retriever, q: dict) -> dict:
    started = time.perf_counter()
    answer = retriever.ask(q["question"])
    latency = (time.perf_counter() - started) * 1000
    cited = answer.citations[0].report if answer.citations else ""
    key = fold_for_matching(q["key"]).replace(" ", "")
    said = fold_for_matching(answer.answer).replace(" ", "")
    return {**q, "route": answer.route, "abstained": answer.abstained, "latency_ms": latency,
            "correct": answer.route == "record" and not answer.abstained and key in said and q["place"] in cited,
            "answer": answer.answer[:160]}


def content_questions() -> dict[str, list[str]]:
    """Every other question we have, by source."""
    from benchmarks.own_set import _load
    from benchmarks.sets import DEV_SETS, FIT_SETS, LIBRARY_SET, REPORT_SETS

    ours = [q["question"] for n in FIT_SETS + DEV_SETS + REPORT_SETS for q in _load(HERE.parent / n)]
    follow = [t["question"] for c in _load(HERE.parent / "followups.jsonl") for t in c["turns"]]
    out = {"ours": ours + follow, "library": [q["question"] for q in _load(HERE.parent / LIBRARY_SET)]}
    for name in ("cmrc2018", "drcd"):
        path = SHARED / name / "questions.jsonl"
        if path.exists():
            out[name] = [q["question"] for q in _load(path)]
    return out


def taken_for_record(texts: list[str]) -> list[str]:
    """Those the patterns take for a question about a report's record, about the library, or
    about which reports write something."""
    from retriever.config import ASKS_THE_LIBRARY, ASKS_WHICH_REPORTS
    from retriever.question import BadQuestion, parse_question
    from retriever.record import asked_fields

    out = []
    for text in texts:
        try:
            question = parse_question(text)
            if asked_fields(question) or ASKS_THE_LIBRARY.search(question.folded) \
                    or ASKS_WHICH_REPORTS.search(question.folded):
                out.append(text)
        except BadQuestion:
            pass
    return out


def main(argv=None) -> int:
    from benchmarks.own_set import latency_summary
    args, retriever = asked_of_the_library("python -m benchmarks.library.record_questions", __doc__, argv)
    rows = [score(retriever, q) for q in questions(args.part)]
    others = content_questions()
    taken = {name: taken_for_record(texts) for name, texts in others.items()}
    result = {"part": args.part, "questions": len(rows),
              "phrasings": sum(args.part in ("all", part(p)) for _, p in PHRASINGS),
              "accuracy": sum(r["correct"] for r in rows) / max(1, len(rows)),
              "by_field": {f: sum(r["correct"] for r in rows if r["field"] == f)
                           / max(1, sum(r["field"] == f for r in rows)) for f in ("speaker", "date", "meeting")},
              **latency_summary([r["latency_ms"] for r in rows]),
              "content_questions_taken": {n: f"{len(t)} of {len(others[n])}" for n, t in taken.items()},
              # Those the patterns take, asked of the library: answered from a record or with the
              # library's list (want 0).
              "content_questions_answered_from_a_record": {
                  n: [x for x in t if retriever.ask(x).route in ("record", "library", "mentions")]
                  for n, t in taken.items()},
              "taken": {n: t[:10] for n, t in taken.items() if t},
              "wrong": [(r["question"], r["answer"]) for r in rows if not r["correct"]][:15]}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
