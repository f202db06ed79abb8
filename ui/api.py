"""The REST API beside the page (README, "REST API"): FastAPI routes on the same server
as the Gradio page, documented at /docs.

- ``POST /api/ask``: the ``ask --json`` object, with the CLI's scope (``doc_ids``, ``where``);
- ``GET /api/documents``, ``POST /api/documents`` (multipart upload), ``DELETE /api/documents/{id}``;
- ``GET /healthz``: 200 when questions can be answered, 503 with the reason before that;
- ``POST /v1/chat/completions`` (and ``GET /v1/models``): OpenAI's chat protocol, streamed
  or not, so chat clients (Open WebUI, Chatbox) can use the library as a model. The reply
  is the cited answer followed by its sources.

With ``--auth USER:PASS`` every route but /healthz asks for it: HTTP Basic, or
``Authorization: Bearer USER:PASS`` (what an OpenAI client sends as its API key).
"""
from __future__ import annotations

import base64
import hmac
import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from index import IndexError_
from retriever.conversation import Turn
from retriever.question import BadQuestion
from retriever.scope import Filter

from .state import AppState, index_message

MODEL_NAME = "reportqa"          # what /v1/models lists; any model name is answered the same way
MAX_K = 20


class AskRequest(BaseModel):
    question: str
    k: int = Field(5, ge=1, le=MAX_K, description="number of sources")
    doc_ids: list[str] | None = Field(None, description="ask only these documents (python -m ingest --list)")
    where: str = Field("", description='ask only the reports whose record matches, e.g. "place=广东省 year=2026"')


class ChatMessage(BaseModel):
    role: str
    content: str | list | None = None


class ChatRequest(BaseModel):
    model: str = MODEL_NAME
    messages: list[ChatMessage]
    stream: bool = False


def build_api(state: AppState, auth: tuple[str, str] | None = None) -> FastAPI:
    """A FastAPI app with the API's routes; the page is mounted on it (``ui.__main__``)."""
    app = FastAPI(title="ReportQA", description="Questions over Chinese government reports, answered with "
                  "citations. The page is at /.", version="1")
    router = APIRouter(dependencies=[Depends(_guard(auth))] if auth else [])

    # The library cannot be used (its database is unreachable): 503 with the reason, in
    # English and in the page's Chinese; the next request tries again.
    @app.exception_handler(IndexError_)
    def unavailable(request: Request, exc: IndexError_):
        return JSONResponse({"detail": str(exc), "detail_zh": index_message(exc)}, status_code=503)

    # Open without the login, for a load balancer's probes: it shows no content.
    @app.get("/healthz", tags=["service"])
    def healthz():
        """200 when questions can be answered; 503 with the reason while the index is
        prepared or its database cannot be reached."""
        if state.ready:
            try:
                state.store().generation
            except IndexError_ as exc:
                return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
            return {"status": "ready"}
        return JSONResponse({"status": state.status.phase, "reason": state.status.message}, status_code=503)

    @router.post("/api/ask", tags=["questions"])
    def ask(request: AskRequest) -> dict:
        """One question, answered with cited sources: the JSON of `python -m retriever ask --json`."""
        _ready(state)
        try:
            scope = Filter.parse(request.doc_ids, request.where.split() or None)
            return state.retriever.ask(request.question, k=request.k, scope=scope).public()
        except BadQuestion as exc:
            raise HTTPException(400, str(exc)) from None

    @router.get("/api/documents", tags=["documents"])
    def list_documents() -> list[dict]:
        """The library's documents with their records (title, place, year, kind ...)."""
        return documents_json(state)

    @router.post("/api/documents", tags=["documents"])
    def add_documents(files: list[UploadFile] = File(...)) -> dict:
        """Upload report files (.txt .md .html .docx .pdf) and ingest them. A file that cannot
        be read is listed under "skipped" with its reason, and changes nothing."""
        _ready(state)
        with tempfile.TemporaryDirectory() as folder:
            given = []
            for n, upload in enumerate(files):
                temp = Path(folder) / f"{n}{Path(upload.filename or '').suffix.lower()}"
                with open(temp, "wb") as out:
                    shutil.copyfileobj(upload.file, out)
                given.append((str(temp), upload.filename or temp.name))
            summary, refused, names = state.add_uploads(given)
        skipped = [{"file": names.get(s["file"], Path(s["file"]).name), "reason": s["reason"],
                    "reason_zh": s.get("reason_zh", ""), "kind": s["kind"]} for s in (summary.skipped if summary else [])]
        return {"added": summary.added if summary else [], "updated": summary.updated if summary else [],
                "skipped": skipped + [{"file": name, "reason": "unsupported file type",
                                        "reason_zh": "不支持的文件类型", "kind": "error"} for name in refused],
                "documents": len(state.store().documents())}

    @router.delete("/api/documents/{doc_id}", tags=["documents"])
    def remove_document(doc_id: str) -> dict:
        """Remove one document from the library (an upload's stored copy too)."""
        _ready(state)
        doc = state.remove(doc_id)
        if doc is None:
            raise HTTPException(404, f"no such document: {doc_id}")
        return {"removed": doc_id, "title": doc.title}

    @router.get("/v1/models", tags=["OpenAI-compatible"])
    def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "reportqa"}]}

    @router.post("/v1/chat/completions", tags=["OpenAI-compatible"])
    def chat(request: ChatRequest):
        """The last user message is the question; earlier user messages are the conversation
        a follow-up (它的审批时间呢？) is read with. The reply: the cited answer, then its sources."""
        _ready(state)
        asked = [_text(m.content) for m in request.messages if m.role == "user"]
        if not asked or not asked[-1].strip():
            raise HTTPException(400, "no user message to answer")
        history = [Turn(q, q) for q in asked[:-1]]
        try:
            answer = state.retriever.ask(asked[-1], history=history)
        except BadQuestion as exc:
            raise HTTPException(400, str(exc)) from None
        reply = answer_markdown(answer)
        ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if request.stream:
            return StreamingResponse(_chunks(reply, ident, created, request.model), media_type="text/event-stream")
        return {"id": ident, "object": "chat.completion", "created": created, "model": request.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "reportqa": answer.public()}

    app.include_router(router)
    return app


