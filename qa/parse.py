"""Stage 1, parse: a Markdown transcript -> an Article and its Turns, in order.

Two shapes are read, and may mix within one file:

- labelled turns: a paragraph opening with ``**Name：**`` (full-width or ASCII
  colon, also ``**Name**:``) starts a turn; the paragraphs after it belong to the
  same speaker until the next label, heading or rule;
- Q&A interviews: a question in bold italics (``_**…？**_``) is the interviewer's
  turn, and the unlabelled paragraphs after it are the interviewee's answer.

Prose that belongs to no speaker (an article's intro) becomes "Narrator" turns,
one per paragraph, so it can be read in context but is never the interviewee's.
Page furniture is dropped: images, link lists, metadata lines, the footer after
a "往期回顾"-style heading, and whatever follows a horizontal rule until the next
turn. Optional front matter (``key: value`` lines between ``---`` fences)
declares the interviewee, the interviewer's name and speaker aliases.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .types import Article, Turn

NARRATOR = "Narrator"

# Headings after which a WeChat-style page holds only furniture (links, adverts).
FURNITURE_HEADINGS = re.compile(
    r"^(往期回顾|往期推荐|推荐阅读|相关阅读|延伸阅读|精彩推荐|related( articles| reading)?|further reading|see also)$",
    re.IGNORECASE,
)
METADATA = {
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
# _**question？**_  |  **_question_**  |  ***question***
QUESTION = re.compile(r"^\s*(?:_\*\*|\*\*_|\*\*\*)\s*(?P<q>.+?)\s*(?:\*\*_|_\*\*|\*\*\*)\s*$")
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK_ONLY = re.compile(r"^\s*\[.*\]\([^)]*\)\s*$")
URL_ONLY = re.compile(r"^\s*\S{0,24}\s*\(?\s*(https?://)?[\w.-]+\.(com|cn|net|org|io|ai)(/\S*)?\s*\)?\s*$", re.I)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
CJK = re.compile(r"[\u3400-\u9fff]")
ASCII_WORD_END = re.compile(r"[A-Za-z0-9.,;:!?)\]'\"%]$")
ASCII_WORD_START = re.compile(r"^[A-Za-z0-9(\['\"]")


class SourceError(Exception):
    """A transcript that cannot be used; names the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass
class _Draft:
    speaker: str
    line: int
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])
    kind: str = "turn"  # "turn" | "question" | "narration"

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


def parse_aliases(spec: str) -> dict[str, str]:
    """``"Mira = Mira Murati; Jeff = Jeffrey Blackburn"`` -> {alias: canonical}."""
    aliases = {}
    for part in re.split(r"[;；\n]", spec or ""):
        alias, sep, canonical = part.partition("=")
        if sep and alias.strip() and canonical.strip():
            aliases[alias.strip().casefold()] = canonical.strip()
    return aliases


def short_question(question: str, limit: int = 30) -> str:
    """A section title from a question: its first sentence, editorial notes dropped."""
    q = re.sub(r"\[[^\]]*\]", "", question).strip()
    first = re.match(r"^.+?[？?。.!！](?=\s|$|[^\d])", q)
    s = (first.group(0) if first else q).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip("，,、 ") + "…"


def decode(data: bytes, path: str | Path) -> str:
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


