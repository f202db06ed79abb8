"""The key span of an answer sentence: the words that answer the question, marked 【】 in
the terminal and bold on the page.

    finder = KeySpanFinder(question, weights, counted)   # once per question
    start, end = finder.find(sentence)                  # per sentence, offsets into it

- A Chinese "how many" or "when" question: the number or date right after the question's
  last keyword, among those in the measure asked for and near the thing counted
  (``AskedFigure``).
- Any other Chinese question: the best of these kinds of span (``_spans``), scored by how
  the question's keywords sit around it (``_score``):
  * a gap, a run of the sentence that no keyword of the question covers: an answer is what
    the question does not already say;
  * a quotation (“…”, 「…」, 《…》): reports name their policies, works and slogans so;
  * for 谁/哪位/何人, a person's name (``chinese.tokenize.person_names``), and for 哪里/
    何处/哪个国家, a place's (``place_names``), that the question does not already say;
  * the slot between the question's last keyword before its interrogative and its first
    keyword after it (孙权封王称帝后立谁为太子 -> 立【孙登】为太子), or from one of them to the
    clause's edge (真君大帝本名叫什么 -> 本名【吴刚厚】; for 又叫什么, from a naming word such as
    又名 or 俗称); only where the question has an interrogative (``ASKING``).
- An English question (its keywords are dictionary guesses, too few to frame a gap): a
  quotation inside the clause with most question weight (for "who", a person's name too),
  else that clause.
- Sentences that share less than a fifth of the question's keyword weight (a paraphrase
  leaves no frame to read) and sentences without any such span: the clause with most
  question weight.

The weights below were chosen on every 10th question of CMRC 2018 and DRCD from the 5th,
and checked on every 10th from the 10th (docs/log.md, "The key span").
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from chinese.clean import fold_for_matching
from chinese.tokenize import person_names, place_names, query_terms, words

from .figures import WINDOW, asked_measures
from .question import Question, wanted_spans

# The interrogative a Chinese question asks with: its keywords before it and after it frame
# the answer.
ASKING = re.compile(r"为什么|为何|什么时候|什么样的?|什么|多少[个项家次年天倍名条所层级种类份位件批届期座回公里米元人岁]?"
                    r"|哪里|哪儿|哪一?[年个位家些种国条座所天月部本]?|谁|几[个项家次年天倍名条所层级种类份位件批届期座回]?"
                    r"|何时|何地|何处|如何|怎样|怎么样?")
# A question asking for a list (哪些, 哪几, 哪“三办”, 包括什么): its key span is the whole
# enumeration the span sits in (一天办、一键办、离岸办), not the one item it found.
ASKS_FOR_A_LIST = re.compile(r"哪些|哪几|哪[“「]|包括什么|包含什么|有什么")
# How a name is given: a question that asks 又叫什么 is answered by what follows 又名, 俗称 ...
_NAMING = re.compile(r"又名|又称|又叫做?|别名|别称|俗称|俗名|简称|亦称|也称|也叫|又译|旧称|或称|名叫|叫做|叫作|称为|称作|名为|原名|本名|叫")
# 哪个海峡, 什么颜色: the answer often ends in the noun asked about (直布罗陀【海峡】); not these.
_NOT_NOUNS = frozenset("是 为 的 了 时 样 时候 地方 东西 人 呢 吗 在 有".split())
_QUOTED = re.compile(r"“[^”]{2,30}”|「[^」]{2,30}」|《[^》]{2,30}》")
_MAGNITUDES = frozenset("万亿千百")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_CLAUSE_MARKS = "，,；;。！？!?：:"
_CLAUSE_END = re.compile(f"[{_CLAUSE_MARKS}]")
_CLAUSE = re.compile(f"[^{_CLAUSE_MARKS}]+")
_BREAKS = set(_CLAUSE_MARKS + "（）()")      # a gap stops at brackets too
_FUNCTION = set("是为了的在于由被把将及和与或也都而就已曾则即乃系")   # trimmed off a gap's ends
_OPENING, _CLOSING = set("“「《\"‘『"), set("”」》\"’』")
_TRIMMED = _FUNCTION | _OPENING | _CLOSING
_LEADING = _TRIMMED | set("：:，,、 ")
_ITEM_EDGES = set(_CLAUSE_MARKS) | _OPENING | _CLOSING | set("、（）()")

MAX_SLOT = 40            # characters between the keywords that frame the answer
NEAR = 12                # how far around a span the question's keywords count
ALIGNED = 0.3            # a keyword from before the interrogative just before the span, or one from after just after
ASKED_NOUN = 1.0         # the span ends in the noun asked about
QUOTATION = 0.6
SLOT = 0.9
PLACE = 0.5              # a place's name, for 哪里/何处/哪个国家
PERSON = 1.5             # a person's name, for 谁/哪位/何人
COVERED = 1.0            # times the share of the span that the question's keywords cover
LONG, PER_EXTRA_CHAR = 12, 0.01
SHARED = 0.2             # a sentence with less of the question's keyword weight is a paraphrase: no frame to read


@dataclass(frozen=True)
class AskedFigure:
    """What a Chinese "how many" question's number must come with: its measure word (家 in
    多少家: ``figures.asked_measures``) and the thing it counts (授权专利 in 多少项授权专利,
    ``figures.counted_words``)."""
    measures: tuple[str, ...] = ()
    counted: tuple[str, ...] = ()

    @classmethod
    def of(cls, question: Question, counted: list[str]) -> "AskedFigure":
        if question.wants != "number" or question.language == "en":
            return cls()
        return cls(asked_measures(question.folded), tuple(counted))

    def narrow(self, folded: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The numbers in the sentence in that measure, of those the ones with the counted
        thing near; at each step, all of them if none qualifies."""
        if self.measures:
            spans = [s for s in spans if self._in_measure(folded, s)] or spans
        if self.counted:
            near = [s for s in spans if any(w in folded[max(0, s[0] - WINDOW):s[1] + WINDOW] for w in self.counted)]
            spans = near or spans
        return spans

    def with_measure(self, folded: str, span: tuple[int, int]) -> tuple[int, int]:
        """The number with the measure asked for right after it: 8.5个【小时】, 5586【米】
        (CMRC's and DRCD's answers mostly keep it); not a magnitude (几个百亿元: 3个, not 3个百)."""
        for measure in self.measures:
            if measure not in _MAGNITUDES and folded.startswith(measure, span[1]):
                return span[0], span[1] + len(measure)
        return span

    def _in_measure(self, folded: str, span: tuple[int, int]) -> bool:
        """The number carries the measure asked for. For 多少个工作日 a bare 个 counts too
        (压减至13个, the measure left out), but not one before another noun (15个部门)."""
        specific, *general = self.measures
        if specific in folded[span[0]:span[1] + len(specific) + 1]:
            return True
        for measure in general:
            at = folded.find(measure, span[0], span[1] + len(measure) + 1)
            if at >= 0 and not _CHINESE.match(folded, at + len(measure)):
                return True
        return False


