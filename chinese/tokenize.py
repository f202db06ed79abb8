"""Keyword terms for the lexical index, the same for passages and questions.

Text is folded first (Simplified, ASCII, lower case: ``clean.fold_for_matching``), then
cut by jieba with its HMM new-word guessing off: with HMM on, jieba cuts an unknown
name one way inside a short question (``白岳峰现``) and another inside a passage
(``白岳峰``), and the question then misses its passage. Passages are cut in search
mode, which also emits the shorter words inside long ones (``知识产权局`` gives
``知识``, ``产权``, ``知识产权``), so a question that names the shorter word still
matches.
"""
from __future__ import annotations

import functools
import logging
import re

from .clean import bracket_readings, fold_for_matching

# What ``passage_terms`` emits. Bump it when that changes: the next ingest then cuts every
# chunk's terms anew (``ingest.pipeline``), so an index needs no --rebuild. 2: bracket
# readings; 3: modal verbs are stopwords.
TERMS_VERSION = "3"

_WORDLIKE = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]")

# Function words that carry no topic; dropping them keeps the query terms few and sharp.
# The modal verbs (要, 能, 需要 ...) are how a question asks (要花多少天, 能到手吗): as
# keywords they matched every passage that says 要 or 能 (docs/log.md, "Retrieval and answers on
# our question set"). 可以 and 会 stay: 也可以定义角, 会 "meeting" name a topic often enough.
STOPWORDS = frozenset("""
的 了 和 与 及 或 是 在 有 对 为 以 于 将 把 被 从 由 等 也 都 而 并 其 这 那 之 个 中 上 下
要 能 能够 需要 应该
吗 呢 吧 啊 么 什么 哪些 哪个 哪 多少 几 怎么 怎样 如何 为什么 是否 请问 一下 我们 你们 他们 它 他 她
the a an of to in on for and or is are was were be by with what which who how when where why
does do did this that it as at from
""".split())


# Said before a request (请总结一下……, 请简述……, 麻烦列出……): how one asks, at the question's
# start only; within it 请 is a verb (南汉宸当时请谁题了字, DRCD). Of our sets and the library
# set, no question starts so; of CMRC's and DRCD's 11,238, three do (请简述……, 請用四個字形容……).
POLITE = frozenset("请 麻烦 劳驾".split())


@functools.lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _keep(token: str) -> bool:
    return bool(_WORDLIKE.search(token)) and token not in STOPWORDS


def passage_terms(text: str, bigrams_of: str = "") -> list[str]:
    """Terms of a passage, for indexing (search mode: words plus their sub-words), and
    the character bigrams of ``bigrams_of`` (the passage's own text). A phrase with a
    short word in brackets (纪（工）委书记) adds the terms its readings without them have
    and the text lacks (纪委, 纪工委: ``clean.bracket_readings``), once each, so
    that the phrase's other words do not count twice."""
    terms = _search_words(text) + char_bigrams(bigrams_of)
    readings = bracket_readings(text)
    if readings:
        known = set(terms)
        terms += [t for t in dict.fromkeys(_search_words(readings) + char_bigrams(readings)) if t not in known]
    return terms


def _search_words(text: str) -> list[str]:
    return [t for t in _jieba().cut_for_search(fold_for_matching(text), HMM=False) if _keep(t.strip())]


def char_bigrams(text: str) -> list[str]:
    """Overlapping Han-character bigrams. They match whatever jieba's dictionary cuts
    differently (names, new terms, 压减至 vs 压减): on DRCD they add half a point of R@1."""
    out = []
    for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}", fold_for_matching(text)):
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def query_terms(text: str) -> list[str]:
    """Distinct word terms of a question, in order of first appearance."""
    seen: dict[str, None] = {}
    for i, token in enumerate(_jieba().cut(fold_for_matching(text).lstrip(), HMM=False)):
        token = token.strip()
        if _keep(token) and not (i == 0 and token in POLITE):
            seen.setdefault(token, None)
    return list(seen)


def words(folded: str) -> list[str]:
    """Every piece jieba cuts a folded text into, punctuation included, in order: their
    lengths add up to the text's, so positions can be counted along."""
    return list(_jieba().cut(folded, HMM=False))


def tagged(folded: str, guess_new_words: bool = False) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) pairs, jieba's tag set (ns = place, nr = person ...);
    with ``guess_new_words`` jieba's HMM tags words its dictionary lacks (most names)."""
    import jieba.posseg

    _jieba()
    return [(p.word, p.flag) for p in jieba.posseg.cut(folded, HMM=guess_new_words)]


def person_names(folded: str) -> list[tuple[int, int]]:
    """(start, end) of the people's names jieba's HMM finds in a folded text, two characters
    or more: runs of words tagged nr (person), joined across a middle dot (法兰克·盖瑞), from
    a transliterated given name to its next part (亨利 + 福特) and from a surname alone to a
    given name of one or two characters (褚 + 大军). Only a guess: it splits rare names
    (豫亲王多铎 -> 王多铎) and takes some places and peoples for names."""
    tokens = _placed_tags(folded)

    def joined(j: int, first: bool) -> int:       # how many tokens after j belong to the same name
        if j + 2 < len(tokens) and tokens[j + 1][2] in _NAME_DOTS:
            return 2
        if j + 1 >= len(tokens):
            return 0
        (_, _, word, flag), (_, _, following, next_flag) = tokens[j], tokens[j + 1]
        surname = (first and flag == "nr" and len(word) == 1 and _GIVEN_NAME.fullmatch(following)
                   and next_flag[0] in "nx")      # 褚 + 大军 (n), 赵 + 蕤 (x); not 史 + 称 (v)
        return int(bool(next_flag.startswith("nr") or flag == "nrt" and next_flag in ("ns", "nz") or surname))

    names, i = [], 0
    while i < len(tokens):
        if not tokens[i][3].startswith("nr"):
            i += 1
            continue
        start, j = i, i
        while step := joined(j, j == i):
            j += step
        while start >= 2 and tokens[start - 1][2] in _NAME_DOTS:     # 法兰克 (a "place") · 盖瑞
            start -= 2
        if tokens[j][1] - tokens[start][0] >= 2:
            names.append((tokens[start][0], tokens[j][1]))
        i = j + 1
    return names


def place_names(folded: str) -> list[tuple[int, int]]:
    """(start, end) of runs of words jieba's HMM tags as places (ns), two characters or more."""
    names, run = [], None
    for start, end, _, flag in _placed_tags(folded) + [(len(folded), len(folded), "", "")]:
        if flag.startswith("ns"):
            run = (run[0] if run else start, end)
        else:
            if run and run[1] - run[0] >= 2:
                names.append(run)
            run = None
    return names


def _placed_tags(folded: str) -> list[tuple[int, int, str, str]]:
    """(start, end, word, flag) for each word of ``tagged`` with new-word guessing."""
    placed, at = [], 0
    for word, flag in tagged(folded, guess_new_words=True):
        placed.append((at, at + len(word), word, flag))
        at += len(word)
    return placed


_NAME_DOTS = ("·", "・")
_GIVEN_NAME = re.compile(r"[\u4e00-\u9fff]{1,2}")
