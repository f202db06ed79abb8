"""The offline answer: the one to three sentences of the top passages that best answer
the question, each followed by its [n] marker, with the key span marked (``keyspan``).

A sentence scores by the question's keywords it contains (IDF-weighted), by shared
character bigrams (which survive paraphrase better than words), by its passage's rank,
and by whether it holds what the question asks for (a number for 多少/几, a date for
何时: ``question.wanted_answer``); it is read with its report's title, which every
sentence of the report is about. A section's heading leads in to a sentence under it.
For an English question the sentences that were embedded for the gate's cosine are
then reordered by how close each is to the question (``prefer_closest``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chinese.clean import bracket_readings, fold_for_matching
from chinese.sentences import sentence_spans
from index.records import SECTION_SEP

from .config import (COSINE_WEIGHT_ENGLISH, MAX_ANSWER_CHARS, MAX_SENTENCES, MIN_SENTENCE_CHARS, READ_PASSAGES,
                     RESTATES_QUESTION, SENTENCE_CHECK)
from .keyspan import KeySpanFinder
from .question import Question, has_wanted
from .records import Hit


@dataclass
class Candidate:
    hit_index: int          # which hit (0-based, in rank order)
    start: int              # span in the hit's chunk text
    end: int
    score: float
    key: tuple[int, int] | None = None   # key span, relative to the sentence: ``marked``
    text: str = ""
    cosine: float | None = None
    marking: KeySpanFinder | None = field(default=None, repr=False, compare=False)
    heading: bool = False   # the sentence is its section's heading (二是率先开展……改革。)
    alone: float = 0.0      # ``score`` without the report's title: how well it matches by itself

    def marked(self) -> tuple[int, int]:
        """The key span (``keyspan.KeySpanFinder``), found when first asked for: only the
        one to three sentences chosen need one."""
        if self.key is None:
            self.key = self.marking.find(self.text) if self.marking else (0, 0)
        return self.key


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^0-9a-z\u3400-\u9fff]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def candidates(question: Question, hits: list[Hit], weights: dict[str, float], passages: int = READ_PASSAGES,
               counted: list[str] = ()) -> list[Candidate]:
    """Every sentence of the top passages, scored without the model, best first.
    ``counted``: what a Chinese "how many" question counts (``abstain.Relevance.counted``),
    for choosing the number to mark."""
    mass = sum(weights.values()) or 1.0
    q_bigrams = _bigrams(question.folded)
    marking = KeySpanFinder(question, weights, counted)
    out = []
    for h, hit in enumerate(hits[:passages]):
        text = hit.chunk.text
        heading = _section_heading(hit.chunk.section)
        title = fold_for_matching(hit.chunk.title)
        for a, b in sentence_spans(text):
            sentence = text[a:b]
            if len(sentence) < MIN_SENTENCE_CHARS:
                continue
            read = fold_for_matching(f"{sentence}\n{bracket_readings(sentence)}")   # 河（湖）长制: 河长制 too
            rank_and_kind = 0.15 / (h + 1)
            if question.wants in ("number", "date"):
                rank_and_kind += 0.3 if has_wanted(question.wants, sentence) else -0.3
            # Every sentence of a report is about its title's subject (黄埔区), so the one
            # that names it gains nothing by it; the sentence alone is what gets embedded.
            with_title = _match(f"{read}\n{title}", weights, mass, q_bigrams)
            out.append(Candidate(h, a, b, with_title + rank_and_kind, text=sentence, marking=marking,
                                 heading=bool(heading) and _bare(sentence) == heading,
                                 alone=_match(read, weights, mass, q_bigrams) + rank_and_kind))
    return sorted(out, key=lambda c: -c.score)


def _match(read: str, weights: dict[str, float], mass: float, q_bigrams: set[str]) -> float:
    """The question's keyword weight a folded text holds, plus half its share of the
    question's character bigrams."""
    terms = sum(w for t, w in weights.items() if t in read) / mass
    return terms + 0.5 * len(q_bigrams & _bigrams(read)) / max(1, len(q_bigrams))


def _section_heading(section: str) -> str:
    """The last heading of a section path (一、主要工作情况 › 二是……改革 -> 二是……改革), bare."""
    return _bare(section.split(SECTION_SEP)[-1]) if section else ""


def _bare(text: str) -> str:
    return fold_for_matching(text).strip(" 。.;；:：")


def add_cosines(question_vector, found: list[Candidate], embedder) -> float:
    """Embed the few sentences that match the question best by themselves (``alone``: the
    model sees a sentence without its report's title), set their ``cosine`` and return the
    best one (for abstention)."""
    top = sorted(found, key=lambda c: -c.alone)[:SENTENCE_CHECK]
    if not top:
        return 0.0
    vectors = embedder.embed_documents([c.text for c in top])
    for c, v in zip(top, vectors):
        c.cosine = float(v @ question_vector)
    return max(c.cosine for c in top)


