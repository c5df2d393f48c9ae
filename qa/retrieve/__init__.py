"""Stage 5, retrieve: a question -> her answers, ranked, each with a verbatim quote.

For one question the model is run once (the query embedding); everything else is array arithmetic over the
index, one part per job, in the order a question meets them:

    assistant.py  the facade: load an index, ask, context, why
    corpus.py     what retrieval reads of one index, worked out once at load
    scope.py      whose turns answer: one speaker, everyone, the interviewees, those the question names
    signals.py    the legs (dense units, BM25 words, BM25 character pairs, names) as named signals
    fuse.py       standardise and sum the signals; "she" is her; quotes re-scored by sentence runs
    abstain.py    the no-answer decision: clear the background bar by a margin, backed by the word legs
    quotes.py     the verbatim sentences shown for each answer

Every tuned constant's value, the figure and split that chose it: docs/decisions.md.
"""
from .abstain import CROSS_MARGIN, MIN_MARGIN, UNSUPPORTED_MARGIN
from .assistant import SAID_LEAD, SAID_SCORE, Assistant, QuestionError, clean_question, one_blas_thread
from .corpus import CANDIDATE_UNITS, Corpus
from .fuse import MATCH, MATCH_ANSWERS, MATCH_RELATED, RERANK, SUBJECT_PRIOR, match_label
from .quotes import editorial_mask, sentences_holding
from .scope import name_patterns
from .signals import CONVERSATION_WEIGHT, SIGNALS

__all__ = ["Assistant", "QuestionError", "clean_question", "one_blas_thread", "Corpus", "CANDIDATE_UNITS",
           "MATCH", "MATCH_ANSWERS", "MATCH_RELATED", "match_label", "SUBJECT_PRIOR", "RERANK", "SAID_SCORE",
           "SAID_LEAD", "MIN_MARGIN", "UNSUPPORTED_MARGIN", "CROSS_MARGIN", "name_patterns", "SIGNALS",
           "CONVERSATION_WEIGHT", "editorial_mask", "sentences_holding"]
