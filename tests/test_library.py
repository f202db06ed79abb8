"""A library of reports (README, "Asking a library"): records read at ingest, questions
scoped to the report they name, several reports' answers side by side, nothing lost by a
rebuild. Made-up reports and the fake embedder: no model, fast."""
from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from benchmarks.fit_gate import Recorder
from chinese.clean import fold_for_matching
from index import IndexStore
from ingest.metadata import read_metadata, split_end_matter, split_front_matter
from ingest.pipeline import Ingestor
from retriever.scope import Filter
from tests.fakes import FakeEmbedder

FRONT = """下载
打印
【字号：
大
中
】
2031年云海市政府工作报告
——二〇三一年一月二十日在云海市第九届人民代表大会第三次会议上
市长　林清
全体代表在会场。本报记者 王明 摄
各位代表：
"""
YUNHAI = FRONT + """现在，我代表市人民政府，向大会报告工作，请予审议。
一、2030年工作回顾
全市地区生产总值增长6.1%，城镇新增就业9.5万人。新建保障性住房3200套。
二、2031年主要目标
地区生产总值增长5.5%左右，城镇新增就业9万人以上。
"""
XINGHE = """2031年兴和县政府工作报告
——2031年1月8日在兴和县第五届人民代表大会第二次会议上
各位代表：
现在，我代表县人民政府，向大会报告工作。
一、2030年工作回顾
全县地区生产总值增长7.2%，新建农村公路120公里。全县森林覆盖率提高到68%。
二、2031年主要目标
地区生产总值增长6.5%左右，城镇新增就业1.2万人。
"""


@pytest.fixture()
def library(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "yunhai.txt").write_text(YUNHAI, encoding="utf-8")
    (folder / "xinghe.txt").write_text(XINGHE, encoding="utf-8")
    data = tmp_path / "data"
    summary = Ingestor(data, FakeEmbedder()).ingest_paths([folder])
    assert len(summary.added) == 2 and not summary.failed
    return folder, data


def retriever_for(data, gate=None):
    from retriever.service import Retriever

    return Retriever(data, embedder=FakeEmbedder(), gate=gate or Recorder())


def test_front_matter_becomes_the_record_and_leaves_the_text(library):
    _, data = library
    store = IndexStore(data)
    doc = next(d for d in store.documents() if d.file_name == "yunhai.txt")
    record = doc.record
    assert (record["title"], record["place"], record["level"], record["year"], record["date"], record["kind"]) == \
        ("2031年云海市政府工作报告", "云海市", "市", "2031", "2031-01-20", "政府工作报告")
    assert record["speaker"] == "林清"
    for debris in ("下载", "【字号", "各位代表", "摄", "人民代表大会第九届"):
        assert debris not in doc.text
    assert doc.text.startswith("现在，我代表市人民政府")
    # Every citation names its report: title · place · year, as the chunks carry it.
    assert all(c.report == "2031年云海市政府工作报告" for c in store.chunks_of(doc.doc_id))


NATIONAL = """政府工作报告
——2031年3月5日在第二十届全国人民代表大会第二次会议上
国务院总理　周明
各位代表：
现在，我代表国务院，向大会报告政府工作，请予审议。
一、2030年工作回顾
国内生产总值增长5.3%，城镇新增就业1250万人。兴和县建成全国首个山地光伏示范园。
"""


def test_the_national_report_is_the_countrys_and_the_word_scopes_nothing(library):
    folder, data = library
    (folder / "guowuyuan.txt").write_text(NATIONAL, encoding="utf-8")
    assert Ingestor(data, FakeEmbedder()).ingest_paths([folder]).added == ["guowuyuan"]
    record = next(d.record for d in IndexStore(data).documents() if d.doc_id == "guowuyuan")
    assert (record["place"], record["level"], record["year"], record["speaker"]) == ("全国", "国家", "2031", "周明")
    retriever = retriever_for(data)
    answer = retriever.ask("城镇新增就业多少人？", scope=Filter.parse(where=["place=全国"]))
    assert {c.doc_id for c in answer.citations} == {"guowuyuan"}
    assert "政府工作报告 · 全国 · 2031年" in {c.report for c in answer.citations}
    # 全国首个 is a rank, not the national report: the question is asked of the whole library.
    assert retriever.scoper.run(retriever.prepare("哪里建成了全国首个山地光伏示范园？")).doc_ids is None
    assert retriever.scoper.run(retriever.prepare("兴和县建成了全国首个什么？")).doc_ids == {"xinghe"}


def test_a_web_pages_end_matter_and_a_lone_salutation_are_not_text():
    from index import Document
    from ingest.loaders import Block, LoadedFile
    from ingest.pipeline import build_chunks

    lines = YUNHAI.splitlines()
    body = lines[:-2] + ["各位代表！"] + lines[-2:] + ["责任编辑：周云", "相关报道：", "云海市代表热议政府工作报告", "打印本页"]
    doc = Document(doc_id="yunhai", title="", source="/x/yunhai.txt", origin="file", content_hash="", text="")
    chunks = build_chunks(doc, LoadedFile(title="", blocks=[Block(x) for x in body]), 300)
    assert doc.text.startswith("现在，我代表市人民政府") and doc.text.rstrip().endswith("城镇新增就业9万人以上。")
    assert not any(w in c.text for c in chunks for w in ("各位代表", "责任编辑", "热议", "打印本页"))
    assert doc.cleaning["end_matter_lines"] == 4


