"""Sentence boundaries for Chinese (and the odd English) text."""
from __future__ import annotations

import re

# A sentence ends at 。！？；… (or their ASCII forms), together with any closing quotes
# or brackets right after them: 。” ends a sentence, 。 alone before ” does not.
_END = re.compile(r"(?:[。！？!?；;]+|…+|\.(?=\s+[A-Z\"“]))[”’」』）)》】\"']*")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence; whitespace between them is left out."""
    spans, start = [], 0
    for m in _END.finditer(text):
        if m.end() > start:
            spans.append((start, m.end()))
            start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        if a < b:
            out.append((a, b))
    return out


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]
