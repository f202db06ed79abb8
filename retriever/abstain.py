"""The signals of whether the top passages answer the question (the gate weighs them).

Computed once per question, for the router and the gate (README, "How a question is
answered"); none decides alone:
- ``unknown``: a name, place, organisation, acronym, year or quoted term in the question
  that the loaded reports never mention (``上海浦东新区``, ``GDP``, ``2021``, “四个率先”; in an
  English question, years and pinyin names: ``Shanghai``, ``2020``).
- ``unfocused``: the thing an English question asks about (the ``budget`` of a court) when
  none of the top passages speaks of it (``retriever.focus``).
- ``no_figure`` / ``figure_given``: the thing a Chinese "how many" question counts (法官 in
  法院有多少名法官), and whether a top passage gives a number near it (``retriever.figures``).
- ``coverage``: the share of the question's keyword weight (IDF) found in one of the top
  passages; ``absent``: the question's keywords no passage of the library holds.
- ``sentence``: the best cosine between the question and the candidate answer sentences
  (set by the reader). Passage-level cosines say little here (e5 scores a passage about the
  district's economy 0.89 for "GDP?", above many answerable paraphrases).
- ``counted_figure``: for an English "how many X" question, the text around a number of X
  in a top passage (``retriever.focus.figure_for``): the reader quotes that sentence first.

Which of them earn a place in the gate is measured (``python -m benchmarks.fit_gate
--ablate``); an English name that the first passage lacks and an author note answering
"who wrote this" were signals here once and did not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chinese.bilingual import stem_forms
from chinese.clean import fold_for_matching

from .figures import counted_words, giving_figure
from .focus import counted_phrase, figure_for, focus_words, glossed_stems, missing_in
from .question import Question, is_abbreviation, without_speech
from .records import Hit
from .search import idf

_ENTITY_FLAGS = {"ns", "nr", "nrt", "nt", "nz", "nrfg"}
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》，。、！？；：,.!?;:]{2,20})[”\"」』》]")
VETOES = ("unknown", "unfocused", "no_figure")   # Relevance fields, most telling first


@dataclass
class Relevance:
    coverage: float                      # best IDF-weighted share of question terms in a top hit
    missing: list[str]                   # question terms found in no top hit
    unknown: list[str] = field(default_factory=list)   # entities the corpus never mentions
    unfocused: list[str] = field(default_factory=list)    # what an English question asks about, no top passage has
    counted: list[str] = field(default_factory=list)      # what a Chinese "how many" question counts (figures.counted_words)
    no_figure: list[str] = field(default_factory=list)    # what a Chinese question counts, no top passage gives a number for
    sentence: float | None = None        # best question-sentence cosine, when computed
    counted_figure: str = ""             # an English "how many X" question: where a top passage gives a number of X
    figure_given: str = ""               # a Chinese one: where a top passage gives a number of X (or of a synonym)
    dense: float = 0.0                   # best passage cosine (reported, not decisive)
    absent: list[str] = field(default_factory=list)   # question terms no chunk of the library holds

    @property
    def vetoes(self) -> list[tuple[str, list[str]]]:
        """[(signal, its words)] for each veto raised, the most telling first: a name the
        reports never use says more than a passage that lacks it, which says more than
        passages that lack the budget asked for, or a figure for the judges counted."""
        return [(name, getattr(self, name)) for name in VETOES if getattr(self, name)]

    @property
    def vetoed(self) -> bool:
        """Something the question needs is missing (the router then gives no outline; the gate
        weighs each signal)."""
        return bool(self.vetoes)


def unknown_entities(question: Question, corpus_text: str,
                     names: list[tuple[str, list[str]]] | None = None) -> list[str]:
    """Names, places, organisations, acronyms, years and quoted Chinese terms in the
    question that appear nowhere in the (folded) corpus text. ``names``: ``english_names``
    if already known."""
    quoted = unknown_quoted(question.folded, corpus_text)
    if question.language == "en":
        return quoted + _unknown_in_english(question.text, corpus_text,
                                            english_names(question, corpus_text) if names is None else names)
    from chinese.bilingual import is_common_word, spelled_out
    from chinese.script import with_digits
    from chinese.tokenize import tagged

    out = []
    for word, flag in tagged(without_speech(question.folded, asking=False)):   # not 镇里, 区里
        word = word.strip()
        if len(word) < 2:
            continue
        is_entity = flag in _ENTITY_FLAGS and re.search(r"[\u4e00-\u9fff]", word)
        is_acronym = flag == "eng" and is_abbreviation(word, question.text)
        is_year = re.fullmatch(r"(19|20)\d\d", word)
        if (is_entity or is_acronym or is_year) and word not in corpus_text:
            if is_entity and (is_common_word(word) or with_digits(word) in corpus_text):
                continue                  # jieba tags 外国 "foreign country" as a place; 五百强 is 500强
            if is_acronym and any(form in corpus_text for form in spelled_out(word)):
                continue                  # GDP: the reports write 生产总值
            out.append(word)
    return quoted + [w for w in out if not any(w in q for q in quoted)]


def unknown_quoted(folded: str, corpus_text: str) -> list[str]:
    """The Chinese terms the question puts in quotes (“四个率先”, 「金镶玉」, 《规划》) that the
    reports never write, as written or with digits (“黄金十条” is 黄金10条 there): the asker
    wants that term, and a passage with other words is not about it. A quotation with
    punctuation inside is a saying cited loosely (DRCD quotes some with other punctuation
    than its passage), so it is not judged."""
    from chinese.script import with_digits

    out = []
    for term in _QUOTED.findall(folded):
        term = " ".join(term.split())
        forms = {term, term.replace(" ", ""), with_digits(term)}
        if re.search(r"[\u4e00-\u9fff]", term) and not any(f in corpus_text for f in forms):
            out.append(term)
    return out


def english_names(question: Question, corpus_text: str) -> list[tuple[str, list[str]]]:
    """[(name, the forms of it the reports contain)] for the pinyin names in an English
    question (Shanghai -> 上海); none for a Chinese one."""
    if question.language != "en":
        return []
    from chinese.bilingual import proper_names

    return [(name, [f for f in forms if f in corpus_text]) for name, forms in proper_names(question.text)]


def _unknown_in_english(text: str, corpus_text: str, names: list[tuple[str, list[str]]]) -> list[str]:
    """Years, and place or person names, that the reports never mention. English acronyms
    are not judged: a Chinese report writes COVID-19 as 新冠 and GDP as 生产总值."""
    years = [y for y in dict.fromkeys(re.findall(r"\b(?:19|20)\d\d\b", text)) if y not in corpus_text]
    return years + [name for name, known in names if not known]


def measure(question: Question, hits: list[Hit], document_frequency: dict[str, int], total: int,
            corpus_text: str = "", top: int = 3) -> Relevance:
    names = english_names(question, corpus_text) if corpus_text else []
    unknown = unknown_entities(question, corpus_text, names) if corpus_text else []
    if not hits:
        return Relevance(0.0, list(question.terms), unknown,
                         absent=[t for t in question.terms if not document_frequency.get(t)])
    weights = {t: idf(document_frequency.get(t, 0), total) for t in question.terms}
    mass = sum(weights.values()) or 1.0
    texts = [fold_for_matching(hit.chunk.matching_text) for hit in hits[:top]]
    best_cover, found_anywhere = 0.0, set()
    spoken_of = _bridged_by_meaning(question)
    for text in texts:
        glossed = glossed_stems(text) if spoken_of else set()
        found = {t for t in question.terms if t in text or spoken_of.get(t, set()) & glossed}
        found_anywhere |= found
        best_cover = max(best_cover, sum(weights[t] for t in found) / mass)
    dense = max((h.dense for h in hits[:top] if h.dense is not None), default=0.0)
    english = question.language == "en"
    unfocused = missing_in(focus_words(question.text), texts) if english else []
    counted_figure = _counted_figure(question, texts) if english else ""
    counting = not english and question.wants == "number"
    counted = counted_words(without_speech(question.folded, asking=False)) if counting else []
    figure_given = giving_figure(counted, texts)
    return Relevance(coverage=best_cover if question.terms else 0.0,
                     missing=[t for t in question.terms if t not in found_anywhere],
                     absent=[t for t in question.terms if not document_frequency.get(t)],
                     unknown=unknown, dense=dense,
                     unfocused=unfocused, counted=counted, no_figure=counted if counted and not figure_given else [],
                     counted_figure=counted_figure, figure_given=figure_given)


def _bridged_by_meaning(question: Question) -> dict[str, set[str]]:
    """{a Chinese word bridged from an English phrase: the stems of that phrase's head}.
    A passage that says the phrase another way counts as holding the word: "taxes" is
    bridged to 减税 (tax cut), and the passage on 税费, 税收 (glossed "tax") speaks of it."""
    return {c: stem_forms(b.head) for b in question.bridges for c in b.chinese}


def _counted_figure(question: Question, texts: list[str]) -> str:
    counted = counted_phrase(question.text)
    head_as = [c for b in question.bridges if counted and b.head == counted[-1] for c in b.chinese]
    return figure_for(counted, texts, head_as)