def test_end_matter_goes_only_at_the_end():
    body = ["一、总体情况", "全区完成投资80亿元，" * 20, "相关报道：", "全区代表热议报告", "打印本页"]
    assert split_end_matter(body) == 2
    # A marker-like line with much of the report after it is the report's own.
    assert split_end_matter(["相关报道：", "全区完成投资80亿元，" * 20]) == 2


def test_without_a_salutation_only_leading_debris_goes():
    front, start = split_front_matter(["下载", "打印", "一、总体情况", "全区完成投资80亿元。"])
    assert front == [] and start == 2
    assert read_metadata([], "黄埔区广州开发区改革工作报告", "x.txt")["places"] == ["黄埔区", "广州开发区"]
    # Not a report (no kind, no delivery line): its title's place is no scope.
    assert read_metadata([], "劲松站 (北京市)", "cmrc.jsonl")["place"] == ""


def test_a_question_naming_a_place_is_searched_in_that_report(library):
    retriever = retriever_for(library[1])
    answer = retriever.ask("云海市地区生产总值增长多少？")
    assert {h.chunk.doc_id for h in answer.hits} == {"yunhai"}
    assert "云海市" in answer.citations[0].report
    english = retriever.ask("What was the GDP growth of Xinghe?")
    assert {h.chunk.doc_id for h in english.hits} == {"xinghe"}


def test_a_question_about_the_district_is_searched_in_the_district_reports(library):
    """区里…… / "the district's ..." with no place named: the reports on a district, not the
    city's or the county's; with no district report in the library, all of them."""
    folder, data = library
    assert retriever_for(data).scoper.run(retriever_for(data).prepare("区里新建了多少公里道路？")).doc_ids is None
    (folder / "qingshan.txt").write_text("2031年青山区政府工作报告\n各位代表：\n全区新建道路35公里，新增绿地12公顷。\n",
                                         encoding="utf-8")
    Ingestor(data, FakeEmbedder()).ingest_paths([folder])
    retriever = retriever_for(data)
    for question in ("区里新建了多少公里道路？", "How many kilometres of roads did the district build?"):
        answer = retriever.ask(question)
        assert {h.chunk.doc_id for h in answer.hits} == {"qingshan"}, question
    assert "35公里" in retriever.ask("区里新建了多少公里道路？").answer
    assert {h.chunk.doc_id for h in retriever.ask("新建了多少公里道路？").hits} != {"qingshan"}


def test_a_follow_up_naming_another_place_asks_the_same_of_its_report(library):
    """"那兴和县呢？" after a question about 云海市: the same question, of 兴和县's report."""
    from retriever.conversation import Turn

    retriever = retriever_for(library[1])
    first_question = "云海市地区生产总值增长多少？"
    first = retriever.ask(first_question)
    assert "6.1%" in first.answer
    for follow_up in ("那兴和县呢？", "兴和呢？", "What about Xinghe?"):
        answer = retriever.ask(follow_up, history=[Turn.after(first_question, first)])
        assert answer.resolved_question == "兴和县地区生产总值增长多少？", follow_up
        assert {h.chunk.doc_id for h in answer.hits} == {"xinghe"} and "7.2%" in answer.answer
    # Another place and more: a question of its own, not the previous one naming both places.
    said_more = retriever.ask("那兴和县的森林覆盖率呢？", history=[Turn.after(first_question, first)])
    assert said_more.resolved_question is None and "68%" in said_more.answer
    assert {h.chunk.doc_id for h in said_more.hits} == {"xinghe"}


def test_who_when_and_where_a_report_was_delivered_is_quoted_from_its_front_matter(library):
    """The front matter is the record, not searched text; a question about it is answered
    from the record, citing the front matter's line (README, "How a question is answered")."""
    retriever = retriever_for(library[1])
    who = retriever.ask("云海市政府工作报告是谁作的？")
    assert who.route == "record" and not who.abstained and "林清" in who.answer
    cited = who.citations[0]
    assert cited.chunk_id is None and cited.section == "题头" and cited.doc_id == "yunhai"
    assert cited.sentences == ["市长　林清"] and "市长　林清" in cited.text
    assert [who.answer[a:b] for a, b in who.key_spans] == ["林清"]
    when = retriever.ask("云海市政府工作报告是哪天作的？")
    assert "二〇三一年一月二十日" in when.answer and when.route == "record"
    where = retriever.ask("雲海市政府工作報告是在什麼會議上作的？")      # answered in the asker's script
    assert "雲海市第九屆人民代表大會第三次會議" in where.answer
    assert "林清" in retriever.ask("云海市的市长是谁？").answer
    # A report without that line: searched as any question (no made-up record).
    assert retriever.ask("兴和县政府工作报告是谁作的？").route != "record"


def test_the_page_shows_the_front_matter_as_the_source(library):
    from ui.render import sources_html

    answer = retriever_for(library[1]).ask("云海市政府工作报告是谁作的？")
    card = sources_html(answer)
    assert "题头" in card and "第0段" not in card and '<mark class="support">市长　林清</mark>' in card


