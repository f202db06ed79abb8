"""The page: a chat tab (questions, answers, source cards) and a reports tab
(list, upload, remove, re-ingest, read). Everything the page does is also an API
endpoint; ``/ask`` returns the same JSON object as ``python -m retriever ask --json``.
"""
from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

import gradio as gr

from chinese.script import to_simplified
from index import IndexError_
from index.records import SECTION_SEP
from ingest.loaders import SUPPORTED
from ingest.metadata import shown
from retriever.conversation import Turn
from retriever.llm import LLMClient, answer_with_llm
from retriever.question import BadQuestion, parse_question
from retriever.scope import Filter

from . import render
from .api import documents_json
from .feedback import FeedbackStore
from .state import AppState, index_message

log = logging.getLogger("ui")
MODE_EXTRACTIVE, MODE_LLM = "摘录（离线）", "大模型"
SCRIPT_ORIGINAL, SCRIPT_SIMPLIFIED = "原文", "简体"
NOT_READY = "系统正在准备索引，请稍候再问。"
UPLOAD_TYPES = sorted(SUPPORTED)
REFRESH_S = 5.0      # how often a ready page looks for reports added or removed elsewhere


OVERVIEW_QUESTION = "这份报告讲了什么？"   # answered with the report's parts (retriever.outline)


def example_questions(state: AppState, limit: int = 4) -> list[str]:
    """Questions drawn from the loaded reports' section headings; the first asks what a
    report is about (by its title, in a library of several), where one has parts to list."""
    store = state.store()
    if store is None:
        return []
    seen, asked, overview = set(), [], ""
    documents = store.documents()
    for doc in documents:
        chunks = store.chunks_of(doc.doc_id)
        parts = {c.section.split(SECTION_SEP)[0] for c in chunks if c.section and not c.is_author_note}
        if not overview and len(parts) >= 2:
            # Among several reports "this report" is asked back (which one?): name it.
            overview = OVERVIEW_QUESTION if len(documents) == 1 else f"{to_simplified(doc.title)}讲了什么？"
        for chunk in chunks:
            heading = chunk.section.split(SECTION_SEP)[-1] if chunk.section else ""
            heading = re.sub(r"^([一二三四五六七八九十]+[是、]|[（(][一二三四五六七八九十]+[）)]|\d+[.、])", "", heading)
            heading = to_simplified(heading).strip("“”")
            if 6 <= len(heading) <= 22 and heading not in seen:
                seen.add(heading)
                asked.append(f"“{heading}”有哪些具体做法？")
        if len(asked) >= limit:
            break
    return (([overview] if overview else []) + asked)[:limit]


def _documents_table(state: AppState) -> list[list]:
    store = state.store()
    if store is None:
        return []
    rows = []
    for d in store.documents():
        debris = f"拼音 {d.cleaning.get('pinyin_removed', 0)} 处已删除；乱码 {d.cleaning.get('mojibake_count', 0)} 处"
        if d.cleaning.get("contents_lines"):
            debris += f"；目录 {d.cleaning['contents_lines']} 行已删除"
        r = d.record
        rows.append([d.doc_id, d.title, r.get("place", ""), r.get("year", ""), r.get("kind", ""), r.get("date", ""),
                     r.get("speaker", ""), d.file_name, d.chunk_count, d.chars, d.ingested_at, debris])
    return rows


def _doc_choices(state: AppState) -> list[tuple[str, str]]:
    store = state.store()
    return [(f"{shown(d.record) or d.title}（{d.doc_id}）", d.doc_id) for d in store.documents()] if store else []


def _context(state: AppState, answer) -> dict[int, dict]:
    """For each cited chunk: its whole paragraph and the paragraphs around it."""
    store = state.retriever.store
    out = {}
    for c in (answer.citations or answer.related):
        if c.chunk_id is None:           # a report's front matter: no paragraph around it
            continue
        chunks = store.chunks_of(c.doc_id)
        by_paragraph: dict[int, list[str]] = {}
        for ch in chunks:
            by_paragraph.setdefault(ch.paragraph, []).append(ch.text)
        join = lambda n: "".join(by_paragraph.get(n, []))
        out[c.chunk_id] = {"before": join(c.paragraph - 1), "paragraph": join(c.paragraph), "after": join(c.paragraph + 1)}
    return out


