"""Whose turns answer a question: one speaker's, everyone's, or the interviewees' (those the question names,
when it names any); and which pronoun refers to the person this assistant is about.

Flows in: the question's text and a `Corpus`; flows out: a boolean mask over the turns and a notice.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from ..parse import is_chinese
from ..parse.common import KNOWN_ALIASES

if TYPE_CHECKING:
    from .corpus import Corpus

# A part of a name alone names an interviewee only if it is no common English word (docs/decisions.md):
# wordfreq's Zipf below 4.5 ("Raman" 3.1, "Priya" 2.9; "Grace" 4.6, "Young" 5.4, "Will" 6.5 are not names).
COMMON_NAME_SURPRISAL = (9.0 - 4.5) * 2.302585
# The pronouns that refer to her (Settings.interviewee_pronoun); "其他" (other) and "他们" (they) are none.
PRONOUNS = {"she": re.compile(r"她(?![们們])|\b(?:she|her|hers|herself)\b", re.IGNORECASE),
            "he": re.compile(r"(?<![其吉])他(?![们們人])|\b(?:he|him|his|himself)\b", re.IGNORECASE)}


# A turn that only thanks or greets ("Thank you, Dana. This was fun.", "Thanks for having me!", "很高兴来到这里。")
# answers nothing, yet its few generic words sit close to any question about her life (docs/decisions.md).
COURTESY_MAX_WORDS = 20
_COURTESY_WORDS = frozenset(
    "thank thanks you so much very really all everyone everybody guys folks for having me inviting coming us i i'm "
    "it it's is was this that a my the our pleasure great good nice fun wonderful lovely happy glad delighted "
    "excited to be here being with today tonight and appreciate appreciated honor honored honour privilege bye "
    "goodbye see take care cheers too man oh well yes yeah again absolutely".split())
_COURTESY_CORE = frozenset("thank thanks pleasure appreciate appreciated honor honored honour privilege bye goodbye "
                           "cheers here".split())
_COURTESY_ZH = re.compile(
    r"(?:[哦嗯好呃]的?|也|非常|真的|十分)*(?:谢谢|感谢|多谢)(?:你|您|大家|各位|你们|邀请|你们的邀请|你的邀请|您的邀请)?"
    r"|(?:我|也|真的|非常|很|能|特别)*(?:高兴|开心|荣幸)(?:能|可以)?(?:来到|来|在|到)(?:这里|这儿|这)"
    r"|不客气|再见|回见|拜拜")
_CLAUSE_BREAK = re.compile(r"[\s，,。.！!？?；;：:、…—（）()\"“”'‘’~～]+")
_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)?")


def courtesy(text: str, name_words: frozenset[str] = frozenset()) -> bool:
    """Whether a turn only thanks, greets or takes leave: every word a courtesy's (or a name of
    `name_words`, casefolded) and one of them a thanks or a greeting, in at most COURTESY_MAX_WORDS words;
    in Chinese, every clause a courtesy. Such a turn is kept in its transcript and answers no question.
    Every turn is read when an index loads, so a turn stops being read at its first word that is no courtesy's."""
    if is_chinese(text):
        found = False
        for clause in _CLAUSE_BREAK.split(text.casefold()):
            for name in name_words:
                clause = clause.replace(name, "")
            if not clause:
                continue
            if not _COURTESY_ZH.fullmatch(clause):
                return False
            found = True
        return found
    words = core = 0
    for m in _WORD.finditer(text.casefold().replace("’", "'")):
        w = m.group()
        if w in name_words:
            continue
        words += 1
        if w not in _COURTESY_WORDS or words > COURTESY_MAX_WORDS:
            return False
        core = core or w in _COURTESY_CORE
    return bool(core)


