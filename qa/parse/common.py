"""What every reader shares: decoding, metadata, speakers and their aliases, and turning a reader's
pieces into an Article and its Turns.

A reader yields `Piece`s (who, what, when, where in the file); `assemble` resolves
speakers through the aliases, decides who the interviewee is, and links each of
the interviewee's turns to the question before it. A reader of a timed format
merges consecutive pieces of one speaker first (`merge_runs`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..lang import HAN as CJK, is_chinese
from ..types import Article, Turn

NARRATOR = "Narrator"
UNKNOWN = "Unknown speaker"
# Other names a person is printed under, beyond the parts of the name itself.
KNOWN_ALIASES = {"Mira Murati": ("穆拉蒂", "米拉·穆拉蒂", "米拉穆拉蒂", "米拉", "Mira", "Murati")}
# Speaker labels that name nobody: "Speaker 1", "SPEAKER_00", "Unknown", "Interviewee 2"…
ANONYMOUS = re.compile(r"^(speaker|spk|unknown|interviewee|voice|person|participant|guest|说话人|发言人)[\s_#-]*\d*$"
                       r"|^\d+$",
                       re.IGNORECASE)


class SourceError(Exception):
    """A transcript that cannot be used; names the file and the reason."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def decode(data: bytes, path) -> str:
    """Bytes of a source file -> text, or a SourceError saying why not."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SourceError(path, "UTF-16 text, not UTF-8; save it as UTF-8")
    if b"\x00" in data[:8192]:
        raise SourceError(path, "binary file, not a text transcript")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(path, f"not UTF-8 text (bad byte at offset {e.start}); save it as UTF-8") from None
    if not text.strip():
        raise SourceError(path, "empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")


def repair(text: str, meta: "Meta") -> str:
    """Text as it was meant to be read: HTML character references decoded (captions as YouTube serves them
    write a speaker change `&gt;&gt;`, podcasts' JSON `&#39;`), and mojibake from a wrong decode upstream
    ("two Ã\xa0three") repaired by ftfy. What was changed is counted in a note on `meta`. ftfy's own
    normalisations (full-width forms, curly quotes, ligatures, line breaks) are off: a Chinese text's "："
    and "？" are its own."""
    import html

    import ftfy

    entities = len(_ENTITY.findall(text))
    if entities:
        text = html.unescape(text).replace("\u00a0", " ")
    config = ftfy.TextFixerConfig(unescape_html=False, fix_character_width=False, fix_latin_ligatures=False,
                                  uncurl_quotes=False, fix_line_breaks=False, remove_control_chars=False,
                                  remove_terminal_escapes=False, normalization=None, explain=False)
    lines = text.split("\n")
    fixed = [ftfy.fix_text(line, config) if not line.isascii() else line for line in lines]
    repaired = sum(a != b for a, b in zip(lines, fixed))
    if entities:
        meta.note(f"{entities} HTML character reference{'s' if entities > 1 else ''} (such as &gt;) decoded")
    if repaired:
        meta.note(f"broken characters (mojibake) repaired on {repaired} line{'s' if repaired > 1 else ''}")
    return "\n".join(fixed)




@dataclass
class Meta:
    """What is known about a file beside its turns: from the file itself, its catalogue entry, the run."""

    title: str = ""
    date: str = ""
    url: str = ""
    author: str = ""
    place: str = ""
    interviewee: str = ""  # "" when nothing declares one
    interviewer: str = ""
    same_as: str = ""  # another version of the same conversation (a file name), from the catalogue
    aliases: dict[str, str] = field(default_factory=dict)  # casefolded alias -> canonical name
    notes: list[str] = field(default_factory=list)  # what a reader passed over or repaired, said at indexing
    # Whether a short acknowledgement between two pieces of one speaker is folded away (fold_interjections):
    # yes for what was spoken and transcribed (captions, speech-to-text, plain `NAME:` transcripts); no for an
    # edited article whose turns are marked in bold, where every short line is a turn the editor kept.
    spoken: bool = True

    def note(self, text: str) -> None:
        self.notes.append(text)

    def fill(self, other: "Meta") -> "Meta":
        """This, with `other`'s values where this has none (aliases merged, this one's win)."""
        out = Meta(**{k: getattr(self, k) or getattr(other, k) for k in
                      ("title", "date", "url", "author", "place", "interviewee", "interviewer", "same_as")})
        out.aliases = {**other.aliases, **self.aliases}
        out.notes = [*self.notes, *other.notes]
        out.spoken = self.spoken and other.spoken
        return out


def parse_aliases(spec) -> dict[str, str]:
    """``"Mira = Mira Murati; Jeff = Jeffrey Blackburn"`` or a {alias: name} table -> {alias: canonical}."""
    if isinstance(spec, dict):
        return {str(k).strip().casefold(): str(v).strip() for k, v in spec.items() if str(k).strip() and str(v).strip()}
    aliases = {}
    for part in re.split(r"[;；\n]", spec or ""):
        alias, sep, canonical = part.partition("=")
        if sep and alias.strip() and canonical.strip():
            aliases[alias.strip().casefold()] = canonical.strip()
    return aliases


def natural_name(name: str) -> str:
    """A label as a name: spaces collapsed, an ALL-CAPS Latin name in its natural form ("KARA SWISHER")."""
    name = re.sub(r"\s+", " ", name).strip()
    letters = [c for c in name if c.isalpha() and c.isascii()]
    if len(letters) >= 2 and all(c.isupper() for c in letters) and not CJK.search(name):
        # Words of two characters or fewer ("J.", "AI") stay as they are: they are initials more often than not.
        name = " ".join(w if len(w) <= 2 else w[:1] + w[1:].lower() for w in name.split(" "))
        name = re.sub(r"\b(Mc|Mac|O')([a-z])", lambda m: m.group(1) + m.group(2).upper(), name)
    return name


HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sen|Senator|Rep|Gov)\.?\s+", re.IGNORECASE)


class Speakers:
    """Resolves labels to people: aliases first (declared, then the interviewee's known names), else the
    label in its natural form."""

    def __init__(self, aliases: dict[str, str], people: list[str]):
        self.aliases: dict[str, str] = {}
        for person in people:
            if not person:
                continue
            for alias in (person, *person.split(), *KNOWN_ALIASES.get(person, ())):
                self.aliases.setdefault(alias.casefold(), person)
        self.aliases.update(aliases)

    def __call__(self, label: str) -> str:
        name = natural_name(label)
        plain = HONORIFIC.sub("", name)  # "Ms. Murati", as hearing and press transcripts label her
        found = self.aliases.get(name.casefold()) or self.aliases.get(label.strip().casefold()) \
            or self.aliases.get(plain.casefold())
        if not found and name.casefold() == UNKNOWN.casefold():  # Otter's "Unknown Speaker"
            return UNKNOWN
        return found or name

    def knows(self, label: str) -> bool:
        return natural_name(label).casefold() in self.aliases


def anonymous(name: str) -> bool:
    return bool(ANONYMOUS.match(name.strip())) or name in (UNKNOWN, NARRATOR)


@dataclass
class Piece:
    """What a reader found: one speaker's words, with their section, time and line."""

    speaker: str  # resolved name; INTERVIEWEE for an unlabelled answer, NARRATOR for prose
    text: str
    kind: str = "turn"  # "turn" | "question" | "narration" | "interjection" (fold_interjections)
    section: str = ""
    start: float | None = None  # seconds from the start of the recording
    line: int = 0
    end: float | None = None  # when its last word was said, where the file says (captions)


WEB_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
INTERVIEWEE = "\0interviewee"  # an answer whose speaker is whoever the interviewee turns out to be


def join_caption_lines(a: str, b: str) -> str:
    """Join two caption or segment texts: nothing between Chinese characters, a space elsewhere."""
    a, b = a.rstrip(), b.lstrip()
    if not a or not b:
        return a + b
    if CJK.match(a[-1]) or CJK.match(b[0]) or a[-1] in "，。？！：；、“”（）":
        return a + b
    return a + " " + b


# A recording whose words carry no speaker at all (captions without names, Whisper without diarisation) is
# one long run: it becomes paragraphs of about this many characters (a Chinese character counting two), each
# a turn with its own time, so that an answer cites its moment rather than the start of the recording. A
# paragraph ends after a sentence once it holds PARAGRAPH_CHARS, and at a cue boundary once it holds twice
# that (captions without stops).
PARAGRAPH_CHARS = 400
_SENTENCE_END = re.compile(r"[.?!。？！…][\"'”’)）]*$")


_SENTENCE_STOP = re.compile(r"[.?!。？！…][\"'”’)）]*(?=\s|$)|[。？！]")


def merge_runs(pieces: list[Piece]) -> list[Piece]:
    """Consecutive pieces of one speaker (and section) as one, keeping the first one's time and line; a
    timed run of nobody's in particular (PARAGRAPH_CHARS) in paragraphs that end at a sentence's end, even
    when the sentence ends inside a cue ("…across all of your conversations. And then"): the cue is cut
    there, its rest opening the next paragraph. A run with no punctuation at all (automatic captions) is cut
    between cues, at its longest pauses (`_pause_cuts`)."""
    out: list[Piece] = []
    for group in _runs(pieces):
        if len(group) > 1 and _paragraph_long(Piece(group[0].speaker, _joined(group), start=group[0].start)) \
                and not any(_punctuated(p.text) for p in group):
            for part in _pause_cuts(group):
                out.append(Piece(part[0].speaker, _joined(part), part[0].kind, part[0].section,
                                 part[0].start, part[0].line, part[-1].end))
        else:
            _merge_into(out, group)
    return out


def _runs(pieces: list[Piece]) -> list[list[Piece]]:
    """Pieces in groups of one speaker, section and kind."""
    groups: list[list[Piece]] = []
    for p in pieces:
        if groups and (groups[-1][-1].speaker, groups[-1][-1].section, groups[-1][-1].kind) == \
                (p.speaker, p.section, p.kind):
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def _pause_cuts(group: list[Piece]) -> list[list[Piece]]:
    """An unpunctuated run in paragraphs of PARAGRAPH_CHARS to twice that, each cut where the speaker paused
    longest between two cues (the time from a cue's last word, or its end, to the next cue's start; without
    times, between starts)."""
    size = sum(len(p.text) + len(CJK.findall(p.text)) + 1 for p in group)
    if size <= 2 * PARAGRAPH_CHARS or len(group) < 2:
        return [group]
    best, best_gap, seen = None, -1.0, 0
    for i in range(1, len(group)):
        seen += len(group[i - 1].text) + len(CJK.findall(group[i - 1].text)) + 1
        if seen < PARAGRAPH_CHARS // 2 or size - seen < PARAGRAPH_CHARS // 2:
            continue
        a, b = group[i - 1], group[i]
        gap = (b.start or 0.0) - (a.end if a.end is not None else a.start or 0.0)
        if gap > best_gap:
            best, best_gap = i, gap
    if best is None:
        return [group]
    return _pause_cuts(group[:best]) + _pause_cuts(group[best:])


def _merge_into(out: list[Piece], group: list[Piece]) -> None:
    for p in group:
        if out and out[-1].speaker == p.speaker and out[-1].section == p.section and out[-1].kind == p.kind:
            last = out[-1]
            if not _paragraph_long(last):
                last.text = join_caption_lines(last.text, p.text)
                continue
            if _SENTENCE_END.search(last.text) or not _punctuated(last.text):
                out.append(Piece(p.speaker, p.text, p.kind, p.section, p.start, p.line))
                continue
            stops = list(_SENTENCE_STOP.finditer(p.text))  # a long paragraph ends at the cue's first stop
            if stops and stops[0].end() < len(p.text.rstrip()):
                cut = stops[0].end()
                last.text = join_caption_lines(last.text, p.text[:cut])
                out.append(Piece(p.speaker, p.text[cut:].strip(), p.kind, p.section, p.start, p.line))
            else:
                last.text = join_caption_lines(last.text, p.text)
        else:
            out.append(Piece(p.speaker, p.text, p.kind, p.section, p.start, p.line))


def _joined(pieces: list[Piece]) -> str:
    text = ""
    for p in pieces:
        text = join_caption_lines(text, p.text)
    return text


def _paragraph_long(p: Piece) -> bool:
    """Whether a timed run of nobody's in particular holds a paragraph's worth (PARAGRAPH_CHARS)."""
    if p.start is None or p.speaker not in (INTERVIEWEE, UNKNOWN):
        return False
    n = len(p.text) + len(CJK.findall(p.text))  # a Chinese character says about what two Latin letters do
    return n >= PARAGRAPH_CHARS if _punctuated(p.text) else n >= 2 * PARAGRAPH_CHARS


def _punctuated(text: str) -> bool:
    return bool(_SENTENCE_STOP.search(text))


# A backchannel: a short reply that acknowledges and does not take the turn ("Right.", "Yeah, exactly.",
# "Mm-hmm.", "对。"), or a sound or stage tag alone ("(Laughter.)", "[APPLAUSE]", "（笑）"). Between two pieces of
# one speaker it does not end that speaker's turn: the host's question stays whole, paired with her whole answer
# (`fold_interjections`). The rule: at most BACKCHANNEL_WORDS words, every one of them from this list (or the
# whole piece a tag), so that "No." or "Yes, in 2015." which answer something stay turns of their own.
BACKCHANNEL_WORDS = 4
_BACKCHANNEL = re.compile(
    r"^(?:(?:right|yeah|yes|yep|yup|mm|mhm|mm-hmm|mm-hm|uh-huh|uh|um|hmm|exactly|sure|okay|ok|absolutely|totally|"
    r"definitely|indeed|true|wow|great|cool|interesting|nice|of course|i see|got it|that's right|that's true|"
    r"oh|ah|yes yes|correct|precisely|fair|fair enough|good|sure sure|right right)[\s,.!?…-]*){1,4}$"
    r"|^(?:对|对的|是的|是|嗯|嗯嗯|没错|好的|好|确实|当然|哈哈|哦|对对|是啊|对啊)[\s，。！？、…]*"
    r"(?:(?:对|对的|是的|是|嗯|没错|好的|好|确实|当然|哈哈|哦|对对)[\s，。！？、…]*){0,3}$", re.IGNORECASE)
STAGE_TAG = re.compile(r"^\s*(?:[\[(（【][^\[\]()（）【】\n]{1,40}[\])）】]\s*)+$")
# A sound or stage tag inside a speaker's words ("… cracked (inaudible) and …", "[laughter] It was"): shown in
# the reader, but not her words: it is left out of what is embedded and word-indexed and off a quote's ends.
# A tag names a sound or a stage direction; a bracket of other words ("[Sutskever]") is an editor's and stays.
STAGE_INLINE = re.compile(
    r"[\[(（【]\s*(?:laugh\w*|applause|music\w*|inaudible|crosstalk|silence|cough\w*|sigh\w*|chuckl\w*|foreign|"
    r"speaking \w+|unintelligible|overlapping|pause\w*|笑|大笑|笑声|掌声|音乐|听不清)[^\[\]()（）【】\n]{0,20}[\])）】]"
    r"|(?-i:\[[A-Z][A-Z \-]{2,30}\])", re.IGNORECASE)


def unstaged(text: str) -> str:
    """`text` without its sound and stage tags (STAGE_INLINE)."""
    if not STAGE_INLINE.search(text):
        return text
    return re.sub(r"[ \t]+(?=[.,;:?!])", "", re.sub(r"[ \t]{2,}", " ", STAGE_INLINE.sub(" ", text))).strip()


def is_backchannel(text: str) -> bool:
    """Whether a piece only acknowledges the speaker it interrupts (BACKCHANNEL_WORDS) or is a tag alone."""
    t = text.strip()
    if not t or len(t) > 60:
        return False
    if STAGE_TAG.match(t):
        return True
    return len(t.split()) <= BACKCHANNEL_WORDS and bool(_BACKCHANNEL.match(t))


def fold_interjections(pieces: list[Piece]) -> list[Piece]:
    """One speaker's words interrupted by another's backchannel ("Right.") stay one turn; the interjections
    follow it, visible in the reader and never taken for a question or an answer. A backchannel after which
    the interrupted speaker does not resume was a turn of its own, and stays one."""
    out: list[Piece] = []
    held: list[Piece] = []  # backchannels since the current run's last words
    trail: list[Piece] = []  # interjections folded out of the current run, shown after it
    for p in pieces:
        turn = p.kind != "narration"
        run = out[-1] if out else None
        if run is not None and run.kind not in ("narration", "interjection") and p.speaker != run.speaker \
                and is_backchannel(p.text) and (turn or STAGE_TAG.match(p.text)):
            held.append(p)
            continue
        if held and turn and p.speaker == run.speaker and p.section == run.section and p.kind == run.kind:
            sep = "\n" if run.start is None else " "  # the speaker resumes: what came between was interjected
            out[-1] = Piece(run.speaker, run.text.rstrip() + sep + p.text.lstrip(), run.kind, run.section,
                            run.start, run.line)
            trail += [_interjection(h) for h in held]
            held = []
            continue
        out += trail + [_as_said(h) for h in held]
        trail, held = [], []
        if turn and STAGE_TAG.match(p.text):  # "[APPLAUSE]" alone: the room, nobody's words
            p = Piece(NARRATOR, p.text, "narration", p.section, p.start, p.line)
        out.append(p)
    return out + trail + [_as_said(h) for h in held]


def _as_said(p: Piece) -> Piece:
    if STAGE_TAG.match(p.text):
        return Piece(NARRATOR, p.text, "narration", p.section, p.start, p.line)
    return p


def _interjection(p: Piece) -> Piece:
    if p.kind == "narration" or STAGE_TAG.match(p.text):  # "[APPLAUSE]": the room's, nobody's words
        return Piece(NARRATOR, p.text, "narration", p.section, p.start, p.line)
    return Piece(p.speaker, p.text, "interjection", p.section, p.start, p.line)


def assemble(pieces: list[Piece], meta: Meta, article_id: str, source: str,
             default_interviewee: str) -> tuple[Article, list[Turn], list[str]]:
    """Pieces -> (article, turns, notices). Raises SourceError when no one speaks in them.

    The interviewee is the declared one; else the default one (Mira Murati) when one of the file's
    speakers is her under any alias; else nobody, with a notice: a file is never attributed to her
    on a guess.
    """
    if meta.spoken:
        pieces = fold_interjections(pieces)
    notices: list[str] = [f"{source}: {n}" for n in dict.fromkeys(meta.notes)]
    speakers = {p.speaker for p in pieces if p.kind != "narration" and p.speaker != INTERVIEWEE}
    interviewee = meta.interviewee
    if not interviewee:
        if default_interviewee in speakers:
            interviewee = default_interviewee
        elif any(p.speaker == INTERVIEWEE for p in pieces):
            interviewee = default_interviewee
            notices.append(f"{source}: its answers carry no name and it declares no interviewee; they are read as "
                           f"{default_interviewee}'s (the default): if they are someone else's, say so in its "
                           "front matter or in sources/catalog.toml (interviewee = \"Name\")")
    if not any(p.kind != "narration" for p in pieces):
        raise SourceError(source, "no interview turns found: expected speaker labels ('Name: text', "
                                  "'**Name：** text', '<v Name>' in subtitles) or questions in bold italics")
    named = {s for s in speakers if not anonymous(s)}
    unlabelled = any(p.speaker == INTERVIEWEE for p in pieces)
    if speakers == {UNKNOWN}:
        notices.append(f"{source}: its words carry no speaker and it declares no interviewee; indexed as an "
                       "unknown speaker's, not as anyone's answers: if they are one person's, say whose in "
                       f"sources/catalog.toml ([\"{source.rsplit('/', 1)[-1]}\"] interviewee = \"Name\") or with "
                       "'qa index --interviewee NAME'")
        interviewee = ""
    elif not named and not unlabelled:
        labels = sorted(speakers)
        notices.append(f"{source}: no speaker is named (only {', '.join(labels[:3]) or 'unlabelled text'});"
                       " indexed under those labels, and not as anyone's answers: name them in "
                       f"sources/catalog.toml (aliases = {{ \"{labels[0] if labels else 'SPEAKER_00'}\" = "
                       f"\"{interviewee or default_interviewee}\" }}) and run 'qa index'")
        interviewee = interviewee if interviewee in speakers else ""
    elif interviewee not in speakers and not unlabelled:
        notices.append(f"{source}: none of its speakers ({', '.join(sorted(named)[:4])}) is "
                       f"{interviewee or default_interviewee}; indexed under their own names (ask with "
                       "--speaker NAME or all speakers): if one of them is the interviewee, say so in "
                       "sources/catalog.toml (interviewee = \"Name\") and run 'qa index'")
        interviewee = interviewee if interviewee in speakers else ""
    url = meta.url.strip()
    if url and not WEB_URL.match(url):  # a link is followed from the app: never javascript: or data:
        notices.append(f"{source}: its link {url[:80]!r} is not a web address (http:// or https://); "
                       "it was left out")
        url = ""
    article = Article(article_id=article_id, title=meta.title or article_id, date=iso_date(meta.date),
                      url=url, source=source, author=meta.author, place=meta.place,
                      interviewee=interviewee or "", same_as=meta.same_as)
    # Turns before a file's first section are its introduction; a file with no sections has none.
    sectioned = any(p.section for p in pieces)
    intro = ("引言" if is_chinese("".join(p.text for p in pieces[:50])) else "Introduction") if sectioned else ""
    turns: list[Turn] = []
    last_question: str | None = None
    for pos, p in enumerate(pieces):
        speaker = interviewee or UNKNOWN if p.speaker == INTERVIEWEE else p.speaker
        is_interviewee = bool(interviewee) and speaker == interviewee and p.kind != "interjection"
        turns.append(Turn(turn_id=f"{article_id}#{pos}", article_id=article_id, position=pos,
                          section=p.section or intro, speaker=speaker, text=p.text,
                          question=last_question if is_interviewee else None, is_interviewee=is_interviewee,
                          line=p.line, start=p.start))
        if not is_interviewee and p.kind not in ("narration", "interjection"):
            last_question = p.text
    return article, turns, notices


def iso_date(s: str) -> str:
    m = re.search(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", s or "")
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else (s or "").strip()


TIMESTAMP = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"


def seconds(stamp: str) -> float:
    """"01:02:03.5", "1:02", "00:00:01,000" -> seconds."""
    parts = stamp.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total
