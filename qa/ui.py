"""The browser app: a Gradio chat over the index, and a transcript reader.

- `/`                 the chat (Gradio Blocks): question in, her cited words out;
- `/ask`              named API endpoint (question, k) -> the JSON of `qa ask --json`;
- `/transcript/{id}`  a whole article, the cited turn highlighted in place.

Everything from a transcript or a question is HTML-escaped before it is put
on the page, so a question with markup shows as text and injects nothing. The
transcript route looks articles up by id in the loaded index and never touches
the file system with user input.
"""
from __future__ import annotations

import html
import re
import threading
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import quote as urlquote

from .parse import READERS, is_chinese
from .retrieve import Assistant, QuestionError
from .parse import CATALOG as CATALOG_NAME
from .upload import MAX_UPLOAD_BYTES, check_upload_size
from .types import Answer, Result, Turn, clock, moment_url

EXAMPLES = [
    "她如何看待AI监管？",
    "AI会让很多人失业吗？",
    "如果用户想要一个会生气的聊天机器人呢？",
    "What does she think about AI in education?",
    "Was the Sky voice meant to sound like Scarlett Johansson?",
    "Why did OpenAI build ChatGPT itself?",
]

LABELS = {
    "zh": {"asked": "提问", "full": "完整回答", "context": "上下文", "read": "在原文中阅读", "source": "原文链接",
           "none": "这些访谈里没有谈到这个问题。可以换个说法，或者试试下面的示例问题。",
           "resolved": "理解为", "more_none": "关于这个问题，没有更多的回答了。", "rank": "第{}条",
           "no_articles": "请在右侧至少选择一篇文章。", "at": "时间", "cite": "引用", "more": "更多（相关度较低）",
           "link": "此回答的链接", "why": "匹配", "by_date": "按采访日期", "copy": "复制引用",
           "copy_md": "复制 Markdown", "said": "原话出处",
           "read_as": {"quote": "按引文查找：逐句匹配她的原话", "claim": "理解为一种说法，查找："},
           "match": {"answers it": "直接回答", "related": "相关", "loosely related": "略有相关"}},
    "en": {"asked": "Asked", "full": "Full answer", "context": "Context", "read": "Read in the transcript",
           "source": "Original article", "none": "The transcripts don't cover this. Try rephrasing, or one of "
                                                  "the example questions.",
           "resolved": "Read as", "more_none": "There are no more answers on this.", "rank": "#{}",
           "no_articles": "Select at least one article on the right.", "at": "at", "cite": "Cite",
           "more": "More, less related", "link": "Link to this answer", "why": "Matched",
           "copy": "Copy citation", "copy_md": "Copy as Markdown",
           "by_date": "By interview date", "said": "where she said it",
           "read_as": {"quote": "Searched as a quote: her words in another rendering, matched sentence by sentence",
                       "claim": "Read as a claim; searched for: "},
           "match": {"answers it": "answers it", "related": "related", "loosely related": "loosely related"}},
}

# "tell me more" asks for further answers to the last question; "why?" narrows it.
_MORE = re.compile(r"^(tell me more|more|go on|continue|what else|anything else|and\??|还有呢|还有吗|继续|再说说|"
                   r"多说一些|详细说说|展开说说|更多)[\s?？!！.。]*$", re.IGNORECASE)
_FOLLOW = re.compile(r"^(why|how|how so|really|and then|为什么|为何|怎么说|怎么会|然后呢|比如|例如|举个例子|真的吗)",
                     re.IGNORECASE)

