"""Sentence boundaries for Chinese (and the odd English) text."""
from __future__ import annotations

import re

# A sentence ends at 。！？；… (or their ASCII forms), together with any closing quotes
# or brackets right after them: 。” ends a sentence, 。 alone before ” does not.
_END = re.compile(r"(?:[。！？!?；;]+|…+|\.(?=\s+[A-Z\"“]))[”’」』）)》】\"']*")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence; whitespace between them is left out. A line
    break ends a sentence too (a passage may hold a sub-heading line above its paragraph)."""
    spans, start = [], 0
    for m in _END.finditer(text):
        if m.end() > start:
            spans.extend(_lines(text, start, m.end()))
            start = m.end()
    if text[start:].strip():
        spans.extend(_lines(text, start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        if a < b:
            out.append((a, b))
    return out


def _lines(text: str, a: int, b: int) -> list[tuple[int, int]]:
    return [(a + m.start(), a + m.end()) for m in re.finditer(r"[^\n]+", text[a:b])]


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]
