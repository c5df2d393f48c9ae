"""The readers: every format and label shape in tests/fixtures/transcripts, read into the right turns,
speakers and times, with every spoken word kept; bad files named with their reason."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.parse import MAX_BYTES, SourceError, load_sources, parse_file
from qa.parse.common import natural_name
from qa.types import clock, moment_url

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
M = "Mira Murati"


@pytest.fixture(scope="module")
def fixtures():
    parsed, errors, notices, _ = load_sources(FIXTURES)
    return {a.article_id: (a, turns) for a, turns in parsed}, errors, notices


def rows(fixtures, name):
    return [(t.speaker, t.start, t.text) for t in fixtures[0][name][1]]


# file -> [(speaker, start, first words of the text)], every turn in order
EXPECTED = {
    "labels": [("Narrator", None, "Lighthouse notes"), ("Narrator", None, "Note: this transcript"),
               ("Kara Lin", None, "Welcome back."), (M, None, "Thank you. I have always loved lighthouses"),
               ("Kara Lin", None, "Did the keepers"), (M, None, "Mostly with their families.")],
    "timed": [("Omar Diaz", 5.0, "Let us start"), (M, 12.0, "Eleven colonies"), ("Omar Diaz", 62.0, "And the honey"),
              (M, 69.0, "Smaller than last year.")],
    "rev": [("Tom Ray", 0.0, "Tell me about the regatta."), (M, 7.0, "Yes, a dinghy"), ("Tom Ray", 31.0, "What was"),
            (M, 35.0, "Reading the tides.")],
    "otter": [("Narrator", None, "Chess evening"), ("Lena Park", 3.0, "You play chess"), (M, 9.0, "The Queen's Gambit"),
              ("Lena Park", 75.0, "Do you study"), (M, 80.0, "Every week.")],
    "qa": [("Interviewer", None, "What did you see"), (M, None, "Steam rising"), ("Interviewer", None, "Were you afraid"),
           (M, None, "The seismographs")],
    "plain-labels": [("Joanna Hale", None, "You repair"), (M, None, "From flea markets"),
                     ("Joanna Hale", None, "What do you do"), (M, None, "I give them")],
    "voices": [("Ben Ortiz", 1.0, "How is the orchard"), (M, 4.5, "The apple trees"), ("Ben Ortiz", 12.0, "Do you press"),
               (M, 1770.0, "Every October")],
    "names": [("Sam Wells", 2.0, "You spent a winter"), (M, 5.5, "Yes. We drilled"), ("Sam Wells", 12.5, "And the glacier"),
              (M, 14.5, "It lost forty")],
    "tv": [("Nina Ross", 1.0, "You ran the marathon"), (M, 3.0, "The whole race."), ("Nina Ross", 9.0, "What kept"),
           (M, 12.0, "The crowd at the bridge")],
    # ">>" alone: two voices taking turns, named by the catalogue; a change inside a caption line counts too
    "captions": [("Lena Park", 0.0, "SO WHERE DID THE CHOIR REHEARSE?"), (M, 2.5, "IN THE OLD TRAIN DEPOT"),
                 ("Lena Park", 5.0, "AND WHO LED IT?"), (M, 8.0, "A RETIRED CONDUCTOR")],
    "mono": [(M, 0.5, "Folding paper cranes")],
    "whisper": [(M, 0.0, "Last night I set up the telescope")],
    # a recording with no speaker at all: paragraphs, each with its time
    "canal": [(M, 0.0, "Welcome to this short walk"), (M, 48.0, "The summit pound"), (M, 96.0, "Puddling clay"),
              (M, 144.0, "The lock keeper's cottage")],
    "assemblyai": [("Rosa Lind", 0.25, "What grows"), (M, 3.1, "Tomato seedlings"), ("Rosa Lind", 10.2, "Does it fruit?"),
                   (M, 11.4, "Twice a year")],
    "whisperx": [("Ida Berg", 1.5, "When did you start"), (M, 4.3, "At seven."), ("Ida Berg", 13.0, "Do you still"),
                 (M, 15.6, "In a small string quartet")],
    "bakery": [("Narrator", None, "We met before dawn"), ("Ava Stone", None, "Why do you bake"),
               (M, None, "Because sourdough needs time."), ("Interviewer", None, "What makes a good crust?"),
               (M, None, "Steam in the first ten minutes")],
    "speakers-only": [("Speaker_00", 0.0, "Where should we plant"), ("Speaker_01", 3.0, "Along the fence")],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_format_is_read_into_its_turns_speakers_and_times(fixtures, name):
    got = rows(fixtures, name)
    assert [(s, t) for s, t, _ in got] == [(s, t) for s, t, _ in EXPECTED[name]], got
    for (_, _, text), (_, _, start) in zip(got, EXPECTED[name]):
        assert text.startswith(start), (text, start)


def test_nothing_is_skipped_and_undeclared_files_are_named(fixtures):
    parsed, errors, notices = fixtures
    assert errors == [] and set(parsed) == set(EXPECTED)
    # Answers with no name and no declared interviewee: read as hers, and said so.
    assert any("qa.txt" in n and "no name" in n for n in notices)
    # "Speaker 1"/"Speaker 2" only: indexed under those labels, never as her answers, and said so.
    assert any("speakers-only.json" in n and "no speaker is named" in n for n in notices)
    assert not any(t.is_interviewee for t in parsed["speakers-only"][1])


def test_caption_lines_are_joined_and_markup_dropped(fixtures):
    voices = dict((s, x) for s, _, x in rows(fixtures, "voices")[1:2])
    assert voices[M] == ("The apple trees are heavy with fruit, and the pears ripened early. "
                         "We pick by hand and store the apples in a cool cellar until spring.")
    # a rolling caption's repeated line is read once; ">>" and the label are not words of hers
    assert rows(fixtures, "tv")[1][2] == ("The whole race. My shoes were soaked after the first ten kilometres. "
                                         "I kept running anyway.")


def test_anonymous_speaker_changes_are_two_voices_never_hers_until_named(tmp_path):
    path = tmp_path / "news.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n>> WHAT DID YOU FIND?\n\n"
                    "00:00:03.000 --> 00:00:06.000\n>> OLD MAPS OF THE HARBOUR.\n>> FROM WHEN?\n\n"
                    "00:00:06.000 --> 00:00:08.000\n>> THE 1890S.\n", encoding="utf-8")
    notices: list[str] = []
    article, turns = parse_file(path, notices=notices)
    assert [(t.speaker, t.text) for t in turns] == [
        ("Speaker 1", "WHAT DID YOU FIND?"), ("Speaker 2", "OLD MAPS OF THE HARBOUR."),
        ("Speaker 1", "FROM WHEN?"), ("Speaker 2", "THE 1890S.")]
    assert not any(t.is_interviewee for t in turns) and article.interviewee == ""
    assert len(notices) == 1 and "no speaker is named" in notices[0] and '"Speaker 1"' in notices[0]
    # A declared interviewee does not make anonymous voices hers either: the notice says how to name them.
    notices.clear()
    _, turns = parse_file(path, notices=notices, interviewee=M)
    assert not any(t.is_interviewee for t in turns) and "no speaker is named" in notices[0]


def test_deepgram_utterances_are_read_with_numbered_speakers(tmp_path):
    path = tmp_path / "dg.json"
    path.write_text(json.dumps({"metadata": {"duration": 9.0}, "results": {"utterances": [
        {"start": 0.4, "end": 2.0, "speaker": 0, "transcript": "Where is the kiln?"},
        {"start": 2.2, "end": 6.0, "speaker": 1, "transcript": "Behind the barn, next to the woodpile."}]}}),
        encoding="utf-8")
    notices: list[str] = []
    _, turns = parse_file(path, notices=notices)
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        ("Speaker 0", 0.4, "Where is the kiln?"), ("Speaker 1", 2.2, "Behind the barn, next to the woodpile.")]
    assert "no speaker is named" in notices[0]


def test_a_guest_who_speaks_once_is_not_folded_into_her_answer(tmp_path):
    # In a file that labels its turns, a full name used once is a speaker: the audience member's question
    # must not become words of hers. A one-word opening used once ("Anyway: …") and a Chinese one are not.
    text = ("Lena Park: Which bridge do you like best?\n\nMira Murati: The old stone one near the river.\n\n"
            "Tom Reyes: Can I ask a question from the floor?\n\nMira Murati: Of course.\n\n"
            "Lena Park: Anyway: back to bridges.\n\nMira Murati: Anyway: they outlast us. 总之：桥比人长久。\n")
    path = tmp_path / "bridges.txt"
    path.write_text(text, encoding="utf-8")
    _, turns = parse_file(path)
    assert [t.speaker for t in turns] == ["Lena Park", M, "Tom Reyes", M, "Lena Park", M]
    vtt = tmp_path / "bridges.vtt"
    cues = [line for line in text.split("\n") if line]
    vtt.write_text("WEBVTT\n\n" + "\n\n".join(f"00:00:{i:02d}.000 --> 00:00:{i:02d}.900\n{c}"
                                              for i, c in enumerate(cues)), encoding="utf-8")
    _, turns = parse_file(vtt)
    assert [t.speaker for t in turns] == ["Lena Park", M, "Tom Reyes", M, "Lena Park", M]
    assert turns[-1].text == "Anyway: they outlast us. 总之：桥比人长久。"


def test_a_long_recording_without_speakers_is_cited_by_its_paragraphs_times(tmp_path):
    # Whisper without diarisation: one voice for an hour. Its words become paragraphs, each a turn with its
    # own time, so an answer links to its moment, not to the start; no word is lost or doubled.
    from qa.parse.common import PARAGRAPH_CHARS

    sentences = [f"Sentence number {i} is about the harbour and its {i} boats." for i in range(120)]
    path = tmp_path / "talk.json"
    path.write_text(json.dumps({"segments": [{"start": 5.0 * i, "end": 5.0 * i + 4, "text": f" {x}"}
                                             for i, x in enumerate(sentences)]}), encoding="utf-8")
    _, turns = parse_file(path, interviewee=M)
    assert len(turns) > 5 and all(t.speaker == M and t.is_interviewee for t in turns)
    assert all(len(t.text) < 2 * PARAGRAPH_CHARS + 100 for t in turns)
    assert [t.start for t in turns] == sorted(t.start for t in turns) and turns[1].start > 0
    assert " ".join(t.text for t in turns) == " ".join(sentences)
    hit = next(t for t in turns if "number 100 " in t.text)
    assert hit.start <= 500.0 < hit.start + 5.0 * 15


def test_chinese_recordings_without_speakers_make_paragraphs_of_similar_length(tmp_path):
    from qa.parse.common import PARAGRAPH_CHARS

    sentence = "我们在河边的老磨坊里修好了水车，第二年春天它又转起来了。"  # 28 characters
    path = tmp_path / "mill.json"
    path.write_text(json.dumps({"segments": [{"start": 4.0 * i, "end": 4.0 * i + 3.5, "text": sentence}
                                             for i in range(60)]}, ensure_ascii=False), encoding="utf-8")
    _, turns = parse_file(path, interviewee=M)
    assert "".join(t.text for t in turns) == sentence * 60  # joined without spaces, nothing lost
    assert all(len(t.text) <= PARAGRAPH_CHARS for t in turns) and len(turns) >= 8


def test_a_copied_video_transcript_of_times_and_words(tmp_path):
    # "0:03" alone on a line and the words below it (or "[0:03] words"), no speaker anywhere: one voice.
    path = tmp_path / "garden.txt"
    path.write_text("0:00\nso tell me about the garden\n0:03\nwe grow pumpkins and beans\n"
                    "[1:02:03] and that is all\n", encoding="utf-8")
    notices: list[str] = []
    article, turns = parse_file(path, notices=notices)
    assert [(t.speaker, t.start) for t in turns] == [("Unknown speaker", 0.0)] and article.interviewee == ""
    assert turns[0].text == "so tell me about the garden we grow pumpkins and beans and that is all"
    assert "no speaker" in notices[0] and "interviewee" in notices[0]
    _, turns = parse_file(path, interviewee=M)
    assert [(t.speaker, t.is_interviewee) for t in turns] == [(M, True)]
    # Times in a transcript that has speaker labels are the labels' business, not a speaker of their own.
    path.write_text("Ann Lee  0:00\nWhat grows?\n\nMira Murati  0:03\nFigs.\n\n10:30\nnothing\n", encoding="utf-8")
    assert [t.speaker for t in parse_file(path)[1]] == ["Ann Lee", M]


def test_bracketed_speaker_ids_in_subtitles(tmp_path):
    # Subtitles for the deaf and hard of hearing: "[KARA LIN] words"; "[LAUGHS]" is a sound, even twice.
    path = tmp_path / "sdh.srt"
    cues = ["[KARA LIN] Where did you grow up?", "[MIRA MURATI] In Vlore, by the sea.", "[LAUGHS] Really.",
            "[KARA LIN] And then?", "[MIRA MURATI] Canada, for school.", "[LAUGHS] Then California."]
    path.write_text("\n".join(f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i},900\n{c}\n" for i, c in enumerate(cues)),
                    encoding="utf-8")
    # The sound is the room's: out of her words (and so of quotes and what is embedded), shown after them.
    assert [(t.speaker, t.start, t.text) for t in parse_file(path)[1]] == [
        ("Kara Lin", 0.0, "Where did you grow up?"), (M, 1.0, "In Vlore, by the sea. Really."),
        ("Narrator", 2.0, "[LAUGHS]"),
        ("Kara Lin", 3.0, "And then?"), (M, 4.0, "Canada, for school. Then California."), ("Narrator", 5.0, "[LAUGHS]")]


def test_subtitles_saved_as_text_are_read_as_subtitles(tmp_path):
    path = tmp_path / "comets.txt"
    path.write_bytes(b"\xef\xbb\xbf1\r\n00:00:01,000 --> 00:00:04,000\r\nANN LEE: What did you build?\r\n\r\n"
                     b"2\r\n00:00:04,500 --> 00:00:09,000\r\nMIRA MURATI: A telescope mount\r\nfor comets.\r\n")
    _, turns = parse_file(path)
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        ("Ann Lee", 1.0, "What did you build?"), (M, 4.5, "A telescope mount for comets.")]


def test_whisper_cpp_json_is_read_with_its_times(tmp_path):
    path = tmp_path / "cpp.json"
    path.write_text(json.dumps({"systeminfo": "AVX = 1", "model": {"type": "base"}, "transcription": [
        {"timestamps": {"from": "00:00:00,000", "to": "00:00:03,100"}, "offsets": {"from": 0, "to": 3100},
         "text": " The lighthouse was built in 1871."},
        {"timestamps": {"from": "00:00:03,100", "to": "00:00:06,000"}, "offsets": {"from": 3100, "to": 6000},
         "text": " Its lamp burned whale oil."}]}), encoding="utf-8")
    _, turns = parse_file(path, interviewee=M)
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        (M, 0.0, "The lighthouse was built in 1871. Its lamp burned whale oil.")]


@pytest.mark.parametrize("shape", [
    "{t} {name}: {text}",          # a time before the label, unbracketed
    "{name} - {t}\n{text}",        # the label and its time alone on a line, a dash between
    "{name}\n{t}\n{text}",         # the name, then its time, each alone on its line
    "[{t}] {name}: {text}",
    "{name} ({t}): {text}",
    "{name}  {t}\n{text}",
])
def test_timed_label_shapes_of_transcription_services(tmp_path, shape):
    turns_in = [("Kara Swisher", "00:01:02", "Did you copy her voice?"),
                ("Mira Murati", "00:01:09", "No. We cast the actors months before."),
                ("Kara Swisher", "00:02:00", "Why that voice?"), ("Mira Murati", "00:02:05", "It tested well.")]
    path = tmp_path / "t.txt"
    path.write_text("\n\n".join(shape.format(t=t, name=n, text=x) for n, t, x in turns_in) + "\n", encoding="utf-8")
    _, turns = parse_file(path)
    assert [(t.speaker, t.start, t.text) for t in turns] == [(n, float(int(t[3:5]) * 60 + int(t[6:])), x)
                                                              for n, t, x in turns_in]


def test_meeting_transcripts_zoom_and_time_marks(tmp_path):
    # Zoom's saved transcript: "[Name] 14:02:33" alone on its line, the words below.
    path = tmp_path / "zoom.txt"
    path.write_text("[Lena Park] 00:02:33\nWelcome everyone.\n[Mira Murati] 00:02:41\nThank you for having me.\n"
                    "[Laughter]\nReally.\n[Lena Park] 00:03:02\nWhat about bridges?\n[Laughter]\nOh.\n",
                    encoding="utf-8")
    assert [(t.speaker, t.start, t.text) for t in parse_file(path)[1]] == [
        ("Lena Park", 153.0, "Welcome everyone."), (M, 161.0, "Thank you for having me. [Laughter] Really."),
        ("Lena Park", 182.0, "What about bridges? [Laughter] Oh.")]
    # A meeting transcript's time marks between labelled turns: the time of the turns after them, not words.
    path.write_text("Transcript\n00:00:00\nLena Park: Welcome.\nMira Murati: Thank you.\n00:05:00\n"
                    "Lena Park: What about bridges?\nMira Murati: I love old stone bridges.\n", encoding="utf-8")
    assert [(t.speaker, t.start, t.text) for t in parse_file(path)[1]] == [
        ("Narrator", None, "Transcript"), ("Lena Park", 0.0, "Welcome."), (M, 0.0, "Thank you."),
        ("Lena Park", 300.0, "What about bridges?"), (M, 300.0, "I love old stone bridges.")]


def _transcribe_item(start, word, speaker=None):
    item = {"start_time": f"{start:.2f}", "end_time": f"{start + 0.3:.2f}", "type": "pronunciation",
            "alternatives": [{"confidence": "0.99", "content": word}]}
    return {**item, "speaker_label": speaker} if speaker else item


def _transcribe_punct(mark):
    return {"type": "punctuation", "alternatives": [{"confidence": "0.0", "content": mark}]}


def test_amazon_transcribe_json(tmp_path):
    path = tmp_path / "aws.json"
    # Newer output: audio segments.
    path.write_text(json.dumps({"jobName": "j", "status": "COMPLETED", "results": {
        "transcripts": [{"transcript": "Where is the kiln? Behind the barn."}], "items": [],
        "audio_segments": [
            {"id": 0, "transcript": "Where is the kiln?", "start_time": "0.44", "end_time": "1.9", "speaker_label": "spk_0"},
            {"id": 1, "transcript": "Behind the barn.", "start_time": "2.10", "end_time": "3.5", "speaker_label": "spk_1"}]}}),
        encoding="utf-8")
    _, turns = parse_file(path)
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        ("spk_0", 0.44, "Where is the kiln?"), ("spk_1", 2.1, "Behind the barn.")]
    # Older output: word items, speakers from speaker_labels' segments, punctuation joined to its word.
    words = [(0.4, "Where", "spk_0"), (0.7, "is", "spk_0"), (0.9, "the", "spk_0"), (1.1, "kiln", "spk_0"),
             (2.1, "Behind", "spk_1"), (2.4, "the", "spk_1"), (2.6, "barn", "spk_1")]
    items = [_transcribe_item(t, w) for t, w, _ in words]
    items.insert(4, _transcribe_punct("?"))
    items.append(_transcribe_punct("."))
    segments = [{"speaker_label": spk, "start_time": f"{words[a][0]:.2f}",
                 "items": [{"start_time": f"{t:.2f}", "speaker_label": s} for t, _, s in words[a:b]]}
                for spk, a, b in (("spk_0", 0, 4), ("spk_1", 4, 7))]
    path.write_text(json.dumps({"results": {"items": items, "speaker_labels": {"speakers": 2, "segments": segments}}}),
                    encoding="utf-8")
    _, turns = parse_file(path)
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        ("spk_0", 0.4, "Where is the kiln?"), ("spk_1", 2.1, "Behind the barn.")]
    # Without speaker labels: one voice, the declared interviewee's.
    path.write_text(json.dumps({"results": {"items": [_transcribe_item(t, w) for t, w, _ in words]}}), encoding="utf-8")
    _, turns = parse_file(path, interviewee=M)
    assert [(t.speaker, t.text) for t in turns] == [(M, "Where is the kiln Behind the barn")]


@pytest.mark.parametrize("text, expected", [
    # full-width brackets around the speaker, as Chinese transcripts mark them
    ("【主持人】你怎么看AI监管？\n\n【穆拉蒂】我认为需要政府参与。\n\n【主持人】那开源呢？\n\n【穆拉蒂】要看风险。\n",
     [("主持人", None), (M, None), ("主持人", None), (M, None)]),
    # a time in full-width parentheses
    ("主持人（00:01:02）：你怎么看AI监管？\n\n穆拉蒂（00:01:09）：我认为需要政府参与。\n",
     [("主持人", 62.0), (M, 69.0)]),
    # Chinese transcription services' numbered speakers: nobody's answers until named
    ("说话人1 00:00\n你怎么看AI监管？\n\n说话人2 00:05\n我认为需要政府参与。\n\n说话人1 00:12\n那开源呢？\n",
     [("说话人1", 0.0), ("说话人2", 5.0), ("说话人1", 12.0)]),
])
def test_chinese_transcript_label_shapes(tmp_path, text, expected):
    path = tmp_path / "zh.txt"
    path.write_text(text, encoding="utf-8")
    notices: list[str] = []
    _, turns = parse_file(path, notices=notices)
    assert [(t.speaker, t.start) for t in turns] == expected
    assert [t.is_interviewee for t in turns] == [s == M for s, _ in expected]
    assert ("no speaker is named" in " ".join(notices)) == (expected[0][0] == "说话人1")


def test_google_speech_to_text_json(tmp_path):
    path = tmp_path / "google.json"
    words = lambda text, tag: [{"word": w, "speakerTag": tag} for w in text.split()]  # noqa: E731
    path.write_text(json.dumps({"results": [
        {"alternatives": [{"transcript": "Where is the kiln?", "confidence": 0.9, "words": words("Where is the kiln?", 1)}],
         "resultEndTime": "2.100s", "languageCode": "en-us"},
        {"alternatives": [{"transcript": " Behind the barn.", "words": words("Behind the barn.", 2)}],
         "resultEndTime": "5.5s"}]}), encoding="utf-8")
    _, turns = parse_file(path)
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        ("Speaker 1", 0.0, "Where is the kiln?"), ("Speaker 2", 2.1, "Behind the barn.")]
    # Without diarisation: one voice, the declared interviewee's.
    path.write_text(json.dumps({"results": [{"alternatives": [{"transcript": "The kiln is behind the barn."}],
                                             "resultEndTime": "3s"}]}), encoding="utf-8")
    assert [(t.speaker, t.start) for t in parse_file(path, interviewee=M)[1]] == [(M, 0.0)]


@pytest.mark.parametrize("doc", [
    {"results": {"items": [{"alternatives": ["x"], "type": "pronunciation"}]}},
    {"results": {"speaker_labels": {"segments": [5]}, "items": []}},
    {"results": [{"alternatives": [{"transcript": "hi", "words": [{"speakerTag": [1]}]}]}]},
    {"transcription": [{"text": "hi", "offsets": 5}]},
])
def test_speech_to_text_json_of_a_known_shape_with_wrong_parts_is_named(tmp_path, doc):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SourceError, match="not a speech-to-text transcript"):
        parse_file(path)


def test_honorifics_and_roles_in_labels(tmp_path):
    # Hearing and press transcripts: "MS. MURATI:" is her; "(OpenAI)" or "(host, 00:01:02)" is a role, not
    # part of the name, and a time inside it is the turn's time.
    path = tmp_path / "hearing.txt"
    path.write_text("SEN. BLUMENTHAL: How do you test models?\n\nMS. MURATI: We red-team them for months.\n\n"
                    "SEN. BLUMENTHAL: And after release?\n\nMS. MURATI: We watch how they are used.\n\n"
                    "KARA LIN (host, 00:01:02): One more?\n\nMIRA MURATI (OpenAI): Of course.\n", encoding="utf-8")
    article, turns = parse_file(path)
    assert [(t.speaker, t.is_interviewee, t.start) for t in turns] == [
        ("Sen. Blumenthal", False, None), (M, True, None), ("Sen. Blumenthal", False, None), (M, True, None),
        ("Kara Lin", False, 62.0), (M, True, None)]
    assert article.interviewee == M and turns[-1].text == "Of course."


def test_a_sentence_with_a_colon_is_not_a_speaker(fixtures):
    speakers = {s for s, _, _ in rows(fixtures, "labels")}
    assert speakers == {"Narrator", "Kara Lin", M}  # not "Note", not "这有三点"
    assert rows(fixtures, "labels")[-1][2].endswith("这有三点：灯塔、航海日志和风暴。")


def test_catalogue_and_page_metadata(fixtures):
    voices = fixtures[0]["voices"][0]
    assert (voices.title, voices.date, voices.url) == ("The orchard in autumn", "2023-09-30",
                                                       "https://www.youtube.com/watch?v=abcdefghijk")
    bakery = fixtures[0]["bakery"][0]
    assert (bakery.title, bakery.date) == ("At the bakery: an interview", "2021-09-14")
    assert fixtures[0]["qa"][0].title == "Notes from the volcano" and fixtures[0]["qa"][0].date == "2022-03-04"


def test_web_page_furniture_is_not_read(fixtures):
    text = " ".join(t.text for t in fixtures[0]["bakery"][1])
    for furniture in ("Home", "Subscribe", "tracker", "Lovely piece", "All rights reserved"):
        assert furniture not in text


@pytest.mark.parametrize("label, name", [("MIRA MURATI", "Mira Murati"), ("KARA SWISHER", "Kara Swisher"),
                                         ("Dr. Joy", "Dr. Joy"), ("JOHN MCDONALD", "John McDonald")])
def test_capital_labels_are_shown_in_their_natural_form(label, name):
    assert natural_name(label) == name


@pytest.mark.parametrize("label", ["MIRA MURATI", "Mira", "Murati", "穆拉蒂", "Mira Murati"])
def test_her_aliases_are_one_person(tmp_path, label):
    path = tmp_path / "a.txt"
    path.write_text(f"Host One: First question here?\n\n{label}: My answer, in several words.\n\n"
                    f"Host One: Second question?\n\n{label}: Another answer.\n", encoding="utf-8")
    article, turns = parse_file(path)
    assert [t.speaker for t in turns] == ["Host One", M, "Host One", M] and article.interviewee == M
    assert [t.is_interviewee for t in turns] == [False, True, False, True]


def test_a_file_with_other_speakers_is_never_hers(tmp_path):
    path = tmp_path / "other.txt"
    path.write_text("ANN LEE: What is the recipe?\n\nBOB KIM: Flour, water and salt.\n\nANN LEE: Thanks.\n", "utf-8")
    notices = []
    article, turns = parse_file(path, notices=notices)
    assert article.interviewee == "" and not any(t.is_interviewee for t in turns)
    assert notices and "catalog.toml" in notices[0]
    declared = []
    article, turns = parse_file(path, notices=declared, interviewee="Bob Kim")  # qa index --interviewee
    assert article.interviewee == "Bob Kim" and [t.is_interviewee for t in turns] == [False, True, False]


def test_word_documents(tmp_path):
    import docx

    doc = docx.Document()
    doc.core_properties.title = "Pottery class"
    doc.add_heading("At the wheel", level=2)
    p = doc.add_paragraph()
    p.add_run("Leo Grant:").bold = True
    p.add_run(" How long does a bowl take?")
    p = doc.add_paragraph()
    p.add_run("Mira Murati:").bold = True
    p.add_run(" An hour on the wheel, then a week of drying before the kiln.")
    q = doc.add_paragraph()
    r = q.add_run("Which glaze do you like?")
    r.bold = r.italic = True
    doc.add_paragraph("A celadon green, thin enough to show the clay.")
    doc.add_paragraph().add_run("And the firing?").bold = True  # a question in bold alone
    doc.add_paragraph("Slow, overnight, in a gas kiln.")
    doc.save(tmp_path / "pottery.docx")
    article, turns = parse_file(tmp_path / "pottery.docx")
    assert article.title == "Pottery class"
    assert [(t.speaker, t.section, t.text) for t in turns] == [
        ("Leo Grant", "At the wheel", "How long does a bowl take?"),
        (M, "At the wheel", "An hour on the wheel, then a week of drying before the kiln."),
        ("Interviewer", "At the wheel", "Which glaze do you like?"),
        (M, "At the wheel", "A celadon green, thin enough to show the clay."),
        ("Interviewer", "At the wheel", "And the firing?"), (M, "At the wheel", "Slow, overnight, in a gas kiln.")]


def test_word_documents_of_transcription_services(tmp_path):
    # Otter's Word export: each label ("Name  0:03") a paragraph of its own, the words in the next one.
    import docx

    doc = docx.Document()
    for name, at, text in [("Lena Park", "0:00", "Where did the choir rehearse?"), (M, "0:04", "In the old depot."),
                           ("Lena Park", "0:11", "Who led it?"), (M, "1:13", "A retired conductor.")]:
        doc.add_paragraph(f"{name}  {at}")
        doc.add_paragraph(text)
    doc.save(tmp_path / "choir.docx")
    _, turns = parse_file(tmp_path / "choir.docx")
    assert [(t.speaker, t.start, t.text) for t in turns] == [
        ("Lena Park", 0.0, "Where did the choir rehearse?"), (M, 4.0, "In the old depot."),
        ("Lena Park", 11.0, "Who led it?"), (M, 73.0, "A retired conductor.")]


def test_a_pages_calls_to_action_are_not_her_words(tmp_path):
    # A podcast page with plain labels: the turn that ends the transcript must not take in the page's
    # "Subscribe…" and copyright lines; a sentence of hers that merely mentions subscribing stays.
    page = tmp_path / "episode.html"
    page.write_text("<html><head><title>Episode 12</title></head><body><main><h1>Episode 12: Bridges</h1>"
                    "<p>KARA LIN: Which bridge do you like best?</p>"
                    "<p>MIRA MURATI: The one near Shkodër, with thirteen arches.</p>"
                    "<p>KARA LIN: Do people still cross it?</p>"
                    "<p>MIRA MURATI: Every day. I would subscribe to a magazine about it if one existed.</p>"
                    "<p>Subscribe to our newsletter for more episodes.</p><p>Share this episode on social media</p>"
                    "<p>© 2024 Example Podcasts. All rights reserved.</p></main></body></html>", encoding="utf-8")
    _, turns = parse_file(page)
    assert turns[-1].text == "Every day. I would subscribe to a magazine about it if one existed."


def test_bold_q_and_a_labels_are_questions_and_answers(tmp_path):
    path = tmp_path / "kites.md"
    path.write_text("---\ninterviewee: Mira Murati\n---\n# Kites\n\n**Q:** When did you start?\n\n"
                    "**A:** As a child, on the beach.\n\n**问：** 现在呢？\n\n**答：** 每个有风的周末。\n", encoding="utf-8")
    _, turns = parse_file(path)
    assert [(t.speaker, t.text, t.question) for t in turns] == [
        ("Interviewer", "When did you start?", None), (M, "As a child, on the beach.", "When did you start?"),
        ("Interviewer", "现在呢？", None), (M, "每个有风的周末。", "现在呢？")]


def test_press_qa_questions_in_bold_alone(tmp_path):
    # As press Q&As print them: the question a paragraph in bold, the answer unlabelled below it. A bold
    # line that is not a question is the article's prose, not a turn.
    path = tmp_path / "kites.md"
    path.write_text("# Kites\n\n**An interview in three parts**\n\nWe met on the beach.\n\n"
                    "**When did you start flying kites?**\n\nAs a child, with kites my father built.\n\n"
                    "Bamboo and newspaper.\n\n__你最喜欢什么风？__\n\n稳定的海风。\n", encoding="utf-8")
    _, turns = parse_file(path)
    assert [(t.speaker, t.text) for t in turns] == [
        ("Narrator", "An interview in three parts"), ("Narrator", "We met on the beach."),
        ("Interviewer", "When did you start flying kites?"),
        (M, "As a child, with kites my father built.\n\nBamboo and newspaper."),
        ("Interviewer", "你最喜欢什么风？"), (M, "稳定的海风。")]
    assert turns[3].question == "When did you start flying kites?"
    page = tmp_path / "kites.html"
    page.write_text("<html><head><title>Kites</title></head><body><nav>Home | World</nav><article><h1>Kites</h1>"
                    "<p>We met on the beach in May, where she flies them most weekends.</p>"
                    "<p><strong>When did you start flying kites?</strong></p>"
                    "<p>As a child, with kites my father built from bamboo and newspaper.</p>"
                    "<p><b>What makes a good one?</b></p><p>A light spine and a balanced bridle.</p>"
                    "</article><footer>All rights reserved</footer></body></html>", encoding="utf-8")
    _, turns = parse_file(page)
    assert [(t.speaker, t.text[:20]) for t in turns if t.speaker != "Narrator"] == [
        ("Interviewer", "When did you start f"), (M, "As a child, with kit"), ("Interviewer", "What makes a good on"),
        (M, "A light spine and a ")]


@pytest.mark.parametrize("name, content, reason", [
    ("cut.srt", "1\n00:00:01,000 --> 00:00:0", "SubRip subtitles that cannot be read"),
    ("cut.vtt", "WEBVTT\n\n00:00:01.000 --> \nhello\n", "WebVTT that cannot be read"),
    ("other.json", '{"name": "a config file", "values": [1, 2]}', "not a speech-to-text transcript"),
    ("broken.json", '{"segments": [', "not valid JSON"),
    ("empty.html", "<html><body><nav><a href='/'>Home</a></nav><script>x()</script></body></html>",
     "no article text"),
    ("notes.xyz", "Some text", "unknown format '.xyz'"),
    ("bad.docx", "not a zip at all", "Word document"),
])
def test_bad_files_are_named_with_their_reason_and_the_rest_load(tmp_path, name, content, reason):
    d = tmp_path / "sources"
    shutil.copytree(FIXTURES, d)
    (d / name).write_text(content, encoding="utf-8")
    parsed, errors, *_ = load_sources(d)
    assert [e.path for e in errors] == [f"sources/{name}"] and reason in errors[0].reason, errors
    assert len(parsed) == len(EXPECTED)


def test_a_file_too_large_for_a_transcript_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(SourceError, match="too large"):
        parse_file(big)


def test_a_broken_catalogue_is_named_and_the_files_still_load(tmp_path):
    d = tmp_path / "sources"
    shutil.copytree(FIXTURES, d)
    (d / "catalog.toml").write_text('["voices.vtt"\ntitle = ', encoding="utf-8")
    parsed, errors, *_ = load_sources(d)
    assert [e.path for e in errors] == ["sources/catalog.toml"] and "TOML" in errors[0].reason
    assert len(parsed) == len(EXPECTED)


def test_moment_links_and_clock():
    assert clock(1770.0) == "29:30" and clock(3725) == "1:02:05" and clock(None) == ""
    assert moment_url("https://www.youtube.com/watch?v=abc", 1770.0) == "https://www.youtube.com/watch?v=abc&t=1770s"
    assert moment_url("https://youtu.be/abc?t=5", 62) == "https://youtu.be/abc?t=62s"
    assert moment_url("https://vimeo.com/123", 62) == "https://vimeo.com/123#t=62s"
    assert moment_url("https://example.org/a/talk.mp3", 62.5) == "https://example.org/a/talk.mp3#t=62"
    assert moment_url("https://example.org/article", 62) == "https://example.org/article"
    assert moment_url("", 62) == ""


WORDS = st.text(alphabet=st.sampled_from(list("abcdefghij klmnop.,?") + list("的是我们人工智能监管")), min_size=1,
                max_size=40).map(lambda s: re.sub(r"\s+", " ", s).strip()).filter(bool)
WHO = st.sampled_from(["Ann Lee", "Mira Murati", "Bob Kim"])


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _by_speaker(pairs) -> dict[str, str]:
    out: dict[str, str] = {}
    for who, text in pairs:
        out[who] = out.get(who, "") + _squash(text)
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(WHO, WORDS), min_size=1, max_size=12))
def test_subtitle_cues_keep_every_character(tmp_path_factory, cues):
    lines = ["WEBVTT", ""]
    for i, (who, text) in enumerate(cues):
        lines += [f"00:00:{i:02d}.000 --> 00:00:{i:02d}.900", f"<v {who}>{text}", ""]
    path = tmp_path_factory.mktemp("vtt") / "x.vtt"
    path.write_text("\n".join(lines), encoding="utf-8")
    _, turns = parse_file(path)
    # Each speaker's words, in order (a backchannel inside another's turn is shown after that turn).
    assert _by_speaker((t.speaker, t.text) for t in turns) == _by_speaker(cues)
    assert all(a.speaker != b.speaker or "interjection" for a, b in zip(turns, turns[1:]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(WHO, WORDS), min_size=1, max_size=12))
def test_speech_to_text_segments_keep_every_character(tmp_path_factory, segments):
    doc = {"segments": [{"start": float(i), "end": i + 0.9, "text": f" {text}", "speaker": who}
                        for i, (who, text) in enumerate(segments)]}
    path = tmp_path_factory.mktemp("json") / "x.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _, turns = parse_file(path)
    assert _by_speaker((t.speaker, t.text) for t in turns) == _by_speaker(segments)
    assert all(t.start is not None for t in turns)
