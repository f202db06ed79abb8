"""Combine the dense and keyword rankings into one.

Three methods; the default was chosen by measurement (docs/log.md, "Choosing the fusion"):
- ``zscore`` (default): each side's scores standardised over its own candidate list
  ((s - mean) / std), then a weighted sum; a candidate missing from one side gets that
  side's lowest standardised score. e5 cosines sit in 0.8-0.95 and BM25 is unbounded:
  standardising puts both on one scale, and unlike min-max scaling it does not hang on
  the single lowest candidate. Equal weights did best on our set, CMRC and DRCD alike.
- ``score``: each side's scores min-max scaled to [0, 1] over its candidate list, then
  a weighted sum; a candidate missing from one side gets 0 there.
- ``rrf``: reciprocal rank fusion, sum of w / (k + rank). Ignores the scores, which
  makes it robust but blind to how far apart two candidates are; it did worst.

In:  two lists of (chunk id, score), best first (English questions add a third, from
``retriever.glosses``; the two keyword lists then share the keyword weight).
Out: [(chunk id, fused score)], best first.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass
class Fusion:
    method: str = "zscore"
    k: int = 60                 # RRF constant
    dense_weight: float = 1.0   # measured: docs/log.md, "Choosing the fusion"
    lexical_weight: float = 1.0

    def fuse(self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]],
             glossed: list[tuple[int, float]] | None = None) -> list[tuple[int, float]]:
        combine = {"zscore": self._standardised, "score": self._scaled, "rrf": self._rrf}.get(self.method)
        if combine is None:
            raise ValueError(f"unknown fusion method {self.method!r}")
        # Two keyword views of one question share the keyword side's weight: at full weight
        # each, where they agree they outvote the dense side (docs/log.md, "English questions").
        keyword_weight = self.lexical_weight / 2 if glossed else self.lexical_weight
        sides = [(w, ranking) for w, ranking in ((self.dense_weight, dense), (keyword_weight, lexical),
                                                  (keyword_weight, glossed)) if ranking]
        scores = combine(sides)
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))

    def _rrf(self, sides) -> dict[int, float]:
        scores: dict[int, float] = {}
        for weight, ranking in sides:
            for rank, (chunk_id, _) in enumerate(ranking, 1):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (self.k + rank)
        return scores

    def _scaled(self, sides) -> dict[int, float]:
        scores: dict[int, float] = {}
        for weight, ranking in sides:
            values = [s for _, s in ranking]
            top, bottom = max(values), min(values)
            span = (top - bottom) or 1.0
            for chunk_id, s in ranking:
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight * (s - bottom) / span
        return scores

    def _standardised(self, sides) -> dict[int, float]:
        standardised = []
        for weight, ranking in sides:
            values = [s for _, s in ranking]
            mean, spread = statistics.fmean(values), statistics.pstdev(values) or 1.0
            standard = {chunk_id: (s - mean) / spread for chunk_id, s in ranking}
            standardised.append((weight, standard, (min(values) - mean) / spread))
        ids = {chunk_id for _, standard, _ in standardised for chunk_id in standard}
        return {i: sum(w * standard.get(i, floor) for w, standard, floor in standardised) for i in ids}
