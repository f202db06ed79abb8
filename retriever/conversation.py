"""Follow-up questions: "它的审批时间呢？", "还有呢？" mean nothing without the turn before.

A follow-up is rewritten before retrieval by putting the previous (already resolved)
question in front of it; "还有呢" ("what else?") repeats the previous question and
skips the passages already cited. Only the retrieval text changes: the user sees
their own words, and the answer shows what it understood (``resolved_question``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_MORE = re.compile(r"^(还有|還有|另外|其他|其它|然后|然後|and|what else|more)[呢吗嗎么麼吧?？!！。.\s]*$"
                   r"|^(还有呢|還有呢|还有吗|還有嗎|还有别的吗|還有別的嗎|其他呢|其它呢)", re.I)
_REFERS_BACK = re.compile(r"它|它们|它們|这项|這項|这个|這個|这些|這些|该|該|其|此|那|上述|前者|后者|後者"
                          r"|\b(it|its|they|them|their|this|that|these|those)\b", re.I)
MAX_FOLLOW_UP_CHARS = 16


@dataclass
class Turn:
    question: str
    resolved: str               # what was actually searched
    cited: list[int] = field(default_factory=list)   # chunk ids cited in the answer


@dataclass
class Resolution:
    text: str                   # what to search for
    exclude: set[int]           # chunk ids to skip ("what else?")
    rewritten: bool


def resolve(question: str, history: list[Turn]) -> Resolution:
    if not history:
        return Resolution(question, set(), False)
    previous = history[-1]
    stripped = question.strip()
    if _MORE.search(stripped):
        seen = {c for turn in history if turn.resolved == previous.resolved for c in turn.cited}
        return Resolution(previous.resolved, seen, True)
    if len(stripped) <= MAX_FOLLOW_UP_CHARS and _REFERS_BACK.search(stripped):
        return Resolution(f"{previous.resolved} {stripped}", set(), True)
    return Resolution(question, set(), False)