class KeySpanFinder:
    """What one question needs for marking the key span of any sentence."""

    def __init__(self, question: Question, weights: dict[str, float], counted: list[str] = ()):
        self.question, self.weights = question, weights
        self.mass = sum(weights.values()) or 1.0
        self.asked = AskedFigure.of(question, list(counted))
        folded = question.folded
        asking = ASKING.search(folded) if question.language != "en" else None
        self.before = query_terms(folded[:asking.start()]) if asking else []
        self.after = query_terms(folded[asking.end():]) if asking else []
        self.noun = _asked_noun(folded, asking)
        person = (bool(asking and re.match(r"谁|哪一?位", asking.group())) or "何人" in folded
                  or question.language == "en" and bool(re.match(r"\s*(who|whom|whose)\b", folded)))
        place = bool(re.search(r"哪里|哪儿|何处|何地|什么地方|哪一?(个|座)?(国家|城市|地方|省|州|地区|国|城)", folded))
        # the kinds of name the question asks for, with what finds them in a sentence
        self.names = [(kind, find) for kind, find, asked in (("person", person_names, person),
                                                             ("place", place_names, place)) if asked]
        self.naming = bool(asking and _NAMING.search(folded[:asking.start()][-4:]))   # 又叫什么
        self.listing = question.language != "en" and bool(ASKS_FOR_A_LIST.search(folded))
        # which side of the interrogative each keyword stands on: "before" / "after"
        where = asking.start() if asking else len(folded)
        self.side = {t: ("before" if folded.find(t) < where else "after") for t in weights if t in folded}

    def find(self, sentence: str) -> tuple[int, int]:
        folded = fold_for_matching(sentence)        # same length as the sentence
        if self.question.wants in ("number", "date"):
            figure = self._figure(folded)
            if figure:
                return self.asked.with_measure(folded, figure)
        elif self.question.language == "en":
            return self._named_in_heaviest_clause(folded)
        elif self._shared(folded) >= SHARED:
            cover, side = self._coverage(folded)
            spans = list(self._spans(folded, cover))
            if spans:
                best = self._best(folded, spans, cover, side)
                return _enumeration(folded, best) if self.listing else best
        return self._heaviest_clause(folded)

    # -------------------------------------------------------------- numbers and dates
    def _figure(self, folded: str) -> tuple[int, int] | None:
        """For 多少/何时 the number or date right after the question's last keyword before
        the interrogative (压减到多少 -> 压减至【13】个), among those in the measure asked
        for and near the thing counted; else the one nearest the heaviest clause."""
        spans = self.asked.narrow(folded, wanted_spans(self.question.wants, folded))
        if not spans:
            return None
        anchor = self._anchor(folded)
        if anchor is not None:
            after = [s for s in spans if s[0] >= anchor]
            if after:
                return min(after, key=lambda s: s[0] - anchor)
        best = self._heaviest_clause(folded)
        middle = (best[0] + best[1]) / 2
        return min(spans, key=lambda s: abs((s[0] + s[1]) / 2 - middle))

    def _anchor(self, folded: str) -> int | None:
        """End position, in the sentence, of the question word nearest before 多少/几/何时."""
        m = re.search(r"多少|几|何时|哪一?年|什么时候", self.question.folded)
        if not m:
            return None
        before = self.question.folded[:m.start()]
        for term in reversed(self.question.terms):
            if before.rfind(term) >= 0 and term in folded:
                return folded.find(term) + len(term)
        return None

    def _shared(self, folded: str) -> float:
        """The share of the question's keyword weight that the sentence contains."""
        return sum(w for t, w in self.weights.items() if t in folded) / self.mass

    def _heaviest_clause(self, folded: str) -> tuple[int, int]:
        clauses = [m.span() for m in _CLAUSE.finditer(folded)] or [(0, len(folded))]
        return max(clauses, key=lambda c: sum(w for t, w in self.weights.items() if t in folded[c[0]:c[1]]))

    def _named_in_heaviest_clause(self, folded: str) -> tuple[int, int]:
        """An English question's keywords are dictionary guesses, too few to frame a gap;
        but a name the report quotes inside the clause they point at is mostly what a
        "which"/"what" question asks for (“到黄埔去”文化宣传品牌), and a person's name what
        "who" asks for."""
        clause = self._heaviest_clause(folded)
        quoted = [(m.start() + 1, m.end() - 1, "quotation") for m in _QUOTED.finditer(folded, *clause)]
        quoted += [(a, b, kind) for kind, find in self.names if kind == "person"
                   for a, b in find(folded) if clause[0] <= a and b <= clause[1]]
        if not quoted:
            return clause
        return self._best(folded, quoted, *self._coverage(folded))

    def _best(self, folded: str, spans: list[tuple[int, int, str]], cover: list[float],
              side: list[str]) -> tuple[int, int]:
        a, b, _ = max(spans, key=lambda s: self._score(folded, s, cover, side))
        return a, b

    # -------------------------------------------------------------- other questions
    def _coverage(self, folded: str) -> tuple[list[float], list[str]]:
        """Per character: the weight of the question keyword covering it, and on which side
        of the interrogative that keyword stands ('' where none)."""
        cover, side = [0.0] * len(folded), [""] * len(folded)
        for term, weight in self.weights.items():
            for start in _occurrences(folded, term):
                for j in range(start, start + len(term)):
                    if weight >= cover[j]:
                        cover[j], side[j] = weight, self.side.get(term, "")
        return cover, side

    def _spans(self, folded: str, cover: list[float]):
        """Candidate spans (start, end, kind), extended over the noun asked about when
        they stop right before it."""
        found = list(_gaps(folded, cover))
        found += [(m.start() + 1, m.end() - 1, "quotation") for m in _QUOTED.finditer(folded)]
        slot = self._slot(folded)
        if slot:
            found.append((*slot, "slot"))
        for kind, find in self.names:        # not a name the question already says
            found += [(a, b, kind) for a, b in find(folded) if _covered_share(cover, a, b) < 0.5]
        noun = self.noun
        for a, b, kind in found:
            yield (a, b + len(noun), kind) if noun and folded.startswith(noun, b) else (a, b, kind)

    def _slot(self, folded: str) -> tuple[int, int] | None:
        """The text between where the question's keywords before its interrogative end and
        where those after it start (or the clause's edge), without function words at its ends."""
        end_before = start_after = None
        naming = _NAMING.search(folded) if self.naming else None
        if naming:                  # 沼鹿又叫什么: 沼鹿（学名…），又名【泽鹿】
            end_before = naming.end()
        for term in reversed(self.before if end_before is None else []):
            found = _occurrences(folded, term)
            if found:
                end_before = found[0] + len(term)
                break
        for term in self.after:
            found = [i for i in _occurrences(folded, term) if i >= (end_before or 0)]
            if found:
                start_after = found[0]
                break
        if end_before is not None and start_after is not None and 0 < start_after - end_before <= MAX_SLOT:
            a, b = end_before, start_after
        elif end_before is not None:
            edge = _CLAUSE_END.search(folded, end_before)
            a, b = end_before, edge.start() if edge else len(folded)
        elif start_after is not None:
            edges = [m.end() for m in _CLAUSE_END.finditer(folded, 0, start_after)]
            a, b = (edges[-1] if edges else 0), start_after
        else:
            return None
        while a < b:                # 是, “ and naming words (称为) before the answer
            naming = _NAMING.match(folded, a, b)
            if folded[a] in _LEADING:
                a += 1
            elif naming:
                a = naming.end()
            else:
                break
        while b > a and folded[b - 1] in _TRIMMED:
            b -= 1
        return (a, b) if b > a else None

    def _score(self, folded: str, span: tuple[int, int, str], cover: list[float], side: list[str]) -> float:
        a, b, kind = span
        inner = folded[a:b]
        around = folded[max(0, a - NEAR):a], folded[b:b + NEAR]
        score = sum(w for t, w in self.weights.items()
                    if (t in around[0] or t in around[1]) and t not in inner) / self.mass
        k = a - 1
        while k >= 0 and (folded[k] in _FUNCTION or folded[k] in _OPENING):
            k -= 1
        score += ALIGNED if k >= 0 and side[k] == "before" else 0
        k = b
        while k < len(folded) and (folded[k] in _FUNCTION or folded[k] in _CLOSING):
            k += 1
        score += ALIGNED if k < len(folded) and side[k] == "after" else 0
        covered = _covered_share(cover, a, b)
        if kind != "quotation" or covered == 1:     # 暖企8条 answers 什么暖企政策
            score -= COVERED * covered
        if self.noun and (inner.endswith(self.noun) or inner.endswith(self.noun[-1])):
            score += ASKED_NOUN
        score += {"quotation": QUOTATION, "slot": SLOT, "person": PERSON, "place": PLACE}.get(kind, 0.0)
        return score - PER_EXTRA_CHAR * max(0, b - a - LONG)


