"""What the retriever hands to the UI and the command line."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import Chunk


@dataclass
class Hit:
    """One retrieved chunk with the evidence for its rank."""
    chunk: Chunk
    score: float                     # fused score (higher is better)
    dense: float | None = None       # cosine with the question, if the dense side found it
    lexical: float | None = None     # BM25, if the keyword side found it
    dense_rank: int | None = None
    lexical_rank: int | None = None
    rerank: float | None = None


@dataclass
class Citation:
    n: int                           # the [n] marker in the answer
    doc_id: str
    title: str
    section: str
    paragraph: int
    text: str                        # the passage, original script
    score: float
    sentences: list[str] = field(default_factory=list)      # the sentence(s) the answer used
    highlights: list[tuple[int, int]] = field(default_factory=list)  # spans of those in ``text``
    chunk_id: int | None = None
    report: str = ""                 # the report: title · place · year (ingest.metadata.shown)

    def public(self) -> dict:
        """The JSON contract of ``python -m retriever ask --json`` and the /ask API."""
        return {"n": self.n, "doc_id": self.doc_id, "title": self.title, "section": self.section,
                "paragraph": self.paragraph, "text": self.text, "score": round(self.score, 4),
                "sentences": self.sentences, "chunk_id": self.chunk_id, "report": self.report}


@dataclass
class Answer:
    question: str
    answer: str                      # the short answer with [n] markers (or the abstention message)
    abstained: bool
    citations: list[Citation] = field(default_factory=list)   # sources the answer cites
    related: list[Citation] = field(default_factory=list)     # shown when abstaining
    key_spans: list[tuple[int, int]] = field(default_factory=list)  # spans in ``answer`` to emphasise
    language: str = "zh-Hans"
    mode: str = "extractive"
    resolved_question: str | None = None   # a follow-up rewritten with the conversation
    outlined_part: str = ""          # the part heading, when the answer is that part's outline
    route: str = ""                  # the router's kind of question (retriever.router.Route.kind)
    warnings: list[str] = field(default_factory=list)        # e.g. unsupported claims in an LLM answer
    timing_ms: dict = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)             # everything retrieved, best first
    relevance: object = None                                  # abstain.Relevance, for diagnostics
    decision: object = None                                   # gate.Decision, when the gate was asked

    def public(self) -> dict:
        return {"answer": self.answer, "abstained": self.abstained, "key_spans": self.key_spans,
                "citations": [c.public() for c in (self.citations or self.related)],
                "related": bool(self.abstained and self.related),
                "language": self.language, "mode": self.mode,
                "resolved_question": self.resolved_question, "warnings": self.warnings,
                "p_answer": None if self.decision is None else round(self.decision.p_answer, 4),
                "timing_ms": {k: round(v, 1) for k, v in self.timing_ms.items()}}



def first_sentence(answer: str) -> str:
    """An answer's text up to its first [n] marker: what a reader sees first."""
    return re.split(r"\[\d+\]", answer, maxsplit=1)[0]
