"""Choose the chunk size by measurement, and compare with the usual pipelines.

    python -m benchmarks.chunk_sizes [--sizes 150 200 300 400 500 750]

For each size the shipped corpus is ingested into a temporary index (structure-aware
chunks, ``--max-chars SIZE``) and our question set is run through the real retriever:
Recall@1/3 and MRR@10 on the answerable questions, answer accuracy, wrongly abstained
answerable questions, and chunk lengths. Two reference pipelines run on the same text
and questions, with the same e5 model:

- "naive": what a default LangChain RAG does: the cleaned text cut into 500-character
  windows overlapping by 50, with no regard for sentences or sections, dense search only;
- "chatchat-like": 750-character windows (overlap 150), hybrid search.

One model load serves every row; the vectors of text already embedded are reused.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import settings
from embedding.model import Embedder
from index import open_store
from ingest.pipeline import IngestOptions, Ingestor
from retriever.fusion import Fusion
from retriever.search import SearchConfig
from retriever.service import Retriever

from .own_set import HERE, _load, evaluate


def windows(text: str, size: int, overlap: int) -> list[str]:
    """Fixed character windows, as a character text splitter makes them."""
    text = text.replace("\n", "")
    step = size - overlap
    return [text[i:i + size] for i in range(0, max(1, len(text) - overlap), step)]


def windowed_corpus(data_dir: Path, size: int, overlap: int, out: Path) -> Path:
    """The cleaned documents of an index, cut into windows, as an ingestable .jsonl."""
    store = open_store(data_dir)
    with open(out, "w", encoding="utf-8") as fh:
        for doc in store.documents():
            for n, piece in enumerate(windows(doc.text, size, overlap)):
                fh.write(json.dumps({"doc_id": f"{doc.doc_id}-w{n}", "title": doc.title, "text": piece},
                                    ensure_ascii=False) + "\n")
    store.close()
    return out


def run(name: str, data_dir: Path, embedder: Embedder, questions: list[dict], fusion: Fusion | None = None) -> dict:
    retriever = Retriever(data_dir, embedder=embedder, config=SearchConfig(fusion=fusion or Fusion()))
    summary = evaluate(retriever, questions)["summary"]
    store = retriever.store
    lengths = [len(c.text) for d in store.documents() for c in store.chunks_of(d.doc_id)]
    row = {"pipeline": name, "chunks": len(lengths), "median_chars": statistics.median(lengths),
           "max_chars": max(lengths), "recall@1": round(summary["recall@1"], 3),
           "recall@3": round(summary["recall@3"], 3), "mrr@10": round(summary["mrr@10"], 3),
           "answer_accuracy": round(summary["answer_accuracy"], 3),
           "answerable_abstained": summary["answerable_abstained"],
           "unanswerable_answered": summary["unanswerable_answered"]}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chunk_sizes", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 200, 300, 400, 500, 750])
    parser.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    args = parser.parse_args(argv)
    questions = _load(args.questions)
    embedder = Embedder()
    with tempfile.TemporaryDirectory(prefix="chunk-sizes-") as tmp:
        tmp = Path(tmp)
        for size in args.sizes:
            data = tmp / f"size-{size}"
            Ingestor(data, embedder, IngestOptions(max_chars=size)).ingest_paths([settings.DEFAULT_CORPUS])
            run(f"structure-aware, max {size}", data, embedder, questions)
        source = tmp / f"size-{args.sizes[0]}"
        for name, size, overlap, fusion in (("naive: 500 windows, dense only", 500, 50, Fusion(lexical_weight=0.0)),
                                            ("chatchat-like: 750 windows, hybrid", 750, 150, None)):
            data = tmp / f"windows-{size}"
            corpus = windowed_corpus(source, size, overlap, tmp / f"windows-{size}.jsonl")
            Ingestor(data, embedder, IngestOptions(max_chars=size)).ingest_jsonl(corpus)
            run(name, data, embedder, questions, fusion)
    return 0


if __name__ == "__main__":
    sys.exit(main())