CSS = """
.qa-answer{border:1px solid var(--border-color-primary);border-radius:10px;padding:12px 14px;margin:10px 0;
  background:var(--background-fill-primary)}
.qa-head{display:flex;gap:8px;align-items:baseline;font-size:0.85em;color:var(--body-text-color-subdued)}
.qa-rank{font-weight:700;color:var(--color-accent)}
.qa-quote{font-size:1.05em;line-height:1.6;margin:6px 0 8px 0;padding-left:10px;
  border-left:3px solid var(--color-accent)}
.qa-cite{font-size:0.88em}
.qa-asked{font-size:0.85em;color:var(--body-text-color-subdued);margin-top:4px}
.qa-answer details{margin-top:6px;font-size:0.9em}
.qa-answer mark{background:#fff3b0;color:inherit;padding:0 1px}
.qa-notice{font-size:0.85em;color:var(--body-text-color-subdued)}
.qa-turn{margin:6px 0}
.qa-speaker{font-weight:600}
.qa-match{border-radius:8px;padding:0 6px;font-size:0.9em}
.qa-match-answers-it{background:#dafbe1;color:#116329}
.qa-match-related{background:#ddf4ff;color:#0550ae}
.qa-match-loosely-related{background:#eaeef2;color:#57606a}
.qa-why{font-size:0.82em;color:var(--body-text-color-subdued);margin-bottom:4px}
.qa-quote mark.qa-hit{background:#fff3b0;color:inherit;padding:0}
.qa-said-badge{border-radius:8px;padding:0 6px;font-size:0.9em;background:#fff1e5;color:#953800;font-weight:600}
.qa-said{font-size:1.0em;line-height:1.6;margin:6px 0 8px 0;padding-left:10px;border-left:3px solid #d4a72c}
.qa-said mark.qa-said-span{background:#ffd33d;color:inherit;padding:0 1px;font-size:1.05em}
.qa-date-head{font-weight:700;margin-top:12px;font-size:0.95em}
.qa-copy{font-size:0.8em;margin:6px 0 2px 0;padding:1px 8px;border:1px solid var(--border-color-primary);
  border-radius:6px;background:var(--background-fill-primary);cursor:pointer}
.qa-citation{white-space:pre-wrap;font-size:0.85em;background:var(--background-fill-secondary);padding:6px;
  border-radius:6px;user-select:all}
"""

# "Copy citation": the chat's HTML carries no scripts (it is sanitised), so one listener on the page copies
# the citation that follows a copy button.
COPY_SCRIPT = """<script>
document.addEventListener("click", function (e) {
  var b = e.target.closest && e.target.closest(".qa-copy");
  if (!b || !b.nextElementSibling) return;
  navigator.clipboard.writeText(b.nextElementSibling.innerText).then(function () { b.dataset.copied = "1"; });
});
</script>"""

PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{font-family:system-ui,-apple-system,"Noto Sans CJK SC","PingFang SC",sans-serif;max-width:860px;margin:24px auto;
  padding:0 16px;line-height:1.7;color:#1f2328}}
h1{{font-size:1.4em}} .meta{{color:#57606a;font-size:0.9em}} h2{{font-size:1.1em;margin-top:1.6em}}
.turn{{margin:10px 0;padding:6px 10px;border-radius:6px}} .speaker{{font-weight:600}}
.interviewee .speaker{{color:#0969da}} .narrator{{color:#57606a}} .at{{color:#57606a;font-size:0.85em}}
.cited{{background:#fff8c5;border-left:4px solid #d4a72c}} mark{{background:#ffd33d;color:inherit}} p{{margin:4px 0;white-space:pre-wrap}}
</style></head><body>{body}</body></html>"""


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def lang_of(question: str) -> str:
    return "zh" if is_chinese(question) else "en"


def transcript_href(turn: Turn, span: tuple[int, int] | None = None) -> str:
    q = f"&quote={span[0]}-{span[1]}" if span else ""
    return f"/transcript/{urlquote(turn.article_id)}?turn={urlquote(turn.turn_id)}{q}#t{turn.position}"


def marked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` escaped, with the given character spans in <mark class="qa-hit">."""
    out, last = [], 0
    for a, b in spans:
        out += [esc(text[last:a]), f'<mark class="qa-hit">{esc(text[a:b])}</mark>']
        last = b
    return "".join(out) + esc(text[last:])


def answer_html(a: Answer, context: list[Turn], lang: str, question: str = "",
                why: tuple[list[str], list[tuple[int, int]]] = ((), ())) -> str:
    """One answer as an HTML card: quote, citation, question, full turn and context on demand."""
    L = LABELS[lang]
    t, art = a.turn, a.article
    before, after = esc(t.text[:a.quote_start]), esc(t.text[a.quote_end:])
    full = f"{before}<mark>{esc(a.quote)}</mark>{after}".replace("\n", "<br>")
    ctx = "".join(
        f'<div class="qa-turn"><span class="qa-speaker">{esc(c.speaker)}</span>：'
        f'{"<mark>" if c.turn_id == t.turn_id else ""}{esc(c.text).replace(chr(10), "<br>")}'
        f'{"</mark>" if c.turn_id == t.turn_id else ""}</div>'
        for c in context)
    link = f'<a href="{esc(art.url)}" target="_blank" rel="noopener noreferrer">{esc(art.title)}</a>' \
        if art.url else esc(art.title)
    asked = f'<div class="qa-asked">{L["asked"]}：{esc(t.question)}</div>' if t.question else ""
    at = ""
    if t.start is not None:  # a timed source: the moment, linked where the site takes one
        moment = moment_url(art.url, t.start)
        label = f'{L["at"]} {clock(t.start)}'
        at = " · " + (f'<a class="qa-at" href="{esc(moment)}" target="_blank" rel="noopener noreferrer">{label}</a>'
                      if moment else f'<span class="qa-at">{label}</span>')
    cite = " · ".join(x for x in (link, esc(t.section), esc(art.date)) if x) + at
    match = (f'<span class="qa-match qa-match-{a.match.replace(" ", "-")}">{esc(L["match"][a.match])}</span>'
             if a.match else "")
    said = f'<span class="qa-said-badge">{L["said"]}</span>' if a.said_here else ""
    if a.said_here:  # the matched words marked in their place in her turn
        before, quote, after = a.in_context()
        shown = (f'<div class="qa-said">{esc(before)}<mark class="qa-said-span">{esc(quote)}</mark>'
                 f'{esc(after)}</div>').replace("\n", "<br>")
    else:
        shown = f'<div class="qa-quote">“{marked(a.quote, list(why[1]))}”</div>'
    permalink = f'/?q={urlquote(question)}' if question else ""
    cite_box = (f'<details><summary>{L["cite"]}</summary>'
            f'<button type="button" class="qa-copy">{L["copy"]}</button>'
            f'<div class="qa-citation">{esc(a.citation())}</div>'
            f'<button type="button" class="qa-copy">{L["copy_md"]}</button>'
            f'<div class="qa-citation">{esc(a.citation(markdown=True))}</div>'
            + (f'<a href="{esc(permalink)}" target="_blank">{L["link"]}</a>' if permalink else "")
            + '</details>')
    return (
        f'<div class="qa-answer">'
        f'<div class="qa-head"><span class="qa-rank">{L["rank"].format(a.rank)}</span>'
        f'<span>{esc(t.speaker)}</span>{match}{said}</div>'
        f'{shown}'
        + (f'<div class="qa-why">{L["why"]}：{esc(" · ".join(why[0]))}</div>' if why[0] else "") +
        f'<div class="qa-cite">{cite}</div>'
        f'{asked}'
        f'<details><summary>{L["full"]}</summary><div>{full}</div></details>'
        f'<details><summary>{L["context"]}</summary>{ctx}</details>'
        f'{cite_box}'
        f'<div class="qa-cite"><a href="{esc(transcript_href(t, (a.quote_start, a.quote_end)))}" '
        f'target="_blank">{L["read"]}</a></div>'
        f'</div>')


def result_html(assistant: Assistant, result: Result, lang: str, resolved: str | None = None,
                dated: bool = False) -> str:
    """The answers as cards. With `dated`, ordered by interview date under a heading per date, so what she
    said in 2023 stands beside what she said in 2024."""
    L = LABELS[lang]
    parts = []
    if resolved:
        parts.append(f'<div class="qa-notice">{L["resolved"]}：{esc(resolved)}</div>')
    parts += [f'<div class="qa-notice">{esc(n)}</div>' for n in dict.fromkeys(result.notices)]
    if result.kind in L["read_as"]:
        searched = esc(result.searched) if result.kind == "claim" else ""
        parts.append(f'<div class="qa-notice qa-read-as">{esc(L["read_as"][result.kind])}{searched}</div>')
    if result.no_answer or not result.answers:
        parts.append(f"<p>{L['none']}</p>")

    def card(a: Answer) -> str:
        return answer_html(a, assistant.context(a.turn.turn_id), lang, result.question,
                           assistant.why(result.question, a))

    # Loosely related answers are not peers of the ones that answer: they fold away, unless nothing better came.
    strong = [a for a in result.answers if a.match != "loosely related"] or list(result.answers)
    weak = [a for a in result.answers if a not in strong]
    if dated:
        strong = sorted(strong, key=lambda a: (a.article.date or "9999", a.rank))
    date = None
    for a in strong:
        if dated and a.article.date != date:
            date = a.article.date
            parts.append(f'<div class="qa-date-head">{esc(date or "—")}</div>')
        parts.append(card(a))
    if weak:
        parts.append(f'<details class="qa-more"><summary>{L["more"]} ({len(weak)})</summary>'
                     + "".join(card(a) for a in weak) + "</details>")
    return "".join(parts)


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


class LiveAssistant:
    """The app's assistant; switches to a rebuilt index between questions, never mid-question."""

    def __init__(self, assistant: Assistant):
        self._assistant = assistant
        self._lock = threading.Lock()

    def get(self) -> Assistant:
        with self._lock:
            self._assistant = self._assistant.reloaded()
            return self._assistant


class Cancelled(Exception):
    """The person adding a transcript cancelled its indexing."""


class Indexer:
    """Adds a transcript from the browser: checks it and saves it under sources/ (upload.add_source), then
    rebuilds the index in a background thread. The app keeps answering from the last good index and
    switches to the new one when it is complete (LiveAssistant); one addition at a time. An addition that
    is cancelled or fails is undone (upload.rollback): its file and catalogue entry leave sources/."""

    def __init__(self, live: LiveAssistant):
        self.live = live
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self.state: dict = {"phase": "idle"}

    def add(self, filename: str, data: bytes, meta=None) -> None:
        """Save the file (and `meta`, its catalogue entry) and start indexing; raises SourceError (the
        reason) or RuntimeError (busy)."""
        from .build import read_summary
        from .parse import transcript_key
        from .upload import add_source

        with self._lock:
            if self.state["phase"] == "indexing":
                raise RuntimeError("another transcript is being indexed; add this one when it is done")
            assistant = self.live.get()
            known: dict[str, list] = {}
            for t in assistant.index.turns:
                known.setdefault(t.article_id, []).append(t)
            keys = {transcript_key(ts): assistant.index.articles[aid].source for aid, ts in known.items()}
            path, notices, turns = add_source(assistant.settings, filename, data, meta, known=keys, pending=True)
            self._cancel.clear()
            self.state = {"phase": "indexing", "file": path.name, "done": 0, "total": 0,
                          "notices": list(dict.fromkeys(notices)), "read": read_summary(turns)}
        threading.Thread(target=self._build, args=(assistant, path), daemon=True).start()

    def cancel(self) -> bool:
        """Ask the indexing under way to stop; the addition is then undone. False when none is under way."""
        if self.state.get("phase") != "indexing":
            return False
        self._cancel.set()
        return True

    @contextmanager
    def _progress(self, total: int, label: str):
        self.state.update(total=total, done=0)
        state, cancel = self.state, self._cancel

        class Bar:
            def update(self, n: int = 1) -> None:
                if cancel.is_set():
                    raise Cancelled()
                state["done"] += n

        yield Bar()

    def _build(self, assistant: Assistant, path) -> None:
        from .build import build
        from .upload import clear_pending, rollback

        sources = path.parent
        try:
            report = build(assistant.settings, assistant.embedder, self._progress)
        except Cancelled:
            rollback(sources)
            self.state.update(phase="cancelled", message="cancelled; the file was removed")
            return
        except Exception as e:  # the old index is untouched: say why, undo the addition, keep answering
            rollback(sources)
            self.state.update(phase="failed", message=str(e))
            return
        mine = [e.reason for e in report.errors if e.path.endswith("/" + path.name)]
        others = [str(e) for e in report.errors if e.path.endswith("/" + CATALOG_NAME)]  # a broken catalogue
        notices = self.state.get("notices", []) + [n for n in report.notices if path.name in n] + others
        if mine:
            rollback(sources)
        else:
            clear_pending(sources)
        self.state.update(phase="failed" if mine else "done", message="; ".join(mine),
                          notices=list(dict.fromkeys(notices)))


PAGE_TURNS = 400  # turns per page of the reader: a long recording's page stays small on a phone


def transcript_page(assistant: Assistant, article_id: str, turn_id: str | None,
                    quote: str | None = None, page: int | None = None) -> str | None:
    """The transcript as a standalone page, or None for an unknown article.

    `quote` ("start-end", character offsets in the cited turn) marks the quoted words. A transcript of more
    than PAGE_TURNS turns is shown a page at a time: the page holding the cited turn, or `page` (from 1).
    """
    span = None
    if quote and re.fullmatch(r"\d{1,7}-\d{1,7}", quote):
        span = tuple(int(x) for x in quote.split("-"))
    art = assistant.index.articles.get(article_id)
    if art is None:
        return None
    turns = assistant.article_turns(article_id)
    pages = max(1, -(-len(turns) // PAGE_TURNS))
    cited = next((t.position for t in turns if t.turn_id == turn_id), None) if turn_id else None
    number = min(max(1, page or (cited // PAGE_TURNS + 1 if cited is not None else 1)), pages)
    visible = turns[(number - 1) * PAGE_TURNS: number * PAGE_TURNS]
    meta = [esc(x) for x in (art.date, art.author) if x]
    if art.url:
        shown = art.url if len(art.url) <= 60 else art.url[:60] + "…"
        meta.append(f'<a href="{esc(art.url)}" rel="noopener noreferrer">{esc(shown)}</a>')
    body = [f"<h1>{esc(art.title)}</h1>", f'<div class="meta">{" · ".join(meta)}</div>']
    nav = ""
    if pages > 1:
        base = f"/transcript/{urlquote(article_id)}?page="
        links = [f'<a href="{base}{n}">{n}</a>' if n != number else f"<strong>{n}</strong>"
                 for n in range(1, pages + 1) if n in (1, pages) or abs(n - number) <= 3]
        nav = f'<nav class="pages" aria-label="pages">Page {number} of {pages} · {" ".join(links)}</nav>'
        body.append(nav)
    section = None
    for t in visible:
        if t.section != section:
            section = t.section
            body.append(f"<h2>{esc(section)}</h2>")
        cls = "turn" + (" interviewee" if t.is_interviewee else "") + (" narrator" if t.speaker == "Narrator" else "")
        cls += " cited" if t.turn_id == turn_id else ""
        speaker = "" if t.speaker == "Narrator" else f'<span class="speaker">{esc(t.speaker)}</span>：'
        if t.start is not None:  # a timed turn: its moment, linked where the site takes one
            at, moment = clock(t.start), moment_url(art.url, t.start)
            speaker += (f' <a class="at" href="{esc(moment)}" rel="noopener noreferrer">{at}</a>'
                        if moment and moment != art.url else f' <span class="at">{at}</span>')
        text = esc(t.text)
        if t.turn_id == turn_id and span and 0 <= span[0] < span[1] <= len(t.text):
            text = f"{esc(t.text[:span[0]])}<mark>{esc(t.text[span[0]:span[1]])}</mark>{esc(t.text[span[1]:])}"
        body.append(f'<div class="{cls}" id="t{t.position}">{speaker}<p>{text}</p></div>')
    return PAGE.format(title=esc(art.title), body="".join(body) + nav)


EVERYONE, INTERVIEWEES = "*", ""
UPLOAD_TYPES = sorted(READERS)  # every format qa index reads


def received_upload(path) -> "Path | None":
    """The file behind an upload's path, only if Gradio received it: a regular file inside Gradio's upload
    folder. The app is mounted, never launched, so Gradio's own check (only uploaded files may be read) does
    not run, and a client can name any path in the FileData it sends."""
    import os
    from pathlib import Path

    from gradio.utils import get_upload_folder

    if not isinstance(path, (str, os.PathLike)) or "\0" in str(path):
        return None
    folder = Path(get_upload_folder()).resolve()
    p = Path(path)
    try:
        real = p.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if p.is_symlink() or not real.is_file() or folder not in real.parents:
        return None
    return real


def article_choices(assistant: Assistant) -> list[tuple[str, str]]:
    return [(a.title, a.article_id) for a in assistant.index.articles.values()]


def speaker_choices(assistant: Assistant) -> list[tuple[str, str]]:
    return ([("Interviewees · 受访者", INTERVIEWEES), ("Everyone · 所有人", EVERYONE)]
            + [(name, name) for name in assistant.speakers()])


def build_app(live: LiveAssistant, indexer: Indexer | None = None):
    """The Gradio Blocks app (not launched)."""
    import gradio as gr

    first = live.get()
    indexer = indexer or Indexer(live)
    choices = article_choices(first)

    def ask_api(question: str, k: int = 5) -> dict:
        """Her answers to `question` as the JSON of `qa ask --json`; an error object for a bad question."""
        try:
            return live.get().ask(question, k=int(k)).to_dict()
        except QuestionError as e:
            return {"question": question if isinstance(question, str) else "", "no_answer": True,
                    "answers": [], "error": str(e)}
        except (TypeError, ValueError) as e:
            return {"question": "", "no_answer": True, "answers": [], "error": f"bad request: {e}"}

    def respond(message, history, state, k, articles, speaker, dated=False):
        history = list(history or [])
        state = dict(state or {})
        message = message if isinstance(message, str) else ""
        if not message.strip():
            return "", history, state
        assistant = live.get()
        lang = lang_of(message)
        if not articles:
            history += [{"role": "user", "content": esc(message)},
                        {"role": "assistant", "content": f"<p>{LABELS[lang]['no_articles']}</p>"}]
            return "", history, state
        query, more = resolve_followup(message, state.get("question"))
        shown = set(state.get("shown", [])) if more else set()
        try:
            result = assistant.ask(query, k=int(k) + len(shown), all_speakers=speaker == EVERYONE,
                                   speaker=speaker if speaker not in (EVERYONE, INTERVIEWEES, None) else None,
                                   articles=list(articles))
        except QuestionError as e:
            history += [{"role": "user", "content": esc(message)},
                        {"role": "assistant", "content": f"<p>{esc(str(e))}</p>"}]
            return "", history, state
        if more:
            kept = tuple(a for a in result.answers if a.turn.turn_id not in shown)[: int(k)]
            result = replace(result, answers=kept)
            if not kept:
                history += [{"role": "user", "content": esc(message)},
                            {"role": "assistant", "content": f"<p>{LABELS[lang]['more_none']}</p>"}]
                return "", history, state
        body = result_html(assistant, result, lang, resolved=query if query != message.strip() else None,
                           dated=bool(dated))
        history += [{"role": "user", "content": esc(message)}, {"role": "assistant", "content": body}]
        log = list(state.get("log", [])) + [{"question": message.strip(), "searched": query, "answers": [
            {**a.to_dict(), "citation": a.citation(), "citation_markdown": a.citation(markdown=True)}
            for a in result.answers]}]
        state = {"question": query, "shown": sorted(shown | {a.turn.turn_id for a in result.answers}), "log": log}
        return "", history, state

    def show_transcript(article_id):
        page = transcript_page(live.get(), article_id, None) or ""
        m = re.search(r"<body>(.*)</body>", page, re.S)
        return m.group(1) if m else ""

    def export(state):
        """The conversation so far (questions, quotes, citations) as Markdown and JSON files to download."""
        import json
        import tempfile
        from pathlib import Path

        log = (state or {}).get("log", [])
        if not log:
            return gr.update(visible=False), gr.update(visible=False)
        folder = Path(tempfile.mkdtemp(prefix="murati-qa-"))
        md = ["# Murati QA: a conversation", ""]
        for turn in log:
            md += [f"## {turn['question']}", ""]
            md += [a["citation_markdown"] + "\n" for a in turn["answers"]] or ["(the transcripts do not cover this)\n"]
        (folder / "murati-qa.md").write_text("\n".join(md), encoding="utf-8")
        (folder / "murati-qa.json").write_text(json.dumps(log, ensure_ascii=False, indent=1), encoding="utf-8")
        return (gr.update(value=str(folder / "murati-qa.md"), visible=True),
                gr.update(value=str(folder / "murati-qa.json"), visible=True))

    def section_options(article_id) -> list[tuple[str, str]]:
        """An article's sections, each with how many of her answers it holds."""
        counts: dict[str, int] = {}
        for t in live.get().article_turns(article_id):
            counts[t.section] = counts.get(t.section, 0) + (1 if t.is_interviewee else 0)
        return [(f"{sec or '—'} ({n})", sec) for sec, n in counts.items()]

    def sections_of(article_id):
        return gr.update(choices=section_options(article_id), value=None)

    def section_turns(article_id, section):
        """Her turns in one section, each as a card with the same citation tools."""
        assistant = live.get()
        if section is None:
            return ""
        art = assistant.index.articles.get(article_id)
        turns = [t for t in assistant.article_turns(article_id) if t.section == section and t.is_interviewee]
        if art is None or not turns:
            return ""
        lang = "zh" if is_chinese(art.title) else "en"
        return "".join(answer_html(Answer(rank=i, score=0.0, turn=t, article=art, quote=t.text, quote_start=0,
                                          quote_end=len(t.text)), assistant.context(t.turn_id), lang)
                       for i, t in enumerate(turns, start=1))

    def upload(path, interviewee="", names="", title="", date="", link=""):
        """Check and save an uploaded transcript with the details given beside it (its catalogue entry),
        then index it in the background (polled by `timer`)."""
        from .parse import SourceError
        from .parse.common import Meta, parse_aliases

        if not path:
            return gr.update(), gr.Timer(active=False)
        from pathlib import Path

        p = received_upload(path)
        if p is None:  # a path the client named, not a file Gradio received: never read it
            return ('<p class="qa-upload-error">Not added · 未添加: that is not a file uploaded to this app; '
                    'choose the transcript again</p>', gr.Timer(active=False))
        field = lambda x: x.strip() if isinstance(x, str) else ""  # noqa: E731 (a client may send anything)
        meta = Meta(title=field(title), date=field(date), url=field(link), interviewee=field(interviewee),
                    aliases=parse_aliases(field(names)))
        try:
            check_upload_size(p.name, p.stat().st_size)
            indexer.add(Path(path).name, p.read_bytes(), meta)
        except (SourceError, RuntimeError, OSError) as e:
            return f'<p class="qa-upload-error">Not added · 未添加: {esc(str(e))}</p>', gr.Timer(active=False)
        return f"<p>Saved · 已保存 {esc(indexer.state['file'])}; indexing · 正在建立索引…</p>", gr.Timer(active=True)

    def cancel_indexing():
        if indexer.cancel():
            return "<p>Cancelling · 正在取消…</p>"
        return gr.update()

    def poll():
        """Progress of the background indexing; on completion, the new article in every choice."""
        st = dict(indexer.state)
        notes = (f'<p class="qa-read">Read as · 读作 {esc(st["read"])}</p>' if st.get("read") else "") + \
            "".join(f'<p class="qa-notice">{esc(n)}</p>' for n in st.get("notices", []))
        if st["phase"] == "indexing":
            done = f" {st['done']}/{st['total']}" if st.get("total") else ""
            return (f"<p>Indexing · 正在建立索引 {esc(st['file'])}{done}…</p>{notes}", gr.Timer(active=True),
                    gr.update(), gr.update(), gr.update())
        if st["phase"] in ("failed", "cancelled"):
            return (f'<p class="qa-upload-error">Not indexed · 未能索引 {esc(st.get("file", ""))}: '
                    f'{esc(st.get("message", ""))}. The previous index keeps answering.</p>{notes}',
                    gr.Timer(active=False), gr.update(), gr.update(), gr.update())
        assistant = live.get()
        now = article_choices(assistant)
        new = next((aid for _, aid in now if assistant.index.articles[aid].source.endswith("/" + st.get("file", "?"))),
                   None)
        message = (f'<p class="qa-upload-done">Added · 已添加 {esc(st.get("file", ""))}: ask about it now.</p>{notes}'
                   if st["phase"] == "done" else "")
        return (message, gr.Timer(active=False), gr.update(choices=now, value=[aid for _, aid in now]),
                gr.update(choices=now, value=new) if new else gr.update(choices=now),
                gr.update(choices=speaker_choices(assistant)))

    with gr.Blocks(title="Murati QA") as demo:
        gr.Markdown("# Murati QA · 穆拉蒂访谈问答\n"
                    "Ask in Chinese or English what Mira Murati said; her own words come back, verbatim, "
                    "with the article, section, date and link. 用中文或英文提问，得到她的原话和出处。")
        with gr.Tabs():
            with gr.Tab("Ask · 提问"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(label="Answers · 回答", height=560, render_markdown=False,
                                          sanitize_html=True, elem_id="qa-chat", buttons=["copy"],
                                          placeholder="Her answers appear here · 回答会显示在这里")
                        with gr.Row():
                            box = gr.Textbox(placeholder="她如何看待AI监管？ / What does she say about jobs?",
                                             show_label=False, scale=5, max_lines=4, elem_id="qa-question",
                                             max_length=5000)
                            send = gr.Button("Ask · 提问", variant="primary", scale=1, elem_id="qa-send")
                        gr.Examples(EXAMPLES, inputs=box, label="Examples · 示例")
                    with gr.Column(scale=1, min_width=220):
                        k = gr.Slider(1, 10, value=3, step=1, label="Answers · 回答条数")
                        articles = gr.CheckboxGroup(choices, value=[c[1] for c in choices],
                                                    label="Articles · 文章")
                        speaker = gr.Dropdown(speaker_choices(first), value=INTERVIEWEES, elem_id="qa-speaker",
                                              label="Whose words · 谁的话")
                        dated = gr.Checkbox(False, label="By interview date · 按采访日期", elem_id="qa-dated")
                        clear = gr.Button("New chat · 新对话")
                        export_md = gr.DownloadButton("Download Markdown · 下载", visible=False, elem_id="qa-export-md")
                        export_json = gr.DownloadButton("Download JSON · 下载", visible=False,
                                                        elem_id="qa-export-json")
            with gr.Tab("Transcripts · 原文"):
                pick = gr.Dropdown(choices, value=choices[0][1] if choices else None,
                                   label="Article · 文章", elem_id="qa-pick")
                section = gr.Dropdown(section_options(choices[0][1]) if choices else [], value=None,
                                      label="Her answers by section · 按章节浏览她的回答", elem_id="qa-section")
                section_view = gr.HTML(elem_id="qa-section-view")
                reader = gr.HTML(show_transcript(choices[0][1]) if choices else "")
                pick.change(show_transcript, pick, reader, api_visibility="private")
                pick.change(sections_of, pick, section, api_visibility="private")
                section.change(section_turns, [pick, section], section_view, api_visibility="private")
                with gr.Accordion("Add a transcript · 添加文稿", open=False, elem_id="qa-add"):
                    gr.Markdown("Markdown, plain text (`Name: …` labels), WebVTT/SRT subtitles, speech-to-text JSON "
                                "(Whisper, whisper.cpp, AssemblyAI, Deepgram, Amazon Transcribe, Google), a saved web page or a Word document, up to "
                                f"{MAX_UPLOAD_BYTES // 2**20} MB. It is checked, saved under `sources/` and indexed; "
                                "the app keeps answering meanwhile. · 支持 Markdown、纯文本、字幕、语音转写 JSON、网页和 Word 文档。")
                    gr.Markdown("Optional, before choosing the file: what it cannot say itself (saved in "
                                "`sources/catalog.toml`). · 可选：受访者、说话人姓名、标题、日期、链接。")
                    with gr.Row():
                        add_interviewee = gr.Textbox(label="Interviewee · 受访者", placeholder="Mira Murati",
                                                     elem_id="qa-add-interviewee")
                        add_names = gr.Textbox(label="Speaker names · 说话人",
                                               placeholder="Speaker 2 = Mira Murati; Speaker 1 = Lena Park",
                                               elem_id="qa-add-names")
                    with gr.Row():
                        add_title = gr.Textbox(label="Title · 标题", elem_id="qa-add-title")
                        add_date = gr.Textbox(label="Date · 日期", placeholder="2024-07-08", elem_id="qa-add-date")
                        add_link = gr.Textbox(label="Link · 链接", placeholder="https://www.youtube.com/watch?v=…",
                                              elem_id="qa-add-link")
                    add_file = gr.File(label="Transcript · 文稿", file_types=UPLOAD_TYPES, type="filepath",
                                       elem_id="qa-upload")
                    add_status = gr.HTML(elem_id="qa-add-status")
                    add_cancel = gr.Button("Cancel indexing · 取消", size="sm", elem_id="qa-add-cancel")
        timer = gr.Timer(1.0, active=False)
        add_file.upload(upload, [add_file, add_interviewee, add_names, add_title, add_date, add_link],
                        [add_status, timer], api_visibility="private")
        add_cancel.click(cancel_indexing, None, add_status, api_visibility="private", queue=False)
        timer.tick(poll, None, [add_status, timer, articles, pick, speaker], api_visibility="private")
        state = gr.State({})
        inputs = [box, chat, state, k, articles, speaker, dated]
        for event in (box.submit, send.click):
            event(respond, inputs, [box, chat, state], api_visibility="private").then(
                export, state, [export_md, export_json], api_visibility="private")
        clear.click(lambda: ([], {}), None, [chat, state], api_visibility="private").then(
            export, state, [export_md, export_json], api_visibility="private")
        # Off the queue: a plain request/response, so programs pay no queue round trips; the
        # model call itself is serialised by the embedder's lock.
        gr.api(ask_api, api_name="ask", queue=False)

        def from_link(history, state, request: gr.Request):
            """A link with ?q=… (and &k=) opens with that question already asked: a shared answer reproduces."""
            params = dict(request.query_params) if request is not None else {}
            question = params.get("q", "")
            if not question.strip():  # change nothing: the person may already be typing
                return gr.update(), gr.update(), gr.update(), gr.update()
            try:
                n = max(1, min(10, int(params.get("k", 3))))
            except ValueError:
                n = 3
            ids = [c[1] for c in article_choices(live.get())]
            wanted = [a for a in params.get("articles", "").split(",") if a in ids] or ids
            box_value, history, state = respond(question, history, state, n, wanted,
                                                params.get("speaker", INTERVIEWEES))
            return box_value, history, state, n

        from_link.__annotations__["request"] = gr.Request  # (annotations are strings here: say it plainly)
        demo.load(from_link, [chat, state], [box, chat, state, k], api_visibility="private").then(
            export, state, [export_md, export_json], api_visibility="private")
    demo.queue(default_concurrency_limit=1)  # one model call at a time: the encoder is not shared across threads
    return demo


def make_server(live: LiveAssistant):
    """A FastAPI app: the transcript reader, with the Gradio app mounted at /."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/transcript/{article_id}", response_class=HTMLResponse)
    def transcript(article_id: str, turn: str | None = None, quote: str | None = None, page: int | None = None):
        page = transcript_page(live.get(), article_id, turn, quote, page)
        if page is None:
            return HTMLResponse("<p>No such article. <a href='/'>Back</a></p>", status_code=404)
        return HTMLResponse(page)

    demo = build_app(live)
    app = gr.mount_gradio_app(app, demo, path="/", css=CSS, footer_links=["api"], server_name="127.0.0.1",
                              max_file_size=MAX_UPLOAD_BYTES, head=COPY_SCRIPT)
    # Gradio checks that a file a client names was uploaded to it only in an app it launched; a mounted app
    # is served as launched (as Gradio's own reload mode marks it), so a FileData naming a server path is
    # refused before any handler runs. The upload handler checks again (received_upload).
    demo.has_launched = True
    return app
