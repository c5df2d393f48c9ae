"""Transcripts as they are published (fixtures written here that reproduce each quirk of real ones): YouTube
captions with HTML-escaped `&gt;&gt; NAME:` speaker changes in mid-cue, sound tags, a yt-dlp file name; captions
saved as text (a Markdown export with bold times, a copied text, a caption site's run-together paragraph); a
podcast dataset's JSON record with a byte-order mark, and its records one a line (.jsonl); a podcast site's
pages; backchannels inside another speaker's turn; mojibake."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st

from qa.build import read_summary, reading_warnings
from qa.parse import load_sources, parse_file, parse_file_all
from qa.parse.common import Piece, fold_interjections, is_backchannel, merge_runs

from .conftest import ROOT, write

PUBLISHED = ROOT / "tests" / "fixtures" / "published"
LIVESTREAM = PUBLISHED / "Spring kiln livestream [Kq3vT0a9XbE].en.vtt"


def _turns(path):
    notices: list[str] = []
    article, turns = parse_file(path, notices=notices)
    return article, turns, notices


def test_youtube_captions_are_decoded_and_each_speaker_change_seen():
    article, turns, notices = _turns(LIVESTREAM)
    by = [(t.speaker, t.text) for t in turns]
    assert ("Mira Murati", "Thanks, Ona. Today we're firing the new glaze for the first time, and it keeps the "
                           "colour across every bowl in the batch.") in by
    assert ("Ona Brandt", "Welcome, everyone, to the spring kiln livestream. I'm here with our studio lead.") in by
    assert ("Kiln Bot", "Temperature reached. Door locked.") in by
    for t in turns:  # nobody's words inside another's turn; no reference or label left
        assert "&" not in t.text.replace(" & ", "") and ">>" not in t.text
        assert not re.search(r"\b[A-Z]{3,} [A-Z]{3,}:", t.text), t.text
    hers = [t for t in turns if t.is_interviewee]
    assert all(t.speaker == "Mira Murati" for t in hers) and all(t.start is not None for t in turns)
    assert any("HTML character references" in n for n in notices)
    assert any("mojibake" in n for n in notices) and any("two – three" in t.text for t in turns)


def test_a_yt_dlp_file_name_gives_the_title_and_the_video():
    article, _, _ = _turns(LIVESTREAM)
    assert article.title == "Spring kiln livestream"
    assert article.url == "https://www.youtube.com/watch?v=Kq3vT0a9XbE"


def test_sound_tags_are_the_rooms_not_a_speakers_words():
    _, turns, _ = _turns(LIVESTREAM)
    tags = [t for t in turns if t.text in ("[MUSIC]", "[APPLAUSE]")]
    assert [t.speaker for t in tags] == ["Narrator", "Narrator"] and not any(t.is_interviewee for t in tags)
    assert not any("[APPLAUSE]" in t.text for t in turns if t.speaker != "Narrator")


def test_a_backchannel_leaves_the_question_whole_and_the_answer_whole():
    _, turns, _ = _turns(LIVESTREAM)
    answer = next(t for t in turns if t.text.startswith("About twelve hundred degrees"))
    assert answer.text.endswith("so the glaze settles evenly, and then we let it cool overnight with the door shut.")
    assert answer.question == ("How hot does the kiln get? I mean at the peak, when the cones start to bend & the "
                               "glaze melts?")
    right = next(t for t in turns if t.text == "Right.")  # still shown, never an answer
    assert not right.is_interviewee and right.question is None


def test_a_podcast_dataset_record_is_one_transcript_with_its_metadata():
    article, turns, _ = _turns(PUBLISHED / "claytalk-12.json")
    assert (article.title, article.date, article.url) == ("Clay Talk 12: The first kiln", "2023-03-02",
                                                          "https://example.org/claytalk/12")
    first_kiln = next(t for t in turns if t.text.startswith("That the first firing"))
    assert first_kiln.text.endswith("which is mostly ash by now.")  # "(Laughter.)" did not cut her answer
    assert first_kiln.question.startswith("I want to start with that first kiln") and "cracked twice" in \
        first_kiln.question
    assert [t.speaker for t in turns].count("Mira Murati") == 4


def test_a_podcast_datasets_json_lines_file_is_one_transcript_a_record(tmp_path):
    episodes = parse_file_all(PUBLISHED / "claytalk-season.jsonl")
    assert [(a.article_id, a.title, a.date) for a, _ in episodes] == [
        ("claytalk-season-1", "Clay Talk 13: Glazes", "2023-03-09"),
        ("claytalk-season-2", "Clay Talk 14: Firing at night", "2023-03-16")]
    night = episodes[1][1]
    assert night[-1].is_interviewee and night[-1].question == "Why fire at night at all?"
    write(tmp_path / "claytalk-season.jsonl", (PUBLISHED / "claytalk-season.jsonl").read_text(encoding="utf-8"))
    assert [a.article_id for a, _ in load_sources(tmp_path).parsed] == ["claytalk-season-1", "claytalk-season-2"]


def test_records_and_turn_lists_in_json_and_json_lines(tmp_path):
    episode = ("HOST: " + "We talk about kilns today. " * 5 + "\nGUEST: " + "I fire them weekly. " * 5 +
               "\nHOST: And the glaze?\nGUEST: " + "Ash from the orchard, mixed by hand. " * 4 + "\n")
    write(tmp_path / "many.jsonl", "\n".join(json.dumps({"title": f"Episode {i}", "transcript": f"{episode}"
                                                                                                f"HOST: Episode {i}?\n"})
                                             for i in (1, 2)))
    path = write(tmp_path / "many.json", (tmp_path / "many.jsonl").read_text())
    episodes = parse_file_all(path)  # a file of many episodes: one article each, with its own title
    assert [(a.article_id, a.title, len(ts)) for a, ts in episodes] == [("many-1", "Episode 1", 5),
                                                                        ("many-2", "Episode 2", 5)]
    assert [t.turn_id for t in episodes[1][1]][:2] == ["many-2#0", "many-2#1"]
    assert [a.article_id for a, _ in load_sources(tmp_path).parsed if a.source.endswith("many.json")] == \
        ["many-1", "many-2"]
    path = write(tmp_path / "turns.json", json.dumps([{"speaker": "Ona Brandt", "text": "窑有多热？", "start": 1.5},
                                                      {"speaker": "Mira Murati", "text": "一千二百度左右，要保持两个小时。",
                                                       "start": 3.0}], ensure_ascii=False))
    _, turns = parse_file(path)
    assert [(t.speaker, t.start) for t in turns] == [("Ona Brandt", 1.5), ("Mira Murati", 3.0)]
    assert turns[1].is_interviewee and turns[1].question == "窑有多热？"


@pytest.mark.parametrize("text, yes", [
    ("Right.", True), ("Yeah, exactly.", True), ("Mm-hmm.", True), ("对。", True), ("是的，没错。", True),
    ("(Laughter.)", True), ("[APPLAUSE]", True), ("（笑）", True),
    ("No.", False), ("Yes, in 2015.", False), ("Right, but the kiln cracked.", False), ("对，我们后来换了窑。", False),
])
def test_the_backchannel_rule(text, yes):
    assert is_backchannel(text) is yes


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(
    ["Right.", "Yeah.", "We fired it twice.", "它裂了两次。", "Mm-hmm.", "Why did it crack?", "[APPLAUSE]"])),
    max_size=12))
def test_folding_interjections_keeps_every_word_and_never_joins_two_speakers(parts):
    pieces = [Piece(who, text if is_backchannel(text) else f"{text} w{i}") for i, (who, text) in enumerate(parts)]
    owner = {w: p.speaker for p in pieces for w in p.text.split() if re.fullmatch(r"w\d+", w)}
    folded = fold_interjections(pieces)
    assert sorted(w for p in pieces for w in p.text.split()) == sorted(w for p in folded for w in p.text.split())
    for p in folded:  # a turn holds only its own speaker's words
        assert {owner[w] for w in p.text.split() if w in owner} <= {p.speaker}


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abc .,?", min_size=1, max_size=60), min_size=1, max_size=40))
def test_captions_merge_into_paragraphs_that_keep_every_character_and_end_at_sentence_ends(cues):
    pieces = [Piece("Unknown speaker", c.strip() or "a", start=float(i)) for i, c in enumerate(cues)]
    merged = merge_runs(pieces)
    assert "".join("".join(p.text.split()) for p in pieces) == "".join("".join(p.text.split()) for p in merged)
    for p in merged[:-1]:
        punctuated = any(ch in q for q in (m.text for m in merged) for ch in ".?")
        if punctuated and len(p.text) >= 400:
            assert p.text.rstrip()[-1] in ".?", p.text[-40:]


def test_reading_warnings_name_labels_and_references_left_in_the_text(tmp_path):
    path = write(tmp_path / "talk.txt", "Ona Brandt: Where is the kiln?\nMira Murati: Behind the barn. ONA BRANDT: "
                                        "And the clay? MIRA MURATI: From the river &amp; the hill.\n"
                                        "Ona Brandt: Thanks.\nMira Murati: Any time at all, come by.\n")
    _, turns = parse_file(path)
    assert not any("&amp;" in t.text for t in turns)
    assert any("another speaker's label" in w for w in reading_warnings(turns))
    assert "check it:" in read_summary(turns)
    _, clean, _ = _turns(LIVESTREAM)
    assert reading_warnings(clean) == []


def test_unlabelled_paragraphs_that_ask_inside_her_turn_are_flagged(tmp_path):
    # A long-form interview site labels each speaker once, then alternates unlabelled paragraphs: read as hers,
    # the host's questions would be her words. The reader cannot tell alternation from a long answer; it says so.
    path = write(tmp_path / "site.txt", "Ona Brandt: Welcome. Today I am talking with Mira about the studio.\n\n"
                                        "Mira Murati: Thanks for having me.\n\nSo where does your clay come from?\n\n"
                                        "From the river, we dig it every spring.\n\nAnd how hot is the kiln?\n\n"
                                        "About twelve hundred degrees, for two hours.\n")
    _, turns = parse_file(path)
    warnings = reading_warnings(turns)
    assert any("only ask a question" in w and turns[1].turn_id in w for w in warnings), warnings
    # one question inside a long answer is hers to ask
    path = write(tmp_path / "one.txt", "Ona Brandt: Where is the clay from?\n\nMira Murati: From the river. "
                                       "\n\nWhy the river?\n\nBecause it is fine and clean.\n")
    assert not any("only ask" in w for w in reading_warnings(parse_file(path)[1]))


def test_qa_index_reports_every_file_it_reads_on_a_first_build(tmp_path):
    from qa.build import build
    from qa.config import Settings
    from qa.embed import HashEmbedder

    src = tmp_path / "sources"
    src.mkdir()
    (src / LIVESTREAM.name).write_bytes(LIVESTREAM.read_bytes())
    report = build(Settings(sources=src, index=tmp_path / "index", model="hash"), HashEmbedder())
    assert len(report.read) == 1 and "Mira Murati" in report.read[0] and "with times" in report.read[0]
    assert [a.title for a, _ in load_sources(src).parsed] == ["Spring kiln livestream"]


def test_times_written_into_a_markdown_transcript_are_times_not_words():
    article, turns, _ = _turns(PUBLISHED / "kiln-livestream-machine.md")
    assert [(t.speaker, t.start, t.section) for t in turns] == [
        ("Ona Brandt", 4.0, "Opening"), ("Mira Murati", 7.0, "Opening"),
        ("Ona Brandt", 15.0, "The firing"), ("Mira Murati", 24.0, "The firing")]
    assert not any("[" in t.text or "](" in t.text or "00:" in t.text for t in turns)
    assert turns[1].text.endswith("It keeps the colour across every bowl in the batch.")
    assert article.url == "https://www.youtube.com/watch?v=Kq3vT0a9XbE"  # the linked video, its time dropped


def test_qa_turns_shows_how_a_file_reads_without_indexing_it(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "qa.cli", "turns", str(LIVESTREAM), str(tmp_path / "none.vtt"),
                           "--sources", str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0 and "Kiln Bot" in proc.stdout
    assert "read Spring kiln livestream [Kq3vT0a9XbE].en.vtt: 11 turns with times" in proc.stderr
    assert "none.vtt: no such file" in proc.stderr and not list(tmp_path.iterdir())


def test_automatic_captions_that_roll_up_are_read_once():
    # YouTube's automatic captions as yt-dlp saves them: each cue repeats the line before it, word timings in
    # <c> tags, and a 10 ms cue repeats the line just shown.
    _, turns, _ = _turns(PUBLISHED / "Kiln firing day [Zx81Lm0QpRt].en.vtt")
    spoken = " ".join(t.text for t in turns if t.speaker != "Narrator")
    for line in ("so today we're firing the kiln", "the glaze is made from orchard ash",
                 "if the temperature holds overnight"):
        assert spoken.count(line) == 1, spoken
    assert [t.text for t in turns if t.speaker == "Narrator"] == ["[Music]"]
    assert all(t.start is not None for t in turns)


SHAPES = [  # (fixture, speakers in order, times kept)
    ("podcast-2.0.json", ["Dana Whitlow", "Ines Varga", "Dana Whitlow", "Ines Varga"], True),
    ("podcast-2.0-words.json", ["Dana Whitlow", "Ines Varga"], True),  # a word a segment, a name where it changes
    ("podlove-export.json", ["Dana Whitlow", "Ines Varga"], True),  # times as "00:00:02.100", names as "voice"
    ("podcast-2.0-transcript.html", ["Dana Whitlow", "Ines Varga", "Dana Whitlow", "Ines Varga"], True),
    ("kiln-talk.sbv", ["Dana", "Ines", "Dana", "Ines"], True),  # YouTube's SubViewer captions
    ("rev-inline-times.txt", ["Speaker 1", "Speaker 2", "Speaker 1", "Speaker 2"], True),  # "Speaker 1: [00:00:02]"
    ("whisper-console.txt", ["Unknown speaker"], True),  # "[00:00.000 --> 00:05.000]  words"
    ("styled-captions.srt", ["Dana", "Ines"], True),  # "{\\an8}<font …>DANA:</font> words"
    ("sonix-export.txt", ["Dana Whitlow", "Ines Varga", "Dana Whitlow", "Ines Varga"], True),  # "Name [00:00:02] words"
    ("otter-unknown-speaker.txt", ["Unknown speaker", "Ines Varga", "Unknown speaker", "Ines Varga"], True),
    # a podcast site's page: the name on its line, each paragraph opened by its time in parentheses
    ("podcast-site-paragraphs.txt", ["Narrator", "Dana Whitlow", "Ines Varga", "Dana Whitlow", "Ines Varga"], False),
    ("podcast-site-emphasis.md", ["Dana Whitlow", "Ines Varga", "Dana Whitlow", "Ines Varga"], True),  # "*Name (00:02)*"
]


@pytest.mark.parametrize("name, speakers, timed", SHAPES)
def test_each_published_shape_reads_into_its_speakers_with_times_and_no_markup(name, speakers, timed):
    _, turns, _ = _turns(PUBLISHED / name)
    assert [t.speaker for t in turns] == speakers
    assert all(t.start is not None for t in turns) == timed
    for t in turns:
        assert not re.search(r"<[a-z/]|&[a-z#]+;|\[\d|\d\]|\(\d+:\d|-->|^\w[\w ]*:\s|\{\\", t.text), t.text
    said = [t for t in turns if t.speaker != "Narrator"]
    assert said[0].text.split()[:2] in (["Welcome", "back"], ["So", "how"])


def test_a_paragraph_opened_by_its_time_stays_in_its_speakers_turn():
    _, turns, _ = _turns(PUBLISHED / "podcast-site-paragraphs.txt")
    last = turns[-1]
    assert (last.speaker, last.start) == ("Ines Varga", 15.0)
    assert last.text.endswith("We fired once a month.\n\nThe whole village came to help stack the wood, and that is "
                              "still how I like to work.")
    assert [t.start for t in turns[1:]] == [2.0, 9.0, 12.0, 15.0]


def test_times_after_a_label_are_the_turns_start():
    _, turns, _ = _turns(PUBLISHED / "rev-inline-times.txt")
    assert [t.start for t in turns] == [2.0, 9.0, 12.0, 15.0]


def test_bilingual_subtitles_are_two_transcripts_one_a_language():
    found = parse_file_all(PUBLISHED / "kiln-talk.zh-en.srt")
    (en, en_turns), (zh, zh_turns) = found
    assert (en.article_id, zh.article_id) == ("kiln-talk.zh-en-en", "kiln-talk.zh-en-zh")
    assert en.title.endswith("(English)") and zh.title.endswith("（中文）")
    en_text, zh_text = " ".join(t.text for t in en_turns), "".join(t.text for t in zh_turns)
    assert "Welcome back to the show" in en_text and not re.search(r"[\u4e00-\u9fff]", en_text)
    assert "欢迎回到节目" in zh_text and not re.search(r"[A-Za-z]{3}", zh_text)
    assert all(t.start is not None for t in en_turns + zh_turns)


def test_cues_out_of_time_order_are_read_in_time_order(tmp_path):
    path = write(tmp_path / "out.srt", "1\n00:00:09,000 --> 00:00:11,000\nINES: Second words here.\n\n"
                                       "2\n00:00:02,000 --> 00:00:08,000\nDANA: First words here.\n\n"
                                       "3\n00:00:12,000 --> 00:00:14,000\nDANA: Third words here.\n")
    notices: list[str] = []
    _, turns = parse_file(path, notices=notices)
    assert [(t.speaker, t.start) for t in turns] == [("Dana", 2.0), ("Ines", 9.0), ("Dana", 12.0)]
    assert any("time order" in n for n in notices)


def test_unpunctuated_captions_are_cut_at_their_longest_pauses(tmp_path):
    # Automatic captions without a stop: cues of a few words, a pause of 0.2 s between most, 3 s after cues 14,
    # 29 and 44 (paragraphs of about 700 characters). The paragraphs end at those pauses, not at a fixed length.
    cues, t = [], 0.0
    for i in range(60):
        words = f"we carry wood number {i} to the kiln and stack it"
        cues.append(f"{_stamp(t)} --> {_stamp(t + 2.0)}\n{words}\n")
        t += 2.0 + (3.0 if i in (14, 29, 44) else 0.2)
    path = write(tmp_path / "auto.vtt", "WEBVTT\n\n" + "\n".join(cues))
    _, turns, _ = _turns(path)
    ends = [t.text.rsplit("number ", 1)[1].split()[0] for t in turns]
    assert ends == ["14", "29", "44", "59"]
    assert " ".join(t.text for t in turns).count("we carry wood") == 60


def _stamp(s: float) -> str:
    return f"00:{int(s // 60):02d}:{s % 60:06.3f}"


def test_sound_tags_inside_a_turn_stay_in_the_reader_and_out_of_the_index():
    from qa.chunk import SENTENCE, units_for

    _, turns, _ = _turns(PUBLISHED / "stage-tags.txt")
    answer = turns[1]
    assert answer.text.startswith("[laughter] It was") and "(inaudible)" in answer.text  # shown as written
    units = units_for(1, answer, 400)
    assert units and not any(re.search(r"laughter|inaudible|APPLAUSE", u.text) for u in units)
    sentences = [answer.text[u.start:u.end] for u in units if u.kind == SENTENCE]
    assert sentences[0] == "It was, honestly." and not sentences[-1].endswith("]")


def test_captions_saved_as_markdown_are_read_by_their_speaker_changes_and_times():
    """A YouTube transcript exported to Markdown: each line a caption opened by its time in bold, speakers
    changing at `>>` anywhere in a line, sentences cut across lines, sound tags."""
    _, turns, _ = _turns(PUBLISHED / "Spring kiln livestream transcript.md")
    said = [(t.speaker, t.text, t.start) for t in turns if t.speaker != "Narrator"]
    assert said == [
        ("Ona Brandt", "Welcome back everyone. Today the studio lead is going to show us the new glaze.", 41.0),
        ("Mira Murati", "Thanks, Ona. We fired it three times this week and it kept the colour on every bowl in the "
                        "batch, which never happened with the old one.", 47.0),
        ("Ona Brandt", "How long does a firing take now?", 62.0),
        ("Mira Murati", "About nine hours, and we cool it overnight so the glaze does not crack.", 66.0)]
    assert [t.text for t in turns if t.speaker == "Narrator"] == ["[Music]", "[Laughter]"]
    hers = [t for t in turns if t.is_interviewee]
    assert len(hers) == 2 and hers[1].question == "How long does a firing take now?"


def test_captions_copied_as_text_with_escaped_speaker_changes_and_no_times():
    _, turns, notices = _turns(PUBLISHED / "kiln captions copied.txt")
    assert any("read as captions saved as text" in n for n in notices)
    assert [(t.speaker, t.text) for t in turns] == [
        ("Ona Brandt", "Welcome back everyone. Today the studio lead is going to show us the new glaze."),
        ("Mira Murati", "Thanks, Ona. We fired it three times this week and it kept the colour on every bowl in "
                        "the batch."),
        ("Ona Brandt", "How long does a firing take now?"),
        ("Mira Murati", "About nine hours, and we cool it overnight.")]
    assert all(t.start is None for t in turns)  # no time in the file: no moment to link to


def test_a_transcript_that_quotes_a_caption_mark_once_is_read_as_text(tmp_path):
    path = write(tmp_path / "talk.md", "**Interviewer:** What does the caption file show?\n\n"
                                       "**Mira Murati:** It marks a change of speaker with >> and a name.\n")
    _, turns, _ = _turns(path)
    assert [t.speaker for t in turns] == ["Interviewer", "Mira Murati"]
    assert turns[1].text == "It marks a change of speaker with >> and a name."


def test_captions_run_together_are_split_at_the_names_in_capitals():
    """Captions as caption sites print them once `>>` is dropped: one paragraph, each speaker's words opened by
    a name in capitals and a colon after a sentence's end or a sound tag; a speaker heard once is still one."""
    _, turns, notices = _turns(PUBLISHED / "studio-hour-captions.txt")
    said = [(t.speaker, t.text) for t in turns if t.speaker not in ("Narrator", "Unknown speaker")]
    assert said[:2] == [("Ona Brandt", "Some days the kiln decides for you."), ("Kiln Bot", "Door locked.")]
    hers = [(t.text, t.question) for t in turns if t.is_interviewee]
    assert hers == [("Thank you, Ona. Happy to be here.", said[2][1]),
                    ("I was always mixing things as a kid, and the chemistry of colour got me. The first kiln I "
                     "used was in a school basement.", "How did you start with glazes?"),
                    ("It keeps its colour on every bowl in the batch.", "And what changed with the new glaze?")]
    assert not any(re.search(r"\b[A-Z]{3,}(?: [A-Z]{3,})*:", t.text) for t in turns)  # no label left in words
    assert any("read as captions saved as text" in n for n in notices)


