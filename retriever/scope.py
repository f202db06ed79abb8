"""Which reports a question is asked of: its scope (README, "Asking a library").

In:  a parsed ``Question`` and, optionally, the scope the asker chose (``Filter``: document
     ids and/or record fields, from the page's report selector, ``--doc``, ``--where``).
Out: ``Scope``: the documents to search (None: the whole library), what the question named,
     and ``missing`` when it names a report the library does not hold.

A question that names a place a report is about (广东省, 黄埔, Shanghai), or a report by its
year and kind (2024年政府工作报告, 2013年施政報告), is searched within those reports: a filter,
since the name is the asker's own. One naming no place but speaking of the district (区里,
"the district") is searched within the reports on a district. A named report the library
lacks is said to be missing, not answered from another report. Records come from
``ingest.metadata``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import config as ingest_config
from ingest.metadata import aliases

from chinese.clean import fold_for_matching
from chinese.script import is_traditional

from . import config
from .question import Question

# A report named by its year: 2024年政府工作报告, 2013年施政報告 (folded to Simplified), 2024
# government work report, the 2013 policy address.
_REPORT_YEAR = re.compile(r"((?:19|20)\d\d)\s*年?(?:度)?(?:的)?[\u4e00-\u9fff]{0,12}?报告"
                          r"|((?:19|20)\d\d)\s+(?:government\s+)?(?:work\s+)?(?:report|policy address)")
_KINDS = [k for k in ingest_config.REPORT_KINDS if k not in ("工作报告", "报告")]   # specific enough to filter on
_ENGLISH_KINDS = {"government work report": "政府工作报告", "policy address": "施政报告"}


@dataclass
class Filter:
    """A scope chosen by the asker: ``doc_ids`` and/or record fields (place=广东省 year=2026)."""
    doc_ids: list[str] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, doc_ids=None, where=None) -> "Filter | None":
        """From the command line / API: doc ids, and "key=value" strings or a dict."""
        if isinstance(where, (list, tuple)):
            where = dict(w.split("=", 1) for w in where if "=" in w)
        return cls(list(doc_ids or []), dict(where or {})) if (doc_ids or where) else None


@dataclass(frozen=True)
class Place:
    """A place a text names: where (a span of the text), its full name, its English name."""
    start: int
    end: int
    full: str
    english: str = ""


@dataclass
class Scope:
    doc_ids: frozenset[str] | None = None        # None: the whole library
    named: list[str] = field(default_factory=list)   # what the question named (places, years, kinds)
    missing: str = ""                            # a report it names that the library lacks
    chosen: bool = False                         # the asker chose it (selector, --doc, --where)
    # Places the question names that no report is about (北京 in a library of other
    # provinces): an answer must come from a passage that speaks of them.
    unreported: list[str] = field(default_factory=list)
    # The words that named the scope (云南省, 2024年政府工作报告, Yunnan): searched within
    # those reports, they say nothing more about which passage answers.
    consumed: list[str] = field(default_factory=list)
    # Places named beside a reported one that no report is about (北京 of 北京和上海……): the
    # answer is the others', and says this one is missing. Not a place that contains a
    # reported one (广东省黄埔区: its parts are not joined by 和、与 ...).
    also_missing: list[str] = field(default_factory=list)


class Scoper:
    def __init__(self, store):
        self.store = store
        self._records: tuple[int, dict[str, dict], dict[str, tuple[bool, int]], list] | None = None

    def records(self) -> dict[str, dict]:
        """doc_id -> its record (user corrections applied), cached per generation."""
        return self._read()[1]

    def in_simplified(self, within: frozenset[str] | None) -> bool:
        """Whether (nearly) all the passages of these documents (None: the library) are in
        Simplified script (``config.SIMPLIFIED_SCOPE`` of their chunks)."""
        scripts = self._read()[2]
        ids = scripts if within is None else [d for d in within if d in scripts]
        total = sum(scripts[d][1] for d in ids)
        simplified = sum(scripts[d][1] for d in ids if not scripts[d][0])
        return total > 0 and simplified >= config.SIMPLIFIED_SCOPE * total

    def _read(self):
        generation = self.store.generation
        if not self._records or self._records[0] != generation:
            documents = self.store.documents()
            records = {d.doc_id: d.record for d in documents}
            self._records = (generation, records,
                             {d.doc_id: (is_traditional(d.text[:config.SCRIPT_SAMPLE]), d.chunk_count) for d in documents},
                             _place_names(records))
        return self._records

    def places_named(self, text: str) -> list[Place]:
        """The places a text names, in order, longest name first where two overlap: those
        the library's reports are about and the 34 provincial-level ones (ingest.config)."""
        folded = fold_for_matching(text)
        names = self._read()[3]
        found: list[Place] = []
        for alias, full, english in names:
            pattern = rf"\b{re.escape(alias)}\b" if alias.isascii() else re.escape(alias)
            for m in re.finditer(pattern, folded):
                if not any(p.start < m.end() and m.start() < p.end for p in found):
                    found.append(Place(m.start(), m.end(), full, english))
        if text.isascii():                   # Huangpu -> 黄埔 (CC-CEDICT's readings of the name)
            from chinese.bilingual import proper_names

            chinese = {alias: full for alias, full, _ in names if not alias.isascii()}
            for name, forms in proper_names(text):
                full = next((chinese[f] for f in forms if f in chinese), "")
                m = re.search(rf"\b{re.escape(name.lower())}\b", folded) if full else None
                if m and not any(p.start < m.end() and m.start() < p.end for p in found):
                    found.append(Place(m.start(), m.end(), full, name))
        return sorted(found, key=lambda p: p.start)

    def run(self, question: Question, chosen: Filter | None = None) -> Scope:
        records = self.records()
        if chosen:
            ids = [d for d in records if _matches(d, records[d], chosen)]
            return Scope(frozenset(ids), chosen=True)
        text = question.folded
        if question.language == "en":        # Huangpu -> 黄埔 (CC-CEDICT's readings of the name)
            from chinese.bilingual import proper_names

            text += " " + " ".join(form for _, forms in proper_names(question.text) for form in forms)
        # doc_id -> the names of its places the question uses (云南省, 云南, yunnan)
        named_by = {d: [a for p in r.get("places") or [r.get("place")] if p for a in aliases(p) if _names(a, text)]
                    for d, r in records.items()}
        by_place = {d for d, names in named_by.items() if names}
        named_places = [short for short, full, english in ingest_config.PROVINCES
                        if _names(short, text) or _names(english.lower(), text)]
        year = next((a or b for a, b in _REPORT_YEAR.findall(text)), "")
        kind = next((k for k in _KINDS if k in text), "") or next(
            (k for e, k in _ENGLISH_KINDS.items() if e in text), "")
        named = [*named_places, *([f"{year}年"] if year else []), *([kind] if kind else [])]
        ids = set(records)
        if by_place:
            ids &= by_place
        if year:
            ids &= {d for d, r in records.items() if r.get("year") == year}
        if kind:
            ids &= {d for d, r in records.items() if r.get("kind") == kind}
        refers_to_report = bool(year or kind)
        if refers_to_report and named_places and not by_place:    # 北京市2026年政府工作报告, none held
            ids = set()
        if not ids and (by_place or refers_to_report):
            return Scope(frozenset(), named, missing=_report_name(named_places, year, kind))
        reported = {a for r in records.values() for p in r.get("places") or [] for a in aliases(p)}
        unreported = [p for p in named_places if p not in reported]
        if by_place or refers_to_report:
            also_missing = [p for p in unreported if by_place and (_joined(p, text) or _joined(english_name(p), text))]
            consumed = [a for d in ids for a in named_by[d]] + [a for p in also_missing for a in (p, english_name(p).lower())]
            consumed += [m.group(0) for m in _REPORT_YEAR.finditer(text)]
            # 上海市政府工作报告中关于……: within Shanghai's report, "政府工作报告" says no more.
            consumed += [w for w in (kind, *(e for e, k in _ENGLISH_KINDS.items() if k == kind)) if w and w in text]
            return Scope(frozenset(ids), named, unreported=[] if by_place else unreported,
                         consumed=sorted(set(consumed), key=len, reverse=True),
                         also_missing=also_missing)
        districts = _district_reports(text, records) if not named_places else []
        return Scope(frozenset(districts) if districts else None, named, unreported=unreported)


