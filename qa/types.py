"""The records that flow through the pipeline: articles, turns, answers.

All are frozen dataclasses with stable ids (derived from the source file and
the turn's position), so a citation stays valid across rebuilds of the index.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


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
    interviewee: str = "Mira Murati"
    sha256: str = ""  # of the source file's bytes as parsed

    def citation(self) -> dict:
        return {"title": self.title, "date": self.date, "url": self.url, "source": self.source}


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
        }


@dataclass(frozen=True)
class Result:
    """What `Assistant.ask` returns."""

    question: str
    answers: tuple[Answer, ...] = ()
    no_answer: bool = False
    notices: tuple[str, ...] = field(default=())  # e.g. "question truncated to 2000 characters"

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "no_answer": self.no_answer,
            "answers": [a.to_dict() for a in self.answers],
        }


def turn_to_dict(turn: Turn, article: Article) -> dict:
    """The `qa turns --json` shape."""
    d = asdict(turn)
    return {
        "turn_id": d["turn_id"],
        "article": article.citation(),
        "section": d["section"],
        "speaker": d["speaker"],
        "text": d["text"],
        "question": d["question"],
    }
