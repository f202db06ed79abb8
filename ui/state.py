"""What the app holds while it runs: the index, the retriever, the startup ingest.

Start-up never blocks the page: ``AppState.start()`` ingests ``corpus/`` in a
background thread (instant when nothing changed), then loads the retriever, while the
page shows the progress. A damaged index is reported with its repair command.
"""
from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import settings
from embedding.model import Embedder
from index import IndexError_, IndexStore, open_store
from ingest.loaders import SUPPORTED, Limits
from ingest.pipeline import IngestOptions, Ingestor, IngestSummary

log = logging.getLogger("ui")


def index_message(exc: IndexError_) -> str:
    """What the page says when the library cannot be used: the error's Chinese words where
    it has them (an unreachable database), else the reason after a Chinese lead."""
    return getattr(exc, "zh", "") or f"索引不可用：{exc}"


@dataclass
class Status:
    phase: str = "starting"          # starting | ingesting | loading | ready | error
    message: str = "正在启动…"
    done: int = 0
    total: int = 0
    started_at: float = field(default_factory=time.time)
    ready_at: float | None = None


class AppState:
    def __init__(self, data_dir: Path, corpus: Path | None = settings.DEFAULT_CORPUS):
        self.data_dir = Path(data_dir)
        self.corpus = corpus
        self.status = Status()
        self.embedder = Embedder()
        self.retriever = None
        self.uploads = self.data_dir / "uploads"
        self._thread: threading.Thread | None = None
        self._store: IndexStore | None = None

    @property
    def ready(self) -> bool:
        return self.status.phase == "ready"

    # ------------------------------------------------------------------ start-up
    def start(self) -> None:
        self._thread = threading.Thread(target=self._start, name="startup", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float = 600) -> bool:
        if self._thread:
            self._thread.join(timeout)
        return self.ready

    def _start(self) -> None:
        try:
            if self.corpus and Path(self.corpus).exists():
                self.status = Status(phase="ingesting", message="正在检查并导入报告…", started_at=self.status.started_at)
                self.ingest([Path(self.corpus)])
            self.status.phase, self.status.message = "loading", "正在加载检索模型…"
            from retriever.service import Retriever

            retriever = Retriever(self.data_dir, embedder=self.embedder)
            retriever.warm_up()
            self.retriever = retriever
            self.status.phase, self.status.message = "ready", "就绪"
            self.status.ready_at = time.time()
            log.info("ready in %.1f s", self.status.ready_at - self.status.started_at)
        except IndexError_ as exc:
            self.status.phase, self.status.message = "error", index_message(exc)
        except Exception as exc:  # the page must say what happened, not hang
            log.exception("start-up failed")
            self.status.phase, self.status.message = "error", f"启动失败：{exc.__class__.__name__}: {exc}"

    # ------------------------------------------------------------------ ingest
    def _progress(self, stage: str, done: int, total: int) -> None:
        labels = {"reading": "读取文件", "embedding": "计算向量", "loading model": "加载模型",
                  "waiting for another ingest": "等待另一个导入任务结束"}
        self.status.message = f"{labels.get(stage, stage)} {done}/{total}" if total else labels.get(stage, stage)
        self.status.done, self.status.total = done, total

    def ingest(self, paths: list[Path], origin: str = "file", progress=None) -> IngestSummary:
        options = IngestOptions(origin=origin, limits=Limits(max_file_bytes=settings.max_file_bytes()))

        def report(stage, done, total):
            self._progress(stage, done, total)
            if progress:
                progress(stage, done, total)

        return Ingestor(self.data_dir, self.embedder, options, progress=report).ingest_paths(paths)

    def save_upload(self, temp_path: str, original_name: str) -> Path | None:
        """Copy an uploaded file under data/uploads with a generated, safe name.
        The original name survives only as the title's source (cleaned of path parts)."""
        name = Path(original_name.replace("\\", "/")).name
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED:
            return None
        stem = "".join(c for c in Path(name).stem if c.isalnum() or c in "-_ .（）()")[:60].strip() or "report"
        self.uploads.mkdir(parents=True, exist_ok=True)
        target = self.uploads / f"{stem}__{uuid.uuid4().hex[:8]}{suffix}"
        shutil.copyfile(temp_path, target)
        return target

    def store(self) -> IndexStore | None:
        """The index for listing documents (one shared handle; None if there is none)."""
        if self.retriever is not None:
            return self.retriever.store
        if self._store is None:
            try:
                self._store = open_store(self.data_dir)
            except IndexError_:
                return None
        return self._store

    # ------------------------------------------------------------------ the library, for the page and the API
    def add_uploads(self, files: list[tuple[str, str]], progress=None) -> tuple[IngestSummary | None, list[str], dict]:
        """Uploaded files, each (temporary path, the name the user gave it): saved under
        data/uploads and ingested. -> (summary or None, refused names, {saved path: given
        name}); refused: the names of files of a type no loader reads. A copy of a file that
        was not indexed is not kept."""
        paths, refused, names = [], [], {}
        for temp, original in files:
            name = Path(original.replace("\\", "/")).name
            saved = self.save_upload(temp, original)
            if saved is None:
                refused.append(name)
            else:
                paths.append(saved)
                names[str(saved)] = name
        summary = self.ingest(paths, origin="upload", progress=progress) if paths else None
        for skipped in (summary.skipped if summary else []):
            if skipped["file"].startswith(str(self.uploads)):
                Path(skipped["file"]).unlink(missing_ok=True)
        return summary, refused, names

    def remove(self, doc_id: str):
        """Remove one document (and an upload's stored copy). -> the removed Document, or None."""
        store = self.store()
        doc = store.document(doc_id) if store else None
        if doc is None:
            return None
        summary = Ingestor(self.data_dir, self.embedder).remove([doc_id])
        if doc.origin == "upload" and doc.source.startswith(str(self.uploads)):
            Path(doc.source).unlink(missing_ok=True)
        return doc if summary.removed else None
