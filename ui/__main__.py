"""python -m ui [--host 127.0.0.1] [--port 7860] [--data-dir DIR] [--auth USER:PASS]

Serves the chat app and its REST API (ui/api.py) on one port. The page comes up at once; on first launch (or when corpus/
changed) it ingests first and shows the progress. RAG_AUTH=USER:PASS works like --auth.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

import settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui", description="Serve the report Q&A chat app.")
    parser.add_argument("--host", default=os.environ.get("RAG_HOST", "127.0.0.1"),
                        help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("RAG_PORT", "7860")))
    parser.add_argument("--data-dir", help="the index (default: $RAG_DATA_DIR or data/)")
    parser.add_argument("--database-url", help="postgresql://...: the library in PostgreSQL + pgvector (default: $RAG_DATABASE_URL; none: the embedded index in the data directory)")
    parser.add_argument("--auth", default=os.environ.get("RAG_AUTH"), help="USER:PASS login in front of the app")
    parser.add_argument("--no-corpus", action="store_true", help="do not ingest corpus/ at start")
    args = parser.parse_args(argv)
    settings.use_database(args.database_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for chatty in ("httpx", "faiss.loader", "sentence_transformers"):   # a line per request / per probe
        logging.getLogger(chatty).setLevel(logging.WARNING)
    auth = None
    if args.auth:
        if ":" not in args.auth:
            print("error: --auth must be USER:PASS", file=sys.stderr)
            return 2
        auth = tuple(args.auth.split(":", 1))
    if args.host not in ("127.0.0.1", "localhost", "::1") and not auth:
        print(f"WARNING: serving on {args.host} without --auth: anyone who can reach this port can read the "
              "reports, upload and delete them. Add --auth USER:PASS (or RAG_AUTH).", file=sys.stderr)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr
    import uvicorn

    from .api import build_api
    from .app import build
    from .feedback import FeedbackStore
    from .render import CSS
    from .state import AppState

    data_dir = settings.data_dir(args.data_dir)
    state = AppState(data_dir, corpus=None if args.no_corpus else settings.DEFAULT_CORPUS)
    state.start()
    page = build(state, FeedbackStore(data_dir))
    page.queue(default_concurrency_limit=8)
    # The REST API (/api/..., /v1/chat/completions, /healthz, /docs) and the page on one server.
    server = build_api(state, auth)
    server = gr.mount_gradio_app(server, page, path="/", auth=auth, css=CSS, show_error=False,
                                 max_file_size=settings.max_file_bytes(), footer_links=["api"])
    print(f"* Running on http://{args.host}:{args.port} (the page at /, the API at /docs)", flush=True)
    uvicorn.run(server, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
