"""Reader for subtitles: WebVTT (webvtt-py), SubRip (.srt), YouTube's SubViewer (.sbv), Whisper's console
output ("[00:00.000 --> 00:05.000]  words"), and captions saved as text: a line a caption, each perhaps opened
by its time ("**9:58**: >> NAME: words", "[0:31] words", "0:31 words"), speakers changing at `>>` anywhere in a
line, or at a name in capitals inside a line once a caption site has dropped the `>>` (`caption_lines`; a YouTube
transcript copied or exported to a .txt or .md file).

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
from typing import NamedTuple

from .common import (INTERVIEWEE, NARRATOR, TIMESTAMP, UNKNOWN, Meta, Piece, SourceError, Speakers, decode,
                     merge_runs, repair, seconds)
from ..lang import HAN
from .markdown import _NAME, PLAIN_LABEL, accepted_labels

_TAG = re.compile(r"</?[^>\n]{0,80}>|\{\\[^{}\n]{0,80}\}")  # <i>, <c.yellow>, <00:00:01.000>, </v>; {\an8} (ASS)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>\n]{1,60})>")
_CHANGE = re.compile(r"^\s*(>>+|-\s)\s*")
_BRACKET_LABEL = re.compile(rf"^\s*\[(?P<name>{_NAME})\]\s*(?P<rest>\S.*)$")
_MID_CHANGE = re.compile(r"\s+(?=>>)")  # a speaker change inside a caption line
# A sound or stage tag inside a cue: "[APPLAUSE]", "[MUSIC]", "[speaking Italian]", "(laughter)", "♪".
_SOUND = re.compile(r"(\[[^\[\]\n]{1,40}\]|\((?:laughter|laughs|applause|music|inaudible|crosstalk|silence)"
                    r"[^()\n]{0,20}\)|♪+)", re.IGNORECASE)


class Cue(NamedTuple):
    start: float  # seconds
    raw: str  # the cue's text as written, tags and all
    line: int  # where it starts in the file (0 where the parser does not say)
    end: float | None = None  # when its last word was said (`_said_until`)


def read_all(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
             ) -> list[tuple[Meta, list[Piece], str]]:
    """The file's transcript; bilingual subtitles (most cues a line in Chinese and a line in another language,
    as fan subtitles of an interview print them) give two, each language's lines alone, with the suffixes
    "-en" and "-zh" (`BILINGUAL`): a rendering beside its original, not one text of two languages."""
    meta = Meta().fill(catalog or Meta())  # a copy: the reader's notes are this file's own
    text = repair(decode(data, source), meta)
    head = text.lstrip()
    as_text = timed = False
    if head.startswith("WEBVTT"):
        cues = _vtt(text, source)
    elif _SBV_TIMING.match(head):
        cues = _sbv(text)
    elif _CONSOLE.match(head):
        cues = _console(text)
    elif "-->" not in text and captions_as_text(text):
        as_text = True
        cues, timed = caption_lines(text)
    else:
        cues = _srt(text, source, meta)
    if not cues:
        raise SourceError(source, "no subtitle cues found")
    if as_text:
        meta.note("read as captions saved as text: a speaker change at each '>>' or name in capitals inside a line")
    if any(b.start < a.start - 1 for a, b in zip(cues, cues[1:])):  # cues out of order: read in time order
        cues.sort(key=lambda c: c.start)
        meta.note("subtitle cues out of time order were read in time order")
    texts = [[l.strip() for l in _TAG.sub("", c.raw).split("\n") if l.strip()] for c in cues]
    if not _bilingual(texts):
        pieces = _pieces(cues, texts, meta, default_interviewee)
        if as_text and not timed:
            for p in pieces:  # captions saved as text without their times: no moment to link to
                p.start = p.end = None
        return [(meta, pieces, "")]
    out = []
    for lang in BILINGUAL:
        own = Meta().fill(meta)
        own.note(f"bilingual subtitles: the {BILINGUAL[lang]} lines read as a transcript of their own")
        kept = [[l for l in lines if _line_language(l) in (lang, "")] for lines in texts]
        out.append((own, _pieces(cues, kept, own, default_interviewee), f"-{lang}"))
    return out


def read_file(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
              ) -> tuple[Meta, list[Piece]]:
    meta, pieces, _ = read_all(data, source, default_interviewee, catalog)[0]
    return meta, pieces


BILINGUAL = {"en": "English", "zh": "Chinese"}  # the two versions of bilingual subtitles, by id suffix


def _line_language(line: str) -> str:
    """"zh" for a line mostly in Chinese, "en" for one in Latin letters without Chinese, "" for neither."""
    han = len(HAN.findall(line))
    latin = len(re.findall(r"[A-Za-z]", line))
    if han and han * 2 >= latin:
        return "zh"
    return "en" if latin >= 2 and not han else ""


def _bilingual(texts: list[list[str]]) -> bool:
    """Whether most cues of two lines or more hold a Chinese line and an English one."""
    multi = [lines for lines in texts if len(lines) >= 2]
    both = sum({"zh", "en"} <= {_line_language(l) for l in lines} for lines in multi)
    return both >= 3 and both >= 0.6 * len(multi)


def _pieces(cues: list[Cue], texts: list[list[str]], meta: Meta, default_interviewee: str
            ) -> list[Piece]:
    """Cues (with their lines of text) -> one speaker's pieces after another."""
    speakers = Speakers(meta.aliases, [meta.interviewee or default_interviewee])
    labels = _cue_labels(cues)
    names_someone = bool(labels) or any(_VOICE.search(c.raw) for c in cues)
    changes = 0  # bare speaker changes so far, in a file that names nobody
    pieces: list[Piece] = []
    current: str | None = None
    rolling = _rolling(texts)
    previous: list[str] = []
    for (start, raw, line_no, end), lines in zip(cues, texts):
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
            after_sound = False
            for part in _SOUND.split(line):  # "[APPLAUSE]" inside a cue: the room's, not the speaker's words
                if _SOUND.fullmatch(part):
                    pieces.append(Piece(NARRATOR, part.strip(), "narration", start=start, line=line_no))
                elif part.strip() and not (after_sound and not re.search(r"\w", part)):  # "[Music]." ends a tag
                    pieces.append(Piece(who, part.strip(), start=start, line=line_no, end=end))
                after_sound = bool(_SOUND.fullmatch(part))
    return merge_runs(pieces)


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


