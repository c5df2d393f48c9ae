"""`qa bench`: how fast, measured on this machine, against the model's own floor.

Measures, in one run:
- bare query encoding (the floor: one model call) and warm `ask` latency, p50/p95
  over the evaluation questions, in the same process;
- cold `qa ask` (a new process, wall clock), median of 3;
- full index build (time, texts/s) into a scratch folder, and a re-index with
  nothing changed;
- `python app.py` to ready, and the app's peak memory (VmHWM) after 20 questions.

Prints a table and appends a JSON line to benchmarks/results.jsonl, so runs can
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

RESULTS = ROOT / "benchmarks" / "results.jsonl"


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
    from .retrieve import Assistant

    a = Assistant.load(settings=settings)
    for q in questions[:5]:  # warm caches (jieba, FAISS, page cache)
        a.ask(q)
    enc, ask = [], []
    for q in questions:
        t0 = time.perf_counter()
        a.embedder.queries([q])
        enc.append(1000 * (time.perf_counter() - t0))
        t0 = time.perf_counter()
        a.ask(q)
        ask.append(1000 * (time.perf_counter() - t0))
    return {"encode_p50_ms": statistics.median(enc), "encode_p95_ms": _pct(enc, 95),
            "ask_p50_ms": statistics.median(ask), "ask_p95_ms": _pct(ask, 95), "questions": len(questions)}


def cold_ask(settings: Settings, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qa.cli", "ask", "她如何看待AI监管？", "--json", "--index",
                        str(settings.index)], capture_output=True, check=True, timeout=300, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def builds(settings: Settings) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        cmd = [sys.executable, "-m", "qa.cli", "index", "--quiet", "--sources", str(settings.sources),
               "--index", str(scratch / "index")]
        t0 = time.perf_counter()
        out = subprocess.run(cmd + ["--full"], capture_output=True, text=True, check=True, timeout=3600, cwd=ROOT)
        full = time.perf_counter() - t0
        texts = int(out.stdout.split("(")[1].split()[0])  # "(N embedded, ..."
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, timeout=600, cwd=ROOT)
        again = time.perf_counter() - t0
        from .store import load

        idx = load(scratch / "index")
        size = sum(p.stat().st_size for p in idx.directory.iterdir())
        return {"full_build_s": full, "embedded_texts": texts, "texts_per_s": texts / full,
                "reindex_unchanged_s": again, "index_bytes": size, "vectors": len(idx.units)}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def app_start(settings: Settings, questions: list[str]) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "QA_INDEX": str(settings.index)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if proc.poll() is not None or time.perf_counter() - t0 > 300:
                raise RuntimeError("app.py did not start")
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        ready = time.perf_counter() - t0
        from gradio_client import Client

        client = Client(url, verbose=False)
        for q in questions[:20]:
            client.predict(q, 5, api_name="/ask")
        rss = next(int(l.split()[1]) for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmHWM"))
        return {"app_ready_s": ready, "app_peak_rss_mb": rss / 1024}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run(settings: Settings, quick: bool = False) -> int:
    from .evaluate import DEFAULT_QUESTIONS, load_questions
    from .retrieve import Assistant

    Assistant.load(settings=settings, build_if_missing=True)  # make sure there is an index
    questions = [q["question"] for q in load_questions(DEFAULT_QUESTIONS)]
    row = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": _commit(),
           "machine": _machine(), "model": settings.model}
    row.update(warm(settings, questions))
    row["cold_ask_s"] = cold_ask(settings)
    if not quick:
        row.update(builds(settings))
        row.update(app_start(settings, questions))
    RESULTS.parent.mkdir(exist_ok=True)
    with open(RESULTS, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(format_row(row))
    print(f"\n(appended to {RESULTS.relative_to(ROOT)})")
    return 0


TARGETS = [
    ("encode_p50_ms", "bare query encoding p50", "ms", None),
    ("ask_p50_ms", "warm ask p50", "ms", lambda r: r["ask_p50_ms"] <= min(40, 2 * r["encode_p50_ms"])),
    ("ask_p95_ms", "warm ask p95", "ms", None),
    ("cold_ask_s", "cold `qa ask`", "s", lambda r: r["cold_ask_s"] < 10),
    ("full_build_s", "full index build", "s", None),
    ("texts_per_s", "embedding throughput", "texts/s", None),
    ("reindex_unchanged_s", "re-index, nothing changed", "s", lambda r: r["reindex_unchanged_s"] < 3),
    ("index_bytes", "index size", "bytes", None),
    ("app_ready_s", "`python app.py` to ready", "s", lambda r: r["app_ready_s"] < 20),
    ("app_peak_rss_mb", "app peak memory (RSS)", "MB", None),
]


def format_row(row: dict) -> str:
    m = row["machine"]
    lines = [f"machine: {m['cpus']} cores, {m['cpu']}, {m['memory']}, Python {m['python']}; commit {row['commit']}",
             "", f"{'measure':<28} {'value':>12}  {'target':<10}"]
    for key, label, unit, ok in TARGETS:
        if key not in row:
            continue
        v = row[key]
        shown = f"{v:,.0f}" if unit == "bytes" else f"{v:.1f}" if v >= 10 else f"{v:.2f}"
        verdict = "" if ok is None else ("met" if ok(row) else "MISSED")
        lines.append(f"{label:<28} {shown:>9} {unit:<6} {verdict}")
    return "\n".join(lines)
