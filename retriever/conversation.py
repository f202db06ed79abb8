"""Follow-up questions: "它的审批时间呢？", "还有呢？", "第二项具体怎么做？", "那广东呢？" mean
nothing without the turn before.

A follow-up is rewritten before retrieval by putting the previous (already resolved)
question in front of it; "还有呢" ("what else?") repeats the previous question and
skips the passages already cited. One that points at a numbered item of the previous
answer ("其中第二项……", "第三个呢？", "the second one") is searched with the sentence that
item quoted, and that item's passage answers first (``Resolution.pinned``). One that names
only a place or a year ("那广东呢？", "2025年呢？", "What about Zhejiang?") is the previous
question asked of it (``_another``). Only the
retrieval text changes: the user sees their own words, and the answer shows what it
understood (``resolved_question``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chinese.clean import fold_for_matching

from .question import NUMERALS, ORDINALS_EN, number_of

_MORE = re.compile(r"^(还有|還有|另外|其他|其它|然后|然後|and|what else|more)[呢吗嗎么麼吧?？!！。.\s]*$"
                   r"|^(还有呢|還有呢|还有吗|還有嗎|还有别的吗|還有別的嗎|其他呢|其它呢)", re.I)
_REFERS_BACK = re.compile(r"它|它们|它們|这项|這項|这个|這個|这些|這些|该|該|其|此|那|上述|前者|后者|後者"
                          r"|\b(it|its|they|them|their|this|that|these|those)\b", re.I)
# A first question that points back at something (这项改革取得了什么成效？, 它的口令是什么？,
# "What did it achieve?"): with no earlier turn there is nothing it can point at. The
# demonstrative opens the question; 这份报告 and "this report" point at the report itself.
_POINTS_BACK = re.compile(
    r"^(?:那么|那|请问)?\s*(?P<word>这项|這項|这些|這些|这个|這個|这一|這一|这种|這種|该项|該項|它们|它們|它|"
    r"上述|前者|后者|後者|此项|此項|其中)(?!份|篇|部|本)(?P<rest>.*)$"
    r"|^(?:what|how|when|why|where|who)\s+(?:did|does|do|is|are|was|were|has|have|will)\s+"
    r"(?P<en>it|they|this|these|those)\b(?!\s+(?:reports?|documents?|papers?|articles?)\b)(?P<en_rest>.*)$",
    re.I | re.S)
# "那广东呢？", "2025年的呢？", "What about Zhejiang?": once the place or year is taken out, only
# these are left of a question that asks the previous one again of another report.
_ANOTHER_ZH = re.compile(r"那么|那麼|那|还有|還有|换成|換成|又|呢|的|怎么样|怎麼樣|如何|是多少|年|[\W_]")
_ANOTHER_EN = {"what", "about", "how", "and", "in", "for", "the", "of", "then", "province", "city"}
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
MAX_FOLLOW_UP_CHARS = 16
MAX_ENGLISH_FOLLOW_UP_CHARS = 60

# An item of the previous answer by its number: 第二项, 其中第三个, 第2条, 最后一点 (not 第二批
# or 全国第一个: a measure word, or nothing but 呢/吗 after it, and only lead-in words before).
# "第二部分" names a part of the report, not an item of the answer (``outline``).
_ITEM_ZH = re.compile(r"^(?:其中|那么|那|再|请|关于|说说|讲讲|谈谈|详细|展开|介绍一下)*\s*"
                      rf"(?:第\s*(?P<n>{NUMERALS})|(?P<last>最后|最後))\s*一?"
                      r"(?:[项項个個条條点點件]|(?=[呢吗嗎？?。！!\s]*$))")
_ITEM_EN = re.compile(r"\b(?:the\s+)?(?:(?P<n>" + "|".join(ORDINALS_EN) + r")|(?P<last>last))"
                      r"(?:\s+(?:one|item|point|measure|entry|source)\b|\s*[?.!]*\s*$)", re.I)


@dataclass
class Turn:
    question: str
    resolved: str               # what was actually searched
    cited: list[int] = field(default_factory=list)   # chunk ids cited in the answer, [1] first
    quoted: list[str] = field(default_factory=list)  # the first sentence each of them gave
    part: str = ""              # the part of a report the answer outlined ("还有呢" stays in it)

    @classmethod
    def after(cls, question: str, answer) -> "Turn":
        """The turn an ``Answer`` to ``question`` leaves in the conversation."""
        used = [c for c in answer.citations if c.sentences and c.chunk_id is not None]
        return cls(question, answer.resolved_question or question,
                   [c.chunk_id for c in used], [c.sentences[0] for c in used], answer.outlined_part)


@dataclass
class Dangling:
    """A first question that refers back: ``words`` is what it points with (这项, 还有呢,
    第二项), ``rest`` what follows it, whose first word may still name the thing (这个鲤鱼门
    天后庙 does; 这项改革 may not, where many passages speak of reforms)."""
    words: str
    rest: str


def dangling(question: str) -> Dangling | None:
    """The reference of a question asked with no earlier turn, or None when it has none."""
    stripped = question.strip()
    if _MORE.search(stripped):
        return Dangling(stripped.rstrip("?？!！。. "), "")
    english = stripped.isascii()
    item = (_ITEM_EN.search if english else _ITEM_ZH.match)(stripped)
    if item and len(stripped) <= (MAX_ENGLISH_FOLLOW_UP_CHARS if english else MAX_FOLLOW_UP_CHARS):
        return Dangling(item.group(0).strip(), "")
    m = _POINTS_BACK.match(stripped)
    if m is None:
        return None
    return Dangling(m.group("word") or m.group("en"), (m.group("rest") or m.group("en_rest") or "").strip())


@dataclass
class Resolution:
    text: str                   # what to search for
    exclude: set[int]           # chunk ids to skip ("what else?")
    rewritten: bool
    pinned: int | None = None   # the chunk id an item follow-up points at: it answers first
    said: str = ""              # the sentence the previous answer quoted from it (not quoted again)
    within: str = ""            # "还有呢" after a part's outline: more from that part


def resolve(question: str, history: list[Turn], places_named=None) -> Resolution:
    """``places_named(text)``: the places a text names (``Scoper.places_named``), for a
    follow-up that asks the same of another place."""
    if not history:
        return Resolution(question, set(), False)
    previous = history[-1]
    stripped = question.strip()
    if _MORE.search(stripped):
        same = [turn for turn in history if turn.resolved == previous.resolved]
        seen = {c for turn in same for c in turn.cited}
        # A second 还有呢 stays in the part the first outline was of.
        return Resolution(previous.resolved, seen, True, within=next((t.part for t in same if t.part), ""))
    item = _item(stripped, history)
    if item is not None:
        return item
    another = _another(stripped, previous, places_named) if places_named else None
    if another is not None:
        return another
    if places_named and _names_a_new_place(stripped, previous, places_named):
        return Resolution(question, set(), False)      # 那浙江的就业目标呢？ after Jiangsu: a question of its own
    if len(stripped) <= MAX_FOLLOW_UP_CHARS and _REFERS_BACK.search(stripped):
        return Resolution(f"{previous.resolved} {stripped}", set(), True)
    return Resolution(question, set(), False)


def _another(question: str, previous: Turn, places_named) -> Resolution | None:
    """"那广东呢？", "2025年呢？", "What about Zhejiang?" after a question about another place
    or year: the previous question, its place (or year) replaced by the one now named, or
    given it when it named none. None when the question says more than a place and a year."""
    english = question.isascii()
    if len(question) > (MAX_ENGLISH_FOLLOW_UP_CHARS if english else MAX_FOLLOW_UP_CHARS):
        return None
    folded = fold_for_matching(question)
    places, years = places_named(question), list(_YEAR.finditer(folded))
    if not places and not years:
        return None
    rest = folded
    for a, b in [(p.start, p.end) for p in places] + [m.span() for m in years]:
        rest = rest[:a] + " " * (b - a) + rest[b:]
    said_more = (set(re.findall(r"[a-z]+", rest)) - _ANOTHER_EN if english else _ANOTHER_ZH.sub("", rest))
    if said_more:
        return None
    text = previous.resolved
    if places:
        text = _with_place(text, places[0], places_named(text))
    if years:
        text = _with_year(text, years[0].group(0))
    return Resolution(text, set(), True)


def _names_a_new_place(question: str, previous: Turn, places_named) -> bool:
    """The question names a place the previous one did not: put in front of it, the
    previous question would name both, and be asked of the wrong report."""
    before = {p.full for p in places_named(previous.resolved)}
    return any(p.full not in before for p in places_named(question))


def _with_place(text: str, place, named: list) -> str:
    """The question about ``place`` instead of the places it ``named`` (or about it, too)."""
    english = text.isascii()
    name = place.english if english and place.english else place.full
    if not named:
        return f"{text.rstrip('?？ ')} in {name}?" if english else name + text
    for p in reversed(named):
        text = text[:p.start] + name + text[p.end:]
    return text


def _with_year(text: str, year: str) -> str:
    m = _YEAR.search(text)
    if m:
        return text[:m.start()] + year + text[m.end():]
    return f"{text.rstrip('?？ ')} in {year}?" if text.isascii() else f"{year}年{text}"


def _item(question: str, history: list[Turn]) -> Resolution | None:
    """"其中第二项具体怎么做？" after an answer with [1]-[4]: the second item's sentence plus
    what is asked about it, pinned to its passage. None when no item is named, or no answer
    has it."""
    english = question.isascii()
    if len(question) > (MAX_ENGLISH_FOLLOW_UP_CHARS if english else MAX_FOLLOW_UP_CHARS):
        return None
    m = (_ITEM_EN.search if english else _ITEM_ZH.match)(question)
    n = _item_number(m) if m else -1
    turn = _listing(history, n) if n >= 0 else None
    if turn is None:
        return None
    index = (n or len(turn.cited)) - 1
    said = turn.quoted[index] if index < len(turn.quoted) else ""
    rest = (question[:m.start()] + question[m.end():]).strip(" ，,。？?！!呢吗嗎")
    return Resolution(f"{said or turn.resolved} {rest}".strip(), set(), True, pinned=turn.cited[index], said=said)


def _item_number(m: re.Match) -> int:
    """1 for 第一/first …, 0 for 最后/last, -1 for a numeral it cannot read."""
    if m.group("last"):
        return 0
    return number_of(m.group("n")) or -1


def _listing(history: list[Turn], n: int) -> Turn | None:
    """The latest answer that lists item n (0: its last) among two or more: after "第二项……"
    was answered from one passage, "第三项呢？" still means the list before it. For item one,
    an answer of one passage will do."""
    for turn in reversed(history):
        if len(turn.cited) >= max(n, 2):
            return turn
    return history[-1] if history[-1].cited and n <= 1 else None
