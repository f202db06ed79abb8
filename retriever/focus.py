"""What an English question asks about, and whether a passage speaks of it at all.

"What is the annual budget of the Guangzhou IP Court?" asks for a budget: a passage on
the court that never mentions a budget cannot answer it, however close its cosine (0.78,
above seven answerable English questions of ours). The question's focus is the head noun
of the phrase its interrogative asks about (``budget``; ``rate`` in "the district's GDP
growth rate"; ``residents`` in "how many new residents moved ..."); a passage speaks of it
when one of its Chinese words has the word among its CC-CEDICT glosses (预算 "budget"),
or when it contains the English word itself.

The same phrase finds the sentence to quote: "How many foreign-funded enterprises has the
district attracted?" is answered by 累计引进外资企业3500多家, a number whose neighbours are
glossed with the words counted (``extract.prefer_figure``). It no longer answers a question
by itself: as a feature of the gate it earned no place (docs/log.md, "The learned gate").

In:  the English question's text. Out: its focus words (``focus_words``), and of those,
the ones a passage never mentions (``missing_in``); what a "how many" question counts
(``counted_phrase``), and where a passage gives a number of it (``figure_for``). A
question whose phrase has no clear head ("How much were new tax cuts ...", "What did the
lab isolate?") gets no focus and is not judged. Only English questions: a Chinese
question's focus is among its keywords, which the coverage signal already weighs.
Measured: docs/log.md, "English questions" (fourth and eighth rounds).
"""
from __future__ import annotations

import functools
import re

from chinese.bilingual import content_words, glosses_of, stem_forms
from chinese.tokenize import passage_terms

from .figures import CLASSIFIERS, figures_in

_AUX = r"(?:has|have|had|did|do|does|was|were|is|are|will|can|could|would|should)"
_END = r"(?=\s+(?:" + _AUX + r"|of|about|in|for|at|on|through|that|to|by|with|from|among|under)\b|\s*[?,.]|\s*$)"
_ASKED = [re.compile(p, re.I) for p in (
    r"^how (?:many|much) (?:of (?:the )?)?(?P<phrase>.+?)" + _END,
    r"^(?:what|which)(?:'s| is| was| are| were) the (?P<phrase>.+?)" + _END,
    r"^(?:what|which) (?P<phrase>.+?)" + _END,
    r"^who(?:'s| is| was) the (?P<phrase>.+?)" + _END,
    r"^how (?:long|large|big|far|high|tall|wide|old) (?:is|was|are|were) the (?P<phrase>.+?)" + _END,
)]
_LEAD_IN = re.compile(r"^(?:about|approximately|roughly|so far|on average|in total)\s*,?\s*", re.I)
# Heads that only measure or name something: the focus is what follows "of".
_GENERIC = frozenset("""share proportion percentage number amount total kind type sort part name
yuan percent km kilometres kilometers""".split())
# How close the thing counted stands to its number: before it (外资企业3500多家, 人才已达925人)
# or after it and its measure word (12家民营中小企业, 32项省级管理权限).
_NEXT_TO = (4, 8)
_NOT_HEAD = frozenset("yuan percent km kilometres kilometers more less the a an its their this that these those".split())
# The document itself ("What is the article about?") names no subject a passage must speak of.
_THE_DOCUMENT = frozenset("report reports article document paper text".split())


def focus_words(question: str) -> list[str]:
    """The head nouns of the phrase the question asks about, lower case (one per
    coordinated part: "departments and items" -> [departments, items]); [] if unclear."""
    heads = []
    for part in re.split(r"\s+and\s+|,\s*", _asked(question, _ASKED)):
        tokens = [t for t in re.findall(r"[a-z0-9]+", part.lower()) if not t.isdigit() and t not in _NOT_HEAD]
        if tokens and tokens[-1] not in _THE_DOCUMENT:
            heads.append(tokens[-1])
    return heads


def counted_phrase(question: str) -> list[str]:
    """The content words of what a "how many / how much" question counts, lower case
    ("How many foreign-funded enterprises ..." -> [foreign, funded, enterprises]); [] for
    other questions, and when unclear."""
    return [w for w in content_words(_asked(question, _ASKED[:1])) if w not in _NOT_HEAD]


