"""Traditional <-> Simplified conversion (OpenCC) and script detection."""
from __future__ import annotations

import functools

import opencc


@functools.lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Convert to Simplified, keeping the length, so offsets stay valid.

    OpenCC's phrase tables can, rarely, change a string's length; then we fall back to
    converting character by character, which always maps one character to one.
    """
    out = _converter("t2s").convert(text)
    if len(out) == len(text):
        return out
    convert = _converter("t2s").convert
    return "".join(c if len(s := convert(c)) != 1 else s for c in text)


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)


def traditional_share(text: str) -> float:
    """Share of Han characters that change under t2s: ~0 for Simplified text,
    0.2-0.5 for typical Traditional text (many characters are the same in both)."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.0
    simplified = to_simplified("".join(han))
    return sum(a != b for a, b in zip(han, simplified)) / len(han)


def is_traditional(text: str) -> bool:
    return traditional_share(text) > 0.05


def with_digits(text: str) -> str:
    """Chinese numerals written as digits (五百强 -> 500强, 两年 -> 2年), through ``cn2an``.
    Reports mostly write numbers in digits; a question may not. Lengths change: use it to
    compare, never for offsets."""
    import warnings

    import cn2an                     # 0.1 s, only when a question has a word worth checking

    with warnings.catch_warnings():   # it warns of a numeral it leaves as is (百 alone)
        warnings.simplefilter("ignore")
        return cn2an.transform(text, "cn2an")
