"""The on-disk index: one SQLite file (the source of truth) plus a FAISS file.

Layout of a data directory::

    index.sqlite            documents, chunks, their pieces, vectors (by content hash),
                            keyword index (FTS5), meta
    vectors-<gen>.faiss     FAISS inner-product index over chunk ids, derived from index.sqlite
    pieces-<gen>.faiss      the same over piece ids (sentences of a chunk, ``ingest.chunking``)
    ingest.lock             held by whoever is writing
    uploads/                files uploaded through the app (safe generated names)

Why this shape:
- Every write is one SQLite transaction, so a crash leaves either the old or the new
  index, never a mixture. ``meta.generation`` goes up with each commit.
- The FAISS file is named by the generation it was built from. It is written after the
  commit (temp file + rename). If it is missing or damaged, it is rebuilt from the
  vectors in SQLite, which are keyed by the sha256 of the embedded text: re-ingesting
  unchanged text never calls the model.
- Readers never lock: SQLite's WAL mode gives each query the last committed snapshot,
  so questions asked during an ingest are answered from the last complete index.
- Each chunk also has pieces, its sentences grouped to at most ~100 characters (one
  piece, the whole chunk, when it is that short), each with its own vector: English
  questions score a chunk by its closest piece (docs/log.md, "English questions").
- The keyword index is an FTS5 table over pre-cut terms (``chinese.tokenize``), so it
  is persisted and updated with the rows it describes, and ranked with BM25.
"""
from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .bm25 import ChunkTokens, bm25, tokens
from .protocol import Within
from .records import Chunk, Document, IndexInfo, record_of


SCHEMA_VERSION = 4   # 3 added pieces, 4 documents' records (meta); older ones are upgraded in place
DB_NAME = "index.sqlite"

