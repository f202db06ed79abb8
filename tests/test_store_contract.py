"""One contract for both storage backends (``index.protocol.Store``): the embedded SQLite +
FAISS index and PostgreSQL + pgvector (a real server, ``postgres_server``). Made-up
reports and the fake embedder: what is written is read back, searched, scoped, removed,
rolled back and locked the same way in both."""
from __future__ import annotations

import threading

import pytest

from index import IndexBusy, ingest_lock, open_store
from ingest.pipeline import Ingestor
from tests.fakes import FakeEmbedder
from tests.test_library import XINGHE, YUNHAI

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch, tmp_path):
    """The library's data dir, with $RAG_DATABASE_URL set to a fresh database for postgres."""
    if request.param == "postgres":
        monkeypatch.setenv("RAG_DATABASE_URL", request.getfixturevalue("postgres_server")())
    else:
        monkeypatch.delenv("RAG_DATABASE_URL", raising=False)
    return tmp_path / "data"


@pytest.fixture()
def library(backend, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "yunhai.txt").write_text(YUNHAI, encoding="utf-8")
    (folder / "xinghe.txt").write_text(XINGHE, encoding="utf-8")
    embedder = FakeEmbedder()
    summary = Ingestor(backend, embedder).ingest_paths([folder])
    assert sorted(summary.added) == ["xinghe", "yunhai"]
    return backend, folder, embedder


def test_documents_and_chunks_read_back(library):
    data, _, _ = library
    store = open_store(data)
    info = store.info()
    assert (info.documents, info.model, info.dim, info.generation) == (2, "fake-bigrams-256", 256, 1)
    doc = store.document("xinghe")
    assert doc.record["place"] == "兴和县" and doc.chunk_count == len(store.chunks_of("xinghe")) == info.chunks - 3
    assert [d.doc_id for d in store.documents()] == sorted(d.doc_id for d in store.documents())
    chunks = store.chunks_of("xinghe")
    assert [c.ord for c in chunks] == sorted(c.ord for c in chunks)
    assert store.chunks([chunks[0].id])[chunks[0].id].text == chunks[0].text
    assert chunks[0].report == "2031年兴和县政府工作报告"
    assert store.document_states()["xinghe"][1] == "file"
    assert "森林覆盖率提高到68%" in store.folded_text(["xinghe"]) and "森林" not in store.folded_text(["yunhai"])


def test_keyword_search_ranks_scopes_and_counts(library):
    store = open_store(library[0])
    (best, score), *_ = store.keyword_search(["森林", "覆盖率"], 5)
    assert "森林覆盖率" in store.chunks([best])[best].text and score > 0
    assert store.keyword_search(["森林"], 5, within=["yunhai"]) == []
    scoped = store.keyword_search(["地区", "生产总值"], 10, within=["yunhai"])
    assert scoped and {store.chunks([i])[i].doc_id for i, _ in scoped} == {"yunhai"}
    assert store.term_document_frequency(["森林", "不存在的词"]) == {"森林": 1, "不存在的词": 0}
    assert store.term_document_frequency(["地区"], within=["xinghe"])["地区"] == 2
    assert store.term_chunks(["森林"])["森林"] == {best}
    assert store.chunk_count(["xinghe"]) == len(store.chunks_of("xinghe"))
    generation, rows = store.all_chunk_terms()
    assert generation == store.generation and len(rows) == store.info().chunks


def test_a_scoped_keyword_search_scores_with_the_scopes_statistics(library):
    """A report searched on its own ranks and scores its passages the same whatever else
    the library holds: a report full of the searched words, added beside it, changes nothing."""
    data, folder, embedder = library
    terms = ["地区", "生产总值", "就业"]
    before = open_store(data).keyword_search(terms, 10, within=["xinghe"])
    unscoped = open_store(data).keyword_search(terms, 10)
    (folder / "more.txt").write_text("2031年云岭县政府工作报告\n" + "地区生产总值增长，城镇新增就业。\n" * 6, encoding="utf-8")
    Ingestor(data, embedder).ingest_paths([folder])
    store = open_store(data)
    after = store.keyword_search(terms, 10, within=["xinghe"])
    assert [i for i, _ in after] == [i for i, _ in before]
    assert [s for _, s in after] == pytest.approx([s for _, s in before])
    moved = dict(store.keyword_search(terms, 10))       # the library's own statistics did move
    assert any(moved.get(i) != pytest.approx(s) for i, s in unscoped)
    everything = [d.doc_id for d in store.documents()]
    whole, library = store.keyword_search(terms, 10, within=everything), store.keyword_search(terms, 10)
    assert [i for i, _ in whole] == [i for i, _ in library]
    assert [s for _, s in whole] == pytest.approx([s for _, s in library])


