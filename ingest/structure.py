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

from chinese.clean import CLOSERS, SENTENCE_END, CleaningReport, clean_paragraph, has_ruby_debris
from chinese.sentences import sentence_spans
from index.records import AUTHOR_SECTION, SECTION_SEP, is_author_note

from . import config
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


_OPEN_MARKS, _CLOSE_MARKS = "（(“《「【", "）)”》」】"
_CONTINUATION = tuple("。，、；：？！" + _CLOSE_MARKS)     # no sentence starts with these
_SENTENCE_DONE = tuple(SENTENCE_END + _CLOSE_MARKS)


def _broken_off(text: str, following: str) -> bool:
    """A scraped page's line broken inside a sentence: the line leaves a bracket or quote
    open and ends mid-sentence ("（" then "三）改革开放……"; "成果找市场“双向" then "揭榜"),
    or the next line starts with punctuation no sentence starts with ("。", "；……")."""
    unclosed = sum(text.count(c) for c in _OPEN_MARKS) > sum(text.count(c) for c in _CLOSE_MARKS)
    return (unclosed and not text.endswith(_SENTENCE_DONE)) or following.startswith(_CONTINUATION)


def _cleaned_blocks(loaded: LoadedFile, report: CleaningReport) -> list[tuple[str, int | None]]:
    """(cleaned text, markup heading level) of each block that keeps any text, with the
    lines of a sentence broken across blocks joined again."""
    toneless_too = has_ruby_debris("\n".join(b.text for b in loaded.blocks))
    out: list[tuple[str, int | None]] = []
    for block in loaded.blocks:
        text = clean_paragraph(block.text, report, toneless_too)
        if not text:
            continue
        if out and out[-1][1] is None and block.heading_level is None and _broken_off(out[-1][0], text):
            out[-1] = (out[-1][0] + text, None)
        else:
            out.append((text, block.heading_level))
    return out


def structure(loaded: LoadedFile) -> StructuredText:
    out = StructuredText(text="")
    pieces: list[str] = []
    position = 0
    stack: list[tuple[int, str]] = []  # (level, heading) of the sections we are in
    body: list[Paragraph] = []

    def enter(level: int, title: str) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))

    for text, markup_level in _cleaned_blocks(loaded, out.report):
        level = markup_level or heading_level(text)
        is_heading = markup_level is not None or (
            level is not None and len(text) <= MAX_HEADING_CHARS and "。" not in text[:-1])
        if markup_level == 1 and _heading_text(text) == loaded.title.strip():
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
            path = [AUTHOR_SECTION] if is_author_note(text) else [t for _, t in stack]
            body.append(Paragraph(0, text, start, position, path))
    out.text = "\n".join(pieces)
    out.paragraphs = _passages(body, out.text)
    return out


def _passages(body: list[Paragraph], text: str) -> list[Paragraph]:
    """Paragraphs numbered as they will be cited. A paragraph too short to be a passage
    (``config.MIN_PASSAGE_CHARS``: an unnumbered sub-heading "大力提振消费。", a glossary term
    "［5］ESI：", "附件") opens the next paragraph of its section, or closes the one before
    it when its section ends; alone in its section, it stays. On its own such a line is a
    chunk of a few words whose vector lies near every question (docs/log.md, "twenty-fifth
    round"). An author note stays a paragraph of its own."""
    out: list[Paragraph] = []
    waiting: list[Paragraph] = []

    def joined(group: list[Paragraph]) -> Paragraph:
        start, end = group[0].start, group[-1].end
        return Paragraph(0, text[start:end], start, end, group[0].section_path)

    def settle() -> None:
        if waiting and out and out[-1].section_path == waiting[0].section_path:
            out.append(joined([out.pop()] + waiting))
        elif waiting:
            out.append(joined(waiting))
        waiting.clear()

    for para in body:
        if waiting and para.section_path != waiting[0].section_path:
            settle()
        if para.section_path == [AUTHOR_SECTION]:
            out.append(para)
            continue
        waiting.append(para)
        if sum(len(p.text) for p in waiting) >= config.MIN_PASSAGE_CHARS:
            out.append(joined(waiting))
            waiting.clear()
    settle()
    for number, para in enumerate(out, 1):
        para.number = number
    return out
