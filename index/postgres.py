"""The library in PostgreSQL + pgvector (README, "Running for a team"): the same
interface as the embedded ``IndexStore`` (``index.protocol.Store``), for several app
instances over one library.

Tables::

    meta       key -> value: schema, generation, model, dim, keyword statistics
    documents  as in SQLite (the record in ``meta``, JSON)
    chunks     their text, keyword terms, term count and vector (pgvector, HNSW, inner product)
    pieces     a chunk's sentence groups, each with its vector (HNSW too)
    vectors    every embedded text by sha256: re-ingesting unchanged text embeds nothing
    postings   term -> chunk, with its count: BM25 scored in SQL over our own jieba terms
    term_stats term -> how many chunks hold it

Why this shape:
- An ingest is one transaction (bumping ``meta.generation``): other instances read the
  old library or the new one, never a mixture; ingests from any machine are serialised
  by an advisory lock (``PostgresIngestLock``).
- Postgres's own text search cannot cut Chinese; our jieba terms (the same strings the
  SQLite backend gives FTS5) are the postings, scored with FTS5's BM25 (k1 1.2, b 0.75,
  the same IDF), so both backends rank alike.
- HNSW answers the library-wide vector search. A search within some reports orders by
  an expression the index does not serve, so Postgres scans those reports' vectors
  exactly: a scope is small, and an index scan filtered afterwards could come back short.
"""
from __future__ import annotations

import json
import math
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .records import Chunk, Document
from .protocol import Within
from .bm25 import B, K1, tokens
from .store import IndexBusy, IndexError_, IndexStore, LibraryUnavailable, RowReader, crash_point, sha256_text

SCHEMA_VERSION = 2           # 2: postings carry their chunk's length and a weight to read them best first
EF_SEARCH = 100              # hnsw.ef_search floor; raised to the number of candidates asked for (default 40 returns short lists)
# Below this many chunks every search is exact, as the embedded backend's: all the postings of
# all the question's terms, and every vector (no HNSW). A team's library of reports is there
# (the 30-report library: 4,100 chunks), and answers then match the embedded index's after
# a migration. Above it the cuts below bound the work. Its cost: README, "Running for a team".
EXACT_BELOW = 20_000
# Keyword candidates come from the question's terms held by at most this share of the chunks
# (all its terms when it has none rarer). Chosen for speed at 200,000 chunks; its cost in
# recall is measured against FTS5 on the pooled benchmark (README, "Running for a team").
COMMON_SHARE = 0.05
# A rare term's postings are read best first (by ``weight``), at most PER_TERM of them; the
# best RESCORED chunks of that partial sum are then scored with all the question's terms.
# At the pooled benchmark's 6,671 chunks no rare term holds more than 333 chunks, so nothing
# is cut there (BM25 equal to FTS5's); at 200,000 chunks this bounds the rows one question
# reads. Measured in README, "Running for a team".
PER_TERM = 400
RESCORED = 300
# The chunk length that orders a term's postings (``weight``: BM25's term-frequency part).
# Only the order within one term matters, and it hardly moves with this length: the pooled
# benchmark's average chunk (268 terms and bigrams) stands for every library's.
ORDER_LENGTH = 268
CONNECT_TIMEOUT_S = 10       # a server that does not answer is reported, not waited for
LOCK_KEY = 7_260_001         # the advisory lock that serialises ingests (any number no other program uses)

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, origin TEXT NOT NULL,
    content_hash TEXT NOT NULL, text TEXT NOT NULL, cleaning TEXT NOT NULL, ingested_at TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS chunks (
    id BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ord INTEGER NOT NULL, paragraph INTEGER NOT NULL, section TEXT NOT NULL,
    char_start INTEGER NOT NULL, char_end INTEGER NOT NULL, text TEXT NOT NULL, text_hash TEXT NOT NULL,
    terms TEXT NOT NULL, n_terms INTEGER NOT NULL, embedding vector);