def test_vector_search_finds_the_passage_and_keeps_to_the_scope(library):
    data, _, embedder = library
    store = open_store(data)
    query = embedder.embed_query("全县森林覆盖率提高到68%")
    (best, cosine), *rest = store.vector_search(query, 3)
    assert "森林覆盖率" in store.chunks([best])[best].text
    assert all(cosine >= s for _, s in rest)
    assert store.cosines(query, [best])[best] == pytest.approx(cosine, abs=1e-5)
    assert store.piece_search(query, 1)[0][0] == best
    assert store.piece_cosines(query, [best])[best] >= cosine - 1e-5
    scoped = store.vector_search(query, 3, within=["yunhai"])
    assert len(scoped) == 3 and {store.chunks([i])[i].doc_id for i, _ in scoped} == {"yunhai"}


def test_stored_vectors_read_back_and_the_reader_embeds_only_the_rest(library):
    """A chunk's vector comes back by its text's hash; the reader's embedder (StoredFirst)
    returns the model's vectors for every text but embeds only those the store lacks."""
    from index.store import sha256_text
    from retriever.stored import StoredFirst

    data, _, embedder = library
    store = open_store(data)
    chunk = store.chunks_of("xinghe")[0]
    stored = store.stored_vectors([sha256_text(chunk.text), sha256_text("库中没有的句子")])
    assert list(stored) == [sha256_text(chunk.text)]
    assert stored[sha256_text(chunk.text)] == pytest.approx(embedder.embed_documents([chunk.text])[0], abs=1e-6)

    class Counting(FakeEmbedder):
        embedded: list[str] = []

        def embed_documents(self, texts, **kwargs):
            self.embedded += list(texts)
            return super().embed_documents(texts, **kwargs)

    model = Counting()
    texts = ["库中没有的句子", chunk.text]
    vectors = StoredFirst(model, store).embed_documents(texts)
    assert model.embedded == ["库中没有的句子"]
    assert vectors == pytest.approx(FakeEmbedder().embed_documents(texts), abs=1e-6)


def test_unchanged_reports_embed_nothing_and_removal_takes_everything(library):
    data, folder, embedder = library
    calls = embedder.calls
    again = Ingestor(data, embedder).ingest_paths([folder])
    assert sorted(again.unchanged) == ["xinghe", "yunhai"] and embedder.calls == calls
    before = open_store(data)
    assert before.term_document_frequency(["森林"], within=["xinghe"]) == {"森林": 1}
    summary = Ingestor(data, embedder).remove(["xinghe"])
    assert before.term_document_frequency(["森林"], within=["xinghe"]) == {"森林": 0}   # no stale count
    assert summary.removed == ["xinghe"]
    store = open_store(data)
    assert store.document("xinghe") is None and store.info().documents == 1
    assert store.keyword_search(["森林"], 5) == [] and store.term_document_frequency(["森林"]) == {"森林": 0}
    hits = store.vector_search(embedder.embed_query("全县森林覆盖率"), 10)
    assert {store.chunks([i])[i].doc_id for i, _ in hits} == {"yunhai"}


def test_a_failed_write_changes_nothing(library):
    store = open_store(library[0])
    before = store.info()
    with pytest.raises(RuntimeError):
        with store.writer(store.model, None) as w:
            w.remove_document("xinghe")
            raise RuntimeError("crash mid-ingest")
    assert store.info() == before and store.document("xinghe") is not None


