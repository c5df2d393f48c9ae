"""Why a quote matched, for a reader: the question's words found in it, directly or through a gloss, and
their spans.

Flows in: a question and a quote; flows out: labels and character spans.
"""
from __future__ import annotations

import re

from ..lang import HAN as _HAN, LATIN_WORD as _LATIN, is_chinese
from .glossary import _by_word, _dictionary_senses, _lexicon_glosses, english_senses
from .tokens import _STOP_EN, _words, tokenize

def matched_terms(question: str, text: str, glossary: dict[str, list[str]] | None = None,
                  senses: dict[str, list[str]] | None = None) -> tuple[list[str], list[tuple[int, int]]]:
    """Why a text matched a question, for a reader: the question's words found in it, directly or through a
    gloss ("voice → 声音", "Sky"), and their spans in the text (sorted, not overlapping)."""
    low = text.lower()
    labels: list[str] = []
    spans: list[tuple[int, int]] = []

    def add(source: str | None, term: str) -> None:
        found = _find(low, term)
        if found:
            label = text[found[0][0]:found[0][1]]  # in the text's own form ("innovating", not the stem "innov")
            label = f"{source} → {label}" if source else label
            if label.casefold() not in {x.casefold() for x in labels}:
                labels.append(label)
            spans.extend(found)

    if is_chinese(question):
        for tok in dict.fromkeys(tokenize(question)):
            if len(tok) >= 2 or not _HAN.search(tok):
                add(None, tok)
                for english in english_senses(tok, senses or {}):
                    add(tok, english)
    else:
        words = [w for w in dict.fromkeys(_words(question)) if w not in _STOP_EN and len(w) > 1]
        lexicon = _by_word(_lexicon_glosses(words))
        for w in words:
            add(None, w)
            for gloss in dict.fromkeys(lexicon.get(w) or _dictionary_senses(w, glossary or {})):
                if _HAN.search(gloss):  # (the lexicon's Latin entries are names the word already finds)
                    add(w, gloss)
    return labels, _merged(spans)


def _find(low: str, term: str) -> list[tuple[int, int]]:
    """Where `term` occurs in the lower-cased text: a Latin word whole or as a word's start ("regulat" in
    "regulation"), anything else as it is."""
    t = term.lower()
    if not t:
        return []
    if _LATIN.fullmatch(t):
        return [m.span() for m in re.finditer(rf"(?<![a-z]){re.escape(t)}[a-z]*", low)]
    return [m.span() for m in re.finditer(re.escape(t), low)]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted, overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
