"""The router: what kind of question this is, before anything is read (README, "How a
question is answered").

- ``outline``: about a whole report or one of its parts (这篇报告讲了什么？, 黄埔区未来有什么
  打算？, 第二部分说了什么？): answered with that part's outline (``outline.find_outline``);
- ``continuation``: a follow-up that points at an item an earlier answer quoted (其中第二项
  具体怎么做？): answered with what its passage says next (``extract.following``);
- ``part``: "还有呢" after a part's outline: the reader quotes more of that part, with no
  gate to pass (the asker chose the part; the hits are all in it);
- ``factual``: everything else, which goes to the reader and the gate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import extract
from .extract import Candidate
from .outline import Outline, find_outline
from .question import Question
from .records import Hit


@dataclass
class Route:
    kind: str                                   # "outline" | "continuation" | "part" | "factual"
    outline: Outline | None = None
    following: list[Candidate] = field(default_factory=list)


class Router:
    def __init__(self, store):
        self.store = store

    def run(self, question: Question, hits: list[Hit], relevance, already_said: str = "",
            more: bool = False, within: str = "") -> Route:
        """``more``: "还有呢？" (the outline would be the same one again); ``within``: the
        part it asks more of. A question that names something the reports never mention is
        no question about a part of them."""
        outline = None if relevance.vetoed or more else find_outline(question, hits, self.store)
        if outline is not None:
            return Route("outline", outline=outline)
        if already_said and not question.wants:
            going_on = extract.following(hits[0], already_said)
            if going_on:
                return Route("continuation", following=going_on)
        return Route("part" if within else "factual")
