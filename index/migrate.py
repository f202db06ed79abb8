"""``python -m index migrate --to postgresql://...``: the embedded library (SQLite + FAISS)
copied into PostgreSQL, vectors included, so nothing is embedded again.

Documents, chunks, their pieces, keyword terms, records and user corrections go over in
one transaction; the FAISS files are not needed (pgvector indexes the same vectors)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .postgres import PostgresStore
from .store import IndexStore


def migrate(data_dir: str | Path, url: str, progress=print) -> dict:
    """-> {"documents", "chunks", "vectors"} copied. Refuses a target that already holds
    documents (a migration is a move, not a merge)."""
    source = IndexStore(data_dir)
    target = PostgresStore(url, data_dir, create=True)
    if target.info().documents:
        raise SystemExit(f"error: the target already holds {target.info().documents} documents; "
                         "migrate into an empty database")
    conn = source._conn()
    vectors = {h: np.frombuffer(v, dtype=np.float32) for h, v in conn.execute("SELECT text_hash, vector FROM vectors")}
    terms = dict(conn.execute("SELECT rowid, terms FROM chunk_terms").fetchall())
    pieces: dict[int, list[tuple[int, int]]] = {}
    for chunk_id, a, b in conn.execute("SELECT chunk_id, piece_start, piece_end FROM pieces ORDER BY id"):
        pieces.setdefault(chunk_id, []).append((a, b))
    dim = int(source.meta("dim") or 0) or None
    documents = source.documents()
    chunks = 0
    with target.writer(source.model, dim, replace_all=True) as w:     # empty: a bulk write, indexes after
        w.keep_chunk_ids = True
        for key in ("keywords", "cleaning"):     # how terms and text were cut: the next ingest need not redo it
            if source.meta(key):
                w.set_meta(key, source.meta(key))
        for n, doc in enumerate(documents, 1):
            doc_chunks = source.chunks_of(doc.doc_id)
            for chunk in doc_chunks:
                chunk.pieces = pieces.get(chunk.id, [])
            w.add_document(doc, doc_chunks, [terms.get(c.id, "").split() for c in doc_chunks], vectors)
            chunks += len(doc_chunks)
            if n % 50 == 0 or n == len(documents):
                progress(f"{n}/{len(documents)} documents")
    return {"documents": len(documents), "chunks": chunks, "vectors": len(vectors)}
