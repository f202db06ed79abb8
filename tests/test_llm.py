"""The optional LLM mode against a small local server that speaks the OpenAI protocol."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from retriever.llm import LLMClient, answer_with_llm, check_reply
from retriever.records import Citation


class FakeLLM(BaseHTTPRequestHandler):
    reply = ""
    status = 200
    requests: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"body": body, "auth": self.headers.get("Authorization")})
        if self.status != 200:
            self.send_response(self.status)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i in range(0, len(self.reply), 4):
            chunk = {"choices": [{"delta": {"content": self.reply[i:i + 4]}}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def llm_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeLLM.requests, FakeLLM.status = [], 200
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _client(url):
    return LLMClient(url, "test-model", api_key="sk-secret-123")


def test_streams_a_checked_answer(retriever, llm_server):
    FakeLLM.reply = "黄埔区将企业投资建设项目审批时间压减至13个工作日[1]。"
    answers = list(answer_with_llm(retriever, _client(llm_server), "审批时间压减到多少个工作日？"))
    assert len(answers) > 3                                   # it streamed
    final = answers[-1]
    assert final.mode == "llm" and final.answer == FakeLLM.reply and final.warnings == []
    sent = FakeLLM.requests[0]
    assert sent["auth"] == "Bearer sk-secret-123" and sent["body"]["stream"] is True
    prompt = sent["body"]["messages"][1]["content"]
    assert "[1]" in prompt and "壓減至13個" in prompt
    assert "sk-secret" not in json.dumps(final.public(), ensure_ascii=False)


def test_flags_missing_sources_and_unsupported_numbers(retriever, llm_server):
    FakeLLM.reply = "审批时间压减至7个工作日[1]。另外还设立了新机构[9]。全区人口达到500万。"
    final = list(answer_with_llm(retriever, _client(llm_server), "审批时间压减到多少个工作日？"))[-1]
    text = " ".join(final.warnings)
    assert "[9]" in text and "数字 7" in text and "没有标注来源" in text


def test_endpoint_failure_falls_back_to_extractive(retriever, llm_server):
    FakeLLM.status = 500
    final = list(answer_with_llm(retriever, _client(llm_server), "审批时间压减到多少个工作日？"))[-1]
    assert final.mode == "extractive-fallback" and "13" in final.answer
    assert final.warnings[0].startswith("大模型服务不可用")


def test_unreachable_endpoint_falls_back(retriever):
    final = list(answer_with_llm(retriever, LLMClient("http://127.0.0.1:9", "m", timeout=2), "审批时间压减到多少个工作日？"))[-1]
    assert final.mode == "extractive-fallback" and not final.abstained


def test_abstention_does_not_call_the_model(retriever, llm_server):
    final = list(answer_with_llm(retriever, _client(llm_server), "黄埔区2019年的GDP是多少？"))[-1]
    assert final.abstained and FakeLLM.requests == []


def test_check_reply_accepts_numbers_present_in_cited_passages():
    sources = [Citation(1, "d", "t", "s", 4, "審批時間從110個工作日壓減至13個。", 1.0)]
    assert check_reply("压减至13个工作日[1]。", sources, "zh-Hans") == []
    assert check_reply("压减至13个工作日[2]。", sources, "zh-Hans")


def test_key_never_in_repr():
    assert "sk-" not in repr(LLMClient("http://x", "m", api_key="sk-secret"))
