"""Questions about a whole report, or a whole part of one, answered with its outline.

黄埔区未来有什么打算？ asks for the part 三、未来工作设想, not for one passage: its answer is
the headings of that part's sections (一是加快创建国家营商环境改革实验区 …), each cited to
its paragraph. Picking the one to three best sentences (``extract``) quoted the report's
opening paragraph instead, which sums up every topic. 这篇报告讲了什么？ asks for the
report's parts (一、主要工作情况, 二、工作体会 …); it used to be abstained on (docs/log.md,
"Outline questions").

A question asks for a part when every one of its keywords that is not in the report's title
stands in the heading of a part that has sections of its own (有哪些工作体会？ → 体会 →
二、工作体会; 主要做了哪些工作？ → 主要 → 一、主要工作情况); for the whole report when its only
keywords are words like 主要, 内容, 讲 (``_ABOUT_THE_WHOLE``), or none once the report
itself is set aside (这篇报告, 本文). Neither kind asks for a number or a date.

In:  the parsed question, the hits (the parts and reports to look at, best first), the index.
Out: an ``Outline`` (what leads it, and an entry per section or part) or None.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from chinese.bilingual import content_words
from chinese.clean import fold_for_matching
from chinese.script import with_digits
from chinese.tokenize import query_terms
from chinese.sentences import sentence_spans
from index import Chunk
from index.records import AUTHOR_SECTION, SECTION_SEP

from .question import CARDINALS_EN, NUMERALS, ORDINALS_EN, Question, number_of
from .records import Hit

MIN_ENTRIES = 2        # one section, or one part, is no outline
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[是、]|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．、])\s*")
_ABOUT_THE_WHOLE = frozenset("主要 内容 主要内容 讲 说 写 谈 概括 概要 摘要 总结 大意 要点 结构 部分 框架 提纲 "
                             "目录 大纲 梗概".split())
_THE_REPORT = re.compile(r"报告|文章|本文|全文|这篇|这份|该文")
# The same in English ("What is this report about?", "Summarize the article"): a question
# whose content words are only these; "What does the report say about taxes?" is not one.
_ABOUT_THE_WHOLE_EN = frozenset("report article document paper text say says cover covers covered summary "
                                "summarize summarise outline structure main points parts topics "
                                "contents content overview".split())
_THE_REPORT_EN = re.compile(r"\b(?:report|article|document|paper)\b", re.I)
# A part named by its number (folded text: Simplified, lower case).
_PART_ZH = re.compile(rf"第\s*(?P<n>{NUMERALS})\s*(?:部分|大部分|章|节)|(?P<n2>最后)一?(?:部分|章|节)")
_PART_EN = re.compile(r"\b(?:the\s+)?(?P<n>" + "|".join(ORDINALS_EN) + r"|last)\s+(?:part|section|chapter)\b"
                      r"|\b(?:part|section|chapter)\s+(?P<n2>\d{1,2}|" + "|".join(CARDINALS_EN) + r")\b")


@dataclass
class Entry:
    chunk: Chunk               # cited
    start: int                 # the span quoted from its text ((0, 0): the entry is a heading
    end: int                   # the passage does not contain, shown on its card's section line)
    text: str


@dataclass
class Outline:
    lead: str                  # what the entries follow: the part's heading, or the report's title
    entries: list[Entry]
    missing_part: int = 0      # the part asked for (第五部分) when the report has fewer: these are its parts
    part: str = ""             # the part outlined ("" for a report's parts)


def key_of(entry: str) -> tuple[int, int]:
    """The span of an entry to mark: without its numbering (一是, 一、, （一）, 1.) and end mark."""
    start = m.end() if (m := _NUMBERING.match(entry)) else 0
    end = len(entry.rstrip(" 。；;：:，,"))
    return (start, end) if end > start else (0, 0)


def find_outline(question: Question, hits: list[Hit], store) -> Outline | None:
    """The outline of the part a question names by its number (第二部分); else of the part,
    among those the hits lie in, whose heading holds the question's keywords (the most of
    them, then the best hit; words like 主要 and 内容 may stand outside it); else, for a
    question about the whole, the top hit's report's parts. A report is read only then."""
    if question.wants in ("number", "date") or not hits:
        return None
    top = hits[0].chunk
    numbered = _numbered_part(question, top, store)
    if numbered is not None:
        return numbered
    best, most = None, 0
    for hit in hits:
        path = _path(hit.chunk)
        asked = _asked(question, hit.chunk)
        heading = fold_for_matching(path[0]) if path else ""
        held = sum(t in heading for t in asked)
        # 主要 alone is no part's topic (报告的主要内容是什么？ asks for the whole report)
        topical = any(t in heading and t not in _ABOUT_THE_WHOLE for t in asked)
        if held > most and topical and all(t in heading or t in _ABOUT_THE_WHOLE for t in asked):
            best, most = hit.chunk, held
    if best is not None:
        outline = _part_outline(store.chunks_of(best.doc_id), _path(best)[0])
        if outline is not None:
            return outline
    if _about_the_whole(question, _asked(question, top)):
        return _report_outline(top.title, store.chunks_of(top.doc_id))
    return None


def _report_outline(title: str, chunks: list[Chunk]) -> Outline | None:
    """The report's title, then its parts, each cited to its first passage."""
    parts = _parts(chunks)
    if len(parts) < MIN_ENTRIES:
        return None
    last = len(parts) - 1
    return Outline(title, [Entry(chunk, 0, 0, part.rstrip("。；;") + ("。" if i == last else "；"))
                           for i, (part, chunk) in enumerate(parts.items())])


