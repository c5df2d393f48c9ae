"""Reader for subtitles: WebVTT (webvtt-py) and SubRip (srt).

A cue's speaker comes from a `<v Name>` voice tag, a `Name:` or `[NAME]` at the
start of the cue, or a `>>` speaker change (TV and YouTube captions: `>> NAME: text`, or `>>`
alone for "someone else now": an unknown speaker in a file that names its
speakers elsewhere; in a file that names nobody, two voices taking turns,
"Speaker 1" and "Speaker 2", until the catalogue's aliases name them). Cues with
no speaker at all belong to the speaker before them, and in a file with none to
its declared interviewee.
Consecutive cues of one speaker become one turn that keeps the first cue's start
time (cues of nobody in particular, paragraphs: `common.merge_runs`); caption line breaks are joined (a space between Latin words, nothing
inside Chinese); cue numbers, styling tags and positions are dropped, and a cue
line that only repeats the previous cue's last line (rolling captions) is skipped.
"""
from __future__ import annotations

import io
import re

from collections import Counter

from .common import INTERVIEWEE, UNKNOWN, Meta, Piece, SourceError, Speakers, decode, merge_runs, seconds
from .markdown import _NAME, PLAIN_LABEL, accepted_labels

_TAG = re.compile(r"</?[^>\n]{0,80}>")  # <i>, <c.yellow>, <00:00:01.000>, </v>
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>\n]{1,60})>")
_CHANGE = re.compile(r"^\s*(>>+|-\s)\s*")
_BRACKET_LABEL = re.compile(rf"^\s*\[(?P<name>{_NAME})\]\s*(?P<rest>\S.*)$")
_MID_CHANGE = re.compile(r"\s+(?=>>)")  # a speaker change inside a caption line


def read_file(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
              ) -> tuple[Meta, list[Piece]]:
    text = decode(data, source)
    cues = _vtt(text, source) if text.lstrip().startswith("WEBVTT") else _srt(text, source)
    if not cues:
        raise SourceError(source, "no subtitle cues found")
    meta = catalog or Meta()
    speakers = Speakers(meta.aliases, [meta.interviewee or default_interviewee])
    labels = _cue_labels(cues)
    names_someone = bool(labels) or any(_VOICE.search(raw) for _, raw, _ in cues)
    changes = 0  # bare speaker changes so far, in a file that names nobody
    pieces: list[Piece] = []
    current: str | None = None
    previous_line = ""
    for start, raw, line_no in cues:
        voice = _VOICE.search(raw)
        lines = [l.strip() for l in _TAG.sub("", raw).split("\n") if l.strip()]
        if voice:
            current = speakers(voice.group(1).strip())
        if len(lines) > 1 and lines[0] == previous_line:  # a rolling caption repeats the line before
            lines = lines[1:]
        previous_line = lines[-1] if lines else previous_line
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
            if not line.strip():
                continue
            who = current or (INTERVIEWEE if meta.interviewee else UNKNOWN)
            pieces.append(Piece(who, line.strip(), start=start, line=line_no))
    return meta, merge_runs(pieces)


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


def _srt(text: str, source: str) -> list[tuple[float, str, int]]:
    import srt

    try:
        subs = list(srt.parse(text, ignore_errors=False))
    except (srt.SRTParseError, ValueError) as e:
        raise SourceError(source, f"SubRip subtitles that cannot be read ({str(e).splitlines()[0][:160]}); "
                                  "is the file cut short?") from None
    _check_complete(text, len(subs), [(s.start, s.end) for s in subs], source, "SubRip subtitles")
    return [(s.start.total_seconds(), s.content, 0) for s in subs]


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
