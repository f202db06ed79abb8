"""Ingest end to end with the real model and a real index: incremental re-ingest (add,
change, rename, duplicate, delete), the command line, and a killed ingest."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from embedding.model import Embedder
from index import IndexStore
from ingest.config import CLEANING_VERSION
from ingest.pipeline import Ingestor

from conftest import ROOT, SEED, run_cli

NEW_REPORT = ("一、数字政府建设\n"
              "一是推进政务数据共享。全区建成政务数据共享平台，汇聚数据资源目录1200余项，实现跨部门数据调用380万次。\n"
              "二是推进掌上办事。上线“穗好办”黄埔专区，可办事项达到1560项，群众满意率保持在99%以上。\n")


class CountingEmbedder(Embedder):
    """The real model, but it can tell whether it was loaded at all."""

    loads = 0

    @property
    def model(self):
        if self._model is None:
            type(self).loads += 1
        return super().model


def test_incremental_add_change_rename_duplicate_delete(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "digital.txt").write_text(NEW_REPORT, encoding="utf-8")
    data = tmp_path / "data"
    run = lambda: Ingestor(data, embedder).ingest_paths([corpus])

    first = run()
    assert sorted(first.added) == sorted(["digital", SEED.stem]) and first.embedded > 30

    calls = embedder.calls
    again = run()
    assert sorted(again.unchanged) == sorted(first.added) and not again.changed
    assert embedder.calls == calls and again.embedded == 0                   # zero model calls

    (corpus / "digital.txt").write_text(NEW_REPORT.replace("1560项", "1888项"), encoding="utf-8")
    changed = run()
    assert changed.updated == ["digital"]
    assert changed.embedded == 1                # only the edited chunk is new text
    store = IndexStore(data)
    assert "1888项" in store.document("digital").text and "1560项" not in store.document("digital").text

    (corpus / "digital.txt").rename(corpus / "digital-renamed.txt")
    moved = run()
    assert moved.moved == ["digital"] and moved.embedded == 0 and not moved.added
    assert store.document("digital").source.endswith("digital-renamed.txt")

    shutil.copy(corpus / "digital-renamed.txt", corpus / "copy-of-digital.txt")
    duplicate = run()
    assert not duplicate.added and [s["kind"] for s in duplicate.skipped] == ["duplicate"]
    assert store.info().documents == 2

    (corpus / "copy-of-digital.txt").unlink()
    (corpus / "digital-renamed.txt").unlink()
    removed = run()
    assert removed.removed == ["digital"]
    assert store.info().documents == 1
    assert all(c.doc_id != "digital" for c in store.chunks(list(range(1, 500))).values())


def test_unchanged_reingest_does_not_load_the_model(seed_copy):
    CountingEmbedder.loads = 0
    summary = Ingestor(seed_copy, CountingEmbedder()).ingest_paths([ROOT / "corpus"])
    assert summary.unchanged and not summary.changed
    assert CountingEmbedder.loads == 0


def test_broken_file_skipped_rest_ingested(tmp_path, embedder):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(NEW_REPORT, encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    (folder / "empty.md").write_bytes(b"")
    summary = Ingestor(tmp_path / "data", embedder).ingest_paths([folder])
    assert summary.added == ["good"]
    assert {s["file"].rsplit("/", 1)[-1] for s in summary.failed} == {"broken.pdf", "empty.md"}


def test_a_broken_new_version_keeps_the_old_one(tmp_path, embedder):
    folder = tmp_path / "in"
    folder.mkdir()
    report = folder / "report.md"
    report.write_text(NEW_REPORT, encoding="utf-8")
    data = tmp_path / "data"
    Ingestor(data, embedder).ingest_paths([folder])
    report.write_bytes(b"\x00\x01binary garbage")
    summary = Ingestor(data, embedder).ingest_paths([folder])
    assert summary.failed and not summary.removed
    assert "1200余项" in IndexStore(data).document("report").text


def test_jsonl_corpus_keeps_doc_ids(tmp_path, embedder):
    jsonl = tmp_path / "corpus.jsonl"
    rows = [{"doc_id": "x-1", "title": "甲", "text": "甲城新建学校三所。"},
            {"doc_id": "x-2", "title": "乙", "text": "乙城修建公路二十公里。"}]
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\nnot json\n", encoding="utf-8")
    data = tmp_path / "data"
    summary = Ingestor(data, embedder).ingest_jsonl(jsonl)
    assert sorted(summary.added) == ["x-1", "x-2"] and summary.failed[0]["file"].endswith(":3")
    jsonl.write_text(json.dumps(rows[0], ensure_ascii=False) + "\n", encoding="utf-8")
    again = Ingestor(data, embedder).ingest_jsonl(jsonl)
    assert again.unchanged == ["x-1"] and again.removed == ["x-2"]


def test_model_mismatch_refused(seed_copy):
    from index import IndexError_

    class Other(Embedder):
        def __init__(self):
            super().__init__("some-other-model")

    folder = seed_copy.parent / "more"
    folder.mkdir()
    (folder / "n.txt").write_text(NEW_REPORT, encoding="utf-8")
    other = Other()
    other.embed_documents = lambda texts, **kw: __import__("numpy").ones((len(texts), 384), "float32")
    with pytest.raises(IndexError_, match="rebuild"):
        Ingestor(seed_copy, other).ingest_paths([folder])


def test_cli_summary_list_remove_and_json(seed_copy):
    env = {"RAG_DATA_DIR": str(seed_copy)}
    unchanged = run_cli("ingest", "--json", env=env)
    assert unchanged.returncode == 0, unchanged.stderr
    summary = json.loads(unchanged.stdout)
    assert summary["unchanged"] == [SEED.stem] and summary["embedded"] == 0 and summary["seconds"] < 5
    listing = run_cli("ingest", "--list", env=env)
    assert SEED.stem in listing.stdout and "pinyin removed 1344" in listing.stdout
    removed = run_cli("ingest", "--remove", SEED.name, "--json", env=env)
    assert json.loads(removed.stdout)["removed"] == [SEED.stem]
    assert "0 documents" in run_cli("ingest", "--list", env=env).stdout
    missing = run_cli("ingest", str(seed_copy / "nope.txt"), env=env)
    assert missing.returncode == 1 and "no such file" in missing.stdout


def _ingest_process(data, corpus, extra_env=None):
    env = {**os.environ, "RAG_DATA_DIR": str(data), **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-m", "ingest", str(corpus), "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("crash", ["timer:4", "timer:10", "before-commit", "after-commit"])
def test_kill_minus_9_leaves_old_or_new_index(seed_copy, tmp_path, crash):
    """Kill an ingest at several points (after a delay: loading or embedding; exactly in
    the write transaction; between the commit and the vector file): the index is the old
    one or the new one, never a mixture, and the next ingest completes."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    for i in range(6):
        (corpus / f"extra-{i}.txt").write_text(NEW_REPORT.replace("1200", str(1300 + i)), encoding="utf-8")
    before = IndexStore(seed_copy).info()
    if crash.startswith("timer:"):
        process = _ingest_process(seed_copy, corpus)
        time.sleep(float(crash.split(":")[1]))
        process.send_signal(signal.SIGKILL)
        process.wait()
    else:
        process = _ingest_process(seed_copy, corpus, {"RAG_CRASH_AT": crash})
        process.wait(timeout=300)
        assert process.returncode == -signal.SIGKILL
        committed = IndexStore(seed_copy).info()
        if crash == "before-commit":
            assert committed.documents == before.documents
        else:       # committed, but killed before the vector file for it was written
            assert committed.documents == 7
            assert not (seed_copy / f"vectors-{committed.generation}.faiss").exists()
    store = IndexStore(seed_copy)
    info = store.info()
    assert (info.documents, info.chunks) in {(before.documents, before.chunks), (7, before.chunks + 12)}
    assert len(store.chunks(list(range(1, 10_000)))) == info.chunks        # every chunk row is whole
    _, index = store.vector_index()
    assert index.ntotal == info.chunks                                     # vectors match the rows
    finished = _ingest_process(seed_copy, corpus)
    out, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err
    assert IndexStore(seed_copy).info().documents == 7


