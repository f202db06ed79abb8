"""A report's record: what it is (title, place, year, date, kind), read from its own front
matter and file name, and the front matter itself taken out of the searched text.

Reports open with a front matter: web page furniture (下载/打印/【字号】), the title line,
"——2026年1月28日在云南省第十四届人民代表大会第四次会议上", the speaker, a photo caption,
then the salutation 各位代表：. None of it answers a question about the report's content,
and the title line used to be found first for any question naming the report. So:
- ``split_front_matter``: the lines before the salutation (found within the first lines)
  become the record's source, not text; the salutation goes too;
- ``is_debris``: furniture lines, photo captions and a salutation standing alone (各位代表！
  between two parts) are dropped wherever they stand;
- ``split_end_matter``: a scraped page's end (责任编辑、相关报道、打印本页 and the links after
  them) goes from its first marker on;
- ``read_metadata``: the record, from the front matter, the title and the file name.
Every field can be corrected by the user (``python -m ingest --set DOC key=value``); the
corrections are kept apart (``Document.meta["edited"]``) and survive re-ingests.
"""
from __future__ import annotations

import re

from chinese.script import to_simplified

from . import config

_SALUTATION = re.compile(config.SALUTATION)
_FURNITURE = re.compile(config.FURNITURE_LINES)
_CAPTION = re.compile(config.PHOTO_CAPTION)
_END_MATTER = re.compile(config.END_MATTER_LINES)
_CONTENTS_TITLE = re.compile(config.CONTENTS_TITLE, re.I)
_CONTENTS_LEADERS = re.compile(config.CONTENTS_LEADERS)
_CONTENTS_SPACED = re.compile(config.CONTENTS_SPACED)
_ALONE_SALUTATION = re.compile(config.SALUTATION_WORDS + r"[，,：:！!]?")      # fullmatch: a line of its own
_DELIVERED = re.compile(r"(\d{4}|[〇零一二三四五六七八九]{4})年(\d{1,2}|[一二三四五六七八九十]{1,3})月"
                        r"(\d{1,2}|[一二三四五六七八九十]{1,3})日在(.{2,40}?)(?:上|$)")
_PLACE = re.compile(r"[\u4e00-\u9fff]{1,10}?(?:特别行政区|自治区|自治州|省|市|区|县|旗|盟)")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d\d)年")
_SPEAKER = re.compile(r"(?:省长|市长|区长|县长|主席|总理|行政长官)\s*([\u4e00-\u9fff·]{2,8})$")
# A name standing alone on the line after the delivery line (湖南: "毛伟明", no title).
_BARE_NAME = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff·]{1,7}")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
FIELDS = ("title", "place", "level", "year", "date", "kind", "speaker", "meeting")


def is_debris(text: str) -> bool:
    """A line that is page furniture, a photo caption or a salutation standing alone
    (各位代表！ opening a part), not the report's words."""
    text = text.strip()
    return (bool(_FURNITURE.match(text)) or bool(_ALONE_SALUTATION.fullmatch(to_simplified(text)))
            or (len(text) <= config.MAX_CAPTION_CHARS and bool(_CAPTION.search(text))))


def contents_lines(lines: list[str]) -> set[int]:
    """The indices of a table of contents' lines: 目录 alone and the entries after it, or a run
    of ``CONTENTS_MIN_ENTRIES`` entries with dot leaders; page numbers never going down."""
    out: set[int] = set()
    i = 0
    while i < len(lines):
        titled = bool(_CONTENTS_TITLE.match(lines[i].strip()))
        j = _entries_end(lines, i + 1 if titled else i, titled)
        if (titled and j > i + 1) or j - i >= config.CONTENTS_MIN_ENTRIES:
            out.update(range(i, j))
            i = j
        else:
            i += 1
    return out


def _entries_end(lines: list[str], start: int, titled: bool) -> int:
    """Where a run of contents entries from ``start`` ends (``start``: none)."""
    page, j = 0, start
    while j < len(lines):
        m = _CONTENTS_LEADERS.match(lines[j].strip()) or (_CONTENTS_SPACED.match(lines[j].strip()) if titled else None)
        if m is None or int(m.group(1)) < page:
            break
        page, j = int(m.group(1)), j + 1
    return j


