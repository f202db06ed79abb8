"""Question -> cited answer. Read in this order: ``question`` (normalise the question),
``search`` (hybrid retrieval with ``fusion``), ``abstain`` (is anything relevant?),
``extract`` (pick the answering sentences), ``service`` (ties it together, follow-ups),
``llm`` (optional generative mode), ``__main__`` (ask / eval commands)."""
