"""Property tests: the parser never crashes and never loses a character; the index round-trips."""
from __future__ import annotations

import re
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.config import Settings
from qa.embed import HashEmbedder
from qa.parse import SourceError, parse_text
from qa.parse.markdown import URL_ONLY
from qa.build import build
from qa.store import load

# Words without Markdown that would change a line's meaning (headings, bold, images, rules, lists).
SAFE = st.text(alphabet=st.sampled_from(list("的是我们人工智能监管教育未来世界，。？！、：；“”（）《》")
                                        + list(string.ascii_letters + string.digits + " ,.?!'")),
               min_size=1, max_size=60).filter(lambda p: not URL_ONLY.match(p.strip()))  # "0.COM": furniture
NAMES = st.sampled_from(["Mira", "Jeffrey", "Dave", "主持人", "Dr. Joy", "观众"])


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_parser_never_crashes_on_arbitrary_text(text):
    try:
        article, turns = parse_text(text, "x", "sources/x.md")
    except SourceError as e:
        assert "x.md" in str(e)
        return
    assert article.article_id == "x"
    for i, t in enumerate(turns):
        assert t.position == i and t.turn_id == f"x#{i}" and t.text == t.text.strip() and t.text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NAMES, st.lists(SAFE, min_size=1, max_size=3)), min_size=1, max_size=8),
       st.sampled_from(["：", ":", " : "]))
def test_labelled_turns_keep_every_character(turns, colon):
    lines = []
    expected = []
    for name, paragraphs in turns:
        paragraphs = [p for p in paragraphs if p.strip()] or ["是的"]
        lines.append(f"**{name}{colon}** " + "\n\n".join(p.strip() for p in paragraphs))
        lines.append("")
        expected.append("".join(paragraphs))
    _, parsed = parse_text("\n".join(lines), "x", "sources/x.md")
    assert [squash(t.text) for t in parsed] == [squash(e) for e in expected]
    assert [t.speaker for t in parsed] == [("Mira Murati" if n == "Mira" else n) for n, _ in turns]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(SAFE, min_size=1, max_size=4), min_size=1, max_size=6))
def test_qa_answers_keep_every_character(answers):
    text = "\n\n".join(f"_**问题{i}？**_\n" + "\n".join(p.strip() or "嗯" for p in a) for i, a in enumerate(answers))
    _, parsed = parse_text(text, "x", "sources/x.md")
    got = [t.text for t in parsed if t.is_interviewee]
    assert [squash(g) for g in got] == [squash("".join(p.strip() or "嗯" for p in a)) for a in answers]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(NAMES, SAFE), min_size=1, max_size=10))
def test_index_save_load_round_trip(tmp_path_factory, turns):
    base = tmp_path_factory.mktemp("rt")
    src = base / "sources"
    src.mkdir()
    # one answer long enough to be indexed; the generated ones may be too short to count (and are kept anyway)
    body = "**Mira：** 我认为人工智能会改变教育。\n\n" + "\n\n".join(f"**{n}：** {t.strip() or '是的'}" for n, t in turns)
    (src / "a.md").write_text(body, encoding="utf-8")
    _, parsed = parse_text(body, "a", "sources/a.md")
    cfg = Settings(sources=src, index=base / "index", model="hash")
    report = build(cfg, HashEmbedder())
    idx = load(cfg.index)
    assert idx.turns == parsed and report.turns == len(parsed)
    assert idx.vectors.shape[0] == report.units == idx.faiss.ntotal


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab监管。 ", min_size=1, max_size=12), min_size=1, max_size=8),
       st.text(alphabet="ab监管", min_size=1, max_size=3))
def test_sentences_holding_a_term_are_those_whose_text_holds_it(sentences, term):
    """quote_span's look-up by occurrence gives the sentences a scan of each one would."""
    import numpy as np

    from qa.retrieve import sentences_holding

    text, spans = "", []
    for s in sentences:  # sentences with a one-character gap between some of them, as a turn's text has
        start = len(text)
        text += s
        spans.append((start, len(text)))
        text += " " if len(s) % 2 else ""
    spans = np.array(spans)
    expected = [i for i, (x, y) in enumerate(spans) if term in text[x:y]]
    assert sentences_holding(text, term, spans, spans[:, 0].tolist()) == expected


WORDISH = st.text(alphabet=string.ascii_letters + string.digits + "-.'’_%&#+,:;!?()\"", min_size=1, max_size=12)


@given(st.lists(st.tuples(WORDISH, st.sampled_from([" ", "  ", "\t", "\n", "\u3000", "\u00a0"])), max_size=12),
       st.booleans())
def test_text_without_chinese_is_tokenised_as_jieba_cuts_it_whole(pieces, english):
    """tokenize._tokenize cuts text without Chinese piece by piece (each piece memoised): the tokens must be
    those of jieba's cut of the whole text, filtered and stemmed the same way."""
    from qa.text import tokens as lexical

    text = "".join(w + sep for w, sep in pieces)
    whole = lexical._kept(lexical._jieba().lcut(lexical._POSSESSIVE.sub("", text.lower())), english)
    assert lexical._tokenize(text, english) == whole


def test_a_gloss_is_tokenised_as_any_text_is():
    from qa.text import glossary as lexical
    from qa.text import tokens

    # hold_dictionaries tokenises every gloss beforehand: the lexicon's and the given glossary's senses
    lexical.hold_dictionaries({"regulation": ["监管", "规章制度"], "hype": ["炒作", "的"]})
    lexicon = [t for terms in lexical.load_lexicon().values() for t in terms]
    for term in ["监管", "规章制度", "炒作", "的"] + lexicon[:: max(1, len(lexicon) // 50)]:
        assert lexical._GLOSS_TOKENS[term] == tuple(tokens.tokenize(term) or [term])
    assert lexical._gloss_tokens("新词汇测试") == tuple(tokens.tokenize("新词汇测试"))
