"""The answer layer's thresholds and weights, each with where its value comes from.

Fitted values (the gate's weights) live in ``gate.json``, written by
``python -m benchmarks.fit_gate``; what is here is chosen, not fitted, and says why.
README, "How a question is answered", gives the stages these belong to.
"""
from __future__ import annotations

import re

# --- the gate (retriever/gate.py) -------------------------------------------------------
# Answer when P(answerable) is above this. Not tuned on any question: a guess presented as
# fact costs a user 3, a needless "the reports don't say" costs 1 (the costs the project
# has used since its first calibration), and answering is the cheaper choice exactly when
# 3 * (1 - p) < 1 * p, i.e. p > 3 / 4.
GUESS_COST, DECLINE_COST = 3.0, 1.0
GATE_THRESHOLD = GUESS_COST / (GUESS_COST + DECLINE_COST)
# The gate is fitted on data where, within each source, answerable and unanswerable
# questions weigh the same (a 50/50 prior); its probabilities are then moved to the share
# of answerable questions people ask. Ours: 69 of the 92 questions of benchmarks/questions.jsonl,
# written as users ask before any gate existed, are answerable (0.75, odds 3:1).
ANSWERABLE_SHARE = 69 / 92
# L2 penalty of the logistic regression, on standardised features. Chosen by 5-fold
# cross-validated log-loss on the fitting data only (``benchmarks.fit_gate --l2-grid``).
GATE_L2 = 1.0

# --- the extractive reader (retriever/extract.py, retriever/reader.py) -----------------
MAX_SENTENCES = 3           # an answer quotes at most this many sentences (a short answer)
MAX_ANSWER_CHARS = 220      # ... and at most this many characters
MIN_SENTENCE_CHARS = 8      # shorter "sentences" are list debris (（一）, 1.)
READ_PASSAGES = 3           # the reader reads the top 3 passages (R@3 ≥ 0.98 on every set we have)
SENTENCE_CHECK = 3          # sentences embedded per question for the cosine feature (latency: ~15 ms)
# The best sentence restating the question (at most this share of its characters not in the
# question: "外蒙古包括现在蒙古国以及唐努乌梁海地区。") is quoted with the sentence after it, where
# the answer is. Chosen on the removal benchmarks' fit parts (600 answerable questions each,
# docs/log.md, twenty-ninth round): DRCD answers holding the gold 0.802 -> 0.807 / 0.812 / 0.820 /
# 0.822 at 0.15 / 0.3 / 0.45 / 0.6, changing 16 / 52 / 116 / 230 answers; 0.45 is the knee (above
# it, 114 more answers grow for one more right one). CMRC 0.885 -> 0.892 at 0.45.
RESTATES_QUESTION = 0.45
# English questions: sentences re-ranked by cosine, weight measured in docs/log.md,
# "English questions" (fifth round: right answers 20 -> 22 of 25 on our set).
COSINE_WEIGHT_ENGLISH = 2.0