def test_record_edits_survive_a_rebuild(library):
    data, folder, embedder = library
    store = open_store(data)
    store.set_record("xinghe", {"place": "兴和县（新）"})
    Ingestor(data, embedder).rebuild([folder])
    assert open_store(data).document("xinghe").record["place"] == "兴和县（新）"
    assert open_store(data).info().documents == 2


def test_ingests_are_serialised(library):
    data = library[0]
    held = threading.Event()
    release = threading.Event()

    def hold():
        with ingest_lock(data):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    with pytest.raises(IndexBusy):
        with ingest_lock(data, wait=False):
            pass
    release.set()
    holder.join()
    with ingest_lock(data, wait=False):
        pass


def test_the_retriever_answers_from_either_backend(library):
    from benchmarks.fit_gate import Recorder
    from retriever.service import Retriever

    data, _, embedder = library
    retriever = Retriever(data, embedder=embedder, gate=Recorder())
    answer = retriever.ask("兴和县森林覆盖率提高到多少？")
    assert "68%" in answer.answer and answer.citations[0].doc_id == "xinghe"


def test_both_backends_rank_keywords_alike(postgres_server, tmp_path, monkeypatch):
    """BM25 in SQL over our terms scores as FTS5 does: same order, nearly the same scores."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "yunhai.txt").write_text(YUNHAI, encoding="utf-8")
    (folder / "xinghe.txt").write_text(XINGHE, encoding="utf-8")
    monkeypatch.delenv("RAG_DATABASE_URL", raising=False)
    Ingestor(tmp_path / "lite", FakeEmbedder()).ingest_paths([folder])
    lite = open_store(tmp_path / "lite")
    monkeypatch.setenv("RAG_DATABASE_URL", postgres_server())
    Ingestor(tmp_path / "pg", FakeEmbedder()).ingest_paths([folder])
    pg = open_store(tmp_path / "pg")
    for terms in (["地区", "生产总值", "增长"], ["城镇", "新增", "就业"], ["森林"]):
        ranked = [[(s.chunks([i])[i].text, round(score, 3)) for i, score in s.keyword_search(terms, 5)]
                  for s in (lite, pg)]
        assert [t for t, _ in ranked[0]] == [t for t, _ in ranked[1]], terms
        assert [x for _, x in ranked[0]] == pytest.approx([x for _, x in ranked[1]], rel=0.02), terms


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgres_large_library_search_reads_the_best_postings_first(library, monkeypatch):
    """Above EXACT_BELOW chunks vectors are searched through HNSW, and the keyword search reads a rare term's best postings
    first and rescores its candidates with all the terms: on this small library (where
    nothing is cut) it ranks as the exact search; with one posting read per term it still
    finds the term's best chunk, not whichever came first."""
    import index.postgres

    store = open_store(library[0])
    questions = (["地区", "生产总值", "增长"], ["城镇", "新增", "就业"], ["森林", "覆盖率"])
    exact = [store.keyword_search(terms, 5) for terms in questions]
    region = store.keyword_search(["地区"], 5)
    query = library[2].embed_query("全县森林覆盖率提高到68%")
    nearest = store.vector_search(query, 3)
    monkeypatch.setattr(index.postgres, "EXACT_BELOW", 0)
    assert [i for i, _ in store.vector_search(query, 3)] == [i for i, _ in nearest]      # through HNSW
    for terms, ranked in zip(questions, exact):
        cut = store.keyword_search(terms, 5)
        assert [i for i, _ in cut] == [i for i, _ in ranked]
        assert [s for _, s in cut] == pytest.approx([s for _, s in ranked])
    monkeypatch.setattr(index.postgres, "PER_TERM", 1)
    assert len(region) > 1 and [i for i, _ in store.keyword_search(["地区"], 5)] == [region[0][0]]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_postgres_rebuild_builds_its_search_indexes_after_the_rows(library, monkeypatch):
    """A rebuild writes every row again with the search indexes dropped, then builds them:
    they are all there afterwards, and both search paths find what they found before."""
    import index.postgres

    data, folder, embedder = library
    query = embedder.embed_query("全县森林覆盖率提高到68%")

    def found(store):
        return ([store.chunks([i])[i].text for i, _ in store.keyword_search(["森林", "覆盖率"], 3)],
                [store.chunks([i])[i].text for i, _ in store.vector_search(query, 3)])

    monkeypatch.setattr(index.postgres, "EXACT_BELOW", 0)       # the index paths: HNSW, best postings first
    before = found(open_store(data))
    Ingestor(data, embedder).rebuild([folder])
    store = open_store(data)
    names = {r[0] for r in store._conn().execute(
        "SELECT indexname FROM pg_indexes WHERE tablename IN ('postings', 'chunks', 'pieces')").fetchall()}
    assert {"postings_by_chunk", "postings_best_first", "chunks_hnsw", "pieces_hnsw"} <= names
    assert found(store) == before


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_version_1_postgres_library_is_upgraded_in_place(library):
    """Version 1 stored postings without their chunk's length: opening it adds what is
    missing and ranks as before."""
    from index.postgres import PostgresStore

    store = open_store(library[0])
    before = store.keyword_search(["地区", "生产总值", "增长"], 5)
    store._conn().execute("DROP INDEX postings_best_first; ALTER TABLE postings DROP COLUMN weight,"
                          " DROP COLUMN n_terms; UPDATE meta SET value = '1' WHERE key = 'schema'")
    reopened = PostgresStore(store.url)
    assert reopened.meta("schema") == "2" and reopened.keyword_search(["地区", "生产总值", "增长"], 5) == before


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_dropped_database_connection_is_made_again_or_reported(library):
    """The server drops the readers' connections (a restart): the next search reconnects.
    When the server cannot be reached at all, the error says so (in Chinese too)."""
    import psycopg

    from index import LibraryUnavailable

    store = open_store(library[0])
    url = store.url

    def drop_connections():
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = current_database() AND pid <> pg_backend_pid()")

    found = store.keyword_search(["森林"], 5)
    drop_connections()
    assert store.keyword_search(["森林"], 5) == found
    store.url = url.split("?")[0] + "?host=/nonexistent-socket-dir"      # and now the server is gone
    drop_connections()
    with pytest.raises(LibraryUnavailable) as caught:
        store.documents()
    assert "cannot be reached" in str(caught.value) and "数据库" in caught.value.zh


