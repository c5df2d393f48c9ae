"""Murati QA: find what Mira Murati actually said, verbatim, with a citation.

The pipeline, one package or module per stage, data flowing one way:

    parse/        transcript files (Markdown, text, subtitles, speech-to-text and dataset JSON, web pages,
                  Word) -> Article + Turns (speaker, section, prompting question, time); a reader per format
    chunk.py      Turn -> units to embed (windows, sentences, question + answer, question)
    embed.py      texts -> normalised vectors (the bundled E5 engine; any other model via sentence-transformers)
    text/         jieba tokens, glossaries English <-> Chinese, query expansion, BM25, no-answer evidence
    build.py      the build: parse -> chunk -> embed -> words -> write a new index version
    upload.py     a transcript added from the app: checked, costed, saved, undone if it does not finish
    store.py      the on-disk index: write, check, load (FAISS + BM25 + turns + manifest)
    query.py      a question, a pasted quote, or a claim about what she said
    retrieve/     Assistant: scope -> signals -> fusion -> no answer -> verbatim quotes
    present.py    answers -> terminal text / JSON;  labels.py  the words a person reads
    conversation.py  follow-ups, answers already shown, the export
    ui/           the Gradio app (render, handlers, layout, server);  cli.py  the `qa` command

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
