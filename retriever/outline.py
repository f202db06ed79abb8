"""A question about a whole part of a report, answered with that part's outline.

黄埔区未来有什么打算？ asks for the part 三、未来工作设想, not for one passage: its answer is
the headings of that part's sections (一是加快创建国家营商环境改革实验区 …), each cited to
its paragraph. Picking the one to three best sentences (``extract``) quoted the report's
opening paragraph instead, which sums up every topic (README, "Outline questions").

A question is such a question when every one of its keywords that is not in the report's
title stands in the heading of a part that has sections of its own (有哪些工作体会？ → 体会 →
二、工作体会; 主要做了哪些工作？ → 主要 → 一、主要工作情况), and it asks for no number or date.

In:  the parsed question, the hits (the parts to look at, best first), the index.
Out: an ``Outline`` (the part's heading, the first chunk of each of its sections) or None.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from chinese.clean import fold_for_matching
from chinese.sentences import sentence_spans
from index import Chunk
from index.records import SECTION_SEP

from .question import Question
from .records import Hit

MIN_SECTIONS = 2       # a part with one section is no outline
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+是|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．、])\s*")


@dataclass
class Outline:
    part: str                  # the part's heading as the report writes it: 三、未來工作設想
    sections: list[Chunk]      # the first chunk of each of its sections, in reading order

    def entries(self) -> list[tuple[Chunk, int, int]]:
        """(chunk, start, end) of each section's first sentence: its lead (一是……。) or,
        under a heading of its own, the first sentence of its text."""
        out = []
        for chunk in self.sections:
            spans = sentence_spans(chunk.text)
            if spans:
                out.append((chunk, *spans[0]))
        return out


def key_of(sentence: str) -> tuple[int, int]:
    """The span of an entry to mark: without its numbering (一是, （一）, 1.) and end mark."""
    start = m.end() if (m := _NUMBERING.match(sentence)) else 0
    end = len(sentence.rstrip(" 。；;：:，,"))
    return (start, end) if end > start else (0, 0)


def find_outline(question: Question, hits: list[Hit], store) -> Outline | None:
    """The outline of the first part, among those the hits lie in, whose heading holds all
    the question's keywords but its report's title words; the report is read only then."""
    if question.wants in ("number", "date") or not question.terms:
        return None
    for hit in hits:
        path = hit.chunk.section.split(SECTION_SEP) if hit.chunk.section else []
        title = fold_for_matching(hit.chunk.title)
        asked = [t for t in question.terms if t not in title]
        if path and asked and all(t in fold_for_matching(path[0]) for t in asked):
            sections = _parts(store.chunks_of(hit.chunk.doc_id)).get(path[0], [])
            if len(sections) >= MIN_SECTIONS:
                return Outline(path[0], sections)
    return None


def _parts(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    """{a top-level heading: the first chunk of each section under it}, in reading order."""
    parts: dict[str, dict[str, Chunk]] = {}
    for chunk in sorted(chunks, key=lambda c: c.ord):
        path = chunk.section.split(SECTION_SEP) if chunk.section else []
        if len(path) >= 2:
            parts.setdefault(path[0], {}).setdefault(path[1], chunk)
    return {part: list(sections.values()) for part, sections in parts.items()}
