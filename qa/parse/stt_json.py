"""Reader for speech-to-text JSON: Whisper, WhisperX and the like.

The shape read is an object with `segments` (or a bare list of them), each with
`start` (seconds), `text` and optionally `speaker` ("SPEAKER_00" until a
catalogue alias names them). Consecutive segments of one speaker become one
turn that keeps the first one's start time. Segments without a speaker belong
to the declared interviewee, else to an unknown speaker.
"""
from __future__ import annotations

import json

from .common import INTERVIEWEE, UNKNOWN, Meta, Piece, SourceError, Speakers, decode, merge_runs


def read_file(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
              ) -> tuple[Meta, list[Piece]]:
    try:
        doc = json.loads(decode(data, source))
    except json.JSONDecodeError as e:
        raise SourceError(source, f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    segments = doc.get("segments") if isinstance(doc, dict) else doc
    if not isinstance(segments, list) or not segments or not all(
            isinstance(s, dict) and isinstance(s.get("text"), str) for s in segments):
        raise SourceError(source, "JSON that is not a speech-to-text transcript: expected 'segments', "
                                  "each with 'start', 'end' and 'text' (as Whisper and WhisperX write them)")
    meta = catalog or Meta()
    speakers = Speakers(meta.aliases, [meta.interviewee or default_interviewee])
    pieces = []
    for seg in segments:
        text = seg["text"].strip()
        if not text:
            continue
        label = seg.get("speaker")
        who = speakers(str(label)) if label not in (None, "") else (INTERVIEWEE if meta.interviewee else UNKNOWN)
        try:
            start = float(seg["start"]) if seg.get("start") is not None else None
        except (TypeError, ValueError):
            raise SourceError(source, f"segment start {seg.get('start')!r} is not a number of seconds") from None
        pieces.append(Piece(who, text, start=start))
    if not pieces:
        raise SourceError(source, "speech-to-text JSON whose segments hold no text")
    return meta, merge_runs(pieces)
