"""Each cleaning rule, on real snippets of the seed report."""
import re

from chinese.clean import (CleaningReport, bracket_readings, clean_paragraph, find_mojibake, fold_for_matching, has_ruby_debris,
                           join_hard_wraps, normalize_punctuation, remove_cjk_spaces, strip_pinyin_debris)
from chinese.script import is_traditional, to_simplified

TONED_IN_BRACKETS = re.compile(r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")


def test_pinyin_debris_removed_everywhere_in_the_seed(seed_text):
    assert len(TONED_IN_BRACKETS.findall(seed_text)) > 1300          # the debris is really there
    cleaned, removed = strip_pinyin_debris(seed_text, toneless_too=has_ruby_debris(seed_text))
    assert removed == 1344
    assert TONED_IN_BRACKETS.findall(cleaned) == []
    assert "黃埔區、廣州開發區是廣州改革開放起步最早的地方" in cleaned


def test_pinyin_removed_but_real_brackets_stay():
    assert strip_pinyin_debris("率先全面推行鎮街紀(jì)(工)委書記專職化")[0] == "率先全面推行鎮街紀(工)委書記專職化"
    assert strip_pinyin_debris("中國(guó)(廣東)知識(shí)產(chǎn)權(quán)保護(hù)中心")[0] == "中國(廣東)知識產權保護中心"
    text = "知識產權(IP)、試點(2020)、附件(a)"
    assert strip_pinyin_debris(text, toneless_too=True)[0] == text


def test_a_short_word_in_brackets_is_read_both_ways():
    """纪（工）委书记 stands for 纪委书记 and 纪工委书记: matching reads the phrase (up to 8
    characters either side) without the brackets both ways; what is shown keeps them."""
    assert bracket_readings("率先全面推行鎮街紀（工）委書記專職化，紀(工)委副書記作為區管") == (
        "先全面推行鎮街紀委書記專職化\n先全面推行鎮街紀工委書記專職化\n紀委副書記作為區管\n紀工委副書記作為區管")
    assert bracket_readings("廣州市河（湖）長制考核") == "廣州市河長制考核\n廣州市河湖長制考核"
    for text in ("（一）總體情況", "試點（2020）年", "知識產權（IP）保護", "建設（注：見附件）", "完成（全年）。"):
        assert bracket_readings(text) == ""      # a number, Latin, a long or a trailing aside


def test_toneless_readings_only_in_documents_with_debris():
    assert strip_pinyin_debris("我們(men)的", toneless_too=True) == ("我們的", 1)
    assert strip_pinyin_debris("我們(men)的", toneless_too=False) == ("我們(men)的", 0)
    assert not has_ruby_debris("普通文本(an)沒有注音")


def test_mojibake_detected_and_kept(seed_text):
    cleaned, _ = strip_pinyin_debris(seed_text, toneless_too=True)
    found = find_mojibake(cleaned)
    assert len(found) == 3
    assert any("??茖W" in f for f in found) and any("?qū)崬" in f for f in found)
    assert "??茖W" in cleaned                                             # reported, not "repaired"
    assert find_mojibake("這是一個問題？那是答案。What? Yes.") == []


def test_clean_paragraph_reports_what_it_found():
    report = CleaningReport()
    out = clean_paragraph("黃埔區(qū)是 廣 州 的,實打?qū)崬槊駹I(yíng)企業", report, toneless_too=True)
    assert out.startswith("黃埔區是廣州的，實打")
    assert report.pinyin_removed == 2 and len(report.mojibake) == 1


def test_hard_wraps_joined_headings_and_sentence_ends_kept():
    lines = ["一、主要工作情況",
             "設立廣東省首個行政審批局，實現企業投資建設項目“一枚印章管審批”；優化設立全",
             "國首個民營經濟和企業服務局，專門破解企業“落地難”的瓶頸問題。",
             "（一）改革體會",
             "改革如逆水行舟，不進則退。"]
    assert join_hard_wraps(lines) == [
        "一、主要工作情況",
        "設立廣東省首個行政審批局，實現企業投資建設項目“一枚印章管審批”；優化設立全國首個民營經濟和企業服務局，專門破解企業“落地難”的瓶頸問題。",
        "（一）改革體會",
        "改革如逆水行舟，不進則退。"]


def test_spaces_between_chinese_removed_latin_kept():
    assert remove_cjk_spaces("區 塊 鏈 + AI 商事 服務 moving fast") == "區塊鏈 + AI 商事服務 moving fast"


def test_punctuation_normalised_numbers_untouched():
    assert normalize_punctuation("這里因改革而生,伴開放而長;共1,000家,比例3:1") == "這里因改革而生，伴開放而長；共1,000家，比例3:1"


def test_fold_for_matching_keeps_length_and_maps_scripts():
    text = "黃埔區ＡＩ專利１２３件"
    folded = fold_for_matching(text)
    assert folded == "黄埔区ai专利123件"
    assert len(folded) == len(text)
    assert to_simplified("廣州開發區") == "广州开发区"
    assert is_traditional("廣州開發區知識產權") and not is_traditional("广州开发区知识产权")
