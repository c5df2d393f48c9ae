"""Two versions of one conversation aligned (qa/align.py): the dynamic programme on vectors made to order, the
catalogue's same_as, what the index stores and proposes, the answer's other version, `qa align`; and, with
the real model, a Chinese rendering against its spoken English original."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa.align import Alignment, align_vectors, declared
from qa.build import build
from qa.config import Settings
from qa.embed import HashEmbedder
from qa.parse import load_sources, parse_file_all
from qa.store import load

from .conftest import ROOT, write

PAIRS = ROOT / "benchmarks" / "aligned_pairs"


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _topics(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    return _unit(np.random.default_rng(seed).normal(size=(n, dim)))


def _pairs(beads):
    return [(b.a, b.b) for b in beads if b.a and b.b]


def test_one_to_one_skips_and_merges_follow_the_rendering():
    t = _topics(8)
    noise = _topics(8, seed=1) * 0.3
    A = t  # the original: eight turns
    # the rendering: turn 2 dropped, turns 4 and 5 merged into one, an editor's note (unrelated) after turn 6
    B = _unit(np.stack([t[0], t[1], t[3], t[4] + t[5], t[6], _topics(1, seed=9)[0], t[7]]) + noise[:7])
    pairs = _pairs(align_vectors(A, B))
    assert pairs == [((0,), (0,)), ((1,), (1,)), ((3,), (2,)), ((4, 5), (3,)), ((6,), (4,)), ((7,), (6,))]


def test_a_question_is_never_paired_with_an_answer():
    t = _topics(4)
    A, B = t, t.copy()
    roles_a, roles_b = [0, 1, 0, 1], [0, 1, 1, 1]  # B's third item has A's third vector but is an answer
    pairs = _pairs(align_vectors(A, B, roles_a, roles_b))
    assert ((2,), (2,)) not in pairs and ((1,), (1,)) in pairs and ((3,), (3,)) in pairs


def test_a_moved_exchange_is_found_again_and_a_lone_turn_is_said_to_have_none():
    t = _topics(6)
    A = t
    B = _unit(np.stack([t[0], t[3], t[1], t[2], t[5]]))  # turn 3 moved forward; turn 4 dropped
    beads = align_vectors(A, B)
    pairs = set(_pairs(beads))
    assert {((0,), (0,)), ((1,), (2,)), ((2,), (3,)), ((3,), (1,)), ((5,), (4,))} <= pairs
    assert any(b.a == (4,) and not b.b for b in beads)
    ordered = set(_pairs(align_vectors(A, B, rescue=False)))
    assert ((3,), (1,)) not in ordered  # the monotonic pass alone cannot pair it


def test_a_dropped_remark_between_two_parts_of_an_answer_is_passed_over():
    t = _topics(5)
    # original: question, answer part 1, "That must have been a strange day.", answer part 2, question
    A = _unit(np.stack([t[0], t[1], t[2], t[3], t[4]]))
    B = _unit(np.stack([t[0], t[1] + t[3], t[4]]))  # the rendering joins the two parts, drops the remark
    roles_a, roles_b = [0, 1, 0, 1, 0], [0, 1, 0]
    bridged = _pairs(align_vectors(A, B, roles_a, roles_b, bridge_a=[False, False, True, False, False]))
    assert ((1, 3), (1,)) in bridged
    plain = _pairs(align_vectors(A, B, roles_a, roles_b))
    assert ((1, 3), (1,)) not in plain


MORE = [("Who carries the wood?", "Everyone in the village takes a turn, the children bring the kindling."),
        ("How long does the kiln take to cool?", "Three full days; opening it early cracks every bowl inside."),
        ("What sells best at the market?", "Small tea bowls with a green rim, they are gone by ten in the morning."),
        ("Do you ever fire at night?", "Only in winter, when the village needs the warmth of the kiln house."),
        ("What would you tell an apprentice?", "Watch the flame colour and keep a notebook of every firing you do.")]


def _versions(tmp_path, same_as: bool = True):
    src = tmp_path / "sources"
    write(src / "talk-captions.txt",
          "ONA BRANDT: Thanks for coming to the kiln today.\n"
          "MIRA MURATI: Glad to be here, it smells of smoke already.\n"
          "ONA BRANDT: How hot does the big kiln get on a firing day?\n"
          "MIRA MURATI: About twelve hundred degrees at the peak, and we hold it there for nine hours.\n"
          "ONA BRANDT: Where does the clay come from?\n"
          "MIRA MURATI: From the river bank behind the barn, we dig it every spring and let it rest a year.\n"
          "ONA BRANDT: And the glaze?\n"
          "MIRA MURATI: The glaze is made from orchard ash, mixed with a little feldspar from the hill.\n"
          + "".join(f"ONA BRANDT: {q}\nMIRA MURATI: {a}\n" for q, a in MORE))
    write(src / "talk-edited.md",
          "**Ona Brandt:** How hot does the big kiln get on a firing day?\n\n"
          "**Mira Murati:** About twelve hundred degrees at the peak; we hold it there for nine hours.\n\n"
          "> Editor's note: the kiln was rebuilt in the spring of that year.\n\n"
          "**Ona Brandt:** Where does the clay come from?\n\n"
          "**Mira Murati:** From the river bank behind the barn. We dig it every spring and let it rest a year.\n\n"
          "**Ona Brandt:** And the glaze?\n\n"
          "**Mira Murati:** The glaze is made from orchard ash, mixed with a little feldspar from the hill.\n"
          + "".join(f"\n**Ona Brandt:** {q}\n\n**Mira Murati:** {a}\n" for q, a in MORE))
    if same_as:
        write(src / "catalog.toml", '["talk-edited.md"]\nsame_as = "talk-captions.txt"\n')
    settings = Settings(sources=src, index=tmp_path / "index", model="hash")
    report = build(settings, HashEmbedder())
    return settings, report


def test_declared_versions_are_aligned_in_the_index_and_answers_carry_the_other_version(tmp_path):
    from qa.retrieve import Assistant

    settings, _ = _versions(tmp_path)
    idx = load(settings.index)
    (stored,) = idx.manifest["alignments"]
    al = Alignment.from_dict(stored)
    paired = {p.a + p.b for p in al.pairs if p.a and p.b}
    assert ("talk-captions#7", "talk-edited#6") in paired  # the glaze answer in both
    unpaired = [p for p in al.pairs if not (p.a and p.b)]
    assert any("talk-captions#1" in p.a + p.b for p in unpaired)  # the greeting the edit dropped
    assert not any("talk-edited#2" in p.a + p.b for p in al.pairs)  # the editor's note: no vector, no pair
    assistant = Assistant.load(settings=settings)
    result = assistant.ask("What is the glaze made from?", k=3)
    top = result.answers[0]
    assert top.version is not None and "orchard ash" in top.version["text"]
    assert top.version["turn_id"] != top.turn.turn_id
    other = "original" if top.article.article_id == "talk-edited" else "rendering"
    assert top.version["role"] == other  # both English and untimed: the file named by same_as is the original
    assert other in result.to_dict()["answers"][0]


def test_a_same_as_naming_no_file_is_reported(tmp_path):
    src = tmp_path / "sources"
    write(src / "a.txt", "ONA BRANDT: Where is the kiln?\nMIRA MURATI: Behind the old barn by the river.\n")
    write(src / "catalog.toml", '["a.txt"]\nsame_as = "missing.vtt"\n')
    articles = [a for a, _ in load_sources(src).parsed]
    pairs, notices = declared(articles)
    assert pairs == [] and any("missing.vtt" in n and "names no transcript" in n for n in notices)


def test_an_undeclared_pair_that_aligns_far_above_chance_is_proposed(tmp_path):
    _, report = _versions(tmp_path, same_as=False)
    assert any("look like two versions of one conversation" in n and "same_as" in n for n in report.notices)


def test_bilingual_subtitles_are_declared_versions_of_each_other():
    (en, _), (zh, _) = parse_file_all(ROOT / "tests" / "fixtures" / "published" / "kiln-talk.zh-en.srt")
    pairs, _ = declared([en, zh])
    assert len(pairs) == 1 and set(pairs[0]) == {en.article_id, zh.article_id}


def test_qa_align_prints_the_pairs_and_json(tmp_path):
    import subprocess
    import sys

    settings, _ = _versions(tmp_path)
    run = lambda *a: subprocess.run([sys.executable, "-m", "qa.cli", "align", *a, "--index", str(settings.index)],  # noqa: E731
                                    capture_output=True, text=True, timeout=120, cwd=ROOT)
    text = run("talk-captions.txt", "talk-edited")
    assert text.returncode == 0 and "<->" in text.stdout and "no counterpart" in text.stdout
    data = json.loads(run("talk-captions", "talk-edited", "--json").stdout)
    assert data["a"] == "talk-captions" and any(p["a"] and p["b"] and p["sentences"] for p in data["pairs"])
    missing = run("talk-captions", "nothing")
    assert missing.returncode == 2 and "no article 'nothing'" in missing.stderr


@pytest.mark.model
def test_a_loose_chinese_rendering_aligns_with_its_spoken_english_original(tmp_path):
    from qa.embed import load_embedder

    src = tmp_path / "sources"
    src.mkdir()
    for name in ("quist-en.txt", "quist-zh.md"):
        shutil.copy(PAIRS / name, src / name)
    catalog = (PAIRS / "catalog.toml").read_text(encoding="utf-8")
    write(src / "catalog.toml", catalog[:catalog.index('["castellanos-en.vtt"]')])
    settings = Settings(sources=src, index=tmp_path / "index")
    build(settings, load_embedder(settings.model))
    idx = load(settings.index)
    al = Alignment.from_dict(idx.manifest["alignments"][0])
    text = {t.turn_id: t.text for t in idx.turns}
    partner = {}
    for p in al.pairs:
        for x in p.a + p.b:
            partner[text[x][:12]] = sorted(text[y][:12] for y in (p.b if x in p.a else p.a))
    # the answer the rendering split in two: each half with its own English turn
    assert partner["我是学物理出身的，在大学"] == ["Yeah, so I t"]
    assert partner["事实证明它没有错，虽然还"] == ["It wasn't wr"]
    # the host's aside the rendering dropped ("And it wasn't wrong.", four words: not a turn that answers)
    assert partner.get("And it wasn'", []) == []
    assert partner["Welcome to L"] == []
    assert al.anchors >= 0.5 and al.chance >= 3


def test_the_reader_shows_the_two_versions_side_by_side_and_the_card_the_other_words(tmp_path):
    from qa.retrieve import Assistant
    from qa.ui.render import answer_html, transcript_page, versions_page

    settings, _ = _versions(tmp_path)
    assistant = Assistant.load(settings=settings)
    page = versions_page(assistant, "talk-edited", "talk-edited#6")
    assert page is not None and page.count("<tr>") >= 8  # the header and a row a pair or lone turn
    assert 'class="turn interviewee cited"' in page and "—" in page  # the greeting has no counterpart
    assert "orchard ash" in page and "原话 · original" in page
    assert "?versions=1" in transcript_page(assistant, "talk-edited", None)
    assert versions_page(assistant, "no-such-article") is None
    answer = assistant.ask("What is the glaze made from?", k=1).answers[0]
    card = answer_html(answer, assistant.context(answer.turn.turn_id), "en")
    assert 'class="qa-version"' in card and "orchard ash" in card.split('class="qa-version"')[1]