def _enumeration(folded: str, span: tuple[int, int]) -> tuple[int, int]:
    """The span widened to the 、-separated enumeration it is part of (a quoted item's
    quotation marks count with it: “暖企8条”、“稳企6条”): from its item's edges, across
    every 、 to the next item, both ways. A span in no enumeration stays as it is."""
    a, b = _item_around(folded, *span)
    start, end = a, b
    while (before := _separator(folded, start - 1, -1)) is not None:
        start = _item_around(folded, before - 1, before - 1)[0]
    while (after := _separator(folded, end, 1)) is not None:
        end = _item_around(folded, after + 1, after + 1)[1]
    if (start, end) == (a, b):
        return span
    return min(span[0], start), max(span[1], end)


def _item_around(folded: str, a: int, b: int) -> tuple[int, int]:
    """The run around a..b up to the nearest punctuation (quotation marks included in the
    run when they close right around it)."""
    if a == b < len(folded) and folded[a] in _OPENING:     # an item that opens with “
        a = b = a + 1
    while a > 0 and folded[a - 1] not in _ITEM_EDGES:
        a -= 1
    while b < len(folded) and folded[b] not in _ITEM_EDGES:
        b += 1
    if a > 0 and b < len(folded) and folded[a - 1] in _OPENING and folded[b] in _CLOSING:
        a, b = a - 1, b + 1
    return a, b


