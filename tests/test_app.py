"""The Gradio app through its API (gradio_client), against a real server on a free port."""
import html
import json

from gradio_client import handle_file

from conftest import SEED
from ui.feedback import FeedbackStore

UPLOADED = ("一、数字政府建设\n"
            "一是推进政务数据共享。全区建成政务数据共享平台，汇聚数据资源目录1234余项，实现跨部门数据调用380万次。\n"
            "二是推进掌上办事。上线“穗好办”黄埔专区，可办事项达到1560项，群众满意率保持在99%以上。\n")


def test_ask_returns_the_cli_contract(app_server):
    result = app_server.client.predict("黄埔区企业投资建设项目审批时间压减到多少个工作日？", 3, api_name="/ask")
    assert not result["abstained"] and "13" in result["answer"]
    assert len(result["citations"]) == 3
    first = result["citations"][0]
    assert set(first) >= {"n", "doc_id", "title", "section", "paragraph", "text", "score"}
    assert first["paragraph"] == 4 and first["doc_id"] == SEED.stem


def test_upload_then_ask_then_remove(app_server, tmp_path):
    client = app_server.client
    report = tmp_path / "数字政府建设报告.txt"
    report.write_text(UPLOADED, encoding="utf-8")
    uploads = app_server.data_dir / "uploads"
    before = set(uploads.iterdir()) if uploads.exists() else set()    # other tests' uploads
    message, _, _, status, box = client.predict([handle_file(str(report))], api_name="/upload")
    # the upload box is emptied after an import (the client sees the update the page applies)
    assert (box.get("value") if isinstance(box, dict) else box) is None
    assert "新增 1 份" in message, message
    assert f"{len(client.predict(api_name='/documents'))} 份报告" in status, status    # the header's counts follow
    stored = list(set(uploads.iterdir()) - before)
    assert len(stored) == 1 and stored[0].name.startswith("数字政府建设报告__")

    answer = client.predict("政务数据共享平台汇聚了多少项数据资源目录？", 5, api_name="/ask")
    assert not answer["abstained"] and "1234余项" in answer["answer"]
    assert answer["citations"][0]["title"] == "数字政府建设报告"

    again, *_ = client.predict([handle_file(str(report))], api_name="/upload")
    assert "重复" in again and set(uploads.iterdir()) - before == set(stored)

    docs = client.predict(api_name="/documents")
    doc_id = next(d["doc_id"] for d in docs if d["title"] == "数字政府建设报告")
    removed, *_, status = client.predict(doc_id, api_name="/remove")
    assert "已删除" in removed and f"{len(docs) - 1} 份报告" in status, status
    gone = client.predict("政务数据共享平台汇聚了多少项数据资源目录？", 5, api_name="/ask")
    assert "1234" not in json.dumps(gone, ensure_ascii=False)
    assert set(uploads.iterdir()) == before


def test_bad_upload_is_reported_and_changes_nothing(app_server, tmp_path):
    client = app_server.client
    before = client.predict(api_name="/documents")
    broken = tmp_path / "scan.pdf"
    broken.write_bytes(b"%PDF-1.4 broken")
    message, *_ = client.predict([handle_file(str(broken))], api_name="/upload")
    message = html.unescape(message)
    # said in Chinese, as every message of the page is
    assert "未导入" in message and "scan.pdf：" in message and "PDF 文件已损坏" in message
    assert client.predict(api_name="/documents") == before


def test_bad_question_through_the_api(app_server):
    result = app_server.client.predict("   ", 5, api_name="/ask")
    assert result["abstained"] and result["error"] == "bad_question" and "请输入问题" in result["answer"]


def test_feedback_is_stored(tmp_path):
    store = FeedbackStore(tmp_path)
    store.record("问题？", {"answer": "回答[1]", "mode": "extractive",
                           "citations": [{"n": 1, "doc_id": "d", "title": "t", "section": "s", "paragraph": 2,
                                          "text": "...", "chunk_id": 7}]}, -1, "session-1")
    rows = store.all()
    assert rows[0]["vote"] == -1 and json.loads(rows[0]["sources"])[0]["chunk_id"] == 7


def test_a_reports_tab_action_says_in_chinese_when_the_library_is_unreachable():
    """Upload, remove and re-import put the reason in the tab's message (the page's
    Chinese), not an error toast, and leave the other outputs as they were."""
    import gradio as gr

    from index import LibraryUnavailable
    from ui.app import _reporting_index_errors

    @_reporting_index_errors(4)
    def remove(doc_id):
        raise LibraryUnavailable("the library's database postgresql://db/reports cannot be reached")

    message, *rest = remove("yunhai")
    assert "无法连接" in message and rest == [gr.update()] * 3


def test_example_questions_start_with_what_the_report_is_about(seed_copy, retriever):
    """The first example is answered with the report's parts (retriever.outline); the
    others name its sections' headings, never the author note."""
    from ui.app import OVERVIEW_QUESTION, example_questions
    from ui.state import AppState

    examples = example_questions(AppState(seed_copy, corpus=None))
    assert examples[0] == OVERVIEW_QUESTION and len(examples) == 4
    assert examples[1] == "“率先推动体制机制创新”有哪些具体做法？"
    answer = retriever.ask(OVERVIEW_QUESTION)
    assert not answer.abstained and answer.answer.startswith("黄埔区广州开发区改革工作报告：一、主要工作情况；[1]")


def test_the_rest_api_is_served_beside_the_page(app_server):
    """One server: the page at /, the API's routes and their OpenAPI docs beside it."""
    import httpx

    url = app_server.url.rstrip("/")
    assert httpx.get(f"{url}/healthz").json() == {"status": "ready"}
    assert "/api/ask" in httpx.get(f"{url}/openapi.json").json()["paths"]
    assert httpx.get(f"{url}/docs").status_code == 200
    answer = httpx.post(f"{url}/api/ask", json={"question": "黄埔区企业投资建设项目审批时间压减到多少个工作日？"},
                        timeout=60).json()
    assert not answer["abstained"] and "13" in answer["answer"]
    reply = httpx.post(f"{url}/v1/chat/completions", timeout=60, json={
        "model": "reportqa", "messages": [{"role": "user", "content": "黄埔区企业投资建设项目审批时间压减到多少个工作日？"}]})
    assert "13" in reply.json()["choices"][0]["message"]["content"]
    assert "<html" in httpx.get(url + "/").text.lower()          # the page is still at /
