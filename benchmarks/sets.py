"""Which of our question sets shape the answer layer and which are only reported.

Split once (2026-12-07), before the learned gate existed and before any of its numbers
were seen: the sets written to design a change, and for each kind of held-out set the
older half, are fitted on (``FIT_SETS``: in sample); the newer half of each kind is only
reported (``REPORT_SETS``). The follow-up set (``followups.jsonl``) goes to the router,
not the gate, and is in sample.

A question of a report set whose text also stands in the code or the tests was looked at
while a rule was written (earlier rounds did that), so it is no longer held out. The 20
such questions were moved (2026-12-07) to ``development_quoted.jsonl`` (``DEV_SETS``: in
sample, not fitted on; each keeps the set it came from under ``from``); ``in_code`` still
guards the report sets, and the reports leave out any question it finds. 9 questions of the
fitted sets named ``heldout_*`` that tests quote went the same way (2026-12-07, second move).
"""
from __future__ import annotations

import functools

import settings

FIT_SETS = ("questions.jsonl", "heldout_english.jsonl", "heldout_english_2.jsonl", "heldout_english_3.jsonl",
            "heldout_english_4.jsonl", "heldout_chinese_paraphrase.jsonl", "chinese_figures.jsonl",
            "broad_questions.jsonl", "quoted_terms.jsonl")
REPORT_SETS = ("heldout_english_5.jsonl", "heldout_english_6.jsonl", "heldout_english_7.jsonl",
               "heldout_english_8.jsonl", "heldout_chinese_paraphrase_2.jsonl", "heldout_chinese_paraphrase_3.jsonl",
               "chinese_figures_heldout.jsonl", "broad_questions_heldout.jsonl")
DEV_SETS = ("development_quoted.jsonl",)
CODE_FOLDERS = ("chinese", "ingest", "embedding", "index", "retriever", "ui", "tests")


@functools.lru_cache(maxsize=1)
def _code_text() -> str:
    root = settings.PROJECT_ROOT
    return "\n".join(p.read_text(encoding="utf-8") for folder in CODE_FOLDERS
                     for p in sorted((root / folder).rglob("*.py")))


def in_code(question: str) -> bool:
    """The question (its first 30 characters) is written in the code or the tests."""
    return question.strip()[:30] in _code_text()


# The library question set (benchmarks/library/questions.jsonl, written by
# benchmarks.library.make_questions): split by a hash of the qid, 2 in 5 developed on, the
# rest only reported. Fixed before any answer to it was seen (2026-12-07).
LIBRARY_SET = "library/questions.jsonl"


def library_part(qid: str, question: str = "") -> str:
    """A question written out whole in the generator (those naming no report, one English
    one) was read while the code was written: it is developed on, whatever its hash."""
    import hashlib

    if question and question.strip() in _generator_text():
        return "dev"
    return "dev" if int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 5 < 2 else "report"


@functools.lru_cache(maxsize=1)
def _generator_text() -> str:
    return (settings.PROJECT_ROOT / "benchmarks" / "library" / "make_questions.py").read_text(encoding="utf-8")
