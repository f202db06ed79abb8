"""Questions about a report itself, not its content: who delivered it, when, at which
meeting (README, "How a question is answered").

A report's front matter says so ("——2026年1月28日在云南省第十四届人民代表大会第四次会议上",
"省长 王予波"), and the front matter is the report's record, not searched text
(``ingest.metadata``): such a question is answered from the record, quoting the front
matter's line, and cited as the report's front matter. A field the user set
(``python -m ingest --set DOC speaker=…``) that no front-matter line holds is quoted as the
record says it.
"""
from __future__ import annotations

import re

from chinese.script import to_simplified
from ingest.metadata import delivery_date

from . import config
from .question import Question
from .records import Citation

ASKED = (("speaker", config.ASKS_SPEAKER), ("date", config.ASKS_DATE), ("meeting", config.ASKS_MEETING))
FRONT_MATTER = {"zh-Hans": "题头", "zh-Hant": "題頭", "en": "front matter"}   # the citation's section
LABELS = {"speaker": "报告人", "date": "日期", "meeting": "会议"}


def asked_fields(question: Question) -> list[str]:
    """The record's fields the question asks for, in the order the record gives them."""
    return [name for name, pattern in ASKED if pattern.search(question.folded)]


def of_the_years_asked(record: dict, question: Question) -> bool:
    """The report is of every year the question names (none named: any)."""
    years = set(re.findall(r"(?:19|20)\d\d", question.folded))
    return not years or years == {record.get("year")}


def lines_for(record: dict, fields: list[str]) -> list[str]:
    """The lines that answer ``fields`` from this record, each once; [] when it holds none."""
    return list(dict.fromkeys(x for x in (_line(record, f) for f in fields) if x))


def _line(record: dict, field: str) -> str:
    value = record.get(field) or ""
    if not value:
        return ""
    if field == "speaker":
        line = record.get("speaker_line") or ""
        return line if value in re.sub(r"\s", "", to_simplified(line)) else f"{LABELS[field]}：{value}"
    line = record.get("delivered") or ""
    held = value in to_simplified(line) if field == "meeting" else delivery_date(line) == value
    return line if held else f"{LABELS[field]}：{value}"


def citation(n: int, doc_id: str, record: dict, used: list[str], report: str, language: str) -> Citation:
    """The front matter as the record keeps it (title, delivery line, speaker), with the
    lines the answer quotes among them."""
    lines = list(dict.fromkeys(x for x in (record.get("title"), record.get("delivered"), record.get("speaker_line"),
                                           *used) if x))
    text = "\n".join(lines)
    highlights = [(text.index(x), text.index(x) + len(x)) for x in used]
    return Citation(n=n, doc_id=doc_id, title=record.get("title") or doc_id, section=FRONT_MATTER[language],
                    paragraph=0, text=text, score=1.0, sentences=used, highlights=highlights, report=report)


def key_spans(answer: str, record: dict, fields: list[str]) -> list[tuple[int, int]]:
    """Where the asked values stand in the answer: the name (spaces between its characters
    allowed: "龚 正"), the date as the line writes it, the meeting; found in Simplified (the
    record's values are), in whichever script the answer is."""
    simple = to_simplified(answer)
    answer = simple if len(simple) == len(answer) else answer
    spans = []
    for field in fields:
        value = record.get(field) or ""
        if field == "speaker" and value:
            pattern = r"\s*".join(map(re.escape, value))
        elif field == "date" and value:
            pattern = r"[\d〇零一二三四五六七八九十]{4}年[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日|" \
                      + re.escape(value)
        else:
            pattern = re.escape(value) if value else ""
        found = re.search(pattern, answer) if pattern else None
        if found:
            spans.append(found.span())
    return sorted(spans)
