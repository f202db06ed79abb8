"""Combine the dense and keyword rankings into one.

Two methods, chosen by measurement (README, "Retrieval quality"):
- ``rrf``: reciprocal rank fusion, sum of w / (k + rank). Ignores score scale, which is
  why it is robust: e5 cosines sit in 0.8-0.95 and BM25 is unbounded.
- ``score``: each side's scores scaled to [0, 1] over its own candidate list, then a
  weighted sum; a candidate missing from one side gets 0 there.

In:  two lists of (chunk id, score), best first. Out: [(chunk id, fused score)], best first.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Fusion:
    method: str = "score"
    k: int = 60                 # RRF constant
    dense_weight: float = 1.25  # measured: README, "Choosing the fusion"
    lexical_weight: float = 1.0

    def fuse(self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]]) -> list[tuple[int, float]]:
        if self.method == "rrf":
            scores = self._rrf(dense, lexical)
        elif self.method == "score":
            scores = self._scaled(dense, lexical)
        else:
            raise ValueError(f"unknown fusion method {self.method!r}")
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))

    def _rrf(self, dense, lexical) -> dict[int, float]:
        scores: dict[int, float] = {}
        for weight, ranking in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
            for rank, (chunk_id, _) in enumerate(ranking, 1):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (self.k + rank)
        return scores

    def _scaled(self, dense, lexical) -> dict[int, float]:
        scores: dict[int, float] = {}
        for weight, ranking in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
            if not ranking:
                continue
            values = [s for _, s in ranking]
            top, bottom = max(values), min(values)
            span = (top - bottom) or 1.0
            for chunk_id, s in ranking:
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight * (s - bottom) / span
        return scores
