"""Reader for Markdown and plain-text transcripts (and what the HTML and Word readers turn into).

Shapes read, which may mix within one file:

- bold labels: a paragraph opening with ``**Name：**`` (full-width or ASCII
  colon, also ``**Name**:``) starts a turn; the paragraphs after it belong to the
  same speaker until the next label, heading or rule;
- plain labels (in a file with no bold ones), as transcripts are exported: ``Name: text``, ``NAME: text``,
  ``Name (00:01:02): text``, ``[00:01:02] Name: text``, ``00:01:02 Name: text``, ``Name (role): text``,
  ``Speaker 1 (00:00):``, ``【主持人】text``, ``穆拉蒂（00:01:09）：text``,
  and a label alone on its line with the words on the lines after it (``Name  0:03``, ``Name - 00:01:02``,
  or the name with its time alone on the next line, or Zoom's ``[Name] 00:02:33``, as speech-to-text apps
  export them); a time alone between labelled turns (a meeting transcript's marks) is the time of the
  turns after it, not words. A plain label must look like a name and be
  one the file uses as a label at least twice, or a known speaker, or carry a
  time, or, in a file that has labels, be a full name (a guest speaking once): a
  sentence that merely holds a colon ("这有三点：…", "Note: …") is no speaker;
- ``Q:`` / ``A:`` (also ``问：`` / ``答：``, and in bold, ``**Q:**``) interviews: the answers are the
  interviewee's;
- Q&A articles: a question in bold italics (``_**…？**_``), or a whole paragraph
  in bold that ends in a question mark (``**…?**``, as press Q&As print them), is
  the interviewer's turn, and the unlabelled paragraphs after it are the
  interviewee's answer.

Prose that belongs to no speaker (an article's intro) becomes "Narrator" turns,
one per paragraph, so it can be read in context but is never the interviewee's.
Page furniture is dropped: images, link lists, metadata lines, the footer after
a "往期回顾"-style heading, and whatever follows a horizontal rule until the next
turn. Optional front matter (``key: value`` lines between ``---`` fences)
declares the title, date, link, interviewee, the interviewer's name and aliases.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from .common import (INTERVIEWEE, NARRATOR, STAGE_INLINE, STAGE_TAG, TIMESTAMP, UNKNOWN, Meta, Piece, Speakers,
                     decode, merge_runs, parse_aliases, repair, seconds)

# Headings after which a WeChat-style page holds only furniture (links, adverts).
FURNITURE_HEADINGS = re.compile(
    r"^(往期回顾|往期推荐|推荐阅读|相关阅读|延伸阅读|精彩推荐|related( articles| reading)?|further reading|see also)$",
    re.IGNORECASE,
)
METADATA = {
    "title": "title", "标题": "title",
    "文章作者": "author", "作者": "author", "author": "author",
    "发布时间": "date", "日期": "date", "date": "date", "published": "date",
    "发布地": "place", "地点": "place", "place": "place",
    "原文链接": "url", "链接": "url", "url": "url", "link": "url", "source": "url",
    "封面图链接": None, "cover": None, "cover image": None,
}
METADATA_LINE = re.compile(
    r"^\s*(" + "|".join(sorted(map(re.escape, METADATA), key=len, reverse=True)) + r")\s*[:：]\s*(.*)$",
    re.IGNORECASE,
)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
RULE = re.compile(r"^\s{0,3}([*_-])(\s*\1){2,}\s*$")
# **Name：** text   |   **Name**: text   (a name has no sentence punctuation in it)
LABEL = re.compile(
    r"^\s*\*\*\s*(?P<a>[^*\n，。？！,?!]{1,40}?)\s*[：:]\s*\*\*\s*(?P<rest>.*)$"
    r"|^\s*\*\*\s*(?P<b>[^*\n，。？！,?!]{1,40}?)\s*\*\*\s*[：:]\s*(?P<rest2>.*)$"
)
# _**question？**_  |  **_question_**  |  ***question***  |  **a question in bold alone?** (as press Q&As print them)
QUESTION = re.compile(r"^\s*(?:_\*\*|\*\*_|\*\*\*)\s*(?P<q>.+?)\s*(?:\*\*_|_\*\*|\*\*\*)\s*$"
                      r"|^\s*(?:\*\*|__)(?![*_])\s*(?P<b>[^*\n]+?[?？])\s*(?:\*\*|__)\s*$")
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK_ONLY = re.compile(r"^\s*\[.*\]\([^)]*\)\s*$")
URL_ONLY = re.compile(r"^\s*\S{0,24}\s*\(?\s*(https?://)?[\w.-]+\.(com|cn|net|org|io|ai)(/\S*)?\s*\)?\s*$", re.I)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
ASCII_WORD_END = re.compile(r"[A-Za-z0-9.,;:!?)\]'\"%]$")
ASCII_WORD_START = re.compile(r"^[A-Za-z0-9(\['\"]")
# A name: one to four capitalised words ("Kara Swisher", "Dr. Joy", "Speaker 1", "MIRA MURATI"), or two to
# eight Chinese characters ("穆拉蒂", "米拉·穆拉蒂", "说话人1" as Chinese transcription services number them).
_NAME = (r"(?:[A-Z][\w.'’-]+(?:\s(?:[A-Z0-9][\w.'’-]*|de|van|von|der|la|le|di|da|bin)){0,3}"
         r"|[\u3400-\u9fff·]{2,8}\d{0,2})")
# "Name: text", "[00:01:02] Name: text", "00:01:02 Name: text", "Name (00:01:02): text", "Name (role): text"
PLAIN_LABEL = re.compile(rf"^\s*(?:\[(?P<t1>{TIMESTAMP})\]\s*|(?P<t0>{TIMESTAMP})\s+)?(?P<name>{_NAME})\s*"
                         # "KARA LIN (host, 00:01:02):"
                         rf"(?:\((?!\s*{TIMESTAMP}\s*\))(?P<role>[^()\n]{{1,40}})\)\s*)?"
                         rf"(?:[(\[（](?P<t2>{TIMESTAMP})[)\]）])?\s*[:：]\s*(?P<rest>.*)$")
# "Kara Lin [00:01:02] words" (Sonix, Trint): a name, its time in brackets, the words, no colon
NAME_TIME_WORDS = re.compile(rf"^\s*(?P<name>{_NAME})\s+\[(?P<t>{TIMESTAMP})\]\s+(?P<rest>\S.*)$")
# "【主持人】你好" (full-width brackets, as Chinese transcripts mark speakers)
CJK_BRACKET_LABEL = re.compile(rf"^\s*【(?P<name>{_NAME})】\s*[:：]?\s*(?P<rest>.*)$")
# A label alone on its line, with a time or a colon: "Mira Murati  0:03", "Kara Swisher (00:01:02)",
# "Kara Swisher - 00:01:02", "[00:01:02] Name", "[Name] 14:02:33" (Zoom; "[Laughter]" without a time is
# no label), "Name:". (A bare name alone on a line is too often a title or a caption; it is a label only
# with a time alone on the next line: `_label_at`.)
ALONE_LABEL = re.compile(rf"^\s*(?:\[(?P<t1>{TIMESTAMP})\]\s*(?P<name1>{_NAME})\s*(?P<colon1>[:：])?"
                         rf"|\[(?P<name3>{_NAME})\]\s*(?P<t4>{TIMESTAMP})"
                         rf"|(?P<name>{_NAME})(?:\s+(?:[-–—|·]\s+)?\(?(?P<t2>{TIMESTAMP})\)?"
                         rf"|\s*\[(?P<t3>{TIMESTAMP})\])\s*[:：]?"
                         rf"|(?P<name2>{_NAME})\s*(?P<colon>[:：]))\s*$")
_TIME_IN = re.compile(TIMESTAMP)
_TIME_AFTER = re.compile(rf"^\s*[\[(](?P<t>{TIMESTAMP})[\])]\s*")  # a time opening a label's words
BARE_NAME = re.compile(rf"^\s*(?P<name>{_NAME})\s*$")
BARE_TIME = re.compile(rf"^\s*[\[(]?(?P<t>{TIMESTAMP})[\])]?\s*$")
# A transcript of times and words with no speaker ("0:03" on its own line and the words below it, or
# "[00:00:03] words", as a video site's transcript is copied): read only in a file with no labels at all.
TIME_LINE = re.compile(rf"^\s*[\[(]?(?P<t>{TIMESTAMP})[\])]?\s*(?:[-–—]\s*)?(?P<rest>.*)$")
MIN_TIME_LINES = 3
# A timed line's speaker in brackets after its time, as note-taking tools export a recording ("01:00- [Name]
# words"): a bracketed name that opens at least two timed lines, not a sound tag; a timed line without one
# continues the speaker before it.
TIMED_BRACKET = re.compile(rf"^\[(?P<name>{_NAME})\]\s*(?P<rest>.*)$")
BLOCKQUOTE = re.compile(r"^>(?!>)\s?")  # a Markdown blockquote line (not a caption's ">>" speaker change)
QA_LABEL = re.compile(r"^\s*(?P<qa>Q|A|Question|Answer|问|答)\s*[:：.]\s*(?P<rest>.*)$")
QA_NAMES = {"q": True, "question": True, "问": True, "a": False, "answer": False, "答": False}  # asks?
# Words that open a line with a colon without naming anyone.
NOT_NAMES = {w.casefold() for w in """Note Notes Update Updated Editor Correction Source Sources Photo Image Credit
Credits Summary Warning Tip Example Examples Date Title Link URL Tags Keywords Transcript Disclaimer Caption Video
Audio Read Watch Listen Related Subscribe Share Advertisement Important Background Context Update Edit Edited
Translation Translator Location Time Topic Topics Part Chapter Section Episode Season Laughter Applause Music
Inaudible Crosstalk Silence Pause Intro Outro Laughs Laughing Chuckles Sighs Cheering Cheers Groans Coughs
Singing""".split()}


@dataclass
class _Draft:
    speaker: str
    line: int
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])
    kind: str = "turn"  # "turn" | "question" | "narration"
    start: float | None = None

    def add(self, text: str) -> None:
        if text:
            self.paragraphs[-1].append(text)

    def paragraph_break(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def text(self) -> str:
        return "\n\n".join(join_lines(p) for p in self.paragraphs if p).strip()


def join_lines(lines: list[str]) -> str:
    """Undo the crawler's line wrapping.

    The seed pages were wrapped at spaces between Latin words ("Mira\\nMurati",
    "Dr.\\nJoy"), so a break between two Latin characters was a space; a break
    after a hyphen inside a word ("Dall-\\nE") was nothing; any other break is a
    real line break in the text and is kept.
    """
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith("-") and ASCII_WORD_START.match(line) and not out.endswith(" -"):
            out += line
        elif ASCII_WORD_END.search(out) and ASCII_WORD_START.match(line):
            out += " " + line
        else:
            out += "\n" + line
    return out


def read_front_matter(text: str) -> tuple[dict[str, str], str, int]:
    """Split ``---`` front matter off; returns (fields, body, lines consumed)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text, 0
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() == "---":
            fields = {}
            for raw in lines[1:end]:
                key, sep, value = raw.partition(":")
                if sep and key.strip():
                    fields[key.strip().lower()] = value.strip()
            return fields, "\n".join(lines[end + 1:]), end + 1
    return {}, text, 0


