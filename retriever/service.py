"""The retriever as one object: question (+ conversation) in, ``Answer`` out.

    retriever = Retriever(data_dir)
    answer = retriever.ask("黄埔区设立了哪些新机构？")
    answer.answer, answer.citations, answer.abstained

Used by the command line (``__main__``) and the app (``ui``). Thread-safe for asking.
"""
from __future__ import annotations

import dataclasses
import gc
import re
import time
from pathlib import Path

from chinese.bilingual import chinese_candidates, spelled_out
from chinese.clean import fold_for_matching
from chinese.script import to_simplified, to_traditional, with_digits
from chinese.sentences import sentence_spans
from chinese.tokenize import person_names, query_terms
from embedding.model import Embedder
from index import IndexError_, open_store
from ingest.metadata import aliases
from ingest.metadata import shown as shown_record

from . import extract, record
from .abstain import measure
from .bridge import look_up
from .conversation import Dangling, Turn, dangling, resolve
from .gate import Decision, LearnedGate
from .outline import Outline, key_of, part_of
from .question import MAX_QUESTION_CHARS, Question, is_abbreviation, parse_question, topic_words
from .reader import Context, ExtractiveReader, Reader
from .records import Answer, Citation, Hit
from .config import (ASKS_EVERY_REPORT, ASKS_THE_LIBRARY, ASKS_WHICH_REPORTS, EACH_SIDE_BEST, NAMES_A_REPORT,
                     READ_PASSAGES, SIDE_BY_SIDE, THIS_YEAR)
from .router import Router
from .scope import Filter, Scope, Scoper, english_name, without
from .stored import StoredFirst
from .search import HybridSearcher, SearchConfig, idf

MESSAGES = {
    "not_found": {
        "zh-Hans": "报告中没有找到能回答这个问题的内容。以下是最接近的段落，仅供参考：",
        "zh-Hant": "報告中沒有找到能回答這個問題的內容。以下是最接近的段落，僅供參考：",
        "en": "The reports do not say. These are the closest passages, for reference only:",
    },
    "nothing_more": {
        "zh-Hans": "除了上面的回答，报告中没有找到更多相关的内容。以下是其余最接近的段落，仅供参考：",
        "zh-Hant": "除了上面的回答，報告中沒有找到更多相關的內容。以下是其餘最接近的段落，僅供參考：",
        "en": "The reports say nothing more on this than the answer above. These are the next closest passages, for reference only:",
    },
    "empty_index": {
        "zh-Hans": "索引里还没有报告。请先导入报告。",
        "zh-Hant": "索引裡還沒有報告。請先導入報告。",
        "en": "No reports are loaded yet. Please ingest a report first.",
    },
    "en_prefix": {"en": "From the report (quoted in Chinese): "},
    "too_long": {
        "zh-Hans": "问题太长，只用了前{}个字检索。",
        "zh-Hant": "問題太長，只用了前{}個字檢索。",
        "en": "The question is long; only its first {} characters were searched.",
    },
    "unfocused": {
        "zh-Hans": "最接近的段落都没有谈到：{}",
        "zh-Hant": "最接近的段落都沒有談到：{}",
        "en": "None of the closest passages speaks of: {}",
    },
    "no_figure": {
        "zh-Hans": "最接近的段落都没有给出这个数字：{}",
        "zh-Hant": "最接近的段落都沒有給出這個數字：{}",
        "en": "None of the closest passages gives a figure for: {}",
    },
    "no_such_part": {
        "zh-Hans": "这份报告没有第{}部分，它只有{}个部分。",
        "zh-Hant": "這份報告沒有第{}部分，它只有{}個部分。",
        "en": "The report has no part {}; it has {} parts.",
    },
    "missing_report": {
        "zh-Hans": "库中没有这份报告：{}。请先导入它，或换一份报告提问。",
        "zh-Hant": "庫中沒有這份報告：{}。請先導入它，或換一份報告提問。",
        "en": "The library holds no such report: {}. Add it first, or ask about another report.",
    },
    "empty_scope": {
        "zh-Hans": "所选范围内没有报告。",
        "zh-Hant": "所選範圍內沒有報告。",
        "en": "No report matches the chosen scope.",
    },
    "several_reports": {
        "zh-Hans": "问题没有指明报告，以下是{}份报告各自的说法；指明报告（如“{}”）可得到单一答案。",
        "zh-Hant": "問題沒有指明報告，以下是{}份報告各自的說法；指明報告（如「{}」）可得到單一答案。",
        "en": "The question names no report; here is what each of {} reports says. Name one (e.g. {}) for a single answer.",
    },
    "which_report": {
        "zh-Hans": "库中有{}份报告，问题没有指明是哪一份。最接近的是：{}。请在问题中写明报告（如“{}讲了什么？”），或在“提问范围”中选择报告。",
        "zh-Hant": "庫中有{}份報告，問題沒有指明是哪一份。最接近的是：{}。請在問題中寫明報告（如「{}講了什麼？」），或在「提問範圍」中選擇報告。",
        "en": "The library holds {} reports and the question names none. The closest: {}. Name one in the question (e.g. \"What does {} say?\"), or choose reports in the scope selector.",
    },
    "named_reports": {
        "zh-Hans": "以下是问题所指的{}份报告各自的说法：",
        "zh-Hant": "以下是問題所指的{}份報告各自的說法：",
        "en": "Here is what each of the {} reports the question names says:",
    },
    "chosen_reports": {
        "zh-Hans": "以下是所选的{}份报告各自的说法：",
        "zh-Hant": "以下是所選的{}份報告各自的說法：",
        "en": "Here is what each of the {} chosen reports says:",
    },
    "every_report": {
        "zh-Hans": "{}份报告中，以下{}份有相关说法：",
        "zh-Hant": "{}份報告中，以下{}份有相關說法：",
        "en": "Of the {} reports, these {} say:",
    },
    "reports_silent": {
        "zh-Hans": "以下报告中没有找到相关内容：{}",
        "zh-Hant": "以下報告中沒有找到相關內容：{}",
        "en": "Not found in: {}",
    },
    "report_silent": {
        "zh-Hans": "这份报告中没有找到能回答这个问题的内容。",
        "zh-Hant": "這份報告中沒有找到能回答這個問題的內容。",
        "en": "This report does not say.",
    },
    "the_library": {
        "zh-Hans": "库中有{}份报告：{}。",
        "zh-Hant": "庫中有{}份報告：{}。",
        "en": "The library holds {} reports: {}.",
    },
    "mentioning": {
        "zh-Hans": "提到“{}”的有{}份报告（共{}份）：",
        "zh-Hant": "提到「{}」的有{}份報告（共{}份）：",
        "en": "\"{}\" is mentioned in {} of the {} reports:",
    },
    "none_mentions": {
        "zh-Hans": "库中{}份报告都没有提到“{}”。",
        "zh-Hant": "庫中{}份報告都沒有提到「{}」。",
        "en": "None of the {} reports mentions \"{}\".",
    },
    "the_chosen": {
        "zh-Hans": "所选范围内有{}份报告：{}。",
        "zh-Hant": "所選範圍內有{}份報告：{}。",
        "en": "The chosen scope holds {} reports: {}.",
    },
    "which_record": {
        "zh-Hans": "库中有{}份报告，问题没有指明是哪一份。请在问题中写明报告（如“{}”），或在“提问范围”中选择报告。",
        "zh-Hant": "庫中有{}份報告，問題沒有指明是哪一份。請在問題中寫明報告（如「{}」），或在「提問範圍」中選擇報告。",
        "en": "The library holds {} reports and the question names none. Name one in the question (e.g. {}), or choose reports in the scope selector.",
    },
    "refers_back": {
        "zh-Hans": "问题中的“{}”没有可指代的前文：这是本次对话的第一个问题。请写明所指的内容（如改革、政策或项目的名称）再问；下面是与问题最接近的段落。",
        "zh-Hant": "問題中的「{}」沒有可指代的前文：這是本次對話的第一個問題。請寫明所指的內容（如改革、政策或項目的名稱）再問；下面是與問題最接近的段落。",
        "en": "\"{}\" points back, but this is the first question of the conversation: there is nothing before it. Please name it (a reform, a policy, a project) and ask again; the closest passages are below.",
    },
    "unknown": {
        "zh-Hans": "报告中没有提到：{}",
        "zh-Hant": "報告中沒有提到：{}",
        "en": "The reports never mention: {}",
    },
}


