"""An English question -> Chinese keywords that the loaded reports contain.

In:  the question's text, the index. Out: ``look_up`` -> ``Senses``, whose ``choose``
gives a ``Bridge`` per English phrase: the Chinese words chosen for it (at most two),
none when no translation occurs in the reports.

CC-CEDICT offers many senses per word ("model" -> 模型, 典型, 塑造, 示范 ...). The right
ones are those that occur in the same passages as the other phrases' translations
(the co-occurrence method of cross-language retrieval): for "garbage sorting model
communities", 示范 and 样板 share passages with 垃圾 and 社区, 塑造 does not. So each
candidate scores by how many of the other phrases have a translation in a chunk with
it; the dictionary's order breaks ties.

Tried and dropped, because switched off no held-out question changed (``python -m
benchmarks.ablate``; docs/log.md, "The learned gate"): two adjacent English words as the
compound of their one-character translations (电 + 费 = 电费), three phrases as the
abbreviation of their translations (科技 + 创新 + 板 = 科创板), and English clippings written
out (sci, tech).

Tried and dropped: the same round trip for Chinese question words the reports never
use (国外 -> "overseas" -> 海外). It fixed one of our paraphrases and broke another, and
left CMRC and DRCD unchanged (docs/log.md, "English questions").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chinese.bilingual import chinese_candidates
from chinese.tokenize import char_bigrams

MAX_CANDIDATES = 40     # per phrase, in dictionary order, looked up in the index
KEEP = 2                # words kept per phrase (measured: docs/log.md, "English questions")


@dataclass
class Bridge:
    english: str                                   # the phrase, lower case
    chinese: list[str] = field(default_factory=list)   # chosen words the reports contain
    # How to search those the index holds only as character bigrams (区块链 -> "区块 块链")
    searched_as: dict[str, str] = field(default_factory=dict)

    @property
    def head(self) -> str:
        """The phrase's last word, the thing it names ("model communities" -> "communities")."""
        return self.english.split()[-1]


@dataclass
class Senses:
    """What the index holds of an English question's dictionary senses, looked up once:
    each phrase with its candidate words, and the chunks holding each word."""
    phrases: list[tuple[str, list[str]]]
    postings: dict[str, set[int]]
    searched_as: dict[str, str]            # words the index holds only as character bigrams

    def choose(self, within: set[int] | None = None) -> list[Bridge]:
        """Each phrase's words, by co-occurrence in the chunks ``within`` (None: all): the
        senses the reports an answer is read from use together."""
        postings = self.postings if within is None else {c: ids & within for c, ids in self.postings.items()}
        present = [[c for c in cands if postings[c]] for _, cands in self.phrases]
        chunks_of = [set().union(*(postings[c] for c in cands)) for cands in present]   # per phrase
        out = []
        for i, (phrase, _) in enumerate(self.phrases):
            others = [chunks for j, chunks in enumerate(chunks_of) if j != i and chunks]
            chosen = _most_coherent(present[i], postings, others)
            out.append(Bridge(phrase, chosen, {c: self.searched_as[c] for c in chosen if c in self.searched_as}))
        return out


def look_up(text: str, store) -> Senses:
    looked_up = chinese_candidates(text)
    phrases = [(p, [c for c in dict.fromkeys(cands) if len(c) >= 2][:MAX_CANDIDATES]) for p, cands in looked_up]
    postings = store.term_chunks(list({c for _, cands in phrases for c in cands}))
    as_bigrams = _bigram_runs([c for c, chunks in postings.items() if not chunks], store)
    postings.update({c: chunks for c, (_, chunks) in as_bigrams.items()})
    return Senses(phrases, postings, {c: phrase for c, (phrase, _) in as_bigrams.items()})


def _bigram_runs(words: list[str], store) -> dict[str, tuple[str, set[int]]]:
    """{word: (its bigrams as one FTS5 phrase, the chunks that hold it)} for dictionary words
    of three or more characters that jieba cuts up (区块链, 再生医学, 资本市场): the index has
    no such term, but it keeps every passage's character bigrams in order, so the phrase of
    the word's bigrams finds exactly the passages that contain it."""
    runs = {w: " ".join(char_bigrams(w)) for w in words if len(w) >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", w)}
    found = store.term_chunks(list(runs.values())) if runs else {}
    return {w: (phrase, found[phrase]) for w, phrase in runs.items() if found[phrase]}


def _most_coherent(candidates: list[str], postings: dict[str, set[int]], others: list[set[int]]) -> list[str]:
    def coherence(c: str) -> int:
        return sum(1 for chunks in others if postings[c] & chunks)

    return sorted(candidates, key=lambda c: -coherence(c))[:KEEP]   # stable: dictionary order on ties
