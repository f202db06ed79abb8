"""Evaluate on our own question set about the shipped report.

    python -m benchmarks.own_set [--data-dir DIR] [--questions benchmarks/questions.jsonl]

Reads questions with the evidence a correct source must contain (compared after folding
both to Simplified lower case), asks each through the real ``Retriever`` and prints:
Recall@1/3, MRR@10 (answerable questions, by kind), answer accuracy (the answer
contains the key string; how many right answers hold it in their first sentence, and
mark it: a key span and the key string overlap; the key span's character F1 against the
key and how often it is exactly the key: ``marking``),
abstention precision/recall, follow-up accuracy with and
without conversation resolution, and latency. ``--json`` prints the same as JSON.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import settings
from chinese.clean import fold_for_matching
from benchmarks.marking import KeyMarking, key_marking
from retriever.conversation import Turn
from retriever.question import BadQuestion, detect_language
from retriever.records import first_sentence
from retriever.service import Retriever

HERE = Path(__file__).parent


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _first_hit(texts: list[str], evidence: list[str]) -> int | None:
    wanted = [fold_for_matching(e) for e in evidence]
    for rank, text in enumerate(texts, 1):
        folded = fold_for_matching(text)
        if any(w in folded for w in wanted):
            return rank
    return None


def _keys(question: dict) -> list[str]:
    """The key strings a right answer contains one of: ``answer`` is one string, or a list
    for questions with several right answers ("what has the district done about X")."""
    keys = question.get("answer")
    return [] if keys is None else [keys] if isinstance(keys, str) else list(keys)


def evaluate(retriever: Retriever, questions: list[dict], k: int = 10) -> dict:
    rows = []
    for q in questions:
        started = time.perf_counter()
        answer = retriever.ask(q["question"], k=5)
        latency = (time.perf_counter() - started) * 1000
        texts = [h.chunk.text for h in answer.hits[:k]]
        rank = _first_hit(texts, q["evidence"]) if q["answerable"] else None
        given = fold_for_matching(answer.answer)
        found = next((k for k in _keys(q) if fold_for_matching(k) in given), None)
        correct = q["answerable"] and not answer.abstained and found is not None
        first = correct and fold_for_matching(found) in fold_for_matching(first_sentence(answer.answer))
        marking = (key_marking(answer.answer, answer.key_spans, [found]) if correct
                   else KeyMarking(marked=False, f1=0.0, exact=False))
        rows.append({"qid": q["qid"], "kind": q["kind"], "answerable": q["answerable"], "rank": rank,
                     "english": detect_language(q["question"]) == "en",
                     "abstained": answer.abstained, "correct": correct, "first": first,
                     "marked": marking.marked, "key_f1": marking.f1, "key_exact": marking.exact,
                     "latency_ms": latency,
                     "question": q["question"], "answer": answer.answer})
    return {"rows": rows, "summary": summarise(rows)}


def summarise(rows: list[dict]) -> dict:
    """Retrieval over answerable questions, abstention over all; overall, by kind and by
    the question's language (Chinese in either script, or English)."""
    answerable = [r for r in rows if r["answerable"]]

    def recall(subset, k):
        return sum(1 for r in subset if r["rank"] and r["rank"] <= k) / max(1, len(subset))

    def mrr(subset):
        return sum(1 / r["rank"] for r in subset if r["rank"]) / max(1, len(subset))

    def outcome(subset) -> dict:
        found = [r for r in subset if r["answerable"]]
        missing = [r for r in subset if not r["answerable"]]
        abstained = [r for r in subset if r["abstained"]]
        return {"n": len(subset), "answerable": len(found), "unanswerable": len(missing),
                "recall@1": recall(found, 1), "recall@3": recall(found, 3), "mrr@10": mrr(found),
                "answer_accuracy": sum(r["correct"] for r in found) / max(1, len(found)),
                "right_answers": sum(r["correct"] for r in found),
                "right_in_first_sentence": sum(r["first"] for r in found),
                "right_key_marked": sum(r["marked"] for r in found),
                "right_key_exact": sum(r["key_exact"] for r in found),
                "right_key_f1": sum(r["key_f1"] for r in found if r["correct"]) / max(1, sum(r["correct"] for r in found)),
                "abstention_precision": sum(1 for r in abstained if not r["answerable"]) / max(1, len(abstained)),
                "abstention_recall": sum(1 for r in missing if r["abstained"]) / max(1, len(missing)),
                "answerable_abstained": sum(1 for r in found if r["abstained"]),
                "unanswerable_answered": sum(1 for r in missing if not r["abstained"])}

    overall = outcome(rows)
    return {
        **overall, "questions": overall["n"],
        "by_kind": {kind: {"n": len(subset), "recall@1": recall(subset, 1), "recall@3": recall(subset, 3)}
                    for kind in sorted({r["kind"] for r in answerable})
                    for subset in [[r for r in answerable if r["kind"] == kind]]},
        "by_language": {"chinese": outcome([r for r in rows if not r["english"]]),
                        "english": outcome([r for r in rows if r["english"]])},
        **latency_summary([r["latency_ms"] for r in rows]),
    }


