"""Readers: hits in, scored candidate answer sentences out (README, "How a question is answered").

A reader has two steps, so that the gate can sit between them:
- ``run(question, hits, context)``: every candidate sentence of the top passages, scored,
  best first (what the gate reads);
- ``choose(question, candidates, context)``: the one to three the answer quotes.

``ExtractiveReader`` is the offline default. The LLM mode (``retriever/llm.py``) writes
its reply from the same passages once the gate has said "answer".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from . import extract
from .extract import Candidate
from .question import Question
from .records import Hit


@dataclass
class Context:
    """What a reader may use besides the question and the hits."""
    weights: dict[str, float]              # keyword -> IDF
    relevance: object                      # abstain.Relevance (its ``sentence`` is set by ``run``)
    query_vector: object = None            # the question's embedding, if the search made one
    already_said: str = ""                 # a sentence an earlier answer quoted (follow-ups): not again


class Reader(Protocol):
    def run(self, question: Question, hits: list[Hit], context: Context) -> list[Candidate]: ...

    def choose(self, question: Question, found: list[Candidate], context: Context) -> list[Candidate]: ...


class ExtractiveReader:
    """Sentences scored by keywords, character bigrams, passage rank and the kind of answer
    asked for (``extract.candidates``); the best few embedded, for the gate's sentence cosine."""

    def __init__(self, embedder):
        self.embedder = embedder

    def run(self, question: Question, hits: list[Hit], context: Context) -> list[Candidate]:
        found = extract.candidates(question, hits, context.weights, counted=context.relevance.counted)
        if context.already_said:             # "第二项的目标是多少？": not the item's sentence again
            found = [c for c in found if c.text != context.already_said]
        vector = context.query_vector
        if vector is None:
            vector = self.embedder.embed_query(question.text)
        context.relevance.sentence = extract.add_cosines(vector, found, self.embedder)
        return found

    def choose(self, question: Question, found: list[Candidate], context: Context) -> list[Candidate]:
        relevance = context.relevance
        if question.language == "en":        # keywords are dictionary guesses: the cosine decides more
            found = extract.prefer_figure(extract.prefer_closest(found), relevance.counted_figure)
        else:                                # "how many X": quote the sentence giving a number of X
            found = extract.prefer_figure(found, relevance.figure_given)
        chosen = extract.choose(found)
        if question.language == "en":        # an English question shares no characters with a passage
            return chosen
        return extract.with_what_follows(chosen, found, question.folded)
