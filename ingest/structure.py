"""From loaded blocks to cleaned paragraphs that know where they sit in the report.

Chinese government reports mark structure in the text itself: ``一、主要工作情况``,
``（一）``, ``1.``, and paragraphs that open with ``一是……。`` whose first sentence
works as a sub-heading. Markup headings (Markdown ``#``, HTML ``<h2>``, Word
"Heading 2") count too.

In:  ``LoadedFile`` from ``loaders``.
Out: ``StructuredText``: the cleaned document text (what users see), its paragraphs
     with their section path, number and character span, and the cleaning report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chinese.clean import CLOSERS, CleaningReport, clean_paragraph, has_ruby_debris
from chinese.sentences import sentence_spans
from index.records import AUTHOR_SECTION, SECTION_SEP, is_author_note

from .loaders import LoadedFile

CN_NUM = "一二三四五六七八九十百"
_HEADING_PATTERNS = [  # (level, pattern) for headings written into the text
    (1, re.compile(rf"^第[{CN_NUM}]+[章部分篇]")),
    (1, re.compile(rf"^[{CN_NUM}]+、")),
    (2, re.compile(rf"^[（(][{CN_NUM}]+[）)]")),
    (2, re.compile(rf"^第[{CN_NUM}]+节")),
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (3, re.compile(r"^[（(]\d{1,2}[）)]")),
]
_LEAD = re.compile(rf"^(?:[{CN_NUM}]+是|第[{CN_NUM}]+[，,]|首先|其次|再次|最后)")
MAX_HEADING_CHARS = 40
LEAD_LEVEL = 9  # below any real heading


@dataclass
class Paragraph:
    number: int          # 1-based, body paragraphs only
    text: str
    start: int           # span in StructuredText.text
    end: int
    section_path: list[str]


@dataclass
class StructuredText:
    text: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    report: CleaningReport = field(default_factory=CleaningReport)


def heading_level(text: str) -> int | None:
    for level, pattern in _HEADING_PATTERNS:
        if pattern.match(text):
            return level
    return None


def _lead_sentence(text: str) -> str | None:
    spans = sentence_spans(text)
    if not spans:
        return None
    first = text[spans[0][0]:spans[0][1]].rstrip(CLOSERS).rstrip("。！？!?；;：:")
    return first if len(first) <= MAX_HEADING_CHARS else None


def _heading_text(text: str) -> str:
    return text.strip().rstrip("。：:；;，,")[:MAX_HEADING_CHARS]


def structure(loaded: LoadedFile) -> StructuredText:
    raw = "\n".join(b.text for b in loaded.blocks)
    toneless_too = has_ruby_debris(raw)
    out = StructuredText(text="")
    pieces: list[str] = []
    position = 0
    stack: list[tuple[int, str]] = []  # (level, heading) of the sections we are in
    number = 0

    def enter(level: int, title: str) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))

    for block in loaded.blocks:
        text = clean_paragraph(block.text, out.report, toneless_too)
        if not text:
            continue
        level = block.heading_level or heading_level(text)
        is_heading = block.heading_level is not None or (
            level is not None and len(text) <= MAX_HEADING_CHARS and "。" not in text[:-1])
        if block.heading_level == 1 and _heading_text(text) == loaded.title.strip():
            level = None  # the document's own title is not a section
        elif is_heading:
            enter(level, _heading_text(text))
        elif level is not None and (lead := _lead_sentence(text)):
            enter(level, lead)            # "（一）强化统筹。正文……": the lead sentence heads it
        elif _LEAD.match(text) and (lead := _lead_sentence(text)):
            enter(LEAD_LEVEL, lead)       # "一是……。" paragraphs
        if pieces:
            position += 1                 # the "\n" between blocks
        start = position
        pieces.append(text)
        position += len(text)
        if not is_heading:
            number += 1
            path = [AUTHOR_SECTION] if is_author_note(text) else [t for _, t in stack]
            out.paragraphs.append(Paragraph(number, text, start, position, path))
    out.text = "\n".join(pieces)
    return out
