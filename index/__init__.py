"""The on-disk index. This package alone knows its format; see ``store``."""
from .records import Chunk, Document, IndexInfo
from .store import IndexError_, IndexStore, IngestLock, IndexBusy

__all__ = ["Chunk", "Document", "IndexInfo", "IndexStore", "IndexError_", "IngestLock", "IndexBusy"]