def _cue_labels(cues: list[Cue]) -> set[str]:
    """`Name:` openings used at least twice across cues, or in capitals, and then full names used once;
    `[Name]` openings used at least twice ("[LAUGHS]" in capitals is a sound, not a speaker): labels, not
    sentences."""
    seen: Counter[str] = Counter()
    bracketed: set[str] = set()
    for c in cues:
        for line in (part for l in _TAG.sub("", c.raw).split("\n") for part in _MID_CHANGE.split(l)):
            if (label := _label(_CHANGE.sub("", line.strip()))):
                seen[label[0]] += 1
                if label[2]:
                    bracketed.add(label[0])
    return accepted_labels(seen, {n for n in seen if n.isupper() and n not in bracketed})


def _vtt(text: str, source: str) -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        captions = list(webvtt.from_buffer(io.StringIO(text)))
    except (MalformedFileError, MalformedCaptionError) as e:
        raise SourceError(source, f"WebVTT that cannot be read ({e}); is it cut short?") from None
    _check_complete(text, len(captions), [(c.start, c.end) for c in captions], source, "WebVTT")
    return [Cue(seconds(c.start), c.raw_text, 0, _said_until(c.raw_text, seconds(c.end))) for c in captions]


_WORD_TIME = re.compile(rf"<({TIMESTAMP})>")  # a word's time inside an automatic caption: "<00:00:03.120><c> word"


def _said_until(raw: str, end: float) -> float:
    """When a cue's last word was said: its last word's time where the cue gives word times, else its end."""
    times = _WORD_TIME.findall(raw)
    return seconds(times[-1]) if times else end


# A SubRip timing line as the format writes it; any other line with "-->" is a damaged cue.
_STAMP = r"(\d+):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?"
_SRT_TIMING = re.compile(rf"^\s*{_STAMP}\s*-->\s*{_STAMP}")


def _srt(text: str, source: str, meta: Meta) -> list[Cue]:
    """SubRip cues: a timing line, then the cue's text up to a blank line or the next cue's number and timing.
    A damaged cue (a line with "-->" that is not a timing, or one that ends before it starts) is left out with
    a note naming its line; a file whose last cue is damaged (cut short), or with no readable cue, is
    refused."""
    lines = text.split("\n")
    cues: list[tuple[float, list[str], int, float]] = []
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
            cues.append((start, current, i, end))
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
    return [Cue(start, "\n".join(body), line, end) for start, body, line, end in cues if any(l.strip() for l in body)]


