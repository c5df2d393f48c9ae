"""Reader for subtitles: WebVTT (webvtt-py) and SubRip (srt).

A cue's speaker comes from a `<v Name>` voice tag, a `Name:` or `[NAME]` at the
start of the cue, or a `>>` speaker change (TV and YouTube captions: `>> NAME: text`, or `>>`
alone for "someone else now": an unknown speaker in a file that names its
speakers elsewhere; in a file that names nobody, two voices taking turns,
"Speaker 1" and "Speaker 2", until the catalogue's aliases name them). Cues with
no speaker at all belong to the speaker before them, and in a file with none to
its declared interviewee.
Consecutive cues of one speaker become one turn that keeps the first cue's start
time (cues of nobody in particular, paragraphs: `common.merge_runs`); caption line breaks are joined (a space
between Latin words, nothing
inside Chinese); cue numbers, styling tags and positions are dropped, and a cue
line that only repeats the previous cue's last line (rolling captions) is skipped.
"""
from __future__ import annotations

import io
import re

from collections import Counter

from .common import (INTERVIEWEE, NARRATOR, UNKNOWN, Meta, Piece, SourceError, Speakers, decode, merge_runs, repair,
                     seconds)
from .markdown import _NAME, PLAIN_LABEL, accepted_labels

_TAG = re.compile(r"</?[^>\n]{0,80}>")  # <i>, <c.yellow>, <00:00:01.000>, </v>
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>\n]{1,60})>")
_CHANGE = re.compile(r"^\s*(>>+|-\s)\s*")
_BRACKET_LABEL = re.compile(rf"^\s*\[(?P<name>{_NAME})\]\s*(?P<rest>\S.*)$")
_MID_CHANGE = re.compile(r"\s+(?=>>)")  # a speaker change inside a caption line
# A sound or stage tag inside a cue: "[APPLAUSE]", "[MUSIC]", "[speaking Italian]", "(laughter)", "♪".
_SOUND = re.compile(r"(\[[^\[\]\n]{1,40}\]|\((?:laughter|laughs|applause|music|inaudible|crosstalk|silence)"
                    r"[^()\n]{0,20}\)|♪+)", re.IGNORECASE)


def read_file(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
              ) -> tuple[Meta, list[Piece]]:
    meta = Meta().fill(catalog or Meta())  # a copy: the reader's notes are this file's own
    text = repair(decode(data, source), meta)
    cues = _vtt(text, source) if text.lstrip().startswith("WEBVTT") else _srt(text, source, meta)
    if not cues:
        raise SourceError(source, "no subtitle cues found")
    speakers = Speakers(meta.aliases, [meta.interviewee or default_interviewee])
    labels = _cue_labels(cues)
    names_someone = bool(labels) or any(_VOICE.search(raw) for _, raw, _ in cues)
    changes = 0  # bare speaker changes so far, in a file that names nobody
    pieces: list[Piece] = []
    current: str | None = None
    texts = [[l.strip() for l in _TAG.sub("", raw).split("\n") if l.strip()] for _, raw, _ in cues]
    rolling = _rolling(texts)
    previous: list[str] = []
    for (start, raw, line_no), lines in zip(cues, texts):
        voice = _VOICE.search(raw)
        if voice:
            current = speakers(voice.group(1).strip())
        shown = lines
        if rolling:  # YouTube's automatic captions: each cue repeats the lines before, and a 10 ms cue repeats it
            while lines and lines[0] in previous:
                lines = lines[1:]
        elif len(lines) > 1 and previous and lines[0] == previous[-1]:  # a rolling caption repeats the line before
            lines = lines[1:]
        previous = shown or previous
        for line in (part for l in lines for part in _MID_CHANGE.split(l)):
            change = _CHANGE.match(line)
            if change:
                line = line[change.end():]
            label = _label(line)
            if label and label[0] in labels:
                current, line = speakers(label[0]), label[1]
            elif change and names_someone:
                current = UNKNOWN
            elif change:
                changes += 1
                current = speakers(f"Speaker {2 - changes % 2}")
            who = current or (INTERVIEWEE if meta.interviewee else UNKNOWN)
            for part in _SOUND.split(line):  # "[APPLAUSE]" inside a cue: the room's, not the speaker's words
                if _SOUND.fullmatch(part):
                    pieces.append(Piece(NARRATOR, part.strip(), "narration", start=start, line=line_no))
                elif part.strip():
                    pieces.append(Piece(who, part.strip(), start=start, line=line_no))
    return meta, merge_runs(pieces)


def _rolling(texts: list[list[str]]) -> bool:
    """Whether captions roll up, as YouTube's automatic ones do: most cues of two lines open with the line the
    cue before ended on (then a cue that only repeats lines already shown is no new words)."""
    opens = [b[0] == a[-1] for a, b in zip(texts, texts[1:]) if a and len(b) > 1]
    return len(opens) >= 2 and sum(opens) >= 0.5 * len(opens)


