"""The page: three tabs (ask, read the transcripts, add one), each built by its own function, and the events
that wire them to `Handlers`.
"""
from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from ..labels import EXAMPLES
from ..upload import MAX_UPLOAD_BYTES, MAX_UPLOAD_UNITS
from .handlers import (INTERVIEWEES, Handlers, Indexer, LiveAssistant, article_choices, section_options,
                       speaker_choices, transcript_body)

PRIVATE = {"api_visibility": "private"}
# After an answer arrives: the newest question and the start of its first card in view (not the bottom of
# the chat, where a long answer ends), on a laptop and on a phone alike.
SHOW_NEWEST = """() => { setTimeout(() => {
  const chat = document.querySelector('#qa-chat');
  if (!chat) return;
  const asked = chat.querySelectorAll('.qa-user-q');
  const last = asked[asked.length - 1];
  if (!last) return;
  const row = last.closest('.message-row') || last;
  const box = row.closest('[class*="bubble-wrap"], .wrapper') || chat;
  if (box && box.scrollHeight > box.clientHeight) box.scrollTop = row.offsetTop - 8;
  row.scrollIntoView({block: 'start', behavior: 'instant'});
}, 60); }"""


def build_app(live: LiveAssistant, indexer: Indexer | None = None):
    """The Gradio Blocks app (not launched)."""
    h = Handlers(live, indexer)
    first = live.get()
    with gr.Blocks(title="Murati QA") as demo:
        gr.HTML('<h1 class="qa-title">Murati QA · 穆拉蒂访谈问答</h1><p class="qa-lede">Ask in Chinese or English '
                "what Mira Murati said; her own words come back, verbatim, with the article, section, date and "
                "link. 用中文或英文提问，得到她的原话和出处。</p>")
        with gr.Tabs():
            with gr.Tab("Ask · 提问"):
                ask = _ask_tab(first)
            with gr.Tab("Transcripts · 原文"):
                read = _read_tab(first)
            with gr.Tab("Add a transcript · 添加文稿", elem_id="qa-add"):
                add = _add_tab()
        _wire_ask(h, ask)
        _wire_read(h, read)
        _wire_add(h, add, ask, read)
        # Off the queue: a plain request/response, so programs pay no queue round trips; the
        # model call itself is serialised by the embedder's lock.
        gr.api(h.ask_api, api_name="ask", queue=False)
        # Every list as the live index has it on each page load; then a ?q= link's question, asked.
        demo.load(h.lists, None, [ask.articles, ask.speaker, read.pick, read.section, read.reader], **PRIVATE)
        demo.load(h.from_link, [ask.chat, ask.state], [ask.box, ask.chat, ask.state, ask.k], **PRIVATE).then(
            h.export, ask.state, [ask.export_md, ask.export_json], js=SHOW_NEWEST, **PRIVATE)
    demo.queue(default_concurrency_limit=1)  # one model call at a time: the encoder is not shared across threads
    return demo


def _ask_tab(first) -> SimpleNamespace:
    choices = article_choices(first)
    with gr.Row(equal_height=False, elem_classes="qa-ask-row"):
        with gr.Column(scale=3, min_width=300):
            with gr.Row(elem_classes="qa-input-row"):
                box = gr.Textbox(placeholder="她如何看待AI监管？ / What does she say about jobs?", show_label=False,
                                 scale=5, max_lines=4, elem_id="qa-question", max_length=5000,
                                 label="Your question · 你的问题")
                send = gr.Button("Ask · 提问", variant="primary", scale=1, min_width=80, elem_id="qa-send")
            examples = gr.Dataset(components=[gr.Textbox(visible=False)], samples=[[e] for e in EXAMPLES],
                                  label="Examples · 示例 (click to ask)", elem_id="qa-examples", type="values")
            chat = gr.Chatbot(show_label=False, height="62vh", render_markdown=False, sanitize_html=True,
                              elem_id="qa-chat", buttons=["copy"], autoscroll=False,
                              placeholder="Her answers appear here · 回答会显示在这里")
        with gr.Column(scale=1, min_width=220, elem_classes="qa-side"):
            k = gr.Slider(1, 10, value=3, step=1, label="Answers · 回答条数")
            articles = gr.CheckboxGroup(choices, value=[c[1] for c in choices], label="Articles · 文章",
                                        elem_id="qa-articles")
            speaker = gr.Dropdown(speaker_choices(first), value=INTERVIEWEES, elem_id="qa-speaker",
                                  label="Whose words · 谁的话")
            dated = gr.Checkbox(False, label="By interview date · 按采访日期", elem_id="qa-dated")
            clear = gr.Button("New chat · 新对话", elem_id="qa-clear")
            export_md = gr.DownloadButton("Download Markdown · 下载", visible=False, elem_id="qa-export-md")
            export_json = gr.DownloadButton("Download JSON · 下载", visible=False, elem_id="qa-export-json")
    return SimpleNamespace(box=box, send=send, examples=examples, chat=chat, k=k, articles=articles,
                           speaker=speaker, dated=dated, clear=clear, export_md=export_md, export_json=export_json,
                           state=gr.State({}))


def _read_tab(first) -> SimpleNamespace:
    choices = article_choices(first)
    aid = choices[0][1] if choices else None
    pick = gr.Dropdown(choices, value=aid, label="Article · 文章", elem_id="qa-pick")
    section = gr.Dropdown(section_options(first, aid) if aid else [], value=None,
                          label="Her answers by section · 按章节浏览她的回答", elem_id="qa-section")
    section_view = gr.HTML(elem_id="qa-section-view")
    reader = gr.HTML(transcript_body(first, aid), elem_id="qa-reader")
    return SimpleNamespace(pick=pick, section=section, section_view=section_view, reader=reader)


