"""The page in a real browser (Debian's Chromium driven by Playwright): ask, see the
answer and a source card, save a screenshot; and document text that looks like HTML,
JavaScript or Markdown links is shown as text, never run or made into a link."""
import os
from pathlib import Path

import pytest
from gradio_client import handle_file

from conftest import ROOT
from ui.feedback import FeedbackStore

pytestmark = pytest.mark.e2e
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
HOSTILE = ("一、网络安全通报\n"
           "网络安全专项检查发现漏洞样本<img src=x onerror=\"window.__xss=1\">和<script>window.__xss=2</script>两类，"
           "另见[点这里](javascript:window.__xss=3)与**加粗**文字，均已在整改期限内完成修复。\n")


@pytest.fixture(scope="module")
def page():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def ask(page, url, question):
    page.goto(url)
    page.wait_for_selector("#status:has-text('已就绪')", timeout=60_000)
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_selector("#sources .source-card", timeout=60_000)
    page.wait_for_timeout(500)


def test_ask_and_see_answer_with_source_card(page, app_server):
    ask(page, app_server.url, "黄埔区企业投资建设项目审批时间压减到多少个工作日？")
    bubble = page.locator("#chat").inner_text()
    assert "13" in bubble and "[1]" in bubble
    assert page.locator("#chat mark.key").count() >= 1
    card = page.locator("#sources .source-card").first
    assert "營商環境改革創新" in card.inner_text() and "第4段" in card.inner_text()
    assert card.locator("mark.support").count() >= 1
    card.locator("summary").click()
    assert card.locator("details p.para").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    page.locator("#chat button[aria-label='Like']").last.click()         # thumbs up is stored
    page.wait_for_timeout(1500)
    rows = FeedbackStore(app_server.data_dir).all()
    assert rows and rows[-1]["vote"] == 1 and "审批时间" in rows[-1]["question"] and "13" in rows[-1]["answer"]


def test_follow_up_and_new_conversation(page, app_server):
    ask(page, app_server.url, "黄埔区累计引进了多少家外资企业？")
    page.fill("#question textarea", "其中世界500强项目有多少个？")
    page.click("#send")
    page.wait_for_function("document.querySelector('#chat').innerText.includes('理解为')", timeout=60_000)
    assert "170" in page.locator("#chat").inner_text()
    page.click("#new-chat")
    page.wait_for_timeout(1000)
    assert "170" not in page.locator("#chat").inner_text()


def test_a_follow_up_naming_an_item_of_the_outline(page, app_server):
    """The page keeps what each answer cited: "其中第二项……" is answered from item two."""
    ask(page, app_server.url, "黄埔区未来有什么打算？")
    page.fill("#question textarea", "其中第二项具体怎么做？")
    page.click("#send")
    page.wait_for_function("document.querySelector('#chat').innerText.includes('理解为')", timeout=60_000)
    page.wait_for_timeout(500)
    assert "市域社会治理" in page.locator("#chat").inner_text()
    assert "二是加快創建國家級經開區" in page.locator("#sources .source-card").first.inner_text()


def test_abstention_looks_different(page, app_server):
    ask(page, app_server.url, "黄埔区的平均房价是多少？")
    assert page.locator("#chat .abstain").count() == 1
    bubble = page.locator("#chat").inner_text()       # the verdict first, then why
    assert bubble.index("报告中没有找到") < bubble.index("最接近的段落都没有给出这个数字：房价")
    assert "相关段落" in page.locator("#sources").inner_text()


def test_document_markup_is_shown_as_text(page, app_server, tmp_path):
    report = tmp_path / "security.txt"           # plain text: the markup is part of the text
    report.write_text(HOSTILE, encoding="utf-8")
    app_server.client.predict([handle_file(str(report))], api_name="/upload")
    ask(page, app_server.url, "网络安全专项检查发现了哪两类漏洞样本？")
    assert page.evaluate("window.__xss") is None                      # nothing ran
    text = page.locator("#sources").inner_text()
    assert "<script>window.__xss=2</script>" in text and "onerror" in text
    assert "[点这里](javascript:window.__xss=3)" in text
    assert page.locator("#chat a[href^='javascript'], #sources a[href^='javascript'], #sources img, #chat img").count() == 0
    page.screenshot(path=str(ARTIFACTS / "hostile-document.png"), full_page=True)


