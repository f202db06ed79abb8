"""Answers and sources as HTML for the page.

Everything that comes from a document or a user is escaped here, character by
character, before any markup of ours is added: HTML special characters become
entities, and so do the characters Markdown would act on (links, emphasis, code), so a
report containing ``<script>`` or ``[click](javascript:...)`` shows exactly that text.
The Chatbot's own HTML sanitiser stays on as a second line of defence.
"""
from __future__ import annotations

import html
import re

from chinese.script import to_simplified

_MARKDOWN_CHARS = {c: f"&#{ord(c)};" for c in "[]()*_`#!~|>{}\\$:"}


def text(value: str) -> str:
    """Escape untrusted text for HTML that may also pass through a Markdown renderer."""
    escaped = html.escape(value, quote=True)
    return "".join(_MARKDOWN_CHARS.get(c, c) for c in escaped).replace("\n", "<br>")


def _script(value: str, simplified: bool) -> str:
    return to_simplified(value) if simplified else value


def _marked(value: str, spans: list[tuple[int, int]], css: str) -> str:
    """Escape ``value`` and wrap the given spans in <mark>."""
    out, position = [], 0
    for a, b in sorted(spans):
        if a < position or b <= a:
            continue
        out.append(text(value[position:a]))
        out.append(f'<mark class="{css}">{text(value[a:b])}</mark>')
        position = b
    out.append(text(value[position:]))
    return "".join(out)


def answer_html(answer) -> str:
    """The chat bubble: key span marked, [n] as superscript links to the cards."""
    notes = ""
    if answer.resolved_question:
        notes += f'<div class="resolved">理解为：{text(answer.resolved_question)}</div>'
    if answer.abstained:
        body = f'<div class="abstain">🔍 {text(answer.answer)}</div>'
    else:
        marked = _marked(answer.answer, answer.key_spans, "key")
        body = re.sub(r"&#91;(\d{1,2})&#93;", r'<sup class="cite">[\1]</sup>', marked)
    items = "".join(f'<li>{text(w)}</li>' for w in answer.warnings)
    warnings = f'<ul class="warnings">{items}</ul>' if items else ""
    # Why the report was judged silent reads after the verdict; a fallback or a flagged
    # marker, before the answer.
    return notes + body + warnings if answer.abstained else notes + warnings + body


def sources_html(answer, context: dict[int, dict] | None = None, simplified: bool = False) -> str:
    """Source cards. ``context`` maps chunk id -> {"before", "paragraph", "after"} texts
    for the expandable view."""
    sources = answer.citations or answer.related
    if not sources:
        return '<div class="empty-sources">没有可显示的来源。</div>'
    title = "相关段落（仅供参考）" if answer.abstained else "来源"
    cards = [f'<div class="sources-title">{title}</div>']
    for c in sources:
        passage = _marked(_script(c.text, simplified), c.highlights, "support")
        where = " › ".join(p for p in (c.title, c.section) if p)
        extra = ""
        if context and c.chunk_id in context:
            ctx = context[c.chunk_id]
            parts = [f'<p class="ctx">{text(_script(ctx["before"], simplified))}</p>' if ctx.get("before") else "",
                     f'<p class="para">{text(_script(ctx["paragraph"], simplified))}</p>',
                     f'<p class="ctx">{text(_script(ctx["after"], simplified))}</p>' if ctx.get("after") else ""]
            extra = f'<details><summary>展开整段及上下文</summary>{"".join(parts)}</details>'
        used = " used" if c.sentences else ""
        # A report's front matter (its record, no chunk) has no paragraph number.
        paragraph = f'<span class="source-para">第{c.paragraph}段</span>' if c.chunk_id is not None else ""
        cards.append(
            f'<div class="source-card{used}" id="source-{c.n}">'
            f'<div class="source-head"><span class="source-n">[{c.n}]</span> {text(_script(where, simplified))}'
            f'{paragraph}</div>'
            f'<div class="source-text">{passage}</div>{extra}</div>')
    return "".join(cards)


def document_html(document, chunks, simplified: bool = False) -> str:
    """A report's cleaned text, by section, with paragraph numbers."""
    out = [f'<h3>{text(_script(document.title, simplified))}</h3>']
    last_section, last_paragraph = None, None
    for chunk in chunks:
        if chunk.section != last_section:
            out.append(f'<h4>{text(_script(chunk.section, simplified)) or "（正文）"}</h4>')
            last_section = chunk.section
        if chunk.paragraph != last_paragraph:
            out.append(f'<div class="para-no">第{chunk.paragraph}段</div>')
            last_paragraph = chunk.paragraph
        out.append(f'<p>{text(_script(chunk.text, simplified))}</p>')
    return "".join(out)


CSS = """
.abstain { background: #fff7e6; border-left: 4px solid #f0a020; padding: 8px 12px; border-radius: 4px; }
mark.key { background: #ffe58f; font-weight: 600; padding: 0 2px; }
mark.support { background: #e6f4ff; border-bottom: 2px solid #4096ff; }
sup.cite { color: #1677ff; font-weight: 600; }
.resolved { color: #888; font-size: 0.85em; margin-bottom: 4px; }
.warnings { color: #b42318; font-size: 0.9em; }
.sources-title { font-weight: 600; margin: 4px 0 8px; }
.source-card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; margin-bottom: 10px; }
.source-card.used { border-color: #91caff; }
.source-head { font-size: 0.9em; color: #444; margin-bottom: 6px; }
.source-n { color: #1677ff; font-weight: 700; }
.source-para { float: right; color: #888; }
.source-text { line-height: 1.7; white-space: pre-line; }
details summary { cursor: pointer; color: #1677ff; margin-top: 6px; font-size: 0.9em; }
p.ctx { color: #777; } p.para { background: #fafafa; }
.para-no { color: #999; font-size: 0.8em; }
"""