def _add_tab() -> SimpleNamespace:
    gr.Markdown("Markdown, plain text (`Name: …` labels), WebVTT/SRT/SBV subtitles (YouTube's too), speech-to-text "
                "JSON (Whisper, AssemblyAI, Deepgram, Amazon Transcribe, Google, Podcasting 2.0), podcast dataset "
                f"records, a saved web page or a Word document, up to {MAX_UPLOAD_BYTES // 2**20} MB and about "
                f"{MAX_UPLOAD_UNITS:,} passages to embed. It is read and shown first; press “Add to the index” to "
                "save and index it (the app keeps answering meanwhile). · 支持 Markdown、纯文本、字幕、语音转写 JSON、"
                "网页和 Word 文档；先预览，再点击“加入索引”。", elem_classes="qa-help")
    gr.Markdown("Optional, before choosing the file: what it cannot say itself. · "
                "可选：受访者、说话人姓名、标题、日期、链接。",
                elem_classes="qa-help")
    with gr.Row():
        interviewee = gr.Textbox(label="Interviewee · 受访者", placeholder="Mira Murati", elem_id="qa-add-interviewee")
        names = gr.Textbox(label="Speaker names · 说话人", placeholder="Speaker 2 = Mira Murati; Speaker 1 = Lena Park",
                           elem_id="qa-add-names")
    with gr.Row():
        title = gr.Textbox(label="Title · 标题", elem_id="qa-add-title")
        date = gr.Textbox(label="Date · 日期", placeholder="2024-07-08", elem_id="qa-add-date")
        link = gr.Textbox(label="Link · 链接", placeholder="https://www.youtube.com/watch?v=…", elem_id="qa-add-link")
    # Any file: one qa cannot read is refused by the handler, in both languages, with the formats it reads.
    file = gr.File(label="Transcript · 文稿", type="filepath", elem_id="qa-upload")
    status = gr.HTML(elem_id="qa-add-status")
    with gr.Row():
        add = gr.Button("Add to the index · 加入索引", variant="primary", visible=False, elem_id="qa-add-go")
        cancel = gr.Button("Cancel indexing · 取消", size="sm", elem_id="qa-add-cancel")
    return SimpleNamespace(interviewee=interviewee, names=names, title=title, date=date, link=link, file=file,
                           status=status, add=add, cancel=cancel, timer=gr.Timer(1.0, active=False))


def _wire_ask(h: Handlers, ui: SimpleNamespace) -> None:
    inputs = [ui.box, ui.chat, ui.state, ui.k, ui.articles, ui.speaker, ui.dated]
    outputs = [ui.box, ui.chat, ui.state]
    exports = [ui.export_md, ui.export_json]
    for event in (ui.box.submit, ui.send.click):
        event(h.respond, inputs, outputs, **PRIVATE).then(h.export, ui.state, exports, js=SHOW_NEWEST, **PRIVATE)
    # An example asks itself.
    ui.examples.click(lambda sample: sample[0], ui.examples, ui.box, **PRIVATE).then(
        h.respond, inputs, outputs, **PRIVATE).then(h.export, ui.state, exports, js=SHOW_NEWEST, **PRIVATE)
    ui.dated.change(h.resort, [ui.chat, ui.state, ui.dated], ui.chat, **PRIVATE)
    # "New chat" and the chat's own clear button both forget the conversation, not only the view.
    for event in (ui.clear.click, ui.chat.clear):
        event(lambda: ([], {}), None, [ui.chat, ui.state], **PRIVATE).then(h.export, ui.state, exports, **PRIVATE)


def _wire_read(h: Handlers, ui: SimpleNamespace) -> None:
    ui.pick.change(h.show_transcript, ui.pick, ui.reader, **PRIVATE)
    ui.pick.change(h.sections_of, ui.pick, ui.section, **PRIVATE)
    ui.section.change(h.section_turns, [ui.pick, ui.section], ui.section_view, **PRIVATE)


def _wire_add(h: Handlers, ui: SimpleNamespace, ask: SimpleNamespace, read: SimpleNamespace) -> None:
    given = [ui.file, ui.interviewee, ui.names, ui.title, ui.date, ui.link]
    # A chosen file is previewed (who says what, read exactly as it would be indexed); "Add" saves and indexes it.
    # One listener for the file and every detail beside it (a detail corrected after the file was chosen: the
    # preview follows). One preview at a time; what happens meanwhile runs once after it, with the values as
    # they then are, so an older preview never arrives after a newer one.
    # Preview and "Add" take turns (one concurrency group): "Add" pressed while a field is focused makes that
    # field preview again, and that preview must not run beside the addition and show the unsaved file after it.
    gr.on([ui.file.upload] + [detail.blur for detail in given[1:]], h.preview, given, [ui.status, ui.add],
          trigger_mode="always_last", concurrency_id="add-tab", **PRIVATE)
    ui.file.clear(lambda: ("", gr.update(visible=False)), None, [ui.status, ui.add], **PRIVATE)
    ui.add.click(h.upload, given, [ui.status, ui.timer, ui.add], concurrency_id="add-tab", **PRIVATE)
    ui.cancel.click(h.cancel_indexing, None, ui.status, queue=False, **PRIVATE)
    ui.timer.tick(h.poll, None, [ui.status, ui.timer, ask.articles, read.pick, ask.speaker], **PRIVATE)
