"""Fit the abstention thresholds (``abstain.AbstentionPolicy``) on labelled questions.

In:  JSONL lines with ``question`` and ``answerable`` (our set: benchmarks/questions.jsonl).
Out: thresholds printed, and written to retriever/abstention.json with ``--write``.

Grid search: an unanswered question that gets an answer (a guess presented as fact)
costs 3, a needless abstention costs 1. Among equally good thresholds we take the
middle of the range, which leaves the widest margin on both sides.
"""
from __future__ import annotations

import json
from pathlib import Path

from .abstain import AbstentionPolicy, measure
from .search import idf

GUESS_COST, ABSTAIN_COST = 3, 1


def features(retriever, questions: list[dict]) -> list[tuple[dict, object, object]]:
    """(question record, parsed question, Relevance with the sentence cosine always computed)."""
    from .extract import add_cosines, candidates

    rows = []
    total = max(1, retriever.store.info().chunks)
    corpus = retriever.store.folded_text()
    for q in questions:
        parsed = retriever.prepare(q["question"])
        hits = retriever.search(parsed, k=10)
        frequency = retriever.store.term_document_frequency(parsed.terms)
        relevance = measure(parsed, hits, frequency, total, corpus)
        weights = {t: idf(frequency[t], total) for t in parsed.terms}
        found = candidates(parsed, hits[:5], weights, counted=relevance.counted)
        relevance.sentence = add_cosines(retriever.searcher.last_query_vector, found, retriever.embedder)
        rows.append((q, parsed, relevance))
    return rows


def _cost(policy: AbstentionPolicy, rows) -> tuple[int, int, int]:
    guesses = sum(1 for q, p, r in rows if not q["answerable"] and not policy.abstains(p, r))
    needless = sum(1 for q, p, r in rows if q["answerable"] and policy.abstains(p, r))
    return GUESS_COST * guesses + ABSTAIN_COST * needless, guesses, needless


COVERAGE_GRID = [round(0.05 * i, 2) for i in range(21)]              # 0 .. 1
SENTENCE_GRID = [round(0.70 + 0.0025 * i, 4) for i in range(101)]   # 0.70 .. 0.95
ENGLISH_COVERAGE_GRID = [round(0.01 * i, 2) for i in range(31)]     # 0 .. 0.3: English coverage runs low


def _cheapest(policies: list[AbstentionPolicy], rows) -> AbstentionPolicy:
    """The policy of least cost on these rows; among equals the middle one, which leaves
    the widest margin either side."""
    costs = [_cost(policy, rows)[0] for policy in policies]
    tied = [policy for policy, cost in zip(policies, costs) if cost == min(costs)]
    return tied[len(tied) // 2]


def fit(rows) -> tuple[AbstentionPolicy, tuple[int, int, int]]:
    """Chinese and English questions get thresholds of their own, each fitted alone
    (the English threshold only touches English questions)."""
    chinese = [r for r in rows if r[1].language != "en"]
    english = [r for r in rows if r[1].language == "en"]
    policy = _cheapest([AbstentionPolicy(confident_coverage=c, min_sentence=s)
                        for c in COVERAGE_GRID for s in SENTENCE_GRID], chinese)
    english_policy = _cheapest([AbstentionPolicy(min_sentence_english=e, min_coverage_english=c)
                                for c in ENGLISH_COVERAGE_GRID for e in SENTENCE_GRID], english)
    policy.min_sentence_english = english_policy.min_sentence_english
    policy.min_coverage_english = english_policy.min_coverage_english
    return policy, _cost(policy, rows)


def calibrate(retriever, path: Path, write: bool = False) -> int:
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = features(retriever, questions)
    for q, p, r in sorted(rows, key=lambda row: row[2].sentence or 0):
        print(f"{'A' if q['answerable'] else 'U'} sentence={r.sentence or 0:.3f} coverage={r.coverage:.2f} "
              f"vetoed={[w for _, words in r.vetoes for w in words]} {p.language:<7} {q['question'][:36]}")
    policy, (cost, guesses, needless) = fit(rows)
    print(f"\nthresholds: {policy}")
    print(f"in-sample, {len(rows)} questions: {guesses} unanswerable answered, {needless} answerable abstained")
    loo_guesses = loo_needless = 0
    for i, (q, p, r) in enumerate(rows):      # leave-one-out: how thresholds fare on unseen questions
        held_out_policy, _ = fit(rows[:i] + rows[i + 1:])
        wrong = held_out_policy.abstains(p, r) == q["answerable"]
        loo_guesses += wrong and not q["answerable"]
        loo_needless += wrong and q["answerable"]
    print(f"leave-one-out: {loo_guesses} unanswerable answered, {loo_needless} answerable abstained")
    if write:
        policy.save(fitted_on=str(path), questions=len(rows), unanswerable_answered=guesses,
                    answerable_abstained=needless)
        print("written to retriever/abstention.json")
    return 0
