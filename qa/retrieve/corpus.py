"""What retrieval reads of one index, worked out once when it is loaded: which unit belongs to which turn,
whose turns are answers, each turn's language and interviewee, the names the transcripts mention.

Flows in: a loaded `store.Index` and the settings; flows out: a `Corpus` every other part of retrieval reads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..config import Settings
from ..text import tokenize
from ..store import Index
from .scope import PRONOUNS, any_name, courtesy, name_patterns

CANDIDATE_UNITS = 2048  # dense hits read per question from a flat index: all of them while it is small


@dataclass(eq=False)
class Corpus:
    """One index's per-turn and per-unit arrays (turn i is `index.turns[i]`)."""

    index: Index
    n_turns: int
    unit_turn: np.ndarray  # unit row -> its turn
    unit_kind: np.ndarray  # unit row -> chunk kind (WINDOW, SENTENCE, CONTEXT, QUESTION)
    interviewee: np.ndarray  # bool per turn: an interviewee's answer with units
    any_speaker: np.ndarray  # bool per turn: has units
    article_of: np.ndarray
    position: dict[str, int]  # turn id -> turn index
    # For an index small enough that a search returns every unit: the units in (turn, kind) order, where each
    # group starts, the turns that have units, and each group's row among them and kind (signals.dense_of_units)
    groups: tuple | None
    speaker_of: np.ndarray  # casefolded speaker per turn
    subject: np.ndarray  # bool per turn: the assistant's subject speaks (Settings.interviewee)
    pronoun: object  # the pattern of the pronouns that refer to the subject, or None
    person_of: np.ndarray  # each turn's interviewee, by number (a file with none is a conversation of its own)
    n_people: int
    names: frozenset  # the names the transcripts mention (signals.conversation_scores)
    name_patterns: list  # (interviewee, pattern that finds them named in a question) (scope.name_patterns)
    any_name: re.Pattern | None  # any interviewee named, one interviewee too (scope.any_name)
    english: bool  # English transcripts are indexed: stems and English stop words in the word leg
    speaker_words: frozenset  # the words of every speaker's name, raw and as tokens
    languages: list  # (language, its background passages as a mask), in the order of lang_id's codes
    lang_id: np.ndarray  # each turn's language code
    # Over transcripts in several languages, which languages' turns hold each word of the word leg (bit j:
    # languages[j]), so that a word only English turns hold does not lower the Chinese turns' bar (abstain)
    word_langs: np.ndarray | None
    # Over transcripts in two languages, the turns the character-pair leg does not index (English ones): a
    # Chinese question's pairs cannot match them, which says nothing of them (fuse.fused). None otherwise.
    no_pairs: np.ndarray | None
    courtesy: np.ndarray  # bool per turn: it only thanks or greets (scope.courtesy), so it answers nothing

    @classmethod
    def of(cls, idx: Index, settings: Settings) -> "Corpus":
        unit_turn = np.asarray(idx.units[:, 0], dtype=np.int64)
        unit_kind = np.asarray(idx.units[:, 1], dtype=np.int64)
        has_units = np.diff(idx.turn_units) > 0
        interviewee = np.array([t.is_interviewee for t in idx.turns], dtype=bool) & has_units
        groups = None
        if 0 < len(unit_turn) <= CANDIDATE_UNITS:
            key = unit_turn * 4 + unit_kind
            order = np.argsort(key, kind="stable")
            ordered = key[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            reached, row = np.unique(ordered[starts] // 4, return_inverse=True)
            groups = (order, starts, reached, row, ordered[starts] % 4)
        speaker_of = np.array([t.speaker.casefold() for t in idx.turns])
        person = {a.article_id: a.conversation_of for a in idx.articles.values()}
        people = sorted(set(person.values()))
        person_of = np.searchsorted(np.array(people), [person[t.article_id] for t in idx.turns]) \
            if idx.turns else np.zeros(0, np.int64)
        english = bool(idx.manifest.get("lexical", {}).get("english"))
        lang_of = {a.article_id: a.language for a in idx.articles.values()}
        turn_lang = np.array([lang_of.get(t.article_id, "") for t in idx.turns])
        bg_lang = np.array(idx.background_languages)
        langs = sorted(set(turn_lang.tolist()))
        languages = [(lang, bg_lang == lang if (bg_lang == lang).any() else np.ones(len(bg_lang), bool))
                     for lang in langs]
        lang_id = np.searchsorted(np.array(langs), turn_lang).astype(np.int8) if langs else np.zeros(0, np.int8)
        word_langs = None
        if len(langs) > 1:
            lex = idx.lexical
            owner = np.repeat(np.arange(len(lex.indptr) - 1), np.diff(lex.indptr))
            word_langs = np.zeros(len(lex.indptr) - 1, dtype=np.uint32)
            np.bitwise_or.at(word_langs, owner, np.left_shift(1, lang_id[lex.docs].astype(np.uint32)))
        speaker_words = frozenset(w for name in {t.speaker for t in idx.turns}
                                  for w in name.casefold().split() + tokenize(name, english))
        # a courtesy may name whom it thanks ("Thank you, Dana."): speakers' and mentioned names are no words of it
        names_said = speaker_words | {w for n in idx.manifest.get("lexical", {}).get("names", ())
                                      for w in str(n).casefold().split()}
        return cls(
            index=idx, n_turns=len(idx.turns), unit_turn=unit_turn, unit_kind=unit_kind, interviewee=interviewee,
            any_speaker=has_units, article_of=np.array([t.article_id for t in idx.turns]),
            position={t.turn_id: i for i, t in enumerate(idx.turns)}, groups=groups, speaker_of=speaker_of,
            subject=speaker_of == settings.interviewee.casefold(),
            pronoun=PRONOUNS.get(settings.interviewee_pronoun.strip().lower()),
            person_of=person_of, n_people=len(people),
            names=frozenset(idx.manifest.get("lexical", {}).get("names", ())),
            name_patterns=name_patterns({t.speaker for t, ok in zip(idx.turns, interviewee) if ok}),
            any_name=any_name({t.speaker for t, ok in zip(idx.turns, interviewee) if ok}),
            english=english,
            speaker_words=speaker_words,
            languages=languages, lang_id=lang_id, word_langs=word_langs,
            no_pairs=turn_lang == "en" if len(langs) > 1 and "en" in langs else None,
            courtesy=np.array([courtesy(t.text, names_said) for t in idx.turns], dtype=bool))

    @property
    def bilingual(self) -> bool:
        return len(self.languages) > 1

    def other_language(self, chinese: bool, like: int, turns: np.ndarray) -> np.ndarray | None:
        """For each of `turns`, whether it is turn `like`'s interviewee's in a language other than a (Chinese
        or not) question's: her own words in the other language. None over one language."""
        if not self.bilingual:
            return None
        own = "zh" if chinese else "en"
        other = np.array([lang != own for lang, _ in self.languages])[self.lang_id[turns]]
        return other & (self.person_of[turns] == self.person_of[like])
