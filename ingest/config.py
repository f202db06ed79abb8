"""Ingest's word lists and limits, each with where it comes from (README, "Configuration").

The answer layer's values are in ``retriever/config.py``.
"""
from __future__ import annotations

import re

# The version of the cleaning and chunking rules. An index written under another (or none:
# before 2026-12-07's end-matter rule) is rebuilt by its next ingest, so a report whose file
# did not change does not keep chunks the current rules would not make. Raise it with any
# change to what becomes text or how it is cut, or to what the record reads from the front
# matter (4: the delivery line, the speaker's line and the meeting; tables of contents dropped;
# 5: a national report's place).
CLEANING_VERSION = "5"

# --- front matter (ingest/metadata.py) ------------------------------------------------------
# Reports open with a salutation to the congress; what precedes it is the report's front
# matter (title, the "——2026年1月28日在……会议上" line, the speaker, page furniture). All 29
# reports of ../shared/reports/provinces-2026 have one within their first 25 lines.
# A line that ends with it counts too: a hard-wrap join may have put a caption before it.
# 议员: a policy address to a legislative council opens 主席、各位議員： (twenty-eighth round).
SALUTATION_WORDS = r"各位(?:人大)?(?:代表|委员|同志|议员)(?:们)?"
SALUTATION = SALUTATION_WORDS + r"[，,：:]?$"
FRONT_MATTER_MAX_BLOCKS = 40          # the salutation is looked for this far, no further
FRONT_MATTER_MAX_CHARS = 1500         # ... and within this many characters
# Web page furniture, a whole line each (README of ../shared/reports: 下载/打印/【字号】):
# the lines the 29 scraped reports carry before their title, not words of any report.
FURNITURE_LINES = r"^(?:下载|打印|全屏|收藏|分享[：:]?|关闭|返回|首页|>|【字[号体][：:]?|加大|还原|减小|[大中小]|】|" \
                  r"您的位置[：:]?|当前位置[：:]?|来源[：:].{0,20}|时间[：:].{0,25}|发布时间[：:].{0,25}|" \
                  r"\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?(?:\s*\d{1,2}[:时]\d{1,2}(?::\d{1,2}|分)?)?)$"
# Web page end matter: a scraped article ends with an editor line, "related reports" links,
# share/print buttons; the report's words never follow one of these. Generic web-article
# markers (Chinese news and government sites), seen closing 27 of the 29 reports of
# ../shared/reports/provinces-2026 (相关报道： 21, 扫一扫… 3, 责任编辑： 1, 》》点击图片… 1,
# （来源：青海日报） 1); and the footer every Chinese government site must carry (主办单位,
# 网站标识码, the ICP licence number), with 版权所有 / 联系我们 / 网站地图, for a page saved as
# HTML whose footer is not a <footer>. A whole line each, brackets optional.
END_MATTER_LINES = r"^[（(【]?(?:相关(?:报道|链接|附件|文档|新闻|阅读|稿件)[：:]?(?:>>)?|责任编辑[：:].{0,12}|" \
                   r"编辑[：:].{0,12}|扫一扫在手机打开当前页|打印本页|关闭窗口|分享到[：:]?|" \
                   r"》》点击图片进入专题《《|来源[：:].{0,20}|(?:主办|承办|主办单位|承办单位|技术支持)[：:].{0,40}|" \
                   r"网站标识码.{0,40}|.{0,30}ICP备.{0,30}|版权所有.{0,40}|(?:联系我们|网站地图)(?:\s*[|｜]\s*.{0,30})?)[）)】]?$"
# ... and only where what follows is short: at most this many characters, and less than half
# the document (the longest tail of the 29, Sichuan's, is about 600: links to three news
# items, the page's title again and a teaser), so a marker-like line inside a report keeps
# the report whole.
END_MATTER_MAX_CHARS = 1000
# A converted PDF's running header or footer: a line (digits aside, at most 40 characters)
# among the first or last two lines of at least half the pages, and of 3 pages or more. A
# report's own sentences do not recur on half its pages; a header does on nearly all.
RUNNING_LINE_SHARE = 0.5
RUNNING_LINE_MIN_PAGES = 3
# A photo caption: a line ending in a photographer's credit (本报记者 朱江 摄). Seen in 8 of
# the 29 reports, always a line of its own.
PHOTO_CAPTION = r"(?:记者|摄影|通讯员)[\s\S]{0,16}摄\s*[)）]?$"
# A table of contents: 目录 / 目 录 / 目次 alone on a line and the entries after it, or a run of
# entries with dot leaders and no 目录 above it. An entry is a short line ending in a page
# number after dot leaders ("一、2025年工作回顾……………3") or, under 目录, spaces; the page
# numbers never go down. Converted PDFs and Word files carry one; its lines repeat the
# headings and would be found, and cited, for a question naming a part. Spaces alone, with no
# 目录, are a table's columns (a Markdown table of indicators), which must stay.
CONTENTS_TITLE = r"^(?:目\s*录|目\s*次|contents)$"
CONTENTS_LEADERS = r"^.{2,60}?[.．…·・\-—_]{2,}\s*(\d{1,3})$"
CONTENTS_SPACED = r"^.{2,60}?(?:\s{2,}|\t)(\d{1,3})$"
CONTENTS_MIN_ENTRIES = 3       # a run of leader entries this long is a table of contents without 目录
MAX_CAPTION_CHARS = 120

