"""What a Chinese "how many" question counts, and whether a passage gives a figure for it.

"广州知识产权法院有多少名法官？" asks for a number of judges. The report names the court
and gives many numbers, but none of judges: coverage is high (广州, 知识产权, 法院) and
the best sentence's cosine passes, so the answer used to quote some other number from
the court's paragraph. A journalist needs "the report does not say" there. The thing
counted is the noun phrase after the interrogative and its measure word (多少名**法官**,
几所**大学**, 投入了多少**资金**), or, when none follows, the one before it (**房价**是多少;
X的面积有多大 -> X: words such as 面积, 比例, 时间 name the kind of figure, not what it
is of). A passage gives a figure for it when one of its words stands within a few
characters of a number in the same sentence ("集聚各类知识产权**机构**200余家"), or, failing
that, a word CC-CEDICT glosses the same way (几个**钟头** -> 最短仅8.5个**小时**).

In:  the question's folded text (Simplified, lower case). Out: the counted words
(``counted_words``), and the text around the first figure the passages give for them
(``giving_figure``: "" if none, a signal the gate weighs; else the answer quotes it).
Questions whose counted thing cannot be found (多久一次, 排名第几, 减税多少) are not judged.
Only Chinese questions: an English question's focus is checked by ``retriever.focus``.
Measured: docs/log.md, "Abstention thresholds".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from chinese.bilingual import synonyms
from chinese.tokenize import passage_terms, query_terms, tagged

# Measure words and units: after the interrogative they are skipped (多少名法官).
_UNITS = frozenset("""个 家 名 项 户 件 所 位 条 种 次 年 月 天 日 人 元 倍 级 类 批 轮 届 期 支 座 宗 只 辆 台
张 亩 米 吨 枚 层 岁 周 秒 克 度 工作日 小时 分钟 亿元 万元 千元 公里 平方公里 平方米 万人 亿 万 千 百 百分点
公分 厘米 毫米 公斤 千克 公顷 英里 美元 日元 港元 人民币""".split())
# Measure words that count things without naming a thing of their own (3500多家, 60个, 32项),
# unlike 元, 票, 年 or %: 1,239票的前民主党区议员 counts votes, not councillors.
CLASSIFIERS = frozenset("个 家 名 人 位 项 件 条 款 所 座 种 类 批 次 户 支 宗 只 辆 台 张 枚 套 间 处 场 层 级 届 期 轮 份".split())
# Nouns that name the kind of figure, not what it is of.
_KIND_OF_FIGURE = frozenset("""金额 数额 数量 数目 比例 比率 比重 倍率 倍数 频率 时间 时长 长度 高度 宽度 深度
距离 面积 规模 总数 人数 次数 名次 排名 价格 价值 价钱 钱 费用 成本 速度 年龄 重量 温度 占比 份额 总额 总量
数字 数 体长 身长 全长 总长 总长度 体重 身高 容量 百分比 比分 比数 耗时""".split())
# Words of time end the counted phrase: 民国几年**时**, 登上太空站的**时候**是几岁 ask when.
_TIME_WORDS = frozenset("时 时候 时期 期间 当时 之时 以后 以前 之后 之前".split())
_ERAS = frozenset("民国 西元 公元 元".split())          # 民国几年: a year, not a count
# Between the thing and a trailing interrogative: 房价**是**多少, 人才**有**多少人.
_LINKS = frozenset("有 是 为 达 达到 约 大约 共 一共 总共 需要 要 了 的 占 则 还 又 都".split())
_INTERROGATIVES = frozenset("多少 几 第几 多长时间 多久".split())
_NOT_COUNTS = frozenset("月 号 日 点 时 点钟 月份".split())     # 几月, 几点: a date or a time
_HOW = frozenset("大 长 高 远 久 重 宽")          # 多大, 多长 ... (jieba cuts 多 / 大)
_NOUN_FLAGS = re.compile(r"^(?:n|vn|nz|nt|ns|nr|b|j|l|s|zg|ng|an|eng)")
_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*|第[一二三四五六七八九十百千万两]+|[一二三四五六七八九十百千万两]+(?="
                     + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")")
_SENTENCE_END = re.compile(r"[。；！？;!?]")
_MEASURE = re.compile(r"[万亿千百多余]?(.)")      # the character that follows a number (and its magnitude)
SYNONYM_SHARING = 4      # a gloss shared by more headwords is too loose (12 let 公司 count for 企业 in hp-026)
WINDOW = 20      # characters either side of a number (measured: docs/log.md, "Abstention thresholds")


def counted_words(folded: str) -> list[str]:
    """The keyword terms of what a "how many / how much" question counts; [] if unclear."""
    tokens = [(w.strip(), f) for w, f in tagged(folded) if w.strip()]
    at = _interrogative(tokens)
    if at is None:
        return []
    phrase = _phrase_after(tokens, at) or _phrase_before(tokens, at)
    terms = query_terms("".join(phrase))
    return [t for t in terms if len(t) >= 2] or terms     # 总, 区 alone match too much


_ASKED_MEASURE = re.compile(r"(?:多少|几)(个(?=" + "|".join(sorted(_UNITS - {"个"}, key=len, reverse=True)) + r"))?("
                            + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")")


def asked_measures(folded: str) -> tuple[str, ...]:
    """The measure words a "how many" question counts in, any of which its figure may carry:
    (家,) for 多少家企业, (倍,) for 快了几倍, (工作日, 个) for 多少个工作日 (a report writes
    压减至13个 as often as 13个工作日); () if none follows its interrogative."""
    m = _ASKED_MEASURE.search(folded)
    return tuple(w for w in (m.group(2), m.group(1)) if w) if m else ()


def giving_figure(words: list[str], passages: list[str]) -> str:
    """The text around the first number of the (folded) passages that gives a figure for
    the counted words ("" if none): a number with one of them, a two-character word inside
    one (赔偿 for 赔偿金, 纬度 for 经纬度) or a word CC-CEDICT glosses the same way (小时 for
    钟头, ``chinese.bilingual.synonyms``) within ``WINDOW`` characters in its sentence, or
    with a word's first character as its measure word (3席 for 席次, 66种 for 种类)."""
    if not words:
        return ""
    forms = set(words) | {t for w in words if len(w) > 2 for t in passage_terms(w) if len(t) == 2}
    measures = {w[0] for w in words}
    given = _first_figure(forms, measures, passages)
    if given:
        return given
    # Only then the dictionary (0.3 s to load in a new process, 3 s the first time on a machine).
    return _first_figure({s for w in words for s in synonyms(w, SYNONYM_SHARING)}, set(), passages)


