"""`Assistant`: the facade over retrieval. It loads an index and the model once, and answers a question in
the pipeline's order: read the query (query.py), scope (scope.py), signals (signals.py), fusion (fuse.py),
the no-answer decision (abstain.py), quotes (quotes.py).
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..align import Versions
from ..build import build
from ..config import Settings
from ..text import query_groups, query_terms, tokenize
from ..parse import is_chinese
from ..query import QUESTION, QUOTE, clauses, read_query
from ..store import IndexError_, IndexMissing, IndexOutdated, current_dir, load, stale_sources
from ..types import Answer, Result, Turn
from . import abstain, fuse, scope as scoping, signals
from .corpus import Corpus
from .quotes import Quotes

# "Where she said it": the first answer to a quote or claim, when its score says it answers (MATCH_ANSWERS)
# and it leads the second by at least one signal's standard deviation (docs/decisions.md).
SAID_SCORE = fuse.MATCH_ANSWERS
SAID_LEAD = 1.0
CLAUSE_WEIGHT = 0.5  # a long quote's re-ranking signal: its clauses' coverage beside its best run (decisions.md)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


class QuestionError(ValueError):
    """A question that cannot be asked (empty, only whitespace or control characters)."""


def clean_question(question: str, max_chars: int) -> tuple[str, tuple[str, ...]]:
    """Normalise a question; returns (question, notices). Raises QuestionError when nothing is left."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    q = unicodedata.normalize("NFC", _CONTROL.sub(" ", question))
    q = re.sub(r"\s+", " ", q).strip()
    if not q:
        raise QuestionError("the question is empty: type a question, in Chinese or English")
    notices: tuple[str, ...] = ()
    if len(q) > max_chars:
        q = q[:max_chars].rstrip()
        notices = (f"the question was {len(question)} characters long; only its first {max_chars} were used",)
    return q, notices