def split_end_matter(lines: list[str]) -> int:
    """The index of the first line of a web page's end matter (len(lines) when none): the
    first end-of-article marker after which little text follows (``END_MATTER_MAX_CHARS``,
    and less than half the document)."""
    total = sum(len(x) for x in lines)
    after = total
    for i, line in enumerate(lines):
        after -= len(line)
        if after <= min(config.END_MATTER_MAX_CHARS, total / 2) and _END_MATTER.match(line.strip()):
            return i
    return len(lines)


def split_front_matter(lines: list[str]) -> tuple[list[str], int]:
    """(the front matter's lines, the index of the first body line). Without a salutation
    near the top there is no front matter: only leading debris lines go."""
    seen = 0
    for i, line in enumerate(lines[:config.FRONT_MATTER_MAX_BLOCKS]):
        found = _SALUTATION.search(to_simplified(line.strip()))
        if found and found.start() <= config.MAX_CAPTION_CHARS:
            before = line.strip()[:found.start()]
            return [x for x in lines[:i] + [before] if x.strip()], i + 1
        seen += len(line)
        if seen > config.FRONT_MATTER_MAX_CHARS:
            break
    start = 0
    while start < len(lines) and (not lines[start].strip() or is_debris(lines[start])):
        start += 1
    return [], start


def read_metadata(front: list[str], title: str, file_name: str, opening: str = "") -> dict:
    """title, place, level (国家/省/市/区), year (of the report), date (delivered), kind,
    speaker: what the front matter, the loader's title and the file name say. ``opening``:
    the first body lines, for a place the title does not name (我代表云南省人民政府)."""
    kept = [part for x in front if x.strip() and not is_debris(x) for part in _title_apart(x.strip())]
    lines = [to_simplified(x) for x in kept]
    # Read in Simplified; quoted as printed (a Traditional report's lines stay Traditional).
    printed = {simple: x for simple, x in zip(lines, kept) if len(simple) == len(x)}
    named = next((x for x in lines if "报告" in x and len(x) <= 40 and not _DELIVERED.search(x)), "")
    if named and (_YEAR_IN_TITLE.search(named) or places_in(named) or "报告" not in to_simplified(title)):
        title = printed.get(named, named).strip("（）()")          # the report's own title line, as printed
    title = title.strip()
    simple = to_simplified(title)
    delivered = next((m for x in lines if (m := _DELIVERED.search(x))), None)
    date = _date(delivered) if delivered else ""
    places = places_in(simple) or places_in(delivered.group(4) if delivered else "") \
        or places_in(to_simplified(file_name)) or _province_in(to_simplified(opening))
    speaker, speaker_line = _speaker(lines, delivered)
    if not places and any(config.NATIONAL_SIGNS.search(x) for x in (
            delivered.group(4) if delivered else "", speaker_line, to_simplified(opening))):
        places = [config.NATIONAL]
    year = _YEAR_IN_TITLE.search(simple) or _YEAR_IN_TITLE.search(to_simplified(file_name))
    year = year.group(1) if year else date[:4]
    kind = next((k for k in config.REPORT_KINDS if k in simple.replace("人民政府", "政府")), "")
    if not (kind or date):
        # Not a report (no kind in its title, no delivery line): a pre-split corpus's article
        # titled 劲松站 (北京市) is not Beijing's report. Its place and year are not read, so
        # no question is scoped to it; ``--set`` can still give it a record.
        places, year = [], ""
    return {"title": title, "place": places[0] if places else "", "places": places,
            "level": level_of(places[0]) if places else "", "year": year, "date": date,
            "kind": kind, "speaker": speaker, "meeting": delivered.group(4) if delivered else "",
            # The front matter's own lines, which answer "who delivered it, when, where" with a
            # citation (retriever/record.py): they are not in the searched text.
            "delivered": _line_of(delivered, printed) if delivered else "",
            "speaker_line": _as_printed(speaker_line, printed)}


def _title_apart(line: str) -> list[str]:
    """A title the loader joined to the delivery line (short lines of a plain-text file are
    read as one wrapped paragraph): 2031年澳門……施政報告——2031年11月12日在……上 -> both lines."""
    found = _DELIVERED.search(to_simplified(line))
    before = line[:found.start()].rstrip("—―-（(　 ") if found and len(to_simplified(line)) == len(line) else ""
    return [before, line[found.start():]] if before else [line]