def test_names_in_capitals_at_the_start_of_lines_are_labels_not_captions(tmp_path):
    path = write(tmp_path / "talk.txt", "ONA BRANDT: How did you start? NOTE: the tape is short.\n"
                                        "MIRA MURATI: With clay.\nONA BRANDT: And then?\nMIRA MURATI: Glazes.\n")
    _, turns, notices = _turns(path)
    assert [t.speaker for t in turns] == ["Ona Brandt", "Mira Murati", "Ona Brandt", "Mira Murati"]
    assert turns[0].text == "How did you start? NOTE: the tape is short."
    assert not any("captions" in n for n in notices)


def test_timed_lines_with_the_speaker_in_brackets_after_the_time():
    """A note-taking tool's export of a recording: "00:09- [Name] words", a line without a name continuing the
    speaker before it (its time glued to the words), "[Music]" a sound and not a speaker."""
    _, turns, _ = _turns(PUBLISHED / "kiln-notes-export.txt")
    said = [(t.speaker, t.text, t.start) for t in turns if t.speaker != "Narrator" and t.text != "[Music]"]
    assert said == [
        ("Ona Brandt", "Welcome back, today the studio lead shows the new glaze.", 3.0),
        ("Mira Murati", "Thanks, Ona. We fired it three times this week. And it kept the colour on every bowl in the "
                        "batch.", 9.0),
        ("Ona Brandt", "How long does a firing take now?", 21.0),
        ("Mira Murati", "About nine hours, and we cool it overnight.", 24.0)]
    assert [t.is_interviewee for t in turns if t.speaker == "Mira Murati"] == [True, True]