# --- passages (ingest/structure.py) ---------------------------------------------------------
# A paragraph shorter than this is not a passage of its own: it opens the next paragraph (or
# closes the last one). The reports' unnumbered sub-headings ("大力提振消费。"), glossary terms
# ("［5］ESI：" above their definition), "附件", "重点做好八方面工作：" are such lines. Alone,
# each was a chunk of a few words whose e5 vector lies near every question: in the library,
# Yunnan's "（" was the first hit of 35 of our in-sample English questions (docs/log.md,
# "twenty-fifth round"). The value is structure's own heading length (MAX_HEADING_CHARS): a
# line no longer than a heading is not read as a passage. The shipped report has no body
# paragraph this short; CMRC and DRCD paragraphs are documents of their own.
MIN_PASSAGE_CHARS = 40

# --- document records (ingest/metadata.py) -------------------------------------------------
# Kinds of report, the most specific first; a title holding none is a 报告 of no known kind.
REPORT_KINDS = ("政府工作报告", "施政报告", "改革工作报告", "工作报告", "报告")
# Provincial-level places: the short name users write, the full name, the English name.
# (Data, not tuning: the 34 provincial-level divisions.)
PROVINCES = [
    ("北京", "北京市", "Beijing"), ("天津", "天津市", "Tianjin"), ("上海", "上海市", "Shanghai"),
    ("重庆", "重庆市", "Chongqing"), ("河北", "河北省", "Hebei"), ("山西", "山西省", "Shanxi"),
    ("辽宁", "辽宁省", "Liaoning"), ("吉林", "吉林省", "Jilin"), ("黑龙江", "黑龙江省", "Heilongjiang"),
    ("江苏", "江苏省", "Jiangsu"), ("浙江", "浙江省", "Zhejiang"), ("安徽", "安徽省", "Anhui"),
    ("福建", "福建省", "Fujian"), ("江西", "江西省", "Jiangxi"), ("山东", "山东省", "Shandong"),
    ("河南", "河南省", "Henan"), ("湖北", "湖北省", "Hubei"), ("湖南", "湖南省", "Hunan"),
    ("广东", "广东省", "Guangdong"), ("海南", "海南省", "Hainan"), ("四川", "四川省", "Sichuan"),
    ("贵州", "贵州省", "Guizhou"), ("云南", "云南省", "Yunnan"), ("陕西", "陕西省", "Shaanxi"),
    ("甘肃", "甘肃省", "Gansu"), ("青海", "青海省", "Qinghai"), ("台湾", "台湾省", "Taiwan"),
    ("内蒙古", "内蒙古自治区", "Inner Mongolia"), ("广西", "广西壮族自治区", "Guangxi"),
    ("西藏", "西藏自治区", "Tibet"), ("宁夏", "宁夏回族自治区", "Ningxia"),
    ("新疆", "新疆维吾尔自治区", "Xinjiang"), ("香港", "香港特别行政区", "Hong Kong"),
    ("澳门", "澳门特别行政区", "Macao"),
]
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")     # provincial level though called 市
# The national report (国务院's 政府工作报告) names no place: it is delivered at the 全国人民代表大会
# (no province before the session's number, as in 云南省第十四届人民代表大会) by the premier, and
# opens 我代表国务院. Its record's place is NATIONAL, level 国家. (How the national reports
# since 1954 read: data, not tuning.) A question saying 全国 is not scoped to it: reports and
# questions write 全国首个, 居全国第2位 of a province's or a district's own work.
NATIONAL = "全国"
NATIONAL_SIGNS = re.compile(r"^(?:第[一二三四五六七八九十]+届)?全国人民代表大会|^国务院总理|我代表国务院")
