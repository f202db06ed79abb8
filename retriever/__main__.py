"""python -m retriever ask "问题" | eval   (contract: README, "Ask").

Exit status: 0 ok; 2 no usable index or a bad question (message on stderr).
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import settings
from index import IndexError_

from .question import BadQuestion


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retriever",
                                     description="Ask the ingested reports; evaluate retrieval.")
    parser.add_argument("--data-dir", help="the index (default: $RAG_DATA_DIR or data/)")
    parser.add_argument("--database-url", help="postgresql://...: the library in PostgreSQL + pgvector (default: $RAG_DATABASE_URL; none: the embedded index in the data directory)")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question with cited sources")
    ask.add_argument("question")
    ask.add_argument("--k", type=int, default=5, help="number of sources (default 5)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--llm", action="store_true", help="use the LLM endpoint (RAG_LLM_BASE_URL) if configured")
    ask.add_argument("--data-dir", dest="data_dir_sub", help=argparse.SUPPRESS)
    _scope_options(ask)
    ev = sub.add_parser("eval", help="answer a question file and write a run file for score.py")
    ev.add_argument("--questions", required=True, type=Path, help='JSONL with at least {"qid","question"}')
    ev.add_argument("--out", required=True, type=Path, help="run file to write (JSONL)")
    ev.add_argument("--k", type=int, default=10)
    ev.add_argument("--limit", type=int, default=None, help="only the first N questions")
    ev.add_argument("--data-dir", dest="data_dir_sub", help=argparse.SUPPRESS)
    _scope_options(ev)
    args = parser.parse_args(argv)
    settings.use_database(args.database_url)
    data_dir = settings.data_dir(args.data_dir_sub or args.data_dir)
    try:
        from .service import Retriever

        retriever = Retriever(data_dir)
        if args.command == "ask":
            return _ask(retriever, args)
        return _eval(retriever, args)
    except IndexError_ as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BadQuestion as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _scope_options(parser) -> None:
    parser.add_argument("--doc", action="append", metavar="DOC",
                        help="ask only this document (its id, see python -m ingest --list); repeatable")
    parser.add_argument("--where", nargs="+", metavar="KEY=VALUE",
                        help="ask only the reports whose record matches, e.g. --where place=广东省 year=2026 "
                             "(keys: place, level, year, kind, title)")


def _scope(args):
    from .scope import Filter

    return Filter.parse(args.doc, args.where)


def _ask(retriever, args) -> int:
    if args.llm:
        from .llm import LLMClient, answer_with_llm

        client = LLMClient.from_env()
        if client is None:
            print("error: --llm needs RAG_LLM_BASE_URL and RAG_LLM_MODEL", file=sys.stderr)
            return 2
        answer, shown = None, 0
        for answer in answer_with_llm(retriever, client, args.question, k=args.k):
            if not args.json and answer.mode == "llm":      # stream the reply as it arrives
                print(answer.answer[shown:], end="", flush=True)
                shown = len(answer.answer)
        if shown and not args.json:
            print("\n")
            answer.answer, answer.key_spans = "", []       # already printed
    else:
        answer = retriever.ask(args.question, k=args.k, scope=_scope(args))
    if args.json:
        print(json.dumps(answer.public(), ensure_ascii=False))
        return 0
    print(render_text(answer))
    return 0


def render_text(answer) -> str:
    """The answer for a terminal: key span in 【】, then the numbered sources."""
    text = answer.answer
    for a, b in sorted(answer.key_spans, reverse=True):
        text = text[:a] + "【" + text[a:b] + "】" + text[b:]
    lines = [text, ""]
    if answer.resolved_question:
        lines.insert(0, f"(理解为：{answer.resolved_question})")
    for w in answer.warnings:
        lines.append(f"! {w}")
    sources = answer.citations or answer.related
    if sources:
        lines.append("相关段落：" if answer.abstained else "来源：")
    for c in sources:
        where = " › ".join(p for p in (c.report or c.title, c.section) if p)
        paragraph = f"（第{c.paragraph}段）" if c.chunk_id is not None else ""    # front matter: no paragraph
        lines.append(f"[{c.n}] {where}{paragraph}")
        lines.append("    " + c.text.replace("\n", "\n    "))
    return "\n".join(lines)


def _eval(retriever, args) -> int:
    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.limit:
        questions = questions[:args.limit]
    retriever.warm_up()
    latencies, retrieval = [], []
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as out:
        for q in questions:
            started = time.perf_counter()
            try:
                answer = retriever.ask(q["question"], k=args.k, scope=_scope(args))
            except BadQuestion as exc:
                out.write(json.dumps({"qid": q["qid"], "answer": str(exc), "abstained": True, "retrieved": []},
                                     ensure_ascii=False) + "\n")
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            t = answer.timing_ms
            retrieval.append(t.get("embed_query", 0) + t.get("search", 0) + t.get("fuse", 0))
            retrieved = [{"doc_id": h.chunk.doc_id, "title": h.chunk.title, "text": h.chunk.text,
                          "score": round(h.score, 5), "chunk_id": h.chunk.id} for h in answer.hits[:args.k]]
            out.write(json.dumps({"qid": q["qid"], "answer": answer.answer, "abstained": answer.abstained,
                                  "retrieved": retrieved, "key_spans": answer.key_spans}, ensure_ascii=False) + "\n")
    print(f"{len(questions)} questions -> {args.out}")
    print(f"latency, whole answer: p50 {_pct(latencies, 50):.1f} ms, p95 {_pct(latencies, 95):.1f} ms")
    print(f"latency, retrieval:    p50 {_pct(retrieval, 50):.1f} ms, p95 {_pct(retrieval, 95):.1f} ms")
    return 0


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


if __name__ == "__main__":
    status = main()
    gc.freeze()   # skips the exit-time collection over torch's objects, as in ingest/__main__.py
    sys.exit(status)
