"""The browser app, one job per module:

    render.py    answers, answer lists and transcript pages as escaped HTML
    handlers.py  what happens when a person asks, follows up, exports, browses, adds a transcript
    layout.py    the page: its tabs and the events wiring them to the handlers
    server.py    the web server: the app at /, the transcript reader at /transcript/{id}

The conversation's own logic (follow-ups, answers already shown, the export) is `qa/conversation.py`.
"""
from ..conversation import resolve_followup
from .handlers import Cancelled, Handlers, Indexer, LiveAssistant, received_upload
from .layout import build_app
from .render import PAGE_TURNS, answer_html, result_html, transcript_page
from .server import make_server

__all__ = ["resolve_followup", "Cancelled", "Handlers", "Indexer", "LiveAssistant", "received_upload", "build_app",
           "PAGE_TURNS", "answer_html", "result_html", "transcript_page", "make_server"]