def _place_names(records: dict[str, dict]) -> list[tuple[str, str, str]]:
    """(how a text may name it, folded; its full name; its English name or ""), longest
    first: the reports' places and the provincial-level ones. Read once per generation."""
    english = {full: name for _, full, name in ingest_config.PROVINCES}
    places = {p for r in records.values() for p in r.get("places") or [r.get("place")] if p}
    places |= set(english)
    names = {(a, p, english.get(p, "")) for p in places for a in aliases(p)}
    return sorted(names, key=lambda n: (-len(n[0]), n[0]))


def _district_reports(text: str, records: dict[str, dict]) -> list[str]:
    """区里……, "the district's ...": the library's reports on a district (a place at the
    district level named ……区: not a county's), when it holds some and not only those
    (``config.DISTRICT_WORDS``)."""
    if not config.DISTRICT_WORDS.search(text):
        return []
    ids = [d for d, r in records.items() if r.get("level") == "区" and (r.get("place") or "").endswith("区")]
    return ids if len(ids) < len(records) else []


def without(text: str, folded: str, words: list[str]) -> str:
    """The question with the words that named its scope taken out (``folded``: the same
    text folded, same length, where they are found); the text itself if little is left."""
    keep = [True] * len(text)
    for word in words:
        for m in re.finditer(re.escape(word) if not word.isascii() else rf"\b{re.escape(word)}\b", folded):
            keep[m.start():m.end()] = [False] * (m.end() - m.start())
    rest = "".join(c for c, k in zip(text, keep) if k).strip(" ，,的中")
    rest = re.sub(r"(^|\s)['’]s\b", r"\1the", rest)     # "Shanghai's report" -> "the report"
    rest = re.sub(r"^(?:中|的|里|裡)[，,]?", "", rest).strip()
    return rest if len(fold_for_matching(rest)) >= 4 and len(folded) == len(text) else text


