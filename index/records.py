"""Small records that cross module boundaries (ingest -> index -> retriever -> ui)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chinese.clean import bracket_readings

SECTION_SEP = " › "        # between the headings of a section path

# A note on who wrote a published report, usually its last line: "（作者褚大军系……副主任，
# ……）", "作者：张三", "作者简介：……". It belongs to no section of the text (``ingest.structure``
# files it under AUTHOR_SECTION) and answers only questions about people, or about what it
# alone names (``retriever.search``): short and full of the issuing body's name, it used to
# outrank the report's own passages for 广州开发区的人才政策有哪些？ (docs/log.md, "Author notes").
AUTHOR_SECTION = "作者"
_BRACKETED_NOTE = re.compile(r"[（(]\s*(?:本文)?作者.*[）)]", re.S)
_LABELLED_NOTE = re.compile(r"(?:本文)?作者(?:简介|簡介)?\s*[：:]")
MAX_AUTHOR_NOTE_CHARS = 300


def is_author_note(text: str) -> bool:
    text = text.strip()
    return len(text) <= MAX_AUTHOR_NOTE_CHARS and bool(
        _BRACKETED_NOTE.fullmatch(text) or _LABELLED_NOTE.match(text))


@dataclass
class Document:
    doc_id: str
    title: str
    source: str              # the file it came from (absolute path), or the .jsonl file
    origin: str              # "file" | "jsonl" | "upload"
    content_hash: str        # sha256 of the file's bytes (or of a jsonl record's text)
    text: str                # the cleaned text, as shown to users; chunk spans index into it
    cleaning: dict = field(default_factory=dict)   # what cleaning found (chinese.clean)
    ingested_at: str = ""
    chunk_count: int = 0
    # The record (ingest.metadata): title, place, places, level, year, date, kind, speaker,
    # read from the text; "edited": the fields a user set (python -m ingest --set), which
    # win over what was read and survive re-ingests.
    meta: dict = field(default_factory=dict)

    @property
    def record(self) -> dict:
        """What the report is, the user's corrections applied; from the title alone for a
        document ingested before records existed."""
        return record_of(self.meta, self.title)

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def file_name(self) -> str:
        return self.source.rsplit("/", 1)[-1]


def record_of(meta: dict, title: str) -> dict:
    """A document's record from its stored ``meta``, the user's corrections applied; read
    from the title alone when ``meta`` is empty (a document ingested before records)."""
    if not meta:
        from ingest.metadata import read_metadata

        meta = read_metadata([], title, "")
    return {**{k: v for k, v in meta.items() if k != "edited"}, **meta.get("edited", {})}


@dataclass
class Chunk:
    doc_id: str
    ord: int                 # position within its document
    paragraph: int           # 1-based paragraph number in the document
    section: str             # section path, "一、主要工作情况 › 三是……"
    start: int               # character span in Document.text
    end: int
    text: str
    title: str = ""          # the document's title
    id: int | None = None    # assigned by the store; also the vector id
    report: str = ""         # its document as citations name it: title · place · year
    # Spans of ``text``, its sentences grouped (ingest.chunking.piece_spans), each embedded
    # on its own; empty: the chunk is its own single piece (so it is when read back).
    pieces: list[tuple[int, int]] = field(default_factory=list)

    @property
    def is_author_note(self) -> bool:
        """By its section, or by its text in an index cut before author notes had one."""
        return self.section == AUTHOR_SECTION or is_author_note(self.text)

    @property
    def keyword_text(self) -> str:
        """What the keyword index sees: the passage in context (title, section, text).
        The dense side embeds ``text`` alone: the title, the same in every chunk of a
        report, only blurs the vectors (docs/log.md, "Choosing the chunk size")."""
        return "\n".join(part for part in (self.title, self.section, self.text) if part)

    @property
    def matching_text(self) -> str:
        """``keyword_text``, then the text's phrases with short inline brackets read
        without them (纪（工）委书记 -> 纪委书记, 纪工委书记: ``chinese.clean.bracket_readings``),
        for checking whether the passage contains a word."""
        readings = bracket_readings(self.text)
        return f"{self.keyword_text}\n{readings}" if readings else self.keyword_text


@dataclass
class IndexInfo:
    generation: int
    model: str
    documents: int
    chunks: int
    dim: int | None