def build(state: AppState, feedback: FeedbackStore) -> gr.Blocks:
    llm = LLMClient.from_env()
    with gr.Blocks(title="政策报告问答") as app:
        gr.Markdown("## 政策报告问答\n根据已导入的报告回答问题，每句话都标出来源段落。报告中没有的内容会如实说明。")
        status = gr.Markdown(f"⏳ {state.status.message}", elem_id="status")
        timer = gr.Timer(1.0)
        turns = gr.State([])         # list[Turn] for follow-up questions
        answers = gr.State({})       # chatbot message index -> public answer, for feedback
        session = gr.State(lambda: uuid.uuid4().hex[:12])
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="对话", height=520, elem_id="chat",
                                         placeholder="请在下方输入问题，或点击示例问题。回答会标出来源段落 [n]。",
                                         feedback_options=["Like", "Dislike"], sanitize_html=True)
                    with gr.Row():
                        question = gr.Textbox(placeholder="输入问题，例如：企业投资建设项目审批时间压减到多少个工作日？",
                                              show_label=False, scale=5, elem_id="question", max_length=2000)
                        send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                    examples = gr.Dataset(components=[question], samples=[[q] for q in example_questions(state)],
                                          label="示例问题", elem_id="examples")
                    with gr.Row():
                        new_chat = gr.Button("新对话", size="sm", elem_id="new-chat")
                    with gr.Accordion("设置", open=False):
                        k = gr.Slider(1, 10, value=5, step=1, label="来源数量")
                        mode = gr.Radio([MODE_EXTRACTIVE, MODE_LLM] if llm else [MODE_EXTRACTIVE],
                                        value=MODE_EXTRACTIVE, label="回答方式",
                                        info=None if llm else "未配置大模型（RAG_LLM_BASE_URL），仅提供摘录式回答")
                        script = gr.Radio([SCRIPT_ORIGINAL, SCRIPT_SIMPLIFIED], value=SCRIPT_ORIGINAL, label="来源文字")
                with gr.Column(scale=2):
                    scope = gr.Dropdown(choices=_doc_choices(state), multiselect=True, label="提问范围",
                                        info="不选即在全部报告中查找；也可以在问题里写明报告，如“云南省……”",
                                        elem_id="scope")
                    sources = gr.HTML('<div class="empty-sources">回答的来源段落会显示在这里。</div>',
                                      elem_id="sources")
        with gr.Tab("报告"):
            docs = gr.Dataframe(headers=["文档ID", "标题", "地区", "年份", "类型", "日期", "报告人", "文件", "块数", "字数",
                                         "导入时间", "清理情况"],
                                value=_documents_table(state), interactive=False, elem_id="docs", wrap=True)
            with gr.Row():
                with gr.Column():
                    upload = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label="上传报告（.txt .md .html .docx .pdf）",
                                     elem_id="upload")
                    upload_btn = gr.Button("导入上传的报告", variant="primary", elem_id="upload-btn")
                    reingest_btn = gr.Button("重新导入 corpus 文件夹", elem_id="reingest-btn")
                with gr.Column():
                    chosen = gr.Dropdown(choices=_doc_choices(state), label="选择报告", elem_id="chosen")
                    with gr.Row():
                        view_btn = gr.Button("查看清理后的全文")
                        remove_btn = gr.Button("删除所选报告", variant="stop", elem_id="remove-btn")
                        confirm_btn = gr.Button("确认删除", variant="stop", visible=False, elem_id="confirm-remove-btn")
                        cancel_btn = gr.Button("取消", visible=False, elem_id="cancel-remove-btn")
            report_status = gr.Markdown(elem_id="report-status")
            document_view = gr.HTML()

        # ------------------------------------------------------------ chat
        def respond(message, history, turns_value, answers_value, k_value, mode_value, script_value, scope_value):
            history = list(history or [])
            history.append({"role": "user", "content": render.text(message or "")})
            if not state.ready:
                history.append({"role": "assistant", "content": render.text(NOT_READY if state.status.phase != "error"
                                                                             else state.status.message)})
                yield history, turns_value, answers_value, gr.update(), ""
                return
            try:
                parse_question(message)
            except BadQuestion as exc:
                history.append({"role": "assistant", "content": render.text(str(exc))})
                yield history, turns_value, answers_value, gr.update(), ""
                return
            simplified = script_value == SCRIPT_SIMPLIFIED
            history.append({"role": "assistant", "content": "…"})
            final = None
            chosen_reports = Filter.parse(scope_value or None)
            try:
                if mode_value == MODE_LLM and llm:
                    stream = answer_with_llm(state.retriever, llm, message, k=int(k_value), history=turns_value,
                                             scope=chosen_reports)
                else:
                    stream = _stream_extractive(state.retriever.ask(message, k=int(k_value), history=turns_value,
                                                                    scope=chosen_reports))
                for partial in stream:
                    final = partial
                    history[-1] = {"role": "assistant", "content": render.answer_html(partial)}
                    yield history, turns_value, answers_value, gr.update(), ""
            except IndexError_ as exc:
                history[-1] = {"role": "assistant", "content": render.text(index_message(exc))}
                yield history, turns_value, answers_value, gr.update(), ""
                return
            turns_value = list(turns_value) + [Turn.after(message, final)]
            answers_value = dict(answers_value)
            answers_value[len(history) - 1] = {"question": message, **final.public()}
            cards = render.sources_html(final, _context(state, final), simplified)
            yield history, turns_value, answers_value, cards, ""

        outputs = [chatbot, turns, answers, sources, question]
        inputs = [question, chatbot, turns, answers, k, mode, script, scope]
        # The chat (with its conversation state) is an API endpoint too; /ask is the simple one.
        question.submit(respond, inputs, outputs, api_name="chat")
        send.click(respond, inputs, outputs, api_visibility="private")
        examples.click(lambda sample: sample[0], examples, question, api_visibility="private")

        def reset():
            return [], [], {}, '<div class="empty-sources">回答的来源段落会显示在这里。</div>'

        new_chat.click(reset, None, [chatbot, turns, answers, sources], api_name="new_conversation")

        def vote(data: gr.LikeData, answers_value, session_value):
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            record = answers_value.get(index) or answers_value.get(str(index))
            if record:
                feedback.record(record["question"], record, 1 if data.liked else -1, session_value)

        chatbot.like(vote, [answers, session], None, api_name="feedback")

        # ------------------------------------------------------------ status
        # Once ready, the page keeps looking (every REFRESH_S) for a new index generation:
        # a report someone added or removed in another tab or with `python -m ingest` then
        # shows in this page's header, list and dropdown without a reload.
        def tick(shown_generation):
            s = state.status
            if s.phase == "ready":
                store = state.store()
                try:
                    generation = store.generation if store else -1
                except IndexError_ as exc:      # the database is gone: say so, look again next tick
                    return gr.update(value=f"⚠️ {index_message(exc)}"), gr.Timer(value=REFRESH_S), gr.update(), \
                        gr.update(), gr.update(), gr.update(), -1
                if generation == shown_generation:
                    return gr.update(), gr.Timer(value=REFRESH_S), gr.update(), gr.update(), gr.update(), \
                        gr.update(), generation
                choices = _doc_choices(state)
                return (_ready_status(state), gr.Timer(value=REFRESH_S),
                        gr.update(value=_documents_table(state)), gr.update(choices=choices),
                        gr.update(samples=[[q] for q in example_questions(state)]), gr.update(choices=choices),
                        generation)
            icon = "⚠️" if s.phase == "error" else "⏳"
            return gr.update(value=f"{icon} {s.message}"), gr.Timer(active=s.phase != "error"), \
                gr.update(), gr.update(), gr.update(), gr.update(), shown_generation

        shown_generation = gr.State(-1)          # the index generation this page shows
        outputs = [status, timer, docs, chosen, examples, scope, shown_generation]
        timer.tick(tick, [shown_generation], outputs, api_visibility="private")
        app.load(tick, [shown_generation], outputs, api_visibility="private")

        # ------------------------------------------------------------ reports
        @_reporting_index_errors(5)
        def do_upload(files, progress=gr.Progress()):
            if not files:
                return "请先选择要上传的文件。", gr.update(), gr.update(), gr.update(), gr.update()
            given = []
            for f in files:
                temp = f if isinstance(f, str) else getattr(f, "name", str(f))
                given.append((temp, getattr(f, "orig_name", None) or Path(temp).name))
            summary, refused, names = state.add_uploads(
                given, progress=lambda stage, done, total: progress((done, total or None), desc=stage))
            # The upload box is emptied: what it held is imported (or was refused, and said so).
            return _ingest_message(summary, [f"{name}：不支持的文件类型" for name in refused], names), gr.update(value=_documents_table(state)), \
                gr.update(choices=_doc_choices(state)), _ready_status(state), gr.update(value=None)

        # The header's counts follow every change to the reports (it showed the start's counts).
        upload_btn.click(do_upload, [upload], [report_status, docs, chosen, status, upload], api_name="upload")

        @_reporting_index_errors(4)
        def do_reingest(progress=gr.Progress()):
            summary = state.ingest([state.corpus], progress=lambda stage, done, total: progress((done, total or None), desc=stage))
            return _ingest_message(summary, []), gr.update(value=_documents_table(state)), \
                gr.update(choices=_doc_choices(state)), _ready_status(state)

        reingest_btn.click(do_reingest, None, [report_status, docs, chosen, status], api_name="reingest")

        @_reporting_index_errors(5)
        def do_remove(doc_id):
            if not doc_id:
                return "请先选择一份报告。", gr.update(), gr.update(), "", gr.update()
            doc = state.remove(doc_id)
            message = f"已删除：{render.text(doc.title)}" if doc else f"没有找到：{render.text(doc_id)}"
            return message, gr.update(value=_documents_table(state)), gr.update(choices=_doc_choices(state), value=None), \
                "", _ready_status(state)

        # The page asks before removing (the API's /remove, for programs, does not).
        def ask_to_confirm(doc_id):
            store = state.store()
            doc = store.document(doc_id) if (store and doc_id) else None
            if doc is None:
                return "请先选择一份报告。", gr.update(visible=False), gr.update(visible=False)
            return (f"确定要删除《{render.text(doc.title)}》吗？删除后需重新导入才能恢复。",
                    gr.update(visible=True), gr.update(visible=True))

        def do_confirmed_remove(doc_id):
            return (*do_remove(doc_id), gr.update(visible=False), gr.update(visible=False))

        remove_btn.click(ask_to_confirm, [chosen], [report_status, confirm_btn, cancel_btn], api_visibility="private")
        confirm_btn.click(do_confirmed_remove, [chosen],
                          [report_status, docs, chosen, document_view, status, confirm_btn, cancel_btn],
                          api_visibility="private")
        cancel_btn.click(lambda: ("已取消删除。", gr.update(visible=False), gr.update(visible=False)), None,
                         [report_status, confirm_btn, cancel_btn], api_visibility="private")
        # Programs remove through /remove directly (a hidden twin of the confirmed button).
        api_remove = gr.Button(visible=False)
        api_remove.click(do_remove, [chosen], [report_status, docs, chosen, document_view, status], api_name="remove")

        def do_view(doc_id, script_value):
            store = state.store()
            doc = store.document(doc_id) if (store and doc_id) else None
            if doc is None:
                return "请先选择一份报告。"
            return render.document_html(doc, store.chunks_of(doc_id), script_value == SCRIPT_SIMPLIFIED)

        view_btn.click(do_view, [chosen, script], [document_view], api_name="view_document")

        # ------------------------------------------------------------ API
        def ask(question: str, k: int = 5, doc_ids: list[str] | None = None, where: str = "") -> dict:
            """Answer one question; the same JSON as `python -m retriever ask --json`. ``doc_ids`` /
            ``where`` ("place=广东省 year=2026"): the scope, as the CLI's --doc / --where."""
            if not state.ready:
                return {"answer": NOT_READY, "abstained": True, "citations": [], "error": "not_ready"}
            try:
                scope_filter = Filter.parse(doc_ids, where.split() if where else None)
                return state.retriever.ask(question, k=max(1, min(int(k), 20)), scope=scope_filter).public()
            except BadQuestion as exc:
                return {"answer": str(exc), "abstained": True, "citations": [], "error": "bad_question"}

        gr.api(ask, api_name="ask")

        def documents() -> list[dict]:
            """The ingested documents."""
            return documents_json(state)

        gr.api(documents, api_name="documents")
    return app


