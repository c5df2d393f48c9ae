"""The evidence for each candidate turn, as named signals.

One search per leg: the dense leg (FAISS over the units: each turn's best window, best sentence, question +
answer, and the interviewer's question matched query-to-query), the word leg (BM25 over jieba tokens, English
words glossed in Chinese and Chinese words given their English senses), the character-pair leg (BM25 over
Chinese bigrams), and, over several interviewees, whose conversations the question's names belong to. Each
signal is a name, a weight and the column it reads (`SIGNALS`); `fuse` standardises and sums them.

Flows in: the query vector, its terms and the pool of turns allowed; flows out: `Legs` (the candidates and
their evidence) and the feature matrix in `SIGNALS` order.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..chunk import CONTEXT, QUESTION as ASKED, SENTENCE, WINDOW
from ..text import bm25_idf
from ..store import HNSW_CANDIDATES
from .abstain import background_reference
from .corpus import CANDIDATE_UNITS

if TYPE_CHECKING:
    from .corpus import Corpus

LARGE_POOL = 20_000  # above this many candidate turns, rank only those a leg retrieved:
LEXICAL_CANDIDATES = 1000  # ...the dense hits' turns and the first 1,000 by BM25 over words
# Whose conversations the question's names belong to, over several interviewees (docs/decisions.md).
CONVERSATION_WEIGHT = 1.0


@dataclass(frozen=True)
class Legs:
    """What one question's legs found for its candidate turns (ascending turn indices)."""

    cand: np.ndarray
    dense: np.ndarray  # (n, 4) per unit kind; over two languages relative to each language's background
    words: np.ndarray
    pairs: np.ndarray
    conversation: np.ndarray | None  # None over one interviewee's conversations
    best: np.ndarray  # each candidate's best raw dense cosine (the no-answer bar's own)
    no_pairs: np.ndarray | None = None  # for a Chinese question, the candidates the pair leg cannot reach
    by_words: np.ndarray | None = None  # ...and of those, the interviewee's, which stand on the word leg there (fuse)


@dataclass(frozen=True)
class Signal:
    name: str
    weight: float
    column: Callable[[Legs], np.ndarray | None]


# Equal weights: on the dev split no other weighting was reliably better (docs/decisions.md). The order is
# the order in which fused scores are summed: float32 sums depend on it.
SIGNALS = (
    Signal("window", 1.0, lambda legs: legs.dense[:, WINDOW]),
    Signal("sentence", 1.0, lambda legs: legs.dense[:, SENTENCE]),
    Signal("question+answer", 1.0, lambda legs: legs.dense[:, CONTEXT]),
    Signal("question-to-question", 1.0, lambda legs: legs.dense[:, ASKED]),
    Signal("words", 1.0, lambda legs: legs.words),
    Signal("pairs", 1.0, lambda legs: legs.pairs),
    Signal("conversation", CONVERSATION_WEIGHT, lambda legs: legs.conversation),
)
QUESTION_TO_QUESTION = 3  # its row in SIGNALS: a quote or a claim is not a question (fuse)
WORDS = 4  # its row in SIGNALS: plain BM25, `qa eval`'s lexical baseline
PAIRS = 5  # its row in SIGNALS


def features(legs: Legs) -> np.ndarray:
    """The candidates' signals as columns, in SIGNALS order (those with evidence)."""
    return np.column_stack([c for c in (s.column(legs) for s in SIGNALS) if c is not None])


def gather(corpus: "Corpus", qv: np.ndarray, pool: np.ndarray, terms: tuple[list[str], list[str]],
           term_groups: list[list[str]] | None = None, chinese: bool = False) -> Legs:
    """Every leg's evidence for the pool's turns.

    The candidates are the pool's turns; in a pool of more than LARGE_POOL turns only those a leg found
    (a dense hit, or a word of the question), so that the work per question grows with what the search
    returned, not with the corpus. `term_groups` (text.query_groups), for an index of two languages: the
    word leg's terms grouped with their translations, each group one term. `chinese`: the question is
    Chinese, so that over two languages the turns its character pairs cannot reach are marked (`no_pairs`).
    """
    idx = corpus.index
    cand, dense = dense_leg(corpus, qv, pool, terms[0])
    best = dense[:, [WINDOW, SENTENCE, CONTEXT]].max(axis=1)  # raw cosines: the no-answer bar's own
    if corpus.bilingual:
        # The small model's cosines run higher between texts of one language: each turn's cosines are taken
        # relative to the question's mean cosine with its best background passages in the turn's language,
        # a reference that does not depend on how many turns each language has (docs/decisions.md).
        bg = idx.background @ qv
        langs = corpus.lang_id[cand]
        for j, (_, passages) in enumerate(corpus.languages):
            dense[langs == j] -= background_reference(bg[passages])
    words = idx.lexical.scores_at(terms[0], cand) if term_groups is None \
        else idx.lexical.grouped_scores_at(term_groups, cand)
    conversation = None
    if corpus.n_people > 1 and corpus.names:
        groups = term_groups if term_groups is not None else [[t] for t in dict.fromkeys(terms[0])]
        conversation = conversation_scores(corpus, groups, cand)
    no_pairs = corpus.no_pairs[cand] if chinese and corpus.no_pairs is not None else None
    by_words = no_pairs & corpus.subject[cand] if no_pairs is not None else None
    return Legs(cand, dense, words, idx.bigram.scores_at(terms[1], cand), conversation, best, no_pairs, by_words)


