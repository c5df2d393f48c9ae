"""The catalogue: metadata for transcripts that cannot carry their own, in one file a person edits.

`sources/catalog.toml` holds one table per file, named by its file name::

    ["stern-2024.vtt"]
    title = "Mira Murati in conversation with Joanna Stern"
    date = 2024-07-08
    url = "https://www.youtube.com/watch?v=XXXXXXXXXXX"
    interviewee = "Mira Murati"
    interviewer = "Joanna Stern"
    aliases = { "SPEAKER_00" = "Joanna Stern", "SPEAKER_01" = "Mira Murati" }   # or "A = B; C = D"
    same_as = "2024-06-21-dartmouth-conversation.md"   # another version of the same conversation (qa align)

Every key is optional. For Markdown files with front matter, the front matter
wins; the catalogue fills what it leaves out.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path

from .common import Meta, SourceError, parse_aliases

CATALOG = "catalog.toml"
KEYS = {"title", "date", "url", "link", "author", "place", "interviewee", "interviewer", "aliases", "same_as"}


def catalog_text(directory: Path) -> str | None:
    """The text of `directory/catalog.toml`, None without one; a SourceError when it cannot be read."""
    path = Path(directory) / CATALOG
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"{Path(directory).name}/{CATALOG}", f"cannot be read ({e}); it was ignored") from None


def read_catalog(directory: Path) -> dict[str, Meta]:
    """File name -> Meta from `directory/catalog.toml`; {} without one. A broken catalogue is a SourceError."""
    text = catalog_text(directory)
    return {} if text is None else parse_catalog(text, f"{Path(directory).name}/{CATALOG}")


def parse_catalog(text: str, source: str) -> dict[str, Meta]:
    """File name -> Meta from a catalogue's text; a SourceError (naming `source`) when it is broken."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SourceError(source, f"is not valid TOML ({e}); it was ignored, fix it and run 'qa index'") from None
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise SourceError(source, f"'{name}' should be a table (a [\"{name}\"] heading with keys under it); "
                                      "the catalogue was ignored")
        unknown = set(entry) - KEYS
        if unknown:
            raise SourceError(source, f"[\"{name}\"] has unknown keys {sorted(unknown)}; known: {sorted(KEYS)}; "
                                      "the catalogue was ignored")
        date = entry.get("date", "")
        out[name] = Meta(title=str(entry.get("title", "")),
                         date=date.isoformat() if isinstance(date, (_dt.date, _dt.datetime)) else str(date),
                         url=str(entry.get("url", "") or entry.get("link", "")),
                         author=str(entry.get("author", "")), place=str(entry.get("place", "")),
                         interviewee=str(entry.get("interviewee", "")),
                         interviewer=str(entry.get("interviewer", "")),
                         aliases=parse_aliases(entry.get("aliases", "")),
                         same_as=str(entry.get("same_as", "")))
    return out


def catalog_entry(name: str, meta: Meta) -> str:
    """`meta` as a catalogue table for the file `name` (TOML; strings written as JSON writes them, which TOML
    reads the same)."""
    def q(s: str) -> str:  # (JSON escapes every control character TOML forbids but DEL)
        return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")

    lines = [f"[{q(name)}]"]
    for key in ("title", "date", "url", "author", "place", "interviewee", "interviewer", "same_as"):
        if getattr(meta, key):
            lines.append(f"{key} = {q(getattr(meta, key))}")
    if meta.aliases:
        lines.append("aliases = { " + ", ".join(f"{q(k)} = {q(v)}" for k, v in meta.aliases.items()) + " }")
    return "\n".join(lines) + "\n"


def add_to_catalog(directory: Path, name: str, meta: Meta) -> None:
    """Append `name`'s table to `directory/catalog.toml` (created if missing), replacing the file at once so
    that a build never reads half of it. A SourceError when the catalogue is broken or already has `name`."""
    directory = Path(directory)
    if name in read_catalog(directory):
        raise SourceError(f"{directory.name}/{CATALOG}", f"already has an entry for {name}; edit it there")
    path = directory / CATALOG
    old = path.read_text(encoding="utf-8") if path.is_file() else \
        "# Metadata for transcripts that cannot carry their own (README, \"Adding a transcript\").\n"
    tmp = directory / f".{CATALOG}.{os.getpid()}.tmp"
    tmp.write_text(old.rstrip("\n") + "\n\n" + catalog_entry(name, meta), encoding="utf-8")
    os.replace(tmp, path)