def _part_outline(chunks: list[Chunk], part: str) -> Outline | None:
    sections = _sections(chunks).get(part, [])
    if len(sections) < MIN_ENTRIES:
        return None
    return Outline(part, [_first_sentence(c, _path(c)[1]) for c in sections], part=part)


def _numbered_part(question: Question, top: Chunk, store) -> Outline | None:
    """第二部分说了什么？ / "What does the second part say?": the outline of that part of the
    top hit's report (its parts counted in reading order), when the question asks nothing
    else, or only what that part's heading says."""
    pattern = _PART_EN if question.language == "en" else _PART_ZH
    m = pattern.search(question.folded)
    if m is None:
        return None
    chunks = store.chunks_of(top.doc_id)        # read once: the parts, then one part's sections
    parts = list(_parts(chunks))
    word = m.group("n") or m.group("n2")
    n = len(parts) if word in ("最后", "last") else number_of(word)
    if n > len(parts) >= MIN_ENTRIES:         # 第五部分 of a report in three: show the three
        outline = _report_outline(top.title, chunks)
        outline.missing_part = n
        return outline
    if not 1 <= n <= len(parts):
        return None
    heading = fold_for_matching(parts[n - 1])
    if question.language == "en":
        if not set(content_words(pattern.sub(" ", question.folded))) <= _ABOUT_THE_WHOLE_EN:
            return None
    elif any(t not in heading and t not in _ABOUT_THE_WHOLE and t not in m.group(0) + with_digits(m.group(0))
             for t in _asked(question, top)):     # 第二 may be searched as 第, 2
        return None
    return _part_outline(chunks, parts[n - 1])


def _about_the_whole(question: Question, asked: list[str]) -> bool:
    if question.language == "en":
        words = content_words(question.text)
        return bool(words) and set(words) <= _ABOUT_THE_WHOLE_EN and bool(_THE_REPORT_EN.search(question.text))
    # 讲 and 说 are no keywords (how one asks), yet "……讲了什么？" asks about the whole.
    return set(asked) <= _ABOUT_THE_WHOLE and bool(asked or _THE_REPORT.search(question.folded)
                                                   or _ABOUT_THE_WHOLE & set(query_terms(question.folded)))


def _asked(question: Question, chunk: Chunk) -> list[str]:
    """The question's keywords that are not in the chunk's report's title."""
    title = fold_for_matching(chunk.title)
    return [t for t in question.terms if t not in title]


def part_of(chunk: Chunk) -> str:
    """The top-level heading a chunk stands under ("" for none)."""
    path = _path(chunk)
    return path[0] if path else ""


def _path(chunk: Chunk) -> list[str]:
    return chunk.section.split(SECTION_SEP) if chunk.section else []


def _first_sentence(chunk: Chunk, heading: str) -> Entry:
    """A section's entry: its first sentence, which is its heading when the section is an
    一是……。 paragraph; under a heading of its own ((一）审批改革), that heading, then the
    sentence."""
    a, b = next(iter(sentence_spans(chunk.text)), (0, len(chunk.text)))
    sentence = chunk.text[a:b]
    if sentence.startswith(heading.strip()):
        return Entry(chunk, a, b, sentence)
    return Entry(chunk, a, b, f"{heading.strip()}：{sentence}")


def _sections(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    """{a top-level heading: the first chunk of each section under it}, in reading order."""
    out: dict[str, dict[str, Chunk]] = {}
    for chunk in sorted(chunks, key=lambda c: c.ord):
        path = _path(chunk)
        if len(path) >= 2:
            out.setdefault(path[0], {}).setdefault(path[1], chunk)
    return {part: list(sections.values()) for part, sections in out.items()}


def _parts(chunks: list[Chunk]) -> dict[str, Chunk]:
    """{a top-level heading: its first chunk}, in reading order; not the author note."""
    out: dict[str, Chunk] = {}
    for chunk in sorted(chunks, key=lambda c: c.ord):
        path = _path(chunk)
        if path and path[0] != AUTHOR_SECTION:
            out.setdefault(path[0], chunk)
    return out