# A chunk's pieces: spans of its text (its sentences, grouped: ingest.chunking.piece_spans),
# each embedded on its own. Every chunk has at least one; a short chunk is its own piece.
PIECES_SCHEMA = """
CREATE TABLE IF NOT EXISTS pieces (
    id INTEGER PRIMARY KEY,
    chunk_id INTEGER NOT NULL,
    piece_start INTEGER NOT NULL,
    piece_end INTEGER NOT NULL,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pieces_by_chunk ON pieces(chunk_id);
"""
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    origin TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    cleaning TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS documents_by_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_by_source ON documents(source);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    ord INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    section TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, ord);
CREATE INDEX IF NOT EXISTS chunks_by_hash ON chunks(text_hash);
CREATE TABLE IF NOT EXISTS vectors (text_hash TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5(terms, tokenize='unicode61 remove_diacritics 0');
""" + PIECES_SCHEMA

VECTOR_KINDS = {"vectors": "chunks", "pieces": "pieces"}   # FAISS file name -> the table it indexes

REPAIR_HINT = "Repair it with: python -m ingest --rebuild"


def faiss_patterns() -> list[str]:
    """Glob patterns of the FAISS files in a data directory."""
    return [f"{kind}-*.faiss" for kind in VECTOR_KINDS]


class IndexError_(RuntimeError):
    """The index is missing, damaged or built differently; the message says what to do."""


class LibraryUnavailable(IndexError_):
    """The library's database server cannot be reached (stopped, restarting, network).
    ``zh`` is the page's message; the next question tries the server again."""

    def __init__(self, message: str, zh: str = "无法连接报告库所在的数据库服务器，请稍后再试或联系管理员。"):
        super().__init__(message)
        self.zh = zh


class IndexBusy(RuntimeError):
    pass


class IngestLock:
    """An exclusive lock on a data directory for the duration of one ingest.

    Two ingests (CLI and app) are serialised, not interleaved. The OS releases the lock
    when its holder dies, so a killed ingest never leaves the index locked.
    """

    def __init__(self, data_dir: Path, wait: bool = True, on_wait=None):
        self.path = Path(data_dir) / "ingest.lock"
        self.wait, self.on_wait = wait, on_wait
        self._fh = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "w")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not self.wait:
                self._fh.close()
                raise IndexBusy("another ingest is running on this index") from None
            if self.on_wait:
                self.on_wait()
            fcntl.flock(self._fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()


def crash_point(name: str) -> None:
    """Die here, as with kill -9, when RAG_CRASH_AT names this point. The crash tests use it
    to stop an ingest at exact moments (mid-transaction, between commit and vector file)."""
    if os.environ.get("RAG_CRASH_AT") == name:
        os.kill(os.getpid(), 9)


def fts_phrase(term: str) -> str:
    """A term quoted as one FTS5 phrase, so nothing in a question can act as FTS5 syntax."""
    return '"' + term.replace('"', '""') + '"'


def sha256_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class RowReader:
    """Reading the library's rows, the same SQL in both backends (``index.protocol.Store``):
    each backend's ``_rows(sql, args)`` runs it (``?`` placeholders)."""

    def _rows(self, sql: str, args=()):
        raise NotImplementedError

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self._rows("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    @property
    def generation(self) -> int:
        return int(self.meta("generation", "0"))

    @property
    def model(self) -> str | None:
        return self.meta("model")

    def info(self) -> IndexInfo:
        docs = self._rows("SELECT count(*) FROM documents").fetchone()[0]
        chunks = self._rows("SELECT count(*) FROM chunks").fetchone()[0]
        dim = self.meta("dim")
        return IndexInfo(self.generation, self.model or "", docs, chunks, int(dim) if dim else None)

    def documents(self) -> list[Document]:
        return [_document(r) for r in self._rows(_DOCUMENT_ROWS + " ORDER BY ingested_at, doc_id")]

    def document(self, doc_id: str) -> Document | None:
        row = self._rows(_DOCUMENT_ROWS + " WHERE doc_id=?", (doc_id,)).fetchone()
        return _document(row) if row else None

    def document_states(self) -> dict[str, tuple[str, str, str]]:
        """doc_id -> (source, origin, content_hash), for deciding what an ingest must do."""
        rows = self._rows("SELECT doc_id, source, origin, content_hash FROM documents")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def chunks(self, ids: list[int]) -> dict[int, Chunk]:
        if not ids:
            return {}
        rows = self._rows(f"{_CHUNK_ROWS} WHERE c.id IN ({','.join('?' * len(ids))})", list(ids))
        return {r[0]: _chunk(r) for r in rows}

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [_chunk(r) for r in self._rows(f"{_CHUNK_ROWS} WHERE c.doc_id=? ORDER BY ord", (doc_id,))]

    def folded_text(self, within: Within = None) -> str:
        """The chunk texts (of ``within``'s documents, or all), folded for matching
        (Simplified, lower case), one string, cached per generation and document: answers
        "does the library (or this report) ever mention X?" in a millisecond."""
        from chinese.clean import fold_for_matching

        generation = self.generation
        cached = getattr(self, "_folded", None)
        if not cached or cached[0] != generation:
            by_doc: dict[str, list[str]] = {}
            for r in self._rows(_CHUNK_ROWS + " ORDER BY c.doc_id, ord"):
                chunk = _chunk(r)
                by_doc.setdefault(chunk.doc_id, []).append(chunk.matching_text)
            cached = self._folded = (generation, {d: fold_for_matching("\n".join(t)) for d, t in by_doc.items()})
        texts = cached[1]
        return "\n".join(texts[d] for d in (texts if within is None else within) if d in texts)


class IndexStore(RowReader):
    """Open with ``IndexStore(data_dir)``; ``create=True`` makes an empty index."""

    def __init__(self, data_dir: str | Path, create: bool = False):
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_NAME
        if not self.db_path.exists():
            if not create:
                raise IndexError_(f"no index in {self.data_dir}: run `python -m ingest` first")
            self.data_dir.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._faiss_cache: dict[str, tuple[int, object]] = {}   # kind -> (generation, index)
        self._token_cache: tuple[int, dict[str, list[ChunkTokens]]] = (-1, {})
        self._faiss_lock = threading.Lock()
        self._owners: tuple[int, dict[int, int]] | None = None    # (generation, piece id -> chunk id)
        try:
            conn = self._conn()
            if create:
                conn.executescript("BEGIN;" + SCHEMA + "COMMIT;")
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
                conn.commit()
            self._check_schema()
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"the index file {self.db_path} is damaged ({exc}). {REPAIR_HINT}") from None

    # ------------------------------------------------------------------ connections
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def _rows(self, sql: str, args=()):
        return self._conn().execute(sql, args)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _check_schema(self) -> None:
        conn = self._conn()
        conn.execute("PRAGMA quick_check").fetchone()
        row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is not None and int(row[0]) in (2, 3):
            self._upgrade()
        elif row is None or int(row[0]) != SCHEMA_VERSION:
            raise IndexError_(f"the index in {self.data_dir} has an unknown format. {REPAIR_HINT}")

    def _upgrade(self) -> None:
        """Upgrade a version 2 index: each chunk becomes its own single piece (same text,
        same vector: nothing to embed; ``--rebuild`` gives it finer pieces). Version 3: the
        documents get an empty record (``meta``), read again from their text by the next
        ``--rebuild``; until then ``Document.record`` reads it from the title."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:    # read-only, or locked for a minute
            raise IndexError_(f"the index in {self.data_dir} is in an older format and could not be "
                              f"upgraded ({exc}). {REPAIR_HINT}") from None
        try:
            version = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0]
            if version == "2":
                for statement in PIECES_SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO pieces (chunk_id, piece_start, piece_end, text_hash)"
                             " SELECT id, 0, length(text), text_hash FROM chunks")
            if version in ("2", "3"):
                if "meta" not in {r[1] for r in conn.execute("PRAGMA table_info(documents)")}:
                    conn.execute("ALTER TABLE documents ADD COLUMN meta TEXT NOT NULL DEFAULT '{}'")
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def all_chunk_terms(self) -> tuple[int, list[tuple[int, str]]]:
        """(generation, [(chunk id, its keyword terms, space-separated)]) from one snapshot."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            generation = self.generation
            rows = conn.execute("SELECT rowid, terms FROM chunk_terms").fetchall()
        finally:
            conn.execute("COMMIT")
        return generation, rows

    def stored_vectors(self, hashes: list[str]) -> dict[str, np.ndarray]:
        """{text hash: its vector} of the texts embedded at ingest (chunks and pieces)."""
        return {h: np.frombuffer(v, dtype=np.float32) for h, v in self._vector_rows("text_hash, vector", hashes)}

    def has_vectors(self, hashes: list[str]) -> set[str]:
        return {r[0] for r in self._vector_rows("text_hash", hashes)}

    def _vector_rows(self, columns: str, hashes: list[str]):
        """Rows of the vectors table for these text hashes, 500 to a query (SQLite's limit
        on an IN list's parameters is not reached)."""
        conn = self._conn()
        for i in range(0, len(hashes), 500):
            part = hashes[i:i + 500]
            yield from conn.execute(f"SELECT {columns} FROM vectors WHERE text_hash IN ({','.join('?' * len(part))})",
                                    part)

    def keyword_search(self, terms: list[str], limit: int, within: Within = None) -> list[tuple[int, float]]:
        """BM25 over the keyword index: [(chunk id, score)], best first, score > 0.
        ``within``: only the chunks of these documents (a question's scope), scored with
        the scope's own statistics (chunks, term frequencies, average length): a report
        searched on its own ranks its passages as it would alone in the index, whatever
        else the library holds (README, "Asking a library").

        Each term is quoted, so nothing in a question can act as FTS5 syntax."""
        if not terms:
            return []
        if within is not None and len(set(within)) < self._rows("SELECT count(*) FROM documents").fetchone()[0]:
            return bm25(terms, self._chunk_tokens(within), limit)
        # The whole library (a scope of every report is too): FTS5's statistics are the scope's.
        query = " OR ".join(fts_phrase(t) for t in terms)
        rows = self._conn().execute("SELECT rowid, -bm25(chunk_terms) FROM chunk_terms WHERE chunk_terms MATCH ?"
                                    " ORDER BY bm25(chunk_terms) LIMIT ?", (query, limit))
        return [(int(r[0]), float(r[1])) for r in rows]

    def term_document_frequency(self, terms: list[str], within: Within = None) -> dict[str, int]:
        """How many chunks (of ``within``'s documents, or all) contain each term.

        In a scope, a term of one token is counted in the scope's chunks' token sets, read
        once per document and generation: the reader asks this of every question's terms
        in the reports its passages come from, and FTS5 with the scope's join took ~5 ms a
        term (docs/log.md, "twenty-third round"). The rest, as FTS5 phrases."""
        conn = self._conn()
        join, where, args = _within_sql(within)
        out = {}
        single = {t: words[0] for t in terms if within is not None and len(words := tokens(t)) == 1}
        if single:
            chunks = self._chunk_tokens(within)
            out = {t: sum(1 for c in chunks if word in c.counts) for t, word in single.items()}
        for t in terms:
            if t not in out:
                out[t] = conn.execute(f"SELECT count(*) FROM chunk_terms{join} WHERE chunk_terms MATCH ?{where}",
                                      (fts_phrase(t), *args)).fetchone()[0]
        return out

    def _chunk_tokens(self, doc_ids) -> list[ChunkTokens]:
        """The keyword tokens of each chunk of these documents (cached per document and
        generation)."""
        generation = self.generation
        if self._token_cache[0] != generation:
            self._token_cache = (generation, {})
        cached = self._token_cache[1]
        for doc_id in doc_ids:
            if doc_id not in cached:
                rows = self._conn().execute("SELECT chunk_terms.rowid, chunk_terms.terms FROM chunk_terms JOIN chunks"
                                            " ON chunks.id = chunk_terms.rowid WHERE chunks.doc_id = ?", (doc_id,))
                cached[doc_id] = [ChunkTokens.of(int(r[0]), r[1]) for r in rows]
        return [c for doc_id in doc_ids for c in cached[doc_id]]

    def chunk_count(self, within: Within = None) -> int:
        if within is None:
            return self.info().chunks
        return self._conn().execute(f"SELECT count(*) FROM chunks WHERE doc_id IN ({_marks(within)})",
                                    list(within)).fetchone()[0]

    def term_chunks(self, terms: list[str]) -> dict[str, set[int]]:
        """The ids of the chunks that contain each term (to see which terms occur together)."""
        conn = self._conn()
        return {t: {r[0] for r in conn.execute("SELECT rowid FROM chunk_terms WHERE chunk_terms MATCH ?",
                                               (fts_phrase(t),))}
                for t in terms}

    # ------------------------------------------------------------------ vectors
    def warm_up(self) -> None:
        """Load what questions read (both FAISS files, the piece owners, the folded text)."""
        for kind in VECTOR_KINDS:
            self.vector_index(kind)
        self._piece_owners()
        self.folded_text()

    def vector_index(self, kind: str = "vectors"):
        """The FAISS index of chunk vectors (``kind="pieces"``: of piece vectors) for the
        current generation: (generation, index).

        Loads ``<kind>-<gen>.faiss``; if it is missing or damaged (crash between the
        commit and the file write, disk trouble), rebuilds it from SQLite."""
        generation = self.generation
        with self._faiss_lock:
            cached = self._faiss_cache.get(kind)
            if cached and cached[0] == generation:
                return cached
            index = self._read_faiss(kind, generation)
            if index is None:
                generation, index = self._faiss_from_db(kind)
                self._write_faiss(kind, generation, index)
            self._faiss_cache[kind] = (generation, index)
            return self._faiss_cache[kind]

    def _faiss_path(self, kind: str, generation: int) -> Path:
        return self.data_dir / f"{kind}-{generation}.faiss"

    def _read_faiss(self, kind: str, generation: int):
        import faiss

        path = self._faiss_path(kind, generation)
        if not path.exists():
            return None
        try:
            index = faiss.read_index(str(path))
        except RuntimeError:
            return None
        expected = self._conn().execute(f"SELECT count(*) FROM {VECTOR_KINDS[kind]}").fetchone()[0]
        return index if index.ntotal == expected else None

    def _faiss_from_db(self, kind: str):
        import faiss

        conn = self._conn()
        conn.execute("BEGIN")  # one snapshot: the generation and the vectors must agree
        try:
            generation = int(conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
            dim = int(self.meta("dim") or 0)
            rows = conn.execute(f"SELECT t.id, v.vector FROM {VECTOR_KINDS[kind]} t"
                                " JOIN vectors v USING (text_hash)").fetchall()
        finally:
            conn.execute("COMMIT")
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim or 1))
        if rows:
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            vectors = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
            index.add_with_ids(vectors, ids)
        return generation, index

    def _write_faiss(self, kind: str, generation: int, index) -> None:
        import faiss

        tmp = self.data_dir / f".{kind}-{generation}.{os.getpid()}.tmp"
        try:
            faiss.write_index(index, str(tmp))
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self._faiss_path(kind, generation))
        except OSError:
            tmp.unlink(missing_ok=True)  # read-only data dir: serve from memory
            return
        for old in self.data_dir.glob(f"{kind}-*.faiss"):
            m = re.match(rf"{kind}-(\d+)\.faiss$", old.name)
            if m and int(m.group(1)) < generation:
                old.unlink(missing_ok=True)

    def _piece_owners(self) -> dict[int, int]:
        """piece id -> chunk id, cached per generation."""
        generation = self.generation
        cached = self._owners
        if cached and cached[0] == generation:
            return cached[1]
        owners = dict(self._conn().execute("SELECT id, chunk_id FROM pieces").fetchall())
        self._owners = (generation, owners)
        return owners

    def cosines(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Inner product of the query with given chunks' vectors (those the dense side
        did not rank, so that every hit carries a cosine)."""
        if not ids:
            return {}
        _, index = self.vector_index()
        out = {}
        for chunk_id in ids:
            cosine = _stored_cosine(index, chunk_id, query)
            if cosine is not None:
                out[chunk_id] = cosine
        return out

    def vector_search(self, query: np.ndarray, limit: int, within: Within = None) -> list[tuple[int, float]]:
        _, index = self.vector_index()
        if index.ntotal == 0:
            return []
        scores, ids = self._search(index, query, min(limit, index.ntotal), within, "chunks")
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def piece_search(self, query: np.ndarray, limit: int, within: Within = None) -> list[tuple[int, float]]:
        """Chunks ranked by their closest piece: [(chunk id, best piece cosine)]."""
        _, index = self.vector_index("pieces")
        if index.ntotal == 0:
            return []
        # A chunk has a few pieces; four times as many pieces fill the list of chunks.
        scores, ids = self._search(index, query, min(4 * limit, index.ntotal), within, "pieces")
        owners = self._piece_owners()
        best: dict[int, float] = {}
        for piece_id, score in zip(ids[0], scores[0]):
            chunk_id = owners.get(int(piece_id))
            if chunk_id is not None and chunk_id not in best:   # best first: the first is the max
                best[chunk_id] = float(score)
        return list(best.items())[:limit]

    def _search(self, index, query: np.ndarray, limit: int, within: Within, table: str):
        """FAISS search, restricted to ``within``'s documents by an id selector."""
        query = query.reshape(1, -1).astype(np.float32)
        if within is None:
            return index.search(query, limit)
        sql = ("SELECT id FROM chunks WHERE doc_id IN ({})" if table == "chunks" else
               "SELECT p.id FROM pieces p JOIN chunks c ON c.id = p.chunk_id WHERE c.doc_id IN ({})")
        ids = np.array([r[0] for r in self._conn().execute(sql.format(_marks(within)), list(within))], dtype=np.int64)
        if len(ids) == 0:
            return np.zeros((1, 0)), np.zeros((1, 0), dtype=np.int64)
        import faiss

        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
        return index.search(query, min(limit, len(ids)), params=params)

    def piece_cosines(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Each given chunk's closest piece's cosine with the query."""
        if not ids:
            return {}
        _, index = self.vector_index("pieces")
        marks = ",".join("?" * len(ids))
        out: dict[int, float] = {}
        for piece_id, chunk_id in self._conn().execute(
                f"SELECT id, chunk_id FROM pieces WHERE chunk_id IN ({marks})", ids):
            cosine = _stored_cosine(index, piece_id, query)
            if cosine is not None:
                out[chunk_id] = max(cosine, out.get(chunk_id, -1.0))
        return out

    # ------------------------------------------------------------------ writing
    def set_record(self, doc_id: str, edits: dict) -> None:
        """A user's corrections of a document's record (empty value: back to what was read).
        Kept under ``meta["edited"]``; a changed place also becomes the places it answers to."""
        doc = self.document(doc_id)
        meta = dict(doc.meta or doc.record)
        edited = {**meta.get("edited", {}), **edits}
        edited = {k: v for k, v in edited.items() if v not in ("", None) and k != "places"}
        if "place" in edited:
            edited["places"] = [edited["place"]] + [p for p in meta.get("places", []) if p != edited["place"]]
        meta["edited"] = edited
        with self.writer(self.model, None) as w:
            w.set_record(doc_id, meta)

    @contextmanager
    def writer(self, model: str, dim: int | None, replace_all: bool = False):
        """One atomic write: ``with store.writer(model, dim) as w: w.add(...)``.

        Commits (and bumps the generation) when the block ends normally; any exception
        rolls everything back. Refuses to mix embedding models in one index, unless
        ``replace_all`` (``--rebuild``): then the old content goes in the same transaction."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if replace_all:     # vectors of the same model stay: they are keyed by the text
                for table in ("chunk_terms", "pieces", "chunks", "documents"):
                    conn.execute(f"DELETE FROM {table}")
                if self.meta("model") != model:
                    conn.execute("DELETE FROM vectors")
                    conn.execute("DELETE FROM meta WHERE key IN ('model', 'dim')")
            built_with = self.meta("model")
            if built_with and built_with != model and conn.execute("SELECT 1 FROM chunks LIMIT 1").fetchone():
                raise IndexError_(f"this index was built with the embedding model '{built_with}', not '{model}'. "
                                  "Use the same RAG_EMBED_MODEL, or start over with: python -m ingest --rebuild")
            writer = _Writer(conn)
            writer.changed = replace_all
            yield writer
            if writer.changed:
                conn.execute("DELETE FROM vectors WHERE text_hash NOT IN"
                             " (SELECT text_hash FROM chunks UNION SELECT text_hash FROM pieces)")
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('model', ?)", (model,))
                if dim:
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('dim', ?)", (str(dim),))
                conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
            crash_point("before-commit")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        crash_point("after-commit")
        if writer.changed:
            for kind in VECTOR_KINDS:
                generation, index = self._faiss_from_db(kind)
                self._write_faiss(kind, generation, index)
                with self._faiss_lock:
                    self._faiss_cache[kind] = (generation, index)


class _Writer:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.changed = False

    def add_document(self, doc: Document, chunks: list[Chunk], terms: list[list[str]],
                     vectors: dict[str, np.ndarray]) -> None:
        """Insert (or replace) a document with its chunks, their terms and any new vectors."""
        self.remove_document(doc.doc_id)
        self.conn.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?)",
            (doc.doc_id, doc.title, doc.source, doc.origin, doc.content_hash, doc.text,
             json.dumps(doc.cleaning, ensure_ascii=False), doc.ingested_at or time.strftime("%Y-%m-%d %H:%M:%S"),
             json.dumps(doc.meta, ensure_ascii=False)))
        for chunk, chunk_terms in zip(chunks, terms):
            text_hash = sha256_text(chunk.text)
            cur = self.conn.execute(
                "INSERT INTO chunks (doc_id, ord, paragraph, section, char_start, char_end, text, text_hash)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (doc.doc_id, chunk.ord, chunk.paragraph, chunk.section, chunk.start, chunk.end, chunk.text,
                 text_hash))
            chunk.id = cur.lastrowid
            self.conn.execute("INSERT INTO chunk_terms (rowid, terms) VALUES (?, ?)", (chunk.id, " ".join(chunk_terms)))
            self._add_vector(text_hash, vectors)
            for a, b in chunk.pieces or [(0, len(chunk.text))]:
                piece_hash = text_hash if (a, b) == (0, len(chunk.text)) else sha256_text(chunk.text[a:b])
                self.conn.execute("INSERT INTO pieces (chunk_id, piece_start, piece_end, text_hash) VALUES (?,?,?,?)",
                                  (chunk.id, a, b, piece_hash))
                self._add_vector(piece_hash, vectors)
        self.changed = True

    def set_terms(self, terms: dict[int, list[str]]) -> None:
        """Replace the keyword terms of existing chunks (chunk id -> terms)."""
        for chunk_id, chunk_terms in terms.items():
            self.conn.execute("DELETE FROM chunk_terms WHERE rowid = ?", (chunk_id,))
            self.conn.execute("INSERT INTO chunk_terms (rowid, terms) VALUES (?, ?)", (chunk_id, " ".join(chunk_terms)))
        self.changed |= bool(terms)

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _add_vector(self, text_hash: str, vectors: dict[str, np.ndarray]) -> None:
        if text_hash in vectors:
            self.conn.execute("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                              (text_hash, np.asarray(vectors[text_hash], dtype=np.float32).tobytes()))

    def remove_document(self, doc_id: str) -> bool:
        ids = [r[0] for r in self.conn.execute("SELECT id FROM chunks WHERE doc_id=?", (doc_id,))]
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            self.conn.execute(f"DELETE FROM chunk_terms WHERE rowid IN ({marks})", part)
            self.conn.execute(f"DELETE FROM pieces WHERE chunk_id IN ({marks})", part)
        self.conn.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
        gone = self.conn.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,)).rowcount > 0
        self.changed |= gone
        return gone

    def set_record(self, doc_id: str, meta: dict) -> None:
        """Replace a document's record (``Document.meta``); its title follows the record's."""
        title = meta.get("edited", {}).get("title") or meta.get("title", "")
        self.conn.execute("UPDATE documents SET meta=?, title=COALESCE(NULLIF(?, ''), title) WHERE doc_id=?",
                          (json.dumps(meta, ensure_ascii=False), title, doc_id))
        self.changed = True

    def move_document(self, doc_id: str, source: str) -> None:
        """A file was renamed: same content, new path; nothing to re-embed."""
        self.conn.execute("UPDATE documents SET source=? WHERE doc_id=?", (source, doc_id))
        self.changed = True


