"""Thumbs up/down on answers, kept for later evaluation (data dir: feedback.sqlite).

Stores the question, the answer, its sources and the vote; never the LLM API key,
which never reaches an ``Answer`` in the first place."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path


class FeedbackStore:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "feedback.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as conn:
            conn.execute("""CREATE TABLE IF NOT EXISTS feedback (
                id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, session TEXT, question TEXT NOT NULL,
                answer TEXT NOT NULL, sources TEXT NOT NULL, mode TEXT, vote INTEGER NOT NULL)""")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def record(self, question: str, answer: dict, vote: int, session: str = "") -> None:
        """``answer`` is ``Answer.public()``; vote is +1 or -1."""
        sources = [{k: c.get(k) for k in ("n", "doc_id", "title", "section", "paragraph", "chunk_id")}
                   for c in answer.get("citations", [])]
        with self._lock, self._connect() as conn:
            conn.execute("INSERT INTO feedback (created_at, session, question, answer, sources, mode, vote)"
                         " VALUES (?,?,?,?,?,?,?)",
                         (time.strftime("%Y-%m-%d %H:%M:%S"), session, question, answer.get("answer", ""),
                          json.dumps(sources, ensure_ascii=False), answer.get("mode"), vote))

    def all(self) -> list[dict]:
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM feedback ORDER BY id")]
