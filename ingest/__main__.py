"""python -m ingest [PATH ...]: put reports into the index (see README, "Ingest").

Exit status: 0 done; 1 done, but some files could not be read (listed); 2 nothing done
(bad arguments, damaged index, another problem that is explained).
"""
from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import time
from pathlib import Path

import settings
from embedding.model import Embedder
from index import IndexError_, IndexStore, ingest_lock, open_store
from index.store import faiss_patterns

from .loaders import Limits
from .metadata import FIELDS, shown
from .pipeline import IngestOptions, Ingestor, IngestSummary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Ingest report files (.txt .md .html .docx .pdf) or a .jsonl corpus into the index. "
                    "Re-running is incremental: unchanged files cost nothing.")
    parser.add_argument("paths", nargs="*", type=Path,
                        help=f"files and folders to ingest (default: {settings.DEFAULT_CORPUS.name}/)")
    parser.add_argument("--data-dir", help="where the index lives (default: $RAG_DATA_DIR or data/)")
    parser.add_argument("--database-url", help="postgresql://...: the library in PostgreSQL + pgvector (default: $RAG_DATABASE_URL; none: the embedded index in the data directory)")
    parser.add_argument("--jsonl", type=Path, metavar="FILE",
                        help='ingest a pre-split corpus: one {"doc_id","title","text"} per line')
    parser.add_argument("--rebuild", action="store_true",
                        help="start over: re-read, re-clean, re-chunk every document the library holds (uploads "
                             "included, each from its stored file, or from the indexed text if the file is gone) "
                             "and the PATHs, replacing the whole index in one step (the old one stays usable until "
                             "then); text already embedded by the same model is not embedded again. Also the "
                             "repair for a damaged index")
    parser.add_argument("--remove", nargs="+", metavar="DOC", help="remove documents (doc id or file name)")
    parser.add_argument("--list", action="store_true", help="list the documents in the index, with their records")
    parser.add_argument("--set", nargs="+", metavar=("DOC", "KEY=VALUE"),
                        help="correct a document's record: --set DOC place=广东省 year=2025 (keys: "
                             + ", ".join(FIELDS) + "; an empty value returns the field to what was read)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--max-chars", type=int, default=None, help="chunk size limit in characters (default 300)")
    args = parser.parse_args(argv)
    settings.use_database(args.database_url)
    data_dir = settings.data_dir(args.data_dir)
    try:
        if args.list:
            return _list(data_dir, args.json)
        if args.set:
            return _set_record(data_dir, args.set[0], args.set[1:], args.json)
        if args.remove:
            return _report(_remove(data_dir, args.remove), data_dir, args.json)
        return _report(_ingest(data_dir, args), data_dir, args.json)
    except IndexError_ as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the index is unchanged", file=sys.stderr)
        return 2


def _ingest(data_dir: Path, args) -> IngestSummary:
    if args.rebuild:
        _set_aside_if_damaged(data_dir)
    options = IngestOptions(limits=Limits(max_file_bytes=settings.max_file_bytes()))
    if args.max_chars:
        options.max_chars = args.max_chars
    ingestor = Ingestor(data_dir, Embedder(), options, progress=_Progress(quiet=args.json))
    if args.rebuild:      # every document the library holds, uploads included, and what is named
        return ingestor.rebuild(args.paths or ([] if args.jsonl else [settings.DEFAULT_CORPUS]), args.jsonl)
    if args.jsonl:
        return ingestor.ingest_jsonl(args.jsonl)
    return ingestor.ingest_paths(args.paths or [settings.DEFAULT_CORPUS])