def short_question(question: str, limit: int = 30) -> str:
    """A section title from a question: its first sentence, editorial notes dropped."""
    q = re.sub(r"\[[^\]]*\]", "", question).strip()
    first = re.match(r"^.+?[？?。.!！](?=\s|$|[^\d])", q)
    s = (first.group(0) if first else q).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip("，,、 ") + "…"



def read(text: str, default_interviewee: str, catalog: Meta | None = None) -> tuple[Meta, list[Piece]]:
    """A transcript's text -> (its metadata, its pieces in order)."""
    front, body, offset = read_front_matter(text)
    # Comments are notes for people; blank them but keep line numbers.
    body = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    meta = Meta(title=front.get("title", ""), date=front.get("date", ""),
                url=front.get("url", "") or front.get("link", ""),
                author=front.get("author", ""), place=front.get("place", ""),
                interviewee=front.get("interviewee", ""), interviewer=front.get("interviewer", ""),
                aliases=parse_aliases(front.get("aliases", "")))
    if catalog is not None:  # the file's own front matter wins; the catalogue fills the rest
        meta = meta.fill(catalog)
    lines, marks, video = time_marks(body.split("\n"))
    reader = _Reader(lines, marks, offset, meta, default_interviewee)
    for i, raw in enumerate(lines):
        if reader.line(i, raw) is _STOP:
            break
    reader.close()
    pieces = reader.pieces
    if reader.timed_lines:  # one speaker's timed lines: paragraphs, each with its time (common.merge_runs)
        pieces = merge_runs(pieces)
    info = reader.info
    meta = meta.fill(Meta(title=info.get("title", ""), date=info.get("date", ""), url=info.get("url", "") or video,
                          author=info.get("author", ""), place=info.get("place", "")))
    return meta, pieces