def _reporting_index_errors(outputs: int):
    """A reports-tab handler that, when the library cannot be used (its database is
    unreachable), puts the reason in its first output and leaves the others as they are."""
    import functools

    def wrap(handler):
        @functools.wraps(handler)       # Gradio reads the signature (gr.Progress) through it
        def run(*args, **kwargs):
            try:
                return handler(*args, **kwargs)
            except IndexError_ as exc:
                return (render.text(index_message(exc)),) + (gr.update(),) * (outputs - 1)
        return run
    return wrap


def _stream_extractive(answer):
    """Show an extractive answer sentence by sentence (it is ready at once; streaming keeps
    the page's behaviour the same in both modes)."""
    if answer.abstained:
        yield answer
        return
    from copy import copy

    ends = [m.end() for m in re.finditer(r"\[\d+\]", answer.answer)]
    for end in ends[:-1]:
        partial = copy(answer)
        partial.answer = answer.answer[:end]
        partial.key_spans = [s for s in answer.key_spans if s[1] <= end]
        yield partial
    yield answer


def _ready_status(state: AppState) -> str:
    return f"✅ 已就绪：{_summary(state)}"


def _summary(state: AppState) -> str:
    store = state.store()
    if store is None:
        return "索引为空"
    info = store.info()
    return f"{info.documents} 份报告，{info.chunks} 个段落块"