# A number in Chinese numerals: two or more of them (五百, 十二), or one that is not 一
# alone (一共, 一般 hold no number; 两年 and 三年 do).
_CHINESE_NUMBER = re.compile(r"[一二两三四五六七八九十百千万亿]{2,}|[二两三四五六七八九十]")


def message(key: str, language: str) -> str:
    table = MESSAGES[key]
    return table.get(language) or table["zh-Hans"]


class Retriever:
    def __init__(self, data_dir: str | Path, embedder: Embedder | None = None,
                 config: SearchConfig | None = None, reader: Reader | None = None, gate=None):
        self.store = open_store(data_dir)
        self.embedder = embedder or Embedder(self.store.model or None)
        if self.store.model and self.store.model != self.embedder.name:
            raise IndexError_(f"the index was built with '{self.store.model}' but RAG_EMBED_MODEL is "
                              f"'{self.embedder.name}'. Use the same model, or rebuild: python -m ingest --rebuild")
        self.searcher = HybridSearcher(self.store, self.embedder, config)
        # The stages after the search, each replaceable (README, "How a question is answered").
        self.router = Router(self.store)
        self.scoper = Scoper(self.store)
        self.reader = reader or ExtractiveReader(StoredFirst(self.embedder, self.store))
        self.gate = gate or LearnedGate.load()

    def warm_up(self) -> None:
        """Load the model and the vectors now, so the first question is fast."""
        self.embedder.embed_query("预热")
        self.store.warm_up()
        chinese_candidates("warm up")
        person_names("预热")            # jieba's part-of-speech model, for 谁 questions' key spans
        self.searcher.glosses.warm_up()
        # What is loaded now (model, dictionary: ~150,000 objects) lives as long as the
        # process; moved out of the garbage collector's sight, a full collection no longer
        # scans it in the middle of someone's question (docs/log.md, "Shared benchmarks").
        # Collect first, so that no garbage (say, from the start-up ingest) is frozen with it.
        gc.collect()
        gc.freeze()

    # ------------------------------------------------------------------ asking
    def ask(self, question: str, k: int = 5, history: list[Turn] | None = None, scope: Filter | None = None) -> Answer:
        """``scope``: the reports the asker chose (None: the question's own scope, or all)."""
        started = time.perf_counter()
        timing: dict = {}
        resolution = resolve(question, history or [], self.scoper.places_named)
        parsed = self.prepare(resolution.text)
        shown = parse_question(question) if resolution.rewritten else parsed
        scoped = self.scoper.run(parsed, scope)
        if scoped.missing or scoped.doc_ids == frozenset():
            return self._out_of_scope(question, scoped, shown.language, started)
        if ASKS_THE_LIBRARY.search(parsed.folded):   # 库里有哪些报告？: the library's list
            return self._finished(self._library_list(question, scoped, shown.language), question, resolution, shown,
                                  parsed, timing, started)
        which = ASKS_WHICH_REPORTS.search(parsed.folded)
        if which:                            # 哪些省份提到了低空经济？: every report read for it
            answer = self._reports_mentioning(question, which.group("topic"), scoped, shown.language)
            if answer is not None:
                return self._finished(answer, question, resolution, shown, parsed, timing, started)
        every = self._every_report(parsed, scoped)     # 各省……: each report in scope
        fields = record.asked_fields(parsed)
        if fields:                           # 上海市政府工作报告是谁作的？: its record says
            answer = self._from_records(question, parsed, fields, scoped, shown.language, every)
            if answer is not None:
                return self._finished(answer, question, resolution, shown, parsed, timing, started)
        if not history:
            pointed = dangling(question)
            if pointed is not None and not self._names_one_thing(pointed, scoped.doc_ids):
                return self._ask_back(question, pointed, parsed, shown.language, scoped.doc_ids, k, started)
        searched = parsed
        consumed = scoped.consumed + ([m.group(0) for m in ASKS_EVERY_REPORT.finditer(parsed.folded)] if every else [])
        if consumed:                         # 云南省……: within its report, the name says no more
            rest = without(parsed.text, parsed.folded, consumed)
            searched = self.prepare(rest) if rest != parsed.text else parsed
        query = searched
        if self._asks_of_this_year(searched, scoped.doc_ids):     # 2026年…… of 2026 reports: 今年
            query = dataclasses.replace(searched, terms=searched.terms + [THIS_YEAR])
        if query.language == "zh-Hant" and self.scoper.in_simplified(scoped.doc_ids):
            query = dataclasses.replace(query, text=to_simplified(query.text))   # the dense side, in their script
        hits = self.search(query, k=max(k, 10), exclude=resolution.exclude, timing=timing, within=scoped.doc_ids)
        searched_in = scoped.doc_ids
        if query.senses is not None and hits:   # English: ranked again with the senses its reports use
            hits, searched_in = self._within_evidence(query, hits, k, resolution.exclude, timing, searched_in)
        if resolution.pinned is not None:    # "其中第二项……": the item pointed at answers first
            hits = self._pinned_first(hits, resolution.pinned)
        within = ""
        if resolution.within:                # "还有呢" after 三、未来工作设想's outline: more of that part
            in_part = [h for h in hits if part_of(h.chunk) == resolution.within]
            hits, within = (in_part, resolution.within) if in_part else (hits, "")
        options = dict(language=shown.language, query_vector=self.searcher.last_query_vector,
                       already_said=resolution.said, more=bool(resolution.exclude), within=within)
        named = [] if within else (every or self._named_reports(parsed, scoped))
        reports = named or ([] if within or resolution.rewritten else self._reports_among(hits))
        found = _Search(query, hits, searched_in, resolution.exclude, timing)
        heading = ("" if not named else "every_report" if every else "chosen_reports" if scoped.chosen
                   else "named_reports")
        answer = (self._each_report(searched, found, k, reports, options, heading) if reports
                  else self.compose(searched, hits, k, **options))
        if scoped.also_missing:              # 北京和上海……: Shanghai's answer, and Beijing's report missing
            names = [english_name(p) if answer.language == "en" else p for p in scoped.also_missing]
            answer.warnings.append(message("missing_report", answer.language).format(
                _in_script("、".join(names), answer.language)))
        if scoped.unreported and not answer.abstained and not _speaks_of(answer, scoped.unreported):
            answer = self._unreported(answer, scoped.unreported, hits, k)
        return self._finished(answer, question, resolution, shown, parsed, timing, started)

    def _finished(self, answer: Answer, question: str, resolution, shown: Question, parsed: Question, timing: dict,
                  started: float) -> Answer:
        answer.question = question
        # In the asker's script: an item follow-up carries a sentence quoted from the report.
        answer.resolved_question = _in_script(resolution.text, shown.language) if resolution.rewritten else None
        if parsed.truncated:
            answer.warnings.append(message("too_long", answer.language).format(MAX_QUESTION_CHARS))
        answer.timing_ms.update(timing, total=(time.perf_counter() - started) * 1000)
        return answer

    def _within_evidence(self, query: Question, hits: list[Hit], k: int, exclude, timing: dict,
                         searched_in) -> tuple[list[Hit], frozenset[str] | None]:
        """An English question's words depend on the reports: the search chose each phrase's
        senses over the whole library. Within the reports its top passages come from
        (``_candidate_reports``), the passages are ranked again with the senses those
        reports use together (the way a cross-language search disambiguates by the
        documents it found first). Returns the hits and the documents they were searched in."""
        evidence = frozenset(_candidate_reports(hits))
        if len(evidence) >= len(self.scoper.records()):      # they are the whole library
            return hits, searched_in
        again = self.search(self._senses_within(query, evidence), k=max(k, 10), exclude=exclude, timing=timing,
                            within=evidence)
        return (again, evidence) if again else (hits, searched_in)

    def _asks_of_this_year(self, question: Question, doc_ids) -> bool:
        """The question names the year that every report in its scope (or the library)
        speaks of as 今年 (config.THIS_YEAR)."""
        records = self.scoper.records()
        years = {records.get(d, {}).get("year") for d in (doc_ids if doc_ids is not None else records)}
        year = years.pop() if len(years) == 1 else ""
        return bool(year) and f"{year}年" in question.folded

    def prepare(self, text: str) -> Question:
        """Parse a question; an English one also gets Chinese keywords (CC-CEDICT) that
        the corpus contains, so the keyword side can match Chinese reports."""
        question = parse_question(text)
        if question.language == "en":
            return self._bridged(question)
        question.terms = self._spelled_out(self._with_digits_the_index_has(question.terms), question.text)
        return question

    def _bridged(self, question: Question, within=None) -> Question:
        """The English question with the Chinese words of its phrases, each phrase's senses
        chosen by co-occurrence in the passages of ``within``'s documents (None: all)."""
        if question.senses is None:
            question.senses = look_up(topic_words(question.text), self.store)
        chunks = None if within is None else {c.id for d in within for c in self.store.chunks_of(d)}
        question.bridges = question.senses.choose(chunks)
        bridged = [c for b in question.bridges for c in b.chinese]
        question.terms = list(dict.fromkeys(bridged)) + question.terms
        question.bigrams += [p for b in question.bridges for p in b.searched_as.values()]
        return question

    def _senses_within(self, question: Question, evidence) -> Question:
        """The English question parsed again, its phrases' senses chosen within ``evidence``."""
        again = parse_question(question.text)
        again.senses = question.senses
        return self._bridged(again, evidence)

    def _with_digits_the_index_has(self, terms: list[str]) -> list[str]:
        """A question's word with Chinese numerals that no chunk contains, replaced by its
        words in digits when every one of those is in the index: 世界五百强 finds 世界500强
        (jieba keeps 五百强 one word, so as a keyword it matched nothing and lowered the
        question's coverage). Words the index has as written (三旧, 一带一路) stay."""
        numeral = [t for t in terms if len(t) > 1 and _CHINESE_NUMBER.search(t)]
        if not numeral:
            return terms
        absent = {t for t, n in self.store.term_document_frequency(numeral).items() if n == 0}
        out = []
        for term in terms:
            written = with_digits(term) if term in absent else ""
            # A fraction's digits (五分之二 -> 2/5 -> "2", "5") would search any 2 and 5.
            digits = query_terms(written) if written and "/" not in written else []
            found = digits and all(self.store.term_document_frequency(digits).values())
            out += digits if found else [term]
        return list(dict.fromkeys(out))

    def _spelled_out(self, terms: list[str], text: str) -> list[str]:
        """An abbreviation written in capitals in a Chinese question (GDP) is searched as its
        CC-CEDICT headwords (生产总值) when the library writes those more often than it
        (Chinese reports write GDP out; a keyword most of them lack would lower the
        question's coverage in them); kept when the library uses it as written (a name: AM)."""
        out = []
        for term in terms:
            forms = spelled_out(term) if is_abbreviation(term, text) else []
            counts = self.store.term_document_frequency([term, *forms]) if forms else {}
            held = [f for f in forms if counts[f]]
            out += held if held and sum(counts[f] for f in held) >= counts[term] else [term]
        return list(dict.fromkeys(out))

    def search(self, question: Question, k: int = 10, exclude=frozenset(), timing: dict | None = None,
               within=None) -> list[Hit]:
        return self.searcher.search(question, k=k, exclude=exclude, timing=timing, within=within)

    # ------------------------------------------------------------------ several reports
    def _reports_among(self, hits: list[Hit]) -> list[str]:
        """The documents of the top hits (``_candidate_reports``), when one of them is a report
        (a document with a record: a place or a year): each is then asked on its own. None
        when none is (a library of paragraphs, as CMRC and DRCD are ingested)."""
        records = self.scoper.records()
        found = _candidate_reports(hits)
        reports = any(_is_report(records.get(d, {})) for d in found)
        return found if reports and len(records) > 1 else []

    def _every_report(self, question: Question, scoped: Scope) -> list[str]:
        """The reports in scope (the library, or those named or chosen), by place, when the
        question asks it of every one (``config.ASKS_EVERY_REPORT``: 各省……, 每份报告……, "each
        province's ..."): each is then asked on its own. None when the scope holds fewer
        than two reports."""
        if not ASKS_EVERY_REPORT.search(question.folded):
            return []
        ids, records = self._reports_in(scoped), self.scoper.records()
        if len(ids) < 2:
            return []
        return sorted(ids, key=lambda d: (records[d].get("place") or "", shown_record(records[d])))

    def _reports_in(self, scoped: Scope) -> list[str]:
        """The reports (documents with a record) in scope: the whole library's when it has none."""
        records = self.scoper.records()
        ids = records if scoped.doc_ids is None else scoped.doc_ids
        return sorted(d for d in ids if _is_report(records.get(d, {})))

    def _named_reports(self, question: Question, scoped: Scope) -> list[str]:
        """The reports a question names (in the order it names them) or the asker chose,
        when they are several (2 to ``SIDE_BY_SIDE``: 江苏和浙江……): each is then asked on
        its own."""
        if not (scoped.consumed or scoped.chosen) or scoped.doc_ids is None \
                or not 2 <= len(scoped.doc_ids) <= SIDE_BY_SIDE:
            return []
        records = self.scoper.records()

        def first_named(doc_id: str) -> tuple[int, str]:
            at = [question.folded.find(a) for p in records[doc_id].get("places") or [] for a in aliases(p)]
            return min([x for x in at if x >= 0] or [len(question.folded)]), doc_id
        return sorted(scoped.doc_ids, key=first_named)

    def _each_report(self, question: Question, found: "_Search", k: int, reports: list[str], options: dict,
                     heading: str = "") -> Answer:
        """Several reports, each searched on its own, its passages through the reader and
        the gate. Those the question names or the asker chose (``heading``: the message
        that says so): each one's answer, its report named, or that it does not say. Those
        of the top passages of a question naming none: one answers, its answer; several,
        each one's answer, named (a figure of one report is never presented as the
        answer). None: the reports don't say."""
        answers = [(d, self.compose(question, self._report_hits(found, d, k), k, **options)) for d in reports]
        answering = [(d, a) for d, a in answers if not a.abstained]
        if not answering:
            declined = answers[0][1]
            declined.hits, declined.related = found.hits, _related(found.hits, k)
            return declined
        language = options["language"]
        records = self.scoper.records()
        if heading == "every_report":
            return _each_that_says(answers, records, language)
        if heading:
            shown = [(shown_record(records[d]), a if not a.abstained else _silent(a, language)) for d, a in answers]
            return _side_by_side(shown, language, heading=message(heading, language).format(len(answers)))
        if len(answering) == 1:
            return answering[0][1]
        if all(a.route == "outline" for _, a in answering):    # 这份报告讲了什么？ among many
            return self._which_report(question, [records[d] for d, _ in answering], answering, language)
        return _side_by_side([(shown_record(records[d]), a) for d, a in answering], language)

    def _report_hits(self, found: "_Search", doc_id: str, k: int) -> list[Hit]:
        """The report's passages as a search within it alone finds them (the question's
        own search, when that was it: a question naming the report)."""
        within = frozenset({doc_id})
        if found.within == within:
            return found.hits
        query = self._senses_within(found.query, within) if found.query.senses is not None else found.query
        return self.search(query, k=max(k, 10), exclude=found.exclude, timing=found.timing, within=within)

    def _library_list(self, question: str, scoped: Scope, language: str) -> Answer:
        """What the library (or the chosen scope) holds: each report as its citations name
        it (title · place · year), in the asker's script. The library's own list, no quote."""
        records = self.scoper.records()
        ids = sorted(records if scoped.doc_ids is None else scoped.doc_ids)
        if not ids:
            return Answer(question=question, answer=message("empty_index", language), abstained=True,
                          language=language, route="library")
        names = (", " if language == "en" else "、").join(_in_script(shown_record(records[d]), language) for d in ids)
        holds = "the_chosen" if scoped.chosen else "the_library"
        return Answer(question=question, answer=message(holds, language).format(len(ids), names),
                      abstained=False, language=language, route="library")

    def _reports_mentioning(self, question: str, topic: str, scoped: Scope, language: str) -> Answer | None:
        """Every report in scope that writes ``topic`` (folded), each with the first sentence
        that does, cited; none: that no report does. None when the library holds no reports
        (paragraphs without a record: the question is searched as any other)."""
        records, ids = self.scoper.records(), self._reports_in(scoped)
        if not ids:
            return None
        shown_topic = _in_script(topic, language)
        answers = [(shown_record(records[d]), a) for d in ids if (a := _first_mention(self.store, d, topic, language))]
        if not answers:
            return Answer(question=question, answer=message("none_mentions", language).format(len(ids), shown_topic),
                          abstained=True, language=language, route="mentions")
        combined = _side_by_side(answers, language, heading=message("mentioning", language).format(
            shown_topic, len(answers), len(ids)))
        combined.route = "mentions"
        return combined

    # ------------------------------------------------------------------ a report's record
    def _from_records(self, question: str, parsed: Question, fields: list[str], scoped: Scope,
                      language: str, every: list[str]) -> Answer | None:
        """Who delivered a report, when, at which meeting (``retriever/record.py``): the
        record of each report in scope that holds it, each named when several; asked back
        which report when more than ``SIDE_BY_SIDE``, unless the question asks it of every
        report (``every``: 各省的政府工作报告分别是谁作的？). None when no report in scope
        holds it (the question is then searched, as any other)."""
        records = self.scoper.records()
        if scoped.doc_ids is None and not NAMES_A_REPORT.search(parsed.folded):
            return None
        ids = every or (records if scoped.doc_ids is None else scoped.doc_ids)
        held = sorted(d for d in ids if d in records and record.lines_for(records[d], fields)
                      and record.of_the_years_asked(records[d], parsed))
        if not held:
            return None
        if len(held) > SIDE_BY_SIDE and not every:
            example = _in_script(shown_record(records[held[0]]), language)
            return Answer(question=question, abstained=True, language=language, route="record",
                          answer=message("which_record", language).format(len(held), example))
        answered = [(d, self._record_answer(question, d, records[d], fields, language, lead=len(held) == 1))
                    for d in held]
        if len(answered) == 1:
            return answered[0][1]
        if every:
            combined = _each_that_says(answered, records, language)
            combined.route = "record"
            return combined
        answers = [(shown_record(records[d]), a) for d, a in answered]
        named = "chosen_reports" if scoped.chosen else "named_reports" if scoped.doc_ids is not None else ""
        combined = _side_by_side(answers, language, heading=message(named, language).format(len(answers)) if named else None)
        combined.route = "record"
        return combined

    def _record_answer(self, question: str, doc_id: str, rec: dict, fields: list[str], language: str,
                       lead: bool) -> Answer:
        """One report's record answer: its front-matter lines, after its name (``lead``: when
        it is the only report answering; side by side, each is named anyway)."""
        used = record.lines_for(rec, fields)
        name = shown_record(rec)
        prefix = (message("en_prefix", "en") if language == "en" else "") + (
            f"{_in_script(name, language)}：" if lead else "")
        text = prefix + _in_script("；".join(used), language) + "[1]"
        answer = Answer(question=question, answer=text, abstained=False, language=language, route="record")
        answer.citations = [record.citation(1, doc_id, rec, used, name, language)]
        answer.key_spans = record.key_spans(text, rec, fields)
        return answer

    def _which_report(self, question: Question, found: list[dict], answering: list, language: str) -> Answer:
        """"What is the report about?" in a library of several: which report is meant is
        asked back, naming the reports whose outlines matched (each one's first part cited)."""
        names = [_in_script(_as_named(shown_record(r)), language) for r in found]
        answer = Answer(question=question.raw, abstained=True, language=language,
                        answer=message("which_report", language).format(
                            len(self.scoper.records()), "、".join(names), names[0]))
        answer.related = [a.citations[0] for _, a in answering if a.citations]
        for n, c in enumerate(answer.related, 1):
            c.n = n
        return answer

    def _unreported(self, answer: Answer, places: list[str], hits: list[Hit], k: int) -> Answer:
        """北京市……是多少？ in a library with no report on Beijing, answered from passages
        that never mention it: another report's figure. Declined, saying which is missing."""
        declined = Answer(question=answer.question, answer=message("not_found", answer.language), abstained=True,
                          language=answer.language, hits=hits, relevance=answer.relevance, decision=answer.decision)
        declined.warnings.append(message("missing_report", answer.language).format(
            _in_script("、".join(places), answer.language)))
        declined.related = _related(hits, k)
        return declined

    def _out_of_scope(self, question: str, scoped: Scope, language: str, started: float) -> Answer:
        answer = Answer(question=question, answer="", abstained=True, language=language)
        answer.answer = (message("missing_report", language).format(_in_script(scoped.missing, language))
                         if scoped.missing else message("empty_scope", language))
        answer.timing_ms["total"] = (time.perf_counter() - started) * 1000
        return answer

    def _names_one_thing(self, pointed: Dangling, within) -> bool:
        """这个鲤鱼门天后庙……: the word after the demonstrative names what it points at when
        at most one passage (in the question's scope) contains it. 这项改革 in a report of
        reforms, 它的…… and 还有呢 name nothing."""
        noun = _noun_after(pointed)
        return bool(noun) and self.store.term_document_frequency([noun], within).get(noun, 0) <= 1

    def _ask_back(self, question: str, pointed: Dangling, parsed: Question, language: str, within, k: int,
                  started: float) -> Answer:
        """A first question that refers back to nothing: asked what it means, with the
        closest passages (one of them may be what the asker had in mind)."""
        hits = self.search(parsed, k=max(k, 10), within=within)
        answer = Answer(question=question, abstained=True, language=language, hits=hits,
                        answer=message("refers_back", language).format(pointed.words + _noun_after(pointed)))
        answer.related = _related(hits, k)
        answer.timing_ms["total"] = (time.perf_counter() - started) * 1000
        return answer

    def _pinned_first(self, hits: list[Hit], chunk_id: int) -> list[Hit]:
        """The hits with that chunk first: found by the search, or fetched (it may have been
        removed since the turn before: then the hits as they are)."""
        found = next((h for h in hits if h.chunk.id == chunk_id), None)
        if found is None:
            chunk = self.store.chunks([chunk_id]).get(chunk_id)
            if chunk is None:
                return hits
            vector = self.searcher.last_query_vector
            cosine = self.store.cosines(vector, [chunk_id]).get(chunk_id) if vector is not None else None
            found = Hit(chunk=chunk, score=hits[0].score if hits else 0.0, dense=cosine)
        return _moved_first(hits, found)

    def compose(self, question: Question, hits: list[Hit], k: int, language: str,
                query_vector=None, already_said: str = "", more: bool = False, within: str = "") -> Answer:
        """The stages after the search, in order (README, "How a question is answered"):
        signals (``abstain.measure``), router, reader, gate, then the answer is written.
        The hits keep the search's order throughout. ``already_said``: the sentence the
        previous answer quoted from the top hit, which a follow-up pointed at: not quoted
        again. ``more``: "还有呢？", the hits are those not cited yet: if nothing among
        them answers, say that nothing more does. ``within``: the part an earlier answer
        outlined, which every hit is in ("还有呢" after it asks for more of that part)."""
        started = time.perf_counter()
        answer = Answer(question=question.raw, answer="", abstained=False, language=language, hits=hits)
        if not hits:
            answer.abstained = True
            answer.answer = message("empty_index" if self.store.info().chunks == 0 else "not_found", language)
            return answer
        # The statistics the signals use (term frequencies, "never mentioned") are those of
        # the reports the top passages come from, not of the whole library: a report added
        # beside them changes nothing unless it is found (README, "Asking a library").
        evidence = _evidence(hits)
        if question.senses is not None:   # an English phrase's senses too: those these reports use together
            question = self._senses_within(question, evidence)
        total = max(1, self.store.chunk_count(evidence))
        frequency = self.store.term_document_frequency(question.terms, evidence)
        weights = {t: idf(frequency[t], total) for t in question.terms}
        relevance = answer.relevance = measure(question, hits, frequency, total, self.store.folded_text(evidence))
        route = self.router.run(question, hits, relevance, already_said, more, within)
        answer.route = route.kind
        if route.kind == "outline":          # 黄埔区未来有什么打算？: the part's sections, each cited
            self._write_outline(route.outline, hits, k, answer)
            if route.outline.missing_part:
                answer.warnings.append(message("no_such_part", language).format(
                    route.outline.missing_part, len(route.outline.entries)))
        elif route.kind == "continuation":   # "其中第二项具体怎么做？": what that item's passage says next
            self._write_answer(route.following, hits[:k], answer)
        else:
            context = Context(weights=weights, relevance=relevance, query_vector=query_vector,
                              already_said=already_said)
            found = self.reader.run(question, hits[:k], context)
            # More of a part the asker had outlined is read from that part: no gate to pass.
            answer.decision = (Decision(answer=bool(found), p_answer=1.0) if route.kind == "part"
                               else self.gate.run(question, hits, relevance, found, weights))
            if answer.decision.answer:
                self._write_answer(self.reader.choose(question, found, context), hits[:k], answer)
            else:
                self._decline(question, hits, k, answer, answer.decision, more)
        answer.timing_ms["compose"] = (time.perf_counter() - started) * 1000
        return answer

    def _decline(self, question: Question, hits: list[Hit], k: int, answer: Answer, decision, more: bool) -> None:
        """"The reports don't say", the most telling reason if a signal named one, and the
        closest passages as related reading."""
        answer.abstained = True
        answer.answer = message("nothing_more" if more else "not_found", answer.language)
        if decision.reason:
            reason, words = decision.reason
            shown = ", ".join(_as_asked(question, w) for w in words)
            answer.warnings.append(message(reason, answer.language).format(shown))
        answer.related = _related(hits, k)

    def _write_outline(self, outline: Outline, hits: list[Hit], k: int, answer: Answer) -> None:
        """What leads the outline (a part's heading, a report's title), then each entry with
        its [n]; the other hits follow as further sources."""
        scores = {h.chunk.id: h.score for h in hits}
        cited = [Hit(chunk=e.chunk, score=scores.get(e.chunk.id, 0.0)) for e in outline.entries]
        listed = {e.chunk.id for e in outline.entries}
        answer.hits = cited + [h for h in hits if h.chunk.id not in listed]
        chosen = [extract.Candidate(i, e.start, e.end, 0.0, key=key_of(e.text), text=e.text)
                  for i, e in enumerate(outline.entries)]
        lead = _in_script(outline.lead.strip(" ：:"), answer.language) + "："
        answer.outlined_part = outline.part
        self._write_answer(chosen, answer.hits[:max(k, len(cited))], answer, lead)

    def _write_answer(self, chosen: list, hits: list[Hit], answer: Answer, lead: str = "") -> None:
        """``lead``: text before the quoted sentences (an outline's heading), quoting nothing."""
        numbers: dict[int, int] = {}       # hit index -> citation number
        parts, key_spans, position = [], [], 0
        prefix = (message("en_prefix", "en") if answer.language == "en" else "") + lead
        if prefix:
            parts.append(prefix)
            position = len(prefix)
        for candidate in chosen:
            n = numbers.setdefault(candidate.hit_index, len(numbers) + 1)
            sentence = _in_script(candidate.text, answer.language)
            key_a, key_b = candidate.marked()
            key_spans.append((position + key_a, position + key_b))
            marker = f"[{n}]"
            parts.append(sentence + marker)
            position += len(sentence) + len(marker)
        answer.answer = "".join(parts)
        answer.key_spans = key_spans
        # Cite the passages used, in marker order; then the other hits as further sources.
        for hit_index, n in sorted(numbers.items(), key=lambda kv: kv[1]):
            citation = _citation(n, hits[hit_index])
            used = [c for c in chosen if c.hit_index == hit_index]
            citation.sentences = [c.text for c in used]
            citation.highlights = [(c.start, c.end) for c in used]
            answer.citations.append(citation)
        extra = len(answer.citations)
        for i, hit in enumerate(hits):
            if i not in numbers:
                extra += 1
                answer.citations.append(_citation(extra, hit))


