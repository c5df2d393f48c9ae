"""The no-answer decision: do the transcripts answer this question at all?

Raw cosines shift with the question's language, so the best dense score is compared with the question's
best score against off-topic background passages written in the transcripts' language (an English question
then pays the same cross-lingual penalty on both sides); below MIN_MARGIN the transcripts do not cover it. A
question none of whose rarer words (or glosses) occurs in the transcripts, or most of whose content words
they never mention, must clear the higher UNSUPPORTED_MARGIN: the small model finds some short line
"similar" to almost anything, and two independent legs agreeing is better evidence than one. A question not
one of whose content words a language's turns hold is not answered from them at all. A Chinese
question over English turns has a bar of its own (CROSS_MARGIN, over the mean of the best few background
passages): the small model's Chinese-English cosines are compressed. Over transcripts in two languages each
language's bar counts only the words its own turns hold (`LanguageVocab`); a speaker's name is not a content
word. Across languages (a Chinese question over English turns, an English one over Chinese turns) the first
turns must hold a translation of one of the question's words, or the bar is UNTRANSLATED_EXTRA higher. Every
value: docs/decisions.md.

Flows in: the ranked turns, their best raw cosines and the question's words; flows out: covered or not.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..text import content_words, unfound_information

if TYPE_CHECKING:
    from .corpus import Corpus

MIN_MARGIN = 0.012  # best transcript cosine minus best background cosine, below which there is no answer
UNSUPPORTED_MARGIN = 0.035  # ...for a question the word legs do not back
CROSS_REFERENCE = 10  # a Chinese question over English turns: the mean of this many best background passages
CROSS_MARGIN = 0.042  # ...which its best English turn must clear by this
MAX_UNFOUND_SHARE = 0.5  # "most" content words unfound: more than half (text.unfound_information)
TOPIC_WORDS = 2  # a pasted English quote: how many of its most informative words may carry its topic
RARE_SHARE = 0.2  # a "rare" term occurs in at most this share of the turns ("AI" and "OpenAI" do not help)
# A question over turns in the other language: when none of that language's first EVIDENCE_TURNS ranked turns
# holds a translation of one of its words, its bar there is UNTRANSLATED_EXTRA higher (covered)
EVIDENCE_TURNS = 3
UNTRANSLATED_EXTRA = 0.02


class LanguageVocab:
    """The word leg's vocabulary as one language's turns hold it: `word in LanguageVocab(...)`."""

    def __init__(self, vocab: dict[str, int], word_langs: np.ndarray, lang: int):
        self.vocab, self.word_langs, self.bit = vocab, word_langs, 1 << lang

    def __contains__(self, word: object) -> bool:
        j = self.vocab.get(word)  # type: ignore[arg-type]
        return j is not None and bool(self.word_langs[j] & self.bit)


def background_reference(cosines: np.ndarray) -> float:
    """A question's mean cosine with its CROSS_REFERENCE best background passages of one language."""
    return float(np.sort(cosines)[-CROSS_REFERENCE:].mean())


def rare_terms(corpus: "Corpus", tokens: list[str]) -> set[str]:
    """The question's terms that occur in at most RARE_SHARE of the turns."""
    lex = corpus.index.lexical
    limit = max(2, RARE_SHARE * int(corpus.any_speaker.sum()))
    out = set()
    for tok in tokens:
        j = lex.vocab.get(tok)
        if j is not None and lex.indptr[j + 1] - lex.indptr[j] <= limit:
            out.add(tok)
    return out


def supported(corpus: "Corpus", text: str, chinese: bool, rare: set[str], lang: int, quote: bool = False
              ) -> bool | None:
    """Whether the word legs back the question in language `lang`'s turns: one of its `rare` terms is there,
    most of its content words are, and for an English question (not a pasted quote) its most informative one
    (`text.content_words`). Over transcripts in one language, "there" is the whole index. None when not one of
    a question's content words (nor a translation of one) is there: those turns do not answer it on the dense
    score alone (`covered`). A pasted quote is never None: a loose rendering may keep none of its words."""
    idx = corpus.index
    vocab, pairs = None, idx.bigram
    if corpus.word_langs is not None:
        vocab = LanguageVocab(idx.lexical.vocab, corpus.word_langs, lang)
        rare = {t for t in rare if t in vocab}
        if corpus.languages[lang][0] == "en":
            pairs = None  # English turns are not in the character-pair leg
    # A speaker's name ("What does Raman use AI for?") says whose answer, not what about: not a content word
    words = [w for w in content_words(text, idx.glossary, idx.lexical, pairs, corpus.english, idx.senses, vocab,
                                      idx.common)
             if w[0] not in corpus.speaker_words]
    if words and not quote and not any(hit for _, _, hit in words):
        return None
    if not rare:
        return False
    # An English question whose most informative word the transcripts never mention ("How do I choose a good
    # laptop?": laptop) is about something else (for Chinese questions it refused answerable ones). A quote of
    # her English against a loose rendering may have lost its rarest word ("a very formative moment" rendered
    # 对我也有很大的影响): one of its TOPIC_WORDS most informative is enough.
    top = sorted(words, key=lambda w: -w[1])[:TOPIC_WORDS if quote else 1]
    topic_found = chinese or not words or any(hit for _, _, hit in top)
    return bool(unfound_information(words) <= MAX_UNFOUND_SHARE and topic_found)


