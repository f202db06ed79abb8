"""Ingest speed, peak memory and chunk sizes (docs/log.md, "Ingest").

    python -m benchmarks.ingest_speed [--cmrc ../shared/benchmarks/cmrc2018/corpus.jsonl] [--no-cmrc]

Each case is a new ``python -m ingest`` process on a new, empty data directory, so the
time includes starting Python, loading the model and writing the index ("cold"); the
model folder itself is already built in the cache (it is built once per machine). Then
the same command again with nothing changed. Peak memory is the process's own maximum
resident set size (``wait4``). Chunk sizes are read back from the index.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import settings
from index import open_store


def run_ingest(args: list[str]) -> dict:
    """Run ``python -m ingest --json ARGS``: its summary, wall seconds and peak RSS (MB)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "ingest", "--json", *args], cwd=settings.PROJECT_ROOT,
                                   stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)     # this child's own peak memory
        wall = time.perf_counter() - started
        out.seek(0), err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            raise SystemExit(f"ingest failed ({code}): {err.read()[-2000:]}")
        summary = json.loads(out.read().strip().splitlines()[-1])
    return {**summary, "wall_s": wall, "peak_mb": round(usage.ru_maxrss / 1024)}


def chunk_stats(data_dir: Path) -> dict:
    store = open_store(data_dir)
    lengths = sorted(len(c.text) for d in store.documents() for c in store.chunks_of(d.doc_id))
    store.close()
    pct = lambda p: lengths[min(len(lengths) - 1, round(p / 100 * (len(lengths) - 1)))]
    return {"chunks": len(lengths), "min": lengths[0], "p5": pct(5), "median": statistics.median(lengths),
            "mean": round(statistics.mean(lengths), 1), "p95": pct(95), "max": lengths[-1],
            "share_150_350": round(sum(150 <= n <= 350 for n in lengths) / len(lengths), 3)}


def measure(name: str, ingest_args: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="ingest-speed-") as tmp:
        data = Path(tmp) / "data"
        cold = run_ingest(ingest_args + ["--data-dir", str(data)])
        again = run_ingest(ingest_args + ["--data-dir", str(data)])
        stats = chunk_stats(data)
    row = {"case": name, "cold_s": round(cold["wall_s"], 2), "cold_peak_mb": cold["peak_mb"],
           "embedded": cold["embedded"], "unchanged_s": round(again["wall_s"], 2),
           "unchanged_embedded": again["embedded"], "unchanged_peak_mb": again["peak_mb"], **stats}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--cmrc", type=Path,
                        default=settings.PROJECT_ROOT.parent / "shared" / "benchmarks" / "cmrc2018" / "corpus.jsonl")
    parser.add_argument("--no-cmrc", action="store_true")
    args = parser.parse_args(argv)
    from embedding.cache import default_model_path

    default_model_path()   # the model folder is built once per machine, not per ingest
    measure("seed corpus (corpus/)", [str(settings.DEFAULT_CORPUS)])
    if not args.no_cmrc:
        measure(f"CMRC 2018 ({args.cmrc.name})", ["--jsonl", str(args.cmrc)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