@dataclasses.dataclass
class _Search:
    """One question's search: the query, what it found, the documents it was searched in
    (None: the library), the passages it left out (a follow-up's) and its timings."""
    query: Question
    hits: list[Hit]
    within: frozenset[str] | None
    exclude: frozenset
    timing: dict


def _candidate_reports(hits: list[Hit]) -> list[str]:
    """The documents a question naming no report may be answered from, in the order
    found: those of the passages the reader reads, and of the passage each side of the
    search (dense, keywords) ranks best (``config.EACH_SIDE_BEST``): where the two sides
    disagree, fusion can bury the report one of them is sure of under another report's
    passages that both find middling."""
    best = [h.chunk.doc_id for h in hits if min(h.dense_rank or EACH_SIDE_BEST + 1,
                                                 h.lexical_rank or EACH_SIDE_BEST + 1) <= EACH_SIDE_BEST]
    return list(dict.fromkeys([h.chunk.doc_id for h in hits[:READ_PASSAGES]] + best))


def _evidence(hits: list[Hit]) -> frozenset[str]:
    """The reports the passages the reader reads come from: their statistics and their
    senses are those an answer is judged by."""
    return frozenset(h.chunk.doc_id for h in hits[:READ_PASSAGES])


def _noun_after(pointed: Dangling) -> str:
    """The word right after 这项/这个 (改革 in 这项改革取得了什么成效？), folded; "" when what
    follows is no word of its own (它的……) or the question is English."""
    rest = fold_for_matching(pointed.rest[:12]) if not pointed.rest.isascii() else ""
    first = next(iter(query_terms(rest)), "") if rest else ""
    return first if first and rest.startswith(first) else ""


