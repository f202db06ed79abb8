"""Ingest: report files (or a pre-split .jsonl corpus) -> the on-disk index.

In:  paths (files and folders) or a .jsonl file, a data directory, an ``Embedder``.
Out: ``IngestSummary``: what was added, updated, unchanged, moved, removed, skipped.

Incremental and keyed by content:
- a file whose bytes are already indexed under the same path is unchanged (no parsing,
  no model call); under a new path while the old file is gone it was moved (the record
  follows it); while the old file still exists it is a duplicate and is skipped;
- new bytes at a known path replace that document (its doc_id stays);
- a document whose file disappeared from an ingested folder is removed;
- chunk vectors are keyed by the hash of the embedded text, so only text never seen
  before is embedded.
All changes are computed first and written in one transaction (see ``index.store``).
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import settings
from chinese.tokenize import TERMS_VERSION, passage_terms
from index import Chunk, Document, IndexStore, ingest_lock, open_store
from index.store import sha256_text

from .chunking import DEFAULT_MAX_CHARS, chunk_paragraphs, piece_spans
from .config import CLEANING_VERSION
from .loaders import SUPPORTED, Block, Limits, LoadedFile, UnreadableFile, display_stem, load
from .metadata import contents_lines, is_debris, read_metadata, split_end_matter, split_front_matter
from .structure import structure


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)        # {"file", "reason", "reason_zh", "kind"}
    debris: dict = field(default_factory=dict)               # doc_id -> cleaning report
    chunks_total: int = 0
    chunks_written: int = 0
    embedded: int = 0                                        # texts sent to the model
    terms_recut: int = 0                                     # chunks whose keyword terms older code had cut
    recleaned: bool = False                                  # rebuilt: the index was cleaned by older rules
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def failed(self) -> list[dict]:
        """Inputs that could not be read (duplicates and ignored files are not failures)."""
        return [s for s in self.skipped if s["kind"] == "error"]

    def skip(self, file: str, reason: str, zh: str, kind: str = "error") -> None:
        """``reason`` for the command line, ``zh`` for the page."""
        self.skipped.append({"file": file, "reason": reason, "reason_zh": zh, "kind": kind})

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.moved or self.removed or self.terms_recut)


@dataclass
class _Pending:
    document: Document
    chunks: list[Chunk]
    replaces: bool


@dataclass
class IngestOptions:
    max_chars: int = DEFAULT_MAX_CHARS
    limits: Limits = field(default_factory=Limits)
    origin: str = "file"
    pieces: bool = field(default_factory=settings.sentence_pieces)   # embed each chunk's pieces too


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_doc_id(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9A-Za-z\u3400-\u9fff]+", "-", name).strip("-").lower()[:60] or "doc"
    doc_id, n = base, 2
    while doc_id in taken:
        doc_id, n = f"{base}-{n}", n + 1
    taken.add(doc_id)
    return doc_id


def build_chunks(doc: Document, loaded: LoadedFile, max_chars: int, pieces: bool = True) -> list[Chunk]:
    """Read the record, clean, structure and chunk; fills ``doc.meta``, ``doc.title``,
    ``doc.text`` and ``doc.cleaning``. The front matter (title line, date line, page
    furniture), a web page's end matter and photo captions become the record or go: they
    are not content."""
    texts = [b.text for b in loaded.blocks]
    front, start = split_front_matter(texts)
    end = start + split_end_matter(texts[start:])
    contents = contents_lines([b.text for b in loaded.blocks[start:end]])
    body = [b for i, b in enumerate(loaded.blocks[start:end]) if not is_debris(b.text) and i not in contents]
    opening = "\n".join(b.text for b in body[:3])
    edited = doc.meta.get("edited", {})
    doc.meta = read_metadata(front, loaded.title, Path(doc.source).name, opening)
    if edited:
        doc.meta["edited"] = edited
    doc.title = doc.record.get("title") or loaded.title
    dropped = end - start - len(body)
    structured = structure(LoadedFile(title=loaded.title, blocks=body, encoding=loaded.encoding))
    doc.text = structured.text
    doc.cleaning = structured.report.as_dict()
    doc.cleaning.update(front_matter_lines=start, debris_lines=dropped - len(contents), contents_lines=len(contents),
                        end_matter_lines=len(loaded.blocks) - end)
    return [Chunk(doc_id=doc.doc_id, ord=i, paragraph=c.paragraph, section=c.section_path,
                  start=c.start, end=c.end, text=c.text,
                  title=doc.title, pieces=piece_spans(c.text) if pieces else [])
            for i, c in enumerate(chunk_paragraphs(structured.paragraphs, max_chars))]


def chunk_terms(chunk: Chunk) -> list[str]:
    """What the keyword index holds for a chunk: the words of its title, section and text,
    and the character bigrams of its text."""
    return passage_terms(chunk.keyword_text, chunk.text)


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[Path], list[dict]]:
    """-> (files to ingest, folders scanned, skipped). Hidden files are ignored."""
    files, folders, skipped = [], [], []
    for path in paths:
        path = Path(path).resolve()
        if path.is_dir():
            folders.append(path)
            for f in sorted(path.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(path).parts):
                    if f.suffix.lower() in SUPPORTED:
                        files.append(f)
                    else:
                        skipped.append({"file": str(f), "reason": f"unsupported file type '{f.suffix}'",
                                        "reason_zh": f"不支持的文件类型“{f.suffix}”", "kind": "ignored"})
        elif path.is_file():
            files.append(path)
        else:
            skipped.append({"file": str(path), "reason": "no such file or folder", "reason_zh": "没有这个文件或文件夹",
                            "kind": "error"})
    return list(dict.fromkeys(files)), folders, skipped


class Ingestor:
    """Runs one ingest against a data directory. Holds the ingest lock while writing."""

    def __init__(self, data_dir: Path, embedder, options: IngestOptions | None = None, progress=None):
        self.data_dir = Path(data_dir)
        self.embedder = embedder
        self.options = options or IngestOptions()
        self.progress = progress or (lambda stage, done, total: None)
        # Whether the run in progress rebuilds every document: set by ``_run`` for one run
        # (``rebuild()``, or an index cleaned by older code), never kept: an ingestor that
        # rebuilt once would otherwise replace the whole index with its next file.
        self._rebuilding = False

    # -- entry points ---------------------------------------------------------------
    def ingest_paths(self, paths: list[Path]) -> IngestSummary:
        with ingest_lock(self.data_dir, on_wait=lambda: self.progress("waiting for another ingest", 0, 0)):
            return self._run(lambda store, summary: self._plan_files(store, paths, summary), paths=paths)

    def ingest_jsonl(self, jsonl: Path) -> IngestSummary:
        with ingest_lock(self.data_dir, on_wait=lambda: self.progress("waiting for another ingest", 0, 0)):
            return self._run(lambda store, summary: self._plan_jsonl(store, Path(jsonl).resolve(), summary),
                             jsonl=Path(jsonl))

    def rebuild(self, paths: list[Path] = (), jsonl: Path | None = None) -> IngestSummary:
        """Rebuild every document the library holds, plus ``paths`` / ``jsonl``: each from
        its stored file (uploads included), or, when that file is gone, from the text the
        index keeps. Nothing is lost; user corrections of records stay."""
        with ingest_lock(self.data_dir, on_wait=lambda: self.progress("waiting for another ingest", 0, 0)):
            return self._run(lambda store, summary: self._plan_rebuild(store, list(paths), jsonl, summary),
                             rebuild=True)

    def remove(self, doc_ids: list[str]) -> IngestSummary:
        with ingest_lock(self.data_dir):
            summary, started = IngestSummary(), time.perf_counter()
            store = open_store(self.data_dir)
            with store.writer(store.model or self.embedder.name, None) as w:
                for doc_id in doc_ids:
                    if w.remove_document(doc_id):
                        summary.removed.append(doc_id)
                    else:
                        summary.skip(doc_id, "no such document in the index", "索引中没有这份文档")
            summary.chunks_total = store.info().chunks
            summary.seconds = time.perf_counter() - started
            return summary

    # -- the common run -------------------------------------------------------------
    def _edits(self, source: str, digest: str) -> dict:
        """The fields a user corrected in the record of the document at this path or with
        these bytes, before this ingest (kept through updates and rebuilds)."""
        return self._old_edits.get(source) or self._old_edits.get(digest) or {}

    def _run(self, plan, paths=(), jsonl: Path | None = None, rebuild: bool = False) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        store = open_store(self.data_dir, create=True)
        self._old_documents = store.documents()        # as they were before this ingest
        self._old_edits = {}
        for doc in self._old_documents:
            if doc.meta.get("edited"):
                self._old_edits[doc.source] = self._old_edits[doc.content_hash] = doc.meta["edited"]
        self._rebuilding = rebuild
        if not self._rebuilding and self._old_documents and store.meta("cleaning") != CLEANING_VERSION:
            # Built by code that cleaned or cut differently: an unchanged file would keep its
            # old chunks forever, so this ingest rebuilds every document (nothing re-embedded).
            self._rebuilding = summary.recleaned = True
            plan = lambda store, summary: self._plan_rebuild(store, list(paths), jsonl, summary)  # noqa: E731
        try:
            return self._write(store, summary, plan, started)
        finally:
            self._rebuilding = False

    def _write(self, store, summary: IngestSummary, plan, started: float) -> IngestSummary:
        pending, removals, moves = plan(store, summary)
        terms = {id(item): [chunk_terms(c) for c in item.chunks] for item in pending}
        vectors = self._embed(store, pending, summary)
        dim = len(next(iter(vectors.values()))) if vectors else None
        with store.writer(self.embedder.name, dim, replace_all=self._rebuilding) as w:
            if store.meta("keywords") != TERMS_VERSION:     # terms cut by older code
                if not self._rebuilding:                    # (a rebuild cuts every chunk anew anyway)
                    recut = {c.id: chunk_terms(c) for doc_id in store.document_states() for c in store.chunks_of(doc_id)}
                    w.set_terms(recut)
                    summary.terms_recut = len(recut)
                w.set_meta("keywords", TERMS_VERSION)
            if self._rebuilding or not self._old_documents:
                w.set_meta("cleaning", CLEANING_VERSION)
            for doc_id in removals:
                w.remove_document(doc_id)
            for doc_id, source in moves:
                w.move_document(doc_id, source)
            for item in pending:
                w.add_document(item.document, item.chunks, terms[id(item)], vectors)
                summary.chunks_written += len(item.chunks)
                (summary.updated if item.replaces else summary.added).append(item.document.doc_id)
        summary.chunks_total = store.info().chunks
        summary.seconds = time.perf_counter() - started
        store.close()
        return summary

    def _embed(self, store: IndexStore, pending: list[_Pending], summary: IngestSummary) -> dict:
        texts: dict[str, str] = {}
        for item in pending:
            for chunk in item.chunks:
                for text in [chunk.text] + [chunk.text[a:b] for a, b in chunk.pieces]:
                    texts.setdefault(sha256_text(text), text)
        if store.model in (None, self.embedder.name):     # vectors of another model are no use
            for known in store.has_vectors(list(texts)):
                del texts[known]
        if not texts:
            return {}
        hashes = list(texts)
        self.progress("loading model", 0, len(hashes))
        matrix = self.embedder.embed_documents([texts[h] for h in hashes],
                                               progress=lambda d, t: self.progress("embedding", d, t))
        summary.embedded = len(hashes)
        return dict(zip(hashes, matrix))

    # -- planning: what changed ------------------------------------------------------
    def _plan_rebuild(self, store: IndexStore, paths: list[Path], jsonl: Path | None, summary: IngestSummary):
        old = self._old_documents
        uploads = self.data_dir / "uploads"
        files = paths + [Path(d.source) for d in old if d.origin != "jsonl" and Path(d.source).exists()]
        pending, _, _ = self._plan_files(store, files + ([uploads] if uploads.is_dir() else []), summary)
        jsonl_files = {Path(d.source) for d in old if d.origin == "jsonl"} | ({Path(jsonl).resolve()} if jsonl else set())
        for source in sorted(p for p in jsonl_files if p.exists()):
            pending += self._plan_jsonl(store, source, summary)[0]
        rebuilt = {p.document.source for p in pending}
        taken = {p.document.doc_id for p in pending}
        for doc in old:                   # its file is gone: from the text the index keeps
            if doc.source not in rebuilt and doc.doc_id not in taken:
                pending.append(self._from_stored_text(doc))
        old_ids = {d.doc_id for d in old}
        for item in pending:
            item.replaces = item.document.doc_id in old_ids
        return pending, [], []

    def _from_stored_text(self, old: Document) -> _Pending:
        doc = Document(doc_id=old.doc_id, title=old.title, source=old.source, origin=old.origin,
                       content_hash=old.content_hash, text="", meta={"edited": old.meta.get("edited", {})})
        blocks = [Block(p) for p in old.text.splitlines() if p.strip()]
        chunks = build_chunks(doc, LoadedFile(title=old.title, blocks=blocks), self.options.max_chars,
                              self.options.pieces)
        doc.meta.update({k: v for k, v in old.meta.items() if k != "edited" and v})  # its front matter is gone
        doc.title = doc.record.get("title") or old.title
        return _Pending(doc, chunks, replaces=True)

    def _plan_files(self, store: IndexStore, paths: list[Path], summary: IngestSummary):
        files, folders, skipped = expand_paths(paths)
        summary.skipped.extend(skipped)
        states = {} if self._rebuilding else store.document_states()
        by_hash = {h: d for d, (_, origin, h) in states.items() if origin != "jsonl"}
        by_source = {s: d for d, (s, origin, _) in states.items() if origin != "jsonl"}
        taken = set(states)
        seen_docs: set[str] = set()      # documents accounted for by this scan (moved ones too)
        pending, moves = [], []
        for digest, group in self._group_by_content(files, summary).items():
            known = by_hash.get(digest)
            sources = [str(p) for p in group]
            if known is not None:
                old_source = states[known][0]
                if old_source in sources:                     # same file, same bytes
                    keep = old_source
                    summary.unchanged.append(known)
                elif Path(old_source).exists():               # a copy of a file indexed from elsewhere
                    keep = None
                else:                                         # renamed or moved: the record follows
                    keep = sources[0]
                    moves.append((known, keep))
                    summary.moved.append(known)
                seen_docs.add(known)
                original = Path(keep or old_source).name
                for source in sources:
                    if source != keep:
                        summary.skip(source, f"identical to {original} (indexed as {known})",
                                     f"与已导入的 {original}（{known}）内容相同", "duplicate")
                continue
            for source in sources[1:]:
                summary.skip(source, f"identical to {group[0].name}", f"与 {group[0].name} 内容相同", "duplicate")
            item = self._prepare(group[0], digest, by_source.get(sources[0]), taken, summary)
            if item is not None:
                seen_docs.add(item.document.doc_id)
                pending.append(item)
        removals = [doc_id for doc_id, (source, origin, _) in states.items()
                    if origin != "jsonl" and doc_id not in seen_docs and not Path(source).exists()
                    and any(Path(source).is_relative_to(folder) for folder in folders)]
        summary.removed.extend(removals)
        return pending, removals, moves

    def _group_by_content(self, files: list[Path], summary: IngestSummary) -> dict[str, list[Path]]:
        """sha256 -> the files with those bytes, in scan order."""
        groups: dict[str, list[Path]] = {}
        for i, path in enumerate(files):
            self.progress("reading", i + 1, len(files))
            try:
                groups.setdefault(file_hash(path), []).append(path)
            except OSError as exc:
                summary.skip(str(path), f"cannot read: {exc.strerror}", "无法读取文件")
        return groups

    def _prepare(self, path: Path, digest: str, replaces: str | None, taken: set[str],
                 summary: IngestSummary) -> _Pending | None:
        """Load, clean and chunk one new or changed file; None (and a reason) if unreadable.
        A broken new version of a known file leaves the indexed version in place."""
        try:
            loaded = load(path, self.options.limits)
        except UnreadableFile as exc:
            summary.skip(str(path), str(exc), exc.zh)
            return None              # a known file stays indexed as it was: its path still exists
        doc_id = replaces or make_doc_id(display_stem(path), taken)
        uploaded = path.is_relative_to((self.data_dir / "uploads").resolve())
        doc = Document(doc_id=doc_id, title=loaded.title, source=str(path),
                       origin="upload" if uploaded else self.options.origin,
                       content_hash=digest, text="", meta={"edited": self._edits(str(path), digest)})
        chunks = build_chunks(doc, loaded, self.options.max_chars, self.options.pieces)
        if not chunks:
            summary.skip(str(path), "no text found after cleaning", "清理后没有剩下正文")
            return None
        summary.debris[doc_id] = doc.cleaning
        return _Pending(doc, chunks, replaces=replaces is not None)

    def _plan_jsonl(self, store: IndexStore, jsonl: Path, summary: IngestSummary):
        states = {} if self._rebuilding else store.document_states()
        pending, seen = [], set()
        try:
            lines = jsonl.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            summary.skip(str(jsonl), f"cannot read: {exc}", "无法读取文件")
            return [], [], []
        for number, line in enumerate(lines, 1):
            self.progress("reading", number, len(lines))
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                doc_id, title, text = str(record["doc_id"]), str(record.get("title") or ""), str(record["text"])
            except (ValueError, KeyError, TypeError) as exc:
                summary.skip(f"{jsonl.name}:{number}", f"bad record ({exc})", "记录格式不对")
                continue
            if doc_id in seen:
                summary.skip(f"{jsonl.name}:{number}", f"duplicate doc_id {doc_id}", f"重复的 doc_id {doc_id}", "duplicate")
                continue
            seen.add(doc_id)
            digest = sha256_text(title + "\n" + text)
            old = states.get(doc_id)
            if old and old[2] == digest:
                summary.unchanged.append(doc_id)
                continue
            doc = Document(doc_id=doc_id, title=title, source=str(jsonl), origin="jsonl",
                           content_hash=digest, text="")
            blocks = [Block(p) for p in text.splitlines() if p.strip()]
            chunks = build_chunks(doc, LoadedFile(title=title, blocks=blocks), self.options.max_chars,
                                  self.options.pieces)
            if not chunks:
                summary.skip(f"{jsonl.name}:{number}", "no text", "没有正文")
                continue
            pending.append(_Pending(doc, chunks, replaces=old is not None))
        removals = [doc_id for doc_id, (source, origin, _) in states.items()
                    if origin == "jsonl" and source == str(jsonl) and doc_id not in seen]
        summary.removed.extend(removals)
        return pending, removals, []