-- A chunk row keeps its vector inline and its text out of line, so that an exact scan of
-- the vectors reads 1.6 kB a chunk, not 4 (README, "Running for a team").
ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE PLAIN;
ALTER TABLE chunks SET (toast_tuple_target = 256);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, ord);
CREATE TABLE IF NOT EXISTS pieces (
    id BIGSERIAL PRIMARY KEY, chunk_id BIGINT NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    piece_start INTEGER NOT NULL, piece_end INTEGER NOT NULL, text_hash TEXT NOT NULL, embedding vector);
CREATE INDEX IF NOT EXISTS pieces_by_chunk ON pieces(chunk_id);
CREATE TABLE IF NOT EXISTS vectors (text_hash TEXT PRIMARY KEY, embedding vector NOT NULL);
CREATE TABLE IF NOT EXISTS postings (
    term TEXT NOT NULL, chunk_id BIGINT NOT NULL REFERENCES chunks(id) ON DELETE CASCADE, tf INTEGER NOT NULL,
    n_terms INTEGER NOT NULL, PRIMARY KEY (term, chunk_id));
CREATE TABLE IF NOT EXISTS term_stats (term TEXT PRIMARY KEY, df INTEGER NOT NULL);
"""
# The postings' search indexes: by chunk (removals), and a term's postings best first,
# readable from the index alone (version 2). A bulk write builds them after its rows.
SEARCH_INDEXES = """
CREATE INDEX IF NOT EXISTS postings_by_chunk ON postings(chunk_id);
CREATE INDEX IF NOT EXISTS postings_best_first ON postings (term, weight DESC, chunk_id) INCLUDE (tf, n_terms);
"""
POSTING_ORDER = f"""
ALTER TABLE postings ADD COLUMN IF NOT EXISTS weight REAL GENERATED ALWAYS AS
    (tf * {K1 + 1} / (tf + {K1} * (1 - {B} + {B} * n_terms / {ORDER_LENGTH}.0))) STORED;
