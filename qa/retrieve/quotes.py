"""The quote: which of an answer's sentences to show, verbatim.

For a question, the turn's sentence that best matches, widened to its neighbours when they score nearly as
well (at most three sentences). For a pasted quote or a claim, her words in another rendering, the run of one
to three consecutive sentences whose mean vector best matches (`best_run`): one English sentence may be two
Chinese ones, or half of one. Editorial notes ("[…]") are never part of a quote. Every value:
docs/decisions.md.

Flows in: a turn index and the query vector; flows out: a character span of the turn's text.
"""
from __future__ import annotations

import bisect
import re

import numpy as np

from ..chunk import SENTENCE, WINDOW
from ..store import Index

QUOTE_SLACK = 0.03  # a neighbouring sentence joins the quote if it scores within this of the best
QUOTE_TERM_WEIGHT = 0.01  # per unit of BM25 idf of each question term found in a sentence (quote_span)
QUOTE_MIN_CHARS = 40  # ...or while the quote is shorter than this: one short line rarely answers alone
RUN_SENTENCES = 3  # a quote's run is one to this many consecutive sentences
RUN_LENGTH_COST = 0.01  # per sentence added to a run beyond the first (best_run)
_EDITORIAL = re.compile(r"\[[^\[\]]*\]")  # "[现在OpenAI有大约500名员工。]": the editor's words, never the quote


def editorial_mask(text: str, spans: np.ndarray) -> np.ndarray:
    """Which of a turn's sentence spans lie inside an editor's note ("[…]"): never part of a quote."""
    if "[" not in text:
        return np.zeros(len(spans), dtype=bool)
    notes = [m.span() for m in _EDITORIAL.finditer(text)]
    return np.array([any(a <= x and y <= b for a, b in notes) for x, y in spans], dtype=bool)


def sentences_holding(text: str, term: str, spans: np.ndarray, starts: list[int]) -> list[int]:
    """Indices of the sentence spans (in order, not overlapping; `starts` their first characters) that
    hold an occurrence of `term` in `text` whole."""
    held: list[int] = []
    at = text.find(term)
    while at >= 0:
        i = bisect.bisect_right(starts, at) - 1
        if i >= 0 and at + len(term) <= spans[i][1] and (not held or held[-1] != i):
            held.append(i)
        at = text.find(term, at + 1)
    return held