# YouTube's SubViewer captions (.sbv): "0:00:02.100,0:00:08.400", the cue's text below, a blank line after.
_SBV_TIMING = re.compile(r"^(\d+:\d{2}:\d{2}\.\d{1,3}),(\d+:\d{2}:\d{2}\.\d{1,3})\s*$", re.MULTILINE)
# Whisper's console output, as it is often saved: "[00:00.000 --> 00:05.000]  words" a line.
_CONSOLE = re.compile(rf"^\[(?P<t>{TIMESTAMP})\s*-->\s*(?P<e>{TIMESTAMP})\]\s*(?P<rest>.*)$", re.MULTILINE)


def _sbv(text: str) -> list[Cue]:
    cues: list[Cue] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _SBV_TIMING.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].strip() and not _SBV_TIMING.match(lines[j]):
            j += 1
        if j > i + 1:
            cues.append(Cue(seconds(m.group(1)), "\n".join(lines[i + 1:j]), i + 1, seconds(m.group(2))))
        i = j
    return cues


def _console(text: str) -> list[Cue]:
    return [Cue(seconds(m.group("t")), m.group("rest"), text.count("\n", 0, m.start()) + 1, seconds(m.group("e")))
            for m in _CONSOLE.finditer(text) if m.group("rest").strip()]


# Captions saved as text: a speaker change ">>" (a line's first mark, or inside it after a space), at least
# CAPTION_CHANGES of them, and no Markdown blockquote of two levels (">> " at a line's start after "> ").
CAPTION_CHANGES = 2
_TEXT_CHANGE = re.compile(r"(?:^|[ \t])>>(?=[ \t]*\S)", re.MULTILINE)
# A caption line's time, as transcript exports print it: "**9:58**:", "[0:31]", "(0:31)", "0:31 -", "0:31".
_LINE_TIME = re.compile(rf"^\s*(?:\*\*|__)?[\[(]?(?P<t>{TIMESTAMP})[\])]?(?:\*\*|__)?\s*[:\-–—]?\s*")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")


# ...or run together, a speaker's name in capitals and a colon inside a line, after a sentence's end or a tag
# ("… Stick around. [MUSIC] KEVIN SCOTT: Hi everyone."), as caption sites print them once ">>" is dropped: a name
# said so at least twice, CAPTION_CHANGES times inside lines.
_CAPS_NAME = r"(?P<name>[A-Z][A-Z'’.\-]+(?: [A-Z][A-Z'’.\-]+){0,3})"
_INLINE_LABEL = re.compile(rf"(?<=[.!?…\])\"”] ){_CAPS_NAME}:(?= )")
_ANY_CAPS_LABEL = re.compile(rf"(?:^|(?<=\s)){_CAPS_NAME}:(?= )", re.MULTILINE)


def captions_as_text(text: str) -> bool:
    """Whether a text or Markdown file is captions saved as text: speakers change at `>>`, or at names in
    capitals inside its lines (CAPTION_CHANGES)."""
    if re.search(r"^>\s*>>", text, re.MULTILINE):  # a Markdown quote inside a quote
        return False
    return len(_TEXT_CHANGE.findall(text)) >= CAPTION_CHANGES or len(_inline_labels(text)) >= CAPTION_CHANGES


def _inline_labels(text: str) -> list[re.Match]:
    """The names in capitals that open a speaker's words inside a line, of those said so twice or more."""
    said = Counter(m.group("name") for m in _ANY_CAPS_LABEL.finditer(text))
    return [m for m in _INLINE_LABEL.finditer(text) if said[m.group("name")] >= 2]


def caption_lines(text: str) -> tuple[list[Cue], bool]:
    """Captions saved as text, one cue a line: its time where the line opens with one (else the line
    before's), its words with the runs of spaces that exports leave closed up; and whether any line had a
    time. A Markdown heading is no caption."""
    if len(_TEXT_CHANGE.findall(text)) < CAPTION_CHANGES:  # names inside lines: each a speaker change
        for m in reversed(list(_INLINE_LABEL.finditer(text))):
            text = text[:m.start()] + ">> " + text[m.start():]
    cues: list[Cue] = []
    start, timed = 0.0, False
    for i, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or _MD_HEADING.match(line):
            continue
        if m := _LINE_TIME.match(line):
            start, line, timed = seconds(m.group("t")), line[m.end():], True
        words = re.sub(r"[ \t]{2,}", " ", line).strip()
        if words:
            cues.append(Cue(start, words, i))
    return cues, timed


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
