"""A hostile client and a hostile file: what an upload may read, what a file may cost, and no traceback from
any reader, whatever bytes it is given."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis import strategies as st

from qa.build import build
from qa.config import Settings
from qa.embed import HashEmbedder
from qa.parse import READERS, SourceError, load_sources, parse_file
from qa.parse.common import Meta
from qa.store import current_dir, load
from qa.upload import PENDING, add_source, recover

from .conftest import ROOT, SOURCES, write

CAPTIONS = ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ona Brandt>Where did the glaze come from?\n\n"
            "00:00:03.000 --> 00:00:06.000\n<v Mira Murati>从河边挖来的黏土，自己烧的釉。\n").encode()


def run_qa(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "QA_MODEL": "hash", **(env or {})}, cwd=ROOT)


# ------------------------------------------------------------------ the upload reads only what it received
def test_an_upload_path_outside_gradios_upload_folder_is_never_read(tmp_path, monkeypatch):
    from qa.ui import received_upload

    uploads = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(uploads))
    secret = write(tmp_path / "secret.txt", "Ona Brandt: 密码是 hunter2\n")
    received = write(uploads / "0f3a" / "talk.vtt", "WEBVTT\n")
    os.symlink(secret, uploads / "0f3a" / "link.txt")
    assert received_upload(str(received)) == received.resolve()
    for hostile in (str(secret), str(uploads / "0f3a" / ".." / ".." / "secret.txt"), str(uploads / "0f3a" / "link.txt"),
                    "/etc/passwd", str(uploads), str(uploads / "nothing.vtt"), {"path": str(secret)}, None, "a\0b"):
        assert received_upload(hostile) is None, hostile


# ------------------------------------------------------------------ zip bombs
def _docx(parts: dict[str, bytes | int]) -> bytes:
    """A zip with the given parts; an int part is that many zero bytes, streamed (a bomb costs no memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            if isinstance(content, int):
                with z.open(name, "w", force_zip64=True) as f:
                    block = b"\0" * 2**20
                    for _ in range(content // 2**20):
                        f.write(block)
            else:
                z.writestr(name, content)
    return out.getvalue()


def test_a_word_document_that_would_unpack_to_gigabytes_is_refused_before_unpacking(tmp_path):
    import resource

    bomb = _docx({"[Content_Types].xml": b"<Types/>", "word/document.xml": 200 * 2**20})
    assert len(bomb) < 1_000_000
    path = tmp_path / "bomb.docx"
    path.write_bytes(bomb)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SourceError, match=r"would unpack to 200 MB"):
        parse_file(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB: nothing was inflated


# ------------------------------------------------------------------ cost, cancel, recovery
def test_an_upload_too_costly_to_index_is_refused_with_its_estimate(settings, monkeypatch):
    import qa.upload

    long_talk = "WEBVTT\n\n" + "".join(
        f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{i // 60:02d}:{i % 60:02d}.900\n"
        f"<v {'Ona Brandt' if i % 2 else 'Mira Murati'}>第{i}句：窑火烧了{i}个小时。\n\n" for i in range(600))
    units = qa.upload.check_cost(add_source(settings, "probe.vtt", long_talk.encode())[2], settings.window_chars)
    (settings.sources / "probe.vtt").unlink()
    monkeypatch.setattr(qa.upload, "MAX_UPLOAD_UNITS", units - 1)
    with pytest.raises(SourceError, match=rf"{units:,} passages embedded, about \d+ minutes"):
        add_source(settings, "talk.vtt", long_talk.encode())
    assert list(settings.sources.iterdir()) == []


def test_an_addition_cut_short_is_undone_at_start_up_and_a_finished_one_is_kept(settings):
    write(settings.sources / "catalog.toml", '["old.md"]\ntitle = "旧的"\n')
    before = (settings.sources / "catalog.toml").read_text(encoding="utf-8")
    path, _, _ = add_source(settings, "kiln.vtt", CAPTIONS, Meta(title="The kiln"), pending=True)
    assert (settings.sources / PENDING).exists() and "The kiln" in (settings.sources / "catalog.toml").read_text()
    message = recover(settings)  # no index holds it: the app stopped while indexing
    assert "kiln.vtt" in message and not path.exists() and not (settings.sources / PENDING).exists()
    assert (settings.sources / "catalog.toml").read_text(encoding="utf-8") == before
    # Indexed before the crash: kept, only the marker goes.
    path, _, _ = add_source(settings, "kiln.vtt", CAPTIONS, pending=True)
    build(settings, HashEmbedder())
    assert recover(settings) is None and path.exists() and not (settings.sources / PENDING).exists()


def test_a_cancelled_addition_leaves_the_index_and_the_sources_as_they_were(settings):
    from qa.retrieve import Assistant
    from qa.ui import Indexer, LiveAssistant

    write(settings.sources / "a.md", "**Ona Brandt：** 釉从哪里来？\n\n**Mira Murati：** 从河边挖来的黏土，我们自己烧的釉。\n")
    release = threading.Event()

    class Slow(HashEmbedder):
        def passages(self, texts):
            release.wait(30)
            return super().passages(texts)

    build(settings, HashEmbedder())
    version = current_dir(settings.index)
    assistant = Assistant.load(settings=settings)
    assistant.embedder = Slow()
    indexer = Indexer(LiveAssistant(assistant))
    indexer.add("kiln.vtt", CAPTIONS)
    assert indexer.state["phase"] == "indexing" and indexer.cancel()
    release.set()
    for _ in range(300):
        if indexer.state["phase"] != "indexing":
            break
        threading.Event().wait(0.1)
    assert indexer.state["phase"] == "cancelled"
    assert sorted(p.name for p in settings.sources.iterdir()) == ["a.md"]
    assert current_dir(settings.index) == version


def test_a_preview_arriving_after_add_took_its_file_leaves_the_additions_progress(settings, tmp_path, monkeypatch):
    # Clicking "Add" leaves the field being edited, which asks for a preview of the same file; however late
    # it arrives, the page keeps saying how the addition goes, and "Add" is not offered again.
    from qa.retrieve import Assistant
    from qa.ui import Handlers, LiveAssistant

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    write(settings.sources / "a.md", "**Ona Brandt：** 釉从哪里来？\n\n**Mira Murati：** 从河边挖来的黏土，我们自己烧的釉。\n")
    build(settings, HashEmbedder())
    received = tmp_path / "gradio" / "0f3a" / "kiln.vtt"
    received.parent.mkdir(parents=True)
    received.write_bytes(CAPTIONS)
    other = received.parent / "wheel.vtt"
    other.write_bytes(CAPTIONS.replace("glaze".encode(), b"clay"))
    h = Handlers(LiveAssistant(Assistant.load(settings=settings)))
    status, add = h.preview(str(received))
    assert "qa-preview" in status and add["visible"] is True
    assert "Saved" in h.upload(str(received))[0]
    assert h.preview(str(received), "Mira Murati") == ({"__type__": "update"}, {"__type__": "update"})
    assert "qa-preview" in h.preview(str(other))[0]  # another file is previewed as before


# ------------------------------------------------------------------ a copy never takes an article's place
def test_a_copy_of_an_indexed_article_is_refused_and_never_displaces_it(tmp_path):
    src = tmp_path / "sources"
    src.mkdir()
    original = (SOURCES / "2024-06-21-dartmouth-conversation.md").read_bytes()
    (src / "2024-06-21-dartmouth-conversation.md").write_bytes(original)
    settings = Settings(sources=src, index=tmp_path / "index", model="hash")
    build(settings, HashEmbedder())
    idx = load(settings.index)
    known = {"\n".join(t.text for t in idx.turns): "sources/2024-06-21-dartmouth-conversation.md"}
    with pytest.raises(SourceError, match="same transcript as sources/2024-06-21-dartmouth"):
        add_source(settings, "0-copy.md", original + b"\n", known=known)
    # Copied in by hand under an earlier-sorting name, the indexed original still wins.
    (src / "0-copy.md").write_bytes(original + b"\n")
    report = build(settings, HashEmbedder())
    assert [e.path for e in report.errors] == ["sources/0-copy.md"]
    assert {t.article_id for t in load(settings.index).turns} == {"2024-06-21-dartmouth-conversation"}


# ------------------------------------------------------------------ a broken catalogue
def test_a_broken_catalogue_is_said_and_its_last_good_reading_kept(settings):
    write(settings.sources / "kiln.vtt", CAPTIONS.decode())
    write(settings.sources / "catalog.toml", '["kiln.vtt"]\ntitle = "窑边谈话"\ninterviewee = "Mira Murati"\n')
    build(settings, HashEmbedder())
    write(settings.sources / "catalog.toml", '["kiln.vtt"]\ntitle = "窑边谈话\ninterviewee = "Mira Murati"\n')
    report = build(settings, HashEmbedder())
    assert any("catalog.toml" in e.path and "last good reading" in e.reason for e in report.errors)
    assert load(settings.index).articles["kiln"].title == "窑边谈话"


# ------------------------------------------------------------------ files no reader foresaw
def test_a_deeply_nested_json_is_named_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SourceError, match="deep.json: nested too deeply"):
        parse_file(path)


def test_a_damaged_subrip_cue_is_left_out_and_named(tmp_path):
    path = write(tmp_path / "talk.srt", "1\n00:00:01,000 --> 00:00:03,000\nOna Brandt: 釉从哪里来？\n\n"
                                        "2\n00:00:03,000 --> 00:00:0x,000\nMira Murati: 坏掉的一条\n\n"
                                        "3\n00:00:04,000 --> 00:00:06,000\nMira Murati: 河边的黏土。\n\n"
                                        "4\n00:00:06,000 --> 00:00:08,000\nOna Brandt: 谢谢。\n")
    notices: list[str] = []
    _, turns = parse_file(path, notices=notices)
    assert [t.text for t in turns] == ["釉从哪里来？", "河边的黏土。", "谢谢。"]
    assert notices == ["talk.srt: 1 damaged subtitle cue left out (line 6: not a cue timing)"]


def test_a_link_out_of_the_sources_folder_is_not_followed(tmp_path):
    src = tmp_path / "sources"
    outside = write(tmp_path / "private" / "notes.md", "**Ona Brandt：** 问？\n\n**Mira Murati：** 私人笔记。\n")
    write(src / "kiln.vtt", CAPTIONS.decode())
    os.symlink(outside, src / "notes.md")
    parsed, errors, *_ = load_sources(src)
    assert [a.source for a, _ in parsed] == ["sources/kiln.vtt"]
    assert [(e.path, "outside the sources folder" in e.reason) for e in errors] == [("sources/notes.md", True)]


def test_a_transcript_uploaded_as_readme_is_indexed_under_another_name(settings):
    path, _, _ = add_source(settings, "README.md", "**Ona Brandt：** 问？\n\n**Mira Murati：** 从河边挖来的黏土。\n".encode())
    assert path.name == "README-transcript.md"
    assert [a.source for a, _ in load_sources(settings.sources).parsed] == ["sources/README-transcript.md"]


def test_markdown_citations_carry_no_markup_from_the_transcript(hash_assistant):
    from dataclasses import replace

    a = hash_assistant.ask("教育", k=1).answers[0]
    hostile = replace(a, quote="<img src=x onerror=alert(1)> [click](javascript:alert(1)) 她说。",
                      turn=replace(a.turn, speaker="<b>Mira</b>", section="[x](javascript:y)"))
    md = hostile.citation(markdown=True)
    import re

    assert not re.search(r"(?<!\\)[<\[]", md.split("](http")[0].split("\n— ")[0])  # nothing opens markup or a link
    assert "\\<b\\>Mira\\</b\\>" in md and not re.search(r"(?<!\\)\]\(javascript", md)
    assert "\\<img src=x onerror=alert(1)\\> \\[click\\](javascript:alert(1)) 她说。" in md


def test_a_long_transcript_is_read_a_page_at_a_time(settings):
    from qa.retrieve import Assistant
    from qa.ui import PAGE_TURNS, transcript_page

    lines = [f"**{'Ona Brandt' if i % 2 else 'Mira Murati'}：** 第{i}段话，关于窑火和釉色。\n" for i in range(2 * PAGE_TURNS + 10)]
    write(settings.sources / "long.md", "\n".join(lines))
    assistant = Assistant.load(settings=settings, build_if_missing=True)
    first = transcript_page(assistant, "long", None)
    cited = transcript_page(assistant, "long", f"long#{PAGE_TURNS + 5}")
    assert "第0段" in first and f"第{PAGE_TURNS}段" not in first and "Page 1 of 3" in first
    assert f"第{PAGE_TURNS + 5}段" in cited and "第0段" not in cited and "Page 2 of 3" in cited


# ------------------------------------------------------------------ the command line
def test_the_command_line_names_bad_index_folders_instead_of_a_traceback(tmp_path):
    missing = run_qa("ask", "监管", "--index", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no index folder" in missing.stderr and not (tmp_path / "nope").exists()
    proc = run_qa("ask", "监管", "--index", "/proc/qa-index", "--sources", str(SOURCES))
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr and "/proc/qa-index" in proc.stderr


def test_an_index_folder_copied_with_its_links_followed_still_rebuilds(settings, tmp_path):
    import shutil

    write(settings.sources / "kiln.vtt", CAPTIONS.decode())
    build(settings, HashEmbedder())
    copy = tmp_path / "copied"
    shutil.copytree(settings.index, copy, symlinks=False)  # index/current is now a folder
    assert (copy / "current").is_dir() and not (copy / "current").is_symlink()
    write(settings.sources / "kiln.vtt", CAPTIONS.decode().replace("黏土", "红土"))
    report = build(Settings(sources=settings.sources, index=copy, model="hash"), HashEmbedder())
    assert (copy / "current").is_symlink() and any("红土" in t.text for t in load(copy).turns), report


def test_qa_turns_into_a_closed_pipe_ends_quietly():
    proc = subprocess.run(f"{sys.executable} -m qa.cli turns --sources {SOURCES} | head -n 2", shell=True,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert len(proc.stdout.splitlines()) == 2 and "Traceback" not in proc.stderr, proc.stderr


# ------------------------------------------------------------------ fuzz: every reader, any bytes
SEEDS = {
    ".md": "---\ntitle: 窑\n---\n## 第一节\n**Ona Brandt：** 釉从哪里来？\n\n**Mira Murati：** 河边的黏土。\n",
    ".txt": "Ona Brandt: Where is the kiln?\nMira Murati: Behind the barn, 在谷仓后面.\n",
    ".vtt": CAPTIONS.decode(),
    ".srt": "1\n00:00:01,000 --> 00:00:03,000\n>> ONA BRANDT: 釉？\n\n2\n00:00:03,000 --> 00:00:05,000\n>> MIRA MURATI: 黏土。\n",
    ".json": json.dumps({"segments": [{"start": 0.0, "end": 1.0, "text": "釉从哪里来？", "speaker": "SPEAKER_00"},
                                      {"start": 1.0, "end": 2.0, "text": "河边的黏土。", "speaker": "SPEAKER_01"}]}),
    ".html": "<html><head><title>窑</title></head><body><article><p><b>Ona Brandt:</b> 釉从哪里来？</p>"
             "<p><b>Mira Murati:</b> 河边的黏土，我们自己烧的釉，烧了三天三夜。</p></article></body></html>",
}


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for pos, cut, insert in edits:
        at = pos % (len(out) + 1)
        out[at:at + cut] = insert
    return bytes(out)


def _read_or_refuse(tmp_path: Path, suffix: str, data: bytes) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        parse_file(path, notices=[])
    except SourceError as e:
        assert e.path.endswith(f"fuzz{suffix}") and e.reason


_EDITS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 8),
                            st.sampled_from([b"", b"\0", b"\xff", b"-->", b"<", b">>", b"{", b"[", b'"', b":", b"\n\n",
                                             "：".encode(), b"**", b"&gt;", b"\xe4\xb8", b"<v ", b"99:99:99,999"])),
                  max_size=12)


@pytest.mark.parametrize("suffix", sorted(SEEDS))
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=_EDITS)
def test_fuzz_mutated_files_are_read_or_refused_by_name(tmp_path, suffix, edits):
    _read_or_refuse(tmp_path, suffix, _mutate(SEEDS[suffix].encode(), edits))


