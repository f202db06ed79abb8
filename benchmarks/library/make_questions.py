"""Writes benchmarks/library/questions.jsonl: the library question set (README, "Measurements").

    python -m benchmarks.library.make_questions

Facts are read from the reports' own "主要预期目标" sentences by three patterns (the 2026
targets for GDP growth, new urban jobs and the surveyed unemployment rate) and a few 2025
GDP totals, then asked as a user would: naming the province and year, in Traditional script,
in English; the same indicator for provinces whose report does not give it, for places and
years the library holds no report of, and with no report named. The set is split by a hash
of each qid (``benchmarks.sets.library_part``) into a part developed on and a part only
reported; nothing here looks at an answer.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from chinese.script import to_traditional
from ingest.config import PROVINCES

REPORTS = Path(__file__).resolve().parents[3] / "shared" / "reports" / "provinces-2026"
OUT = Path(__file__).parent / "questions.jsonl"
TARGETS = {
    "gdp": (r"(?:(?:地区|全市|全省|全区)?生产总值|经济)(?:预期)?增长(\d+(?:\.\d+)?[%％](?:—\d+(?:\.\d+)?[%％])?(?:左右|以上)?)", "{p}2026年地区生产总值的预期增长目标是多少？",
            "What is {e}'s GDP growth target for 2026?"),
    "jobs": (r"城镇新增就业(\d+(?:\.\d+)?万人(?:以上|左右)?)", "{p}2026年城镇新增就业的目标是多少？",
             "How many new urban jobs does {e} aim to create in 2026?"),
    "unemployment": (r"城镇调查失业率(?:控制在|在)?(\d+(?:\.\d+)?[%％](?:左右|以内)?)", "{p}2026年城镇调查失业率要控制在多少？",
                     "What surveyed urban unemployment rate does {e} target for 2026?"),
}
ABSENT_WORDS = {"gdp": "生产总值增长", "jobs": "新增就业", "unemployment": "失业率"}
GDP_2025 = {"四川省": "67665亿元", "宁夏回族自治区": "5696亿元", "福建省": "60199.45亿元", "重庆市": "33757.93亿元",
            "甘肃省": "13697.5亿元"}
ABSENT_PLACES = ["北京市", "广东省", "香港"]              # no report of theirs in the library
ABSENT_FACTS = [                                          # asked of provinces whose report never says it
    ("{p}2026年计划引进多少名诺贝尔奖获得者？", "诺贝尔"),
    ("{p}2025年商品房平均房价是每平方米多少元？", "平均房价"),
    ("{p}2026年举办奥运会的预算是多少？", "奥运会"),
    ("{p}省长2025年的年薪是多少？", "年薪"),
    ("{p}2025年共有多少只大熊猫出生？", "大熊猫"),
]
SEVERAL = ["2026年地区生产总值的预期增长目标是多少？", "2026年城镇新增就业的目标是多少？",
           "今年城镇调查失业率要控制在多少？", "What is the GDP growth target for 2026?"]


# The sentence that states the year's targets ("主要预期目标是：", "主要目标为"); a line that
# only mentions targets ("顺利完成全年主要目标任务" in the review of 2025) is not read.
TARGET_LINE = re.compile(r"(?:预期|主要)目标(?:是|为|[：:])")


def targets(text: str) -> dict[str, tuple[str, str]]:
    out = {}
    for line in text.splitlines():
        if TARGET_LINE.search(line):
            for key, (pattern, _, _) in TARGETS.items():
                m = re.search(pattern, line)
                if m and key not in out:
                    out[key] = (m.group(1), m.group(0))
    return out


def _key(figure: str) -> str:
    """The part of a figure a right answer must contain: 5.5%左右 -> 5.5%."""
    return figure.replace("％", "%").rstrip("左右以上以内")


def main() -> int:
    english = {full: e for _, full, e in PROVINCES}
    rows = []

    def add(qid, question, kind, answerable, place, evidence=(), answer=None):
        rows.append({"qid": qid, "question": question, "kind": kind, "answerable": answerable,
                     "report": place, "evidence": list(evidence), "answer": answer})

    for n, path in enumerate(sorted(REPORTS.glob("*.txt"))):
        place = path.stem.split("_")[1]
        text = path.read_text(encoding="utf-8")
        found = targets(text)
        for key, (_, asked, asked_en) in TARGETS.items():
            qid = f"lib-{key}-{place}"
            if key in found:
                figure, evidence = found[key]
                add(qid, asked.format(p=place), "named", True, place, [evidence], _key(figure))
                if n % 3 == 0:
                    add(qid + "-hant", to_traditional(asked.format(p=place)), "traditional", True, place, [evidence],
                        _key(figure))
                if n % 3 == 1:
                    add(qid + "-en", asked_en.format(e=english[place]), "english", True, place, [evidence],
                        _key(figure))
            elif ABSENT_WORDS[key] not in text:     # the report never speaks of it: unanswerable
                add(qid, asked.format(p=place), "not_in_report", False, place)
        if place in GDP_2025:
            add(f"lib-gdp2025-{place}", f"{place}2025年地区生产总值是多少？", "named", True, place,
                [GDP_2025[place]], GDP_2025[place].replace("亿元", ""))
        question, term = ABSENT_FACTS[n % len(ABSENT_FACTS)]
        if term not in text:
            add(f"lib-absent-{place}", question.format(p=place), "not_in_report", False, place)
    for place in ABSENT_PLACES:
        for key, (_, asked, _) in TARGETS.items():
            add(f"lib-noreport-{key}-{place}", asked.format(p=place), "no_such_report", False, place)
    for year, place in (("2019", "云南省"), ("2024", "四川省"), ("2023", "浙江省"), ("2020", "")):
        add(f"lib-oldyear-{year}{place}", f"{year}年{place}政府工作报告中，地区生产总值增长了多少？", "no_such_report",
            False, place)
    add("lib-oldyear-en", "In the 2019 government work report of Yunnan, what was the GDP growth?", "no_such_report",
        False, "云南省")
    for i, question in enumerate(SEVERAL):
        add(f"lib-several-{i}", question, "several", True, "", [], None)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} questions ({sum(not r['answerable'] for r in rows)} unanswerable) -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