def parse_file(path: str | Path, root: str | Path | None = None,
               default_interviewee: str = "Mira Murati") -> tuple[Article, list[Turn]]:
    """Read and parse one transcript file; raises SourceError naming the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SourceError(path, f"cannot be read ({e.strerror or e})") from None
    source = path.name if root is None else _relative(path, Path(root))
    article, turns = parse_text(decode(data, path), path.stem, source, default_interviewee)
    # Hash the bytes that were parsed, not the file again: it may change or vanish meanwhile.
    return replace(article, sha256=hashlib.sha256(data).hexdigest()), turns


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve().parent).as_posix()
    except ValueError:
        return path.as_posix()


def parse_text(text: str, article_id: str, source: str,
               default_interviewee: str = "Mira Murati") -> tuple[Article, list[Turn]]:
    """Parse a transcript's text; raises SourceError when it holds no interview turns."""
    meta, body, offset = read_front_matter(text)
    # Comments are notes for people; blank them but keep line numbers.
    body = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    interviewee = meta.get("interviewee") or default_interviewee
    aliases = {interviewee.casefold(): interviewee}
    for name in interviewee.split():
        aliases.setdefault(name.casefold(), interviewee)
    aliases.update(parse_aliases(meta.get("aliases", "")))
    interviewer = meta.get("interviewer") or "Interviewer"
    lines = body.split("\n")
    has_sections = any((m := HEADING.match(l)) and len(m.group(1)) >= 2 for l in lines)

    info: dict[str, str] = {}
    drafts: list[tuple[_Draft, str]] = []  # (draft, section)
    section = ""
    current: _Draft | None = None
    furniture = False  # after a rule: skip until the next turn starts

    def close() -> None:
        nonlocal current
        if current is not None and current.text():
            drafts.append((current, section))
        current = None

    for i, raw in enumerate(lines):
        lineno = offset + i + 1
        line = raw.strip()
        if not line:
            if current is not None:
                if current.kind == "narration":
                    close()
                else:
                    current.paragraph_break()
            continue
        if (h := HEADING.match(raw)):
            title = _inline(h.group(2))
            if "title" not in info and len(h.group(1)) == 1:
                info["title"] = title
                continue
            close()
            if FURNITURE_HEADINGS.match(title):
                break  # the rest of the page is link lists and adverts
            if not furniture and title:
                section = title
            continue
        if (m := METADATA_LINE.match(line)) and (current is None or current.kind == "narration"):
            key = METADATA[next(k for k in METADATA if k.casefold() == m.group(1).casefold())]
            if key and m.group(2).strip():
                info.setdefault(key, m.group(2).strip())
            close()
            continue
        if RULE.match(raw):
            close()
            furniture = True
            continue
        if (q := QUESTION.match(raw)):
            close()
            furniture = False
            question = _inline(q.group("q"))
            if not has_sections:
                section = short_question(question)
            qd = _Draft(interviewer, lineno, kind="question")
            qd.add(question)
            drafts.append((qd, section))
            current = _Draft(interviewee, lineno + 1)
            continue
        if (lab := LABEL.match(raw)):
            close()
            furniture = False
            name = (lab.group("a") or lab.group("b")).strip()
            current = _Draft(aliases.get(name.casefold(), name), lineno)
            current.add(_inline(lab.group("rest") if lab.group("a") else lab.group("rest2")))
            continue
        if furniture or LINK_ONLY.match(line) or URL_ONLY.match(line):
            continue
        text = _inline(IMAGE.sub("", line))
        if not text:
            continue
        if current is None:
            current = _Draft(NARRATOR, lineno, kind="narration")
        current.add(text)
    close()

    article = Article(
        article_id=article_id,
        title=meta.get("title") or info.get("title") or article_id,
        date=_iso_date(meta.get("date") or info.get("date", "")),
        url=meta.get("url") or info.get("url", ""),
        source=source,
        author=meta.get("author") or info.get("author", ""),
        place=meta.get("place") or info.get("place", ""),
        interviewee=interviewee,
    )
    if not any(d.kind != "narration" for d, _ in drafts):
        raise SourceError(source, "no interview turns found: expected '**Name：** text' labels "
                                  "or questions in bold italics ('_**question？**_')")
    intro = "引言" if is_chinese(body) else "Introduction"
    turns: list[Turn] = []
    last_question: str | None = None
    for pos, (d, sec) in enumerate(drafts):
        text = d.text()
        is_interviewee = d.speaker == interviewee
        turns.append(Turn(
            turn_id=f"{article_id}#{pos}",
            article_id=article_id,
            position=pos,
            section=sec or intro,
            speaker=d.speaker,
            text=text,
            question=last_question if is_interviewee else None,
            is_interviewee=is_interviewee,
            line=d.line,
        ))
        if not is_interviewee and d.kind != "narration":
            last_question = text
    return article, turns


def is_chinese(text: str) -> bool:
    """Whether a text is mostly Chinese (a Chinese character weighs about as much as a Latin word)."""
    cjk = len(CJK.findall(text))
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return cjk > 0 and cjk >= latin / 4


def _inline(s: str) -> str:
    """Strip emphasis markers that wrap a whole line; keep the words."""
    s = s.strip()
    while len(s) > 1 and s[0] in "*_" and s[-1] == s[0]:
        s = s[1:-1].strip()
    return s


def _iso_date(s: str) -> str:
    m = re.search(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", s)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else s.strip()


def source_files(directory: str | Path) -> list[Path]:
    """Transcript files in a folder, in a stable order (Markdown and plain text)."""
    d = Path(directory)
    return sorted(p for p in d.iterdir() if p.is_file() and p.suffix.lower() in (".md", ".markdown", ".txt"))


def load_sources(directory: str | Path, default_interviewee: str = "Mira Murati"
                 ) -> tuple[list[tuple[Article, list[Turn]]], list[SourceError]]:
    """Parse every transcript in a folder; bad files are reported, the rest still load.

    A file whose text duplicates an earlier one is reported and skipped, so the
    same answer is not indexed twice under two names.
    """
    d = Path(directory)
    if not d.is_dir():
        raise SourceError(d, "sources folder not found; create it and put Markdown transcripts in it")
    parsed: list[tuple[Article, list[Turn]]] = []
    errors: list[SourceError] = []
    seen: dict[str, str] = {}
    for path in source_files(d):
        try:
            article, turns = parse_file(path, d, default_interviewee)
        except SourceError as e:
            errors.append(SourceError(_relative(path, d), e.reason))
            continue
        key = "\n".join(t.text for t in turns)
        if key in seen:
            errors.append(SourceError(article.source, f"same transcript as {seen[key]}; skipped"))
            continue
        seen[key] = article.source
        parsed.append((article, turns))
    return parsed, errors
