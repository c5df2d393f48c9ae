"""Which language a text is in, and the character classes every stage reads it by: one definition for the
readers, the tokenizer, the query reader and the app."""
from __future__ import annotations

import re

HAN = re.compile(r"[\u3400-\u9fff]")  # a Chinese character (CJK unified ideographs and extension A)
HAN_RUN = re.compile(r"[\u3400-\u9fff]+")  # a run of Chinese characters (a word of them: fullmatch)
ASCII_LETTER = re.compile(r"[A-Za-z]")
LATIN_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")  # a lower-cased English word: "self-driving", "don't"


def is_chinese(text: str) -> bool:
    """Whether a text is mostly Chinese (a Chinese character weighs about as much as a Latin word)."""
    cjk = len(HAN.findall(text))
    latin = len(ASCII_LETTER.findall(text))
    return cjk > 0 and cjk >= latin / 4


def lang_of(text: str) -> str:
    """"zh" or "en": the language a reply to `text` is written in."""
    return "zh" if is_chinese(text) else "en"
