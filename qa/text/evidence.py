"""Evidence for the no-answer decision: a question's content words, how much each says (its surprisal in
general text), and whether the transcripts hold it, directly or through a gloss.

Flows in: a question and an index's vocabularies; flows out: (word, information, found) triples.
"""
from __future__ import annotations

from collections.abc import Container
from functools import lru_cache

import numpy as np

from ..lang import HAN as _HAN, is_chinese
from .bm25 import BM25, bigrams
from .glossary import _by_word, _lexicon_glosses, common_senses, english_senses, gloss_words
from .tokens import _STOP_EN, _jieba, _stemmer, search_parts, tokenize

def content_words(question: str, glossary: dict[str, list[str]], words: "BM25", pairs: "BM25 | None",
                  english: bool = False, senses: dict[str, list[str]] | None = None,
                  vocab: Container[str] | None = None, common: dict[str, int] | None = None
                  ) -> list[tuple[str, float, bool]]:
    """The question's content words as (word, information, found in the transcripts).

    In a Chinese question they are jieba's words of two or more characters and Latin words, their
    information the surprisal in jieba's general word counts ("介绍一下胡狼。": 胡狼 17.9, 介绍 8.8). In
    an English one, the words of three or more letters outside the stop list, their information the
    surprisal in wordfreq's English counts ("laptop" 11.0, "choose" 9.4, "good" 6.7). A Chinese word is
    found when it is one of the transcripts' words or inside one, or a longer one's part is (jieba may cut a
    question and a transcript differently: 在校学生 / 学生), or an English word it glosses (`senses`) is in
    English transcripts; its characters across two of their words are not it (加密 is not in 更加|密集). An
    English word is found when the transcripts hold it, or one of its Chinese glosses as a word or by half
    its character pairs. Its glosses are its common senses (`common`, glossary.common_senses): a last one is
    found almost anywhere.

    `vocab` narrows "the transcripts" to some of them (the words one language's turns hold), and `pairs` None
    leaves out the character-pair leg (which English turns are not part of).
    """
    english_of = senses or {}
    held = words.vocab if vocab is None else vocab
    held_pairs = pairs.vocab if pairs is not None else {}

    def telling_pairs(term: str) -> list[str]:
        # (A pair with 的 says nothing: "西班牙人的", the dictionary's "Spanish", would be found through 人的.)
        return [b for b in bigrams(term) if _HAN.search(b) and "的" not in b]

    def in_a_word(term: str) -> bool:
        return term in held or any(w in held for w in words.infixes.get(term, ()))

    def found(term: str) -> bool:
        if in_a_word(term) or any(stem in held for stem in english_senses(term, english_of)):
            return True
        return len(term) > 2 and any(in_a_word(p) for p in search_parts(term))

    def found_whole(gloss: str) -> bool:
        # A gloss is found as a word, or by at least half of its character pairs: not by one generic pair of
        # a long one ("thriller" -> 使人毛骨悚然的东西 through 东西)
        if gloss in held:
            return True
        pairs_of = telling_pairs(gloss)
        return bool(pairs_of) and 2 * sum(b in held_pairs for b in pairs_of) >= len(pairs_of)

    out: list[tuple[str, float, bool]] = []
    if is_chinese(question):
        info = _surprisal()
        for t in tokenize(question, english):
            if len(t) >= 2 or not _HAN.search(t):
                out.append((t, info(t), found(t)))
    else:
        en_words = gloss_words(question)
        lexicon = _by_word(_lexicon_glosses(en_words))
        for w in en_words:
            if len(w) < 3 or w in _STOP_EN:
                continue
            glosses = lexicon.get(w) or common_senses(w, glossary, common or {})
            own = _stemmer()(w) if english else w
            out.append((w, _english_surprisal(w), own in held or any(found_whole(g) for g in glosses)))
    return out


def unfound_share(question: str, glossary: dict[str, list[str]], words: "BM25", pairs: "BM25",
                  english: bool = False, senses: dict[str, list[str]] | None = None) -> float:
    """How much of what the question asks about the transcripts never mention: the share of its content
    words' information (`content_words`) that they lack. "介绍一下胡狼。": 0.67. 0.0 with no content word."""
    return unfound_information(content_words(question, glossary, words, pairs, english, senses))


def unfound_information(words: list[tuple[str, float, bool]]) -> float:
    """The share of the information of `content_words` that is not found; 0.0 with no content word."""
    total = sum(x for _, x, _ in words)
    return sum(x for _, x, hit in words if not hit) / total if total else 0.0


@lru_cache(maxsize=1)
def _surprisal():
    """word -> -log of its share of jieba's dictionary counts; an unknown word gets a count of one."""
    dt = _jieba()
    total = float(dt.total)
    return lambda w: float(np.log(total / (dt.FREQ.get(w) or 1)))


@lru_cache(maxsize=65536)  # per word, as the stemmer's: wordfreq tokenises the word again on every call
def _english_surprisal(word: str) -> float:
    """-ln of an English word's frequency in general text (wordfreq's Zipf scale: 10^(zipf-9) per word), so that
    in "How do I choose a good laptop?" the rare "laptop" outweighs "choose" and "good"."""
    from wordfreq import zipf_frequency

    return (9.0 - zipf_frequency(word, "en")) * 2.302585
