"""Murati QA: find what Mira Murati actually said, verbatim, with a citation.

The pipeline, one module per stage, data flowing one way:

    parse/       transcript files (Markdown, text, subtitles, speech-to-text JSON, web pages, Word)
                 -> Article + Turns (speaker, section, prompting question, time); one reader per format
    chunk.py     Turn -> units to embed (windows, sentences, question + answer, question)
    embed.py     texts -> normalised vectors (the bundled E5 engine; any other model via sentence-transformers)
    lexical.py   BM25 over jieba tokens and character bigrams, glosses English <-> Chinese
    build.py     the build: parse -> chunk -> embed -> lexical -> write a new index version
    store.py     the on-disk index: write, check, load (FAISS + lexical + turns + manifest)
    retrieve.py  Assistant: question -> ranked, cited answers with verbatim quotes
    present.py   answers -> terminal text / JSON
    ui.py        the Gradio chat app;  cli.py  the `qa` command

`from qa import Assistant` is cheap: heavy libraries load on first use.
"""
__version__ = "0.1.0"
__all__ = ["Assistant", "Settings", "__version__"]


def __getattr__(name):
    if name == "Assistant":
        from .retrieve import Assistant

        return Assistant
    if name == "Settings":
        from .config import Settings

        return Settings
    raise AttributeError(name)
