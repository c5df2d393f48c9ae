"""Stage 6, present: results and turns as terminal text or JSON lines."""
from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import replace

from .labels import LABELS
from .lang import is_chinese
from .types import Article, Result, Turn, clock, moment_url, turn_to_dict

# The terminal says what the app says (labels.py), in a sentence's lower case.
READ_AS = {kind: text[0].lower() + text[1:] + ("{}" if kind == "claim" else "")
           for kind, text in LABELS["en"]["read_as"].items()}
FRAMED = LABELS["en"]["framed"][0].lower() + LABELS["en"]["framed"][1:] + "{}"
SAID_HERE = LABELS["en"]["said"]
NO_ANSWER = {lang: LABELS[lang]["none"] for lang in LABELS}
VERSION = LABELS["en"]["version"]


def result_json(result: Result) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False)


def by_date(result: Result) -> Result:
    """The same answers ordered by interview date (undated last), best first within a date."""
    answers = sorted(result.answers, key=lambda a: (a.article.date or "9999", a.rank))
    return replace(result, answers=tuple(answers))


def result_text(result: Result, width: int | None = None, cite: bool = False) -> str:
    """Readable cited answers for a terminal; with `cite`, each one's citation text to copy."""
    width = width or min(100, shutil.get_terminal_size((100, 20)).columns)
    lang = "zh" if is_chinese(result.question) else "en"
    lines = [f"Q: {result.question}", ""]
    for n in result.notices:
        lines.append(f"note: {n}")
    if result.kind in READ_AS:
        lines.append(FRAMED.format(result.searched) if result.framed else READ_AS[result.kind].format(result.searched))
    if result.no_answer:
        lines.append(NO_ANSWER[lang])
        return "\n".join(lines)
    for a in result.answers:
        art = a.article
        lines.append(f"[{a.rank}] {a.turn.speaker} — {a.match or f'score {a.score:.2f}'}"
                     + (f" · {SAID_HERE}" if a.said_here else "") + (f" · {art.date}" if art.date else ""))
        if a.said_here:  # the matched words in their place, between 【】
            before, quote, after = a.in_context()
            lines.extend(_wrap(f"{before}【{quote}】{after}", width, "    "))
        else:
            lines.extend(_wrap(f"“{a.quote}”", width, "    "))
        if a.turn.question:
            lines.extend(_wrap(f"asked: {a.turn.question}", width, "    "))
        at = f" · at {clock(a.turn.start)}" if a.turn.start is not None else ""
        lines.append("    " + " · ".join(x for x in (art.title, a.turn.section, art.date) if x) + at)
        lines.append(f"    {moment_url(art.url, a.turn.start)}")
        lines.append(f"    {a.turn.turn_id}  ({art.source}, line {a.turn.line})")
        if a.version:  # the same words in the other version of the conversation (qa align)
            v = a.version
            at_v = f" · at {clock(v['start'])}" if v.get("start") is not None else ""
            lines.extend(_wrap(f"{VERSION[v['role']]}{at_v}: “{v['text']}”", width, "    "))
            link = f" · {v['url_at']}" if v["url_at"] else ""
            lines.append(f"      {v['article']['title']} · {v['turn_id']}{link}")
        if cite:
            lines.append("    cite: " + a.citation())  # one line, unwrapped: it is made to be copied
        lines.append("")
    return "\n".join(lines).rstrip()


def alignment_text(al, index, width: int = 60) -> str:
    """An alignment as the terminal shows it: each turn pair (or a turn without counterpart) with its score and
    the openings of both sides, and inside it the sentence pairs."""
    turns = {t.turn_id: t for t in index.turns if t.article_id in (al.a, al.b)}
    paired = sum(1 for p in al.pairs if p.a and p.b)
    lines = [f"{al.a}  ~  {al.b}: {paired} turn pairs; {al.anchors:.0%} of the shorter one's turns are anchors "
             f"(mutual nearest neighbours), {al.chance:.1f} standard deviations above chance; {al.seconds:.2f} s", ""]

    def side(ids, spans=None) -> str:
        if spans:
            return " ".join(turns[tid].text[s:e] for tid, s, e in spans)
        return " / ".join(turns[t].text.replace("\n", " ") for t in ids)

    for p in al.pairs:
        if p.a and p.b:
            lines.append(f"{', '.join(p.a)}  <->  {', '.join(p.b)}   {p.score:+.3f}")
            lines.append(f"    A: {_clip(side(p.a), width * 2)}")
            lines.append(f"    B: {_clip(side(p.b), width * 2)}")
            for sp in p.sentences:
                a_text, b_text = _clip(side((), sp.a), width), _clip(side((), sp.b), width)
                lines.append(f"      {sp.score:+.3f}  {a_text}  <->  {b_text}")
        else:
            tid = (p.a or p.b)[0]
            lines.append(f"{tid}  (no counterpart in {al.b if p.a else al.a})  {_clip(side((tid,)), width)}")
    return "\n".join(lines)


def turn_json(turn: Turn, article: Article) -> str:
    return json.dumps(turn_to_dict(turn, article), ensure_ascii=False)


def turns_table(turns: list[tuple[Turn, Article]], width: int | None = None) -> str:
    """One line per turn: id, speaker, section, start of the text."""
    width = width or shutil.get_terminal_size((120, 20)).columns
    rows = []
    for t, _ in turns:
        text = t.text.replace("\n", " ")
        at = f"{clock(t.start):>8} " if t.start is not None else ""
        head = f"{t.turn_id:<40} {_pad(_clip(t.speaker, 18), 18)} {_pad(_clip(t.section, 20), 20)} {at}"
        rows.append(head + _clip(text, max(20, width - _display_width(head))))
    return "\n".join(rows)


def _display_width(s: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _display_width(s))


def _clip(s: str, width: int) -> str:
    out, w = "", 0
    for c in s:
        cw = 2 if ord(c) > 0x2E80 else 1
        if w + cw > width - 1 and len(s) > len(out) + 1:
            return out + "…"
        out += c
        w += cw
    return out


def _wrap(text: str, width: int, indent: str) -> list[str]:
    # CJK has no spaces to break at; wrap by display width, keeping Latin words whole where possible.
    lines = []
    for para in text.split("\n"):
        if not any(ord(c) > 0x2E80 for c in para):
            lines.extend(textwrap.wrap(para, width - len(indent), initial_indent=indent,
                                       subsequent_indent=indent) or [indent])
            continue
        cur, w = "", 0
        for c in para:
            cw = 2 if ord(c) > 0x2E80 else 1
            if w + cw > width - len(indent):
                lines.append(indent + cur)
                cur, w = "", 0
            cur += c
            w += cw
        lines.append(indent + cur)
    return lines