def dense_leg(corpus: "Corpus", qv: np.ndarray, pool: np.ndarray, words_of: list[str] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """The candidate turns and their best raw cosine per unit kind. In a pool of more than LARGE_POOL turns
    the candidates are the dense hits' turns and, with `words_of` (the question's word-leg terms), the first
    LEXICAL_CANDIDATES by BM25 over words."""
    idx = corpus.index
    # An index so small that a search returns every unit: every unit's score, without ranking them
    by_unit = idx.score_every_unit(qv) if corpus.groups is not None else None
    if by_unit is not None:
        cand = np.flatnonzero(pool)
        return cand, dense_from_units(corpus, cand, by_unit)
    n = min(idx.faiss.ntotal, CANDIDATE_UNITS if idx.manifest.get("faiss") == "flat" else HNSW_CANDIDATES)
    D, I = idx.search(qv, n)
    turns, kinds = corpus.unit_turn[I], corpus.unit_kind[I]
    if pool.sum() > LARGE_POOL:  # only turns some leg found can rank; skip the rest of a big corpus
        cand = np.unique(turns)
        if words_of is not None:
            words = idx.lexical.scores(words_of)
            top = np.argpartition(-words, LEXICAL_CANDIDATES)[:LEXICAL_CANDIDATES] \
                if len(words) > LEXICAL_CANDIDATES else np.arange(len(words))
            cand = np.union1d(cand, top[words[top] > 0])
        cand = cand[pool[cand]]
    else:
        cand = np.flatnonzero(pool)
    return cand, dense_from_hits(cand, D, turns, kinds)


def best_raw(corpus: "Corpus", qv: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pool's candidate turns for `qv` and each one's best raw cosine (window, sentence or question +
    answer): what the no-answer bar reads (abstain.covered)."""
    cand, dense = dense_leg(corpus, qv, pool)
    return cand, dense[:, [WINDOW, SENTENCE, CONTEXT]].max(axis=1)


def conversation_scores(corpus: "Corpus", groups: list[list[str]], cand: np.ndarray) -> np.ndarray:
    """Per candidate turn, the idf over the interviewees of each name in the question (a group whose own
    word, the first, is a name) that its interviewee's conversations hold and another's do not."""
    lex = corpus.index.lexical
    n = corpus.n_people
    score = np.zeros(n, dtype=np.float32)
    for group in groups:
        if group[0] not in corpus.names:
            continue
        held = np.zeros(n, dtype=bool)  # whose conversations hold the name or a translation of it
        for term in dict.fromkeys(group):
            j = lex.vocab.get(term)
            if j is not None:
                held[corpus.person_of[lex.docs[lex.indptr[j]:lex.indptr[j + 1]]]] = True
        df = int(held.sum())
        if 0 < df < n:
            score[held] += bm25_idf(n, df)
    return score[corpus.person_of[cand]]


def dense_from_units(corpus: "Corpus", cand: np.ndarray, by_unit: np.ndarray) -> np.ndarray:
    """`dense_from_hits` when every unit was scored (`by_unit`, in unit order; a small flat index): each
    (turn, kind) group's best by one reduction over the units in group order, instead of sorting the
    hits' turns and a scattered maximum."""
    order, starts, reached, row, kind_of = corpus.groups
    best_hit = np.full((len(reached), 4), -np.inf, dtype=np.float32)
    best_hit[row, kind_of] = np.maximum.reduceat(by_unit[order], starts)
    return _dense_of(cand, reached, best_hit)


def dense_from_hits(cand: np.ndarray, D: np.ndarray, turns: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Per candidate turn and unit kind, its best cosine among the search's hits (D, with their turns and
    kinds)."""
    reached, inv = np.unique(turns, return_inverse=True)
    best_hit = np.full((len(reached), 4), -np.inf, dtype=np.float32)  # per reached turn and kind
    np.maximum.at(best_hit, (inv, kinds), D)
    return _dense_of(cand, reached, best_hit)


def _dense_of(cand: np.ndarray, reached: np.ndarray, best_hit: np.ndarray) -> np.ndarray:
    """The candidates' rows of `best_hit` (the reached turns' best score per kind); a turn not reached,
    or without a unit of some kind, gets the stand-ins below."""
    at = np.minimum(np.searchsorted(reached, cand), max(len(reached) - 1, 0))
    dense = np.full((len(cand), 4), -np.inf, dtype=np.float32)
    if len(reached):
        found = reached[at] == cand
        dense[found] = best_hit[at[found]]
    had = np.isfinite(dense)
    for kind in range(4):  # a turn the search did not reach gets the lowest score seen
        seen = np.isfinite(best_hit[:, kind])
        dense[~had[:, kind], kind] = best_hit[seen, kind].min() if seen.any() else 0.0
    # One-sentence turns have no SENTENCE units, and turns without a question no CONTEXT:
    # their whole text stands in.
    for kind in (SENTENCE, CONTEXT):
        dense[~had[:, kind], kind] = dense[~had[:, kind], WINDOW]
    return dense
