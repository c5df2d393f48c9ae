"""Load test of the app's /ask endpoint: N simultaneous clients, loopback only, bounded in count and time.

    python benchmarks/load.py                       # starts the app on a free port, 24 clients x 10 questions
    python benchmarks/load.py --reindex             # ... and runs `qa index --full` underneath it meanwhile
    python benchmarks/load.py --url http://127.0.0.1:7860/   # against a running app (loopback only)

Prints requests, errors, p50/p95/p99 latency and throughput; --json for a machine-readable line.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["她如何看待AI监管？", "What does she say about jobs?", "AI会取代创意工作吗？",
             "Was the Sky voice copied?", "她对教育有什么看法？", "How did she join OpenAI?",
             "如果用户想要一个会生气的聊天机器人呢？", "What's the best pizza topping?"]


def start_app(env_extra: dict | None = None) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), **(env_extra or {})}
    # The app's log goes to a file: an unread pipe fills up and blocks the app.
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=subprocess.DEVNULL,
                            stderr=log, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"app.py exited: {log.read()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("app did not start in 300 s")


def run_load(url: str, clients: int, requests: int, max_seconds: float, during=None) -> dict:
    host = urllib.parse.urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {host}: loopback addresses only")
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = time.time() + max_seconds

    def worker(n: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as e:  # a client that cannot connect is an error, not a crash of the script
            with lock:
                errors.append(f"connect: {e}")
            start.wait()
            return
        start.wait()
        for i in range(requests):
            if time.time() > stop_at:
                break
            q = QUESTIONS[(n + i) % len(QUESTIONS)]
            t0 = time.perf_counter()
            try:
                r = client.predict(q, 3, api_name="/ask")
                ok = isinstance(r, dict) and "answers" in r and "error" not in r
            except Exception as e:
                ok, r = False, e
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                if not ok:
                    errors.append(repr(r)[:200])

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    side = threading.Thread(target=during, daemon=True) if during else None
    if side:
        side.start()
    for t in threads:
        t.join(timeout=max_seconds + 60)
    wall = time.perf_counter() - t0
    if side:
        side.join(timeout=600)
    lat = sorted(latencies)

    def pct(p):
        return round(1000 * lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 1) if lat else None

    return {"clients": clients, "requests": len(lat), "errors": len(errors), "error_samples": errors[:3],
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "mean_ms": round(1000 * statistics.mean(lat), 1) if lat else None,
            "throughput_rps": round(len(lat) / wall, 1) if wall else None, "wall_s": round(wall, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="a running app on loopback (default: start one)")
    ap.add_argument("--clients", type=int, default=24)
    ap.add_argument("--requests", type=int, default=10, help="questions per client")
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--reindex", action="store_true", help="run 'qa index --full' while the load runs")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not (1 <= args.clients <= 64 and 1 <= args.requests <= 200):
        ap.error("--clients 1-64 and --requests 1-200")
    proc = None
    url = args.url
    if not url:
        proc, url = start_app()
    reindex_result = {}

    def reindex():
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "qa.cli", "index", "--full", "--quiet"], cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
        reindex_result.update(code=r.returncode, seconds=round(time.perf_counter() - t0, 1))

    try:
        report = run_load(url, args.clients, args.requests, args.max_seconds, reindex if args.reindex else None)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
    if args.reindex:
        report["reindex"] = reindex_result
    if args.json:
        print(json.dumps(report))
    else:
        for k, v in report.items():
            print(f"{k:>15}: {v}")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
