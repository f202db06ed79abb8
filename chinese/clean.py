"""Cleaning rules for scraped Chinese reports.

Each rule is a small function from text to text (plus what it found), so ingest can
report per document what was removed and tests can pin each rule to a real snippet.

- pinyin debris: flattened ruby markup leaves ``區(qū)``; the reading goes, real brackets stay
- mojibake: ``??茖W``, ``打?qū)崬槊駹I`` are counted and reported, never "repaired" by guess
- hard line-wraps and stray spaces between Chinese characters (PDF extraction)
- punctuation: half-width marks inside Chinese become full-width for display; for
  matching, full-width letters/digits fold to ASCII (``fold_for_matching``)
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .script import to_simplified

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_TONE_BASE = str.maketrans({c: b for b, cs in
                            {"a": "āáǎà", "e": "ēéěè", "i": "īíǐì", "o": "ōóǒò",
                             "u": "ūúǔù", "ü": "ǖǘǚǜ"}.items() for c in cs})

# Every syllable of Mandarin pinyin (tone marks removed). A bracket is ruby debris only
# if its content is one of these: ``(工)``, ``(IP)``, ``(2020)``, ``(a)`` are text.
_INITIALS = ["", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x",
             "zh", "ch", "sh", "r", "z", "c", "s", "y", "w"]
_FINALS = ["a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "er",
           "i", "ia", "ie", "iao", "iu", "ian", "in", "iang", "ing", "iong",
           "u", "ua", "uo", "uai", "ui", "uan", "un", "uang", "ueng",
           "ü", "üe", "üan", "ün", "ue", "van", "v", "ve"]
PINYIN_SYLLABLES = frozenset(i + f for i in _INITIALS for f in _FINALS) - {""}

_BRACKETED = re.compile(r"[(（]([a-zü" + TONED + r"]{1,6})[)）]")
_MOJIBAKE = re.compile(
    "\ufffd+"                                  # decoder replacement characters
    r"|\?{2,}(?=[" + HAN + r"A-Za-z])"          # '??' glued to text: lost multi-byte chars
    r"|\?[a-z" + TONED + r"]+\)"               # '?qū)': ruby debris whose '(' was eaten
)


def _is_pinyin(word: str, toned_only: bool) -> bool:
    has_tone = any(c in TONED for c in word)
    if toned_only and not has_tone:
        return False
    return word.translate(_TONE_BASE) in PINYIN_SYLLABLES


def has_ruby_debris(text: str) -> bool:
    """Whether a document carries flattened ruby markup at all (3+ toned readings)."""
    return sum(1 for m in _BRACKETED.finditer(text) if _is_pinyin(m.group(1), toned_only=True)) >= 3


def strip_pinyin_debris(text: str, toneless_too: bool = False) -> tuple[str, int]:
    """Remove ``(qū)``-style readings left behind characters. Returns (text, count).

    A toned syllable in brackets is never real text, wherever it stands. A toneless one
    (``(de)``) might be, so it only counts as debris behind a Han character, when it
    has two letters or more (``(a)`` is a list item), and only in a document that
    carries toned debris too (``has_ruby_debris``).
    """
    removed = 0

    def drop(m: re.Match) -> str:
        nonlocal removed
        word = m.group(1)
        if _is_pinyin(word, toned_only=True):
            removed += 1
            return ""
        before = text[m.start() - 1] if m.start() else ""
        if toneless_too and len(word) >= 2 and re.match(f"[{HAN}]", before) and _is_pinyin(word, toned_only=False):
            removed += 1
            return ""
        return m.group(0)

    return _BRACKETED.sub(drop, text), removed


def find_mojibake(text: str) -> list[str]:
    """Spans that look like text decoded with the wrong codec, with some context."""
    return [text[max(0, m.start() - 4): m.end() + 4] for m in _MOJIBAKE.finditer(text)]


_SPACE_BETWEEN_HAN = re.compile(
    rf"(?<=[{HAN}\u3000-\u303f\uff00-\uffef])[ \t\u3000\u00a0]+(?=[{HAN}\u3000-\u303f\uff00-\uffef])")


def remove_cjk_spaces(text: str) -> str:
    """PDF extraction puts spaces between Chinese characters; Latin words keep theirs."""
    return _SPACE_BETWEEN_HAN.sub("", text)


_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_PUNCT_IN_HAN = re.compile(rf"(?<=[{HAN}）”」])([,;:?!])(?=[{HAN}“「（(]|$)|(?<=[{HAN}])\((?=[{HAN}])|(?<=[{HAN}])\)(?=[{HAN}，。、；：]|$)", re.M)


def normalize_punctuation(text: str) -> str:
    """Half-width punctuation written between Chinese characters becomes full-width,
    the way a Chinese reader expects it. Numbers (``1,000``, ``3:1``) are untouched."""
    return _HALF_PUNCT_IN_HAN.sub(lambda m: _HALF_TO_FULL[m.group(0)], text)


SENTENCE_END = "。！？!?；;…"
CLOSERS = "”’」』）)》】"
HEADING_LINE = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十百]+[章节部分条]"
    r"|\d{1,2}[.．、](?!\d)|#{1,6}\s)")


def join_hard_wraps(lines: list[str]) -> list[str]:
    """Join lines that a PDF or a fixed-width text broke inside a paragraph.

    A break is kept where a line ends a sentence (or a colon), where either line is a
    heading or list item, at a blank line, or where the line is short compared with the
    text's own typical line (a title, the end of a paragraph). So a wide and a narrow
    layout both work. A wrapped line that happens to end exactly on 。 stays a break:
    two paragraphs wrongly split cost less than two wrongly merged.
    """
    lines = [ln.strip() for ln in lines]
    lengths = sorted(len(ln) for ln in lines if ln)
    if not lengths:
        return []
    typical = lengths[int(0.8 * (len(lengths) - 1))]
    paragraphs: list[str] = []
    current = last = ""
    for line in lines:
        if current and line and _wrapped(last, line, typical):
            glue = " " if re.search(r"[A-Za-z0-9,.]$", last) and re.match(r"[A-Za-z0-9]", line) else ""
            current += glue + line
        else:
            if current:
                paragraphs.append(current)
            current = line
        last = line
    if current:
        paragraphs.append(current)
    return paragraphs


def _wrapped(last: str, following: str, typical: int) -> bool:
    if last.rstrip(CLOSERS)[-1:] in SENTENCE_END + "：:":
        return False
    if HEADING_LINE.match(following) or (HEADING_LINE.match(last) and len(last) < 40):
        return False
    return len(last) >= 0.6 * typical


_FOLD = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}  # full-width ASCII -> ASCII
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20})


def fold_for_matching(text: str) -> str:
    """The form used for keyword matching and highlighting: Simplified script,
    ASCII letters/digits/punctuation, lower case. Same length as the input, so a span
    found in the folded text is the same span in the displayed text."""
    return to_simplified(text.translate(_FOLD)).lower()


# A short Han word in brackets inside a Han phrase is an alternative or an optional part:
# 纪（工）委书记 is 纪委书记 or 纪工委书记, 河（湖）长制 is 河长制 or 河湖长制. The display keeps
# the brackets; keyword matching also reads the phrase without them (``bracket_readings``).
_INLINE_BRACKET = re.compile(rf"([{HAN}]{{1,8}})[(（]([{HAN}]{{1,3}})[)）](?=([{HAN}]{{1,8}}))")


def bracket_readings(text: str) -> str:
    """The phrases around short inline brackets, read without the brackets both ways,
    one per line ("" if there are none): 推行镇街纪（工）委书记专职化 ->
    "推行镇街纪委书记专职化\n推行镇街纪工委书记专职化". Longer brackets, or ones next
    to punctuation, digits or Latin letters (（2020）, （IP）, （一）), are left alone."""
    readings = []
    for m in _INLINE_BRACKET.finditer(text):
        before, inside, after = m.groups()
        readings += [before + after, before + inside + after]
    return "\n".join(readings)


@dataclass
class CleaningReport:
    """What cleaning found in one document, shown to the user in the reports list."""
    pinyin_removed: int = 0
    mojibake: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"pinyin_removed": self.pinyin_removed, "mojibake_count": len(self.mojibake),
                "mojibake_examples": self.mojibake[:5]}


def clean_paragraph(text: str, report: CleaningReport, toneless_too: bool) -> str:
    """The display form of one paragraph: debris removed, spacing and punctuation fixed."""
    text = unicodedata.normalize("NFC", text)
    text, removed = strip_pinyin_debris(text, toneless_too)
    report.pinyin_removed += removed
    report.mojibake.extend(find_mojibake(text))
    text = remove_cjk_spaces(re.sub(r"[ \t\u00a0]+", " ", text)).strip()
    return normalize_punctuation(text)
