"""The web server: the Gradio app mounted at `/`, and the standalone transcript reader at `/transcript/{id}`.

- `/`                 the chat (Gradio Blocks): question in, her cited words out;
- `/ask`              named API endpoint (question, k) -> the JSON of `qa ask --json`;
- `/transcript/{id}`  a whole article, a page at a time, the cited turn highlighted in place; with
                      `?versions=1`, beside its other version (qa align), turn against turn.
"""
from __future__ import annotations

from ..upload import MAX_UPLOAD_BYTES
from .handlers import LiveAssistant
from .layout import build_app
from .render import COPY_SCRIPT, CSS, transcript_page, versions_page


def make_server(live: LiveAssistant):
    """A FastAPI app: the transcript reader, with the Gradio app mounted at /."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/transcript/{article_id}", response_class=HTMLResponse)
    def transcript(article_id: str, turn: str | None = None, quote: str | None = None, page: int | None = None,
                   versions: int = 0):
        html = versions_page(live.get(), article_id, turn) if versions else None
        html = html or transcript_page(live.get(), article_id, turn, quote, page)
        if html is None:
            return HTMLResponse("<p>No such article. <a href='/'>Back</a></p>", status_code=404)
        return HTMLResponse(html)

    demo = build_app(live)
    app = gr.mount_gradio_app(app, demo, path="/", css=CSS, footer_links=["api"], server_name="127.0.0.1",
                              max_file_size=MAX_UPLOAD_BYTES, head=COPY_SCRIPT)
    # Gradio checks that a file a client names was uploaded to it only in an app it launched; a mounted app
    # is served as launched (as Gradio's own reload mode marks it), so a FileData naming a server path is
    # refused before any handler runs. The upload handler checks again (handlers.received_upload).
    demo.has_launched = True
    return app