def _ingest_message(summary, refused: list[str], names: dict[str, str] | None = None) -> str:
    """What an ingest did, for a person (file names as they uploaded them)."""
    names = names or {}
    lines = []
    if summary is not None:
        if summary.added:
            lines.append(f"✅ 新增 {len(summary.added)} 份：{'、'.join(summary.added)}")
        if summary.updated:
            lines.append(f"🔄 更新 {len(summary.updated)} 份：{'、'.join(summary.updated)}")
        if summary.removed:
            lines.append(f"🗑 移除 {len(summary.removed)} 份（文件已不在文件夹中）")
        if summary.unchanged and not (summary.added or summary.updated):
            lines.append(f"未变化 {len(summary.unchanged)} 份")
        for s in summary.skipped:
            label = "重复，未重复导入" if s["kind"] == "duplicate" else "未导入"
            name = names.get(s["file"]) or Path(s["file"]).name
            lines.append(f"⚠️ {render.text(name)}：{label}（{render.text(s.get('reason_zh') or s['reason'])}）")
        searchable = "新内容已可检索。" if (summary.added or summary.updated) else ""
        lines.append(f"用时 {summary.seconds:.1f} 秒。{searchable}")
    lines.extend(f"⚠️ {render.text(r)}" for r in refused)
    return "\n\n".join(lines) or "没有需要导入的内容。"
