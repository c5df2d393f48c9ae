"""Fusion: each signal standardised over the candidate turns and summed with its weight (`signals.SIGNALS`),
in the signals' order; then, for a question that calls somebody "she", the subject's answers first; for a
quote or a claim, the first RERANK turns re-scored by their best sentence run (a quote weighs its sentences
more and the whole turn and its glossed words less: QUOTE_WEIGHTS). `qa eval`'s baselines (dense
alone, plain BM25) read one signal each (`baseline`). Every value: docs/decisions.md.

Flows in: `signals.Legs`; flows out: the candidates in ranked order with their fused scores.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..chunk import CONTEXT, SENTENCE, WINDOW
from ..query import QUESTION, QUOTE
from .signals import PAIRS, QUESTION_TO_QUESTION, SIGNALS, WORDS, Legs, features

WEIGHTS = np.array([s.weight for s in SIGNALS], dtype=np.float32)
SUBJECT_PRIOR = 3.0  # a "she" question: the subject's turns rank as if their fused score were this higher
RUN_WEIGHT = 1.0  # a claim's best sentence run, as a signal of the first RERANK turns
# A pasted quote is her words in one to three sentences, loosely rendered: where a rendering holds them is said
# by its run of sentences and its clauses (QUOTE_RUN_WEIGHT) more than by the whole turn's topic (window,
# question + answer) or by literal glosses of the quote's words (words, pairs), which a free rendering does not
# use. The weights sum as for a claim (6), so match labels read the same scale (docs/decisions.md).
QUOTE_WEIGHTS = {"window": 0.5, "question+answer": 0.5, "words": 0.5, "pairs": 0.5}
QUOTE_RUN_WEIGHT = 3.0
RERANK = 50
# How strong a match is, from its fused score (qa eval's calibration table reports these on held-out splits)
MATCH_ANSWERS, MATCH_RELATED = 12.0, 8.0
MATCH = ("answers it", "related", "loosely related")


def match_label(score: float, supported: bool = True) -> str:
    """"answers it", "related" or "loosely related" (see MATCH_ANSWERS). "Related" needs support beyond
    ubiquitous words (`supported`: the turn holds one of the question's other words, abstain.support_groups);
    without it a middling score is only loosely related."""
    if score >= MATCH_ANSWERS:
        return MATCH[0]
    return MATCH[1] if score >= MATCH_RELATED and supported else MATCH[2]


DENSE = (WINDOW, SENTENCE, CONTEXT, QUESTION_TO_QUESTION)  # the dense signals' rows in SIGNALS
WEIGHTS_FOR = {QUOTE: np.array([QUOTE_WEIGHTS.get(s.name, s.weight) for s in SIGNALS], dtype=np.float32)}


def fused(feats: np.ndarray, kind: str, no_pairs: np.ndarray | None = None, by_words: np.ndarray | None = None
          ) -> np.ndarray:
    """The signals standardised over the candidates and summed with their weights. A quote or a claim is her
    words, not a question: how like the interviewer's question it is says nothing of where she said them.

    `no_pairs`: the candidates a Chinese question's character pairs cannot reach (English turns beside Chinese
    ones). The pair leg is standardised over the others, and these take their mean standing on the dense
    signals instead: the lowest pair score would rank every English turn below any Chinese one that shares
    a few characters with the question. `by_words`: of those, the interviewee's own turns, which take their
    standing on the word leg, the lexical evidence that reaches them through the question's words'
    translations: on the dense signals, lower across languages, her English answer to a Chinese question
    stood second behind a Chinese turn on the subject. Another person's English turns keep the dense
    standing: lifted too, they came before her Chinese answers (docs/decisions.md)."""
    out = np.zeros(len(feats), dtype=np.float32)
    cols = np.ascontiguousarray(feats.T)  # each signal's values side by side: one mean and std call
    means, stds = cols.mean(axis=1), cols.std(axis=1)
    used = [j for j in range(len(cols)) if stds[j] > 1e-9 and (j != QUESTION_TO_QUESTION or kind == QUESTION)]
    z = {j: (cols[j] - means[j]) / stds[j] for j in used}
    if no_pairs is not None and no_pairs.any() and not no_pairs.all():
        reached = cols[PAIRS][~no_pairs]
        dense = [z[j] for j in DENSE if j in z]
        stand_in = np.mean(dense, axis=0) if dense else None
        if by_words is not None and WORDS in z and stand_in is not None:
            stand_in = np.where(by_words, z[WORDS], stand_in)
        if reached.std() > 1e-9 and stand_in is not None:
            z[PAIRS] = np.where(no_pairs, stand_in,
                                (cols[PAIRS] - reached.mean()) / reached.std()).astype(np.float32)
    weights = WEIGHTS_FOR.get(kind, WEIGHTS)
    for j in used:
        out += weights[j] * z[j]
    return out


def baseline(feats: np.ndarray, mode: str) -> np.ndarray:
    """`qa eval`'s baselines: "dense" (best window cosine) or "bm25" (plain BM25 over words)."""
    return feats[:, WINDOW if mode == "dense" else WORDS].copy()


