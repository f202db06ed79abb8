"""Read report files into plain blocks of text: headings and paragraphs.

In:  a path to a .txt .md .html/.htm .docx or .pdf file.
Out: ``LoadedFile`` (title and blocks), or ``UnreadableFile`` with a message that a
     person can act on. Cleaning and structure come later (``clean``, ``structure``);
     this module only gets the text out of the container, safely.
"""
from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from chinese.clean import join_hard_wraps

from . import config

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"}


class UnreadableFile(Exception):
    """A file we cannot read; the message says why, in terms a user understands: in
    English for the command line, ``zh`` in Chinese for the page."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh


@dataclass
class Block:
    text: str
    heading_level: int | None = None  # 1 = top-level heading; None = body paragraph


@dataclass
class LoadedFile:
    title: str
    blocks: list[Block] = field(default_factory=list)
    encoding: str | None = None


@dataclass
class Limits:
    """Guards against hostile or absurd files (see README, Reliability)."""
    max_file_bytes: int = 50 * 1024 * 1024
    max_unzipped_bytes: int = 200 * 1024 * 1024   # .docx zip bombs
    max_zip_ratio: int = 200                       # uncompressed / compressed, per entry


def load(path: Path, limits: Limits | None = None) -> LoadedFile:
    limits = limits or Limits()
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise UnreadableFile(f"unsupported file type '{suffix or '(none)'}' (supported: "
                             + ", ".join(sorted(SUPPORTED)) + ")",
                             f"不支持的文件类型“{suffix or '无扩展名'}”（支持：{'、'.join(sorted(SUPPORTED))}）")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnreadableFile(f"file is {size / 2**20:.0f} MB, over the {limits.max_file_bytes / 2**20:.0f} MB "
                             "limit (set RAG_MAX_FILE_MB to change it)",
                             f"文件大小 {size / 2**20:.0f} MB，超过 {limits.max_file_bytes / 2**20:.0f} MB 的上限")
    if size == 0:
        raise UnreadableFile("file is empty", "文件是空的")
    data = path.read_bytes()
    reader = {".docx": _load_docx, ".pdf": _load_pdf, ".html": _load_html, ".htm": _load_html,
              ".md": _load_markdown, ".markdown": _load_markdown}.get(suffix, _load_text)
    loaded = reader(data, limits) if suffix == ".docx" else reader(data)
    if not any(b.text.strip() for b in loaded.blocks):
        if suffix == ".pdf":
            raise UnreadableFile("no text found: this PDF seems to be scanned images; run OCR on it "
                                 "(e.g. ocrmypdf) and ingest the result",
                                 "没有找到文字：这份 PDF 似乎是扫描图片，请先做文字识别（OCR）再导入")
        raise UnreadableFile("no text found in the file", "文件中没有找到文字")
    if not loaded.title:
        loaded.title = _title_from_name(path)
    return loaded


UPLOAD_SUFFIX = re.compile(r"__[0-9a-f]{8}$")   # added to uploaded files' names (ui.state)


def display_stem(path: Path) -> str:
    """The file's name as its author gave it: no extension, no upload suffix."""
    return UPLOAD_SUFFIX.sub("", Path(path).stem)


def _title_from_name(path: Path) -> str:
    return re.sub(r"[_]+", " ", display_stem(path)).strip() or path.name


# ---------------------------------------------------------------- plain text
_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode report bytes: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK
    or Big5. Returns (text, encoding). When both Chinese codecs accept the bytes, the
    one that yields common characters wins: the wrong one gives rare ones."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    if b"\x00" in data[:4096]:
        raise UnreadableFile("this looks like a binary file, not text", "这像是二进制文件，不是文本")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "big5"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_commonness(text), encoding, text))
    if not candidates:
        raise UnreadableFile("cannot decode the text: it is not UTF-8, GB18030/GBK or Big5",
                             "无法识别文字编码：不是 UTF-8、GB18030/GBK 或 Big5")
    score, encoding, text = max(candidates)
    if score < 0.5:
        raise UnreadableFile("cannot decode the text: no encoding gives readable Chinese "
                             "(is it a binary file?)", "无法识别文字编码：任何编码都得不到可读的中文（是二进制文件吗？）")
    return text, encoding


def _commonness(text: str) -> float:
    """Share of Han characters that are among the ~3,800 most common (GB2312 level 1),
    directly or after t2s conversion."""
    from chinese.script import to_simplified

    han = [c for c in text[:20000] if "\u4e00" <= c <= "\u9fff"]
    if not han:
        printable = sum(c.isprintable() or c.isspace() for c in text[:20000])
        return printable / max(1, len(text[:20000]))
    common = 0
    for c in to_simplified("".join(han)):
        try:
            common += 0xB0 <= c.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            pass
    return common / len(han)


def _load_text(data: bytes) -> LoadedFile:
    text, encoding = decode_text(data)
    paragraphs = join_hard_wraps(text.splitlines())
    return LoadedFile(title="", blocks=[Block(p) for p in paragraphs], encoding=encoding)


# ---------------------------------------------------------------- markdown
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),          # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),           # links -> their text
    (re.compile(r"(\*\*|__|\*|_|~~|`)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"<[^>]+>"), ""),                           # inline HTML tags
]


def _load_markdown(data: bytes) -> LoadedFile:
    text, encoding = decode_text(data)
    blocks: list[Block] = []
    pending: list[str] = []
    in_code = False

    def flush():
        blocks.extend(Block(p) for p in join_hard_wraps(pending))
        pending.clear()

    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        heading = _MD_HEADING.match(line)
        if heading and not in_code:
            flush()
            blocks.append(Block(_md_inline(heading.group(2)), heading_level=len(heading.group(1))))
            continue
        line = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+|^\s*>\s?", "", line)  # list and quote markers
        if re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", line) and "-" in line:
            continue                                                  # table rule
        pending.append(_md_inline(line.replace("|", " ")) if not in_code else line)
        if not line.strip():
            flush()
    flush()
    title = next((b.text for b in blocks if b.heading_level == 1), "")
    return LoadedFile(title=title, blocks=blocks, encoding=encoding)


def _md_inline(text: str) -> str:
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return text.strip()


# ---------------------------------------------------------------- HTML
_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "pre", "blockquote",
                "div", "section", "article"]


