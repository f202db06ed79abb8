"""Does a report mention something? ("上海的报告里提到人工智能了吗？", "What does Shanghai's
report say about artificial intelligence?"), asked of the 30-report library (README,
"Measurements").

    python -m benchmarks.library.mentions [--part report|dev|all] [--data-dir DIR] [--json]

Eight policy terms, each asked of each of the 29 provincial reports in four phrasings
(``PHRASINGS``). Whether the report mentions the term is read off its text: the term as
written, in the report's cleaned text (folded). Mentioned: right when the answer quotes a
sentence of that report holding the term. Not mentioned: right when declined. The terms were
chosen for a mix of reports that mention them and reports that do not (counted over the 29
before any question was asked), not from answers. "Not mentioned as written" is not "not
spoken of" (a report may say 冰雪旅游 and not 冰雪经济), so the declined side is a lower bound.
Split by a hash of (province, term), before anything was asked.
"""
from __future__ import annotations

import time

from benchmarks.library.run import asked_of_the_library, printed
from benchmarks.sets import library_part
from chinese.clean import fold_for_matching

TERMS = {"人工智能": "artificial intelligence", "低空经济": "the low-altitude economy",
         "海洋经济": "the marine economy", "人形机器人": "humanoid robots", "商业航天": "commercial spaceflight",
         "冰雪经济": "the ice and snow economy", "银发经济": "the silver economy", "集成电路": "integrated circuits"}
PHRASINGS = ("{p}的报告里提到{t}了吗？", "{p}政府工作报告中关于{t}说了什么？", "{p}提到{t}了吗？",
             "What does {e}'s report say about {te}?")


def questions(store, part: str) -> list[dict]:
    from ingest.config import PROVINCES

    english = {full: e for _, full, e in PROVINCES}
    out = []
    for doc in sorted(store.documents(), key=lambda d: d.doc_id):
        place = doc.record.get("place", "")
        if place not in english:
            continue
        text = fold_for_matching(doc.text)
        for term, term_en in TERMS.items():
            pair = f"mention-{place}-{term}"
            if part not in ("all", library_part(pair)):
                continue
            for n, phrasing in enumerate(PHRASINGS):
                out.append({"qid": pair, "phrasing": n,
                            "question": phrasing.format(p=place, t=term, e=english[place], te=term_en),
                            "doc_id": doc.doc_id, "term": term, "mentioned": term in text,
                            })
    return out


def score(retriever, q: dict) -> dict:
    started = time.perf_counter()
    answer = retriever.ask(q["question"])
    latency = (time.perf_counter() - started) * 1000
    quoted = [s for c in answer.citations if c.doc_id == q["doc_id"] for s in c.sentences]
    holds = any(q["term"] in fold_for_matching(s) for s in quoted)
    correct = (not answer.abstained and holds) if q["mentioned"] else answer.abstained
    return {**q, "abstained": answer.abstained, "correct": correct, "latency_ms": latency,
            "answer": answer.answer[:200]}


def summary(rows: list[dict]) -> dict:
    said = [r for r in rows if r["mentioned"]]
    unsaid = [r for r in rows if not r["mentioned"]]
    return {"questions": len(rows), "mentioned": len(said), "not_mentioned": len(unsaid),
            "mentioned_quoted": sum(r["correct"] for r in said) / max(1, len(said)),
            "mentioned_declined": sum(r["abstained"] for r in said) / max(1, len(said)),
            "not_mentioned_declined": sum(r["abstained"] for r in unsaid) / max(1, len(unsaid))}


def main(argv=None) -> int:
    from benchmarks.own_set import latency_summary
    args, retriever = asked_of_the_library("python -m benchmarks.library.mentions", __doc__, argv)
    rows = [score(retriever, q) for q in questions(retriever.store, args.part)]
    result = {"part": args.part, **summary(rows), **latency_summary([r["latency_ms"] for r in rows]),
              "by_phrasing": {p: summary([r for r in rows if r["phrasing"] == n]) for n, p in enumerate(PHRASINGS)}}
    return printed(result, rows, args)


if __name__ == "__main__":
    raise SystemExit(main())
