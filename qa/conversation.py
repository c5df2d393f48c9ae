"""A conversation with the assistant: follow-ups read against the last question, answers already shown
left out of the next ones, and the log a person exports. Plain data in and out (the app keeps a
`Conversation` per open page as a dict), so it serves any front end.

Flows in: a message and the conversation so far; flows out: what to search, which answers to show, and the
conversation after it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .lang import is_chinese, lang_of
from .types import Result

# "tell me more" asks for further answers to the last question; "why?" narrows it.
_MORE = re.compile(r"^(tell me more|more|go on|continue|what else|anything else|and\??|还有呢|还有吗|继续|再说说|"
                   r"多说一些|详细说说|展开说说|更多)[\s?？!！.。]*$", re.IGNORECASE)
_FOLLOW = re.compile(r"^(why|how|how so|really|and then|为什么|为何|怎么说|怎么会|然后呢|比如|例如|举个例子|真的吗)",
                     re.IGNORECASE)


def resolve_followup(question: str, previous: str | None) -> tuple[str, bool]:
    """(question to search, whether it asks for more answers to the previous one)."""
    q = question.strip()
    if not previous:
        return q, False
    if _MORE.match(q):
        return previous, True
    short = len(q) <= 8 if is_chinese(q) else len(q.split()) <= 3
    if short and _FOLLOW.match(q):
        return f"{previous} {q}", False
    return q, False


@dataclass
class Reading:
    """What one message became: what was searched, in which language to reply, and which answers to leave out."""

    message: str
    query: str
    lang: str
    leave_out: frozenset[str] = frozenset()  # turn ids already shown for this line of questions
    more: bool = False  # "tell me more": only further answers, or say there are none


@dataclass
class Conversation:
    """The questions so far: the last one searched, the answers shown for it, and the exportable log."""

    question: str | None = None
    lang: str = ""
    shown: list[str] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)
    scope: dict = field(default_factory=dict)  # whose turns and which articles the last answers were searched in

    @classmethod
    def from_state(cls, state: dict | None) -> "Conversation":
        state = state if isinstance(state, dict) else {}
        scope = state.get("scope")
        return cls(state.get("question"), state.get("lang", ""), list(state.get("shown", [])),
                   list(state.get("log", [])), dict(scope) if isinstance(scope, dict) else {})

    def to_state(self) -> dict:
        return {"question": self.question, "lang": self.lang, "shown": self.shown, "log": self.log,
                "scope": self.scope}

    def read(self, message: str) -> Reading:
        """How to answer `message`: a follow-up ("why?", "tell me more", "为什么？") is read against the last
        question, keeps its language, and leaves out the answers already shown."""
        query, more = resolve_followup(message, self.question)
        followup = query != message.strip()
        lang = self.lang if followup and self.lang else lang_of(message)
        leave_out = frozenset(self.shown) if followup else frozenset()
        return Reading(message.strip(), query, lang, leave_out, more)

    def answered(self, turn: Reading, result: Result, scope: dict | None = None) -> None:
        """Record the answers shown for `turn` (and their citations, for the export), and the `scope` they
        were searched in."""
        self.scope = dict(scope or {})
        followup = bool(turn.leave_out) or turn.more
        self.shown = sorted((set(self.shown) if followup else set()) | {a.turn.turn_id for a in result.answers})
        self.question, self.lang = turn.query, turn.lang
        self.log = self.log + [{"question": turn.message, "searched": turn.query, "answers": [
            {**a.to_dict(), "citation": a.citation(), "citation_markdown": a.citation(markdown=True)}
            for a in result.answers]}]


def leave_out(result: Result, turn: Reading, k: int) -> Result:
    """`result` without the answers already shown for this line of questions, at most `k` of them; a plain
    follow-up that finds nothing new shows its answers again rather than nothing."""
    if not turn.leave_out:
        return replace(result, answers=result.answers[:k])
    kept = tuple(a for a in result.answers if a.turn.turn_id not in turn.leave_out)[:k]
    if not kept and not turn.more:
        kept = result.answers[:k]
    return replace(result, answers=kept)


def export_markdown(log: list[dict]) -> str:
    """The conversation as Markdown: each question, then its answers' citations with their match labels."""
    md = ["# Murati QA: a conversation", ""]
    for entry in log:
        md += [f"## {entry['question']}", ""]
        if entry["searched"] != entry["question"]:
            md += [f"_Searched: {entry['searched']}_", ""]
        md += [f"**{a.get('match') or 'match'}** · {a['citation_markdown']}\n" for a in entry["answers"]] \
            or ["(the transcripts do not cover this)\n"]
    return "\n".join(md)


def export_name(log: list[dict]) -> str:
    """A file name for the export, from its first question: "murati-qa-what-does-she-think-about-ai"."""
    first = log[0]["question"] if log else ""
    slug = re.sub(r"[^\w]+", "-", first.lower(), flags=re.UNICODE).strip("-")[:48].strip("-")
    return f"murati-qa-{slug}" if slug else "murati-qa"
