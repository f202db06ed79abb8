"""The question, normalised the way documents are (``chinese.clean``), and what kind
of answer it wants."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from chinese.clean import fold_for_matching, strip_pinyin_debris
from chinese.script import is_traditional, with_digits
from chinese.tokenize import char_bigrams, query_terms, tagged

MAX_QUESTION_CHARS = 500   # longer input is cut before retrieval; the UI says so


# How a question counts the items of a list or the parts of a report (第二项, 第二部分, the second one).
ORDINALS_EN = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
CARDINALS_EN = "one two three four five six seven eight nine ten".split()
NUMERALS = r"[一二三四五六七八九十]{1,3}|\d{1,2}"


def number_of(word: str) -> int:
    """二, 2, second, two -> 2; 0 for a word that is none of these."""
    word = word.lower()
    for words in (ORDINALS_EN, CARDINALS_EN):
        if word in words:
            return words.index(word) + 1
    digits = word if word.isdigit() else with_digits(word)
    return int(digits) if digits.isdigit() else 0


class BadQuestion(ValueError):
    """A question we cannot search for; the message is shown to the user as is."""


# What a question asks for, by its interrogative: the answer sentence should contain it.
_WANTS = [
    ("number", re.compile(r"多少|(?<!哪)几|多大|多高|多长|多远|多久|比例|百分之|how many|how much|what percentage", re.I)),
    ("date", re.compile(r"何时|什么时候|啥时候|哪一年|哪年|哪天|哪个月|when|what year", re.I)),
    ("name", re.compile(r"谁|哪位|哪个|哪家|哪些|哪一|哪几|什么名|叫什么|叫啥|啥名|who|which", re.I)),
]
_NUMBER = re.compile(r"[0-9０-９]+(?:[.,][0-9]+)*\s*(?:%|％|万|亿|千|百|个|项|家|天|年|倍|名|条|所|余|多)?"
                     r"|[一二三四五六七八九十百千万两]+(?:个|项|家|天|年|倍|名|条|所)")
# Words of a question that name no topic, so a passage need not contain them: those by
# which it points at the report itself (这篇文章的作者, 本文, "this report") and those
# that ask for a person (谁, 哪些人; not the 人 of 人才, 人物 ...). As keywords they only
# lower its coverage.
_NOT_TOPIC = re.compile(
    r"(?:这|本|该|此)(?:一)?(?:篇|份|部)?(?:文章|报告|文件|材料|文)(?:中|里|里面)?"
    r"|^(?:文章|报告|文件|文)(?:中|里|里面)"
    r"|(?:哪些|什么|哪个|哪位|哪一位)(?:人士|人员|人(?![才口民数大工力群事均次文类物参身家选格权]))|谁"
    r"|\b(?:this|the)\s+(?:report|article|document|paper|text)\b"
    # How one asks what a text says of something: "What does it say about ...", "mention".
    r"|\b(?:say|says|said|mention|mentions|mentioned|talk|talks)(?:\s+(?:about|of|on))?\b|\banything\s+(?:about|on)\b",
    re.I)
# "这篇报告是谁写的？" and "Who wrote the article?" name no topic once 这篇报告 and "the
# article" are dropped, so they searched for nothing; a report names its writers 作者
# ("author" in CC-CEDICT's English). Only such questions are rewritten: where a work is
# named (理想国为谁所写的？) its passage says 所著 as often as 作者, and an extra keyword the
# passage lacks would lower its coverage.
_AUTHORSHIP = re.compile(
    r"(?:是|由)?(?:谁|哪些人|哪位|什么人)(?:所)?(?:写|撰写|执笔|起草|编写|撰)(?:了|的)?"
    r"|出自(?:谁|何人)(?:之)?手|写(?:这篇|本篇|该)?(?:文章|报告)?的(?:人)?(?:是谁|有谁|是哪些人)"
    r"|\bwho\s+(?:wrote|authored|penned|drafted|has\s+written|have\s+written)\b|\bwritten\s+by\s+whom\b"
    r"|\bwriters?\b", re.I)
# Words of speech that name no topic, which a report never writes: where the asker stands
# (区里 "in the district", 省里, 这儿; a report says 全区, 我区 or nothing) and how they ask
# (为啥, 咋样, 啥时候; 第几, 哪几个, 几层, 多长时间: jieba keeps an interrogative with its
# measure word as one word). As keywords they matched nothing and only lowered the coverage
# of the questions the report answers; 区里 also stood as the counted thing of 区里占多大一块
# and, tagged a place (镇里), as an unknown name. docs/log.md, "Abstention thresholds", eleventh round.
# 分别 and 各自 ask about several at once (江苏和浙江的……分别是多少？); a report writes 分别 in its
# own lists (分别增长6.5%和7%), which the keyword pulled towards. 提到, 关于, 说 ... ask what a
# report says of something (上海的报告里提到人工智能了吗？, ……中关于人形机器人说了什么？): the
# passage that answers says the thing, not that it is said (twenty-eighth round).
_DEICTIC = frozenset("这里 这儿 那里 那儿 这边 那边 区里 省里 市里 县里 镇里 乡里".split())
_SPOKEN_ASKING = frozenset("""啥 为啥 干啥 干嘛 干吗 咋 咋样 咋办 怎么样 怎么办 啥时候 为何 何时 多久 多长时间
哪里 哪儿 第几 哪几 分别 各自 提到 提及 谈到 谈及 说到 讲到 写到 关于 说 讲""".split())
# How a question asks what was done, not about what: 在知识产权方面做了哪些工作？, 采取了哪些
# 措施, 有哪些具体做法, 有什么打算, 取得了什么成绩. A report writes the measures themselves;
# these words it seldom uses (方面 twice in the shipped report, in 各方面), so as keywords
# they weighed most and pulled towards any passage that happens to say them, or, found
# nowhere, lowered the coverage of a question the report answers (docs/log.md, "Broad questions").
_ASKING_WHAT_WAS_DONE = frozenset("方面 做 干 做法 具体做法 措施 举措 打算 事 事情 成绩 成效 具体".split())
# A question about people (who leads, who wrote): the only kind an author note answers,
# besides those naming what it alone mentions (``retriever.search``). 哪些人 but not 哪些人才.
_ABOUT_PEOPLE = re.compile(r"谁|哪一?位|何人|什么人|哪些人(?![才口民])|作者|执笔|撰写"
                           r"|\b(?:who|whom|whose|authors?|wrote|writers?|written)\b", re.I)
_ASKING_WITH_MEASURE = re.compile(r"(?:哪|哪一|哪几|几|第几|多少)[个项家次年天倍名条所层级种类份位件批届期座回]")
_DATE = re.compile(r"\d{4}\s*年(?:\d{1,2}\s*月)?(?:\d{1,2}\s*日)?|\d{1,2}\s*月\d{1,2}\s*日|[一二三四五六七八九十]+届")


@dataclass
class Question:
    raw: str
    text: str            # cleaned, for the dense side and for display
    folded: str          # Simplified, ASCII-folded, lower case: for matching
    terms: list[str]     # keyword terms (words)
    language: str        # "zh-Hans" | "zh-Hant" | "en"
    wants: str | None    # "number" | "date" | "name" | None
    truncated: bool = False
    bigrams: list[str] = field(default_factory=list)   # extra keyword-search terms (chinese.tokenize)
    bridges: list = field(default_factory=list)   # English questions: retriever.bridge.Bridge per phrase
    senses: object = None   # English questions: retriever.bridge.Senses, the index's words for its phrases


def parse_question(raw: str) -> Question:
    if raw is None:
        raise BadQuestion("请输入问题。")
    text = unicodedata.normalize("NFC", str(raw))
    text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)  # control characters
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise BadQuestion("请输入问题。")
    text, _ = strip_pinyin_debris(text)
    truncated = len(text) > MAX_QUESTION_CHARS
    text = text[:MAX_QUESTION_CHARS]
    folded = fold_for_matching(text)
    topic = topic_words(folded)
    terms = query_terms(topic)
    if not terms and not re.search(r"[\w\u3400-\u9fff]", text):
        raise BadQuestion("问题里没有可检索的文字，请用中文或英文提问。")
    return Question(raw=str(raw), text=text, folded=folded, terms=terms,
                    language=detect_language(text), wants=wanted_answer(folded), truncated=truncated,
                    bigrams=[b for b in dict.fromkeys(char_bigrams(topic)) if b not in terms])


def topic_words(text: str) -> str:
    """The question (folded, or English as written) without the words that name no
    topic (``_NOT_TOPIC``, ``without_speech``); one that only asks who wrote the text asks
    for its 作者."""
    if asks_who_wrote(text):
        text = _AUTHORSHIP.sub(lambda m: " author " if m.group(0).isascii() else "作者", text)
    return without_speech(_NOT_TOPIC.sub(" ", text))


def asks_who_wrote(text: str) -> bool:
    """The question (folded, or English) asks who wrote the text and nothing else:
    这篇报告是谁写的？, "Who wrote the report?"; not 理想国为谁所写的？."""
    return bool(_AUTHORSHIP.search(text)) and not query_terms(_NOT_TOPIC.sub(" ", _AUTHORSHIP.sub(" ", text)))


def without_speech(folded: str, asking: bool = True) -> str:
    """The folded question with the spoken words that name no topic blanked out: where it
    is asked from (区里, 这儿) and, unless ``asking`` is False, how it asks (为啥, 第几, 几层;
    在……方面做了哪些, 有哪些具体做法).
    The interrogatives stay for those that look for them (``retriever.figures``)."""
    if not re.search(r"[\u4e00-\u9fff]", folded):
        return folded
    return "".join(" " if _spoken(w, asking) else w for w, _ in tagged(folded))


def _spoken(word: str, asking: bool) -> bool:
    return word in _DEICTIC or (asking and (word in _SPOKEN_ASKING or word in _ASKING_WHAT_WAS_DONE
                                            or bool(_ASKING_WITH_MEASURE.fullmatch(word))))


def asks_about_people(folded: str) -> bool:
    return bool(_ABOUT_PEOPLE.search(folded))


def detect_language(text: str) -> str:
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    if latin > 2 * han:
        return "en"
    return "zh-Hant" if is_traditional(text) else "zh-Hans"


def is_abbreviation(word: str, text: str) -> bool:
    """A keyword of 2-6 Latin letters the question writes in capitals (GDP, not "plan")."""
    return bool(re.fullmatch(r"[a-z]{2,6}", word.lower())) and word.upper() in text


def wanted_answer(folded: str) -> str | None:
    for kind, pattern in _WANTS:
        if pattern.search(folded):
            return kind
    return None


def has_wanted(kind: str | None, sentence: str) -> bool:
    """Does the sentence contain what the question asks for (a number, a date, a name)?"""
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    return True


def wanted_spans(kind: str | None, sentence: str) -> list[tuple[int, int]]:
    pattern = {"number": _NUMBER, "date": _DATE}.get(kind or "")
    return [m.span() for m in pattern.finditer(sentence)] if pattern else []
