"""Load test: N concurrent API clients ask questions for a while; a report is uploaded
half-way through. Reports errors and latency percentiles (README, "Reliability").

    python -m benchmarks.load_test [--url http://127.0.0.1:7860/] [--clients 20] [--seconds 60]
    python -m benchmarks.load_test --clients 1 --once --no-upload     # API latency over our question set

Without --url it starts ``python -m ui`` itself on a free port, on a copy of data/, and
reports how long the app took to be ready with that existing index. Traffic goes to
this machine only.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import settings

QUESTIONS = [json.loads(line)["question"] for line in
             (Path(__file__).parent / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
UPLOAD = ("一、数字政府建设\n一是推进政务数据共享。全区建成政务数据共享平台，汇聚数据资源目录1234余项，"
          "实现跨部门数据调用380万次。\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load_test")
    parser.add_argument("--url")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--no-upload", action="store_true", help="only ask (API latency of one client, say)")
    parser.add_argument("--once", action="store_true", help="each client asks every question once, then stops")
    args = parser.parse_args(argv)
    from gradio_client import Client, handle_file

    server, workdir = None, Path(tempfile.mkdtemp(prefix="load-"))
    url = args.url
    if url is None:
        sys.path.insert(0, str(settings.PROJECT_ROOT / "tests"))
        from conftest import AppServer

        data = workdir / "data"
        shutil.copytree(settings.data_dir(), data, ignore=shutil.ignore_patterns("ingest.lock", "uploads"))
        server = AppServer(data)          # as a user starts it: corpus/ is checked (unchanged) first
        started = time.time()
        server.wait_ready()
        print(f"app ready in {time.time() - started:.1f} s (existing index)")
        url = server.url
    began_all = time.time()
    stop = began_all + args.seconds
    latencies, errors = [], []

    def more(i: int, n: int) -> bool:
        return n - i < len(QUESTIONS) if args.once else time.time() < stop

    def client_loop(i: int) -> None:
        client = Client(url, verbose=False)
        n = i
        while more(i, n):
            began = time.perf_counter()
            try:
                result = client.predict(QUESTIONS[n % len(QUESTIONS)], 5, api_name="/ask")
                if "error" in result:
                    raise RuntimeError(result["error"])
                latencies.append((time.perf_counter() - began) * 1000)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(repr(exc)[:200])
            n += 1

    report = workdir / "数字政府建设.txt"
    report.write_text(UPLOAD, encoding="utf-8")
    try:
        with concurrent.futures.ThreadPoolExecutor(args.clients + 1) as pool:
            futures = [pool.submit(client_loop, i) for i in range(args.clients)]
            message, upload_s = "", 0.0
            if not args.no_upload:
                time.sleep(args.seconds / 2)
                began = time.perf_counter()
                message = Client(url, verbose=False).predict([handle_file(str(report))], api_name="/upload")[0]
                upload_s = time.perf_counter() - began
            for f in futures:
                f.result()
    finally:
        if server:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.time() - began_all
    ordered = sorted(latencies)
    pct = lambda p: ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0
    print(f"{args.clients} clients, {elapsed:.0f} s: {len(latencies)} answers, {len(errors)} errors, "
          f"{len(latencies) / elapsed:.1f} answers/s")
    print(f"latency p50 {pct(50):.0f} ms, p95 {pct(95):.0f} ms, max {pct(100):.0f} ms, "
          f"mean {statistics.mean(ordered) if ordered else 0:.0f} ms")
    if not args.no_upload:
        print(f"upload during the load: {upload_s:.1f} s -> {message.splitlines()[0] if message else ''}")
    for e in errors[:5]:
        print("  error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
