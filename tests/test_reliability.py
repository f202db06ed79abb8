"""Issue: hold up under bad input, concurrent use and crashes; safe to expose.
README "Reliability" maps every case to a test here or nearby."""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index import IndexError_, IndexStore, IngestLock
from ingest.loaders import UnreadableFile, load

from conftest import ROOT, AppServer, free_port, run_cli

NEW = "一、数字政府\n一是推进政务数据共享。全区建成政务数据共享平台，汇聚数据资源目录4321余项。\n"


# ---------------------------------------------------------------- bad questions
def test_cli_bad_questions_clear_message_index_unchanged(seed_copy):
    before = IndexStore(seed_copy).info()
    for raw in ["", "   ", "？！。，", "😀😀"]:
        result = run_cli("retriever", "--data-dir", str(seed_copy), "ask", raw)
        assert result.returncode == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    long = run_cli("retriever", "--data-dir", str(seed_copy), "ask", "审批时间" * 2500, "--json")
    assert long.returncode == 0 and "只用了前500个字" in json.loads(long.stdout)["warnings"][0]
    assert IndexStore(seed_copy).info() == before


# ---------------------------------------------------------------- bad files
def test_huge_file_refused_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:           # 200 MB, sparse: costs no disk and no time
        fh.truncate(200 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="200 MB, over the 50 MB limit"):
        load(big)
    assert time.perf_counter() - started < 1


def test_mixed_encodings_get_an_outcome_not_a_crash(tmp_path):
    mixed = tmp_path / "mixed.txt"
    mixed.write_bytes("第一段是UTF-8编码的内容。\n".encode() + "第二段是GBK编码的内容。\n".encode("gbk"))
    try:
        loaded = load(mixed)
        assert loaded.blocks                       # decoded one way; garbled parts are reported by cleaning
    except UnreadableFile as exc:
        assert "decode" in str(exc)


def test_odd_file_names_are_ingested_by_content(tmp_path, embedder):
    from ingest.pipeline import Ingestor

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "報告 ‮txt.exe 🚀.txt").write_text(NEW, encoding="utf-8")
    summary = Ingestor(tmp_path / "data", embedder).ingest_paths([folder])
    assert len(summary.added) == 1 and "/" not in summary.added[0]


def test_uploads_get_safe_generated_names(tmp_path):
    from ui.state import AppState

    state = AppState(tmp_path / "data", corpus=None)
    source = tmp_path / "x"
    source.write_text(NEW, encoding="utf-8")
    for hostile in ["../../etc/passwd.txt", "..\\..\\win.ini.md", "a/b/../../c.txt", "<script>.html", "報告‮.txt"]:
        saved = state.save_upload(str(source), hostile)
        assert saved.parent == state.uploads and saved.exists()
        assert ".." not in saved.name and "/" not in saved.name and "<" not in saved.name
    assert state.save_upload(str(source), "payload.exe") is None


# ---------------------------------------------------------------- concurrency
def test_two_ingests_are_serialised(seed_copy, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "new.txt").write_text(NEW, encoding="utf-8")
    with IngestLock(seed_copy):
        process = subprocess.Popen([sys.executable, "-m", "ingest", str(folder)], cwd=ROOT,
                                   env={**os.environ, "RAG_DATA_DIR": str(seed_copy)},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4)
        assert process.poll() is None                               # waiting, not interleaving
        assert IndexStore(seed_copy).info().documents == 1
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0 and "waiting for it to finish" in err
    assert IndexStore(seed_copy).info().documents == 2


