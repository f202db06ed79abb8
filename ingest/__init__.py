"""Report files -> the on-disk index: load, clean, structure, chunk, embed, store.

Start with ``pipeline`` (the flow) and ``__main__`` (the command line).
"""
