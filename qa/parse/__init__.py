"""Stage 1, parse: transcript files -> Articles and their Turns, in order.

One reader per format, each turning a file's bytes into metadata and `Piece`s
(who said what, when, in which section); `common.assemble` turns pieces into
turns the same way for every format. `READERS` maps extensions to readers; a
file's content is sniffed too (a `.txt` that is WebVTT or SubRip is read as subtitles, and so is a `.txt` or
`.md` of captions whose speakers change at `>>`: a YouTube transcript copied or exported as text).

| format | reader | extensions |
|---|---|---|
| Markdown, plain text (labels of every common shape, Q&A) | `markdown` | .md .markdown .txt |
| subtitles (voice tags, `Name:`, `>>`); Whisper's console lines; captions as text | `subtitles` | .vtt .srt .sbv |
| speech-to-text JSON (Whisper, AssemblyAI, Deepgram, Amazon, Google…); dataset records | `stt_json` | .json .jsonl |
| a saved web page (article text only, via trafilatura) | `html` | .html .htm |
| Word documents (via python-docx) | `docx` | .docx |

Metadata a file cannot carry (title, date, link, interviewee, speaker aliases)
comes from `sources/catalog.toml` (see `catalog.py`); `qa index --interviewee`
sets the interviewee for a run.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from ..types import Article, Turn
from . import docx as _docx, html as _html, markdown as _markdown, stt_json as _stt_json, subtitles as _subtitles
from .catalog import CATALOG, catalog_text, parse_catalog
from .common import (NARRATOR, STAGE_INLINE, UNKNOWN, Meta, SourceError, assemble, decode, is_chinese, parse_aliases,
                     unstaged)
from .markdown import join_lines, short_question

__all__ = ["NARRATOR", "STAGE_INLINE", "unstaged", "UNKNOWN", "SourceError", "decode", "is_chinese", "join_lines",
           "short_question", "parse_aliases", "parse_file", "parse_file_all", "parse_text", "load_sources",
           "source_files", "READERS", "Sources", "NOT_SOURCES", "transcript_key"]

# extension -> reader module; each has read_file(data, source, default_interviewee, catalog) -> (Meta, pieces)
READERS = {
    ".md": _markdown, ".markdown": _markdown, ".txt": _markdown,
    ".vtt": _subtitles, ".srt": _subtitles, ".sbv": _subtitles,
    ".json": _stt_json, ".jsonl": _stt_json,
    ".html": _html, ".htm": _html,
    ".docx": _docx,
}
# The two transcripts of bilingual subtitles (`subtitles.read_all`): their article ids' suffixes and titles'.
_VERSIONS = {"-en": " (English)", "-zh": "（中文）"}
MAX_BYTES = 50 * 2**20  # a transcript is text: anything larger is not one (and would not fit an upload)


_SRT_START = re.compile(rb"\d+[ \t]*\r?\n[ \t]*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}[ \t]*-->")  # SubRip's first cue
_CONSOLE_START = re.compile(rb"\[(?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->")  # "[00:00.000 --> 00:05.000]  words"


def sniff(data: bytes, suffix: str):
    """The reader for a file: by its content where that is unmistakable, else by its extension."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"WEBVTT") or (suffix in (".txt", ".md") and (_SRT_START.match(head)
                                                                       or _CONSOLE_START.match(head))):
        return _subtitles
    if head.startswith(b"PK\x03\x04") and suffix == ".docx":
        return _docx
    if suffix in (".txt", ".md") and _captions_as_text(data):
        return _subtitles
    if suffix in (".txt", ".md") and head[:1] in (b"{", b"[") and b'"segments"' in data[:4096]:
        return _stt_json
    if suffix == ".txt" and head.lower().startswith((b"<!doctype html", b"<html")):
        return _html
    return READERS.get(suffix)


def parse_text(text: str, article_id: str, source: str, default_interviewee: str = "Mira Murati",
               catalog: Meta | None = None) -> tuple[Article, list[Turn]]:
    """Parse a Markdown or plain-text transcript's text; raises SourceError when it holds no interview turns."""
    meta, pieces = _markdown.read(text, default_interviewee, catalog)
    article, turns, _ = assemble(pieces, meta, article_id, source, default_interviewee)
    return article, turns