def test_questions_during_an_ingest_use_the_last_complete_index(seed_copy, tmp_path, embedder):
    from ingest.pipeline import Ingestor
    from retriever.service import Retriever

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        (folder / f"n{i}.txt").write_text(NEW.replace("4321", str(4321 + i)), encoding="utf-8")
    retriever = Retriever(seed_copy, embedder=embedder)
    errors, answers = [], []

    def ask_repeatedly(stop):
        while not stop.is_set():
            try:
                answers.append(retriever.ask("售电体制改革为企业节约了多少电费？"))
            except Exception as exc:                               # noqa: BLE001 - the test reports it
                errors.append(exc)

    stop = threading.Event()
    worker = threading.Thread(target=ask_repeatedly, args=(stop,))
    worker.start()
    Ingestor(seed_copy, embedder).ingest_paths([folder])
    stop.set()
    worker.join()
    assert not errors and answers and all("3.29" in a.answer for a in answers)
    after = retriever.ask("政务数据共享平台汇聚了多少项数据资源目录？")   # same object, no restart
    assert "432" in after.answer


# ---------------------------------------------------------------- damaged files
def test_damaged_vector_file_is_rebuilt_from_sqlite(seed_copy, embedder):
    from retriever.service import Retriever

    for faiss_file in [*seed_copy.glob("vectors-*.faiss"), *seed_copy.glob("pieces-*.faiss")]:
        faiss_file.write_bytes(b"garbage")
    retriever = Retriever(seed_copy, embedder=embedder)
    assert "3.29" in retriever.ask("售电体制改革为企业节约了多少电费？").answer
    english = retriever.ask("How much did the electricity sales reform save enterprises on power bills?")
    assert "3.29" in english.answer                                  # English questions search the pieces
    for kind in ("vectors", "pieces"):
        (rebuilt,) = seed_copy.glob(f"{kind}-*.faiss")
        assert rebuilt.stat().st_size > 1000


def test_damaged_sqlite_says_how_to_repair(seed_copy):
    db = seed_copy / "index.sqlite"
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    data = bytearray(db.read_bytes())
    data[:16] = b"this is no db!!!"
    data[100:4096] = os.urandom(3996)
    db.write_bytes(bytes(data))
    with pytest.raises(IndexError_, match="python -m ingest --rebuild"):
        IndexStore(seed_copy)
    ask = run_cli("retriever", "--data-dir", str(seed_copy), "ask", "审批时间？")
    assert ask.returncode == 2 and "python -m ingest --rebuild" in ask.stderr and "Traceback" not in ask.stderr
    ingest = run_cli("ingest", "--data-dir", str(seed_copy))
    assert ingest.returncode == 2 and "--rebuild" in ingest.stderr and "Traceback" not in ingest.stderr
    rebuild = run_cli("ingest", "--data-dir", str(seed_copy), "--rebuild", "--json")
    assert rebuild.returncode == 0, rebuild.stderr
    assert "moved it to index.sqlite.damaged-" in rebuild.stderr
    assert IndexStore(seed_copy).info().documents == 1


def test_missing_index_says_what_to_run(tmp_path):
    result = run_cli("retriever", "--data-dir", str(tmp_path / "nothing"), "ask", "审批时间？")
    assert result.returncode == 2 and "python -m ingest" in result.stderr


def test_damaged_model_cache_is_detected_and_rebuilt(tmp_path, monkeypatch):
    from embedding import cache

    real = cache.cache_root() / cache.FOLDER_NAME
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path))
    copy = tmp_path / cache.FOLDER_NAME
    shutil.copytree(real, copy)
    with open(copy / "model.safetensors", "r+b") as fh:
        fh.truncate(1000)
    assert "damaged" in cache.check_folder(copy)
    with pytest.raises(cache.ModelCacheError, match="damaged"):
        cache.default_model_path(build=False)
    messages = []
    assert cache.default_model_path(log=messages.append) == copy
    assert cache.check_folder(copy) is None and "rebuilding" in messages[0]