def test_pieces_stored_with_vectors_removed_with_their_document(seed_copy, embedder):
    """Each chunk's pieces (its sentences) get rows and vectors; the closest piece ranks
    its chunk; removing the document removes its pieces and their vectors."""
    import sqlite3

    from index import IndexStore
    from ingest.pipeline import Ingestor

    store = IndexStore(seed_copy)
    db = sqlite3.connect(seed_copy / "index.sqlite")
    chunks, pieces = db.execute("SELECT (SELECT count(*) FROM chunks), (SELECT count(*) FROM pieces)").fetchone()
    assert pieces > 2 * chunks          # the report's chunks are a few sentences each
    assert db.execute("SELECT count(*) FROM pieces p LEFT JOIN vectors v USING (text_hash)"
                      " WHERE v.vector IS NULL").fetchone()[0] == 0
    assert db.execute("SELECT count(DISTINCT chunk_id) FROM pieces").fetchone()[0] == chunks
    sentence = "推出全国首支纯专利知识产权证券化产品，为区内11家民营科技企业融资3.01亿元"
    query = embedder.embed_query(sentence)
    best, cosine = store.piece_search(query, 1)[0]
    assert "融資3.01億元" in store.chunks([best])[best].text
    assert cosine > store.cosines(query, [best])[best] + 0.01   # the sentence beats its passage
    assert store.piece_cosines(query, [best]) == {best: pytest.approx(cosine, abs=1e-5)}

    (doc,) = store.documents()
    Ingestor(seed_copy, embedder).remove([doc.doc_id])
    assert db.execute("SELECT (SELECT count(*) FROM pieces), (SELECT count(*) FROM vectors)").fetchone() == (0, 0)
    assert IndexStore(seed_copy).piece_search(query, 5) == []