def covered(corpus: "Corpus", qv: np.ndarray, chinese: bool, order: np.ndarray, best_dense: np.ndarray,
            is_supported: Callable[[int], bool | None], translated: Callable[[np.ndarray], bool] | None = None
            ) -> bool:
    """Whether the transcripts answer at all: in some language, the best raw cosine of a ranked turn
    (`best_dense`, in `order`) clears that language's background bar by the margin; `is_supported(j)`:
    whether the word legs back the question in language j's turns (`supported`; None: none of its words is
    there, and those turns do not answer it).

    Turns in the language the question is not in: `translated(turns)` says whether one of the given turns
    holds a translation of one of the question's words (`holds`). When none of that language's first
    EVIDENCE_TURNS in `order` does, the dense score is all the evidence there is, and the bar is
    UNTRANSLATED_EXTRA higher: across languages the small model finds some turn close to almost any
    question ("穆拉蒂有没有文身？", "Does Murati play any video games?")."""
    bg = corpus.index.background @ qv
    langs = corpus.lang_id[order]
    for j, (lang, passages) in enumerate(corpus.languages):
        mine = langs == j
        if not mine.any():
            continue
        best = float(best_dense[mine].max())
        if chinese and lang == "en":
            ref, bar = background_reference(bg[passages]), CROSS_MARGIN
        else:
            backed = is_supported(j)
            if backed is None:  # none of its words in these turns: the dense score alone does not answer it
                continue
            ref = float(bg[passages].max())
            bar = MIN_MARGIN if backed else UNSUPPORTED_MARGIN
        if translated is not None and (lang == "zh") != chinese and not translated(order[mine][:EVIDENCE_TURNS]):
            bar += UNTRANSLATED_EXTRA
        if best - ref >= bar:
            return True
    return False


CLAUSE_TURNS = 5  # a long quote's first turns in which each of its clauses is looked for (clause_covered)
CLAUSE_MARGIN = 0.046  # ...and the margin over the background one clause must clear (docs/decisions.md)


def clause_covered(corpus: "Corpus", clause_vecs: np.ndarray, chinese: bool, order: np.ndarray,
                   coverage: Callable[[int, np.ndarray], np.ndarray]) -> bool:
    """Whether one clause of a long quote is clearly hers: its best cosine with a sentence of the first
    CLAUSE_TURNS turns clears the background bar of those turns' language by CLAUSE_MARGIN, a stricter bar
    than a whole question's, since each clause is one more chance. A quote whose rendering kept one clause
    of it and dropped the rest is still found."""
    top = order[:CLAUSE_TURNS]
    if not len(top):
        return False
    best = np.stack([coverage(int(t), clause_vecs) for t in top])  # turns x clauses
    langs = corpus.lang_id[top]
    for c, cv in enumerate(clause_vecs):
        bg = corpus.index.background @ cv
        for j, (lang, passages) in enumerate(corpus.languages):
            if not (langs == j).any():
                continue
            ref = background_reference(bg[passages]) if chinese and lang == "en" else float(bg[passages].max())
            if float(best[langs == j, c].max()) - ref >= CLAUSE_MARGIN:
                return True
    return False


def support_groups(corpus: "Corpus", groups: list[list[str]]) -> list[list[int]]:
    """The question's word groups (a word with its translations, `text.query_groups`) that are not ubiquitous,
    as word-leg term ids: a group whose terms together occur in more than RARE_SHARE of the turns ("AI" with
    人工智能, "OpenAI", "她") says nothing about what a turn is about."""
    lex = corpus.index.lexical
    limit = max(2, RARE_SHARE * int(corpus.any_speaker.sum()))
    out = []
    for group in groups:
        ids = [lex.vocab[t] for t in dict.fromkeys(group) if t in lex.vocab]
        if not ids:
            continue
        held = np.unique(np.concatenate([lex.docs[lex.indptr[j]:lex.indptr[j + 1]] for j in ids]))
        if len(held) <= limit:
            out.append(ids)
    return out


def holds(corpus: "Corpus", groups: list[list[int]], t: int) -> bool:
    """Whether turn `t` holds a term of one of `groups` (support_groups)."""
    lex = corpus.index.lexical
    for ids in groups:
        for j in ids:
            docs = lex.docs[lex.indptr[j]:lex.indptr[j + 1]]
            i = int(np.searchsorted(docs, t))
            if i < len(docs) and docs[i] == t:
                return True
    return False


def word_groups(corpus: "Corpus", groups: list[list[str]]) -> tuple[list[list[int]], list[list[int]]]:
    """The question's word groups that are not ubiquitous (support_groups), split into those that say what it
    is about and those that name a speaker: a name says whose answer, and is no translation of a question's
    word (`covered`'s evidence across languages); both count for the "related" label."""
    named = [g for g in groups if corpus.speaker_words.intersection(g)]
    return support_groups(corpus, [g for g in groups if g not in named]), support_groups(corpus, named)