_STOP = object()  # the rest of the page is furniture


class _Reader:
    """The state of reading a transcript's lines in order: the turn being drafted, the section, the metadata
    lines seen, and what the file's shape says about its labels (decided once, from all of its lines)."""

    def __init__(self, lines: list[str], marks: dict[int, float], offset: int, meta: Meta, default_interviewee: str):
        self.lines, self.marks, self.offset, self.meta = lines, marks, offset, meta
        self.speakers = Speakers(meta.aliases, [meta.interviewee or default_interviewee])
        # A file that marks its turns in bold (labels or questions) marks all of them so: plain labels are
        # read only in files that have none. Q:/A: are labels only in a file that uses both.
        marked = any(LABEL.match(l) or QUESTION.match(l) for l in lines)
        meta.spoken = meta.spoken and not marked  # an edited article keeps every short line as a turn
        self.labels = set() if marked else _plain_labels(lines, self.speakers)
        qa_marks = {QA_NAMES[m.group("qa").casefold()] for l in lines if (m := QA_LABEL.match(l))}
        self.qa_labels = not marked and qa_marks == {True, False}
        self.has_sections = any((m := HEADING.match(l)) and len(m.group(1)) >= 2 for l in lines)
        self.timed_lines = not marked and not self.labels and not self.qa_labels and \
            sum(bool(TIME_LINE.match(l)) for l in lines) >= MIN_TIME_LINES
        named = Counter(m.group("name") for l in lines if (t := TIME_LINE.match(l))
                        and (m := TIMED_BRACKET.match(t.group("rest"))) and not STAGE_INLINE.match(t.group("rest")))
        self.timed_names = {n for n, k in named.items() if k >= 2} if self.timed_lines else set()
        self.timed_speaker: str | None = None  # the last named speaker of timed lines
        self.interviewer = meta.interviewer or "Interviewer"
        self.info: dict[str, str] = {}
        self.skip: set[int] = set()
        self.block_time: str | None = None
        self.pieces: list[Piece] = []
        self.section = ""
        self.current: _Draft | None = None
        self.furniture = False  # after a rule: skip until the next turn starts

    def close(self) -> None:
        c = self.current
        if c is not None and c.text():
            self.pieces.append(Piece(c.speaker, c.text(), c.kind, self.section, c.start, c.line))
        self.current = None

    def start(self, speaker: str, i: int, rest: str = "", at: str | None = None) -> None:
        self.close()
        self.furniture = False
        if at is None and (after := _TIME_AFTER.match(rest)):  # "**Name:** [00:00:02] words"
            at, rest = after.group("t"), rest[after.end():]
        self.current = _Draft(speaker, self.offset + i + 1, start=seconds(at) if at else self.marks.get(i))
        self.current.add(_inline(rest))

    def line(self, i: int, raw: str):
        """Read one line: structure (blank, heading, metadata, rule), a turn's start, or words."""
        handled = self._structure(i, raw)
        if handled is not None:
            return handled
        if self._turn_start(i, raw):
            return None
        self._words(i, raw)
        return None

    def _structure(self, i: int, raw: str):
        """A blank line, heading, metadata line or rule: True (or _STOP) when it was one."""
        if not raw.strip():
            if self.current is not None:
                if self.current.kind == "narration":
                    self.close()
                else:
                    self.current.paragraph_break()
            return True
        if (h := HEADING.match(raw)):
            return self._heading(h)
        if (m := METADATA_LINE.match(raw.strip())) and (self.current is None or self.current.kind == "narration"):
            key = METADATA[next(k for k in METADATA if k.casefold() == m.group(1).casefold())]
            if key and m.group(2).strip():
                self.info.setdefault(key, m.group(2).strip())
            self.close()
            return True
        if RULE.match(raw):
            self.close()
            self.furniture = True
            return True
        return None

    def _heading(self, h: re.Match):
        title = _inline(h.group(2))
        if "title" not in self.info and len(h.group(1)) == 1:
            self.info["title"] = title
            return True
        self.close()
        if FURNITURE_HEADINGS.match(title):
            return _STOP
        if not self.furniture and title:
            self.section = title
        return True

    def _turn_start(self, i: int, raw: str) -> bool:
        """A line that starts a turn (a question, a label, a time), or is part of a label: True."""
        if (q := QUESTION.match(raw)):
            question = _inline(q.group("q") or q.group("b"))
            self.close()  # the answer before ends in its own section
            if not self.has_sections:
                self.section = short_question(question)
            self.start(self.interviewer, i, question)
            self.current.kind = "question"
            self.close()
            self.current = _Draft(INTERVIEWEE, self.offset + i + 2)
            return True
        if (lab := LABEL.match(raw)):
            name = (lab.group("a") or lab.group("b")).strip()
            rest = lab.group("rest") if lab.group("a") else lab.group("rest2")
            if name.casefold() in QA_NAMES:  # "**Q:**" / "**A:**", as press Q&As print them
                self.start(self.interviewer if QA_NAMES[name.casefold()] else INTERVIEWEE, i, rest)
            else:
                self.start(self.speakers(name), i, rest)
            return True
        if self.qa_labels and (qa := QA_LABEL.match(raw)):
            asker = QA_NAMES[qa.group("qa").casefold()]
            self.start(self.interviewer if asker else INTERVIEWEE, i, qa.group("rest"))
            return True
        return self._plain_turn_start(i, raw)

    def _plain_turn_start(self, i: int, raw: str) -> bool:
        if i in self.skip:  # the time line of a name-then-time label
            return True
        if self.labels and (lab := _label_at(self.lines, i)) and lab.name in self.labels:
            self.start(self.speakers(lab.name), i, lab.rest, lab.time or self.block_time)
            self.skip.update(range(i + 1, i + lab.lines))
            return True
        if self.labels and (t := BARE_TIME.match(raw)):  # a time between labelled turns (a meeting transcript's
            self.block_time = t.group("t")              # marks): the time of the turns after it, not words
            return True
        if self.timed_lines and (t := TIME_LINE.match(raw)) and (t.group("rest") or _words_follow(self.lines, i)):
            rest = t.group("rest")
            if (m := TIMED_BRACKET.match(rest)) and m.group("name") in self.timed_names:
                self.timed_speaker, rest = self.speakers(m.group("name")), m.group("rest")
            who = NARRATOR if STAGE_TAG.match(rest) else self.timed_speaker  # "00:31- [Music]": the room's
            self.start(who or (INTERVIEWEE if self.meta.interviewee else UNKNOWN), i, rest, t.group("t"))
            return True
        return False

    def _words(self, i: int, raw: str) -> None:
        line = raw.strip()
        if self.furniture or LINK_ONLY.match(line) or URL_ONLY.match(line):
            return
        quoted = BLOCKQUOTE.match(line)
        if quoted:  # "> 注：…" between turns: the editor's, not the last speaker's words
            line = line[quoted.end():]
            if self.current is None or self.current.kind != "narration":
                self.close()
                self.current = _Draft(NARRATOR, self.offset + i + 1, kind="narration")
        if self.labels and (t := _TIME_AFTER.match(line)):  # "(00:01:23) words": a labelled turn's next
            line = line[t.end():]                              # paragraph, opened by its time
            if self.current is not None and self.current.start is None:
                self.current.start = seconds(t.group("t"))
        text = _inline(IMAGE.sub("", line))
        if not text:
            return
        if self.current is None:
            self.current = _Draft(NARRATOR, self.offset + i + 1, kind="narration")
        if self.current.start is None and i in self.marks:  # a turn's first time mark, wherever its paragraph ends
            self.current.start = self.marks[i]
        self.current.add(text)