def _related(hits: list[Hit], k: int) -> list[Citation]:
    """The closest passages, shown with a declined answer as related reading."""
    return [_citation(i + 1, h) for i, h in enumerate(hits[:min(k, 3)])]


def _speaks_of(answer: Answer, places: list[str]) -> bool:
    """Whether a passage the answer quotes names one of the places (全称 or 简称)."""
    quoted = "".join(fold_for_matching(c.text) for c in answer.citations if c.sentences)
    return any(a in quoted for p in places for a in aliases(p) if not a.isascii())


def _side_by_side(answers: list[tuple[str, Answer]], language: str, heading: str | None = None) -> Answer:
    """One answer from several reports' answers: each report named, then its answer; the
    [n] markers and citations renumbered in order. ``heading``: the line before them
    (None: that the question named no report, and how to name one)."""
    first = answers[0][1]
    combined = Answer(question=first.question, answer="", abstained=False, language=language,
                      hits=[h for _, a in answers for h in a.hits], decision=first.decision,
                      relevance=first.relevance)
    example = _as_named(answers[0][0])
    if heading is None:
        heading = message("several_reports", language).format(len(answers), _in_script(example, language))
    lines = [heading] if heading else []
    position = len(heading) + 1 if heading else 0
    for label, answer in answers:
        offset = len(combined.citations)
        used = [c for c in answer.citations if f"[{c.n}]" in answer.answer]
        text = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", answer.answer)
        head = f"{_in_script(label, language)}："
        shift = position + len(head)
        # Renumbering changes lengths: recompute each emphasised span by its text.
        for a, b in answer.key_spans:
            span = answer.answer[a:b]
            at = text.find(span)
            if at >= 0:
                combined.key_spans.append((shift + at, shift + at + len(span)))
        for c in used:
            c.n += offset
            combined.citations.append(c)
        lines.append(head + text)
        position += len(head) + len(text) + 1
    combined.answer = "\n".join(lines)
    return combined


