"""Cut paragraphs into passages for retrieval.

A chunk never crosses a paragraph (a citation points at one paragraph) and never cuts
a sentence, unless one sentence alone is longer than the limit; then it is cut at
commas, and only as a last resort at the limit. A long paragraph is cut into pieces
of even size (two of 250, not 350 + 150), so no tiny tail chunk is left.

In:  ``Paragraph`` objects from ``structure``; ``max_chars`` (docs/log.md, "Choosing the chunk size").
Out: ``ChunkSpan`` objects: text, absolute span in the document, paragraph number and
     section path.

Each chunk is also cut into pieces (``piece_spans``): its sentences, consecutive short
ones grouped up to ``PIECE_MAX_CHARS``. They get vectors of their own, and an English
question scores a chunk by its closest piece: across languages the small e5 model
matches one focused sentence better than a passage on several topics (docs/log.md, "English
questions"). The chunk stays the unit that is ranked, shown and cited.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from chinese.sentences import sentence_spans

from .structure import SECTION_SEP, Paragraph

DEFAULT_MAX_CHARS = 300
PIECE_MAX_CHARS = 100     # measured: docs/log.md, "English questions"


@dataclass
class ChunkSpan:
    text: str
    start: int
    end: int
    paragraph: int
    section_path: str


def chunk_paragraphs(paragraphs: list[Paragraph], max_chars: int = DEFAULT_MAX_CHARS) -> list[ChunkSpan]:
    chunks = []
    for para in paragraphs:
        section = SECTION_SEP.join(para.section_path)
        for a, b in _split(para.text, max_chars):
            chunks.append(ChunkSpan(para.text[a:b], para.start + a, para.start + b, para.number, section))
    return chunks


def piece_spans(text: str, max_chars: int = PIECE_MAX_CHARS) -> list[tuple[int, int]]:
    """Spans of ``text``: its sentences, consecutive ones joined while they fit in
    ``max_chars`` (a longer sentence is a piece of its own). [] when the text is one piece."""
    pieces: list[tuple[int, int]] = []
    for a, b in sentence_spans(text):
        if pieces and b - pieces[-1][0] <= max_chars:
            pieces[-1] = (pieces[-1][0], b)
        else:
            pieces.append((a, b))
    return pieces if len(pieces) > 1 else []


def _split(text: str, max_chars: int) -> list[tuple[int, int]]:
    if len(text) <= max_chars:
        return [(0, len(text))]
    units = []  # sentence spans, with over-long sentences broken further
    for a, b in sentence_spans(text):
        units.extend(_break_long(text, a, b, max_chars) if b - a > max_chars else [(a, b)])
    return _balanced(units, math.ceil(len(text) / max_chars), max_chars)


def _balanced(units: list[tuple[int, int]], pieces: int, max_chars: int) -> list[tuple[int, int]]:
    """Group consecutive units into chunks of near-equal length, none over max_chars.

    A small dynamic programme over unit boundaries: cost = squared distance of each
    chunk from the ideal length. Paragraphs have tens of sentences, so O(n^2) is free.
    """
    total = units[-1][1] - units[0][0]
    target = total / pieces
    n = len(units)
    best = [0.0] + [math.inf] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            length = units[j - 1][1] - units[i][0]
            if length > max_chars and j - i > 1:
                break
            cost = best[i] + (length - target) ** 2
            if cost < best[j]:
                best[j], back[j] = cost, i
    out, j = [], n
    while j > 0:
        i = back[j]
        out.append((units[i][0], units[j - 1][1]))
        j = i
    return out[::-1]


def _break_long(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    """Break one over-long sentence at commas, or at the limit if it has none."""
    cuts = [a] + [m.end() for m in re.finditer(r"[，,、：:]", text[a:b]) if 0 < m.end() < b - a]
    cuts = [a] + [a + c for c in cuts[1:]] + [b]
    out, start, prev = [], a, a
    for c in cuts[1:]:
        if c - start > max_chars and prev > start:
            out.append((start, prev))
            start = prev
        prev = c
    out.append((start, b))
    final = []
    for s, e in out:  # still too long: no commas to cut at
        final.extend((i, min(i + max_chars, e)) for i in range(s, e, max_chars))
    return final