class Quotes:
    """Quote spans over one index; each turn's sentence units are worked out once (an answer list needs them
    again and again)."""

    def __init__(self, index: Index):
        self.index = index
        self._sentence_cache: dict = {}

    def weighted_terms(self, terms: list[str]) -> list[tuple[str, float]]:
        """The distinct terms that some turn holds, with their BM25 idf (quote_span's weights)."""
        out = []
        for w in set(terms):
            idf = self.index.lexical.idf(w)
            if idf > 0:
                out.append((w, idf))
        return out

    def sentences(self, t: int) -> tuple[np.ndarray, np.ndarray, list[int], str, np.ndarray] | None:
        """Turn `t`'s sentence units: unit rows, character spans, span starts, the lower-cased text and which
        spans are editorial notes; None for a turn without sentence units."""
        try:
            return self._sentence_cache[t]
        except KeyError:
            pass
        idx = self.index
        a, b = int(idx.turn_units[t]), int(idx.turn_units[t + 1])
        rows = np.arange(a, b)[np.asarray(idx.units[a:b, 1]) == SENTENCE]
        out = None
        if len(rows):
            text = idx.turns[t].text
            spans = np.asarray(idx.units[rows, 2:4])
            out = (rows, spans, spans[:, 0].tolist(), text.lower(), editorial_mask(text, spans))
        self._sentence_cache[t] = out
        return out

    def best_run(self, t: int, qv: np.ndarray, weighted: list[tuple[str, float]] = ()) -> tuple[float, int, int]:
        """Turn `t`'s best run of 1 to RUN_SENTENCES consecutive sentences for `qv`: (cosine, start, end).

        A run is scored by the normalised mean of its sentence vectors. The cosine is the best run's (the
        ranking signal); the span, the matched words shown, is the run whose cosine less RUN_LENGTH_COST per
        added sentence is highest, since a mean of more sentences scores a little higher even when they add
        nothing, plus QUOTE_TERM_WEIGHT per unit of idf of the `weighted` terms it holds: the run that carries
        the claim's content ("nuclear weapons" -> 核武器) is the one shown, not the turn's first strong sentence.
        """
        idx = self.index
        text = idx.turns[t].text
        sent = self.sentences(t)
        if sent is not None:
            rows, spans, _, _, editorial = sent
        else:  # a one-sentence turn: its whole text
            a, b = int(idx.turn_units[t]), int(idx.turn_units[t + 1])
            rows = np.arange(a, b)[np.asarray(idx.units[a:b, 1]) == WINDOW][:1]
            if len(rows) == 0:
                return -1.0, 0, len(text)
            spans = np.asarray(idx.units[rows, 2:4])
            editorial = editorial_mask(text, spans)
        ok = ~editorial
        vecs = np.asarray(idx.vectors[rows], dtype=np.float32)
        bonus = np.zeros(len(rows), dtype=np.float32)  # per sentence: idf of the terms it holds
        if weighted and sent is not None:
            for w, idf in weighted:
                for i in sentences_holding(sent[3], w, spans, sent[2]):
                    bonus[i] += idf
        best, span, kept = -1.0, (0, len(text)), -np.inf
        for n in range(1, RUN_SENTENCES + 1):
            for i in range(len(rows) - n + 1):
                if not ok[i:i + n].all():
                    continue
                v = vecs[i:i + n].sum(axis=0)
                cos = float(v @ qv) / max(float(np.linalg.norm(v)), 1e-9)
                best = max(best, cos)
                value = cos - RUN_LENGTH_COST * (n - 1) + QUOTE_TERM_WEIGHT * float(bonus[i:i + n].sum())
                if value > kept:
                    kept, span = value, (int(spans[i][0]), int(spans[i + n - 1][1]))
        return best, span[0], span[1]

    def coverage(self, t: int, clause_vecs: np.ndarray) -> np.ndarray:
        """For each clause of a long quote (`clause_vecs`), its best cosine with one of turn `t`'s sentences
        (its text where it has no sentence units): how much of the quote the turn renders, clause by clause."""
        idx = self.index
        sent = self.sentences(t)
        if sent is not None:
            rows = sent[0][~sent[4]]
        else:
            a, b = int(idx.turn_units[t]), int(idx.turn_units[t + 1])
            rows = np.arange(a, b)[np.asarray(idx.units[a:b, 1]) == WINDOW][:1]
        if len(rows) == 0:
            return np.full(len(clause_vecs), -1.0, dtype=np.float32)
        return (np.asarray(idx.vectors[rows], dtype=np.float32) @ clause_vecs.T).max(axis=0)

    def quote_span(self, t: int, qv: np.ndarray, weighted: list[tuple[str, float]]) -> tuple[int, int]:
        """Character span of the one to three sentences of turn `t` that best answer.

        A sentence scores its cosine with the question, plus QUOTE_TERM_WEIGHT times the BM25 idf of each of
        the question's `weighted` terms (Chinese glosses of English words included) that it contains: the
        small model alone often prefers a sentence that is near the topic but not on it, and a rare term
        ("激励" for "incentives") says more than a common one ("模型").
        """
        sent = self.sentences(t)
        if sent is None:
            return 0, len(self.index.turns[t].text)
        rows, spans, starts, text, editorial = sent
        sims = self.index.vectors[rows] @ qv
        if weighted:
            bonus = np.zeros(len(rows), dtype=np.float32)
            for w, idf in weighted:
                held = sentences_holding(text, w, spans, starts)
                if held:  # the sentences that hold the term, each counted once
                    bonus[held] += idf
            sims = sims + QUOTE_TERM_WEIGHT * bonus
        if editorial.all():
            return 0, len(self.index.turns[t].text)
        sims = np.where(editorial, -np.inf, sims)
        best = int(np.argmax(sims))
        lo = hi = best
        while hi - lo < 2:
            left = sims[lo - 1] if lo > 0 and spans[lo - 1][1] <= spans[lo][0] + 2 else -np.inf
            right = sims[hi + 1] if hi + 1 < len(rows) and spans[hi + 1][0] <= spans[hi][1] + 2 else -np.inf
            short = spans[hi][1] - spans[lo][0] < QUOTE_MIN_CHARS
            if max(left, right) == -np.inf or (not short and max(left, right) < sims[best] - QUOTE_SLACK):
                break
            if left >= right:
                lo -= 1
            else:
                hi += 1
        return int(spans[lo][0]), int(spans[hi][1])
