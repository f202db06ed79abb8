"""Report structure and chunking on the seed report."""
from chinese.sentences import sentence_spans
from ingest.chunking import chunk_paragraphs, piece_spans
from ingest.loaders import Block, LoadedFile, load
from ingest.structure import structure

from conftest import SEED


def test_seed_sections_and_paragraphs():
    doc = structure(load(SEED))
    sections = {" › ".join(p.section_path) for p in doc.paragraphs}
    assert "一、主要工作情況 › 三是率先推進營商環境改革創新" in sections
    assert "二、工作體會 › 一是思想指引是根本" in sections
    assert "三、未來工作設想" in sections
    assert [p.number for p in doc.paragraphs] == list(range(1, len(doc.paragraphs) + 1))
    for p in doc.paragraphs:
        assert doc.text[p.start:p.end] == p.text
    assert doc.report.pinyin_removed == 1344 and len(doc.report.mojibake) == 3


# Body paragraphs of a passage's length (config.MIN_PASSAGE_CHARS): shorter ones join their neighbours.
BODY = "，".join(["全区推进工程建设项目审批制度改革"] * 3) + "。"


def test_markup_and_written_headings():
    loaded = LoadedFile(title="报告", blocks=[
        Block("报告", heading_level=1), Block("一、总体情况"), Block("（一）审批改革。将审批时间压减至13个工作日。" + BODY),
        Block("正文第二段。" + BODY), Block("1. 细则"), Block("细则内容。" + BODY)])
    doc = structure(loaded)
    paths = [" › ".join(p.section_path) for p in doc.paragraphs]
    assert paths == ["一、总体情况 › （一）审批改革", "一、总体情况 › （一）审批改革", "一、总体情况 › （一）审批改革 › 1. 细则"]


def test_a_line_too_short_for_a_passage_joins_its_section_neighbour():
    """An unnumbered sub-heading opens the next paragraph; a closing short line ends the one
    before; a short paragraph alone in its section stays; an author note is never joined."""
    loaded = LoadedFile(title="报告", blocks=[
        Block("一、总体情况"), Block("大力提振消费。"), Block(BODY), Block("重点做好以下工作："),
        Block("二、下一步打算"), Block("推进城际铁路前期工作。"),
        Block("三、保障措施"), Block(BODY), Block("（作者张三系区政策研究室主任）")])
    doc = structure(loaded)
    texts = [p.text for p in doc.paragraphs]
    assert texts == ["大力提振消费。\n" + BODY + "\n重点做好以下工作：", "推进城际铁路前期工作。", BODY,
                     "（作者张三系区政策研究室主任）"]
    assert [p.section_path[0] for p in doc.paragraphs] == ["一、总体情况", "二、下一步打算", "三、保障措施", "作者"]
    for p in doc.paragraphs:
        assert doc.text[p.start:p.end] == p.text
    assert [texts[0][a:b] for a, b in sentence_spans(texts[0])][:2] == ["大力提振消费。", BODY]


def test_a_sentence_broken_across_lines_is_joined_again():
    """Scraped pages break lines inside a sentence: an open bracket or quote left at a line's
    end, or a line that starts with 。；; the heading after a lone "（" is found again."""
    loaded = LoadedFile(title="报告", blocks=[
        Block("（"), Block("三）改革开放持续深化"), Block("“双向揭榜挂帅”：企业找技术、成果找市场“双向"), Block("揭榜"),
        Block("挂帅”的简称，其中“企业找技术”聚焦产业难题，面向全球征集解决方案"), Block("。"),
        Block("（四）城乡发展齐头并进"), Block(BODY)])
    doc = structure(loaded)
    assert "（三）改革开放持续深化\n" in doc.text and "“双向揭榜挂帅”的简称" in doc.text
    assert [p.section_path for p in doc.paragraphs] == [["（三）改革开放持续深化"], ["（四）城乡发展齐头并进"]]
    assert doc.paragraphs[0].text.endswith("征集解决方案。")


def test_an_author_note_belongs_to_no_section():
    """The seed report ends with "（作者褚大军系……）", which used to sit under the last
    "四是……" section; a bracketed paragraph about something else stays where it is."""
    seed = structure(load(SEED))
    assert seed.paragraphs[-1].section_path == ["作者"] and "褚大軍" in seed.paragraphs[-1].text
    assert seed.paragraphs[-2].section_path[0] == "三、未來工作設想"
    loaded = LoadedFile(title="报告", blocks=[
        Block("一、总体情况"), Block("（注：数据截至2020年6月。）"), Block("作者简介：张三，区政策研究室主任。"),
        Block("正文。")])
    paths = [" › ".join(p.section_path) for p in structure(loaded).paragraphs]
    assert paths == ["一、总体情况", "作者", "一、总体情况"]


def test_chunks_respect_sentences_sizes_and_spans():
    doc = structure(load(SEED))
    chunks = chunk_paragraphs(doc.paragraphs, max_chars=300)
    assert all(len(c.text) <= 300 for c in chunks)
    assert sum(len(c.text) >= 100 for c in chunks) >= 0.9 * len(chunks)    # no crumbs
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        paragraph = next(p for p in doc.paragraphs if p.number == c.paragraph)
        ends = {paragraph.start + b for _, b in sentence_spans(paragraph.text)}
        assert c.end in ends, f"chunk cut inside a sentence: {c.text[-20:]}"


def test_over_long_sentence_cut_at_commas():
    sentence = "，".join(f"第{i}项改革举措已经全面落地见效" for i in range(40)) + "。"
    loaded = LoadedFile(title="t", blocks=[Block(sentence)])
    chunks = chunk_paragraphs(structure(loaded).paragraphs, max_chars=150)
    assert len(chunks) > 1 and all(len(c.text) <= 150 for c in chunks)
    assert all(c.text.endswith(("，", "。")) for c in chunks)
    assert "".join(c.text for c in chunks) == sentence


def test_pieces_are_a_chunks_sentences_grouped():
    doc = structure(load(SEED))
    for c in chunk_paragraphs(doc.paragraphs, max_chars=300):
        pieces = piece_spans(c.text, max_chars=100)
        if not pieces:          # one sentence, or short sentences that fit in one piece
            assert len(sentence_spans(c.text)) == 1 or len(c.text) <= 100
            continue
        ends = {b for _, b in sentence_spans(c.text)}
        assert all(b in ends for _, b in pieces)                    # never inside a sentence
        assert pieces[0][0] == 0 and pieces[-1][1] == len(c.text.rstrip())
        assert all(b - a <= 100 or len(sentence_spans(c.text[a:b])) == 1 for a, b in pieces)
    text = "短句一。短句二。" + "这是一个很长的句子" * 15 + "。最后一句。"
    assert [text[a:b] for a, b in piece_spans(text, max_chars=100)] == [
        "短句一。短句二。", "这是一个很长的句子" * 15 + "。", "最后一句。"]
    assert piece_spans("只有一句话。") == []