def parse_file(path: str | Path, root: str | Path | None = None, default_interviewee: str = "Mira Murati",
               catalog: Meta | None = None, notices: list[str] | None = None, interviewee: str | None = None
               ) -> tuple[Article, list[Turn]]:
    """Read and parse one transcript file of any supported format; raises SourceError naming the file.
    A file of several transcripts (a dataset's records) gives its first; `parse_file_all` gives each.

    `interviewee` is the declared interviewee of a file whose front matter or catalogue entry names none."""
    return parse_file_all(path, root, default_interviewee, catalog, notices, interviewee)[0]


def _captions_as_text(data: bytes) -> bool:
    """Whether a .txt or .md file is captions saved as text (`subtitles.captions_as_text`), its speaker
    changes written `>>` or, HTML-escaped, `&gt;&gt;`. Text that cannot be decoded is for its reader to
    refuse."""
    try:
        text = decode(data, "")
    except SourceError:
        return False
    return _subtitles.captions_as_text(text.replace("&gt;", ">"))


def parse_file_all(path: str | Path, root: str | Path | None = None, default_interviewee: str = "Mira Murati",
                   catalog: Meta | None = None, notices: list[str] | None = None, interviewee: str | None = None
                   ) -> list[tuple[Article, list[Turn]]]:
    """Every transcript in one file: one for most formats; one per record of a dataset file (article ids
    `stem-1`, `stem-2`, … in the file's order). Raises SourceError naming the file."""
    path = Path(path)
    source = path.name if root is None else _relative(path, Path(root))
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SourceError(source, f"{size / 2**20:.0f} MB is too large for a transcript "
                                      f"(at most {MAX_BYTES // 2**20} MB)")
        data = path.read_bytes()
    except OSError as e:
        raise SourceError(source, f"cannot be read ({e.strerror or e})") from None
    reader = sniff(data, path.suffix.lower())
    if reader is None:
        raise SourceError(source, f"unknown format '{path.suffix or path.name}': qa reads "
                                  f"{', '.join(sorted(READERS))}")
    if interviewee:
        catalog = (catalog or Meta()).fill(Meta(interviewee=interviewee))
    try:
        parts = reader.read_all(data, source, default_interviewee, catalog) if hasattr(reader, "read_all") \
            else [(*reader.read_file(data, source, default_interviewee, catalog), "")]
        out, found = [], []
        for meta, pieces, suffix in parts:
            meta = meta.fill(name_meta(path.name))  # the weakest source: what the file's name says
            if suffix in _VERSIONS:  # bilingual subtitles: each language's transcript is a version of the other
                meta.title = (meta.title or path.stem) + _VERSIONS[suffix]
                meta.same_as = meta.same_as or path.stem + next(s for s in _VERSIONS if s != suffix)
            article, turns, said = assemble(pieces, meta, path.stem + suffix, source, default_interviewee)
            out.append((article, turns))
            found += said
    except SourceError:
        raise
    except RecursionError:
        raise SourceError(source, "nested too deeply to be a transcript (thousands of levels of brackets "
                                  "or tags)") from None
    except Exception as e:  # a reader's fault on a file nobody foresaw: name the file, keep the others
        raise SourceError(source, f"could not be read ({e.__class__.__name__}: {str(e)[:160]}); if it is a "
                                  "transcript, save it as plain text with 'Name: words' lines") from None
    if notices is not None:
        notices.extend(dict.fromkeys(found))
    # Hash the bytes that were parsed, not the file again: it may change or vanish meanwhile.
    sha = hashlib.sha256(data).hexdigest()
    return [(replace(article, sha256=sha), turns) for article, turns in out]


# yt-dlp names what it saves "Title [VIDEOID].en.vtt" (and "Title [VIDEOID].en-orig.vtt", ".live_chat.json").
_YT_DLP_NAME = re.compile(r"^(?P<title>.+?)\s*\[(?P<id>[A-Za-z0-9_-]{11})\](?:\.[A-Za-z]{2,3}(?:[-_][\w-]+)?)?"
                          r"\.(?:vtt|srt|json|txt)$")


def name_meta(name: str) -> Meta:
    """What a file's name says of it: a yt-dlp caption file's title and video link."""
    m = _YT_DLP_NAME.match(name)
    if not m:
        return Meta()
    return Meta(title=m.group("title").strip(), url=f"https://www.youtube.com/watch?v={m.group('id')}")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve().parent).as_posix()
    except ValueError:
        return path.as_posix()