def test_upload_through_the_page(page, app_server, tmp_path):
    """What a person does: choose a file on the 报告 tab, import it, see it listed and the
    header's counts change, then ask about it."""
    report = tmp_path / "口岸通关报告.docx"
    import docx

    document = docx.Document()
    document.add_heading("口岸通关报告", 0)
    document.add_paragraph("2024年，黄埔港推行“船边直提”模式，进口货物平均通关时间压缩至6.5小时。")
    document.save(report)
    page.goto(app_server.url)
    page.wait_for_selector("#status:has-text('已就绪')", timeout=60_000)
    page.get_by_role("tab", name="报告").click()
    page.set_input_files("#upload input[type=file]", str(report))
    page.wait_for_selector("#upload :text('口岸通关报告.docx')", timeout=30_000)
    page.click("#upload-btn")
    page.wait_for_selector("#report-status:has-text('新增 1 份')", timeout=120_000)
    page.wait_for_selector("#upload :text('口岸通关报告.docx')", state="detached", timeout=10_000)   # box emptied
    count = len(app_server.client.predict(api_name="/documents"))
    page.wait_for_selector(f"#status:has-text('{count} 份报告')", timeout=10_000)
    assert "口岸通关报告" in page.locator("#docs").inner_text()

    page.get_by_role("tab", name="问答").click()
    page.fill("#question textarea", "进口货物平均通关时间压缩到多少小时？")
    page.click("#send")
    page.wait_for_selector("#sources .source-card:has-text('口岸通关报告')", timeout=60_000)
    assert "6.5" in page.locator("#chat").inner_text()

    page.get_by_role("tab", name="报告").click()              # and removed again, leaving the index as found
    page.click("#chosen input")
    page.get_by_role("option", name="口岸通关报告").first.click()
    page.click("#remove-btn")                                   # the page asks first
    page.wait_for_selector("#report-status:has-text('确定要删除')", timeout=10_000)
    page.click("#confirm-remove-btn")
    page.wait_for_selector("#report-status:has-text('已删除')", timeout=60_000)
    page.wait_for_selector(f"#status:has-text('{count - 1} 份报告')", timeout=10_000)
    assert "口岸通关报告" not in page.locator("#docs").inner_text()


def test_a_report_added_elsewhere_shows_without_a_reload(page, app_server, tmp_path):
    """A colleague uploads a report (another session, here the API); this open page's
    header and report list follow within a few seconds, and so does its removal."""
    from gradio_client import Client

    page.goto(app_server.url)
    page.wait_for_selector("#status:has-text('已就绪')", timeout=60_000)
    count = len(app_server.client.predict(api_name="/documents"))
    page.wait_for_selector(f"#status:has-text('{count} 份报告')", timeout=10_000)
    report = tmp_path / "同事上传的报告.txt"
    report.write_text("一、概况\n2024年，全区新建口袋公园37个，绿道总长达到215公里。\n", encoding="utf-8")
    colleague = Client(app_server.url, verbose=False)
    colleague.predict([handle_file(str(report))], api_name="/upload")
    page.wait_for_selector(f"#status:has-text('{count + 1} 份报告')", timeout=20_000)
    page.get_by_role("tab", name="报告").click()
    assert "同事上传的报告" in page.locator("#docs").inner_text()
    docs = colleague.predict(api_name="/documents")
    colleague.predict(next(d["doc_id"] for d in docs if d["title"] == "同事上传的报告"), api_name="/remove")
    page.wait_for_selector(f"#status:has-text('{count} 份报告')", timeout=20_000)