def figure_for(words: list[str], passages: list[str], head_as: list[str] = ()) -> str:
    """Where a number in the (folded) passages counts the counted words ("" if nowhere):
    the text around the number, when its measure word counts things (家, 个, 项; not 元,
    票, 年, %) and it is not 一 (一张清单: "a list"), the thing counted (the last word)
    stands right next to it, and the other words within ``figures.WINDOW`` characters, in
    its sentence, all but one of them for three or more. A word stands there when a
    Chinese word there is glossed with it (so Chinese passages only). "foreign-funded
    enterprises" meets 外资企业3500多家 through 外资 "foreign investment" and 企业
    "enterprise" ("funded" glosses neither); "patents" does not meet
    发明专利授权量”两项知识产权指标均居219家国家级经济技术开发区首位: 219 counts zones.

    ``head_as``: the Chinese words the question's head was translated into (the bridge's
    choice, which the reports contain); their other glosses count for the head too, so
    "model communities" (社区 "community; neighborhood") meets 样板小区60个 (小区
    "district; neighborhood")."""
    if not words:
        return ""
    *modifiers, head = [stem_forms(w) for w in words]
    head = head | {s for word in head_as for s in glosses_of(word).split()}
    needed = len(modifiers) - (len(modifiers) >= 2)
    for figure in figures_in(passages):
        if (figure.measure and figure.measure not in CLASSIFIERS) or figure.number == "一":
            continue                      # 一张清单 is "a list": 一 with a measure word is an article
        if head & glossed_stems(figure.near(*_NEXT_TO)):
            near = figure.near()
            glossed = glossed_stems(near)
            if sum(1 for stems in modifiers if stems & glossed) >= needed:
                return near
    return ""


@functools.lru_cache(maxsize=512)
def glossed_stems(text: str) -> frozenset[str]:
    """The stems of the CC-CEDICT glosses of the Chinese words (2+ characters) in a text.
    Cached: the focus check and the English coverage read the same top passages."""
    return frozenset(s for term in set(passage_terms(text)) if len(term) >= 2 for s in glosses_of(term).split())


def _asked(question: str, patterns: list[re.Pattern]) -> str:
    """The noun phrase the first matching pattern asks about ("" if none or unclear)."""
    text = _LEAD_IN.sub("", question.strip())
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            return _noun_phrase(m.group("phrase"), text[m.end("phrase"):])
    return ""


def _noun_phrase(phrase: str, rest: str) -> str:
    phrase = re.sub(r"^.*'s\s+", "", phrase)            # the district's GDP growth rate
    words = phrase.split()
    if not words or re.fullmatch(_AUX, words[0], re.I) or words[0].lower() in ("more", "less"):
        return ""                                         # "how much were ...", "how much more ..."
    words = _before_verb(words)
    if words[-1].lower() in _GENERIC:                     # "the share of X": X
        m = re.match(r"\s+of\s+(?:the\s+)?(?P<phrase>.+?)" + _END, rest)
        return _noun_phrase(m.group("phrase"), rest[m.end("phrase"):]) if m else ""
    return " ".join(words)


def _before_verb(words: list[str]) -> list[str]:
    """The noun phrase before the verb, when the pattern ran into the clause: "new
    residents moved", "company makes the vaccine" (a verb stands before "the")."""
    for i, word in enumerate(words):
        if i and word.lower() in ("the", "a", "an", "its", "their"):
            return words[:max(1, i - 1)]
        if i and re.fullmatch(r"[a-z]{3,}ed", word):       # not "red", "bed", "need"
            return words[:i]
    return words


def missing_in(words: list[str], passages: list[str]) -> list[str]:
    """The focus words, if none of them is spoken of in any of the passages (folded by
    ``chinese.clean.fold_for_matching``, as ``abstain.measure`` already has them); else []."""
    if not words or not passages:
        return []
    wanted = [stem_forms(w) for w in words]
    for folded in passages:
        if any(re.search(rf"\b{re.escape(w)}", folded) for w in words):
            return []
        glossed = glossed_stems(folded)
        if any(stems & glossed for stems in wanted):
            return []
    return words