def _set_aside_if_damaged(data_dir: Path) -> None:
    """--rebuild must work on a damaged index: move the broken file aside, keep it."""
    db = data_dir / "index.sqlite"
    if not db.exists():
        return
    try:
        open_store(data_dir).close()
    except IndexError_ as exc:
        aside = db.with_name(f"index.sqlite.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        shutil.move(db, aside)
        for extra in ("-wal", "-shm"):
            Path(str(db) + extra).unlink(missing_ok=True)
        for pattern in faiss_patterns():
            for stale in data_dir.glob(pattern):
                stale.unlink()
        print(f"The old index was damaged ({exc}); moved it to {aside.name} and starting fresh.",
              file=sys.stderr)


def _remove(data_dir: Path, names: list[str]) -> IngestSummary:
    store = open_store(data_dir)
    ids = [getattr(find_document(store, name), "doc_id", name) for name in names]
    store.close()
    return Ingestor(data_dir, Embedder(store.model or None)).remove(ids)


def find_document(store: IndexStore, name: str):
    """A document by its id, file name or path."""
    return next((d for d in store.documents() if name in (d.doc_id, d.file_name, d.source)), None)


def _set_record(data_dir: Path, name: str, pairs: list[str], as_json: bool) -> int:
    store = open_store(data_dir)
    doc = find_document(store, name)
    if doc is None:
        print(f"error: no document '{name}' in the index (see python -m ingest --list)", file=sys.stderr)
        return 2
    try:
        edits = dict(pair.split("=", 1) for pair in pairs)
    except ValueError:
        print("error: give fields as KEY=VALUE, e.g. place=广东省", file=sys.stderr)
        return 2
    unknown = sorted(set(edits) - set(FIELDS))
    if unknown or not edits:
        print(f"error: unknown field {', '.join(unknown) or '(none given)'}; fields: {', '.join(FIELDS)}",
              file=sys.stderr)
        return 2
    with ingest_lock(data_dir):
        store.set_record(doc.doc_id, edits)
    record = store.document(doc.doc_id).record
    print(json.dumps(record, ensure_ascii=False) if as_json else f"{doc.doc_id}: {shown(record)}  {record}")
    return 0


def _list(data_dir: Path, as_json: bool) -> int:
    store = open_store(data_dir)
    docs = store.documents()
    if as_json:
        print(json.dumps([{"doc_id": d.doc_id, "title": d.title, "file": d.source, "origin": d.origin,
                           "chunks": d.chunk_count, "chars": d.chars, "ingested_at": d.ingested_at,
                           "record": d.record, "cleaning": d.cleaning} for d in docs], ensure_ascii=False, indent=1))
        return 0
    info = store.info()
    print(f"{info.documents} documents, {info.chunks} chunks in {data_dir} (model: {info.model or '-'})")
    for d in docs:
        debris = d.cleaning.get("pinyin_removed", 0), d.cleaning.get("mojibake_count", 0)
        print(f"  {d.doc_id:<40} {d.chunk_count:>5} chunks {d.chars:>8} chars  {d.ingested_at}  "
              f"{d.file_name}  [pinyin removed {debris[0]}, mojibake {debris[1]}]\n"
              f"      {shown(d.record)}  ({d.record.get('level') or '-'}, {d.record.get('kind') or '-'}, "
              f"{d.record.get('date') or '-'})")
    return 0


def _report(summary: IngestSummary, data_dir: Path, as_json: bool) -> int:
    if as_json:
        print(json.dumps({**summary.as_dict(), "data_dir": str(data_dir)}, ensure_ascii=False))
    else:
        print(f"Index: {data_dir}")
        for label in ("added", "updated", "unchanged", "moved", "removed"):
            items = getattr(summary, label)
            shown = ", ".join(items[:8]) + (f", ... ({len(items) - 8} more)" if len(items) > 8 else "")
            print(f"  {label:<10}{len(items):>6}  {shown}")
        print(f"  {'skipped':<10}{len(summary.skipped):>6}")
        for s in summary.skipped[:50]:
            print(f"      - {s['file']}: {s['reason']}")
        print(f"  chunks: {summary.chunks_total} in the index, {summary.chunks_written} written, "
              f"{summary.embedded} texts embedded")
        if summary.recleaned:
            print("  every document re-read: this index was built by older cleaning rules (nothing embedded again)")
        if summary.terms_recut:
            print(f"  keyword terms of {summary.terms_recut} chunks cut anew (this version cuts them differently)")
        for doc_id, report in list(summary.debris.items())[:20]:
            if report.get("pinyin_removed") or report.get("mojibake_count"):
                examples = "; ".join(report.get("mojibake_examples", [])[:3])
                print(f"  cleaning {doc_id}: {report['pinyin_removed']} pinyin readings removed, "
                      f"{report['mojibake_count']} garbled spans kept" + (f" (e.g. {examples})" if examples else ""))
        print(f"  time: {summary.seconds:.1f} s")
    return 1 if summary.failed else 0


class _Progress:
    """A progress bar on stderr for the slow stages (tqdm), silent for --json runs."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None
        self.stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if stage == "waiting for another ingest":
            print("Another ingest is running on this index; waiting for it to finish...", file=sys.stderr)
            return
        if stage == "loading model":
            print(f"Loading the embedding model to embed {total} new passages...", file=sys.stderr)
            return
        if stage != self.stage:
            if self.bar:
                self.bar.close()
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=stage, unit="passage" if stage == "embedding" else "file",
                            file=sys.stderr, leave=False, disable=total < 20)
            self.stage = stage
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()
            self.bar, self.stage = None, None


if __name__ == "__main__":
    status = main()
    # Python's exit-time collection walks every object torch and transformers allocated: about
    # 1 s after the work is done and printed. Frozen objects are skipped; all else (closing the
    # index, atexit) runs as usual. Measured: docs/log.md, "Ingest".
    gc.freeze()
    sys.exit(status)