# ---------------------------------------------------------------- exposure
def test_public_host_without_auth_warns(tmp_path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "ui", "--host", "0.0.0.0", "--port", str(port),
                                "--data-dir", str(tmp_path / "d"), "--no-corpus"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()
    finally:
        process.kill()
        process.wait()
    assert first.startswith("WARNING: serving on 0.0.0.0 without --auth")


@pytest.mark.e2e
def test_auth_and_secrets_stay_out_of_the_page(seed_index, tmp_path):
    import httpx
    from gradio_client import Client

    data = tmp_path / "data"
    shutil.copytree(seed_index, data, ignore=shutil.ignore_patterns("ingest.lock"))
    secret = "sk-test-do-not-leak-4242"
    server = AppServer(data, ["--auth", "alice:wonder-land", "--no-corpus"],
                       env={"RAG_LLM_BASE_URL": "http://127.0.0.1:9", "RAG_LLM_MODEL": "m", "RAG_LLM_API_KEY": secret})
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                client = Client(server.url, auth=("alice", "wonder-land"), verbose=False)
                if client.predict("审批时间压减到多少个工作日？", 3, api_name="/ask").get("error") != "not_ready":
                    break
            except Exception:
                time.sleep(1)
        result = client.predict("审批时间压减到多少个工作日？", 3, api_name="/ask")
        assert "13" in result["answer"]
        with pytest.raises(Exception, match="(?i)login|auth|401|403|credentials"):
            Client(server.url, verbose=False).predict("审批？", 3, api_name="/ask")
        anonymous = httpx.get(server.url + "config", timeout=10)
        assert anonymous.status_code in (401, 403) or "auth_required" in anonymous.text
        session = httpx.Client()
        session.post(server.url + "login", data={"username": "alice", "password": "wonder-land"}, timeout=10)
        for path in ("", "config", "gradio_api/info"):
            assert secret not in session.get(server.url + path, timeout=10).text
        # The REST API asks for the same login (HTTP Basic, or as a Bearer key); /healthz does not.
        asked = {"question": "审批时间压减到多少个工作日？"}
        assert httpx.post(server.url + "api/ask", json=asked, timeout=60).status_code == 401
        assert httpx.get(server.url + "api/documents", timeout=10).status_code == 401
        assert "13" in httpx.post(server.url + "api/ask", json=asked, auth=("alice", "wonder-land"), timeout=60).json()["answer"]
        chat = {"messages": [{"role": "user", "content": asked["question"]}]}
        assert httpx.post(server.url + "v1/chat/completions", json=chat, timeout=60,
                          headers={"Authorization": "Bearer alice:wonder-land"}).status_code == 200
        assert httpx.get(server.url + "healthz", timeout=10).json() == {"status": "ready"}
    finally:
        server.stop()
    assert secret not in Path(server.log.name).read_text()
    feedback = data / "feedback.sqlite"
    assert not feedback.exists() or secret.encode() not in feedback.read_bytes()


@pytest.mark.e2e
def test_load_twenty_clients_while_uploading(app_server, tmp_path):
    """A short version of benchmarks/load_test.py: no request may fail."""
    from gradio_client import Client, handle_file

    questions = ["黄埔区累计引进了多少家外资企业？", "售电体制改革为企业节约了多少电费？", "黃埔區構建了幾級響應管理機制？",
                 "黄埔区的平均房价是多少？", "How many garbage sorting model communities were built?"]
    stop = time.time() + 15
    errors, latencies = [], []

    def client_loop(i):
        client = Client(app_server.url, verbose=False)
        n = 0
        while time.time() < stop:
            started = time.perf_counter()
            try:
                result = client.predict(questions[(i + n) % len(questions)], 3, api_name="/ask")
                assert "answer" in result and "error" not in result
                latencies.append(time.perf_counter() - started)
            except Exception as exc:                                   # noqa: BLE001
                errors.append(repr(exc))
            n += 1

    report = tmp_path / "load-upload.txt"
    report.write_text(NEW.replace("4321", "8765"), encoding="utf-8")
    with concurrent.futures.ThreadPoolExecutor(21) as pool:
        futures = [pool.submit(client_loop, i) for i in range(20)]
        time.sleep(3)
        upload = Client(app_server.url, verbose=False).predict([handle_file(str(report))], api_name="/upload")
        for f in futures:
            f.result()
    assert not errors, errors[:3]
    assert len(latencies) >= 20 and "新增 1 份" in upload[0]