def _speaker(lines: list[str], delivered: re.Match | None) -> tuple[str, str]:
    """The speaker's name and the line naming them: "上海市市长 龚 正" (a title before the
    name), else a name alone on the line after the delivery line."""
    after = []
    if delivered:                 # what follows the delivery line, on its line (joined) or the next
        rest = delivered.string[delivered.end():].strip("—―-（）()　 ")
        after = [rest] * bool(rest) + [x.strip() for x in lines[lines.index(delivered.string) + 1:]]
        lines = [x for x in lines if x != delivered.string] + after[:1]
    for line in lines:
        if m := _SPEAKER.search(line.replace(" ", "").replace("\u3000", "")):
            return m.group(1), line.strip()
    if after and _BARE_NAME.fullmatch(name := re.sub(r"\s", "", after[0])) and "报告" not in name:
        return name, after[0]
    return "", ""


def _line_of(delivered: re.Match, printed: dict[str, str]) -> str:
    """The delivery line as the report prints it, without its dash or brackets, up to
    会议上 (a speaker's name joined after it is the speaker's line)."""
    line = printed.get(delivered.string, delivered.string)
    return line[:delivered.end()].strip("—―-（）()　 ")


def _as_printed(line: str, printed: dict[str, str]) -> str:
    """A line read in Simplified, as the report prints it (also a part of one: the speaker
    after the delivery line)."""
    for simple, original in printed.items():
        if line and line in simple:
            at = simple.index(line)
            return original[at:at + len(line)]
    return line


def places_in(text: str) -> list[str]:
    """The place names a title or meeting line holds, in order (黄埔区广州开发区改革工作报告
    -> 黄埔区, 广州开发区); a provincial-level name is taken whole (广西壮族自治区)."""
    text = re.sub(r"(?:19|20)\d\d年?|第[一二三四五六七八九十]+届.*", "", text)
    out = []
    for full in (p for _, p, _ in config.PROVINCES):
        if full in text:
            out.append(full)
            text = text.replace(full, " ")
    for m in _PLACE.finditer(text):
        name = m.group(0)
        if not name.startswith(("人民", "政府")) and name not in out:
            out.append(name)
    return [p for p in out if len(p) >= 2]


def _province_in(text: str) -> list[str]:
    found = [(text.find(short), full) for short, full, _ in config.PROVINCES if short in text[:300]]
    return [min(found)[1]] if found else []


def level_of(place: str) -> str:
    if place == config.NATIONAL:
        return "国家"
    if any(place == full for _, full, _ in config.PROVINCES) or place in config.MUNICIPALITIES:
        return "省"
    if place.endswith(("市", "州", "盟")):
        return "市"
    if place.endswith(("区", "县", "旗")):
        return "区"
    return ""


def aliases(place: str) -> list[str]:
    """How a question may name a place: 上海市, 上海, Shanghai; 黄埔区, 黄埔. None names the
    country's (``config.NATIONAL``): 全国 in a question is a rank or a scale (全国首个)."""
    if place == config.NATIONAL:
        return []
    out = [place]
    for short, full, english in config.PROVINCES:
        if place == full:
            return [full, short, english.lower()]
    short = re.sub(r"(?:特别行政区|自治区|自治州|省|市|区|县|旗|州|盟)$", "", place)
    if len(short) >= 2 and short != place:
        out.append(short)
    return out


def delivery_date(line: str) -> str:
    """The date a delivery line gives ("2026年1月28日在……上" -> 2026-01-28), or ""."""
    found = _DELIVERED.search(to_simplified(line))
    return _date(found) if found else ""


def _date(m: re.Match) -> str:
    parts = [_number(g) for g in m.groups()[:3]]
    return f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}" if all(parts) else ""


def _number(text: str) -> str:
    if text.isdigit():
        return text
    if len(text) == 4:                       # 二〇二六: digit by digit
        return "".join(_CN_DIGITS.get(c, "") for c in text)
    tens, _, units = text.partition("十")    # 二十七, 十二, 十
    if "十" not in text:
        return _CN_DIGITS.get(text, "")
    return str(int(_CN_DIGITS.get(tens, "1") if tens else 1) * 10 + int(_CN_DIGITS.get(units, "0") or 0))


def shown(meta: dict) -> str:
    """title · place · year, as every citation shows its report."""
    parts = [meta.get("title") or ""]
    if meta.get("place") and meta["place"] not in parts[0]:
        parts.append(meta["place"])
    if meta.get("year") and meta["year"] not in parts[0]:
        parts.append(f"{meta['year']}年")
    return " · ".join(p for p in parts if p)