def one_blas_thread() -> None:
    """Keep numpy's BLAS (OpenBLAS) to one thread in this process: a question's arithmetic is small
    matrix-vector products, and OpenBLAS's spinning threads would share the two cores with the model's own
    engine (docs/speed.md)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


class Assistant:
    """Loads an index and the model once; answers questions with cited quotes."""

    def __init__(self, index, embedder, settings: Settings):
        one_blas_thread()
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.notices: tuple[str, ...] = ()
        self.corpus = Corpus.of(index, settings)
        self.quotes = Quotes(index)
        self.versions = Versions(index, self.corpus.position)  # the other version of an aligned turn

    # What tests, `qa eval` and the app read of the corpus
    position = property(lambda self: self.corpus.position)
    interviewee = property(lambda self: self.corpus.interviewee)
    any_speaker = property(lambda self: self.corpus.any_speaker)
    names = property(lambda self: self.corpus.names)
    pronoun = property(lambda self: self.corpus.pronoun)
    n_people = property(lambda self: self.corpus.n_people)
    person_of = property(lambda self: self.corpus.person_of)
    unit_turn = property(lambda self: self.corpus.unit_turn)
    unit_kind = property(lambda self: self.corpus.unit_kind)
    n_turns = property(lambda self: self.corpus.n_turns)

    @classmethod
    def load(cls, index_dir: str | Path | None = None, *, settings: Settings | None = None,
             build_if_missing: bool = False, progress=None, embedder=None) -> "Assistant":
        """Open the index in `index_dir` (default: the project's `index/`).

        With `build_if_missing`, a missing index, or one written by another version of qa, is
        built from the sources first (the old one stays in place until the new one is complete);
        a damaged one is reported (IndexError_ says to run 'qa index --full'), not silently replaced.
        """
        from ..embed import load_embedder
        from ..progress import silent

        settings = settings or Settings.from_env()
        if index_dir is not None:
            settings = replace(settings, index=Path(index_dir))
        try:
            index = load(settings.index)
        except (IndexMissing, IndexOutdated) as e:
            if not build_if_missing:
                raise
            if isinstance(e, IndexOutdated):
                logging.getLogger(__name__).warning("%s: rebuilding it now", e)
            embedder = embedder or load_embedder(settings.model, settings.batch_size)
            build(settings, embedder, progress or silent)
            index = load(settings.index)
        embedder = embedder or load_embedder(index.model, settings.batch_size)
        if embedder.name != index.model or embedder.dim != index.vectors.shape[1]:
            raise IndexError_(f"the index was built with {index.model!r}, the model loaded is {embedder.name!r}; "
                              "run 'qa index --full' to rebuild it")
        assistant = cls(index, embedder, settings)
        stale = stale_sources(index, settings.sources)
        if stale:
            assistant.notices = (f"sources changed since the index was built ({', '.join(stale[:3])}"
                                 f"{', …' if len(stale) > 3 else ''}); run 'qa index' to update it",)
        return assistant

    def reloaded(self) -> "Assistant":
        """This assistant, or a new one over the index `qa index` has since switched to.

        A new index that cannot be loaded is ignored: the last good one keeps answering.
        """
        try:
            now = current_dir(self.settings.index)
        except OSError:
            return self
        if now is None or now == self.index.directory:
            return self
        try:
            index = load(self.settings.index)
        except IndexError_:
            return self
        if index.model != self.embedder.name or index.vectors.shape[1] != self.embedder.dim:
            return self
        return Assistant(index, self.embedder, self.settings)

    # ----------------------------------------------------------------- whose turns
    def speakers(self) -> list[str]:
        """Everyone who speaks in the retrievable turns, interviewees first, then by how often."""
        return scoping.speakers(self.corpus)

    def speaker_pool(self, speaker: str) -> np.ndarray:
        """Turns by `speaker` (case-insensitive; a surname alone does too: "Swisher")."""
        return scoping.speaker_pool(self.corpus, speaker)

    def scope(self, text: str, *, speaker: str | None = None, all_speakers: bool = False
              ) -> tuple[np.ndarray, str]:
        """Whose turns answer `text` (scope.scope)."""
        return scoping.scope(self.corpus, text, speaker=speaker, all_speakers=all_speakers)

    # ----------------------------------------------------------------- asking
    def ask(self, question: str, k: int = 5, *, all_speakers: bool = False,
            articles: list[str] | None = None, speaker: str | None = None) -> Result:
        """Her answers to `question`, best first.

        Whose turns (`scope`): one speaker's (`speaker`, a name as `qa turns` shows it), everyone's
        (`all_speakers`), or by default the interviewees': those the question names ("What does Raman
        say about…") when it names any, else all of them; a question that calls somebody "she" / "她" then
        ranks the assistant's subject's answers first (fuse.SUBJECT_PRIOR), with a notice when that put hers
        before a stronger match.
        """
        q, notices = clean_question(question, self.settings.max_question_chars)
        query = read_query(q)
        text = query.text  # the quote without its marks, the claim without "Did she say"
        k = max(1, min(int(k), 50))
        # A long pasted quote is also looked for clause by clause (query.clauses, quotes.coverage)
        parts = clauses(text) if query.kind == QUOTE else []
        # The no-answer bar reads the question with her name said by a pronoun (scope.unnamed)
        plain = scoping.unnamed(text, self.corpus.any_name, self.settings.interviewee_pronoun)
        extra = [plain] if plain != text else []
        vecs = self.embedder.queries([text, *parts, *extra]).astype(np.float32)
        bar_vec = vecs[-1] if extra else None
        vecs = vecs[:len(vecs) - len(extra)]
        qv, clause_vecs = vecs[0], (vecs[1:] if parts else None)
        pool, note = self.scope(text, speaker=speaker, all_speakers=all_speakers)
        if articles:
            pool = pool & np.isin(self.corpus.article_of, list(articles))
        notices = notices + ((note,) if note else ())
        terms = query_terms(text, self.index.glossary, self.index.senses, self.corpus.english)
        groups = query_groups(text, self.index.glossary, self.index.senses, self.corpus.english)
        about, names = abstain.word_groups(self.corpus, groups)
        ranked = self._ranked(text, qv, pool, terms, query.kind, groups, clause_vecs, (plain, bar_vec), about) \
            if pool.any() else None
        if ranked is None:
            return Result(q, (), True, notices + self.notices, query.kind, text)
        order, scores = ranked
        ranked_scores = scores  # in score order, before the interviews are interleaved
        if len(self.index.articles) > 1:  # several interviews: the best of each first (fuse.interleaved)
            top = order[:max(50, k)]
            order, scores = fuse.interleaved(top, scores[:max(50, k)], self.corpus.article_of, self._same_words,
                                             self.corpus.other_language(is_chinese(text), top[0], top))
        pronoun = self.pronoun.search(text) if query.kind == QUESTION and self.pronoun is not None else None
        if pronoun and int(np.argmax(ranked_scores)) != 0:  # the prior put the subject's answer before a stronger match
            notices += (f"“{pronoun.group(0)}” is read as {self.settings.interviewee}, whose answers come first; "
                        "to ask about another interviewee, name them or choose a speaker.",)
        weighted = self.quotes.weighted_terms(terms[0])
        support = about + names
        answers = tuple(self._answer(rank, int(t), float(score), qv, weighted, query.kind, support)
                        for rank, (t, score) in enumerate(zip(order[:k], scores[:k]), start=1))
        lead = float(ranked_scores[0] - ranked_scores[1]) if len(ranked_scores) > 1 else np.inf
        if query.kind != QUESTION and scores[0] >= SAID_SCORE and lead >= SAID_LEAD:
            answers = (replace(answers[0], said_here=True),) + answers[1:]
        return Result(q, answers, False, notices + self.notices, query.kind, text)

    def _ranked(self, text: str, qv: np.ndarray, pool: np.ndarray, terms: tuple[list[str], list[str]],
                kind: str, groups: list[list[str]], clause_vecs: np.ndarray | None = None,
                unnamed: tuple[str, np.ndarray | None] | None = None, about: list[list[int]] | None = None
                ) -> tuple[np.ndarray, np.ndarray] | None:
        """The pool's turns ranked for the question and their scores, or None when they do not cover it (a
        long quote is covered when one of its clauses is: abstain.clause_covered). `unnamed`: the question
        with an interviewee's name said by a pronoun (scope.unnamed) and its vector (None when it names
        nobody), which the no-answer bar reads instead: her name is in the transcripts and never in the
        background passages, and says whose answer, not what about. `about`: the question's words that say what
        it is about (abstain.word_groups), the bar's evidence in turns of the language it is not in."""
        order, scores, best_dense = self.rank(text, qv, pool, terms=terms, kind=kind, groups=groups,
                                              clause_vecs=clause_vecs)
        # A turn that only thanks or greets (scope.courtesy) is scored with the rest and then answers nothing:
        # its few generic words come close to any question about her life
        answers = ~self.corpus.courtesy[order]
        order, scores, best_dense = order[answers], scores[answers], best_dense[answers]
        chinese = is_chinese(text)
        bar_text, bar_qv, bar_order, bar_best, bar_terms = text, qv, order, best_dense, terms[0]
        if unnamed is not None and unnamed[1] is not None:
            bar_text, bar_qv = unnamed
            bar_order, bar_best = signals.best_raw(self.corpus, bar_qv, pool)
            answers = ~self.corpus.courtesy[bar_order]
            bar_order, bar_best = bar_order[answers], bar_best[answers]
            bar_terms = query_terms(bar_text, self.index.glossary, self.index.senses, self.corpus.english)[0]
        rare = abstain.rare_terms(self.corpus, bar_terms)
        supported = lambda j: abstain.supported(self.corpus, bar_text, chinese, rare, j, kind == QUOTE)  # noqa: E731
        translated = None if about is None else (
            lambda turns: any(abstain.holds(self.corpus, about, int(t)) for t in turns))
        if not abstain.covered(self.corpus, bar_qv, chinese, bar_order, bar_best, supported, translated) and not (
                clause_vecs is not None and abstain.clause_covered(self.corpus, clause_vecs, chinese, order,
                                                                   self.quotes.coverage)):
            return None
        return order, scores

    def rank(self, q: str, qv: np.ndarray, pool: np.ndarray, mode: str = "hybrid",
             terms: tuple[list[str], list[str]] | None = None, kind: str = QUESTION,
             groups: list[list[str]] | None = None, clause_vecs: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Turn indices of the pool, best first, their scores in the same order, and each turn's best dense score.

        `mode` "hybrid" is the product; "dense" (best window cosine) and "bm25" (plain BM25, no lexicon) are
        the baselines `qa eval` compares it with. `kind`: a quote or a claim re-scores the first turns by their
        best sentence run (fuse.RERANK). `groups`: the question's `text.query_groups`, when already worked out.
        """
        english = self.corpus.english
        if mode == "bm25":
            terms = (tokenize(q, english), [])
        elif terms is None:
            terms = query_terms(q, self.index.glossary, self.index.senses, english)
        # Transcripts in two languages: a question word and its translations count as one BM25 term
        term_groups = None
        if mode == "hybrid" and self.corpus.bilingual:
            term_groups = groups if groups is not None else query_groups(q, self.index.glossary, self.index.senses,
                                                                         english)
        legs = signals.gather(self.corpus, qv, pool, terms, term_groups, is_chinese(q))
        she = mode == "hybrid" and kind == QUESTION and self.pronoun is not None and self.pronoun.search(q)
        return fuse.order(legs, mode, kind, self.corpus.subject if she else None,
                          lambda t: self._run_signal(t, qv, clause_vecs))

    def _same_words(self, t: int, u: int) -> bool:
        """Whether turn t is aligned with turn u as two versions of the same words (qa/align.py)."""
        if not self.versions:
            return False
        found = self.versions.by_turn.get(self.index.turns[t].turn_id)
        return found is not None and self.index.turns[u].turn_id in (found[0].a + found[0].b)

    def _run_signal(self, t: int, qv: np.ndarray, clause_vecs: np.ndarray | None) -> float:
        """A quote's or claim's re-ranking signal for turn t (fuse.RERANK): its best sentence run's cosine, and
        for a long quote the mean of that and of its clauses' best cosines with the turn's sentences (how
        much of the quote the turn renders, clause by clause)."""
        run = self.quotes.best_run(t, qv)[0]
        if clause_vecs is None:
            return run
        return (1 - CLAUSE_WEIGHT) * run + CLAUSE_WEIGHT * float(self.quotes.coverage(t, clause_vecs).mean())

    def _answer(self, rank: int, t: int, score: float, qv: np.ndarray,
                weighted: list[tuple[str, float]] = (), kind: str = QUESTION, support: list | None = None) -> Answer:
        turn = self.index.turns[t]
        if kind == QUESTION:
            start, end = self.quotes.quote_span(t, qv, weighted)
        else:  # her words in another rendering: the quote is the run of sentences that matched them
            _, start, end = self.quotes.best_run(t, qv, weighted)
        return Answer(rank=rank, score=score, turn=turn, article=self.index.articles[turn.article_id],
                      quote=turn.text[start:end], quote_start=start, quote_end=end,
                      match=fuse.match_label(score, support is None or abstain.holds(self.corpus, support, t)),
                      version=self.versions.other(turn.turn_id, start, end) if self.versions else None)

    def best_run(self, t: int, qv: np.ndarray) -> tuple[float, int, int]:
        """Turn `t`'s best run of consecutive sentences for `qv` (quotes.Quotes.best_run)."""
        return self.quotes.best_run(t, qv)

    def quote_span(self, t: int, qv: np.ndarray, terms: list[str] = ()) -> tuple[int, int]:
        """Character span of the one to three sentences of turn `t` that best answer (quotes.Quotes.quote_span)."""
        return self.quotes.quote_span(t, qv, self.quotes.weighted_terms(terms))

    def why(self, question: str, answer: Answer) -> tuple[list[str], list[tuple[int, int]]]:
        """The question's words that the quote holds, directly or through a gloss, and their spans in it."""
        from ..text import matched_terms

        return matched_terms(question, answer.quote, self.index.glossary, self.index.senses)

    # --------------------------------------------------------------- context
    def context(self, turn_id: str, before: int = 2, after: int = 2) -> list[Turn]:
        """A turn with its neighbours in the same article, for reading it in place."""
        i = self.corpus.position[turn_id]
        art = self.index.turns[i].article_id
        lo, hi = max(0, i - before), min(self.corpus.n_turns, i + after + 1)
        return [t for t in self.index.turns[lo:hi] if t.article_id == art]

    def article_turns(self, article_id: str) -> list[Turn]:
        return [t for t in self.index.turns if t.article_id == article_id]
