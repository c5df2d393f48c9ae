"""Start the Murati QA chat app: `python app.py` (or `./run`).

Serves on 127.0.0.1 (GRADIO_SERVER_NAME to change), port GRADIO_SERVER_PORT
(default 7860), over the index in index/ (QA_INDEX), building it from sources/
first if it is missing. Never opens a public share link.
"""
from __future__ import annotations

import os
import socket
import sys


def main() -> int:
    from qa.config import Settings

    settings = Settings.from_env()
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    try:
        port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    except ValueError:
        print(f"app.py: GRADIO_SERVER_PORT must be a port number, not {os.environ['GRADIO_SERVER_PORT']!r}",
              file=sys.stderr)
        return 2
    with socket.socket() as s:  # say so plainly, before loading anything, if the port is taken
        try:
            s.bind((host, port))
        except OSError as e:
            print(f"app.py: cannot listen on {host}:{port} ({e.strerror}); set GRADIO_SERVER_PORT to a free port",
                  file=sys.stderr)
            return 1

    from qa.embed import ModelError
    from qa.progress import terminal
    from qa.retrieve import Assistant
    from qa.build import BuildError
    from qa.store import IndexError_, current_dir

    from qa.upload import recover

    undone = recover(settings)  # a transcript whose addition a crash cut short is not left half-added
    if undone:
        print(f"app.py: {undone}", file=sys.stderr)
    if current_dir(settings.index) is None:
        print(f"No index in {settings.index} yet; building it from {settings.sources} (first run only).",
              file=sys.stderr)
    try:
        assistant = Assistant.load(settings=settings, build_if_missing=True, progress=terminal)
    except (IndexError_, BuildError, ModelError) as e:
        print(f"app.py: {e}", file=sys.stderr)
        return 1
    for n in assistant.notices:
        print(f"app.py: {n}", file=sys.stderr)

    import uvicorn

    from qa.ui import LiveAssistant, make_server

    app = make_server(LiveAssistant(assistant))
    # A server meets new words all day: read jieba's dictionary whole and wordfreq's English list, and
    # tokenise every Chinese gloss an English question can bring, in the background (jieba's a few thousand
    # words at a time), while it answers from the on-disk copy meanwhile (text.hold_dictionaries).
    import threading

    from qa.text import hold_dictionaries

    threading.Thread(target=hold_dictionaries, args=(assistant.index.glossary,), name="dictionaries",
                     daemon=True).start()
    print(f"Murati QA: open http://{host}:{port} in a browser", file=sys.stderr, flush=True)
    # Open event streams (clients waiting on the queue) must not hold up a stop for long.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, timeout_graceful_shutdown=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
