"""The records that flow through the pipeline: articles, turns, answers.

All are frozen dataclasses with stable ids (derived from the source file and
the turn's position), so a citation stays valid across rebuilds of the index.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .query import framed


@dataclass(frozen=True)
class Article:
    """One transcript file: where a quote comes from."""

    article_id: str  # the source file's stem, e.g. "2024-06-21-dartmouth-conversation"
    title: str
    date: str  # ISO date, "" when the source does not say
    url: str
    source: str  # path relative to the sources folder's parent, e.g. "sources/x.md"
    author: str = ""
    place: str = ""
    interviewee: str = "Mira Murati"  # "" when no speaker of the file is known to be the interviewee
    sha256: str = ""  # of the source file's bytes as parsed
    language: str = ""  # "zh" or "en": the language of its turns (set by the build)
    same_as: str = ""  # another version of the same conversation: its file name or article id (qa/align.py)

    def citation(self) -> dict:
        return {"title": self.title, "date": self.date, "url": self.url, "source": self.source}

    @property
    def conversation_of(self) -> str:
        """Whose conversation this is: its interviewee, or for a file without one, the file itself."""
        return self.interviewee or "#" + self.article_id


@dataclass(frozen=True)
class Turn:
    """One speaker turn, verbatim, with the question that prompted it."""

    turn_id: str  # "<article_id>#<position>", stable while the file is unchanged above it
    article_id: str
    position: int  # 0-based order of the turn within its article
    section: str
    speaker: str
    text: str
    question: str | None  # the nearest earlier turn by someone else, for the interviewee's turns
    is_interviewee: bool = False
    line: int = 0  # 1-based line in the source where the turn starts
    start: float | None = None  # seconds into the recording, for timed sources (subtitles, speech-to-text)


@dataclass(frozen=True)
class Answer:
    """A retrieved turn with the sentences that best answer the question."""

    rank: int
    score: float
    turn: Turn
    article: Article
    quote: str  # one to three sentences of turn.text, verbatim
    quote_start: int  # character offsets of the quote inside turn.text
    quote_end: int
    match: str = ""  # how strong the match is: "answers it" | "related" | "loosely related" (retrieve.MATCH)
    said_here: bool = False  # a quote or claim matched strongly: the quote is where she said it
    # The quote in the other version of the conversation (align.Versions.other): "role" ("original" or
    # "rendering"), "text", "turn_id", "start", "url_at", "article"; None where there is no other version.
    version: dict | None = None

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "score": round(float(self.score), 4),
            "turn_id": self.turn.turn_id,
            "speaker": self.turn.speaker,
            "text": self.turn.text,
            "quote": self.quote,
            "question": self.turn.question,
            "article": self.article.citation(),
            "section": self.turn.section,
            "match": self.match,
            "said_here": self.said_here,
            "start": self.turn.start,
            "url_at": moment_url(self.article.url, self.turn.start),
            **({self.version["role"]: {k: v for k, v in self.version.items() if k != "role"}} if self.version else {}),
        }

    def in_context(self, chars: int = 80) -> tuple[str, str, str]:
        """(before, quote, after): the quote with up to `chars` characters of the turn on each side, cut at a
        sentence or clause end where one is near, "…" where the turn goes on."""
        text, a, b = self.turn.text, self.quote_start, self.quote_end
        before, after = text[max(0, a - chars):a], text[b:b + chars]
        cut = max((before.rfind(c) for c in "。！？.!?；;\n"), default=-1)
        if a > chars:
            before = "…" + (before[cut + 1:] if cut >= 0 else before)
        ends = [i for i in (after.find(c) for c in "。！？!?；;\n") if i >= 0]
        if b + chars < len(text):
            after = (after[:min(ends) + 1] if ends else after) + "…"
        return before.lstrip(), self.quote, after.rstrip()

    def citation(self, markdown: bool = False) -> str:
        """The quote with everything a reader needs to check it: speaker, title, section, date, time, link."""
        art, t = self.article, self.turn
        at = f"at {clock(t.start)}" if t.start is not None else ""
        link = moment_url(clean_url(art.url), t.start)
        if markdown:  # the transcript's words are text, never markup: no raw HTML, no link of their own
            safe_link = link.translate({ord(c): f"%{ord(c):02X}" for c in "<>() "})
            title = f"[{md_escape(art.title)}]({safe_link})" if link else md_escape(art.title)
            where = ", ".join(x for x in (title, md_escape(t.section), art.date, at) if x)
            quote = "\n> ".join(md_escape(line) for line in self.quote.split("\n"))
            return f"> {quote}\n\n— {md_escape(t.speaker)}, {where}"
        where = ", ".join(x for x in (f"\u201c{art.title}\u201d", t.section, art.date, at, link) if x)
        return f"\u201c{self.quote}\u201d — {t.speaker}, {where}"


@dataclass(frozen=True)
class Result:
    """What `Assistant.ask` returns."""

    question: str
    answers: tuple[Answer, ...] = ()
    no_answer: bool = False
    notices: tuple[str, ...] = field(default=())  # e.g. "question truncated to 2000 characters"
    kind: str = "question"  # how it was read: "question", "quote" or "claim" (query.py)
    searched: str = ""  # what was searched: the quote without its marks, the claim without its frame

    @property
    def framed(self) -> bool:
        """A quote out of a press passage, the writer's words around it left out (query.framed)."""
        return self.kind == "quote" and framed(self.question)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "kind": self.kind,
            "searched": self.searched or self.question,
            "no_answer": self.no_answer,
            "notices": list(self.notices),
            "answers": [a.to_dict() for a in self.answers],
        }