def _each_that_says(answers: list[tuple[str, Answer]], records: dict, language: str) -> Answer:
    """Every report's answer to a question asked of each (``_every_report``): those that
    answer, named, under "N份报告中，以下M份有相关说法："; the silent ones in one line after
    them (thirty lines of "does not say" would bury the answers)."""
    answering = [(shown_record(records[d]), a) for d, a in answers if not a.abstained]
    silent = [_in_script(shown_record(records[d]), language) for d, a in answers if a.abstained]
    combined = _side_by_side(answering, language,
                             heading=message("every_report", language).format(len(answers), len(answering)))
    if silent:
        combined.answer += "\n" + message("reports_silent", language).format("、".join(silent))
    return combined


def _is_report(record: dict) -> bool:
    """A document with a record (a place or a year), not a paragraph of a pre-split corpus."""
    return bool(record.get("place") or record.get("year"))


def _first_mention(store, doc_id: str, topic: str, language: str) -> Answer | None:
    """The first sentence of the report that writes ``topic`` (folded), quoted and cited;
    failing that, the first that writes each of its words (新建住房: 新建保障性住房3200套)."""
    words = query_terms(topic)
    whole = store.folded_text([doc_id])         # cached: most reports are ruled out unread
    if topic not in whole and not (words and all(w in whole for w in words)):
        return None
    chunks = [(c, fold_for_matching(c.text)) for c in store.chunks_of(doc_id)]
    for holds in (lambda text: topic in text, lambda text: bool(words) and all(w in text for w in words)):
        for chunk, folded in chunks:
            if not holds(folded):
                continue
            for start, end in sentence_spans(chunk.text):
                sentence = chunk.text[start:end]
                if holds(fold_for_matching(sentence)):
                    cited = _citation(1, Hit(chunk=chunk, score=0.0))
                    cited.sentences, cited.highlights = [sentence], [(start, end)]
                    at = fold_for_matching(sentence).find(topic)
                    return Answer(question="", answer=_in_script(sentence, language) + "[1]", abstained=False,
                                  language=language, citations=[cited],
                                  key_spans=[(at, at + len(topic))] if at >= 0 else [])
    return None