def test_migration_moves_everything_and_embeds_nothing(postgres_server, tmp_path, monkeypatch, capsys):
    from index.__main__ import main
    from index.migrate import migrate

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "yunhai.txt").write_text(YUNHAI, encoding="utf-8")
    (folder / "xinghe.txt").write_text(XINGHE, encoding="utf-8")
    monkeypatch.delenv("RAG_DATABASE_URL", raising=False)
    embedder = FakeEmbedder()
    Ingestor(tmp_path / "data", embedder).ingest_paths([folder / "yunhai.txt"])    # ids not in name order
    Ingestor(tmp_path / "data", embedder).ingest_paths([folder])
    lite = open_store(tmp_path / "data")
    lite.set_record("xinghe", {"speaker": "王县长"})
    url = postgres_server()
    assert main(["migrate", "--to", url, "--data-dir", str(tmp_path / "data")]) == 0
    assert "migrated 2 documents" in capsys.readouterr().out
    monkeypatch.setenv("RAG_DATABASE_URL", url)
    moved = open_store(tmp_path / "data")
    assert moved.document("xinghe").record["speaker"] == "王县长"
    texts = {c.id: c.text for d in ("xinghe", "yunhai") for c in lite.chunks_of(d)}
    assert {c.id: c.text for d in ("xinghe", "yunhai") for c in moved.chunks_of(d)} == texts   # ids kept
    calls = embedder.calls
    summary = Ingestor(tmp_path / "data", embedder).ingest_paths([folder])
    assert sorted(summary.unchanged) == ["xinghe", "yunhai"] and embedder.calls == calls and not summary.terms_recut
    (folder / "new.txt").write_text("2032年新区工作报告\n一、建设\n新区建成公园12个。\n", encoding="utf-8")
    Ingestor(tmp_path / "data", embedder).ingest_paths([folder])
    assert min(c.id for c in open_store(tmp_path / "data").chunks_of("new")) > max(texts)   # numbered after
    with pytest.raises(SystemExit):
        migrate(tmp_path / "data", url, progress=lambda line: None)      # not into a library that has documents
