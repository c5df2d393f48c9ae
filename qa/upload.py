"""Adding a transcript from the app: check it, estimate its cost, save it under sources/, and undo an addition
that did not finish.

An upload is read exactly as `qa index` would read it before anything is written; it is refused when it
would cost more than MAX_UPLOAD_UNITS embeddings (a 19 MB caption file of distinct cues would hold the app's
single indexing slot for hours), when it repeats a transcript already there (a copy never takes an
article's place), or when its name would be passed over. While it is being indexed a marker
(`sources/.upload-pending.json`) names it: an addition that was cancelled, failed, or cut short by a crash is
removed again (`rollback`, `recover`), so that no half-added file is left for the next build to inherit.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .chunk import units_for
from .config import Settings
from .parse import CATALOG, NOT_SOURCES, SourceError, transcript_key
from .parse.common import Meta
from .types import Turn

PENDING = ".upload-pending.json"
# Embeddings an upload may need: about 10 minutes at the 40 texts a second that `qa bench` measures on two
# cores (docs/decisions.md). A larger transcript is indexed from the terminal, where it holds up no one.
MAX_UPLOAD_UNITS = 24_000
EMBED_PER_SECOND = 40


MAX_UPLOAD_BYTES = 20 * 2**20  # a transcript of several hours is well under 5 MB of text


def check_upload_size(name: str, size: int) -> None:
    """A SourceError for an upload too large to be a transcript (checked before it is read into memory)."""
    if size > MAX_UPLOAD_BYTES:
        raise SourceError(name, f"{size / 2**20:.0f} MB is too large for a transcript (at most "
                                f"{MAX_UPLOAD_BYTES // 2**20} MB)")


def add_source(settings: Settings, filename: str, data: bytes, meta: Meta | None = None,
               known: dict[str, str] | None = None, pending: bool = False, dry_run: bool = False
               ) -> tuple[Path, list[str], list[Turn]]:
    """Check an uploaded transcript and save it under the sources folder; returns its path, notices, and
    the turns it was read into (for the person adding it to check who says what).

    Nothing is written unless the file is read into turns exactly as `qa index` would read it
    (type sniffed, decoded, parsed, its catalogue entry applied). The name is made safe here (the
    upload's folders and odd characters dropped, never overwriting another file); the file is
    written under a temporary name and renamed into place. `meta` (the interviewee, speaker names,
    title, date, link given with the upload) becomes the file's table in sources/catalog.toml.
    `known` maps the transcripts already indexed (`parse.transcript_key`) to their sources: the same
    transcript under another name is refused. With `pending`, the addition is marked as under way
    (`mark_pending`) until the caller's indexing clears or rolls it back. With `dry_run`, every check is made
    and nothing is kept (the app's preview before adding). Raises SourceError with the reason.
    """
    from .parse import READERS, parse_file_all

    sources = Path(settings.sources)
    base = Path(str(filename).replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    check_upload_size(base, len(data))
    if suffix not in READERS:
        raise SourceError(base, f"unknown format '{suffix or base}': qa reads {', '.join(sorted(READERS))}")
    safe = re.sub(r"[^\w.-]+", "-", stem).strip(".-_")[:80] or "transcript"
    if f"{safe}{suffix}".lower() in NOT_SOURCES:  # "README.md" is passed over by every build: not that name
        safe += "-transcript"
    sources.mkdir(parents=True, exist_ok=True)
    given = meta if meta is not None and meta != Meta() else None
    for other in sources.iterdir():
        if other.is_file() and other.stat().st_size == len(data) and other.read_bytes() == data:
            if given:  # the same file again, now with its details: they become its catalogue entry
                return _describe(settings, base, other, given, pending, dry_run)
            raise SourceError(base, f"already in {sources.name}/ as {other.name} (to name its speakers or "
                                    "interviewee, add it again with those details)")
    target = sources / f"{safe}{suffix}"
    n = 2
    while target.exists():
        target, n = sources / f"{safe}-{n}{suffix}", n + 1
    tmp = sources / f".{target.stem}.{os.getpid()}.upload{suffix}"  # hidden: no build reads it meanwhile
    notices: list[str] = []
    try:
        tmp.write_bytes(data)
        catalog = _catalog_entry(sources, target.name, base, bool(given))
        if given and catalog:
            raise SourceError(base, f"{sources.name}/{CATALOG} already has an entry for {target.name}; "
                                    "add the file without details, or edit that entry")
        turns = [t for _, ts in parse_file_all(tmp, None, settings.interviewee, given or catalog, notices,
                                                 settings.declared_interviewee or None) for t in ts]
        same = (known or {}).get(transcript_key(turns))
        if same:
            raise SourceError(base, f"the same transcript as {same}, which is already indexed")
        check_cost(turns, settings.window_chars)
        if not dry_run:
            _record(sources, target.name, given, pending)
            os.replace(tmp, target)
    except SourceError as e:
        raise SourceError(base, e.reason) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target, [n.replace(tmp.name, target.name) for n in notices], turns


def _catalog_entry(sources: Path, name: str, base: str, recording: bool) -> Meta | None:
    """The catalogue's entry for the file `name`, if any. A catalogue that cannot be read is passed over,
    unless details are `recording` into it: then it is the reason the upload `base` is refused."""
    from .parse.catalog import read_catalog

    try:
        return read_catalog(sources).get(name)
    except SourceError as e:
        if recording:  # its table would go into a catalogue that no build can read
            raise SourceError(base, f"its details cannot be recorded: {e.path} {e.reason}") from None
        return None


def _record(sources: Path, name: str, meta: Meta | None, pending: bool, new_file: bool = True) -> None:
    """Write `meta` as `name`'s catalogue entry (if any), and with `pending` the marker that undoes both."""
    from .parse.catalog import add_to_catalog, catalog_text

    before = catalog_text(sources) if pending else None
    if meta:
        add_to_catalog(sources, name, meta)
    if pending:
        mark_pending(sources, name if new_file else "", before, catalog_text(sources) if meta else None)


def _describe(settings: Settings, base: str, path: Path, meta: Meta, pending: bool = False, dry_run: bool = False
              ) -> tuple[Path, list[str], list[Turn]]:
    """Give a transcript already in the sources folder the details added with it again (add_source): checked
    as it will be read, then written as its catalogue entry; one it already has is edited by hand."""
    from .parse import parse_file

    if _catalog_entry(path.parent, path.name, base, True):
        raise SourceError(base, f"already in {path.parent.name}/ as {path.name}, with details in "
                                f"{path.parent.name}/{CATALOG}: edit them there")
    notices: list[str] = []
    try:
        _, turns = parse_file(path, None, settings.interviewee, meta, notices, settings.declared_interviewee or None)
        if not dry_run:
            _record(path.parent, path.name, meta, pending, new_file=False)
    except SourceError as e:
        raise SourceError(base, e.reason) from None
    return path, notices, turns


def check_cost(turns: list[Turn], window_chars: int) -> int:
    """How many texts indexing `turns` embeds; a SourceError with the estimate above MAX_UPLOAD_UNITS."""
    units = sum(len(units_for(i, t, window_chars)) for i, t in enumerate(turns))
    if units > MAX_UPLOAD_UNITS:
        minutes = units / EMBED_PER_SECOND / 60
        raise SourceError("", f"{len(turns):,} turns would need {units:,} passages embedded, about {minutes:.0f} "
                              f"minutes of indexing (an upload may need at most {MAX_UPLOAD_UNITS:,}, about "
                              f"{MAX_UPLOAD_UNITS / EMBED_PER_SECOND / 60:.0f} minutes): put it in sources/ and "
                              "run 'qa index' from the terminal instead")
    return units


def mark_pending(sources: Path, name: str, catalog_before: str | None, catalog_after: str | None) -> None:
    """Record that `name` is being added (and what the catalogue was before and after its entry)."""
    tmp = sources / f"{PENDING}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"file": name, "catalog_before": catalog_before, "catalog_after": catalog_after}),
                   encoding="utf-8")
    os.replace(tmp, sources / PENDING)


def clear_pending(sources: Path) -> None:
    (Path(sources) / PENDING).unlink(missing_ok=True)


def rollback(sources: Path) -> str | None:
    """Undo the addition the marker names: remove its file and the catalogue entry it brought (unless the
    catalogue was edited since). Returns the file's name, or None when nothing was pending."""
    sources = Path(sources)
    try:
        pending = json.loads((sources / PENDING).read_text(encoding="utf-8"))
        name = Path(str(pending["file"])).name
    except (OSError, ValueError, KeyError, TypeError):
        clear_pending(sources)
        return None
    if name and name.lower() not in NOT_SOURCES:
        (sources / name).unlink(missing_ok=True)
    catalog = sources / CATALOG
    after = pending.get("catalog_after")
    if after is not None and catalog.is_file() and catalog.read_text(encoding="utf-8") == after:
        before = pending.get("catalog_before")
        if before is None:
            catalog.unlink()
        else:
            tmp = sources / f".{CATALOG}.{os.getpid()}.tmp"
            tmp.write_text(before, encoding="utf-8")
            os.replace(tmp, catalog)
    clear_pending(sources)
    return name


def recover(settings: Settings) -> str | None:
    """At start-up: an addition left pending by a crash is undone, unless its file made it into the index.
    Returns a sentence saying what was done, or None."""
    from .build import last_manifest

    sources = Path(settings.sources)
    indexed = set(last_manifest(Path(settings.index)).get("sources", {}))
    try:
        pending = json.loads((sources / PENDING).read_text(encoding="utf-8"))
    except OSError:
        return None
    except ValueError:
        pending = {}
    name = str(pending.get("file", "")) if isinstance(pending, dict) else ""
    if name and f"{sources.name}/{name}" in indexed:
        clear_pending(sources)
        return None
    removed = rollback(sources)
    return (f"the addition of {removed} did not finish (the app stopped while indexing it); it was removed from "
            f"{sources.name}/: add it again") if removed else None
