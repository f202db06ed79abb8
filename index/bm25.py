"""BM25 as SQLite's FTS5 computes it, over a given set of chunks: a scoped search scores
with the scope's own statistics (README, "Asking a library").

FTS5's ``bm25()`` takes N, each term's document frequency and the average length from the
whole table, so a report searched within a library ranked its passages by every other
report's vocabulary: adding a province changed the order of the shipped report's passages.
Scored over the scope's chunks, a report searched on its own ranks as it would alone in the
index (the same scores as FTS5's there; ``tests/test_index_store.py``).
"""
from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass

# FTS5's bm25() constants (its source, fts5_aux.c), also those of the PostgreSQL backend.
K1, B = 1.2, 0.75

# What FTS5's unicode61 tokenizer keeps of a term: runs of letters and digits, lower case.
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class ChunkTokens:
    """A chunk's keyword tokens, in order and counted."""
    id: int
    tokens: tuple[str, ...]
    counts: dict[str, int]

    @classmethod
    def of(cls, chunk_id: int, terms: str) -> "ChunkTokens":
        # Interned: a library's chunks share their words (the 30-report library's tokens,
        # cached: 77 MiB as separate strings, 27 MiB interned).
        words = tuple(sys.intern(w) for w in tokens(terms))
        return cls(chunk_id, words, Counter(words))

    def count(self, phrase: list[str]) -> int:
        """How often the phrase (consecutive tokens) occurs."""
        if len(phrase) == 1:
            return self.counts.get(phrase[0], 0)
        if any(w not in self.counts for w in phrase):
            return 0
        n = len(phrase)
        return sum(1 for i in range(len(self.tokens) - n + 1) if list(self.tokens[i:i + n]) == phrase)


def bm25(terms: list[str], chunks: list[ChunkTokens], limit: int) -> list[tuple[int, float]]:
    """[(chunk id, score)] of the chunks holding any term, best first (ties by id): each term
    a phrase, its IDF log((N - n + 0.5) / (n + 0.5)) floored at 1e-6, as FTS5 scores an OR
    of phrases."""
    if not chunks:
        return []
    average = sum(len(c.tokens) for c in chunks) / len(chunks) or 1.0
    scores: dict[int, float] = {}
    for term in terms:
        phrase = tokens(term)
        if not phrase:
            continue
        holding = [(c, n) for c in chunks if (n := c.count(phrase))]
        idf = max(math.log((len(chunks) - len(holding) + 0.5) / (len(holding) + 0.5)), 1e-6)
        for c, n in holding:
            scores[c.id] = scores.get(c.id, 0.0) + idf * n * (K1 + 1) / (n + K1 * (1 - B + B * len(c.tokens) / average))
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
