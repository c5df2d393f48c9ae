"""Query expansion: a question's terms for the two BM25 legs (its own words, English words' Chinese glosses,
Chinese words' English senses, character pairs), and, over transcripts in two languages, its words grouped
with their translations so that each group is one BM25 term (`BM25.grouped_scores_at`).

Flows in: a question and the index's glossaries; flows out: terms and term groups.
"""
from __future__ import annotations

from ..lang import HAN as _HAN, is_chinese
from .bm25 import bigrams
from .glossary import _by_word, _dictionary_senses, _gloss_tokens, _lexicon_glosses, english_senses, gloss_words
from .tokens import _STOP_EN, tokenize

def query_terms(question: str, glossary: dict[str, list[str]] | None = None,
                senses: dict[str, list[str]] | None = None, english: bool = False) -> tuple[list[str], list[str]]:
    """The question's terms for the two BM25 legs: (jieba tokens, character bigrams).

    English words get Chinese glosses: from the lexicon, else from the glossary
    (dictionary senses found in this corpus). Chinese words get English stems from
    `senses` (the dictionary the other way, for English transcripts). The bigram
    leg takes a Chinese question's own characters, or an English question's Chinese glosses.
    `english`: the index holds English transcripts (see `tokenize`).
    """
    tokens = tokenize(question, english)
    chinese = is_chinese(question)
    if chinese and senses:
        seen = set(tokens)
        for tok in list(tokens):
            for stem in english_senses(tok, senses):
                if stem not in seen:
                    tokens.append(stem)
                    seen.add(stem)
    words = gloss_words(question)
    glosses = _lexicon_glosses(words)
    for _, term in glosses:
        tokens.extend(_gloss_tokens(term))
    if glossary and not chinese:  # (English words in a Chinese question are mostly names: "Sky", "Sam")
        seen = set(tokens)
        for _, sense in _unglossed_senses(words, glosses, glossary):
            for tok in _gloss_tokens(sense):
                if tok not in seen:  # a dictionary sense adds a term once, never more weight to one
                    tokens.append(tok)
                    seen.add(tok)
    if chinese:
        pairs = bigrams(question)
    else:
        pairs = list(dict.fromkeys(b for tok in tokens if _HAN.search(tok) for b in bigrams(tok)))
    return tokens, pairs


def query_groups(question: str, glossary: dict[str, list[str]] | None = None,
                 senses: dict[str, list[str]] | None = None, english: bool = False) -> list[list[str]]:
    """The terms of `query_terms`' word leg, grouped by the question's word they render: a word's own token
    with its translations (an English word's lexicon glosses and dictionary senses, a Chinese word's English
    stems); a lexicon phrase's glosses as one group of their own. For BM25.grouped_scores_at over
    transcripts in two languages, where a word and its translations are one term."""
    groups: dict[str, list[str]] = {}

    def add(key: str, terms) -> None:
        group = groups.setdefault(key, [])
        group.extend(t for t in terms if t not in group)

    chinese = is_chinese(question)
    for tok in tokenize(question, english):
        add(tok, [tok] + (english_senses(tok, senses) if chinese and senses else []))
    words = gloss_words(question)
    glosses = _lexicon_glosses(words)
    own = {w: (tokenize(w, english) or [w])[0] for w in words}
    for key, term in glosses:
        add(own.get(key, key), _gloss_tokens(term))
    if glossary and not chinese:
        for word, sense in _unglossed_senses(words, glosses, glossary):
            add(own[word], _gloss_tokens(sense))
    return list(groups.values())


def _unglossed_senses(words: list[str], glosses: list[tuple[str, str]], glossary: dict[str, list[str]]
                      ) -> list[tuple[str, str]]:
    """(word, dictionary sense) for the question's words that neither the lexicon glosses nor the stop list
    holds: an English question's words found through the general dictionary."""
    known = _by_word(glosses)
    return [(word, sense) for word in words if word not in known and word not in _STOP_EN
            for sense in _dictionary_senses(word, glossary)]