def _within_sql(within) -> tuple[str, str, list]:
    """(join, condition, arguments) restricting chunk_terms to a scope's documents (None:
    the whole library). A join: ``rowid IN (subquery)`` costs FTS5 ten times as much."""
    if within is None:
        return "", "", []
    return (" JOIN chunks ON chunks.id = chunk_terms.rowid", f" AND chunks.doc_id IN ({_marks(within)})",
            list(within))


def _marks(within) -> str:
    """The placeholders of an SQL ``IN (...)`` over a scope's document ids."""
    return ",".join("?" * len(within))


def _document(r) -> Document:
    return Document(doc_id=r[0], title=r[1], source=r[2], origin=r[3], content_hash=r[4], text=r[5],
                    cleaning=json.loads(r[6]), ingested_at=r[7], chunk_count=r[8], meta=json.loads(r[9]))


_DOCUMENT_ROWS = ("SELECT doc_id, title, source, origin, content_hash, text, cleaning, ingested_at,"
                  " (SELECT count(*) FROM chunks c WHERE c.doc_id = d.doc_id), meta FROM documents d")
_CHUNK_ROWS = ("SELECT c.id, c.doc_id, ord, paragraph, section, char_start, char_end, c.text, d.title, d.meta"
               " FROM chunks c JOIN documents d USING (doc_id)")


def _chunk(r) -> Chunk:
    return Chunk(id=r[0], doc_id=r[1], ord=r[2], paragraph=r[3], section=r[4], start=r[5], end=r[6],
                 text=r[7], title=r[8], report=_report_label(r[8], r[9]))


@functools.lru_cache(maxsize=4096)
def _report_label(title: str, meta: str) -> str:
    """title · place · year of a chunk's document, as citations show it."""
    from ingest.metadata import shown

    return shown(record_of(json.loads(meta), title))


def _stored_cosine(index, vector_id: int, query: np.ndarray) -> float | None:
    """Inner product of the query with a stored (normalised) vector; None when the FAISS
    index no longer holds that id (removed between the search and now)."""
    try:
        return float(np.dot(index.reconstruct(int(vector_id)), query))
    except RuntimeError:
        return None