def latency_summary(latencies: list[float]) -> dict:
    """p50 (the median) and p95 of whole-answer latencies, in ms."""
    ordered = sorted(latencies)
    return {"latency_ms_p50": statistics.median(ordered) if ordered else 0,
            "latency_ms_p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0}


def evaluate_followups(retriever: Retriever, conversations: list[dict]) -> dict:
    """Second-turn R@3 with the conversation, and without it (the question alone); and
    how often the second answer quotes a passage with the evidence (not abstained)."""
    with_history = without = quoted = 0
    details = []
    for conv in conversations:
        first, second = conv["turns"][0], conv["turns"][1]
        a1 = retriever.ask(first["question"], k=5)
        history = [Turn.after(first["question"], a1)]
        a2 = retriever.ask(second["question"], k=5, history=history)
        hit_with = _first_hit([h.chunk.text for h in a2.hits[:3]], second["evidence"]) is not None
        try:
            alone = retriever.ask(second["question"], k=5)
            hit_alone = _first_hit([h.chunk.text for h in alone.hits[:3]], second["evidence"]) is not None
        except BadQuestion:
            hit_alone = False
        used = [c.text for c in a2.citations if c.sentences]
        quotes = not a2.abstained and _first_hit(used, second["evidence"]) is not None
        with_history += hit_with
        without += hit_alone
        quoted += quotes
        details.append({"cid": conv["cid"], "resolved": a2.resolved_question, "hit": hit_with, "alone": hit_alone,
                        "quoted": quotes})
    n = max(1, len(conversations))
    return {"conversations": len(conversations), "recall@3_with_history": with_history / n,
            "recall@3_question_alone": without / n, "answer_quotes_evidence": quoted / n, "details": details}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.own_set", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    parser.add_argument("--followups", type=Path, default=HERE / "followups.jsonl")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--details", action="store_true", help="print every question's outcome")
    args = parser.parse_args(argv)
    retriever = Retriever(settings.data_dir(args.data_dir))
    retriever.warm_up()
    result = evaluate(retriever, _load(args.questions))
    result["followups"] = evaluate_followups(retriever, _load(args.followups))
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "rows" or args.details}, ensure_ascii=False, indent=1))
        return 0
    if args.details:
        for r in result["rows"]:
            flag = "ok " if (r["rank"] == 1 or (not r["answerable"] and r["abstained"])) else "-- "
            print(f"{flag}{r['qid']} {r['kind']:<12} rank={r['rank']} abstained={r['abstained']} "
                  f"correct={r['correct']} {r['question'][:40]}\n      {r['answer'][:110]}")
    s = result["summary"]
    print(f"{s['questions']} questions ({s['answerable']} answerable, {s['unanswerable']} unanswerable)")
    print(f"Recall@1 {s['recall@1']:.3f}  Recall@3 {s['recall@3']:.3f}  MRR@10 {s['mrr@10']:.3f}")
    for kind, v in s["by_kind"].items():
        print(f"  {kind:<12} n={v['n']:<3} R@1 {v['recall@1']:.3f}  R@3 {v['recall@3']:.3f}")
    print(f"answer accuracy {s['answer_accuracy']:.3f}  (of {s['right_answers']} right answers, the key is in "
          f"the first sentence in {s['right_in_first_sentence']}, marked in {s['right_key_marked']}; "
          f"key span F1 {s['right_key_f1']:.3f}, exactly the key in {s['right_key_exact']})")
    print(f"abstention precision {s['abstention_precision']:.3f}  recall {s['abstention_recall']:.3f}  "
          f"(answerable abstained: {s['answerable_abstained']}, unanswerable answered: {s['unanswerable_answered']})")
    for language, v in s["by_language"].items():
        if not v["answerable"] + v["unanswerable"]:
            continue                        # a set with no questions in this language
        print(f"  {language:<8} {v['answerable']} answerable: R@1 {v['recall@1']:.3f}  R@3 {v['recall@3']:.3f}  "
              f"MRR@10 {v['mrr@10']:.3f}  accuracy {v['answer_accuracy']:.3f}; {v['unanswerable']} unanswerable: "
              f"{v['unanswerable_answered']} answered; answerable abstained {v['answerable_abstained']}")
    f = result["followups"]
    print(f"follow-ups: R@3 {f['recall@3_with_history']:.2f} with the conversation, "
          f"{f['recall@3_question_alone']:.2f} for the question alone; the answer quotes the evidence "
          f"{f['answer_quotes_evidence']:.2f} ({f['conversations']} conversations)")
    print(f"latency per answer: p50 {s['latency_ms_p50']:.0f} ms, p95 {s['latency_ms_p95']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
