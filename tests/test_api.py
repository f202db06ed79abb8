"""The REST API (ui/api.py) through FastAPI's test client, on a made-up library and the
fake embedder: the routes' contracts, uploads and removals, the OpenAI-compatible chat,
the login. (test_app.py checks the same routes on a real server beside the page.)"""
from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from benchmarks.fit_gate import Recorder
from tests.fakes import FakeEmbedder
from ui.api import build_api
from ui.state import AppState

REPORT = """2031年云海市政府工作报告
各位代表：
一、2030年工作回顾
全市地区生产总值增长6.1%，城镇新增就业9.5万人。新建保障性住房3200套。
二、2031年主要目标
地区生产总值增长5.5%左右，城镇新增就业9万人以上。
"""
UPLOADED = """兴和县数字政府建设报告
一、数字政府建设
全县建成政务数据共享平台，汇聚数据资源目录1234余项，实现跨部门数据调用380万次。
"""


def _state(tmp_path) -> AppState:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "yunhai.txt").write_text(REPORT, encoding="utf-8")
    state = AppState(tmp_path / "data", corpus=corpus)
    state.embedder = FakeEmbedder()
    return state


@pytest.fixture()
def ready(tmp_path):
    """Started, with a gate that always answers: the fake embedder's cosines are not the
    real model's, which the fitted gate reads (the gate has tests of its own)."""
    state = _state(tmp_path)
    state.start()
    assert state.wait_ready(120), state.status.message
    state.retriever.gate = Recorder()
    return state


def test_health_is_503_with_the_reason_until_ready_then_200(tmp_path):
    state = _state(tmp_path)
    client = TestClient(build_api(state))
    starting = client.get("/healthz")
    assert starting.status_code == 503 and starting.json()["reason"] == "正在启动…"
    assert client.post("/api/ask", json={"question": "地区生产总值增长多少？"}).status_code == 503
    state.start()
    assert state.wait_ready(120)
    assert client.get("/healthz").json() == {"status": "ready"}


def test_ask_returns_the_cli_json_with_its_scope(ready):
    client = TestClient(build_api(ready))
    answer = client.post("/api/ask", json={"question": "城镇新增就业多少人？", "k": 3}).json()
    assert not answer["abstained"] and "9.5万人" in answer["answer"]
    assert set(answer["citations"][0]) >= {"n", "doc_id", "report", "section", "paragraph", "text", "sentences"}
    assert answer["citations"][0]["report"] == "2031年云海市政府工作报告"
    nothing = client.post("/api/ask", json={"question": "城镇新增就业多少人？", "where": "year=1999"}).json()
    assert nothing["abstained"] and not nothing["citations"]
    assert client.post("/api/ask", json={"question": "   "}).status_code == 400
    assert client.post("/api/ask", json={"question": "就业", "k": 99}).status_code == 422


def test_upload_list_ask_and_remove(ready):
    client = TestClient(build_api(ready))
    added = client.post("/api/documents", files=[
        ("files", ("数字政府.txt", UPLOADED.encode(), "text/plain")),
        ("files", ("scan.pdf", b"%PDF-1.4 broken", "application/pdf")),
        ("files", ("table.xlsx", b"whatever", "application/octet-stream"))]).json()
    assert len(added["added"]) == 1 and added["documents"] == 2
    reasons = {s["file"]: s["reason_zh"] for s in added["skipped"]}
    assert "PDF 文件已损坏" in reasons["scan.pdf"] and reasons["table.xlsx"] == "不支持的文件类型"
    listed = {d["doc_id"]: d for d in client.get("/api/documents").json()}
    new_id = added["added"][0]
    assert listed[new_id]["title"] == "数字政府" and listed["yunhai"]["record"]["year"] == "2031"
    found = client.post("/api/ask", json={"question": "政务数据共享平台汇聚了多少项数据资源目录？"}).json()
    assert "1234余项" in found["answer"]
    assert client.delete(f"/api/documents/{new_id}").json()["removed"] == new_id
    assert client.delete(f"/api/documents/{new_id}").status_code == 404
    assert [d["doc_id"] for d in client.get("/api/documents").json()] == ["yunhai"]
    assert list((ready.data_dir / "uploads").iterdir()) == []      # no copy of what was removed or refused


def test_chat_completions_reply_with_the_cited_answer(ready):
    client = TestClient(build_api(ready))
    body = {"model": "anything", "messages": [{"role": "system", "content": "你是助手"},
                                              {"role": "user", "content": "新建保障性住房多少套？"}]}
    reply = client.post("/v1/chat/completions", json=body).json()
    content = reply["choices"][0]["message"]["content"]
    assert reply["object"] == "chat.completion" and reply["choices"][0]["finish_reason"] == "stop"
    assert "**3200**套" in content and "来源：" in content and "[1] 2031年云海市政府工作报告" in content
    assert client.get("/v1/models").json()["data"][0]["id"] == "reportqa"

    streamed = client.post("/v1/chat/completions", json={**body, "stream": True})
    events = [line[6:] for line in streamed.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    pieces = [json.loads(e)["choices"][0] for e in events[:-1]]
    assert pieces[0]["delta"] == {"role": "assistant"} and pieces[-1]["finish_reason"] == "stop"
    assert "".join(p["delta"].get("content", "") for p in pieces) == content


def test_chat_reads_a_follow_up_with_the_earlier_user_messages(ready):
    client = TestClient(build_api(ready))
    alone = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "还有呢？"}]}).json()
    assert "没有可指代的前文" in alone["reportqa"]["answer"]
    follow = client.post("/v1/chat/completions", json={"messages": [
        {"role": "user", "content": "城镇新增就业多少人？"}, {"role": "assistant", "content": "9.5万人[1]"},
        {"role": "user", "content": [{"type": "text", "text": "还有呢？"}]}]}).json()
    assert follow["reportqa"]["resolved_question"] == "城镇新增就业多少人？"
    assert client.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "x"}]}).status_code == 400


def test_the_login_guards_every_route_but_health(ready):
    client = TestClient(build_api(ready, auth=("ana", "s3cret")))
    assert client.get("/healthz").status_code == 200
    for method, path in (("get", "/api/documents"), ("post", "/api/ask"), ("post", "/v1/chat/completions"),
                         ("delete", "/api/documents/yunhai"), ("get", "/v1/models")):
        response = getattr(client, method)(path)
        assert response.status_code == 401, path
    basic = "Basic " + base64.b64encode(b"ana:s3cret").decode()
    assert client.get("/api/documents", headers={"Authorization": basic}).status_code == 200
    assert client.get("/api/documents", headers={"Authorization": "Bearer ana:s3cret"}).status_code == 200
    assert client.get("/api/documents", headers={"Authorization": "Bearer ana:wrong"}).status_code == 401


def test_an_unreachable_library_is_a_503_with_the_reason(ready, monkeypatch):
    """When the library's database cannot be reached, routes answer 503 with the reason
    (English and the page's Chinese), and /healthz says the instance cannot answer."""
    from index import LibraryUnavailable

    def gone(*args, **kwargs):
        raise LibraryUnavailable("the library's database postgresql://db/reports cannot be reached")

    client = TestClient(build_api(ready))
    monkeypatch.setattr(ready.retriever, "ask", gone)
    reply = client.post("/api/ask", json={"question": "地区生产总值增长多少？"})
    assert reply.status_code == 503 and "cannot be reached" in reply.json()["detail"]
    assert "数据库" in reply.json()["detail_zh"]
    monkeypatch.setattr(type(ready.store()), "generation", property(gone))
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["status"] == "unavailable"
