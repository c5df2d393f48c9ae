"""What the app does when a person acts: ask, follow up, export, browse a transcript, add one. The handlers
are the methods of `Handlers`, which the layout wires to the page; the index they read is always the live
one (`LiveAssistant`), so a transcript added from any page is listed and searched on every page after it.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import gradio as gr

from ..conversation import Conversation, export_markdown, export_name, leave_out
from ..labels import LABELS
from ..lang import is_chinese, lang_of
from ..parse import CATALOG as CATALOG_NAME, READERS, SourceError
from ..parse.common import Meta, parse_aliases
from ..retrieve import Assistant, QuestionError
from ..types import Answer
from ..upload import check_upload_size
from .render import answer_html, esc, preview_html, result_html, transcript_page


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

    def add(self, filename: str, data: bytes, meta=None, upload: str = "") -> None:
        """Save the file (and `meta`, its catalogue entry) and start indexing; raises SourceError (the
        reason) or RuntimeError (busy). `upload` names the received file it came from (`taken`)."""
        from ..build import read_summary
        from ..upload import add_source

        with self._lock:
            if self.state["phase"] == "indexing":
                raise RuntimeError("another transcript is being indexed; add this one when it is done")
            assistant = self.live.get()
            path, notices, turns = add_source(assistant.settings, filename, data, meta, known=_known(assistant),
                                              pending=True)
            self._cancel.clear()
            self.state = {"phase": "indexing", "file": path.name, "done": 0, "total": 0, "upload": upload,
                          "notices": list(dict.fromkeys(notices)), "read": read_summary(turns)}
        threading.Thread(target=self._build, args=(assistant, path), daemon=True).start()

    def taken(self, upload: str) -> bool:
        """Whether the received file `upload` is the one last added (being indexed, or done)."""
        return bool(upload) and self.state.get("upload") == upload

    def preview(self, filename: str, data: bytes, meta=None) -> tuple[list[str], list]:
        """How the file would be read (its notices and turns), with every check `add` makes; nothing is
        saved. Raises SourceError with the reason it would be refused."""
        from ..upload import add_source

        assistant = self.live.get()
        _, notices, turns = add_source(assistant.settings, filename, data, meta, known=_known(assistant),
                                       dry_run=True)
        return list(dict.fromkeys(notices)), turns

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
        from ..build import build
        from ..upload import clear_pending, rollback

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


def _known(assistant: Assistant) -> dict[str, str]:
    """The transcripts already indexed, by their words (`parse.transcript_key`), and their sources."""
    from ..parse import transcript_key

    by_article: dict[str, list] = {}
    for t in assistant.index.turns:
        by_article.setdefault(t.article_id, []).append(t)
    return {transcript_key(ts): assistant.index.articles[aid].source for aid, ts in by_article.items()}


EVERYONE, INTERVIEWEES = "*", ""
UPLOAD_TYPES = sorted(READERS)  # every format qa index reads


def received_upload(path) -> "Path | None":
    """The file behind an upload's path, only if Gradio received it: a regular file inside Gradio's upload
    folder. The app is mounted, never launched, so Gradio's own check (only uploaded files may be read) does
    not run, and a client can name any path in the FileData it sends."""
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


class Handlers:
    """The app's event handlers over the live index and the indexer of added transcripts."""

    def __init__(self, live: LiveAssistant, indexer: Indexer | None = None):
        self.live = live
        self.indexer = indexer or Indexer(live)

    # ------------------------------------------------------------ asking
    def ask_api(self, question: str, k: int = 5) -> dict:
        """Her answers to `question` as the JSON of `qa ask --json`; an error object for a bad question."""
        try:
            return self.live.get().ask(question, k=int(k)).to_dict()
        except QuestionError as e:
            return {"question": question if isinstance(question, str) else "", "no_answer": True,
                    "answers": [], "error": str(e)}
        except (TypeError, ValueError) as e:
            return {"question": "", "no_answer": True, "answers": [], "error": f"bad request: {e}"}

    def respond(self, message, history, state, k, articles, speaker, dated=False):
        """A message in the chat -> its answers as cards, the conversation carried in `state`."""
        history = list(history or [])
        message = message if isinstance(message, str) else ""
        if not message.strip():
            return "", history, state
        talk = Conversation.from_state(state)
        reading = talk.read(message)
        L = LABELS[reading.lang]

        def reply(body: str):
            history.extend([{"role": "user", "content": f'<span class="qa-user-q">{esc(message)}</span>'},
                            {"role": "assistant", "content": body}])
            return "", history, talk.to_state()

        if not articles:
            return reply(f"<p>{L['no_articles']}</p>")
        assistant = self.live.get()
        known = [a for a in articles if a in assistant.index.articles]
        scope = {"articles": known or list(articles), "speaker": speaker}
        try:
            k = max(1, min(10, int(k)))
            result = search(assistant, reading.query, k + len(reading.leave_out), scope)
        except (QuestionError, TypeError, ValueError) as e:
            return reply(f"<p>{esc(str(e))}</p>")
        result = leave_out(result, reading, k)
        if reading.more and not result.answers:
            return reply(f"<p>{L['more_none']}</p>")
        talk.answered(reading, result, scope)
        resolved = reading.query if reading.query != reading.message else None
        return reply(result_html(assistant, result, reading.lang, resolved=resolved, dated=bool(dated)))

    def resort(self, history, state, dated):
        """The answers already shown, again, in the order the "by interview date" box now asks for."""
        talk = Conversation.from_state(state)
        if not history or not talk.log:
            return history
        history = list(history)
        assistant = self.live.get()
        last = talk.log[-1]
        try:  # the same search, as deep as the deepest answer shown (a follow-up shows later ranks)
            result = search(assistant, last["searched"], max([a["rank"] for a in last["answers"]] or [3]),
                            talk.scope)
        except (QuestionError, TypeError, ValueError):
            return history
        shown = {a["turn_id"] for a in last["answers"]}
        result = replace(result, answers=tuple(a for a in result.answers if a.turn.turn_id in shown))
        for i in range(len(history) - 1, -1, -1):
            if history[i].get("role") == "assistant":
                history[i] = {"role": "assistant",
                              "content": result_html(assistant, result, talk.lang or lang_of(last["searched"]),
                                                     dated=bool(dated))}
                break
        return history

    def export(self, state):
        """The conversation so far (questions, labels, quotes, citations) as Markdown and JSON downloads."""
        log = Conversation.from_state(state).log
        if not log:
            return gr.update(visible=False), gr.update(visible=False)
        folder = Path(tempfile.mkdtemp(prefix="murati-qa-"))
        name = export_name(log)
        (folder / f"{name}.md").write_text(export_markdown(log), encoding="utf-8")
        (folder / f"{name}.json").write_text(json.dumps(log, ensure_ascii=False, indent=1), encoding="utf-8")
        return (gr.update(value=str(folder / f"{name}.md"), visible=True),
                gr.update(value=str(folder / f"{name}.json"), visible=True))

    def from_link(self, history, state, request: gr.Request):
        """A link with ?q=… (and &k=) opens with that question already asked: a shared answer reproduces."""
        params = dict(request.query_params) if request is not None else {}
        question = params.get("q", "")
        if not question.strip():  # change nothing: the person may already be typing
            return gr.update(), gr.update(), gr.update(), gr.update()
        try:
            n = max(1, min(10, int(params.get("k", 3))))
        except ValueError:
            n = 3
        ids = [c[1] for c in article_choices(self.live.get())]
        wanted = [a for a in params.get("articles", "").split(",") if a in ids] or ids
        box_value, history, state = self.respond(question, history, state, n, wanted,
                                                 params.get("speaker", INTERVIEWEES))
        return box_value, history, state, n

    def lists(self):
        """Every list of the page as the live index has it now (on each page load: a transcript added since
        the app started is listed and searched)."""
        assistant = self.live.get()
        now = article_choices(assistant)
        ids = [aid for _, aid in now]
        first = ids[0] if ids else None
        return (gr.update(choices=now, value=ids), gr.update(choices=speaker_choices(assistant)),
                gr.update(choices=now, value=first), gr.update(choices=section_options(assistant, first), value=None),
                transcript_body(assistant, first))

    # ------------------------------------------------------------ reading
    def show_transcript(self, article_id):
        return transcript_body(self.live.get(), article_id)

    def sections_of(self, article_id):
        return gr.update(choices=section_options(self.live.get(), article_id), value=None)

    def section_turns(self, article_id, section):
        """Her turns in one section, each as a card with the same citation tools."""
        assistant = self.live.get()
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

    # ------------------------------------------------------------ adding a transcript
    def preview(self, path, interviewee="", names="", title="", date="", link=""):
        """How a chosen file reads, with the details given beside it, before anything is saved: the preview
        and the "Add to the index" button, or the reason it would be refused."""
        hidden = gr.update(visible=False)
        # A detail edited before any file is chosen; or a preview that arrives after "Add" took its file (the
        # field left by clicking "Add" asks for one): the progress of the addition stays on the page.
        if not path or self.indexer.taken(str(path)):
            return gr.update(), gr.update()
        try:
            p, meta = _received(path, interviewee, names, title, date, link)
            notices, turns = self.indexer.preview(Path(path).name, p.read_bytes(), meta)
        except (SourceError, OSError) as e:
            return upload_error(str(e)), hidden
        from ..build import read_summary

        return (preview_html(read_summary(turns), [for_the_app(n) for n in notices], turns),
                gr.update(visible=True, interactive=True))

    def upload(self, path, interviewee="", names="", title="", date="", link=""):
        """Check and save an uploaded transcript with the details given beside it (its catalogue entry),
        then index it in the background (polled by the page's timer)."""
        hidden = gr.update(visible=False)
        if not path:
            return gr.update(), gr.Timer(active=False), hidden
        try:
            p, meta = _received(path, interviewee, names, title, date, link)
            self.indexer.add(Path(path).name, p.read_bytes(), meta, upload=str(path))
        except (SourceError, RuntimeError, OSError) as e:
            return upload_error(str(e)), gr.Timer(active=False), hidden
        return (f"<p>Saved · 已保存 {esc(self.indexer.state['file'])}; indexing · 正在建立索引…</p>",
                gr.Timer(active=True), hidden)

    def cancel_indexing(self):
        return "<p>Cancelling · 正在取消…</p>" if self.indexer.cancel() else gr.update()

    def poll(self):
        """Progress of the background indexing; on completion, the new article in every list."""
        st = dict(self.indexer.state)
        notes = (f'<p class="qa-read">Read as · 读作 {esc(st["read"])}</p>' if st.get("read") else "") + \
            "".join(f'<p class="qa-notice">{esc(for_the_app(n))}</p>' for n in dict.fromkeys(st.get("notices", [])))
        if st["phase"] == "indexing":
            done = f" {st['done']}/{st['total']}" if st.get("total") else ""
            return (f"<p>Indexing · 正在建立索引 {esc(st['file'])}{done}…</p>{notes}", gr.Timer(active=True),
                    gr.update(), gr.update(), gr.update())
        if st["phase"] in ("failed", "cancelled"):
            return (f'<p class="qa-upload-error">Not indexed · 未能索引 {esc(st.get("file", ""))}: '
                    f'{esc(st.get("message", ""))}. The previous index keeps answering.</p>{notes}',
                    gr.Timer(active=False), gr.update(), gr.update(), gr.update())
        assistant = self.live.get()
        now = article_choices(assistant)
        new = next((aid for _, aid in now if assistant.index.articles[aid].source.endswith("/" + st.get("file", "?"))),
                   None)
        message = (f'<p class="qa-upload-done">Added · 已添加 {esc(st.get("file", ""))}: ask about it now.</p>{notes}'
                   if st["phase"] == "done" else "")
        return (message, gr.Timer(active=False), gr.update(choices=now, value=[aid for _, aid in now]),
                gr.update(choices=now, value=new) if new else gr.update(choices=now),
                gr.update(choices=speaker_choices(assistant)))


