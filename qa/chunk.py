"""Stage 2, chunk: turns -> the units that get embedded.

The unit of retrieval is one turn; what is embedded for it are several views,
each kept as a (turn, kind, span) row so that every vector points back into the
verbatim text:

- WINDOW: the turn's text; a long turn is split at sentence ends into
  overlapping windows (the model reads 512 tokens at most);
- SENTENCE: each sentence on its own, so a turn can be scored by the sentence
  that best answers (a long answer otherwise dilutes its best line), and so the
  quote can be chosen; speech without full stops (automatic captions) is cut
  into sentence-sized pieces;
- CONTEXT: the prompting question followed by the turn's first window, for
  short answers ("是的，大约一年半。") whose meaning lives in the question;
- QUESTION: the prompting question alone, embedded as a *query*, so that a
  user's question can match the interviewer's (query to query is the
  model's strongest cross-lingual pairing).

Turns with fewer than ten word characters ("是的。", "是的，基本上是这样。"), or written in
Latin letters with fewer than five words ("Yes, basically.", "And it still knows?",
as a livestream's host says between demos), get no units: they are
acknowledgments that answer nothing alone, and short texts match anything (on
the dev questions, dropping them lifted English MRR@10 from 0.84 to 0.86). They
are still shown as the context of their neighbours.

Spans are character offsets into `Turn.text`, so a quote is always a slice of
her words, never a rewrite.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .parse import NARRATOR, STAGE_INLINE, unstaged
from .types import Turn

WINDOW, SENTENCE, CONTEXT, QUESTION = 0, 1, 2, 3
KINDS = ("window", "sentence", "context", "question")
QUERY_FORM = {QUESTION}  # kinds embedded with the query prefix; the rest as passages

# A sentence ends at 。！？!?… (with closing quotes/brackets), at a Latin full stop
# followed by a space, or at a line break.
_END = re.compile(r"(?:[。！？!?；;]+|…+|\.{3,})[”’\"』」）)\]]*|(?<=[A-Za-z0-9\)])\.(?=\s)|\n+")
_MIN_SENTENCE_CHARS = 6  # "是的。" says nothing on its own
# A "sentence" longer than a window (the default WINDOW_CHARS) is unpunctuated speech: cut into pieces no longer
# than nine in ten English sentences of the benchmark transcripts (docs/decisions.md)
LONG_SENTENCE_CHARS = 320
PIECE_CHARS = 135
_SPACE = re.compile(r"\s+")
_MIN_TURN_WORD_CHARS = 10
_MIN_TURN_WORDS = 5  # ...and words, for a turn in Latin letters: ten characters are two or three English words
_WORD = re.compile(r"\w")
_LATIN = re.compile(r"[A-Za-z]")
_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class Unit:
    turn: int  # index into the index's turn list
    kind: int
    start: int  # span in the turn's text
    end: int
    text: str  # what is embedded


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`, whitespace trimmed; they cover every word."""
    spans, start = [], 0
    for m in _END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        a, b = _trimmed(text, a, b)
        if b - a > LONG_SENTENCE_CHARS:
            out.extend(_pieces(text, a, b))
        elif b > a:
            out.append((a, b))
    return out


def _pieces(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """An unpunctuated stretch (captions or speech-to-text without full stops) cut into the fewest near-equal
    pieces of at most PIECE_CHARS, each cut at the white space nearest its mark (anywhere, in text without
    spaces), so that it gets windows and sentences like punctuated speech."""
    n = -(-(b - a) // PIECE_CHARS)
    cuts, start = [], a
    for k in range(1, n):
        mark = a + (b - a) * k // n
        space = min((m.start() for m in _SPACE.finditer(text, max(start + 1, mark - PIECE_CHARS // 3),
                                                          min(b, mark + PIECE_CHARS // 3))),
                    key=lambda i: abs(i - mark), default=mark)
        if space > start:
            cuts.append(space)
            start = space
    out = []
    for x, y in zip([a] + cuts, cuts + [b]):
        x, y = _trimmed(text, x, y)
        if y > x:
            out.append((x, y))
    return out


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    """A span without the white space and the sound or stage tags ("[laughter]") at its ends."""
    while True:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        lead = STAGE_INLINE.match(text, a, b)
        if lead:
            a = lead.end()
            continue
        tail = next((m for m in STAGE_INLINE.finditer(text, a, b) if m.end() == b), None)
        if tail and tail.start() > a:
            b = tail.start()
            continue
        return a, b


def windows(spans: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Group sentence spans into windows of at most `max_chars`, overlapping by one sentence."""
    if not spans:
        return []
    out, i = [], 0
    while i < len(spans):
        j = i + 1
        while j < len(spans) and spans[j][1] - spans[i][0] <= max_chars:
            j += 1
        out.append((spans[i][0], spans[j - 1][1]))
        if j >= len(spans):
            break
        i = max(j - 1, i + 1)  # one sentence of overlap, always moving forward
    return out


def units_for(turn_index: int, turn: Turn, window_chars: int) -> list[Unit]:
    """The embedded views of one turn (see the module docstring)."""
    text = turn.text
    if not retrievable(turn):
        return []
    spans = sentence_spans(text)
    wins = windows(spans, window_chars)
    units = [Unit(turn_index, WINDOW, a, b, unstaged(text[a:b])) for a, b in wins]
    if len(spans) > 1:
        units += [Unit(turn_index, SENTENCE, a, b, unstaged(text[a:b])) for a, b in spans
                  if len(unstaged(text[a:b])) >= _MIN_SENTENCE_CHARS]
    if turn.question and wins:
        a, b = wins[0]
        units.append(Unit(turn_index, CONTEXT, a, b, f"{unstaged(turn.question)}\n{unstaged(text[a:b])}"))
        units.append(Unit(turn_index, QUESTION, 0, 0, unstaged(turn.question)))
    return units


def retrievable(turn: Turn) -> bool:
    """Whether a turn is offered as an answer at all (see the module docstring)."""
    if turn.speaker == NARRATOR:
        return False
    chars = len(_WORD.findall(turn.text))
    if chars < _MIN_TURN_WORD_CHARS:
        return False
    latin = 2 * len(_LATIN.findall(turn.text)) >= chars  # mostly Latin letters: words are what say something
    return not latin or len(_WORDS.findall(turn.text)) >= _MIN_TURN_WORDS
