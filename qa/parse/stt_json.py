"""Reader for speech-to-text JSON: Whisper, WhisperX and the like.

The shapes read:

- Whisper, WhisperX, faster-whisper: an object with `segments` (or a bare list
  of them), each with `start` (seconds), `text` and optionally `speaker`
  ("SPEAKER_00" until a catalogue alias names them);
- AssemblyAI: `utterances`, each with `start` in milliseconds, `text` and
  `speaker` ("A", "B": read as "Speaker A");
- Deepgram: `results.utterances`, each with `start` (seconds), `transcript` and
  `speaker` (0, 1: read as "Speaker 0").
- whisper.cpp (`-oj`): `transcription`, each with `offsets.from` in milliseconds
  and `text`;
- Amazon Transcribe: `results.audio_segments` (`transcript`, `start_time`,
  `speaker_label` "spk_0"), or in older output its word `items`, joined into one
  segment per speaker change (or per sentence without speaker labels);
- Google Speech-to-Text: `results`, each with `alternatives[0].transcript` and
  `resultEndTime` ("12.5s"; a result starts where the one before ended), its
  speaker the most common `speakerTag` of its words ("Speaker 1") when diarised.

Consecutive segments of one speaker become one turn that keeps the first one's
start time (segments of nobody in particular, paragraphs: `common.merge_runs`).
Segments without a speaker belong to the declared interviewee, else to an
unknown speaker.
"""
from __future__ import annotations

import json
from collections import Counter

from .common import INTERVIEWEE, UNKNOWN, Meta, Piece, SourceError, Speakers, decode, merge_runs, repair, seconds


def read_all(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
             ) -> list[tuple[Meta, list[Piece], str]]:
    """Every transcript in the file, with the suffix of its article id: a dataset file of several records
    gives one each ("-1", "-2", …), with its own title, date and link; anything else is one."""
    records = _records(_document(decode(data, source), source))
    if len(records) > 1:
        return [(*_read_records([r], source, default_interviewee, catalog), f"-{i}")
                for i, r in enumerate(records, start=1)]
    return [(*read_file(data, source, default_interviewee, catalog), "")]


def _document(text: str, source: str):
    """The JSON document, or JSON Lines as a list; a SourceError for neither."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        doc = _json_lines(text)
        if doc is None:
            raise SourceError(source, f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
        return doc


def read_file(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
              ) -> tuple[Meta, list[Piece]]:
    doc = _document(decode(data, source), source)
    records = _records(doc)
    if records:  # a dataset's episode(s): a labelled transcript in a text field
        return _read_records(records, source, default_interviewee, catalog)
    try:
        segments, text_key, per_second = _segments(doc)
    except (AttributeError, TypeError, KeyError, IndexError):  # a known shape whose parts have the wrong types
        segments, text_key, per_second = None, "text", 1.0
    if not isinstance(segments, list) or not segments or not all(
            isinstance(s, dict) and isinstance(s.get(text_key), str) for s in segments):
        raise SourceError(source, "JSON that is not a speech-to-text transcript: expected 'segments', "
                                  "each with 'start', 'end' and 'text' (as Whisper and WhisperX write them), "
                                  "or AssemblyAI's or Deepgram's 'utterances', whisper.cpp's 'transcription', "
                                  "Amazon Transcribe's or Google's 'results', a list of {'speaker', 'text'} turns, "
                                  "or records with a labelled transcript in 'text', 'transcript' or 'content'")
    meta = Meta().fill(catalog or Meta())
    speakers = Speakers(meta.aliases, [meta.interviewee or default_interviewee])
    pieces = []
    # Podcasting 2.0 names a speaker where the speaker changes; the segments after are the same speaker's.
    carry = any(seg.get("speaker") not in (None, "") for seg in segments)
    who = INTERVIEWEE if meta.interviewee else UNKNOWN
    for seg in segments:
        text = repair(seg[text_key], meta).strip()
        if not text:
            continue
        label = seg.get("voice") if isinstance(seg.get("voice"), str) and seg["voice"].strip() \
            else seg.get("speaker")  # Podlove: "speaker" is an id, "voice" the name
        if isinstance(label, int) or (isinstance(label, str) and len(label.strip()) == 1):
            label = f"Speaker {str(label).strip()}"  # AssemblyAI's "A", Deepgram's 0
        if label not in (None, ""):
            who = speakers(str(label))
        elif not carry:
            who = INTERVIEWEE if meta.interviewee else UNKNOWN
        pieces.append(Piece(who, text, start=_start(seg, per_second, source)))
    if not pieces:
        raise SourceError(source, "speech-to-text JSON whose segments hold no text")
    return meta, merge_runs(pieces)


def _start(seg: dict, per_second: float, source: str) -> float | None:
    """A segment's start in seconds: `start` (in the document's units, or a stamp "00:01:02.5" as Podlove
    writes it), Podcasting 2.0's `startTime` (seconds), or `start_ms`."""
    for key, units in (("start", per_second), ("startTime", 1.0), ("start_time", 1.0), ("start_ms", 1000.0)):
        value = seg.get(key)
        if value is None or value == "":
            continue
        try:
            if isinstance(value, str) and ":" in value:
                return seconds(value.strip())
            return float(value) / units
        except (TypeError, ValueError):
            raise SourceError(source, f"segment {key} {value!r} is not a time (seconds, or 00:01:02.5)") from None
    return None