@pytest.mark.parametrize("suffix", sorted(READERS))
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000) | st.text(max_size=500).map(str.encode))
def test_fuzz_random_bytes_are_read_or_refused_by_name(tmp_path, suffix, data):
    _read_or_refuse(tmp_path, suffix, data)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=_EDITS)
def test_fuzz_mutated_word_documents_are_read_or_refused_by_name(tmp_path, edits):
    import docx

    document = docx.Document()
    document.add_paragraph("Ona Brandt: 釉从哪里来？")
    document.add_paragraph("Mira Murati: 河边的黏土。")
    out = io.BytesIO()
    document.save(out)
    _read_or_refuse(tmp_path, ".docx", _mutate(out.getvalue(), edits))


def test_a_web_page_too_large_to_parse_within_the_memory_bound_is_refused(tmp_path):
    from qa.parse.html import MAX_PAGE_BYTES

    para = "<p><b>Mira Murati:</b> 窑火烧了十二个小时，釉色很均匀。</p>\n"
    script = "<script>" + "x" * (2 * MAX_PAGE_BYTES) + "</script>"  # scripts are dropped before the bound
    small = write(tmp_path / "small.html", f"<html><body><article>{para * 20}</article>{script}</body></html>")
    assert parse_file(small)[1]
    big = write(tmp_path / "big.html", f"<html><body><article>{para * (MAX_PAGE_BYTES // len(para.encode()) + 10)}"
                                       "</article></body></html>")
    with pytest.raises(SourceError, match=r"big.html: a web page of \d+ MB of markup"):
        parse_file(big)