# Files in a sources folder that are not transcripts and are passed over without a word.
NOT_SOURCES = {CATALOG, "readme.md", "readme.txt", ".gitkeep", ".ds_store"}


def source_files(directory: str | Path) -> list[Path]:
    """Every file in a sources folder that is meant as a transcript, in a stable order.

    Files of an unknown type are listed too, so that they are named (not skipped in silence);
    hidden files, the catalogue and a README are not.
    """
    d = Path(directory)
    return sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.name.lower() not in NOT_SOURCES and not p.name.endswith(("~", ".tmp", ".part")))


class Sources(NamedTuple):
    """What a sources folder holds: (article, turns) pairs, the files not used, and remarks on the rest."""

    parsed: list[tuple[Article, list[Turn]]]
    errors: list[SourceError]
    notices: list[str]
    catalog: str | None = None  # the catalogue text read (the last good one when the file is broken)


def transcript_key(turns: list[Turn]) -> str:
    """What makes two files the same transcript: their turns' words, in order."""
    return "\n".join(t.text for t in turns)


def load_sources(directory: str | Path, default_interviewee: str = "Mira Murati",
                 interviewee: str | None = None, prefer: set[str] | frozenset = frozenset(),
                 last_catalog: str | None = None) -> Sources:
    """Parse every transcript in a folder; bad files are reported, the rest still load.

    A file whose text duplicates an earlier one is reported and skipped, so the
    same answer is not indexed twice under two names. `interviewee`, when given,
    is the interviewee of every file that declares none (`qa index --interviewee`); of two files with the
    same text, one in `prefer` (the sources already indexed) is kept. `last_catalog` is the catalogue's last
    good text, read when the file is broken.
    """
    d = Path(directory)
    if not d.is_dir():
        raise SourceError(d, "sources folder not found; create it and put transcripts in it")
    parsed: list[tuple[Article, list[Turn]]] = []
    errors: list[SourceError] = []
    notices: list[str] = []
    catalog, catalog_used = _catalog(d, last_catalog, errors)
    seen: dict[str, str] = {}
    files = source_files(d)
    # Of two files with the same transcript, the one already indexed stays and the newcomer is the duplicate,
    # whatever their names: a copy never takes over an article's turn ids and links.
    if prefer:
        files = sorted(files, key=lambda p: _relative(p, d) not in prefer)
    inside = d.resolve()
    for path in files:
        if path.is_symlink() and inside not in path.resolve().parents:
            errors.append(SourceError(f"{d.name}/{path.name}", "a link to a file outside the sources folder; "
                                                          "copy the file itself into it"))
            continue
        try:
            found = parse_file_all(path, d, default_interviewee, catalog.get(path.name), notices, interviewee)
        except SourceError as e:
            errors.append(SourceError(_relative(path, d), e.reason))
            continue
        for article, turns in found:
            key = transcript_key(turns)
            if key in seen:
                errors.append(SourceError(article.source, f"same transcript as {seen[key]}; skipped"))
                continue
            seen[key] = article.source
            parsed.append((article, turns))
    for name in sorted(set(catalog) - {p.name for p in files}):
        notices.append(f"{d.name}/{CATALOG}: entry [\"{name}\"] names no file in {d.name}/")
    return Sources(parsed, errors, notices, catalog_used)


def _catalog(d: Path, last_good: str | None, errors: list[SourceError]) -> tuple[dict, str | None]:
    """The catalogue of folder `d` and the text it was read from. A broken one is an error; then its last good
    text (`last_good`, kept by the index) is read instead, so that a typo loses no title or speaker name."""
    source = f"{d.name}/{CATALOG}"
    try:
        text = catalog_text(d)
        return ({} if text is None else parse_catalog(text, source)), text
    except SourceError as e:
        if last_good is None:
            errors.append(e)
            return {}, None
        errors.append(SourceError(e.path, e.reason.replace("it was ignored", "its last good reading (kept by the "
                                                                              "index) is used until it is fixed")
                                  .replace("the catalogue was ignored", "its last good reading (kept by the "
                                                                         "index) is used until it is fixed")))
        return parse_catalog(last_good, source), last_good
