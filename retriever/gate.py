"""The gate: answer or decline, with a probability (README, "How a question is answered").

In: the question, the hits (in search order), the signals ``abstain.measure`` computed
and the reader's candidate sentences. Out: a ``Decision``.

The signals the hand-written rules used to decide with alone are the features of one
logistic regression (``FEATURES``): keyword coverage of the top passages and of the first,
the share of the question's keywords the library never holds, the reader's best sentence
(its keyword match and its cosine with the question), how far the first passage's cosine
stands above the next ones, a name / year / quoted term the reports never mention, what an
English question asks about missing from the top passages, a figure (or none) near what a
"how many" question counts, and whether the question is in English. Its weights are fitted on questions nobody here wrote (CMRC 2018
and DRCD "by removal": ``benchmarks/removal.py``) and on our own design sets, by
``python -m benchmarks.fit_gate``, and stored in ``gate.json`` beside this file with
where they came from. The model is a dot product at run time: numpy only.

Features tried and dropped because the cross-validated log-loss was no worse without them
(``python -m benchmarks.fit_gate --ablate``; docs/log.md, "The learned gate"): the best
passage cosine, whether the keyword and dense sides both rank the first passage first, its
keyword rank, the question's rarest keyword missing from the top passages, character-bigram
and sentence coverage, whether a number or date is asked for and found, an English name
the first passage lacks, an English "how many X" answered by a passage's number of X, an
author note for "who wrote this", the number of keywords, and English-only copies of the
cosine and the coverage.

The operating point is not tuned: the model is fitted with answerable and unanswerable
questions weighing the same, its odds are multiplied by those of the questions people ask
(``config.ANSWERABLE_SHARE``: 3 of 4 answerable), and since a guess presented as fact costs
a user three times as much as a needless "the reports don't say", it answers when
P(answerable) > 3 / (3 + 1) = 0.75 (``config.GATE_THRESHOLD``).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import settings
from chinese.clean import fold_for_matching

from . import config
from .question import Question
from .records import Hit

GATE_FILE = Path(__file__).with_name("gate.json")

# Names of the features, in the order of the weight vector. ``features`` computes them.
FEATURES = (
    "coverage",            # IDF share of the question's keywords in the best of the top 3 passages
    "coverage_first",      # the same in the first passage alone
    "absent",              # IDF share of the question's keywords that no passage of the library holds
    "reader",              # the reader's best sentence: its keyword + bigram match alone
    "sentence",            # best cosine between the question and a candidate sentence
    "dense_gap",           # the first passage's cosine above the mean of the next nine (does it stand out?)
    "unknown",             # a name, year or quoted term the reports never mention
    "unfocused",           # what an English question asks about, in no top passage
    "no_figure",           # what a Chinese "how many" question counts, with no number near it
    "figure_given",        # ... or with a number near it
    "english",
)


@dataclass
class Decision:
    answer: bool
    p_answer: float
    reason: tuple[str, list[str]] | None = None    # the most telling veto signal, shown when declining
    features: dict[str, float] = field(default_factory=dict)


def features(question: Question, hits: list[Hit], relevance, candidates: list, weights: dict[str, float]) -> dict:
    """The gate's inputs, each a number, from what the earlier stages computed."""
    first = fold_for_matching(hits[0].chunk.matching_text) if hits else ""
    mass = sum(weights.values()) or 1.0
    best = candidates[0] if candidates else None
    return {
        "coverage": relevance.coverage,
        "coverage_first": _share(weights, first),
        "absent": sum(weights.get(t, 0.0) for t in relevance.absent) / mass,
        "reader": best.alone if best is not None else 0.0,
        "sentence": relevance.sentence or 0.0,
        "dense_gap": _gap([h.dense for h in hits[:10]]),
        "unknown": float(bool(relevance.unknown)),
        "unfocused": float(bool(relevance.unfocused)),
        "no_figure": float(bool(relevance.no_figure)),
        "figure_given": float(bool(relevance.figure_given)),
        "english": float(question.language == "en"),
    }


