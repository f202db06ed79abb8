"""Sentence embeddings: which model, where it comes from, and how text is encoded."""
