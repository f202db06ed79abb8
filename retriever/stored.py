"""The reader's embedder: a sentence embedded at ingest is read back, not embedded again.

The reader compares the question with a few candidate sentences (``extract.add_cosines``).
Most of them are pieces of their chunk (``ingest.chunking.piece_spans``: a sentence, or
short ones grouped), whose vectors the index holds by text hash; the same model made them,
so the cosine is the same (to 1e-7) and only the rest is embedded. On the library set's
developed-on questions 50 of 90 such sentences were in the index (docs/log.md).
"""
from __future__ import annotations

import numpy as np

from index.store import sha256_text


class StoredFirst:
    """``embed_documents`` from the store where it can, the model for the rest; every
    other call goes to the model."""

    def __init__(self, embedder, store):
        self.embedder, self.store = embedder, store

    def embed_documents(self, texts: list[str], **kwargs) -> np.ndarray:
        hashes = [sha256_text(t) for t in texts]
        stored = self.store.stored_vectors(list(set(hashes)))
        missing = [i for i, h in enumerate(hashes) if h not in stored]
        out = np.zeros((len(texts), self.embedder.dim), np.float32)
        for i, h in enumerate(hashes):
            if h in stored:
                out[i] = stored[h]
        if missing:
            out[missing] = self.embedder.embed_documents([texts[i] for i in missing], **kwargs)
        return out

    def __getattr__(self, name):
        return getattr(self.embedder, name)