def _first_figure(forms: set[str], measures: set[str], passages: list[str]) -> str:
    for figure in figures_in(passages):
        if any(f in figure.near() for f in forms) or figure.measure in measures:
            return figure.near()
    return ""


@dataclass(frozen=True)
class Figure:
    """A number in a passage sentence, where a figure for something has to stand."""
    sentence: str
    start: int
    end: int
    measure: str            # the character after the number and its magnitude: its measure word, if any

    @property
    def number(self) -> str:
        return self.sentence[self.start:self.end]

    def near(self, before: int = WINDOW, after: int = WINDOW) -> str:
        """The sentence's text from ``before`` characters ahead of the number to ``after`` past it."""
        return self.sentence[max(0, self.start - before): self.end + after]


def figures_in(passages: list[str]) -> Iterator[Figure]:
    for passage in passages:
        for sentence in _SENTENCE_END.split(passage):
            for m in _NUMBER.finditer(sentence):
                measure = _MEASURE.match(sentence, m.end())      # None at the sentence's end
                yield Figure(sentence, m.start(), m.end(), measure.group(1) if measure else "")


def _interrogative(tokens: list[tuple[str, str]]) -> int | None:
    for i, (word, _) in enumerate(tokens):
        if i and tokens[i - 1][0].endswith("哪"):
            continue                                  # 哪几类: which ones, not how many
        if word == "多" and i + 1 < len(tokens) and tokens[i + 1][0] in _HOW:
            return i
        stem = word if word in _INTERROGATIVES else next(
            (q for q in ("多少", "第几", "几") if word.startswith(q) and word[len(q):] in _UNITS), None)
        if stem is None:
            continue                                  # 几乎, 几何 are not questions
        after = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        following = word[len(stem):] or after
        a_year = following == "年" and (after in _TIME_WORDS or (i and tokens[i - 1][0] in _ERAS))
        return None if following in _NOT_COUNTS or a_year else i
    return None


def _is_noun(word: str, flag: str) -> bool:
    return (bool(_NOUN_FLAGS.match(flag)) and not re.fullmatch(r"[0-9.]+", word)
            and word not in _UNITS and word not in _TIME_WORDS)


def _phrase_after(tokens, at: int) -> list[str]:
    """多少名法官 -> [法官]; 多少项授权专利 -> [授权, 专利] (a verb leads only into a noun)."""
    j = at + (2 if tokens[at][0] == "多" else 1)
    while j < len(tokens) and (tokens[j][0] in _UNITS or tokens[j][1] == "q"):
        j += 1
    phrase = []
    while j < len(tokens):
        word, flag = tokens[j]
        leads_to_noun = j + 1 < len(tokens) and _is_noun(*tokens[j + 1])
        if not (_is_noun(word, flag) or (not phrase and flag.startswith("v") and leads_to_noun)):
            break
        phrase.append(word)
        j += 1
    return [w for w in phrase if w not in _KIND_OF_FIGURE]


def _phrase_before(tokens, at: int) -> list[str]:
    """房价是多少 -> [房价]; 科学城的面积有多大 -> [科学城] (面积 names the kind of figure)."""
    k = at - 1
    while k >= 0 and tokens[k][0] in _LINKS:
        k -= 1
    phrase, k = _nouns_ending_at(tokens, k)
    if phrase and all(w in _KIND_OF_FIGURE for w in phrase) and k >= 0 and tokens[k][0] == "的":
        phrase, k = _nouns_ending_at(tokens, k - 1)
    return [w for w in phrase if w not in _KIND_OF_FIGURE]


def _nouns_ending_at(tokens, k: int) -> tuple[list[str], int]:
    phrase = []
    while k >= 0 and _is_noun(*tokens[k]) and tokens[k][0] not in _LINKS:
        phrase.insert(0, tokens[k][0])
        k -= 1
    return phrase, k