_CLI_ADVICE = re.compile(r"(?:: (?:if (?:they|one of them).*|name them in .*)|; name them .*)$")


def for_the_app(notice: str) -> str:
    """A reading notice as the person adding a file in the app can act on it: the fields beside the file,
    not the catalogue file or a command-line flag."""
    notice = notice.replace(" (ask with --speaker NAME or all speakers)", "")
    return _CLI_ADVICE.sub(": to change that, add the file again with Interviewee · 受访者 or Speaker names · "
                           "说话人 filled in above", notice)


def search(assistant: Assistant, query: str, k: int, scope: dict):
    """`assistant.ask` in a conversation's scope: the articles chosen and whose words (EVERYONE, INTERVIEWEES
    or one speaker's name)."""
    speaker = scope.get("speaker", INTERVIEWEES)
    return assistant.ask(query, k=k, all_speakers=speaker == EVERYONE,
                         speaker=speaker if speaker not in (EVERYONE, INTERVIEWEES, None) else None,
                         articles=scope.get("articles") or None)


def _received(path, interviewee, names, title, date, link) -> tuple[Path, Meta]:
    """The uploaded file Gradio received (never a path a client names) and the details given beside it;
    a SourceError for anything else or a file too large."""
    p = received_upload(path)
    if p is None:
        raise SourceError(Path(str(path)).name if isinstance(path, str) else "upload",
                          "that is not a file uploaded to this app; choose the transcript again")

    def field(x) -> str:  # a client may send anything
        return x.strip() if isinstance(x, str) else ""

    check_upload_size(p.name, p.stat().st_size)
    return p, Meta(title=field(title), date=field(date), url=field(link), interviewee=field(interviewee),
                   aliases=parse_aliases(field(names)))


def upload_error(reason: str) -> str:
    return f'<p class="qa-upload-error" role="alert">Not added · 未添加: {esc(reason)}</p>'


def section_options(assistant: Assistant, article_id) -> list[tuple[str, str]]:
    """An article's sections, each with how many of her answers it holds."""
    counts: dict[str, int] = {}
    for t in assistant.article_turns(article_id):
        counts[t.section] = counts.get(t.section, 0) + (1 if t.is_interviewee else 0)
    return [(f"{sec or '—'} ({n})", sec) for sec, n in counts.items()]


def transcript_body(assistant: Assistant, article_id) -> str:
    """The reader's page for the in-app tab: the standalone page's body, with its styles."""
    page = transcript_page(assistant, article_id, None) or "" if article_id else ""
    m = re.search(r"<body>(.*)</body>", page, re.S)
    return f'<div class="qa-reader">{m.group(1)}</div>' if m else ""