def name_patterns(names: set[str]) -> list[tuple[str, re.Pattern]]:
    """For each interviewee, a pattern that finds them named in a question: the whole name, or a part of it
    that is no common English word and no other interviewee's ("Raman", "Priya"; not "Young" or "Will"), not
    inside a longer Latin word ("Ramanujan"; "Raman认为" names her); for Mira Murati also her Chinese names
    ("穆拉蒂").
    None when there is one interviewee or none: then naming her changes nothing."""
    return _patterns(names) if len(names) >= 2 else []


def any_name(names: set[str]) -> re.Pattern | None:
    """One pattern that finds any interviewee named in a question (as `name_patterns`, one interviewee too)."""
    found = _patterns(names)
    return re.compile("|".join(p.pattern for _, p in found), re.IGNORECASE) if found else None


def _patterns(names: set[str]) -> list[tuple[str, re.Pattern]]:
    from ..text.evidence import _english_surprisal

    parts: dict[str, set[str]] = {}
    for name in names:
        for part in name.casefold().split():
            parts.setdefault(part, set()).add(name)
    out = []
    for name in sorted(names):
        forms = [name.casefold()] + [p for p in name.casefold().split()
                                     if len(p) >= 3 and parts[p] == {name} and p != name.casefold()
                                     and (not p.isascii() or _english_surprisal(p) > COMMON_NAME_SURPRISAL)]
        chinese = sorted((a for a in KNOWN_ALIASES.get(name, ()) if is_chinese(a) and len(a) >= 3),
                         key=len, reverse=True)  # "米拉·穆拉蒂" before "穆拉蒂"
        latin = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        pattern = rf"(?<![a-z])(?:{latin})(?![a-z])" if name.isascii() else latin
        out.append((name, re.compile("|".join([pattern] + [re.escape(a) for a in chinese]), re.IGNORECASE)))
    return out


def unnamed(text: str, names: re.Pattern | None, pronoun: str = "she") -> str:
    """`text` with every interviewee's name (`any_name`) said by a pronoun: "Is Murati married?" -> "Is she
    married?", "Murati的生日是哪天？" -> "她的生日是哪天？". The no-answer bar reads this: the transcripts hold her
    name and the background passages do not, so a name alone lifts any question about her over the bar."""
    if names is None or not names.search(text):
        return text
    he = pronoun.strip().lower() == "he"
    if is_chinese(text):
        return names.sub("他" if he else "她", text)
    text = re.sub(rf"(?:{names.pattern})['’]s\b", "his" if he else "her", text, flags=re.IGNORECASE)
    return names.sub("he" if he else "she", text)


def speakers(corpus: "Corpus") -> list[str]:
    """Everyone who speaks in the retrievable turns, interviewees first, then by how often."""
    turns = corpus.index.turns
    counts = Counter(t.speaker for t, ok in zip(turns, corpus.any_speaker) if ok)
    first = {t.speaker for t, ok in zip(turns, corpus.interviewee) if ok}
    return sorted(counts, key=lambda s: (s not in first, -counts[s], s))


def speaker_pool(corpus: "Corpus", speaker: str) -> np.ndarray:
    """Turns by `speaker` (case-insensitive; a surname alone does too: "Swisher")."""
    want = speaker.strip().casefold()
    exact = corpus.speaker_of == want
    if exact.any():
        return exact & corpus.any_speaker
    return np.array([want in s.split() for s in corpus.speaker_of], dtype=bool) & corpus.any_speaker


def scope(corpus: "Corpus", text: str, *, speaker: str | None = None, all_speakers: bool = False
          ) -> tuple[np.ndarray, str]:
    """Whose turns answer `text`, and a notice saying whose they are when the question named somebody."""
    if speaker:
        return speaker_pool(corpus, speaker), ""
    if all_speakers:
        return corpus.any_speaker.copy(), ""
    named = [name for name, pattern in corpus.name_patterns if pattern.search(text)]
    if named:
        pool = np.logical_or.reduce([speaker_pool(corpus, name) for name in named])
        return pool, "Answers by " + " and ".join(named) + ", named in the question."
    return corpus.interviewee.copy(), ""