""" + SEARCH_INDEXES

def _vector_text(vector) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32)) + "]"


class PostgresStore(RowReader):
    """Open with ``PostgresStore(url, data_dir)``; ``create=True`` makes the tables.
    ``data_dir`` still holds what is local to an instance (uploads, feedback)."""

    def __init__(self, url: str, data_dir: str | Path | None = None, create: bool = False):
        self.url = url
        self.data_dir = Path(data_dir) if data_dir else Path(".")
        self._local = threading.local()
        self._statistics: tuple[int, int, float, int] | None = None   # (generation, N, avgdl, dim)
        try:
            conn = self._conn()
            exists = conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
            if not exists and not create:
                raise IndexError_(f"no library in {_safe(url)}: run `python -m ingest --database-url ...` "
                                  "or `python -m index migrate --to ...` first")
            if create:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY + 1,))   # two creators at once
                    conn.execute(SCHEMA)
                    conn.execute("INSERT INTO meta VALUES ('schema', %s), ('generation', '0') ON CONFLICT DO NOTHING",
                                 (str(SCHEMA_VERSION),))
                    if self.meta("schema") == str(SCHEMA_VERSION):
                        conn.execute(POSTING_ORDER)
            version = self.meta("schema")
            if version == "1":
                self._upgrade_from_1()
            elif version != str(SCHEMA_VERSION):
                raise IndexError_(f"the library in {_safe(url)} has an unknown format (schema {version})")
        except Exception as exc:
            import psycopg

            if isinstance(exc, psycopg.Error):
                raise IndexError_(f"cannot use the database {_safe(url)}: {exc}".strip()) from None
            raise

    def _upgrade_from_1(self) -> None:
        """Version 1's postings lack their chunk's length and the best-first order: add them
        in place (under the ingest lock's key, so no ingest writes meanwhile)."""
        conn = self._conn()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            if self.meta("schema") != "1":
                return
            conn.execute("ALTER TABLE postings ADD COLUMN n_terms INTEGER")
            conn.execute("UPDATE postings p SET n_terms = c.n_terms FROM chunks c WHERE c.id = p.chunk_id")
            conn.execute("ALTER TABLE postings ALTER COLUMN n_terms SET NOT NULL")
            conn.execute(POSTING_ORDER)
            conn.execute("UPDATE meta SET value = %s WHERE key = 'schema'", (str(SCHEMA_VERSION),))

    # ------------------------------------------------------------------ connections
    def _conn(self) -> "_Connection":
        """This thread's connection, made again when the server dropped the last one."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            import psycopg

            try:
                conn = _Connection(psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S),
                                   self)
            except psycopg.OperationalError as exc:
                raise _unavailable(self.url, exc) from None
            self._local.conn, self._local.ef_search = conn, None
        return conn

    def _rows(self, sql: str, args=()):
        """``RowReader``'s SQL (``?`` placeholders; no ``?`` appears in it otherwise)."""
        return self._conn().execute(sql.replace("?", "%s"), args)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ------------------------------------------------------------------ reading
    def all_chunk_terms(self) -> tuple[int, list[tuple[int, str]]]:
        conn = self._conn()
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            generation = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
            rows = conn.execute("SELECT id, terms FROM chunks").fetchall()
        return generation, [(int(i), t) for i, t in rows]

    def stored_vectors(self, hashes: list[str]) -> dict[str, np.ndarray]:
        if not hashes:
            return {}
        rows = self._conn().execute("SELECT text_hash, embedding::text FROM vectors WHERE text_hash = ANY(%s)",
                                    (list(hashes),))
        return {h: np.array(v[1:-1].split(","), dtype=np.float32) for h, v in rows}

    def has_vectors(self, hashes: list[str]) -> set[str]:
        if not hashes:
            return set()
        rows = self._conn().execute("SELECT text_hash FROM vectors WHERE text_hash = ANY(%s)", (list(hashes),))
        return {r[0] for r in rows}

    # ------------------------------------------------------------------ keywords: BM25 in SQL
    def keyword_search(self, terms: list[str], limit: int, within: Within = None) -> list[tuple[int, float]]:
        """BM25 over our jieba terms, as FTS5 scores them: [(chunk id, score)], best first.

        Candidates come from the question's rarer terms (in at most ``COMMON_SHARE`` of the
        chunks): a term in every tenth chunk adds thousands of rows to sum and, alone, ranks
        nothing (its IDF is low). Each rare term's best ``PER_TERM`` postings give a partial
        score; the best ``RESCORED`` candidates are then scored with all the terms. A scoped
        search reads every rare posting of its documents instead (a scope is small). Below
        ``EXACT_BELOW`` chunks nothing is cut: every posting of every term, as FTS5."""
        words = list(dict.fromkeys(t for term in terms for t in tokens(term)))
        if not words:
            return []
        # A scope is scored with its own statistics, as the embedded store does (index.bm25).
        total, average = self._collection() if within is None else self._scope_collection(within)
        df = self._document_frequency(words, within)
        words = [w for w in words if df.get(w)]
        if not words:
            return []
        idf = [max(math.log((total - df[w] + 0.5) / (df[w] + 0.5)), 1e-6) for w in words]
        exact = total < EXACT_BELOW
        rare = [w for w in words if exact or df[w] <= COMMON_SHARE * total] or words
        bm25 = f"q.idf * p.tf * {K1 + 1} / (p.tf + {K1} * (1 - {B} + {B} * p.n_terms / %(average)s))"
        if within is None and not exact:
            postings = ("q CROSS JOIN LATERAL (SELECT chunk_id, tf, n_terms FROM postings WHERE term = q.term"
                        " ORDER BY weight DESC, chunk_id LIMIT %(per_term)s) p WHERE q.term = ANY(%(rare)s)")
        else:
            scope = " JOIN chunks c ON c.id = p.chunk_id AND c.doc_id = ANY(%(scope)s)" if within is not None else ""
            postings = f"q JOIN postings p USING (term){scope} WHERE q.term = ANY(%(rare)s)"
        ranked = f"SELECT p.chunk_id, sum({bm25}) AS score FROM {postings} GROUP BY p.chunk_id"
        if not exact:           # the rare terms' partial sums choose whom all the terms score
            ranked = (f"SELECT p.chunk_id, sum({bm25}) AS score FROM ({ranked} ORDER BY score DESC, p.chunk_id"
                      " LIMIT %(rescored)s) candidates JOIN postings p ON p.chunk_id = candidates.chunk_id"
                      " AND p.term = ANY(%(words)s) JOIN q USING (term) GROUP BY p.chunk_id")
        rows = self._conn().execute(
            "WITH q AS (SELECT * FROM unnest(%(words)s::text[], %(idf)s::float8[]) AS q(term, idf))"
            f" {ranked} ORDER BY score DESC, p.chunk_id LIMIT %(limit)s",
            {"words": words, "idf": idf, "rare": rare, "average": average, "per_term": PER_TERM,
             "rescored": max(RESCORED, limit), "scope": list(within or ()), "limit": limit})
        return [(int(i), float(s)) for i, s in rows if s > 0]

    def _collection(self) -> tuple[int, float]:
        """(chunks, their average number of terms): BM25's N and avgdl, and the vectors'
        dimension, read once per generation (counting 200,000 chunks per question costs)."""
        generation = self.generation
        cached = self._statistics
        if cached is None or cached[0] != generation:
            row = self._conn().execute("SELECT count(*), COALESCE(avg(n_terms), 1),"
                                       " (SELECT value FROM meta WHERE key = 'dim') FROM chunks").fetchone()
            cached = self._statistics = (generation, int(row[0]), float(row[1]) or 1.0, int(row[2] or 0))
        return cached[1], cached[2]

    def _scope_collection(self, within: Within) -> tuple[int, float]:
        row = self._conn().execute("SELECT count(*), COALESCE(avg(n_terms), 1) FROM chunks WHERE doc_id = ANY(%s)",
                                   (list(within),)).fetchone()
        return int(row[0]), float(row[1]) or 1.0

    def _document_frequency(self, words: list[str], within: Within) -> dict[str, int]:
        """{token: how many chunks (of ``within``'s documents, or all) hold it}."""
        if within is None:
            rows = self._conn().execute("SELECT term, df FROM term_stats WHERE term = ANY(%s)", (words,))
        else:
            rows = self._conn().execute("SELECT p.term, count(*) FROM postings p JOIN chunks c ON c.id = p.chunk_id"
                                        " WHERE p.term = ANY(%s) AND c.doc_id = ANY(%s) GROUP BY p.term",
                                        (words, list(within)))
        return {term: int(n) for term, n in rows.fetchall()}

    def _dim(self) -> int:
        self._collection()
        return self._statistics[3]

    def term_document_frequency(self, terms: list[str], within: Within = None) -> dict[str, int]:
        """How many chunks (of ``within``'s documents, or all) contain each term (all its
        tokens). One query for the terms of one token, the usual case."""
        single = {t: words[0] for t in terms if len(words := tokens(t)) == 1}
        out = {t: len(ids) for t, ids in self._term_chunks([t for t in terms if t not in single], within).items()}
        if single:
            counts = self._document_frequency(list(set(single.values())), within)
            out.update({t: int(counts.get(word, 0)) for t, word in single.items()})
        return {t: out[t] for t in terms}

    def term_chunks(self, terms: list[str]) -> dict[str, set[int]]:
        return self._term_chunks(terms, None)

    def _term_chunks(self, terms: list[str], within: Within) -> dict[str, set[int]]:
        scope, args = _scope_sql(within)
        out: dict[str, set[int]] = {}
        conn = self._conn()
        for term in terms:
            words = list(dict.fromkeys(tokens(term)))
            if not words:
                out[term] = set()
                continue
            rows = conn.execute(
                "SELECT p.chunk_id FROM postings p JOIN chunks c ON c.id = p.chunk_id"
                f" WHERE p.term = ANY(%s){scope} GROUP BY p.chunk_id HAVING count(*) = %s",
                (words, *args, len(words)))
            out[term] = {int(r[0]) for r in rows}
        return out

    def chunk_count(self, within: Within = None) -> int:
        if within is None:
            return self.info().chunks
        return self._conn().execute("SELECT count(*) FROM chunks WHERE doc_id = ANY(%s)", (list(within),)).fetchone()[0]

    # ------------------------------------------------------------------ vectors
    def warm_up(self) -> None:
        self.folded_text()

    def cosines(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        if not ids:
            return {}
        rows = self._conn().execute("SELECT id, -(embedding <#> %s::vector) FROM chunks WHERE id = ANY(%s)",
                                    (_vector_text(query), list(ids)))
        return {int(i): float(s) for i, s in rows if s is not None}

    def piece_cosines(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        if not ids:
            return {}
        rows = self._conn().execute("SELECT chunk_id, max(-(embedding <#> %s::vector)) FROM pieces"
                                    " WHERE chunk_id = ANY(%s) GROUP BY chunk_id", (_vector_text(query), list(ids)))
        return {int(i): float(s) for i, s in rows if s is not None}

    def vector_search(self, query: np.ndarray, limit: int, within: Within = None) -> list[tuple[int, float]]:
        return self._nearest("chunks", "id", query, limit, within)

    def piece_search(self, query: np.ndarray, limit: int, within: Within = None) -> list[tuple[int, float]]:
        """Chunks ranked by their closest piece: [(chunk id, best piece cosine)]."""
        found = self._nearest("pieces", "chunk_id", query, 4 * limit, within)
        best: dict[int, float] = {}
        for chunk_id, score in found:
            best.setdefault(chunk_id, score)
        return list(best.items())[:limit]

    def _nearest(self, table: str, owner: str, query: np.ndarray, limit: int, within: Within):
        vector = _vector_text(query)
        dim = self._dim()
        if not dim:
            return []
        if within is None and self._collection()[0] >= EXACT_BELOW:   # HNSW: ORDER BY the indexed expression
            self._enough_candidates(limit)
            rows = self._conn().execute(
                f"SELECT t.{owner}, -(t.embedding::vector({int(dim)}) <#> %s::vector({int(dim)})) FROM {table} t"
                f" ORDER BY t.embedding::vector({int(dim)}) <#> %s::vector({int(dim)}) LIMIT %s",
                (vector, vector, limit))
        else:                   # an exact scan of the library or the scope (+ 0 keeps the index out)
            join = "" if table == "chunks" or within is None else " JOIN chunks c ON c.id = t.chunk_id"
            doc = "t.doc_id" if table == "chunks" else "c.doc_id"
            scope = f" WHERE {doc} = ANY(%(scope)s)" if within is not None else ""
            rows = self._conn().execute(
                f"SELECT t.{owner}, -(t.embedding <#> %(v)s::vector) AS s FROM {table} t{join}{scope}"
                f" ORDER BY (t.embedding <#> %(v)s::vector) + 0, t.{owner} LIMIT %(limit)s",
                {"v": vector, "scope": list(within or ()), "limit": limit})
        return [(int(i), float(s)) for i, s in rows]

    def _enough_candidates(self, limit: int) -> None:
        """hnsw.ef_search at least ``limit``: HNSW returns at most ef_search rows."""
        wanted = max(EF_SEARCH, limit)
        if getattr(self._local, "ef_search", None) != wanted:
            self._conn().execute(f"SET hnsw.ef_search = {int(wanted)}")
            self._local.ef_search = wanted

    # ------------------------------------------------------------------ writing
    set_record = IndexStore.set_record      # the same edit rules; written through ``writer``

    @contextmanager
    def writer(self, model: str, dim: int | None, replace_all: bool = False):
        """One transaction, as ``IndexStore.writer``: commits (bumping the generation) when
        the block ends normally, rolls everything back on any exception."""
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as exc:
            raise _unavailable(self.url, exc) from None
        try:
            with conn.transaction():
                conn.execute("SELECT value FROM meta WHERE key = 'generation' FOR UPDATE")
                built_with = conn.execute("SELECT value FROM meta WHERE key = 'model'").fetchone()
                built_with = built_with[0] if built_with else None
                known_dim = None
                if replace_all:
                    known_dim = conn.execute("SELECT value FROM meta WHERE key = 'dim'").fetchone()
                    conn.execute("TRUNCATE postings, term_stats, pieces, chunks, documents")
                    _drop_search_indexes(conn)      # built once at the end: a bulk write
                    if built_with != model:
                        conn.execute("TRUNCATE vectors")
                        conn.execute("DELETE FROM meta WHERE key IN ('model', 'dim')")
                        built_with = None
                elif built_with and built_with != model and conn.execute("SELECT 1 FROM chunks LIMIT 1").fetchone():
                    raise IndexError_(f"this library was built with the embedding model '{built_with}', not "
                                      f"'{model}'. Use the same RAG_EMBED_MODEL, or start over with --rebuild")
                writer = _Writer(conn)
                writer.changed = replace_all
                yield writer
                if replace_all:
                    conn.execute(SEARCH_INDEXES)
                writer.count_terms()
                if writer.keep_chunk_ids:       # new chunks are numbered after the kept ones
                    conn.execute("SELECT setval('chunks_id_seq', GREATEST((SELECT max(id) FROM chunks), 1))")
                if writer.changed:
                    conn.execute("DELETE FROM vectors v WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE"
                                 " c.text_hash = v.text_hash) AND NOT EXISTS (SELECT 1 FROM pieces p WHERE"
                                 " p.text_hash = v.text_hash)")
                    conn.execute("INSERT INTO meta VALUES ('model', %s) ON CONFLICT (key) DO UPDATE SET value = %s",
                                 (model, model))
                    dim = dim or (int(known_dim[0]) if known_dim and built_with == model else None)
                    if dim:
                        _index_vectors(conn, dim)
                    conn.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")
                crash_point("before-commit")
        except psycopg.OperationalError as exc:
            if conn.closed:                 # the server went away: nothing was committed
                raise _unavailable(self.url, exc) from None
            raise
        finally:
            conn.close()
        crash_point("after-commit")


class _Writer:
    """What an ingest writes, inside the writer's transaction (``IndexStore._Writer``'s interface)."""

    def __init__(self, conn):
        self.conn = conn
        self.changed = False
        self.touched: set[str] = set()      # terms whose chunk counts this write changed
        # A migration keeps the chunks' ids: ties between equal scores are broken by id,
        # so the same order needs the same ids (and saved answers' chunk ids stay valid).
        self.keep_chunk_ids = False

    def add_document(self, doc: Document, chunks: list[Chunk], terms: list[list[str]],
                     vectors: dict[str, np.ndarray]) -> None:
        self.remove_document(doc.doc_id)
        self.conn.execute(
            "INSERT INTO documents VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (doc.doc_id, doc.title, doc.source, doc.origin, doc.content_hash, doc.text,
             json.dumps(doc.cleaning, ensure_ascii=False), doc.ingested_at or time.strftime("%Y-%m-%d %H:%M:%S"),
             json.dumps(doc.meta, ensure_ascii=False)))
        text_hashes = [sha256_text(c.text) for c in chunks]
        pieces = [(c, a, b, sha256_text(c.text[a:b])) for c in chunks for a, b in c.pieces or [(0, len(c.text))]]
        # this document's vectors, of all given (chunks' and pieces'; a whole-chunk piece is its chunk)
        hashes = set(text_hashes) | {h for *_, h in pieces}
        self._add_vectors({h: vectors[h] for h in hashes if h in vectors})
        joined = [" ".join(t) for t in terms]
        with self.conn.cursor() as cur:       # one round trip for the chunks, one for the pieces
            cur.executemany(
                "INSERT INTO chunks (id, doc_id, ord, paragraph, section, char_start, char_end, text, text_hash,"
                " terms, n_terms, embedding) VALUES (COALESCE(%s, nextval('chunks_id_seq')),%s,%s,%s,%s,%s,%s,%s,%s,"
                "%s,%s,(SELECT embedding FROM vectors WHERE text_hash = %s)) RETURNING id",
                [(c.id if self.keep_chunk_ids else None, doc.doc_id, c.ord, c.paragraph, c.section, c.start, c.end,
                  c.text, h, j, len(tokens(j)), h) for c, h, j in zip(chunks, text_hashes, joined)], returning=True)
            for chunk in chunks:
                chunk.id = cur.fetchone()[0]
                cur.nextset()
            cur.executemany(
                "INSERT INTO pieces (chunk_id, piece_start, piece_end, text_hash, embedding) VALUES"
                " (%s,%s,%s,%s,(SELECT embedding FROM vectors WHERE text_hash = %s))",
                [(c.id, a, b, h, h) for c, a, b, h in pieces])
        self._post({c.id: j for c, j in zip(chunks, joined)})
        self.changed = True

    def _add_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        if vectors:
            with self.conn.cursor() as cur:
                cur.executemany("INSERT INTO vectors VALUES (%s, %s::vector) ON CONFLICT (text_hash) DO NOTHING",
                                [(h, _vector_text(v)) for h, v in vectors.items()])

    def _post(self, terms: dict[int, str]) -> None:
        """The postings of chunks (id -> their joined terms), in one COPY."""
        with self.conn.cursor().copy("COPY postings (term, chunk_id, tf, n_terms) FROM STDIN") as copy:
            for chunk_id, joined in terms.items():
                words = tokens(joined)
                counts: dict[str, int] = {}
                for token in words:
                    counts[token] = counts.get(token, 0) + 1
                for term, n in counts.items():
                    copy.write_row((term, chunk_id, n, len(words)))
                self.touched.update(counts)

    def _unpost(self, chunk_ids: list[int]) -> None:
        self.touched.update(r[0] for r in self.conn.execute(
            "SELECT DISTINCT term FROM postings WHERE chunk_id = ANY(%s)", (chunk_ids,)))
        self.conn.execute("DELETE FROM postings WHERE chunk_id = ANY(%s)", (chunk_ids,))

    def count_terms(self) -> None:
        """How many chunks hold each term this write added or removed (BM25's df), counted
        once at the end of the write from the postings, not row by row."""
        if not self.touched:
            return
        touched = list(self.touched)
        self.conn.execute("DELETE FROM term_stats WHERE term = ANY(%s)", (touched,))
        self.conn.execute("INSERT INTO term_stats SELECT term, count(*) FROM postings WHERE term = ANY(%s)"
                          " GROUP BY term", (touched,))
        self.touched.clear()

    def set_terms(self, terms: dict[int, list[str]]) -> None:
        if not terms:
            return
        self._unpost(list(terms))
        joined = {chunk_id: " ".join(chunk_terms) for chunk_id, chunk_terms in terms.items()}
        with self.conn.cursor() as cur:
            cur.executemany("UPDATE chunks SET terms = %s, n_terms = %s WHERE id = %s",
                            [(j, len(tokens(j)), chunk_id) for chunk_id, j in joined.items()])
        self._post(joined)
        self.changed = True

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = %s",
                          (key, value, value))

    def remove_document(self, doc_id: str) -> bool:
        ids = [r[0] for r in self.conn.execute("SELECT id FROM chunks WHERE doc_id = %s", (doc_id,))]
        if ids:
            self._unpost(ids)
        gone = self.conn.execute("DELETE FROM documents WHERE doc_id = %s", (doc_id,)).rowcount > 0
        self.changed |= gone
        return gone

    def set_record(self, doc_id: str, meta: dict) -> None:
        title = meta.get("edited", {}).get("title") or meta.get("title", "")
        self.conn.execute("UPDATE documents SET meta = %s, title = COALESCE(NULLIF(%s, ''), title) WHERE doc_id = %s",
                          (json.dumps(meta, ensure_ascii=False), title, doc_id))
        self.changed = True

    def move_document(self, doc_id: str, source: str) -> None:
        self.conn.execute("UPDATE documents SET source = %s WHERE doc_id = %s", (source, doc_id))
        self.changed = True


def _drop_search_indexes(conn) -> None:
    """A rebuild (or a migration) writes every row again: the postings' two search indexes
    and the HNSW indexes are built once, after the rows, not kept up row by row. TRUNCATE
    already locks readers out until the commit, so dropping them changes nothing for them."""
    for index in ("postings_by_chunk", "postings_best_first", "chunks_hnsw", "pieces_hnsw"):
        conn.execute(f"DROP INDEX IF EXISTS {index}")
    conn.execute("DELETE FROM meta WHERE key = 'dim'")


def _index_vectors(conn, dim: int) -> None:
    """The HNSW indexes (inner product) on chunk and piece vectors of this dimension, made
    once per model; pgvector indexes only vectors of a declared dimension, hence the cast."""
    known = conn.execute("SELECT value FROM meta WHERE key = 'dim'").fetchone()
    if known and int(known[0]) == dim:
        return
    conn.execute("SET LOCAL maintenance_work_mem = '1GB'")     # an HNSW build in memory is several times faster
    for table in ("chunks", "pieces"):
        conn.execute(f"DROP INDEX IF EXISTS {table}_hnsw")
        conn.execute(f"CREATE INDEX {table}_hnsw ON {table} USING hnsw ((embedding::vector({dim})) vector_ip_ops)")
    conn.execute("INSERT INTO meta VALUES ('dim', %s) ON CONFLICT (key) DO UPDATE SET value = %s", (str(dim), str(dim)))


class PostgresIngestLock:
    """``IngestLock`` across machines: a session-level advisory lock, released by the
    server when its holder's connection ends (a killed ingest never leaves it held)."""

    def __init__(self, url: str, wait: bool = True, on_wait=None):
        self.url, self.wait, self.on_wait = url, wait, on_wait
        self._conn = None

    def __enter__(self):
        import psycopg

        try:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as exc:
            raise _unavailable(self.url, exc) from None
        if not self._conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            if not self.wait:
                self._conn.close()
                raise IndexBusy("another ingest is running on this library")
            if self.on_wait:
                self.on_wait()
            self._conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        return self

    def __exit__(self, *exc):
        try:
            if not self._conn.closed:       # a dropped connection has released the lock already
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        finally:
            self._conn.close()


class _Connection:
    """A reader's connection. When the server has dropped it (a restart, an idle timeout)
    a query is tried once more on a new connection; when that fails too the caller gets
    ``LibraryUnavailable``, which the page and the API put in words, not a traceback."""

    def __init__(self, conn, store: "PostgresStore"):
        self.conn, self.store = conn, store

    def execute(self, sql, args=None):
        import psycopg

        try:
            return self.conn.execute(sql, args)
        except psycopg.OperationalError:
            if not self.conn.closed:        # the connection is fine: an error of this query
                raise
        local = self.store._local
        ef_search, local.conn = local.ef_search, None
        fresh = self.store._conn()
        try:
            if ef_search:
                fresh.conn.execute(f"SET hnsw.ef_search = {int(ef_search)}")
                local.ef_search = ef_search
            return fresh.conn.execute(sql, args)
        except psycopg.OperationalError as exc:
            raise _unavailable(self.store.url, exc) from None

    def __getattr__(self, name):
        return getattr(self.conn, name)


def _unavailable(url: str, exc: Exception) -> LibraryUnavailable:
    return LibraryUnavailable(f"the library's database {_safe(url)} cannot be reached: {str(exc).strip()}")


def _scope_sql(within: Within) -> tuple[str, list]:
    if within is None:
        return "", []
    return " AND c.doc_id = ANY(%s)", [list(within)]


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
