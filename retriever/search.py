"""Hybrid search: dense (FAISS over e5 vectors) + keywords (FTS5 BM25 over jieba terms).

English questions are matched across languages: their dense side scores each chunk by
its closest piece (a sentence or two, ``ingest.chunking``), and a third ranking searches
the passages' dictionary glosses (``retriever.glosses``). docs/log.md, "English questions".

In:  a parsed ``Question``, k. Out: up to k ``Hit`` objects, best first, with the
evidence for each (cosine, BM25, ranks), near-duplicates removed.
"""
from __future__ import annotations

import concurrent.futures
import math
import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from chinese.clean import fold_for_matching
from index import IndexStore

# Runs each question's keyword search beside its embedding (``HybridSearcher.search``).
_BACKGROUND = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="keywords")

from .fusion import Fusion
from .glosses import GlossIndex
from .question import Question, asks_about_people, topic_words
from .records import Hit


@dataclass
class SearchConfig:
    candidates: int = 100           # per side, before fusion (scores are scaled over this list)
    fusion: Fusion = field(default_factory=Fusion)
    near_duplicate: float = 0.8     # Jaccard of character 4-grams above which a hit is a copy
    rerank_model: str | None = None
    rerank_top: int = 20

    @classmethod
    def from_env(cls) -> "SearchConfig":
        config = cls()
        config.fusion.method = os.environ.get("RAG_FUSION", config.fusion.method)
        config.rerank_model = os.environ.get("RAG_RERANK_MODEL") or None
        return config