def _load_html(data: bytes) -> LoadedFile:
    from bs4 import BeautifulSoup

    declared = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", data[:4096], re.I)
    try:
        text = data.decode(declared.group(1).decode()) if declared else decode_text(data)[0]
    except (LookupError, UnicodeDecodeError):
        text = decode_text(data)[0]
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer", "iframe",
                     "object", "svg", "form"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    blocks: list[Block] = []
    for el in soup.find_all(_HTML_BLOCKS):
        if el.find(_HTML_BLOCKS):          # only the innermost block elements carry text
            continue
        content = el.get_text(" ", strip=True)
        if not content:
            continue
        level = int(el.name[1]) if re.fullmatch(r"h[1-6]", el.name) else None
        blocks.append(Block(content, heading_level=level))
    heading = next((b.text for b in blocks if b.heading_level == 1), "")
    # A page's <title> is often the heading plus the site's name (……工作报告_某市人民政府门户网站).
    if not title or (heading and title.startswith(heading)):
        title = heading or title
    return LoadedFile(title=title, blocks=blocks)


# ---------------------------------------------------------------- DOCX
def _load_docx(data: bytes, limits: Limits) -> LoadedFile:
    _check_zip(data, limits)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise UnreadableFile(f"not a valid .docx file ({exc.__class__.__name__})", "不是有效的 .docx 文件") from None
    except Exception as exc:  # lxml raises its own XMLSyntaxError for damaged parts
        raise UnreadableFile(f"damaged .docx file: {exc}", ".docx 文件已损坏，无法读取") from None
    blocks: list[Block] = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        level = _docx_heading_level(style)
        blocks.append(Block(text, heading_level=level))
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                blocks.append(Block(" | ".join(dict.fromkeys(cells))))
    title = (document.core_properties.title or "").strip()
    if not title:
        title = next((b.text for b in blocks if b.heading_level == 1), "")
    return LoadedFile(title=title, blocks=blocks)


def _docx_heading_level(style: str) -> int | None:
    if style.lower() == "title" or style == "标题":
        return 1
    m = re.match(r"(?:heading|标题|標題)\s*(\d)", style, re.I)
    return int(m.group(1)) if m else None


def _check_zip(data: bytes, limits: Limits) -> None:
    """Refuse zip bombs before python-docx inflates anything."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableFile("not a valid .docx file (it is not a zip archive; truncated or renamed?)",
                             "不是有效的 .docx 文件（文件可能不完整，或是改了扩展名）") from None
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if total > limits.max_unzipped_bytes or (info.file_size > 1_000_000 and ratio > limits.max_zip_ratio):
            raise UnreadableFile("refused: this .docx expands to an implausible size (zip bomb?)",
                                 "已拒绝：这个 .docx 解压后大得不合常理（疑似压缩炸弹）")
    if "word/document.xml" not in archive.namelist():
        raise UnreadableFile("not a valid .docx file (no word/document.xml inside)",
                             "不是有效的 .docx 文件（缺少正文部分 word/document.xml）")
    # python-docx parses with lxml set to resolve_entities=False; also refuse DTDs outright,
    # since a Word file never needs one and entity-expansion attacks live there.
    with archive.open("word/document.xml") as part:
        head = part.read(4096)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise UnreadableFile("refused: the document declares XML entities (not something Word writes)",
                             "已拒绝：文档声明了 XML 实体（Word 不会这样写）")


# ---------------------------------------------------------------- PDF
def _load_pdf(data: bytes) -> LoadedFile:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise UnreadableFile("this PDF is password-protected", "这份 PDF 设有密码，无法读取") from None
        pages = [page.extract_text() or "" for page in reader.pages]
        title = ((reader.metadata or {}).get("/Title") or "") if reader.metadata else ""
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise UnreadableFile(f"damaged PDF file ({exc.__class__.__name__}: {exc})"[:300],
                             "PDF 文件已损坏，无法读取（可能不完整，或不是真正的 PDF）") from None
    running = _running_lines(pages)
    lines: list[str] = []
    for page in pages:
        for line in page.splitlines():
            if re.fullmatch(r"\s*[-—–]?\s*\d{1,4}\s*[-—–]?\s*", line):   # page numbers
                continue
            if _page_furniture_key(line) in running:
                continue
            lines.append(line)
    return LoadedFile(title=str(title).strip(), blocks=[Block(p) for p in join_hard_wraps(lines)])


def _page_furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _running_lines(pages: list[str]) -> set[str]:
    """Running headers and footers ("2026年政府工作报告", "— 3 —", "第3页 共20页"): a line
    that opens or closes at least half of the pages (``config.RUNNING_LINE_SHARE``, and 3
    pages or more), its digits ignored. The text of one page never repeats like that."""
    counts: dict[str, int] = {}
    for page in pages:
        lines = [ln for ln in page.splitlines() if ln.strip()]
        for key in {_page_furniture_key(ln) for ln in lines[:2] + lines[-2:]}:
            counts[key] = counts.get(key, 0) + 1
    needed = max(config.RUNNING_LINE_MIN_PAGES, config.RUNNING_LINE_SHARE * len(pages))
    return {key for key, n in counts.items() if n >= needed and len(key) <= 40}
