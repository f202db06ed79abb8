"""The answer layer's stages (router, reader, gate) and their contracts, on a made-up
mini-report and a fake embedder: no model, fast."""
from __future__ import annotations

import json

import numpy as np
import pytest

from retriever import config
from retriever.gate import FEATURES, Decision, LearnedGate, features, fit_logistic, fitted
from tests.fakes import FakeEmbedder

MINI_REPORT = """星河县2030年工作报告

一、主要工作情况

（一）交通建设
全县新建农村公路120公里，改造危桥15座。县城至高铁站的快速路于2029年10月建成通车。

（二）教育发展
新建幼儿园8所，新增学位2400个。全县义务教育巩固率达到99.2%。

（三）生态保护
完成植树造林3.5万亩，森林覆盖率提高到68%。县城空气质量优良天数比例为95%。

二、下一步打算

（一）建设综合交通枢纽
推进县城至省会的城际铁路前期工作。

（二）办好人民满意的教育
新建一所高级中学，扩大优质学位供给。
"""


class StubGate:
    """A gate that answers or declines as told, and records what it was shown."""

    def __init__(self, answer: bool, reason=None):
        self.answer, self.reason, self.seen = answer, reason, []

    def run(self, question, hits, relevance, candidates, weights) -> Decision:
        self.seen.append((question, hits, candidates))
        return Decision(answer=self.answer, p_answer=0.9 if self.answer else 0.1, reason=self.reason,
                        features=features(question, hits, relevance, candidates, weights))


@pytest.fixture(scope="module")
def mini_index(tmp_path_factory):
    from ingest.pipeline import Ingestor

    folder = tmp_path_factory.mktemp("mini")
    (folder / "星河县2030年工作报告.txt").write_text(MINI_REPORT, encoding="utf-8")
    data = folder / "data"
    summary = Ingestor(data, FakeEmbedder()).ingest_paths([folder / "星河县2030年工作报告.txt"])
    assert summary.added and not summary.failed
    return data


def _retriever(data, gate, reader=None):
    from retriever.service import Retriever

    return Retriever(data, embedder=FakeEmbedder(), gate=gate, reader=reader)


# ---------------------------------------------------------------- the stages together
def test_the_gate_sees_the_readers_candidates_and_its_answer_is_cited(mini_index):
    gate = StubGate(answer=True)
    answer = _retriever(mini_index, gate).ask("全县新建农村公路多少公里？")
    question, hits, candidates = gate.seen[-1]
    assert candidates and all(0 <= c.hit_index < 3 for c in candidates)     # the reader read the top passages
    assert not answer.abstained and "120公里" in answer.answer
    assert answer.answer.rstrip().endswith("]")                             # every sentence ends with its [n]
    assert answer.citations[0].sentences and answer.citations[0].sentences[0] in answer.citations[0].text
    assert answer.decision.p_answer == 0.9 and answer.public()["p_answer"] == 0.9


def test_a_declining_gate_gives_the_not_found_message_its_reason_and_related_passages(mini_index):
    gate = StubGate(answer=False, reason=("unknown", ["浦东"]))
    answer = _retriever(mini_index, gate).ask("浦东新区新建农村公路多少公里？")
    assert answer.abstained and answer.answer.startswith("报告中没有找到")
    assert answer.warnings == ["报告中没有提到：浦东"]
    assert answer.related and not answer.citations
    assert answer.public()["related"] is True


def test_hits_keep_the_search_order_whatever_the_later_stages_do(mini_index):
    retriever = _retriever(mini_index, StubGate(answer=True))
    question = retriever.prepare("森林覆盖率提高到多少？")
    searched = [h.chunk.id for h in retriever.search(question, k=10)]
    answer = retriever.ask("森林覆盖率提高到多少？")
    assert [h.chunk.id for h in answer.hits] == searched


