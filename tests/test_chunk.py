"""Sentences, windows and units: every span is a verbatim slice of the turn."""
from __future__ import annotations

from qa.chunk import CONTEXT, QUESTION, SENTENCE, WINDOW, sentence_spans, units_for, windows
from qa.types import Turn


def turn(text, question="你怎么看？", speaker="Mira Murati"):
    return Turn("a#1", "a", 1, "s", speaker, text, question, speaker == "Mira Murati")


def test_sentences_cover_every_word():
    text = "是的。我认为……这很重要！Really? Yes. It works.\n第二段，没有句号"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["是的。", "我认为……", "这很重要！", "Really?", "Yes.", "It works.",
                                             "第二段，没有句号"]
    covered = "".join(text[a:b] for a, b in spans)
    assert covered.replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_decimal_points_and_versions_do_not_split():
    text = "GPT-3.5 is here. Version 2.0 too."
    assert [text[a:b] for a, b in sentence_spans(text)] == ["GPT-3.5 is here.", "Version 2.0 too."]


def test_windows_overlap_by_one_sentence_and_cover_all():
    spans = [(i * 10, i * 10 + 10) for i in range(10)]
    wins = windows(spans, 35)
    assert wins[0] == (0, 30) and wins[1] == (20, 50)
    assert wins[-1][1] == 100
    assert windows([(0, 500)], 100) == [(0, 500)]  # one long sentence is one window, not lost


def test_units_are_verbatim_and_point_back():
    t = turn("第一句话在这里。第二句话也在这里。" * 30)
    units = units_for(7, t, 120)
    assert {u.kind for u in units} == {WINDOW, SENTENCE, CONTEXT, QUESTION}
    for u in units:
        assert u.turn == 7
        if u.kind in (WINDOW, SENTENCE):
            assert u.text == t.text[u.start:u.end]
        if u.kind == CONTEXT:
            assert u.text.startswith("你怎么看？\n") and u.text.endswith(t.text[u.start:u.end])
    assert sum(u.kind == WINDOW for u in units) > 1


def test_short_and_narration_turns_are_not_retrievable():
    assert units_for(0, turn("是的。"), 300) == []
    assert units_for(0, turn("创作权。"), 300) == []
    assert units_for(0, turn("这是一段很长的旁白，没有人说过。", speaker="Narrator"), 300) == []
    assert units_for(0, turn("是的，基本上是这样。"), 300) == []
    assert units_for(0, turn("所以事情在迅速变化和改进。"), 300) != []


def test_a_short_remark_in_english_is_as_short_as_one_in_chinese():
    """Ten characters are a short clause in Chinese and two or three words in English: a turn in Latin
    letters needs five words (a livestream host's "And it still knows?" answers nothing alone)."""
    assert units_for(0, turn("And it still knows?"), 300) == []
    assert units_for(0, turn("Yes, basically that's it."), 300) == []
    assert units_for(0, turn("How long would that take you normally?"), 300) != []
    assert units_for(0, turn("你和Elon合作过吗？"), 300) != []  # Chinese with a name: characters, not words
    assert units_for(0, turn("Две минуты, и всё готово."), 300) != []  # another script: characters as before


def test_unpunctuated_speech_is_cut_into_pieces_that_get_windows_and_sentences():
    # Automatic captions without full stops: one "sentence" of 1,400 characters would be one window the model
    # reads only the start of, and no sentence of it could be quoted.
    words = [f"word{i}" for i in range(200)]
    text = " ".join(words)
    spans = sentence_spans(text)
    assert len(spans) > 1 and all(b - a <= 135 + 20 for a, b in spans)
    assert " ".join(text[a:b] for a, b in spans).split() == words  # every word, cut only between words
    units = units_for(0, turn(text, question="what are you launching"), 320)
    assert sum(u.kind == SENTENCE for u in units) == len(spans)
    assert all(u.end - u.start <= 320 for u in units if u.kind == WINDOW)
    # Chinese without punctuation is cut too; punctuated speech stays as it was written
    assert len(sentence_spans("没有标点" * 100)) > 1
    said = "Well, " + "we tried a lot of things, " * 11 + "and it worked."
    assert sentence_spans(said) == [(0, len(said))]
