"""The arithmetic behind the README's numbers (the commands themselves are run by hand)."""
from benchmarks.chunk_sizes import windows
from benchmarks.own_set import summarise


def test_fixed_windows_cover_the_text_with_overlap():
    text = "".join(chr(0x4e00 + i) for i in range(1200))
    pieces = windows(text, 500, 50)
    assert [len(p) for p in pieces] == [500, 500, 300]
    assert pieces[0][-50:] == pieces[1][:50] and pieces[-1].endswith(text[-1])


def test_own_set_summary_by_language():
    def row(answerable, rank, abstained, english=False, correct=False, kind="factual", first=False, f1=0.0):
        return {"kind": kind, "answerable": answerable, "rank": rank, "abstained": abstained,
                "english": english, "correct": correct, "first": first, "marked": f1 > 0, "key_f1": f1,
                "key_exact": f1 == 1.0, "latency_ms": 10.0}

    rows = [row(True, 1, False, correct=True, first=True, f1=0.5), row(True, 3, False), row(False, None, True),
            row(True, 2, True, english=True, kind="english"), row(False, None, False, english=True)]
    s = summarise(rows)
    assert (s["answerable"], s["unanswerable"]) == (3, 2)
    assert s["recall@1"] == 1 / 3 and s["recall@3"] == 1.0 and abs(s["mrr@10"] - (1 + 1 / 3 + 1 / 2) / 3) < 1e-9
    assert s["answerable_abstained"] == 1 and s["unanswerable_answered"] == 1
    assert s["abstention_precision"] == 0.5 and s["abstention_recall"] == 0.5
    assert (s["right_answers"], s["right_in_first_sentence"], s["right_key_marked"]) == (1, 1, 1)
    assert (s["right_key_f1"], s["right_key_exact"]) == (0.5, 0)     # over right answers only
    chinese, english = s["by_language"]["chinese"], s["by_language"]["english"]
    assert (chinese["recall@1"], chinese["answer_accuracy"], chinese["unanswerable_answered"]) == (0.5, 0.5, 0)
    assert (english["answerable_abstained"], english["unanswerable_answered"]) == (1, 1)


def test_answers_quoting_a_gold_answer(tmp_path):
    import json

    from benchmarks.shared import answer_accuracy

    questions = tmp_path / "questions.jsonl"
    run = tmp_path / "run.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"qid": "a", "question": "…", "answers": ["臺灣 大學"]},        # Traditional, with a space
        {"qid": "b", "question": "…", "answers": ["ＡＢＣ", "1990年"]},   # full width; a second answer
        {"qid": "c", "question": "…", "answers": ["黄埔"]},
        {"qid": "d", "question": "…", "answers": ["广州"]},
        {"qid": "e", "question": "…", "answers": ["不在运行里"]}]), encoding="utf-8")
    run.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"qid": "a", "answer": "他毕业于台湾大学。[1]", "abstained": False, "key_spans": [[4, 8]]},
        {"qid": "b", "answer": "成立于上海。[1]成立于1990年。[1]", "abstained": False,   # not first
         "key_spans": [[3, 5], [12, 16]]},                        # 1990 of 1990年
        {"qid": "c", "answer": "报告中没有找到……黄埔", "abstained": True},   # an abstention never counts
        {"qid": "d", "answer": "深圳。[1]", "abstained": False},
        {"qid": "z", "answer": "广州", "abstained": False}]), encoding="utf-8")   # not a benchmark question
    counts = answer_accuracy(questions, run)
    assert counts == {"questions": 5, "right": 2, "right_in_first_sentence": 1, "abstained": 1, "accuracy": 0.4,
                      "right_key_marked": 2, "right_key_exact": 1, "right_key_f1": counts["right_key_f1"]}
    assert abs(counts["right_key_f1"] - (1 + 8 / 9) / 2) < 1e-9      # 1990 against 1990年: P 1, R 4/5


def test_key_marking_is_cmrc_character_f1():
    """Characters compared as multisets after folding, punctuation dropped; the best pair of
    key span and gold answer counts."""
    from benchmarks.marking import key_marking

    answer = "在國家級開發區中率先出臺“暖企8條”，[1]推出“穩企6條”。[2]"
    exact = key_marking(answer, [(13, 17), (25, 29)], ["暖企8条"])
    assert (exact.marked, exact.exact, exact.f1) == (True, True, 1.0)
    wider = key_marking(answer, [(12, 18)], ["暖企8条"])                 # “暖企8條”: quotes are not compared
    assert wider.exact and wider.f1 == 1.0
    partial = key_marking(answer, [(8, 17)], ["暖企8条"])                # 率先出臺“暖企8條: 4 of 8 characters
    assert (partial.marked, partial.exact) == (True, False) and abs(partial.f1 - 2 * 0.5 * 1 / 1.5) < 1e-9
    elsewhere = key_marking(answer, [(25, 29)], ["暖企8条"])             # 穩企6條 shares 企, 条
    assert not elsewhere.marked and abs(elsewhere.f1 - 0.5) < 1e-9
    assert key_marking(answer, [], ["暖企8条"]).f1 == 0.0


def test_own_set_accepts_several_right_answers():
    """A broad question ("what has the district done about X") has several right answers;
    ``answer`` may list them, and any one of them makes the answer right."""
    from benchmarks.own_set import _keys

    assert _keys({"answer": "13个"}) == ["13个"]
    assert _keys({"answer": ["黄金10条", "暖企8条"]}) == ["黄金10条", "暖企8条"]
    assert _keys({}) == []


def test_stability_counts_outcomes_that_changed_and_right_answers_lost():
    from benchmarks.stability import compare

    def row(rank, abstained, correct):
        return {"rank": rank, "abstained": abstained, "correct": correct}

    before = [row(1, False, True), row(1, False, True), row(2, True, False), row(None, True, False)]
    after = [row(1, False, True), row(3, False, False), row(1, False, True), row(None, True, False)]
    assert compare(before, after) == {"questions": 4, "changed": 2, "right_to_wrong": 1, "wrong_to_right": 1,
                                      "right_before": 2, "right_after": 2}


def test_library_follow_ups_pair_each_question_with_the_one_before_in_its_template():
    from benchmarks.library.followups import follow_up, pairs

    everything = pairs("all")
    assert everything and all(a["qid"].split("-")[1] == b["qid"].split("-")[1] for a, b, _ in everything)
    assert all(a["report"] != b["report"] and a["kind"] == b["kind"] for a, b, _ in everything)
    assert len(pairs("dev")) + len(pairs("report")) == len(everything)
    assert follow_up("浙江省", english=False) == "那浙江呢？" and follow_up("浙江省", english=True) == "What about Zhejiang?"