def _segments(doc) -> tuple[object, str, float]:
    """The list of timed pieces in a speech-to-text document, the key of their text, and their time units
    per second."""
    if not isinstance(doc, dict):
        return doc, "text", 1.0
    if "segments" in doc:  # Whisper's "text"; Podcasting 2.0's "body" (and "startTime", "endTime")
        segs = doc["segments"]
        body = isinstance(segs, list) and segs and all(isinstance(x, dict) and "text" not in x and "body" in x
                                                       for x in segs)
        return segs, "body" if body else "text", 1.0
    if isinstance(doc.get("utterances"), list):  # AssemblyAI: times in milliseconds
        return doc["utterances"], "text", 1000.0
    if isinstance(doc.get("transcription"), list):  # whisper.cpp: times in milliseconds under "offsets"
        return [{**seg, "start": (seg.get("offsets") or {}).get("from")} if isinstance(seg, dict) else seg
                for seg in doc["transcription"]], "text", 1000.0
    results = doc.get("results")
    if isinstance(results, dict) and isinstance(results.get("utterances"), list):  # Deepgram
        return results["utterances"], "transcript", 1.0
    if isinstance(results, dict) and isinstance(results.get("audio_segments"), list):  # Amazon Transcribe
        return [{**seg, "start": seg.get("start_time"), "speaker": seg.get("speaker_label")}
                if isinstance(seg, dict) else seg for seg in results["audio_segments"]], "transcript", 1.0
    if isinstance(results, dict) and isinstance(results.get("items"), list):  # Amazon Transcribe, older
        return _transcribe_items(results), "text", 1.0
    if isinstance(results, list) and results and all(isinstance(r, dict) and r.get("alternatives") for r in results):
        return _google_results(results), "text", 1.0  # Google Speech-to-Text
    return None, "text", 1.0


def _google_results(results: list[dict]) -> list[dict]:
    """Google Speech-to-Text's results as segments: each starts where the one before ended."""
    out, start = [], 0.0
    for r in results:
        best = r["alternatives"][0] if isinstance(r["alternatives"][0], dict) else {}
        tags = Counter(w.get("speakerTag") for w in best.get("words", []) or [] if isinstance(w, dict)
                       and w.get("speakerTag"))
        if isinstance(best.get("transcript"), str):
            out.append({"start": start, "text": best["transcript"],
                        "speaker": f"Speaker {tags.most_common(1)[0][0]}" if tags else None})
        try:
            start = float(str(r.get("resultEndTime", "")).rstrip("s"))
        except ValueError:
            pass
    return out


def _transcribe_items(results: dict) -> list[dict]:
    """Amazon Transcribe's word items as segments: words joined (punctuation without a space), a new segment
    at each change of speaker (the item's own label, or the speaker segment its time falls in), or after
    each sentence when no speaker is labelled."""
    by_time = {}
    for seg in (results.get("speaker_labels") or {}).get("segments", []) or []:
        for item in seg.get("items", []) or []:
            by_time[item.get("start_time")] = item.get("speaker_label") or seg.get("speaker_label")
    out: list[dict] = []
    sentence_done = False
    for item in results["items"]:
        if not isinstance(item, dict) or not item.get("alternatives"):
            continue
        word = str(item["alternatives"][0].get("content", ""))
        if item.get("type") == "punctuation":
            if out:
                out[-1]["text"] += word
                sentence_done = word in ".?!"
            continue
        speaker = item.get("speaker_label") or by_time.get(item.get("start_time"))
        if not out or speaker != out[-1]["speaker"] or (speaker is None and sentence_done):
            out.append({"start": item.get("start_time"), "speaker": speaker, "text": word})
        else:
            out[-1]["text"] += " " + word
        sentence_done = False
    return out


# A record of a podcast or interview dataset: its transcript, labelled ("HOST: …\nGUEST: …"), in one text field,
# beside its title, date and link under one of these names.
TEXT_KEYS = ("transcript", "text", "content", "body")
TITLE_KEYS = ("episode", "title", "episode_title", "name")
DATE_KEYS = ("date", "published", "pub_date", "release_date", "air_date")
URL_KEYS = ("url", "link", "episode_url", "source")
MIN_RECORD_CHARS = 200  # a text field shorter than this is a segment's words, not a transcript


def _json_lines(text: str) -> list | None:
    """JSON Lines (one object a line), or None when the text is not that either."""
    out = []
    for line in text.split("\n"):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                return None
    return out or None


def _record_text(r) -> str | None:
    if not isinstance(r, dict):
        return None
    for key in TEXT_KEYS:
        value = r.get(key)
        if isinstance(value, str) and len(value) >= MIN_RECORD_CHARS and "\n" in value.strip():
            return value
    return None


def _records(doc) -> list[dict]:
    """The dataset records in a document: one object, or a list of them, each holding a transcript's text."""
    items = doc if isinstance(doc, list) else [doc]
    if items and all(_record_text(r) is not None for r in items):
        return items
    return []


def _first(r: dict, keys: tuple[str, ...]) -> str:
    return next((str(r[k]).strip() for k in keys if isinstance(r.get(k), (str, int, float)) and str(r[k]).strip()), "")


def _read_records(records: list[dict], source: str, default_interviewee: str, catalog: Meta | None
                  ) -> tuple[Meta, list[Piece]]:
    """Records -> one transcript read as plain text: one record with its title, date and link as the
    file's; several as sections headed by their titles."""
    from . import markdown

    found = Meta()
    if len(records) == 1:
        r = records[0]
        found = Meta(title=_first(r, TITLE_KEYS), date=_first(r, DATE_KEYS), url=_first(r, URL_KEYS))
        text = _record_text(r)
    else:
        text = "\n\n".join(f"## {_first(r, TITLE_KEYS) or f'Record {i}'}\n\n{_record_text(r)}"
                           for i, r in enumerate(records, start=1))
    text = repair(text, found)
    return markdown.read(text, default_interviewee, (catalog or Meta()).fill(found))
