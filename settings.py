"""Where things live, and the environment variables that change it (see README)."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_CORPUS = PROJECT_ROOT / "corpus"


def data_dir(cli_value: str | None = None) -> Path:
    """--data-dir, else $RAG_DATA_DIR, else data/ in the project."""
    value = cli_value or os.environ.get("RAG_DATA_DIR") or str(PROJECT_ROOT / "data")
    return Path(value).expanduser().resolve()


def sentence_pieces() -> bool:
    """$RAG_PIECES=0 ingests chunks without their pieces: half the text to embed, English
    questions ranked by whole chunks (docs/log.md, "English questions")."""
    return os.environ.get("RAG_PIECES", "1").strip().lower() not in ("0", "no", "false", "off")


def cache_root() -> Path:
    """$RAG_MODEL_CACHE, else ~/.cache/reportqa/models: the model folder and the read
    dictionary are built there once per machine."""
    return Path(os.environ.get("RAG_MODEL_CACHE") or Path.home() / ".cache" / "reportqa" / "models")


def max_file_bytes() -> int:
    return int(float(os.environ.get("RAG_MAX_FILE_MB", "50")) * 1024 * 1024)


def gate_file() -> Path | None:
    """$RAG_GATE_FILE: another fitted gate (``python -m benchmarks.fit_gate --write --out F``)."""
    value = os.environ.get("RAG_GATE_FILE")
    return Path(value).expanduser() if value else None


def gate_threshold() -> float | None:
    """$RAG_GATE_THRESHOLD: answer above this P(answerable) instead of the gate's own 0.75
    (lower: fewer "the reports don't say", more guesses)."""
    value = os.environ.get("RAG_GATE_THRESHOLD")
    return float(value) if value else None


def database_url() -> str | None:
    """$RAG_DATABASE_URL (postgresql://...): the library in PostgreSQL + pgvector instead of
    the embedded index in the data directory (README, "Running for a team")."""
    return os.environ.get("RAG_DATABASE_URL", "").strip() or None


def use_database(url: str | None) -> None:
    """``--database-url``: the library for this process (and the processes it starts)."""
    if url:
        os.environ["RAG_DATABASE_URL"] = url