def test_a_record_question_naming_no_report_gets_each_or_is_asked_which(library, monkeypatch):
    from retriever import service

    retriever = retriever_for(library[1])
    both = retriever.ask("政府工作报告是哪天作的？")
    assert not both.abstained and "二〇三一年一月二十日" in both.answer and "2031年1月8日" in both.answer
    assert [c.doc_id for c in both.citations] == ["xinghe", "yunhai"] and "[2]" in both.answer
    monkeypatch.setattr(service, "SIDE_BY_SIDE", 1)
    which = retriever.ask("政府工作报告是哪天作的？")
    assert which.abstained and which.route == "record" and "2份报告" in which.answer


def test_a_content_question_is_not_answered_from_the_record(library):
    retriever = retriever_for(library[1])
    for question in ("1990年云海市的市长是谁？",          # a year no report in scope is of
                     "市长是谁？",                          # a role, no report named
                     "谁负责新建保障性住房？", "云海市新建保障性住房多少套？"):
        assert retriever.ask(question).route != "record", question


def test_a_speaker_the_user_set_is_quoted_from_the_record(library):
    from ingest.__main__ import main

    _, data = library
    assert main(["--data-dir", str(data), "--set", "yunhai", "speaker=王五"]) == 0
    answer = retriever_for(data).ask("云海市政府工作报告是谁作的？")
    assert "王五" in answer.answer and "林清" not in answer.answer
    assert answer.citations[0].sentences == ["报告人：王五"]


def test_a_follow_up_asks_another_reports_record(library):
    from retriever.conversation import Turn

    retriever = retriever_for(library[1])
    first_question = "云海市政府工作报告是哪天作的？"
    first = retriever.ask(first_question)
    answer = retriever.ask("那兴和县呢？", history=[Turn.after(first_question, first)])
    assert answer.route == "record" and "2031年1月8日" in answer.answer and answer.citations[0].doc_id == "xinghe"


def test_a_traditional_reports_front_matter_is_quoted_as_printed(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "macao.txt").write_text(
        "2031年澳門特別行政區政府施政報告\n——2031年11月12日在立法會全體會議上\n行政長官　岑浩輝\n"
        "主席、各位議員：\n一、經濟\n本地生產總值增長3.5%。旅客人次增長一成。\n", encoding="utf-8")
    data = tmp_path / "data"
    Ingestor(data, FakeEmbedder()).ingest_paths([folder])
    record = IndexStore(data).document("macao").record
    assert (record["title"], record["speaker"], record["meeting"]) == ("2031年澳門特別行政區政府施政報告", "岑浩辉", "立法会全体会议")
    answer = retriever_for(data).ask("澳門施政報告是誰作的？")
    assert answer.route == "record" and "行政長官　岑浩輝" in answer.answer
    assert answer.citations[0].sentences == ["行政長官　岑浩輝"]      # the line as the report prints it
    assert [answer.answer[a:b] for a, b in answer.key_spans] == ["岑浩輝"]
    assert "行政长官　岑浩辉" in retriever_for(data).ask("澳门施政报告是谁作的？").answer   # in the asker's script


def test_asking_what_the_library_holds_lists_its_reports(library):
    retriever = retriever_for(library[1])
    listed = retriever.ask("库里有哪些报告？")
    assert listed.route == "library" and not listed.abstained
    assert listed.answer == "库中有2份报告：2031年兴和县政府工作报告、2031年云海市政府工作报告。"
    assert retriever.ask("Which reports do you have?").answer.startswith("The library holds 2 reports: ")
    chosen = retriever.ask("有哪些报告？", scope=Filter.parse(["yunhai"]))
    assert chosen.answer == "所选范围内有1份报告：2031年云海市政府工作报告。"
    # Which reports say something is a question about their content.
    assert retriever.ask("有哪些报告提到了保障性住房？").route != "library"