def _label(line: str) -> tuple[str, str, bool] | None:
    """A cue line's opening label: (name, the words after it, whether it is in brackets: "[KARA LIN] …", as
    subtitles for the deaf and hard of hearing name speakers), or None."""
    if (m := PLAIN_LABEL.match(line)):
        return m.group("name"), m.group("rest"), False
    if (m := _BRACKET_LABEL.match(line)):
        return m.group("name"), m.group("rest"), True
    return None


def _cue_labels(cues: list[tuple[float, str, int]]) -> set[str]:
    """`Name:` openings used at least twice across cues, or in capitals, and then full names used once;
    `[Name]` openings used at least twice ("[LAUGHS]" in capitals is a sound, not a speaker): labels, not
    sentences."""
    seen: Counter[str] = Counter()
    bracketed: set[str] = set()
    for _, raw, _ in cues:
        for line in _TAG.sub("", raw).split("\n"):
            if (label := _label(_CHANGE.sub("", line.strip()))):
                seen[label[0]] += 1
                if label[2]:
                    bracketed.add(label[0])
    return accepted_labels(seen, {n for n in seen if n.isupper() and n not in bracketed})


def _vtt(text: str, source: str) -> list[tuple[float, str, int]]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        captions = list(webvtt.from_buffer(io.StringIO(text)))
    except (MalformedFileError, MalformedCaptionError) as e:
        raise SourceError(source, f"WebVTT that cannot be read ({e}); is it cut short?") from None
    _check_complete(text, len(captions), [(c.start, c.end) for c in captions], source, "WebVTT")
    return [(seconds(c.start), c.raw_text, 0) for c in captions]


# A SubRip timing line as the format writes it; any other line with "-->" is a damaged cue.
_STAMP = r"(\d+):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?"
_SRT_TIMING = re.compile(rf"^\s*{_STAMP}\s*-->\s*{_STAMP}")


def _srt(text: str, source: str, meta: Meta) -> list[tuple[float, str, int]]:
    """SubRip cues: a timing line, then the cue's text up to a blank line or the next cue's number and timing.
    A damaged cue (a line with "-->" that is not a timing, or one that ends before it starts) is left out with
    a note naming its line; a file whose last cue is damaged (cut short), or with no readable cue, is
    refused."""
    lines = text.split("\n")
    cues: list[tuple[float, list[str], int]] = []
    bad: list[int] = []
    current: list[str] | None = None  # the open cue's lines; None inside a damaged cue or between cues
    for i, line in enumerate(lines, start=1):
        if "-->" in line:
            if current and current[-1].strip().isdigit():
                current.pop()  # the next cue's number, written without a blank line before it
            m = _SRT_TIMING.match(line)
            start, end = (_srt_seconds(m.groups()[:4]), _srt_seconds(m.groups()[4:])) if m else (0.0, -1.0)
            if end < start:
                bad.append(i)
                current = None
                continue
            current = []
            cues.append((start, current, i))
        elif not line.strip():
            current = None
        elif current is not None:
            current.append(line)
    timings = [i for i, line in enumerate(lines, start=1) if "-->" in line]
    if not timings:
        raise SourceError(source, "no subtitle cues found (SubRip cues start with a timing line such as "
                                  "'00:00:01,000 --> 00:00:03,500')")
    if not cues or (bad and bad[-1] == timings[-1]):
        where = f"line {bad[-1]}: {lines[bad[-1] - 1].strip()[:60]!r} is not a cue timing; " if bad else ""
        raise SourceError(source, f"SubRip subtitles that cannot be read ({where}is the file cut short?)")
    if bad:
        meta.note(f"{len(bad)} damaged subtitle cue{'s' if len(bad) > 1 else ''} left out (line "
                  f"{', '.join(map(str, bad[:5]))}{', …' if len(bad) > 5 else ''}: not a cue timing)")
    return [(start, "\n".join(body), line) for start, body, line in cues if any(l.strip() for l in body)]


def _srt_seconds(parts) -> float:
    h, m, s, ms = parts
    return int(h) * 3600 + int(m) * 60 + int(s) + int((ms or "0").ljust(3, "0")) / 1000


_TIMING = re.compile(r"^\s*\S+\s*-->", re.MULTILINE)


def _check_complete(text: str, parsed: int, spans: list, source: str, kind: str) -> None:
    """A file cut short reads as fewer cues than it has timing lines, or ends on a cue without an end."""
    timings = len(_TIMING.findall(text))
    if parsed < timings:
        raise SourceError(source, f"{kind} that cannot be read: {timings} cue timings but {parsed} complete "
                                  "cues; is the file cut short?")
    broken = next((i for i, (start, end) in enumerate(spans, start=1) if end < start), None)
    if broken is not None:
        raise SourceError(source, f"{kind} that cannot be read: cue {broken} ends before it starts; is the "
                                  "file cut short?")