# --- searching a library (retriever/service.py) ----------------------------------------
# A question that names the year its reports speak of (2026年…, every report in its scope
# a 2026 report) is also searched for this word: a report says "今年" of its own year, and
# its five-year targets ("十五五", 年均增长) and last year's review otherwise outrank that
# year's targets for "2026年……目标". Keyword side only; the reader and the gate see the
# question as asked. Measured on the library set (docs/log.md, "twenty-third round"):
# developed on, right first 0.809 -> 0.851; only reported, 0.789 -> 0.816, nothing else moved.
THIS_YEAR = "今年"
# A question in Traditional script is embedded in Simplified when at least this share of the
# chunks it searches is Simplified: e5 scores a passage lower when the scripts differ, and
# OpenCC's t2s is reliable (s2t is not: one Simplified character can be several Traditional
# ones, so the other way round is not done). Keyword search folds both sides already. Not
# tuned: "nearly all"; a library mixing both (CMRC with DRCD) is left as it is. Measured in
# docs/log.md, "twenty-fourth round".
SIMPLIFIED_SCOPE = 0.9
SCRIPT_SAMPLE = 3000        # characters of a document read to tell its script (a report is written in one)
# A question naming no report is asked of each report its top passages come from (the
# READ_PASSAGES the reader reads) and of the report of each search side's (dense, keywords)
# best passages down to this rank: fusion can put a report that one side ranks first below
# three passages of other reports that both sides find middling. Measured (docs/log.md,
# twenty-ninth round) on our in-sample sets inside the library: right alone, wrong inside
# 6 -> 4, unanswerable answered 25 -> 25; rank 2 gained nothing more and cost p95 (242 -> 335 ms).
EACH_SIDE_BEST = 1
# A question naming no place but speaking of the district (区里, 本区, "the district") is
# asked of the library's reports on a district (record level 区, a place named ……区), as a
# question naming a place is asked of its report; none, or only those: no scope. Folded text
# (Simplified, lower case). Not 自治区's "全区" alone: an autonomous region's record is a
# province's, and a question about one names it. Measured (docs/log.md, twenty-seventh round):
# our in-sample sets inside the library, every one of the 66 questions it scopes answered as
# alone; R@1 0.698 -> 0.744, unanswerable answered 29 -> 25 of 92. Asking the district
# reports and the 5 autonomous regions' together was worse (0.729, 27).
DISTRICT_WORDS = re.compile(r"区里|本区|全区|区内|区委|区政府|区级"
                            r"|\bthe (?:district|zone)\b|\bdistrict's\b|\bzone's\b")

# --- questions about a report itself (retriever/record.py) ------------------------------
# Who delivered a report, when, at which meeting: its front matter says so, and the front
# matter is the report's record, not searched text (ingest/metadata.py). Matched on the
# folded question (Simplified, lower case). Written from how the 29 provincial reports'
# front matter reads ("——2026年1月28日在……会议上", "省长 王予波") and how one asks about it;
# checked against every question set we have (docs/log.md, twenty-eighth round): no content
# question of ours, of the library set, of CMRC 2018 or of DRCD is taken for one. The date
# and the meeting are asked of a report only when the question says 报告 / report: "习近平
# 总书记在哪次会议上提出……" asks about content.
# A role asked about with no report named (基金会现任董事会主席是谁？, "Who is the mayor of
# Guangzhou?" with no report on it) is no question about a report's record; nor is one that
# names a year none of the reports in scope is of (1986年的时候，上海市市长是谁？).
NAMES_A_REPORT = re.compile(r"报告|\breport\b|\baddress\b")
_REPORT = rf"(?=.*(?:{NAMES_A_REPORT.pattern}))"
_DELIVER = r"(?:作|做|宣读|发表|发布|提交)"
ASKS_SPEAKER = re.compile(
    r"(?:谁|哪位|何人)[^，。？?]{0,4}?" + _DELIVER + r"[^，。？?]{0,20}?报告"    # 谁作的……报告, 哪位领导作了……报告
    r"|报告[^，。？?]{0,4}?(?:谁|哪位|何人)" + _DELIVER +                     # ……报告(分别)是谁做的
    r"|报告人|作报告的(?:是|人)"
    r"|(?:省长|市长|区长|县长|主席|总理|行政长官)是(?:谁|哪位)"                 # 浙江省的省长是谁？
    r"|\bwho (?:delivered|gave|presented|made|read)\b|\bdelivered by whom\b"
    r"|\bwho is the (?:governor|mayor|premier|chairman|chief executive)\b")
ASKS_DATE = re.compile(
    _REPORT + r".*(?:(?:哪天|哪一天|哪日|什么时候|何时|什么时间|什么日期|几月几[日号]|几号)" + _DELIVER
    + r"(?:的|了)?(?:报告|[？?]|$)|报告的?日期"
    r"|\bwhen (?:was|is|did)\b[^?]{0,60}\b(?:deliver(?:ed)?|give|given|present(?:ed)?|made|make|read)\b"
    r"|\b(?:what|which) (?:date|day)\b|\bdate of\b)")
