"""Adding a transcript as the app does (build.add_source): checked before anything is written, saved under a
safe name, and the details given beside it recorded as its catalogue entry."""
from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st

from qa.build import read_summary
from qa.upload import add_source
from qa.parse import SourceError, load_sources
from qa.parse.common import Meta

CAPTIONS = ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n>> WHERE IS THE KILN?\n\n"
            "00:00:03.000 --> 00:00:06.000\n>> BEHIND THE BARN, NEXT TO THE WOODPILE.\n").encode()


def _turns(settings, name):
    parsed, errors, notices, _ = load_sources(settings.sources)
    assert errors == []
    return next((a, t) for a, t in parsed if a.source.endswith("/" + name))


def test_a_file_is_saved_under_a_safe_name_and_never_overwrites(settings):
    path, _, _ = add_source(settings, "../../etc/My Talk!.vtt", CAPTIONS)
    assert path == settings.sources / "My-Talk.vtt" and path.read_bytes() == CAPTIONS
    again, _, _ = add_source(settings, "My Talk!.vtt", CAPTIONS.replace(b"KILN", b"OVEN"))
    assert again.name == "My-Talk-2.vtt"
    with pytest.raises(SourceError, match="already in"):
        add_source(settings, "copy.vtt", CAPTIONS)


@pytest.mark.parametrize("name, data, reason", [
    ("notes.pdf", b"%PDF-1.4", "unknown format"),
    ("cut.srt", b"1\n00:00:01,000 --> 00:00:0", "cut short"),
    ("x.json", b'{"a": 1}', "not a speech-to-text"),
])
def test_a_file_that_cannot_be_used_is_named_and_nothing_is_written(settings, name, data, reason):
    with pytest.raises(SourceError, match=reason):
        add_source(settings, name, data)
    assert list(settings.sources.iterdir()) == []


def test_details_given_with_an_upload_become_its_catalogue_entry(settings):
    # Anonymous ">>" voices are nobody's until named; named with the upload, the answers are hers.
    path, notices, turns = add_source(settings, "kiln.vtt", CAPTIONS, Meta(
        title="The pottery barn", date="2024-07-08", url="https://www.youtube.com/watch?v=abcdefghijk",
        interviewee="Mira Murati", aliases={"speaker 2": "Mira Murati", "speaker 1": 'Ann "Annie" Lee'}))
    assert notices == []
    assert read_summary(turns) == '2 turns with times: Ann "Annie" Lee 1, Mira Murati 1 (answers)'
    entry = tomllib.loads((settings.sources / "catalog.toml").read_text(encoding="utf-8"))["kiln.vtt"]
    assert entry["title"] == "The pottery barn" and entry["aliases"]["speaker 1"] == 'Ann "Annie" Lee'
    article, turns = _turns(settings, "kiln.vtt")
    assert (article.title, article.date, article.interviewee) == ("The pottery barn", "2024-07-08", "Mira Murati")
    assert [(t.speaker, t.is_interviewee) for t in turns] == [('Ann "Annie" Lee', False), ("Mira Murati", True)]
    # Without details, the same kind of file is indexed under its anonymous voices, and said so.
    _, notices, turns = add_source(settings, "other.vtt", CAPTIONS.replace(b"KILN", b"OVEN"))
    assert any("no speaker is named" in n for n in notices)
    assert read_summary(turns).endswith("none are an interviewee's answers")
    assert set(tomllib.loads((settings.sources / "catalog.toml").read_text(encoding="utf-8"))) == {"kiln.vtt"}


def test_the_same_file_added_again_with_details_gets_them(settings):
    # Added without names, its voices are nobody's; added again with them, the copy already saved is named
    # (no second copy), and a third time is refused: its entry is edited by hand.
    path, _, _ = add_source(settings, "kiln.vtt", CAPTIONS)
    again, notices, turns = add_source(settings, "kiln (1).vtt", CAPTIONS, Meta(aliases={"speaker 2": "Mira Murati"}))
    assert again == path and sorted(p.name for p in settings.sources.iterdir()) == ["catalog.toml", "kiln.vtt"]
    assert [(t.speaker, t.is_interviewee) for t in turns] == [("Speaker 1", False), ("Mira Murati", True)]
    assert [t.is_interviewee for t in _turns(settings, "kiln.vtt")[1]] == [False, True]
    with pytest.raises(SourceError, match="edit them there"):
        add_source(settings, "kiln.vtt", CAPTIONS, Meta(interviewee="Someone Else"))


def test_details_are_not_written_into_a_broken_catalogue(settings):
    broken = '["a.vtt"\ntitle = '
    (settings.sources / "catalog.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(SourceError, match="catalog.toml"):
        add_source(settings, "kiln.vtt", CAPTIONS, Meta(interviewee="Mira Murati"))
    assert (settings.sources / "catalog.toml").read_text(encoding="utf-8") == broken
    assert not (settings.sources / "kiln.vtt").exists()


def test_a_link_that_is_not_a_web_address_is_left_out(settings):
    # The link is followed from the app's cards and transcript reader: never a javascript: or data: URL.
    _, notices, _ = add_source(settings, "kiln.vtt", CAPTIONS, Meta(url="javascript:alert(1)", interviewee="Mira Murati",
                                                               aliases={"speaker 2": "Mira Murati"}))
    assert any("not a web address" in n for n in notices)
    article, _ = _turns(settings, "kiln.vtt")
    assert article.url == ""


@hypothesis_settings(max_examples=80, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40), st.dictionaries(st.text(min_size=1, max_size=12),
                                                                   st.text(min_size=1, max_size=12), max_size=3))
def test_any_details_are_written_as_toml_that_reads_back(title, interviewee, aliases):
    from qa.parse.catalog import catalog_entry

    meta = Meta(title=title, interviewee=interviewee, aliases=aliases)
    entry = tomllib.loads(catalog_entry('a "b".vtt', meta))['a "b".vtt']
    assert entry.get("title", "") == title and entry.get("interviewee", "") == interviewee
    assert entry.get("aliases", {}) == aliases
