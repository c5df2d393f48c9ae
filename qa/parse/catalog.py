"""The catalogue: metadata for transcripts that cannot carry their own, in one file a person edits.

`sources/catalog.toml` holds one table per file, named by its file name::

    ["stern-2024.vtt"]
    title = "Mira Murati in conversation with Joanna Stern"
    date = 2024-07-08
    url = "https://www.youtube.com/watch?v=XXXXXXXXXXX"
    interviewee = "Mira Murati"
    interviewer = "Joanna Stern"
    aliases = { "SPEAKER_00" = "Joanna Stern", "SPEAKER_01" = "Mira Murati" }   # or "A = B; C = D"

Every key is optional. For Markdown files with front matter, the front matter
wins; the catalogue fills what it leaves out.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from .common import Meta, SourceError, parse_aliases

CATALOG = "catalog.toml"
KEYS = {"title", "date", "url", "link", "author", "place", "interviewee", "interviewer", "aliases"}


def read_catalog(directory: Path) -> dict[str, Meta]:
    """File name -> Meta from `directory/catalog.toml`; {} without one. A broken catalogue is a SourceError."""
    path = Path(directory) / CATALOG
    if not path.is_file():
        return {}
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    source = f"{Path(directory).name}/{CATALOG}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(source, f"cannot be read ({e}); it was ignored") from None
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
                         aliases=parse_aliases(entry.get("aliases", "")))
    return out
