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
from urllib.parse import quote as urlquote

from .parse import is_chinese
from .retrieve import Assistant, QuestionError
from .types import Answer, Result, Turn

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
           "no_articles": "请在右侧至少选择一篇文章。"},
    "en": {"asked": "Asked", "full": "Full answer", "context": "Context", "read": "Read in the transcript",
           "source": "Original article", "none": "The transcripts don't cover this. Try rephrasing, or one of "
                                                  "the example questions.",
           "resolved": "Read as", "more_none": "There are no more answers on this.", "rank": "#{}",
           "no_articles": "Select at least one article on the right."},
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
"""

PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{font-family:system-ui,-apple-system,"Noto Sans CJK SC","PingFang SC",sans-serif;max-width:860px;margin:24px auto;
  padding:0 16px;line-height:1.7;color:#1f2328}}
h1{{font-size:1.4em}} .meta{{color:#57606a;font-size:0.9em}} h2{{font-size:1.1em;margin-top:1.6em}}
.turn{{margin:10px 0;padding:6px 10px;border-radius:6px}} .speaker{{font-weight:600}}
.interviewee .speaker{{color:#0969da}} .narrator{{color:#57606a}}
.cited{{background:#fff8c5;border-left:4px solid #d4a72c}} mark{{background:#ffd33d;color:inherit}} p{{margin:4px 0;white-space:pre-wrap}}
</style></head><body>{body}</body></html>"""


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def lang_of(question: str) -> str:
    return "zh" if is_chinese(question) else "en"


def transcript_href(turn: Turn, span: tuple[int, int] | None = None) -> str:
    q = f"&quote={span[0]}-{span[1]}" if span else ""
    return f"/transcript/{urlquote(turn.article_id)}?turn={urlquote(turn.turn_id)}{q}#t{turn.position}"


def answer_html(a: Answer, context: list[Turn], lang: str) -> str:
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
    return (
        f'<div class="qa-answer">'
        f'<div class="qa-head"><span class="qa-rank">{L["rank"].format(a.rank)}</span>'
        f'<span>{esc(t.speaker)}</span></div>'
        f'<div class="qa-quote">“{esc(a.quote)}”</div>'
        f'<div class="qa-cite">{link} · {esc(t.section)} · {esc(art.date)}</div>'
        f'{asked}'
        f'<details><summary>{L["full"]}</summary><div>{full}</div></details>'
        f'<details><summary>{L["context"]}</summary>{ctx}</details>'
        f'<div class="qa-cite"><a href="{esc(transcript_href(t, (a.quote_start, a.quote_end)))}" '
        f'target="_blank">{L["read"]}</a></div>'
        f'</div>')


def result_html(assistant: Assistant, result: Result, lang: str, resolved: str | None = None) -> str:
    L = LABELS[lang]
    parts = []
    if resolved:
        parts.append(f'<div class="qa-notice">{L["resolved"]}：{esc(resolved)}</div>')
    parts += [f'<div class="qa-notice">{esc(n)}</div>' for n in result.notices]
    if result.no_answer or not result.answers:
        parts.append(f"<p>{L['none']}</p>")
    for a in result.answers:
        parts.append(answer_html(a, assistant.context(a.turn.turn_id), lang))
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


def transcript_page(assistant: Assistant, article_id: str, turn_id: str | None,
                    quote: str | None = None) -> str | None:
    """The whole transcript as a standalone page, or None for an unknown article.

    `quote` ("start-end", character offsets in the cited turn) marks the quoted words.
    """
    span = None
    if quote and re.fullmatch(r"\d{1,7}-\d{1,7}", quote):
        span = tuple(int(x) for x in quote.split("-"))
    art = assistant.index.articles.get(article_id)
    if art is None:
        return None
    body = [f"<h1>{esc(art.title)}</h1>",
            f'<div class="meta">{esc(art.date)} · {esc(art.author)} · '
            f'<a href="{esc(art.url)}" rel="noopener noreferrer">{esc(art.url[:60])}…</a></div>']
    section = None
    for t in assistant.article_turns(article_id):
        if t.section != section:
            section = t.section
            body.append(f"<h2>{esc(section)}</h2>")
        cls = "turn" + (" interviewee" if t.is_interviewee else "") + (" narrator" if t.speaker == "Narrator" else "")
        cls += " cited" if t.turn_id == turn_id else ""
        speaker = "" if t.speaker == "Narrator" else f'<span class="speaker">{esc(t.speaker)}</span>：'
        text = esc(t.text)
        if t.turn_id == turn_id and span and 0 <= span[0] < span[1] <= len(t.text):
            text = f"{esc(t.text[:span[0]])}<mark>{esc(t.text[span[0]:span[1]])}</mark>{esc(t.text[span[1]:])}"
        body.append(f'<div class="{cls}" id="t{t.position}">{speaker}<p>{text}</p></div>')
    return PAGE.format(title=esc(art.title), body="".join(body))