def _separator(folded: str, at: int, step: int) -> int | None:
    """Where the 、 next to position ``at`` is (looking in the direction ``step``), with an
    item after it; None when there is none."""
    if not 0 <= at < len(folded) or folded[at] != "、":
        return None
    beyond = at + step
    return at if 0 <= beyond < len(folded) and folded[beyond] not in set(_CLAUSE_MARKS) else None


def _asked_noun(folded: str, asking: re.Match | None) -> str:
    """The word right after 哪个/什么 (哪个试验区 -> 试验区), if it is a noun-like word."""
    if not asking or not re.match(r"哪|什么", asking.group()):
        return ""
    following = words(folded[asking.end():])
    noun = following[0] if following else ""
    return noun if re.fullmatch(r"[\u4e00-\u9fff]+", noun) and noun not in _NOT_NOUNS else ""


def _covered_share(cover: list[float], a: int, b: int) -> float:
    """The share of characters a..b that some question keyword covers."""
    return sum(1 for j in range(a, b) if cover[j]) / max(1, b - a)


def _occurrences(folded: str, term: str) -> list[int]:
    """Where the term stands in the sentence; a one-character term only where jieba
    (``chinese.tokenize.words``) cuts it as a word: 立 in 立孙登为太子, not the 建 of 建设."""
    found, start = [], folded.find(term)
    while start >= 0:
        found.append(start)
        start = folded.find(term, start + 1)
    if len(term) > 1 or not found:
        return found
    alone = _one_character_words(folded)
    return [i for i in found if i in alone]


@functools.lru_cache(maxsize=64)     # asked once per one-character keyword, for the same sentence
def _one_character_words(folded: str) -> frozenset[int]:
    at, alone = 0, set()
    for word in words(folded):
        if len(word) == 1:
            alone.add(at)
        at += len(word)
    return frozenset(alone)


def _gaps(folded: str, cover: list[float]):
    """Runs of at least two characters that no question keyword covers, within a clause,
    without function characters or quotation marks at their ends."""
    i, n = 0, len(folded)
    while i < n:
        if cover[i] or folded[i] in _BREAKS:
            i += 1
            continue
        j = i
        while j < n and not cover[j] and folded[j] not in _BREAKS:
            j += 1
        a, b, i = i, j, j
        while a < b and folded[a] in _TRIMMED:
            a += 1
        while b > a and folded[b - 1] in _TRIMMED:
            b -= 1
        if b - a >= 2:
            yield a, b, "gap"