KEEP_FIRST = 2  # answers kept in score order before other interviews' best are drawn in (interleaved)
# Over one interviewee's transcripts in two languages, her best answer in the language the question is not in
# comes right after the KEEP_FIRST when its score is at least the candidates' mean: the small model's cosines
# run lower across languages, so an English turn that answers a Chinese question best is often ranked below
# several Chinese turns on the subject (docs/decisions.md)
CROSS_FLOOR = 0.0


def interleaved(order: np.ndarray, scores: np.ndarray, article_of: np.ndarray, same: Callable[[int, int], bool],
                other_language: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ranking with its first answers drawn from every interview that answers: after the KEEP_FIRST best,
    each other interview's best turn that answers it (MATCH_ANSWERS), in score order, comes before the
    further answers of interviews already shown, so that five answers are not five from one article while
    another interview holds an answer too. `same(t, u)`: turn t is the other version of an answer u already chosen (its
    words are shown on u's card), and is left out. `other_language`: for each turn of `order`, whether it is the first
    answer's interviewee's in a language the question is not (None over one language); unless one is among the
    KEEP_FIRST already, the best such turn scoring CROSS_FLOOR or more is drawn in with them."""
    if len(order) < 2:
        return order, scores
    firsts, rest, seen = [], [], set()
    crossed = other_language is None
    kept: list[int] = []
    for i, t in enumerate(order):
        t = int(t)
        if any(same(t, u) for u in kept[:10]):
            continue
        kept.append(t)
        art = article_of[t]
        cross = other_language is not None and bool(other_language[i])
        if len(firsts) < KEEP_FIRST or (art not in seen and (
                scores[i] >= MATCH_ANSWERS or (cross and not crossed and scores[i] >= CROSS_FLOOR))):
            seen.add(art)
            firsts.append(i)
            crossed = crossed or cross
        else:
            rest.append(i)
    at = np.array(firsts + rest, dtype=np.int64)
    return order[at], scores[at]


def order(legs: Legs, mode: str, kind: str, subject: np.ndarray | None,
          best_run: Callable[[int], float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidates best first, their scores and their best raw dense cosines.

    `subject`: for a "she" question over several interviewees, which turns are the subject's (SUBJECT_PRIOR);
    `best_run(t)`: turn t's best sentence run's cosine, for a quote or a claim (RERANK)."""
    feats = features(legs)
    score = fused(feats, kind, legs.no_pairs, legs.by_words) if mode == "hybrid" else baseline(feats, mode)
    ranking = score
    if subject is not None:
        hers = subject[legs.cand]
        if hers.any() and not hers.all():
            ranking = score + SUBJECT_PRIOR * hers
    by_score = np.argsort(-ranking, kind="stable")
    cand, score, best_dense = legs.cand[by_score], score[by_score], legs.best[by_score]
    if mode == "hybrid" and kind != QUESTION and len(cand) > 1:
        top = min(RERANK, len(cand))
        runs = np.array([best_run(int(t)) for t in cand[:top]], dtype=np.float32)
        std = runs.std()
        if std > 1e-9:
            score = score.copy()
            score[:top] += (QUOTE_RUN_WEIGHT if kind == QUOTE else RUN_WEIGHT) * (runs - runs.mean()) / std
            again = np.concatenate([np.argsort(-score[:top], kind="stable"), np.arange(top, len(cand))])
            cand, score, best_dense = cand[again], score[again], best_dense[again]
    return cand, score, best_dense