# Times written into the text by machine transcripts: a linked time closing a paragraph
# ("… [[00:21](https://www.youtube.com/watch?v=…&t=21)]"), a bare one ("… [00:00:13]"), or one opening a
# heading ("## [[00:12](…)] Section", "## [00:53:00] Section"). They are the turn's or the section's start,
# not words; the video they link to is the transcript's recording.
_LINKED_TIME = rf"\[?\[(?P<t>{TIMESTAMP})\]\((?P<url>[^()\s]+)\)\]?"
_TRAILING_TIME = re.compile(rf"\s*(?:{_LINKED_TIME}|\[(?P<t2>{TIMESTAMP})\])\s*$")
_HEADING_TIME = re.compile(rf"^(?P<h>\s{{0,3}}#{{1,6}}\s*)"
                           rf"(?:{_LINKED_TIME}|\[(?P<t2>{TIMESTAMP})\]|(?P<t3>{TIMESTAMP}))"
                           rf"\s*[-–—:]?\s*(?P<rest>.*)$")


def time_marks(lines: list[str]) -> tuple[list[str], dict[int, float], str]:
    """Lines without their time marks, the time each marked line gives (by index), and the recording's
    link (the first linked time's, without its time)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    out, marks, video = [], {}, ""
    for i, line in enumerate(lines):
        m = _HEADING_TIME.match(line) or _TRAILING_TIME.search(line)
        if not m or (m.re is _TRAILING_TIME and not line[:m.start()].strip()):
            out.append(line)
            continue
        stamp = m.group("t") or m.group("t2") or (m.groupdict().get("t3"))
        marks[i] = seconds(stamp)
        if m.group("url") and not video and re.match(r"https?://", m.group("url")):
            parts = urlsplit(m.group("url"))
            query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "t"])
            video = urlunsplit(parts._replace(query=query, fragment=""))
        out.append(m.group("h") + m.group("rest") if m.re is _HEADING_TIME else line[:m.start()])
    return out, marks, video


class _Label(NamedTuple):
    name: str
    time: str | None  # as written, or None
    sure_time: bool  # a time that makes the label certain on first sight (not one that opens a sentence)
    rest: str  # words after the label on its line
    lines: int  # lines the label takes: more than 1 for a name alone with its time alone below it


def _label_at(lines: list[str], i: int) -> _Label | None:
    """The plain label that opens line `i`, if one of the shapes in the module docstring does."""
    raw = lines[i]
    if (m := PLAIN_LABEL.match(raw)):
        # an unbracketed time before a name ("0:03 So: …") is as likely the start of a caption line
        in_role = _TIME_IN.search(m.group("role") or "")
        time = m.group("t1") or m.group("t2") or (in_role.group(0) if in_role else None)
        rest = m.group("rest")
        if not time and (after := _TIME_AFTER.match(rest)):  # "Speaker 1: [00:00:02] words" (Rev, Sonix)
            time, rest = after.group("t"), rest[after.end():]
        return _Label(m.group("name"), time or m.group("t0"), bool(time), rest, 1)
    if (m := NAME_TIME_WORDS.match(raw)):
        return _Label(m.group("name"), m.group("t"), True, m.group("rest"), 1)
    if (m := CJK_BRACKET_LABEL.match(raw)) and (m.group("rest") or _words_follow(lines, i)):
        return _Label(m.group("name"), None, False, m.group("rest"), 1)
    # "Mira Murati (00:12)" alone, or in emphasis ("*Mira Murati (00:12)*", as podcast sites write it)
    if (m := ALONE_LABEL.match(raw) or ALONE_LABEL.match(_inline(raw))) and _words_follow(lines, i):
        time = m.group("t1") or m.group("t2") or m.group("t3") or m.group("t4")
        return _Label(_alone_name(m), time, bool(time), "", 1)
    if (m := BARE_NAME.match(raw)) and i + 1 < len(lines):  # a name alone, its time below: a label if it recurs
        below = lines[i + 1]
        if (t := BARE_TIME.match(below)) and _words_follow(lines, i + 1):
            return _Label(m.group("name"), t.group("t"), False, "", 2)  # "Kara Swisher" / "00:01:02" / words
        if (t := _TIME_AFTER.match(below)) and below[t.end():].strip():  # "Mira Murati" / "(00:00:12) words"
            return _Label(m.group("name"), t.group("t"), False, below[t.end():], 2)
    return None


def _plain_labels(lines: list[str], speakers: Speakers) -> set[str]:
    """The unbolded labels of a file that name speakers (see the module docstring)."""
    seen: Counter[str] = Counter()
    timed: set[str] = set()
    for i in range(len(lines)):
        if not (lab := _label_at(lines, i)):
            continue
        seen[lab.name] += 1
        if lab.sure_time:
            timed.add(lab.name)
    return accepted_labels(seen, timed | {name for name in seen if speakers.knows(name)})


def accepted_labels(seen: Counter[str], sure: set[str]) -> set[str]:
    """Of the openings a file uses as labels (`seen`: how often each), those that name speakers: no common
    opening word (NOT_NAMES), and used twice or `sure` on first sight; then, in a file that has such labels,
    a full name used once too ("Tom Reyes: a question from the floor"), not words of whoever spoke before."""
    candidates = {name for name in seen if re.sub(r"['’]s$", "", name.split()[0]).casefold() not in NOT_NAMES}
    labels = {name for name in candidates if seen[name] >= 2 or name in sure}
    return labels | {name for name in candidates if labels and looks_like_full_name(name)}


def looks_like_full_name(name: str) -> bool:
    """Two to four capitalised Latin words ("Tom Reyes", "Audience Member"), or a name in capitals
    ("AUDIENCE"): a label even when a file uses it once. (A Chinese label must recur: "这有三点：" is not one.)"""
    words = name.split()
    if not all(w[0].isascii() for w in words):
        return False
    return (len(words) >= 2 and all(w[0].isupper() or w.isdigit() for w in words)) or \
        (name.isupper() and sum(c.isalpha() for c in name) >= 2)


def _alone_name(m: re.Match) -> str:
    return m.group("name") or m.group("name1") or m.group("name2") or m.group("name3")


def _next_line(lines: list[str], i: int) -> int | None:
    """The next line after `i` with text, one blank line between allowed (a Word document's paragraphs)."""
    for j in (i + 1, i + 2):
        if j < len(lines) and lines[j].strip():
            return j
    return None


def _words_follow(lines: list[str], i: int) -> bool:
    """Whether the next line after a lone label holds words (not a heading or another label)."""
    j = _next_line(lines, i)
    return j is not None and not HEADING.match(lines[j]) and not ALONE_LABEL.match(lines[j]) \
        and not BARE_TIME.match(lines[j])


def _inline(s: str) -> str:
    """Strip emphasis markers that wrap a whole line; keep the words."""
    s = s.strip()
    while len(s) > 1 and s[0] in "*_" and s[-1] == s[0]:
        s = s[1:-1].strip()
    return s




def read_file(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
              ) -> tuple[Meta, list[Piece]]:
    found = Meta()
    text = repair(decode(data, source), found)
    return read(text, default_interviewee, (catalog or Meta()).fill(found))