def _share(weights: dict[str, float], text: str) -> float:
    """The IDF-weighted share of the question's keywords that a folded text holds."""
    mass = sum(weights.values())
    return sum(w for t, w in weights.items() if t in text) / mass if mass else 0.0


def _gap(cosines: list) -> float:
    known = [c for c in cosines if c is not None]
    return known[0] - sum(known[1:]) / len(known[1:]) if len(known) > 1 and cosines[0] is not None else 0.0


@dataclass
class LearnedGate:
    """P(answerable) = sigmoid(coef · standardised features + bias + log prior odds);
    answer above ``threshold``."""
    coef: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    names: tuple[str, ...] = FEATURES
    threshold: float = config.GATE_THRESHOLD
    prior_odds: float = config.ANSWERABLE_SHARE / (1 - config.ANSWERABLE_SHARE)
    provenance: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> "LearnedGate":
        """The gate in ``path``, else $RAG_GATE_FILE, else the shipped ``gate.json``;
        $RAG_GATE_THRESHOLD moves the operating point (README, "Configuration")."""
        path = path or settings.gate_file() or GATE_FILE
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["names"]) != FEATURES:
            raise ValueError(f"{path} was fitted on other features; refit: python -m benchmarks.fit_gate")
        threshold = settings.gate_threshold() or data.get("threshold", config.GATE_THRESHOLD)
        return cls(coef=data["coef"], bias=data["bias"], mean=data["mean"], scale=data["scale"],
                   names=tuple(data["names"]), threshold=threshold, prior_odds=data["prior_odds"],
                   provenance=data.get("provenance", {}))

    def save(self, path: Path = GATE_FILE) -> None:
        data = {"names": list(self.names), "coef": self.coef, "bias": self.bias, "mean": self.mean,
                "scale": self.scale, "threshold": self.threshold, "prior_odds": self.prior_odds,
                "provenance": self.provenance}
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def probability(self, values: dict[str, float]) -> float:
        x = (np.array([values[n] for n in self.names]) - self.mean) / self.scale
        logit = float(np.dot(self.coef, x)) + self.bias + math.log(self.prior_odds)
        return float(1 / (1 + math.exp(-max(-30.0, min(30.0, logit)))))

    def run(self, question: Question, hits: list[Hit], relevance, candidates: list,
            weights: dict[str, float]) -> Decision:
        values = features(question, hits, relevance, candidates, weights)
        p = self.probability(values) if hits else 0.0
        vetoes = relevance.vetoes
        return Decision(answer=p > self.threshold, p_answer=p, reason=vetoes[0] if vetoes else None,
                        features=values)


def fit_logistic(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None,
                 l2: float = config.GATE_L2, iterations: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (IRLS) on standardised
    features: a few lines instead of a dependency. Returns (coef, bias)."""
    n, d = x.shape
    w = np.ones(n) if sample_weight is None else sample_weight / sample_weight.mean()
    design = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0                       # the bias is not shrunk
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (w * (p - y)) + penalty * beta
        hessian = (design * (w * p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def fitted(rows: list[dict], labels: list[int], sample_weight=None, l2: float = config.GATE_L2,
           provenance: dict | None = None, prior_odds: float = 1.0) -> LearnedGate:
    """A gate fitted on feature rows (dicts with every name of ``FEATURES``). ``prior_odds``:
    the odds of answerable questions where it will be used, against those it was fitted on."""
    x = np.array([[r[n] for n in FEATURES] for r in rows], dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0                 # a feature constant here carries no weight
    coef, bias = fit_logistic((x - mean) / scale, np.array(labels, dtype=float),
                              None if sample_weight is None else np.asarray(sample_weight, dtype=float), l2)
    return LearnedGate(coef=[round(float(c), 6) for c in coef], bias=round(bias, 6),
                       mean=[round(float(m), 6) for m in mean], scale=[round(float(s), 6) for s in scale],
                       prior_odds=prior_odds, provenance=provenance or {})
