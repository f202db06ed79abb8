"""Several app instances over one library in PostgreSQL (README, "Running for a team"):
two real `python -m ui` processes, the real model, a real Postgres server. A report
uploaded through one is answered by the other within 5 seconds, and removed there."""
from __future__ import annotations

import time

import httpx
import pytest

from conftest import AppServer

REPORT = ("一、数字政府建设\n"
          "一是推进政务数据共享。全区建成政务数据共享平台，汇聚数据资源目录1234余项，实现跨部门数据调用380万次。\n")
QUESTION = {"question": "政务数据共享平台汇聚了多少项数据资源目录？"}


@pytest.mark.e2e
def test_two_instances_share_one_library(postgres_server, tmp_path):
    url = postgres_server()
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    first = AppServer(tmp_path / "a" / "data", env={"RAG_DATABASE_URL": url})
    second = None
    try:
        first.wait_ready()
        second = AppServer(tmp_path / "b" / "data", ["--no-corpus"], env={"RAG_DATABASE_URL": url})
        second.wait_ready()
        one, two = first.url.rstrip("/"), second.url.rstrip("/")
        assert len(httpx.get(f"{two}/api/documents").json()) == 1          # the shipped report, ingested by the first
        added = httpx.post(f"{one}/api/documents", timeout=120,
                           files=[("files", ("数字政府.txt", REPORT.encode(), "text/plain"))]).json()
        uploaded_at = time.time()
        (doc_id,) = added["added"]
        while "1234余项" not in httpx.post(f"{two}/api/ask", json=QUESTION, timeout=60).json()["answer"]:
            assert time.time() - uploaded_at < 5, "the second instance did not answer from the upload within 5 s"
            time.sleep(0.2)
        assert httpx.delete(f"{two}/api/documents/{doc_id}", timeout=60).json()["removed"] == doc_id
        assert "1234" not in httpx.post(f"{one}/api/ask", json=QUESTION, timeout=60).text
    finally:
        first.stop()
        if second:
            second.stop()