def build_app(live: LiveAssistant):
    """The Gradio Blocks app (not launched)."""
    import gradio as gr

    first = live.get()
    article_choices = [(a.title, a.article_id) for a in first.index.articles.values()]

    def ask_api(question: str, k: int = 5) -> dict:
        """Her answers to `question` as the JSON of `qa ask --json`; an error object for a bad question."""
        try:
            return live.get().ask(question, k=int(k)).to_dict()
        except QuestionError as e:
            return {"question": question if isinstance(question, str) else "", "no_answer": True,
                    "answers": [], "error": str(e)}
        except (TypeError, ValueError) as e:
            return {"question": "", "no_answer": True, "answers": [], "error": f"bad request: {e}"}

    def respond(message, history, state, k, articles, all_speakers):
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
            result = assistant.ask(query, k=int(k) + len(shown), all_speakers=bool(all_speakers),
                                   articles=list(articles))
        except QuestionError as e:
            history += [{"role": "user", "content": esc(message)},
                        {"role": "assistant", "content": f"<p>{esc(str(e))}</p>"}]
            return "", history, state
        if more:
            kept = tuple(a for a in result.answers if a.turn.turn_id not in shown)[: int(k)]
            result = Result(result.question, kept, result.no_answer, result.notices)
            if not kept:
                history += [{"role": "user", "content": esc(message)},
                            {"role": "assistant", "content": f"<p>{LABELS[lang]['more_none']}</p>"}]
                return "", history, state
        body = result_html(assistant, result, lang, resolved=query if query != message.strip() else None)
        history += [{"role": "user", "content": esc(message)}, {"role": "assistant", "content": body}]
        state = {"question": query, "shown": sorted(shown | {a.turn.turn_id for a in result.answers})}
        return "", history, state

    def show_transcript(article_id):
        page = transcript_page(live.get(), article_id, None) or ""
        m = re.search(r"<body>(.*)</body>", page, re.S)
        return m.group(1) if m else ""

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
                        articles = gr.CheckboxGroup(article_choices, value=[c[1] for c in article_choices],
                                                    label="Articles · 文章")
                        everyone = gr.Checkbox(False, label="Include host and audience · 包括主持人和观众")
                        clear = gr.Button("New chat · 新对话")
            with gr.Tab("Transcripts · 原文"):
                pick = gr.Dropdown(article_choices, value=article_choices[0][1] if article_choices else None,
                                   label="Article · 文章")
                reader = gr.HTML(show_transcript(article_choices[0][1]) if article_choices else "")
                pick.change(show_transcript, pick, reader, api_visibility="private")
        state = gr.State({})
        inputs = [box, chat, state, k, articles, everyone]
        box.submit(respond, inputs, [box, chat, state], api_visibility="private")
        send.click(respond, inputs, [box, chat, state], api_visibility="private")
        clear.click(lambda: ([], {}), None, [chat, state], api_visibility="private")
        # Off the queue: a plain request/response, so programs pay no queue round trips; the
        # model call itself is serialised by the embedder's lock.
        gr.api(ask_api, api_name="ask", queue=False)
    demo.queue(default_concurrency_limit=1)  # one model call at a time: the encoder is not shared across threads
    return demo


def make_server(live: LiveAssistant):
    """A FastAPI app: the transcript reader, with the Gradio app mounted at /."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/transcript/{article_id}", response_class=HTMLResponse)
    def transcript(article_id: str, turn: str | None = None, quote: str | None = None):
        page = transcript_page(live.get(), article_id, turn, quote)
        if page is None:
            return HTMLResponse("<p>No such article. <a href='/'>Back</a></p>", status_code=404)
        return HTMLResponse(page)

    demo = build_app(live)
    return gr.mount_gradio_app(app, demo, path="/", css=CSS, footer_links=["api"], server_name="127.0.0.1")