ASKS_MEETING = re.compile(
    _REPORT + r".*(?:(?:什么|哪次|哪个|哪一次|哪届)(?:会议|大会|会)"
    r"|\b(?:at|in|to|before) (?:what|which) (?:meeting|session|congress)\b"
    r"|\bwhich (?:meeting|session|congress)\b)")
# A question about the library itself (库里有哪些报告？, 收录了几份报告？, "Which reports do you
# have?"): answered with the list of its reports' records. Only when the question ends there:
# 有哪些报告提到了低空经济？ asks about content. Checked against every question set we have
# (docs/log.md, twenty-eighth round): none taken.
ASKS_THE_LIBRARY = re.compile(
    r"^(?:请问)?(?:库里|库中|资料库里?|系统里|这里|你这里|你们|你|您)?(?:都|一共|总共|共)?(?:有|收录了?|导入了?|包含|包括)"
    r"(?:哪些|什么|几份|几个|多少份?)(?:省份的|地方的|地区的)?(?:政府工作)?(?:报告|文件|文档)(?:呢|吗)?[？?。]?$"
    r"|^(?:which|what) (?:reports|documents) (?:do you have|are (?:there|loaded|available|in the library))\??$"
    r"|^how many (?:reports|documents) (?:do you have|are (?:there|loaded|in the library))\??$")
# Which reports mention something (哪些省份提到了低空经济？, 有哪些报告提到人形机器人？): every report
# in scope is read for the words as the question writes them (folded), and each one that has
# them is listed with the first sentence that does. A question asking which report *does*
# something (哪些省份GDP增长超过5%？) is not one: it needs 提到 / 提及 / 谈到 / 涉及 ... (that one
# is asked of every report, ASKS_EVERY_REPORT below). Checked
# against every question set we have (docs/log.md, twenty-eighth round): none taken.
ASKS_WHICH_REPORTS = re.compile(
    r"^(?:请问)?(?:有)?哪些(?:报告|省份?|地区|地方|城市|市|区)(?:的报告)?(?:里|中)?(?:都|也)?"
    r"(?:提到|提及|谈到|谈及|说到|讲到|写到|涉及)(?:了|过)?(?P<topic>[^，,。？?]{2,20}?)(?:的内容)?[？?。]?$")
# A question asking it of every report (各省2026年地区生产总值增长目标是多少？, 每份报告……, "each
# province's ...") is asked of each report in scope (the library, or the reports chosen), each
# on its own; those that answer are listed, named, and the silent ones in one line. So is one
# asking which province (哪个省的……最高？, "Which province ..."): every report's figure is listed
# for the asker to compare (the reply does not rank them). Matched on the folded question.
# Not 各地 (世界各地, a report's 各地 are its own localities), not 各省籍. Checked against every
# question set we have (docs/log.md, twenty-ninth round): none of our 622 questions is taken;
# 21 of CMRC's and DRCD's 11,238 are (各省, 哪个省 in history and geography), which changes
# nothing there: their paragraphs have no records, so there is no report to ask.
ASKS_EVERY_REPORT = re.compile(
    r"各(?:个)?(?:省份?|省区市|地区|市|自治区|份?报告)(?!籍|长|委|政府|人大)|每(?:个|一个|份)(?:省份?|地区|城市|报告)"
    r"|所有(?:的)?(?:省份?|地区|报告)|全部(?:的)?(?:省份?|报告)"
    r"|哪(?:个|一个|几个|些)(?:省份?|省区市|自治区)|\bwhich (?:provinces?|regions?)\b"
    r"|\b(?:each|every|all(?: the| of the)?) (?:provinces?|reports?|regions?)(?:'s?)?\b|\beach of the (?:provinces|reports)\b")
# A question naming several reports (江苏和浙江的城镇新增就业目标分别是多少？, 江苏、浙江的报告分别
#是谁作的？) is asked of each and gets each one's answer, named (a report that does not say
# is said to be silent), up to this many. More (2026年政府工作报告…… in a library of 29) is
# asked as a question naming none; a question about their records is asked back which
# report is meant. Five is a handful a person would compare side by side, not tuned.
SIDE_BY_SIDE = 5
