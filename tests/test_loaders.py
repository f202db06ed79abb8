"""Every format, read from real files the tests write, and bad files refused with a reason."""
import io
import re
import zipfile

import pytest

from ingest.loaders import Limits, UnreadableFile, decode_text, load

PARAGRAPH = "黄埔区将企业投资建设项目审批时间从110个工作日压减至13个。"


def test_text_encodings(tmp_path):
    text = "一、總體情況\n黃埔區將企業投資建設項目審批時間從110個工作日壓減至13個。\n"
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16"):
        path = tmp_path / f"report-{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        loaded = load(path)
        assert [b.text for b in loaded.blocks] == ["一、總體情況", "黃埔區將企業投資建設項目審批時間從110個工作日壓減至13個。"], encoding
    simplified = PARAGRAPH.encode("gbk")
    assert decode_text(simplified) == (PARAGRAPH, "gb18030")


def test_markdown(tmp_path):
    path = tmp_path / "r.md"
    path.write_text("# 年度报告\n\n## 一、主要工作\n\n" + PARAGRAPH + "详见[附件](http://example.com)和**重点**。\n", encoding="utf-8")
    loaded = load(path)
    assert loaded.title == "年度报告"
    assert (loaded.blocks[1].text, loaded.blocks[1].heading_level) == ("一、主要工作", 2)
    assert loaded.blocks[2].text.endswith("详见附件和重点。")


def test_html_drops_scripts_keeps_structure(tmp_path):
    path = tmp_path / "r.html"
    path.write_text("<html><head><title>改革报告</title><script>alert(1)</script></head><body>"
                    "<nav>导航</nav><h2>一、主要工作</h2><p>" + PARAGRAPH + "</p><style>p{}</style></body></html>",
                    encoding="utf-8")
    loaded = load(path)
    assert loaded.title == "改革报告"
    assert [(b.text, b.heading_level) for b in loaded.blocks] == [("一、主要工作", 2), (PARAGRAPH, None)]


def test_html_saved_from_a_government_site(tmp_path):
    """The <title> carries the site's name after the heading; the footer is a <div>, not a
    <footer>: the title is the heading, and the footer (主办单位, 网站标识码, ICP) is not text."""
    from index import Document
    from ingest.pipeline import build_chunks

    path = tmp_path / "r.html"
    path.write_text("<html><head><title>2031年云海市政府工作报告_云海市人民政府门户网站</title></head><body>"
                    "<div class='crumb'>当前位置：首页 &gt; 政务公开</div><div><h1>2031年云海市政府工作报告</h1>"
                    "<h2>一、主要工作</h2><p>" + PARAGRAPH * 4 + "</p></div><div class='foot'>"
                    "<p>主办单位：云海市人民政府办公室</p><p>网站标识码：1234000001 云ICP备12345678号</p>"
                    "<p>联系我们 | 网站地图</p></div></body></html>", encoding="utf-8")
    loaded = load(path)
    assert loaded.title == "2031年云海市政府工作报告"
    doc = Document(doc_id="r", title="", source=str(path), origin="file", content_hash="", text="")
    build_chunks(doc, loaded, 300)
    assert doc.text.rstrip().endswith(PARAGRAPH) and "主办" not in doc.text and "ICP" not in doc.text


def test_docx_with_heading_styles(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.title = "广州开发区改革报告"
    document.add_heading("一、主要工作情况", level=1)
    document.add_paragraph(PARAGRAPH)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "指标", "13个工作日"
    path = tmp_path / "r.docx"
    document.save(path)
    loaded = load(path)
    assert loaded.title == "广州开发区改革报告"
    assert (loaded.blocks[0].text, loaded.blocks[0].heading_level) == ("一、主要工作情况", 1)
    assert loaded.blocks[1].text == PARAGRAPH
    assert loaded.blocks[2].text == "指标 | 13个工作日"


def make_pdf(path, lines):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    y = 800
    for line in lines:
        c.drawString(50, y, line)
        y -= 20
    c.save()


def test_pdf_hard_wraps_are_joined(tmp_path):
    path = tmp_path / "r.pdf"
    make_pdf(path, ["一、总体情况", "黄埔区将企业投资建设项目审批时间从", "110个工作日压减至13个。", "1", "二、下一步打算"])
    loaded = load(path)
    assert [b.text for b in loaded.blocks] == ["一、总体情况", "黄埔区将企业投资建设项目审批时间从110个工作日压减至13个。",
                                               "二、下一步打算"]


def test_pdf_running_headers_and_footers_are_not_text(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "r.pdf"
    c = canvas.Canvas(str(path))
    bodies = [["一、总体情况", PARAGRAPH], ["二、主要成效", "全区新增就业1.2万人。"], ["三、下一步打算", "建设公园12个。"]]
    for n, body in enumerate(bodies, 1):
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(["云海市人民政府公报", *body, f"第{n}页 共3页"]):
            c.drawString(50, 800 - 20 * i, line)
        c.showPage()
    c.save()
    texts = [b.text for b in load(path).blocks]
    assert texts == ["一、总体情况", PARAGRAPH, "二、主要成效", "全区新增就业1.2万人。", "三、下一步打算", "建设公园12个。"]


def test_scanned_pdf_without_text_layer(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.rect(50, 50, 400, 600, fill=1)      # a page with only a picture-like shape, no text
    c.save()
    with pytest.raises(UnreadableFile, match="OCR"):
        load(path)


@pytest.mark.parametrize("name,content,message", [
    ("empty.txt", b"", "empty"),
    ("binary.txt", bytes(range(256)) * 40, "binary"),
    ("truncated.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "PDF"),
    ("corrupt.docx", b"PK\x03\x04 this is not really a zip", "docx"),
    ("notes.xlsx", b"whatever", "unsupported"),
])
def test_bad_files_refused_with_reason(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message) as refused:
        load(path)
    assert re.search(r"[\u4e00-\u9fff]{4}", refused.value.zh)       # the page's reason, in Chinese


def test_docx_zip_bomb_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (300 * 1024 * 1024) + b"</w:document>")
    path = tmp_path / "bomb.docx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(UnreadableFile, match="zip bomb"):
        load(path)


def test_docx_entity_expansion_refused(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("正常内容")
    good = tmp_path / "good.docx"
    document.save(good)
    evil = tmp_path / "evil.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>', 1)
            dst.writestr(item, data)
    with pytest.raises(UnreadableFile, match="entities"):
        load(evil)


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text(PARAGRAPH * 200, encoding="utf-8")
    with pytest.raises(UnreadableFile, match="limit"):
        load(path, Limits(max_file_bytes=1000))