def test_the_reader_is_replaceable(mini_index):
    from retriever.extract import Candidate

    class FirstSentenceReader:
        def run(self, question, hits, context):
            text = hits[0].chunk.text
            end = text.index("。") + 1
            return [Candidate(0, 0, end, 1.0, key=(0, 0), text=text[:end])]

        def choose(self, question, found, context):
            return found[:1]

    answer = _retriever(mini_index, StubGate(answer=True), reader=FirstSentenceReader()).ask("幼儿园新建了几所？")
    first = answer.citations[0]
    assert answer.answer == first.text[:first.text.index("。") + 1] + "[1]"


def test_a_question_about_the_whole_report_is_routed_to_its_outline_not_the_gate(mini_index):
    gate = StubGate(answer=False)
    answer = _retriever(mini_index, gate).ask("这篇报告讲了什么？")
    assert not gate.seen and not answer.abstained and answer.decision is None
    assert answer.answer.startswith("星河县2030年工作报告：一、主要工作情况；[1]二、下一步打算")


# ---------------------------------------------------------------- the learned gate
def test_logistic_fit_recovers_a_known_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 3))
    true = np.array([2.0, -1.0, 0.0])
    y = (rng.random(4000) < 1 / (1 + np.exp(-(x @ true + 0.5)))).astype(float)
    coef, bias = fit_logistic(x, y, l2=0.01)
    assert np.allclose(coef, true, atol=0.2) and abs(bias - 0.5) < 0.2


def test_a_fitted_gate_is_calibrated_on_its_own_kind_of_data():
    """Rows whose coverage makes them answerable with a known probability: the gate's
    P(answerable) tracks it (within sampling noise), so 0.75 means three in four."""
    rng = np.random.default_rng(1)
    rows, labels = [], []
    for _ in range(3000):
        row = dict.fromkeys(FEATURES, 0.0)
        row["coverage"] = rng.random()
        rows.append(row)
        labels.append(int(rng.random() < row["coverage"]))
    gate = fitted(rows, labels, l2=0.01)
    probe = dict.fromkeys(FEATURES, 0.0)
    for coverage in (0.2, 0.5, 0.8):
        probe["coverage"] = coverage
        predicted = gate.probability(probe)
        observed = np.mean([l for r, l in zip(rows, labels) if abs(r["coverage"] - coverage) < 0.05])
        assert abs(predicted - observed) < 0.1


def test_the_gate_declines_on_a_strong_negative_signal_and_names_it():
    from retriever.abstain import Relevance
    from retriever.question import parse_question

    rng = np.random.default_rng(2)
    rows, labels = [], []
    for _ in range(400):
        row = dict.fromkeys(FEATURES, 0.0)
        row["unknown"] = float(rng.random() < 0.3)
        row["coverage"] = rng.random()
        rows.append(row)
        labels.append(int(not row["unknown"]))
    gate = fitted(rows, labels)
    question = parse_question("浦东新区新建农村公路多少公里？")
    decision = gate.run(question, [], Relevance(0.9, [], unknown=["浦东"]), [], {})
    assert not decision.answer and decision.reason == ("unknown", ["浦东"])
    assert gate.threshold == config.GATE_THRESHOLD == 0.75


def test_gate_file_round_trip_and_refusal_of_other_features(tmp_path):
    gate = LearnedGate(coef=[0.5] * len(FEATURES), bias=0.1, mean=[0.0] * len(FEATURES),
                       scale=[1.0] * len(FEATURES), provenance={"fitted_by": "test"})
    path = tmp_path / "gate.json"
    gate.save(path)
    again = LearnedGate.load(path)
    row = dict.fromkeys(FEATURES, 0.3)
    assert again.probability(row) == pytest.approx(gate.probability(row))
    data = json.loads(path.read_text())
    data["names"] = data["names"][:-1]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="fit_gate"):
        LearnedGate.load(path)


def test_the_shipped_gate_file_matches_the_features_and_says_where_it_came_from():
    gate = LearnedGate.load()
    assert gate.names == FEATURES and len(gate.coef) == len(FEATURES)
    assert gate.provenance["fitted_by"] == "python -m benchmarks.fit_gate"
    assert set(gate.provenance["sources"]) >= {"cmrc2018", "drcd", "own"}
