"""Does adding or removing a report change answers about the other reports? (issue: "Stable as
the library grows"; README, "Measurements").

    python -m benchmarks.stability [--only notice|library|removal]

``notice``: the shipped report alone, and with one small unrelated document beside it (a
made-up .docx notice of a sports day, uploaded as a user would); our question sets (every
set, the report sets without the questions the code quotes) asked of both.
``library``: our question sets asked of the shipped report alone and inside the 30-report
library (``benchmarks.library.run --ingest`` builds it): the issue's "no answer that is right
alone is wrong there".
``removal``: the 30-report library, and the same library without each of three provinces'
reports in turn; the library set's questions about the other reports asked of both.

Printed: how many questions changed their outcome (first hit holding the evidence, answered
or declined, right or not), how many right answers turned wrong and wrong ones right. A
report's content can be relevant to another's question, so "changed" is not all error;
right → wrong is the number to keep at 0.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE / "runs" / "stability"
# Made up for this benchmark (not a question set): a school notice, about nothing any report says.
NOTICE = ["关于举办2031年春季趣味运动会的通知",
          "各班级：为丰富校园文化生活，学校定于4月18日（星期五）上午8时在东操场举办春季趣味运动会。",
          "比赛项目包括拔河、跳绳、两人三足和托球跑，每班限报24人，请班主任于4月10日前将报名表交体育组。",
          "运动会当天请学生穿运动服、运动鞋，自带水杯；如遇雨天，活动顺延一周。"]
REMOVED = ("2026-海南省-政府工作报告", "2026-四川省-政府工作报告", "2026-江苏省-政府工作报告")


def outcome(row: dict) -> tuple:
    return (row["rank"] == 1, row["abstained"], row["correct"])


def compare(before: list[dict], after: list[dict]) -> dict:
    pairs = list(zip(before, after))
    return {"questions": len(pairs),
            "changed": sum(outcome(a) != outcome(b) for a, b in pairs),
            "right_to_wrong": sum(a["correct"] and not b["correct"] for a, b in pairs),
            "wrong_to_right": sum(b["correct"] and not a["correct"] for a, b in pairs),
            "right_before": sum(a["correct"] for a, _ in pairs), "right_after": sum(b["correct"] for _, b in pairs)}


def _notice(folder: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = NOTICE[0]
    for line in NOTICE:
        document.add_paragraph(line)
    path = folder / "运动会通知.docx"
    document.save(str(path))
    return path


def _our_questions() -> list[tuple[str, dict]]:
    from benchmarks.own_set import _load
    from benchmarks.sets import DEV_SETS, FIT_SETS, REPORT_SETS, in_code

    return [(name, q) for name in FIT_SETS + DEV_SETS + REPORT_SETS for q in _load(HERE / name)
            if name not in REPORT_SETS or not in_code(q["question"])]


def notice() -> dict:
    import settings
    from embedding.model import Embedder
    from ingest.pipeline import Ingestor

    with_notice = RUNS / "with-notice"
    shutil.rmtree(with_notice, ignore_errors=True)
    with_notice.mkdir(parents=True)
    summary = Ingestor(with_notice, Embedder()).ingest_paths([settings.DEFAULT_CORPUS, _notice(RUNS)])
    assert len(summary.added) == 2 and not summary.failed, summary.as_dict()
    return _alone_and(with_notice)


def library() -> dict:
    from benchmarks.library.run import DEFAULT_DIR

    return _alone_and(DEFAULT_DIR)


def _alone_and(data: Path) -> dict:
    """Our question sets asked of the shipped report alone and of the index in ``data``."""
    from benchmarks.fit_gate import _seed_index
    from benchmarks.own_set import evaluate
    from benchmarks.sets import REPORT_SETS
    from retriever.service import Retriever

    named = _our_questions()
    questions = [q for _, q in named]
    rows = [evaluate(Retriever(d), questions)["rows"] for d in (_seed_index(), data)]
    reported = [i for i, (name, _) in enumerate(named) if name in REPORT_SETS]
    return {"all": compare(*rows),
            "report sets": compare([rows[0][i] for i in reported], [rows[1][i] for i in reported])}


def removal() -> dict:
    from benchmarks.library.run import DEFAULT_DIR, load, score
    from embedding.model import Embedder
    from ingest.pipeline import Ingestor
    from retriever.service import Retriever

    questions = load("all")
    full = Retriever(DEFAULT_DIR)
    before = {q["qid"]: score(full, q) for q in questions}
    out = {}
    for doc_id in REMOVED:
        smaller = RUNS / "library-minus"
        shutil.rmtree(smaller, ignore_errors=True)
        shutil.copytree(DEFAULT_DIR, smaller, ignore=shutil.ignore_patterns("*.lock"))
        assert Ingestor(smaller, Embedder()).remove([doc_id]).removed == [doc_id]
        place = doc_id.split("-")[1]
        others = [q for q in questions if q["report"] != place and place not in q["question"]]
        retriever = Retriever(smaller)
        out[doc_id] = compare([before[q["qid"]] for q in others], [score(retriever, q) for q in others])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stability", description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("notice", "library", "removal"))
    args = parser.parse_args(argv)
    result = {}
    if args.only in (None, "notice"):
        result["notice"] = notice()
    if args.only in (None, "library"):
        result["library"] = library()
    if args.only in (None, "removal"):
        result["removal"] = removal()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