def test_which_reports_mention_something_lists_each_that_writes_it(library, tmp_path):
    retriever = retriever_for(library[1])
    listed = retriever.ask("哪些报告提到了保障性住房？")
    heading, line = listed.answer.splitlines()
    assert listed.route == "mentions" and heading == "提到“保障性住房”的有1份报告（共2份）："
    assert line == "2031年云海市政府工作报告：新建保障性住房3200套。[1]"
    assert listed.citations[0].doc_id == "yunhai" and "保障性住房" in listed.citations[0].sentences[0]
    # Not written as asked, but each of its words in one sentence: that sentence.
    assert "新建保障性住房3200套" in retriever.ask("哪些报告提到了新建住房？").answer
    none = retriever.ask("哪些省份提到了量子计算？")
    assert none.abstained and none.answer == "库中2份报告都没有提到“量子计算”。"
    assert retriever.ask("哪些報告提到了保障性住房？").answer.startswith("提到「保障性住房」的有1份報告")
    # Which province does something is a question about content, not about what is written.
    assert retriever.ask("哪些地区地区生产总值增长超过7%？").route != "mentions"
    # A library of paragraphs with no records (CMRC, DRCD): searched as any question.
    jsonl = tmp_path / "paragraphs.jsonl"
    jsonl.write_text(json.dumps({"doc_id": "p-1", "title": "合肥", "text": "量子计算在合肥取得进展。"},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    Ingestor(tmp_path / "paragraphs", FakeEmbedder()).ingest_jsonl(jsonl)
    assert retriever_for(tmp_path / "paragraphs").ask("哪些报告提到了量子计算？").route != "mentions"


def test_the_llm_mode_leaves_exact_answers_as_they_are(library):
    """A record, the library's list and which reports write something are read off the
    library: the model is not asked (no server is running here, so asking it would fail)."""
    from retriever.llm import LLMClient, answer_with_llm

    retriever = retriever_for(library[1])
    client = LLMClient("http://127.0.0.1:9", "unused")
    for question in ("云海市政府工作报告是谁作的？", "库里有哪些报告？", "哪些报告提到了保障性住房？"):
        answers = list(answer_with_llm(retriever, client, question))
        assert len(answers) == 1 and answers[0].mode == "extractive" and not answers[0].warnings, question


def test_a_report_is_named_as_a_question_would_name_it():
    from retriever.service import _as_named

    assert _as_named("2026年政府工作报告 · 云南省") == "云南省2026年政府工作报告"    # not "2026年政府工作报告"
    assert _as_named("2026年上海市政府工作报告") == "2026年上海市政府工作报告"
    assert _as_named("黃埔區廣州開發區改革工作報告 · 黄埔区") == "黃埔區廣州開發區改革工作報告"


def test_a_table_of_contents_is_not_text(tmp_path):
    from ingest.metadata import contents_lines

    folder = tmp_path / "reports"
    folder.mkdir()
    parts = ["一、2030年工作回顾", "二、2031年主要任务", "三、加强政府自身建设"]
    (folder / "toc.txt").write_text(
        "2031年云海市政府工作报告\n各位代表：\n目  录\n" + "".join(f"{p}……………{n}\n" for p, n in zip(parts, (3, 8, 15)))
        + f"{parts[0]}\n全市地区生产总值增长6.1%。\n{parts[1]}\n地区生产总值增长5.5%左右。\n{parts[2]}\n坚持依法行政。\n",
        encoding="utf-8")
    data = tmp_path / "data"
    Ingestor(data, FakeEmbedder()).ingest_paths([folder])
    store = IndexStore(data)
    doc = store.document("toc")
    assert doc.cleaning["contents_lines"] == 4 and "……" not in doc.text and "目  录" not in doc.text
    assert [c.section for c in store.chunks_of("toc")] == parts          # each part once, its own text
    # Not a table of contents: a table's columns with no 目录 above them, page numbers going down.
    assert not contents_lines(["指标   12", "指标二   30", "指标三   5"])
    assert not contents_lines(["一、回顾……3", "二、任务……8", "三、建设……2"])


def test_a_name_alone_after_the_delivery_line_is_the_speaker():
    record = read_metadata(["2031年石门市政府工作报告", "——2031年1月9日在石门市第二届人民代表大会第一次会议上", "周  明"],
                           "", "")
    assert (record["speaker"], record["speaker_line"]) == ("周明", "周  明")
    assert record["meeting"] == "石门市第二届人民代表大会第一次会议"
    assert record["delivered"] == "2031年1月9日在石门市第二届人民代表大会第一次会议上"


class _AnswersWhereSaid:
    """A gate that answers when the first passage says the word (a report that says nothing
    of it is silent)."""

    def __init__(self, word: str):
        self.word = word

    def run(self, question, hits, relevance, candidates, weights):
        from retriever.gate import Decision

        said = bool(hits) and self.word in hits[0].chunk.text
        return Decision(answer=said, p_answer=float(said))


def test_a_question_naming_two_reports_gets_each_ones_answer_as_named(library):
    retriever = retriever_for(library[1])
    answer = retriever.ask("云海市和兴和县2030年地区生产总值分别增长了多少？")
    heading, first, second = answer.answer.splitlines()
    assert heading == "以下是问题所指的2份报告各自的说法："          # not "the question names no report"
    assert first.startswith("2031年云海市政府工作报告：") and "6.1%" in first and "7.2%" not in first
    assert second.startswith("2031年兴和县政府工作报告：") and "7.2%" in second
    assert list(dict.fromkeys(c.doc_id for c in answer.citations if c.sentences)) == ["yunhai", "xinghe"]
    # A named report that does not say is said to be silent, beside the other's answer.
    housing = retriever_for(library[1], gate=_AnswersWhereSaid("保障性住房")).ask("兴和县和云海市新建保障性住房多少套？")
    silent, said = housing.answer.splitlines()[1:]
    assert silent == "2031年兴和县政府工作报告：这份报告中没有找到能回答这个问题的内容。" and "3200套" in said


def test_a_place_listed_beside_a_reported_one_is_said_to_be_missing(library):
    from retriever.scope import _joined

    answer = retriever_for(library[1]).ask("北京和云海市2031年城镇新增就业目标是多少？")
    assert not answer.abstained and "9万人" in answer.answer
    assert answer.warnings == ["库中没有这份报告：北京。请先导入它，或换一份报告提问。"]
    assert _joined("北京", "北京和上海的目标") and _joined("北京", "上海、北京的目标")
    assert _joined("beijing", "what are the targets of shanghai and beijing?")
    assert not _joined("广东", "广东省黄埔区有哪些做法")      # a place containing the reported one


def test_asking_whether_a_report_mentions_something_searches_for_the_thing_alone(library, monkeypatch):
    """上海的报告里提到人工智能了吗？: within the named report, "报告里", "提到", "政府工作报告",
    "关于", "说" and "Shanghai's report say about" name no topic; as keywords the passage
    lacks they lowered its coverage, and the gate declined what the report says."""
    from retriever.question import parse_question
    from retriever.scope import without

    def searched(question: str, names: list[str]) -> list[str]:
        return parse_question(without(question, fold_for_matching(question), names)).terms

    assert searched("云海市的报告里提到保障性住房了吗？", ["云海市", "云海"]) == ["保障性", "住房"]
    assert searched("云海市政府工作报告中关于保障性住房说了什么？", ["云海市", "云海", "政府工作报告"]) == ["保障性", "住房"]
    assert searched("What does Shanghai's report say about housing?", ["shanghai"]) == ["housing"]
    # The kind of report the question names is among the words that named its scope.
    retriever = retriever_for(library[1])
    scope = retriever.scoper.run(retriever.prepare("云海市政府工作报告中关于保障性住房说了什么？"))
    assert "政府工作报告" in scope.consumed and scope.doc_ids == {"yunhai"}


def test_asking_about_several_at_once_is_no_keyword():
    from retriever.question import parse_question

    terms = parse_question("江苏和浙江的目标分别是多少？各自完成了吗？").terms
    assert "目标" in terms and "分别" not in terms and "各自" not in terms


def test_gdp_in_a_chinese_question_is_searched_as_the_reports_write_it(library):
    """GDP, written in a Chinese question, is 地区生产总值 in the reports (CC-CEDICT's
    bracketed abbreviation): searched as 生产总值, and not a name the reports never mention."""
    retriever = retriever_for(library[1])
    question = "云海市GDP增长多少？"
    assert "生产总值" in retriever.prepare(question).terms and "gdp" not in retriever.prepare(question).terms
    answer = retriever.ask(question)
    assert "6.1%" in answer.answer and answer.relevance.unknown == []
    unknown = retriever.ask("云海市XYZ增长多少？")          # no dictionary entry: as written, never mentioned
    assert "xyz" in retriever.prepare("云海市XYZ增长多少？").terms and unknown.relevance.unknown == ["xyz"]


class QueryRecorder(FakeEmbedder):
    """The fake embedder, keeping the questions it was given."""

    def __init__(self):
        super().__init__()
        self.queries = []

    def embed_query(self, text):
        self.queries.append(text)
        return super().embed_query(text)


def test_a_traditional_question_is_embedded_in_the_script_of_the_passages(library, tmp_path):
    """The dense side compares the question with Simplified passages in Simplified; with
    Traditional passages, as asked (the keyword side folds both already)."""
    from retriever.service import Retriever

    embedder = QueryRecorder()
    answer = Retriever(library[1], embedder=embedder, gate=Recorder()).ask("雲海市地區生產總值增長多少？")
    assert embedder.queries[-1] == "地区生产总值增长多少？"      # 云海市 named the scope
    assert answer.language == "zh-Hant" and answer.citations[0].doc_id == "yunhai"
    folder = tmp_path / "hant"
    folder.mkdir()
    (folder / "hant.txt").write_text("二、主要目標\n全區地區生產總值增長6.5%左右，城鎮新增就業1.2萬人。\n", encoding="utf-8")
    Ingestor(tmp_path / "hant-data", FakeEmbedder()).ingest_paths([folder])
    embedder = QueryRecorder()
    Retriever(tmp_path / "hant-data", embedder=embedder, gate=Recorder()).ask("地區生產總值增長多少？")
    assert embedder.queries[-1] == "地區生產總值增長多少？"


def test_a_report_the_library_lacks_is_said_to_be_missing(library):
    retriever = retriever_for(library[1])
    for question in ("2019年政府工作报告中，地区生产总值增长多少？", "北京市2031年政府工作报告提出的就业目标是多少？"):
        answer = retriever.ask(question)
        assert answer.abstained and "库中没有这份报告" in answer.answer and not answer.citations


def test_a_place_no_report_is_about_needs_a_passage_that_names_it(library):
    answer = retriever_for(library[1]).ask("北京市地区生产总值增长多少？")
    assert answer.abstained and any("北京" in w for w in answer.warnings)


def test_a_question_naming_no_report_gets_each_reports_answer_named(library):
    answer = retriever_for(library[1]).ask("地区生产总值增长多少？")
    assert not answer.abstained
    lines = answer.answer.split("\n")
    assert "2份报告" in lines[0]
    assert any(line.startswith("2031年云海市政府工作报告：") for line in lines)
    assert any(line.startswith("2031年兴和县政府工作报告：") for line in lines)
    cited = {c.doc_id for c in answer.citations if c.sentences}
    assert cited == {"yunhai", "xinghe"}
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_the_report_one_search_side_ranks_first_is_asked_too():
    """Fusion may rank three passages of one report above the passage the dense side (or
    the keyword side) ranks first; that passage's report is asked as well."""
    from index import Chunk
    from retriever.records import Hit
    from retriever.service import _candidate_reports

    def hit(doc_id, dense_rank=None, lexical_rank=None):
        chunk = Chunk(doc_id=doc_id, ord=0, paragraph=1, section="", start=0, end=2, text="文字")
        return Hit(chunk, 1.0, dense_rank=dense_rank, lexical_rank=lexical_rank)

    top = [hit("a", 2, 2), hit("a", 3, 3), hit("b", 4, 4)]
    assert _candidate_reports(top + [hit("c", None, 5), hit("d", 1, None)]) == ["a", "b", "d"]
    assert _candidate_reports(top + [hit("d", None, 1)]) == ["a", "b", "d"]
    assert _candidate_reports(top + [hit("d", 2, 6)]) == ["a", "b"]


def test_a_question_asked_of_every_report_gets_each_ones_answer(library):
    from retriever.gate import Decision

    answer = retriever_for(library[1]).ask("每份报告中地区生产总值增长多少？")
    lines = answer.answer.split("\n")
    assert lines[0] == "2份报告中，以下2份有相关说法："
    assert sorted(line.split("：")[0] for line in lines[1:]) == ["2031年云海市政府工作报告", "2031年兴和县政府工作报告"]
    assert {c.doc_id for c in answer.citations if c.sentences} == {"yunhai", "xinghe"}
    # which province: every report's figure, for the asker to compare
    which = retriever_for(library[1]).ask("哪个省的地区生产总值增长最快？").answer
    assert which.startswith("2份报告中，以下2份有相关说法：") and "6.1%" in which and "7.2%" in which

    class WhereTheFirstPassageSaysIt:                # a gate: only 云海市's report speaks of housing
        def run(self, question, hits, relevance, candidates, weights):
            return Decision(answer="住房" in hits[0].chunk.text, p_answer=1.0)

    retriever = retriever_for(library[1], gate=WhereTheFirstPassageSaysIt())
    lines = retriever.ask("每份报告中新建保障性住房多少套？").answer.split("\n")
    assert lines[0] == "2份报告中，以下1份有相关说法："
    assert lines[1].startswith("2031年云海市政府工作报告：") and "3200套" in lines[1]
    assert lines[-1] == "以下报告中没有找到相关内容：2031年兴和县政府工作报告"
    # Without 每份报告 the question is asked of the reports its top passages come from, as before.
    assert not retriever.ask("新建保障性住房多少套？").answer.startswith("2份报告中")


def test_what_a_report_says_asks_back_which_report_is_meant(library):
    retriever = retriever_for(library[1])
    answer = retriever.ask("这份报告讲了什么？")
    assert answer.abstained and "问题没有指明是哪一份" in answer.answer
    assert "2031年云海市政府工作报告" in answer.answer and "2031年兴和县政府工作报告" in answer.answer
    assert {c.doc_id for c in answer.related} == {"yunhai", "xinghe"}
    named = retriever.ask("云海市的报告讲了什么？")
    assert not named.abstained and {c.doc_id for c in named.citations} == {"yunhai"}
    summary = retriever.ask("请总结一下云海市的政府工作报告")    # 请: how one asks, not a topic
    assert summary.route == "outline" and {c.doc_id for c in summary.citations} == {"yunhai"}
    # the page's first example question names a report, so it is answered, not asked back
    from ui.app import example_questions
    from ui.state import AppState

    first = example_questions(AppState(library[1], corpus=None))[0]
    assert first in ("2031年云海市政府工作报告讲了什么？", "2031年兴和县政府工作报告讲了什么？")
    example = retriever.ask(first)
    assert not example.abstained and example.answer.startswith(first.removesuffix("讲了什么？") + "：一、")


def test_a_first_question_pointing_back_is_asked_what_it_means(library):
    from retriever.conversation import Turn

    retriever = retriever_for(library[1])
    for question, words in (("这项目标是多少？", "这项目标"), ("它的增长是多少？", "它"), ("还有呢？", "还有呢")):
        answer = retriever.ask(question)
        assert answer.abstained and f"问题中的“{words}”没有可指代的前文" in answer.answer, answer.answer
        assert answer.related                      # the closest passages, to choose from
    # After a turn, the same words are a follow-up, resolved with it.
    first = retriever.ask("兴和县森林覆盖率提高到多少？")
    follow = retriever.ask("它的增长是多少？", history=[Turn.after("兴和县森林覆盖率提高到多少？", first)])
    assert "没有可指代的前文" not in follow.answer and follow.resolved_question
    # A demonstrative before a word only one passage has names its thing.
    named = retriever.ask("这个森林覆盖率是多少？")
    assert "没有可指代的前文" not in named.answer


def test_a_chosen_scope_is_searched_alone(library):
    retriever = retriever_for(library[1])
    answer = retriever.ask("地区生产总值增长多少？", scope=Filter.parse(where=["place=兴和县"]))
    assert {h.chunk.doc_id for h in answer.hits} == {"xinghe"} and "\n" not in answer.answer
    by_id = retriever.ask("地区生产总值增长多少？", scope=Filter.parse(["yunhai"]))
    assert {h.chunk.doc_id for h in by_id.hits} == {"yunhai"}
    nothing = retriever.ask("地区生产总值增长多少？", scope=Filter.parse(where=["year=1999"]))
    assert nothing.abstained and not nothing.hits
    # Two chosen: each one's answer, named; never one report's figure as the answer.
    both = retriever.ask("2030年地区生产总值增长多少？", scope=Filter.parse(["yunhai", "xinghe"]))
    lines = both.answer.splitlines()
    assert lines[0] == "以下是所选的2份报告各自的说法："
    assert any(x.startswith("2031年云海市") and "6.1%" in x for x in lines)
    assert any(x.startswith("2031年兴和县") and "7.2%" in x for x in lines)


def test_an_unrelated_report_changes_no_answer(library, tmp_path):
    """Statistics come from the reports the passages are found in: a small unrelated
    document added to the library leaves the answer and its signals as they were."""
    folder, data = library
    question = "兴和县森林覆盖率提高到多少？"
    before = retriever_for(data).ask(question)
    (folder / "notice.txt").write_text("关于举办春季运动会的通知\n运动会于四月举行，设田径、球类项目。", encoding="utf-8")
    Ingestor(data, FakeEmbedder()).ingest_paths([folder])
    after = retriever_for(data).ask(question)
    assert after.answer == before.answer
    assert after.decision.features == before.decision.features


class WholeQuestionGate(Recorder):
    """Answers when the first passage holds all of the question's keywords."""

    def run(self, question, hits, relevance, candidates, weights):
        decision = super().run(question, hits, relevance, candidates, weights)
        decision.answer = decision.features["coverage_first"] == 1.0
        return decision


def test_a_report_answers_inside_the_library_as_it_does_alone(library, tmp_path):
    """A question naming no report: each report among its top passages is searched and
    judged on its own, so the report that answers says what it says alone, with the same
    signals, whatever else the library holds (README, "Asking a library")."""
    folder, data = library
    roads = "".join(f"{n}、第{n}片区新建城市道路{n * 3}公里，改造老旧小区{n * 7}个，道路通行能力明显提升。\n" for n in range(1, 25))
    (folder / "qinghe.txt").write_text("2031年清河市政府工作报告\n各位代表：\n" + roads, encoding="utf-8")
    Ingestor(data, FakeEmbedder()).ingest_paths([folder])
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(folder / "xinghe.txt", alone)
    Ingestor(tmp_path / "alone-data", FakeEmbedder()).ingest_paths([alone])
    question = "新建农村公路多少公里？"
    by_itself = retriever_for(tmp_path / "alone-data", WholeQuestionGate()).ask(question)
    inside = retriever_for(data, WholeQuestionGate()).ask(question)
    assert not by_itself.abstained and "120公里" in by_itself.answer
    assert inside.answer == by_itself.answer
    assert inside.decision.features == by_itself.decision.features


def test_a_question_naming_its_report_is_searched_once(library, monkeypatch):
    """Its own search was within that report alone: the passages are not searched for again."""
    retriever = retriever_for(library[1])
    calls = []
    search = retriever.searcher.search
    monkeypatch.setattr(retriever.searcher, "search", lambda *a, **kw: calls.append(kw.get("within")) or search(*a, **kw))
    answer = retriever.ask("兴和县新建农村公路多少公里？")
    assert "120公里" in answer.answer and calls == [frozenset({"xinghe"})]
    calls.clear()
    retriever.ask("新建农村公路多少公里？")          # naming none: the library, then each report found
    assert calls[0] is None and len(calls) > 1


def test_rebuild_keeps_uploads_gone_files_and_corrections(library, tmp_path):
    folder, data = library
    uploads = data / "uploads"
    uploads.mkdir()
    (uploads / "上传的报告__0123abcd.txt").write_text("上传的报告\n全区新增企业500家。", encoding="utf-8")
    Ingestor(data, FakeEmbedder()).ingest_paths([uploads / "上传的报告__0123abcd.txt"])
    store = IndexStore(data)
    store.set_record("xinghe", {"place": "兴和县（试点）"})
    moved = tmp_path / "elsewhere.txt"
    shutil.move(folder / "yunhai.txt", moved)            # its file is gone before the rebuild
    summary = Ingestor(data, FakeEmbedder()).rebuild([folder])
    assert not summary.failed
    docs = {d.doc_id: d for d in IndexStore(data).documents()}
    assert set(docs) == {"yunhai", "xinghe", "上传的报告"}
    assert docs["上传的报告"].origin == "upload"
    assert "保障性住房3200套" in docs["yunhai"].text        # rebuilt from the text the index kept
    assert docs["xinghe"].record["place"] == "兴和县（试点）"


def test_an_ingestor_that_rebuilt_adds_the_next_file_beside_the_others(library, tmp_path):
    """A rebuild is one run's mode, not a setting the ingestor keeps: the same ingestor's
    next ingest adds a file beside the library's reports (a kept mode would replace the
    whole index with that one file)."""
    folder, data = library
    ingestor = Ingestor(data, FakeEmbedder())
    ingestor.rebuild([folder])
    extra = tmp_path / "新的报告.txt"
    extra.write_text("新的报告\n全区新建公园12个。", encoding="utf-8")
    summary = ingestor.ingest_paths([extra])
    assert summary.added == ["新的报告"] and not summary.recleaned
    assert {d.doc_id for d in IndexStore(data).documents()} == {"yunhai", "xinghe", "新的报告"}


def test_set_record_on_the_command_line(library, capsys):
    from ingest.__main__ import main

    _, data = library
    assert main(["--data-dir", str(data), "--set", "yunhai", "year=2030", "kind=施政报告"]) == 0
    record = IndexStore(data).document("yunhai").record
    assert (record["year"], record["kind"]) == ("2030", "施政报告")
    assert main(["--data-dir", str(data), "--set", "yunhai", "colour=red"]) == 2
    assert "unknown field" in capsys.readouterr().err


def test_a_question_naming_its_reports_year_finds_that_years_targets(tmp_path):
    """A report calls its own year 今年: "2031年……目标" of a 2031 report finds this year's
    targets before the five-year ones, which share every other word of the question."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "haiping.txt").write_text(
        "2031年海平市政府工作报告\n各位代表：\n一、“十六五”时期\n"
        "“十六五”时期的增长目标：全市地区生产总值年均增长5%以上，居民收入增长与经济增长同步。\n"
        "二、工作安排\n今年预期：全市地区生产总值增长5.5%左右，城镇新增就业8万人。\n"
        "三、民生\n新建保障性住房3000套，改造老旧小区40个。\n新增养老床位1200张，建成社区食堂60个。\n"
        "四、生态\n森林覆盖率提高到61%，治理河道80公里。\n", encoding="utf-8")
    Ingestor(tmp_path / "data", FakeEmbedder()).ingest_paths([folder])
    retriever = retriever_for(tmp_path / "data")
    for question in ("海平市2031年全市地区生产总值增长目标是多少？", "2031年全市地区生产总值增长目标是多少？"):
        assert "今年" in retriever.ask(question).hits[0].chunk.text, question
    # Another year is not "this year": the mechanism adds nothing then.
    assert retriever._asks_of_this_year(retriever.prepare("2030年全市地区生产总值增长多少？"), None) is False


def test_the_gloss_search_within_a_report_scores_with_its_statistics(library, tmp_path):
    """A report's glossed passages rank the same inside the library as alone; a scope of
    every report is the library's own search."""
    folder, data = library
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(folder / "xinghe.txt", alone)
    Ingestor(tmp_path / "alone-data", FakeEmbedder()).ingest_paths([alone])
    glosses = retriever_for(data).searcher.glosses
    by_itself = retriever_for(tmp_path / "alone-data").searcher.glosses.search("rural roads forest", 10)
    inside = glosses.search("rural roads forest", 10, within=["xinghe"])
    texts = {c.id: c.text for c in retriever_for(data).store.chunks_of("xinghe")}
    alone_texts = {c.id: c.text for c in retriever_for(tmp_path / "alone-data").store.chunks_of("xinghe")}
    assert by_itself and [texts[i] for i, _ in inside] == [alone_texts[i] for i, _ in by_itself]
    assert [s for _, s in inside] == pytest.approx([s for _, s in by_itself])
    assert glosses.search("rural roads forest", 10, within=["xinghe", "yunhai"]) == glosses.search("rural roads forest", 10)


def test_an_english_phrases_senses_are_those_its_evidence_reports_use_together():
    """CC-CEDICT gives "model" 模型, 塑造, 示范; the senses kept are those found with the other
    phrases' words, and when the answer is read from some reports, in those reports' passages:
    the words other reports use together do not decide it (README, "Asking a library")."""
    from retriever.bridge import Senses

    senses = Senses(phrases=[("model", ["模型", "塑造", "示范"]), ("communities", ["社区"])],
                    postings={"模型": {1}, "塑造": {2}, "示范": {5}, "社区": {1, 5}}, searched_as={})
    assert {b.english: b.chinese for b in senses.choose()} == {"model": ["模型", "示范"], "communities": ["社区"]}
    assert {b.english: b.chinese for b in senses.choose({5, 6})} == {"model": ["示范"], "communities": ["社区"]}


def test_an_english_question_is_read_with_the_senses_of_its_evidence_reports(library, monkeypatch):
    from retriever.bridge import Senses

    _, data = library
    seen = []
    choose = Senses.choose
    monkeypatch.setattr(Senses, "choose", lambda self, within=None: seen.append(within) or choose(self, within))
    retriever = retriever_for(data)
    answer = retriever.ask("How many kilometres of rural roads were built?", scope=Filter.parse(["xinghe"]))
    assert {h.chunk.doc_id for h in answer.hits} == {"xinghe"}
    assert seen[0] is None                                  # the first search: the whole library's senses
    xinghe = {c.id for c in retriever.store.chunks_of("xinghe")}
    assert seen[1:] and all(within == xinghe for within in seen[1:])    # ranking again, reading: its report's
    assert "公路" in retriever.prepare("How many kilometres of rural roads were built?").terms
    # Top passages from one report: the next hits, which the gate compares the first with, are
    # that report's too, ranked with its senses; from every report: the search's hits stay.
    question = retriever.prepare("How many kilometres of rural roads were built?")
    found = sorted(retriever.search(question), key=lambda h: h.chunk.doc_id != "yunhai")
    assert {h.chunk.doc_id for h in found} == {"xinghe", "yunhai"}
    # and no side of the search ranks the other report's passages best (else it is read too)
    found = [h if h.chunk.doc_id == "yunhai" else dataclasses.replace(h, dense_rank=None, lexical_rank=None)
             for h in found]
    again, searched_in = retriever._within_evidence(question, found, 5, frozenset(), {}, None)
    assert again and {h.chunk.doc_id for h in again} == {"yunhai"} and searched_in == {"yunhai"}
    mixed = [found[0], found[-1]] + found[1:-1]
    assert retriever._within_evidence(question, mixed, 5, frozenset(), {}, None) == (mixed, None)