def documents_json(state: AppState) -> list[dict]:
    store = state.store()
    return [{"doc_id": d.doc_id, "title": d.title, "file": d.file_name, "chunks": d.chunk_count,
             "chars": d.chars, "ingested_at": d.ingested_at, "record": d.record, "cleaning": d.cleaning}
            for d in (store.documents() if store else [])]


def answer_markdown(answer) -> str:
    """The answer for a chat client: the key spans bold, then the numbered sources, each
    with its report, part and paragraph and the sentence(s) it gave."""
    text = answer.answer
    for a, b in sorted(answer.key_spans, reverse=True):
        text = text[:a] + "**" + text[a:b] + "**" + text[b:]
    lines = [text]
    lines += [f"> {w}" for w in answer.warnings]
    sources = answer.citations or answer.related
    if sources:
        lines += ["", "相关段落：" if answer.abstained else "来源："]
    for c in sources:
        where = " › ".join(p for p in (c.report or c.title, c.section) if p)
        quoted = " ".join(c.sentences) or (c.text[:120] + ("…" if len(c.text) > 120 else ""))
        lines.append(f"[{c.n}] {where}（第{c.paragraph}段）：{quoted}")
    return "\n".join(lines)


def _chunks(reply: str, ident: str, created: int, model: str):
    """Server-sent events in OpenAI's streaming shape: the role, the text in pieces, the end."""
    def event(delta: dict, finish=None) -> str:
        body = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant"})
    for start in range(0, len(reply), 40):
        yield event({"content": reply[start:start + 40]})
    yield event({}, "stop")
    yield "data: [DONE]\n\n"


def _text(content) -> str:
    """A message's text: a string, or OpenAI's list of parts ({"type": "text", "text": ...})."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


def _ready(state: AppState) -> None:
    if not state.ready:
        raise HTTPException(503, state.status.message or "the index is being prepared")


def _guard(auth: tuple[str, str]):
    """A dependency that lets through HTTP Basic USER:PASS or Bearer USER:PASS only."""
    expected = f"{auth[0]}:{auth[1]}".encode()

    def check(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        given = b""
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(value.strip(), validate=True)
            except ValueError:
                given = b""
        elif scheme.lower() == "bearer":
            given = value.strip().encode()
        if not hmac.compare_digest(given, expected):
            raise HTTPException(401, "login required", headers={"WWW-Authenticate": 'Basic realm="ReportQA"'})

    return check
