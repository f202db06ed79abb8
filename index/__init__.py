"""The library's storage. This package alone knows its formats: the embedded default
(``store``: SQLite + FAISS files in the data directory) and PostgreSQL + pgvector
(``postgres``, chosen by ``RAG_DATABASE_URL`` / ``--database-url``). Both offer the
interface of ``protocol.Store``; open one with ``open_store``."""
from __future__ import annotations

from pathlib import Path

import settings

from .records import Chunk, Document, IndexInfo
from .store import IndexBusy, IndexError_, IndexStore, IngestLock, LibraryUnavailable

__all__ = ["Chunk", "Document", "IndexInfo", "IndexStore", "IndexError_", "IngestLock", "IndexBusy",
           "LibraryUnavailable",
           "open_store", "ingest_lock"]


def open_store(data_dir: str | Path, create: bool = False, database_url: str | None = None):
    """The library: in PostgreSQL when a database URL is given (or $RAG_DATABASE_URL is
    set), else the embedded index in ``data_dir``."""
    url = database_url or settings.database_url()
    if url:
        from .postgres import PostgresStore

        return PostgresStore(url, data_dir, create=create)
    return IndexStore(data_dir, create=create)


def ingest_lock(data_dir: str | Path, wait: bool = True, on_wait=None, database_url: str | None = None):
    """The lock that serialises ingests into the library: a file lock in ``data_dir``, or
    PostgreSQL's advisory lock (held across machines)."""
    url = database_url or settings.database_url()
    if url:
        from .postgres import PostgresIngestLock

        return PostgresIngestLock(url, wait, on_wait)
    return IngestLock(Path(data_dir), wait, on_wait)