def prefer_closest(found: list[Candidate], weight: float = COSINE_WEIGHT_ENGLISH) -> list[Candidate]:
    """The candidates best first again, each embedded one (``add_cosines``) raised by
    ``weight`` times how much closer it is to the question than the farthest of them.

    For English questions only: their keyword score rests on dictionary guesses (区域 for
    "district" makes a long sentence on some other topic win), while the cosine compares
    the sentence with the question itself. Relative to the farthest, the bonus stays
    on the scale of the keyword score, so ``choose``'s 0.75 rule keeps its meaning and the
    answers do not grow. Measured (docs/log.md, "English questions"): right answers 20 -> 22 of
    25 on our set, 7 -> 8 of 11 on the second held-out set. Chinese questions gained
    nothing (our set; samples of CMRC and DRCD lost up to 5 of ~600 right answers)."""
    embedded = [c for c in found if c.cosine is not None]
    if len(embedded) < 2:
        return found
    farthest = min(c.cosine for c in embedded)
    for c in embedded:
        c.score += weight * (c.cosine - farthest)
    return sorted(found, key=lambda c: -c.score)


def prefer_figure(found: list[Candidate], figure: str) -> list[Candidate]:
    """The candidates best first again, the first sentence that holds ``figure`` (folded
    text around a number: ``abstain.Relevance.counted_figure``) now at the top. An English
    "how many X" question answered because a passage gives a number of X should quote it,
    even when another passage ranks higher."""
    holding = next((c for c in found if figure and figure in fold_for_matching(c.text)), None)
    if holding is None or holding is found[0]:
        return found
    holding.score = found[0].score
    return [holding] + [c for c in found if c is not holding]


def following(hit: Hit, said: str) -> list[Candidate]:
    """What a passage says after ``said`` (a sentence an earlier answer quoted from it), in
    reading order, within ``choose``'s limits: the answer to "其中第二项具体怎么做？" when
    item two was a section's heading. Empty when ``said`` is not in it or nothing follows."""
    text = hit.chunk.text
    spans = sentence_spans(text)
    at = next((i for i, (a, b) in enumerate(spans) if text[a:b] == said), None)
    chosen, length = [], 0
    for a, b in spans[at + 1:] if at is not None else []:
        if len(chosen) >= MAX_SENTENCES or (chosen and length + (b - a) > MAX_ANSWER_CHARS):
            break
        chosen.append(Candidate(0, a, b, 0.0, key=(0, 0), text=text[a:b]))
        length += b - a
    return chosen


def choose(found: list[Candidate]) -> list[Candidate]:
    """Best sentences, at most MAX_SENTENCES: the best first (it holds the answer more
    often than the first in reading order: docs/log.md, "Retrieval and answers on our question
    set"), the others in reading order.

    A section's heading (二是率先开展知识产权运用和保护综合改革。) scores high on a question
    that names its topic but states no measure; on its own it answers nothing, so when it
    comes first and nothing else of its passage was chosen, the best sentence under it
    follows: where there is room, or always when the heading would stand alone (docs/log.md,
    "Broad questions")."""
    if not found:
        return []
    best = found[0]
    chosen = [best]
    length = best.end - best.start
    for c in found[1:]:
        if len(chosen) >= MAX_SENTENCES or c.score < 0.75 * best.score:
            break
        if length + (c.end - c.start) > MAX_ANSWER_CHARS:
            continue
        chosen.append(c)
        length += c.end - c.start
    if best.heading and not any(c.hit_index == best.hit_index for c in chosen[1:]):
        body = next((c for c in found if c.hit_index == best.hit_index and not c.heading), None)
        if body is not None and (len(chosen) == 1 or length + (body.end - body.start) <= MAX_ANSWER_CHARS):
            chosen = chosen[:MAX_SENTENCES - 1] + [body]
    return [best] + sorted(chosen[1:], key=lambda c: (c.hit_index, c.start))


def novelty(sentence: str, question_folded: str) -> float:
    """The share of a sentence's characters (folded: Chinese, letters, digits) that the
    question does not hold: 0 for a sentence that only restates the question."""
    chars = re.findall(r"[0-9a-z\u3400-\u9fff]", fold_for_matching(sentence))
    asked = set(question_folded)
    return sum(c not in asked for c in chars) / max(1, len(chars))


def with_what_follows(chosen: list[Candidate], found: list[Candidate], question_folded: str) -> list[Candidate]:
    """The chosen sentences, and the one after the best in its passage when the best says
    little the question does not (``novelty`` at most ``config.RESTATES_QUESTION``): a
    sentence restating the question ("外蒙古包括现在蒙古国以及唐努乌梁海地区。" for "……其中
    唐努乌梁海地区一部分被哪国占去？") leads to its answer, it is not one. The others chosen
    make room for it (``MAX_SENTENCES``, ``MAX_ANSWER_CHARS``)."""
    if not chosen or novelty(chosen[0].text, question_folded) > RESTATES_QUESTION:
        return chosen
    best = chosen[0]
    after = min((c for c in found if c.hit_index == best.hit_index and c.start >= best.end),
                key=lambda c: c.start, default=None)
    if after is None or after in chosen:
        return chosen
    others = chosen[1:MAX_SENTENCES - 1]
    while others and sum(c.end - c.start for c in [best, after, *others]) > MAX_ANSWER_CHARS:
        others.pop()
    return [best] + sorted(others + [after], key=lambda c: (c.hit_index, c.start))
