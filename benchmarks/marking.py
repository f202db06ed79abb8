"""How well a right answer's key spans (the words shown bold) mark its gold answer.

    key_marking("……压减至13个工作日[1]", [(5, 7)], ["13"]) -> KeyMarking(marked=True, f1=1.0, exact=True)

- ``marked``: a key span and a gold answer overlap, one inside the other (what ``own_set``
  has counted since the twelfth round);
- ``f1``: the best character F1 of a key span against a gold answer, CMRC 2018's own
  measure (characters compared as multisets, punctuation and spaces dropped, after folding
  Traditional to Simplified);
- ``exact``: a key span is a gold answer, by the same normalisation.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from chinese.clean import fold_for_matching

_NOT_COMPARED = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class KeyMarking:
    marked: bool
    f1: float
    exact: bool


def key_marking(answer: str, key_spans, golds: list[str]) -> KeyMarking:
    spans = [_normal(answer[a:b]) for a, b in key_spans]
    golds = [g for g in (_normal(g) for g in golds) if g]
    pairs = [(s, g) for s in spans if s for g in golds]
    return KeyMarking(marked=any(g in s or s in g for s, g in pairs),
                      f1=max((_f1(s, g) for s, g in pairs), default=0.0),
                      exact=any(s == g for s, g in pairs))


def _normal(text: str) -> str:
    return _NOT_COMPARED.sub("", fold_for_matching(text))


def _f1(span: str, gold: str) -> float:
    common = sum((Counter(span) & Counter(gold)).values())
    if not common:
        return 0.0
    precision, recall = common / len(span), common / len(gold)
    return 2 * precision * recall / (precision + recall)