def turn_to_dict(turn: Turn, article: Article) -> dict:
    """The `qa turns --json` shape."""
    d = asdict(turn)
    out = {
        "turn_id": d["turn_id"],
        "article": article.citation(),
        "section": d["section"],
        "speaker": d["speaker"],
        "text": d["text"],
        "question": d["question"],
    }
    if turn.start is not None:
        out["start"] = turn.start
    return out


def clock(seconds: float | None) -> str:
    """1770.0 -> "29:30"; 3725 -> "1:02:05"; None -> ""."""
    if seconds is None:
        return ""
    s = int(seconds)
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


_MEDIA_FILE = re.compile(r"\.(mp3|mp4|m4a|m4v|webm|ogg|oga|ogv|wav|flac|aac|mov)$", re.IGNORECASE)


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#!~&])")


def md_escape(text: str) -> str:
    """Text as Markdown shows it literally: every character that could open markup, a link, an image or raw
    HTML is escaped (CommonMark backslash escapes)."""
    return _MARKDOWN.sub(r"\\\1", text or "")


# Query parameters that track who shared a link, not which page it is.
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|spm|si|feature|share_\w+|sharer_\w+)$")
_WECHAT_KEEP = ("__biz", "mid", "idx", "sn")  # what names a WeChat article; chksm, scene, … are the sharer's


def clean_url(url: str) -> str:
    """A link as a citation carries it: what identifies the page, without tracking parameters."""
    if not url:
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if parts.netloc.lower() == "mp.weixin.qq.com" and any(k == "__biz" for k, _ in query):
        return urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k in _WECHAT_KEEP], safe="="),
                                         fragment=""))
    kept = [(k, v) for k, v in query if not _TRACKING.match(k)]
    return url if len(kept) == len(query) else urlunsplit(parts._replace(query=urlencode(kept)))


def moment_url(url: str, seconds: float | None) -> str:
    """The article's link at a moment of its recording, where the site takes one; else the link itself.

    YouTube takes `t=` in the query, Vimeo `#t=…s`, a bare media file the Media Fragments `#t=`.
    """
    if not url or seconds is None:
        return url
    t = int(seconds)
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
    if host in ("youtube.com", "youtu.be", "music.youtube.com"):
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "t"] + [("t", f"{t}s")]
        return urlunsplit(parts._replace(query=urlencode(query), fragment=""))
    if host == "vimeo.com":
        return urlunsplit(parts._replace(fragment=f"t={t}s"))
    if _MEDIA_FILE.search(parts.path):
        return urlunsplit(parts._replace(fragment=f"t={t}"))
    return url