_ENGLISH = {short: english for short, _, english in ingest_config.PROVINCES}
_JOINER = r"(?:和|与|及|以及|跟|同|、|，|,|\band\b|&)"


def english_name(place: str) -> str:
    """A provincial-level place's English name (北京 -> Beijing); the name itself otherwise."""
    return _ENGLISH.get(place, place)


def _joined(place: str, text: str) -> bool:
    """Whether the (folded) question names the place as one of a list (北京和上海, 上海、北京,
    Beijing and Shanghai), not as part of a longer name."""
    name = re.escape(place.lower())
    return re.search(rf"{name}(?:省|市|自治区)?\s*{_JOINER}|{_JOINER}\s*{name}", text) is not None


def _names(alias: str, text: str) -> bool:
    """Whether the (folded) question names it: Chinese as a substring, English as a word."""
    if not alias:
        return False
    if alias.isascii():
        return re.search(rf"\b{re.escape(alias)}\b", text) is not None
    return alias in text


def _matches(doc_id: str, record: dict, chosen: Filter) -> bool:
    if chosen.doc_ids and doc_id not in chosen.doc_ids:
        return False
    for key, value in chosen.where.items():
        if key == "place":
            if not any(value in (p, *aliases(p)) for p in record.get("places") or [record.get("place", "")]):
                return False
        elif str(record.get(key, "")) != value:
            return False
    return True


def _report_name(places: list[str], year: str, kind: str) -> str:
    return "".join([places[0] if places else "", f"{year}年" if year else "", kind or "报告"])