def _as_named(label: str) -> str:
    """A report's label (title · place · year) as a question names it: 2026年政府工作报告 · 云南省
    -> 云南省2026年政府工作报告 (the title alone does not say whose report it is)."""
    title, *rest = label.split(" · ")
    return "".join(p for p in reversed(rest) if fold_for_matching(p) not in fold_for_matching(title)) + title


def _silent(declined: Answer, language: str) -> Answer:
    """A named report's "does not say", as one line among the others' answers."""
    return Answer(question=declined.question, answer=message("report_silent", language), abstained=True,
                  language=language, hits=declined.hits)


def _moved_first(hits: list[Hit], hit: Hit | None) -> list[Hit]:
    return hits if hit is None else [hit] + [h for h in hits if h is not hit]


def _as_asked(question: Question, word: str) -> str:
    """A word found in the folded question, as the asker wrote it (GDP, not gdp; 資金, not
    资金): folding keeps the length, so the span is the same."""
    at = question.folded.find(word)
    if at < 0 or len(question.folded) != len(question.text):
        return word
    return question.text[at:at + len(word)]


def _in_script(text: str, language: str) -> str:
    """Quote a sentence in the asker's script; spans stay valid (same length)."""
    if language == "zh-Hans":
        return to_simplified(text)
    if language == "zh-Hant":
        converted = to_traditional(text)
        return converted if len(converted) == len(text) else text
    return text


def _citation(n: int, hit: Hit) -> Citation:
    c = hit.chunk
    return Citation(n=n, doc_id=c.doc_id, title=c.title, section=c.section, paragraph=c.paragraph,
                    text=c.text, score=hit.score, chunk_id=c.id, report=c.report)
