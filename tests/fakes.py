"""Small fakes for fast contract tests: no model is loaded."""
from __future__ import annotations

import hashlib
import re

import numpy as np

from chinese.clean import fold_for_matching


class FakeEmbedder:
    """Maps a text to a unit vector of its hashed character bigrams: deterministic, and
    texts that share words come out close, as with a real model."""
    name = "fake-bigrams-256"
    dim = 256

    def __init__(self):
        self.calls = 0

    def _vector(self, text: str) -> np.ndarray:
        text = re.sub(r"\W", "", fold_for_matching(text))
        v = np.zeros(self.dim, dtype=np.float32)
        for i in range(max(1, len(text) - 1)):
            v[int(hashlib.md5(text[i:i + 2].encode()).hexdigest(), 16) % self.dim] += 1.0
        return v / (np.linalg.norm(v) or 1.0)

    def embed_documents(self, texts, batch_size: int = 8, progress=None) -> np.ndarray:
        self.calls += 1
        out = np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        if progress:
            progress(len(texts), len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        self.calls += 1
        return self._vector(text)