class HybridSearcher:
    def __init__(self, store: IndexStore, embedder, config: SearchConfig | None = None):
        self.store = store
        self.embedder = embedder
        self.config = config or SearchConfig.from_env()
        self.glosses = GlossIndex(store)
        self._reranker = None
        self._local = threading.local()

    @property
    def last_query_vector(self):
        """The vector of this thread's last question (saves embedding it twice)."""
        return getattr(self._local, "vector", None)

    def search(self, question: Question, k: int = 5, exclude: set[int] | frozenset = frozenset(),
               timing: dict | None = None, within=None) -> list[Hit]:
        """``within``: the documents to search (a question's scope); None: all."""
        timing = timing if timing is not None else {}
        t0 = time.perf_counter()
        # The keyword search needs no vector: it runs while the question is embedded (the
        # database works outside the GIL; with PostgreSQL, in another process).
        keywords = _BACKGROUND.submit(self.store.keyword_search, question.terms + question.bigrams,
                                      self.config.candidates, within)
        query_vector = self._embedded(question.text)
        t1 = time.perf_counter()
        dense, lexical, glossed = self.rankings(question, query_vector, within, keywords=keywords)
        t2 = time.perf_counter()
        fused = [(i, s) for i, s in self.config.fusion.fuse(dense, lexical, glossed) if i not in exclude]
        hits = self._hits(fused[: max(3 * k, 20)], dense, lexical, query_vector, question.language == "en")
        hits = drop_near_duplicates(hits, self.config.near_duplicate)
        hits = self._author_notes_for(question, hits)
        if self.config.rerank_model:
            hits = self._rerank(question, hits)
        t3 = time.perf_counter()
        timing.update(embed_query=(t1 - t0) * 1000, search=(t2 - t1) * 1000, fuse=(t3 - t2) * 1000)
        return hits[:k]

    def _embedded(self, text: str):
        """The question's vector; the same text asked again in this thread (each report of
        a library searched on its own) is not embedded again."""
        if getattr(self._local, "text", None) != text:
            self._local.vector, self._local.text = self.embedder.embed_query(text), text
        return self._local.vector

    def rankings(self, question: Question, query_vector, within=None, keywords=None) -> tuple[list, list, list | None]:
        """The candidate lists before fusion, each [(chunk id, score)] best first: dense,
        keywords, and for English questions the glossed passages (else None). ``keywords``:
        the keyword search already started (a future), if it was."""
        limit = self.config.candidates
        if keywords is None:
            keywords = _BACKGROUND.submit(self.store.keyword_search, question.terms + question.bigrams, limit, within)
        if question.language != "en":
            return self.store.vector_search(query_vector, limit, within), keywords.result(), None
        glossed = self.glosses.search(topic_words(question.text), limit, within)
        return self.store.piece_search(query_vector, limit, within), keywords.result(), glossed

    def _hits(self, fused, dense, lexical, query_vector, by_piece: bool) -> list[Hit]:
        chunks = self.store.chunks([i for i, _ in fused])
        dense_rank = {i: (r, s) for r, (i, s) in enumerate(dense, 1)}
        lexical_rank = {i: (r, s) for r, (i, s) in enumerate(lexical, 1)}
        cosines = (self.store.piece_cosines if by_piece else self.store.cosines)(
            query_vector, [i for i, _ in fused if i not in dense_rank])
        hits = []
        for chunk_id, score in fused:
            if chunk_id not in chunks:
                continue   # removed between the search and now
            d = dense_rank.get(chunk_id)
            lx = lexical_rank.get(chunk_id)
            hits.append(Hit(chunk=chunks[chunk_id], score=score,
                            dense=d[1] if d else cosines.get(chunk_id), dense_rank=d[0] if d else None,
                            lexical=lx[1] if lx else None, lexical_rank=lx[0] if lx else None))
        return hits

    def _author_notes_for(self, question: Question, hits: list[Hit]) -> list[Hit]:
        """The hits without author notes (``index.records.is_author_note``), unless the
        question asks about people or names something that only author notes mention
        (褚大军是什么职务？): the byline "（作者褚大军系广州开发区政策研究室副主任……）" says
        广州开发区 and 政策 three times in 80 characters, and so outranked every passage on
        the district's 人才政策."""
        notes = [h for h in hits if h.chunk.is_author_note]
        if not notes or asks_about_people(question.folded) or self._only_in_notes(question, notes):
            return hits
        return [h for h in hits if not h.chunk.is_author_note]

    def _only_in_notes(self, question: Question, notes: list[Hit]) -> bool:
        in_notes = [t for t in question.terms if any(t in fold_for_matching(h.chunk.text) for h in notes)]
        for chunk_ids in self.store.term_chunks(in_notes).values():
            if chunk_ids and len(chunk_ids) <= len(notes) + 3:     # a rare word: read its chunks
                if all(c.is_author_note for c in self.store.chunks(list(chunk_ids)).values()):
                    return True
        return False

    def _rerank(self, question: Question, hits: list[Hit]) -> list[Hit]:
        if self._reranker is None:
            from sentence_transformers import CrossEncoder

            self._reranker = CrossEncoder(self.config.rerank_model, device="cpu")
        top = hits[: self.config.rerank_top]
        scores = self._reranker.predict([(question.text, h.chunk.text) for h in top])
        for hit, s in zip(top, scores):
            hit.rerank = float(np.asarray(s).reshape(-1)[-1])
        return sorted(top, key=lambda h: -h.rerank) + hits[self.config.rerank_top:]


def _shingles(text: str, n: int = 4) -> set[str]:
    folded = "".join(fold_for_matching(text).split())
    return {folded[i:i + n] for i in range(max(1, len(folded) - n + 1))}


def drop_near_duplicates(hits: list[Hit], threshold: float) -> list[Hit]:
    """Keep the best of each group of (near-)identical passages: the same paragraph in
    two reports, or a report ingested twice under different names."""
    kept: list[tuple[Hit, set[str]]] = []
    for hit in hits:
        grams = _shingles(hit.chunk.text)
        duplicate = any(len(grams & g) / max(1, len(grams | g)) >= threshold
                        or (len(grams & g) >= 0.95 * min(len(grams), len(g)))
                        for _, g in kept)
        if not duplicate:
            kept.append((hit, grams))
    return [h for h, _ in kept]


def idf(document_frequency: int, total: int) -> float:
    return math.log(1 + (total - document_frequency + 0.5) / (document_frequency + 0.5))
