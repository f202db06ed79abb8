"""Choose the fusion of dense and keyword rankings by measurement.

    python -m benchmarks.tune_fusion --data-dir DIR --questions Q.jsonl [--own] [--limit N | --sample N]

For every question the two candidate lists (top 100 each) are computed once; then each
fusion variant is scored offline: chunk-level Recall@1/3 and MRR@10 with the scorer's
lenient rule (gold doc_id, or an answer string in the text), or, with ``--own``, with
our evidence strings. Prints one row per variant; docs/log.md "Choosing the fusion" quotes them.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

import settings
from chinese.clean import fold_for_matching
from retriever.fusion import Fusion
from retriever.service import Retriever

VARIANTS = {
    "dense only": None,
    "keywords only": None,
    "rrf k=60": Fusion("rrf", k=60),
    "rrf k=20": Fusion("rrf", k=20),
    "rrf k=60 keywords x2": Fusion("rrf", k=60, lexical_weight=2.0),
    "score 1:1": Fusion("score", dense_weight=1.0),
    "score dense 5:4": Fusion("score", dense_weight=1.25),
    "score dense 3:2": Fusion("score", dense_weight=1.5),
    "score dense 2:1": Fusion("score", dense_weight=2.0),
    "score keywords 2:1": Fusion("score", dense_weight=1.0, lexical_weight=2.0),
    "zscore 1:1": Fusion("zscore", dense_weight=1.0),
    "zscore dense 5:4": Fusion("zscore", dense_weight=1.25),
    "zscore dense 3:2": Fusion("zscore", dense_weight=1.5),
    "zscore keywords 5:4": Fusion("zscore", dense_weight=1.0, lexical_weight=1.25),
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tune_fusion")
    parser.add_argument("--data-dir")
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--own", action="store_true", help="questions carry evidence strings (our set)")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--sample", type=int, help="N questions spread evenly over the file")
    parser.add_argument("--candidates", type=int, default=100)
    args = parser.parse_args(argv)
    retriever = Retriever(settings.data_dir(args.data_dir))
    retriever.searcher.config.candidates = args.candidates
    store = retriever.store
    questions = [json.loads(l) for l in args.questions.read_text(encoding="utf-8").splitlines() if l.strip()]
    if args.own:
        questions = [q for q in questions if q["answerable"]]
    questions = questions[: args.limit] if args.limit else questions
    if args.sample:
        questions = questions[:: max(1, len(questions) // args.sample)][: args.sample]
    cases = []
    for q in questions:
        parsed = retriever.prepare(q["question"])
        dense, lexical, glossed = retriever.searcher.rankings(parsed, retriever.embedder.embed_query(parsed.text))
        ids = list({i for i, _ in dense} | {i for i, _ in lexical} | {i for i, _ in glossed or []})
        chunks = store.chunks(ids)
        if args.own:
            wanted = [fold_for_matching(e) for e in q["evidence"]]
            relevant = {i for i, c in chunks.items() if any(w in fold_for_matching(c.text) for w in wanted)}
        else:
            answers = [_norm(a) for a in q.get("answers", []) if a.strip()]
            relevant = {i for i, c in chunks.items()
                        if c.doc_id == q.get("doc_id") or any(a in _norm(c.text) for a in answers)}
        cases.append((dense, lexical, glossed, relevant))
    print(f"{len(cases)} questions, {args.questions}")
    print(f"{'variant':<24} {'R@1':>7} {'R@3':>7} {'R@10':>7} {'MRR@10':>7}")
    for name, fusion in VARIANTS.items():
        r1 = r3 = r10 = mrr = 0.0
        for dense, lexical, glossed, relevant in cases:
            if name == "dense only":
                ranking = [i for i, _ in dense]
            elif name == "keywords only":
                ranking = [i for i, _ in lexical]
            else:
                ranking = [i for i, _ in fusion.fuse(dense, lexical, glossed)]
            rank = next((n for n, i in enumerate(ranking[:10], 1) if i in relevant), None)
            if rank:
                r1 += rank == 1
                r3 += rank <= 3
                r10 += 1
                mrr += 1 / rank
        n = max(1, len(cases))
        print(f"{name:<24} {r1 / n:7.4f} {r3 / n:7.4f} {r10 / n:7.4f} {mrr / n:7.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
