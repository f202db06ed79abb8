"""English question -> the passages whose Chinese words it translates (document translation).

In:  the index (each chunk's keyword terms), an English question.
Out: [(chunk id, BM25 score)], best first.

``retriever.bridge`` translates the question into Chinese and must pick two senses per
phrase. This goes the other way: each Chinese word of each passage stands for the stems
of all its CC-CEDICT glosses (通关 -> "clear custom", 民营 -> "privat run", 权限 ->
"... power ..."), and the question's own stems are searched there with BM25. No sense
has to be chosen, and an idea the dictionary words differently from the question still
meets it ("powers" finds 权限 by "extent of power"). Fused as a third ranking for English
questions: docs/log.md, "English questions".

Built in memory (an SQLite FTS5 table) from the index's keyword terms on first use and
rebuilt when the index's generation changes: 0.01 s for the report, 1.0 s for the pooled
benchmark's 6,671 chunks; a search takes 0.1 / 2.8 ms. So the on-disk format does not
change, and an existing index gains it as is. A scoped search scores the scope's passages
with the scope's own statistics (``index.bm25``), as the keyword side does.
"""
from __future__ import annotations

import sqlite3
import threading

from chinese.bilingual import english_stems, glosses_of
from index.bm25 import ChunkTokens, bm25
from index.store import fts_phrase


class GlossIndex:
    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._db: sqlite3.Connection | None = None
        self._scoped: dict[str, list[ChunkTokens]] = {}     # doc_id -> its passages' glossed stems

    def search(self, english: str, limit: int, within=None) -> list[tuple[int, float]]:
        """``within``: the documents to search (None: all)."""
        stems = english_stems(english)
        if not stems:
            return []
        # A scope of every document is the whole table: FTS5's statistics are the scope's
        # (as ``IndexStore.keyword_search``), and no document's stems need caching.
        if within is not None and len(set(within)) < self.store.info().documents:
            return bm25(stems, self._glossed_chunks(within), limit)
        query = " OR ".join(fts_phrase(s) for s in stems)
        with self._lock:
            db = self._current()
            rows = db.execute("SELECT rowid, -bm25(glosses) FROM glosses WHERE glosses MATCH ?"
                              " ORDER BY bm25(glosses) LIMIT ?", (query, limit)).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def _glossed_chunks(self, doc_ids) -> list[ChunkTokens]:
        """The glossed stems of these documents' passages, read back from the gloss table
        (cached per document until the index changes)."""
        with self._lock:
            db = self._current()
            for doc_id in doc_ids:
                if doc_id not in self._scoped:
                    ids = [c.id for c in self.store.chunks_of(doc_id)]
                    rows = db.execute(f"SELECT rowid, stems FROM glosses WHERE rowid IN ({','.join('?' * len(ids))})",
                                      ids).fetchall() if ids else []
                    self._scoped[doc_id] = [ChunkTokens.of(int(i), stems) for i, stems in rows]
            return [c for doc_id in doc_ids for c in self._scoped[doc_id]]

    def warm_up(self) -> None:
        with self._lock:
            self._current()

    def _current(self) -> sqlite3.Connection:
        if self._db is not None and self._generation == self.store.generation:
            return self._db
        generation, rows = self.store.all_chunk_terms()
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.execute("CREATE VIRTUAL TABLE glosses USING fts5(stems, tokenize='unicode61')")
        db.executemany("INSERT INTO glosses (rowid, stems) VALUES (?, ?)",
                       ((chunk_id, _glossed(terms)) for chunk_id, terms in rows))
        self._db, self._generation = db, generation
        self._scoped = {}
        return db


def _glossed(terms: str) -> str:
    # The terms hold jieba's words and then the passage's character bigrams; a bigram the
    # dictionary lists counts again (it is mostly one of the words), the rest gloss to nothing.
    return " ".join(g for t in terms.split() if len(t) >= 2 and (g := glosses_of(t)))