def test_index_of_the_previous_format_gains_pieces_in_place(seed_copy, embedder):
    """A version 2 index (no pieces) opens as is: each chunk becomes its own piece."""
    import sqlite3

    from retriever.service import Retriever

    db = sqlite3.connect(seed_copy / "index.sqlite")
    with db:
        db.execute("DROP TABLE pieces")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    db.close()
    for old in seed_copy.glob("pieces-*.faiss"):
        old.unlink()
    retriever = Retriever(seed_copy, embedder=embedder)
    assert retriever.store.meta("schema") == "4"
    db = sqlite3.connect(seed_copy / "index.sqlite")
    assert db.execute("SELECT count(*) FROM pieces p JOIN chunks c ON c.id = p.chunk_id"
                      " AND c.text_hash = p.text_hash").fetchone()[0] == retriever.store.info().chunks
    answer = retriever.ask("How much did the electricity sales reform save enterprises on power bills?")
    assert not answer.abstained and "3.29" in answer.answer


def test_keyword_terms_cut_by_older_code_are_cut_anew_by_the_next_ingest(seed_copy, embedder):
    """An index whose keyword terms an older version cut (meta 'keywords' older or absent)
    gets them cut anew by the next ingest, even with no file changed: no --rebuild, no
    model call."""
    import sqlite3

    db = sqlite3.connect(seed_copy / "index.sqlite")
    with db:
        db.execute("UPDATE chunk_terms SET terms = 'stale'")
        db.execute("DELETE FROM meta WHERE key = 'keywords'")
    db.close()
    assert IndexStore(seed_copy).keyword_search(["纪委书记"], 5) == []
    generation = IndexStore(seed_copy).generation
    summary = Ingestor(seed_copy, embedder).ingest_paths([SEED])
    store = IndexStore(seed_copy)
    assert summary.unchanged == [SEED.stem] and summary.embedded == 0
    assert summary.changed and summary.terms_recut == store.info().chunks
    assert store.keyword_search(["stale"], 5) == []
    assert len(store.keyword_search(["纪委书记"], 5)) == 1 and store.generation == generation + 1
    again = Ingestor(seed_copy, embedder).ingest_paths([SEED])
    assert not again.changed and IndexStore(seed_copy).generation == generation + 1


def test_an_index_cleaned_by_older_rules_is_rebuilt_by_the_next_ingest(seed_copy, embedder):
    """An index written under older cleaning rules (meta 'cleaning' older or absent) keeps
    chunks today's rules would not make (here: one that became page furniture); the next
    ingest rebuilds every document from its file, with no file changed and nothing embedded."""
    import sqlite3

    before = IndexStore(seed_copy).info().chunks
    db = sqlite3.connect(seed_copy / "index.sqlite")
    with db:
        db.execute("UPDATE chunks SET text = '相关报道：' WHERE id = (SELECT min(id) FROM chunks)")
        db.execute("DELETE FROM meta WHERE key = 'cleaning'")
    db.close()
    summary = Ingestor(seed_copy, embedder).ingest_paths([SEED])
    store = IndexStore(seed_copy)
    assert summary.recleaned and summary.embedded == 0 and store.meta("cleaning") == CLEANING_VERSION
    assert store.info().chunks == before
    assert not any(c.text == "相关报道：" for d in store.documents() for c in store.chunks_of(d.doc_id))
    again = Ingestor(seed_copy, embedder).ingest_paths([SEED])
    assert not again.recleaned and not again.changed


def test_pieces_can_be_turned_off(tmp_path, embedder, monkeypatch):
    """RAG_PIECES=0: each chunk is its own piece, only the chunks are embedded."""
    import sqlite3

    from ingest.pipeline import Ingestor

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "报告.txt").write_text("审批改革\n" + "".join(f"第{i}项改革举措已经全面落地见效，惠及企业{i}千家。" for i in range(8))
                                   + "\n", encoding="utf-8")
    counts = {}
    for setting in ("1", "0"):
        monkeypatch.setenv("RAG_PIECES", setting)
        data = tmp_path / f"data-{setting}"
        summary = Ingestor(data, embedder).ingest_paths([folder])
        db = sqlite3.connect(data / "index.sqlite")
        counts[setting] = (summary.embedded, *db.execute(
            "SELECT (SELECT count(*) FROM chunks), (SELECT count(*) FROM pieces)").fetchone())
    embedded, chunks, pieces = counts["1"]
    assert pieces > chunks and embedded > chunks
    assert counts["0"] == (chunks, chunks, chunks)
