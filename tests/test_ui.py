"""The app, launched for real: the /ask API through gradio_client, the page in headless Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.model
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"app not ready at {url} after {timeout}s")


@pytest.fixture(scope="module")
def app_url(model_settings):
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "QA_INDEX": str(model_settings.index),
           "QA_SOURCES": str(model_settings.sources), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_ready(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_ask_endpoint_shape(client):
    r = client.predict("她如何看待AI监管？", 3, api_name="/ask")
    assert set(r) == {"question", "no_answer", "answers"}
    assert r["no_answer"] is False and len(r["answers"]) == 3
    a = r["answers"][0]
    assert set(a) == {"rank", "score", "turn_id", "speaker", "text", "quote", "question", "article", "section"}
    assert a["quote"] in a["text"] and a["speaker"] == "Mira Murati"


def test_ask_endpoint_english_and_off_topic(client):
    en = client.predict("What does she say about AI in education?", 5, api_name="/ask")
    assert not en["no_answer"]
    assert {"2024-06-21-dartmouth-conversation#98", "2024-06-21-dartmouth-conversation#100"} & {
        a["turn_id"] for a in en["answers"]}
    off = client.predict("What's a good recipe for pizza dough?", 5, api_name="/ask")
    assert off["no_answer"] is True and off["answers"] == []


def test_ask_endpoint_html_and_empty(client):
    r = client.predict("<img src=x onerror=alert(1)> 她怎么看待监管？", 2, api_name="/ask")
    assert r["question"].startswith("<img")  # returned as data, untouched
    empty = client.predict("   ", 2, api_name="/ask")
    assert empty["no_answer"] and "empty" in empty["error"]


def test_transcript_page_highlights_the_turn_and_refuses_traversal(app_url):
    tid = "2024-06-21-dartmouth-conversation#113"
    with urllib.request.urlopen(f"{app_url}transcript/2024-06-21-dartmouth-conversation?turn={tid.replace('#', '%23')}") as r:
        page = r.read().decode()
    assert 'class="turn interviewee cited" id="t113"' in page and "生气的聊天机器人" in page
    for bad in ("..%2F..%2Fetc%2Fpasswd", "..%2Fpyproject.toml", "%2Fetc%2Fpasswd"):
        try:
            with urllib.request.urlopen(f"{app_url}transcript/{bad}") as r:
                assert "root:" not in r.read().decode()
        except urllib.error.HTTPError as e:
            assert e.code == 404


@pytest.mark.browser
def test_browser_question_to_cited_answer(app_url, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (./run test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("QA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(app_url)
        timings = {}
        for name, question, title in (
                ("zh", "如果用户想要一个会生气的聊天机器人呢？", "达特茅斯"),
                ("en", "What does she think about AI regulation? <b>bold?</b>", "")):
            box = page.locator("#qa-question textarea")
            box.fill(question)
            before = page.locator(".qa-answer").count()
            t0 = time.perf_counter()
            page.locator("#qa-send").click()
            page.wait_for_function(f"document.querySelectorAll('.qa-answer').length > {before}", timeout=30000)
            timings[name] = time.perf_counter() - t0
            answer = page.locator(".qa-answer").nth(before)
            assert answer.locator(".qa-quote").is_visible()
            assert answer.locator(".qa-cite a").first.is_visible()
            if title:
                assert title in answer.locator(".qa-cite").first.inner_text()
            page.screenshot(path=str(shots / f"ui-{name}.png"), full_page=False)
        # the question's markup is shown as text, not rendered
        assert page.locator("#qa-chat b").count() == 0
        assert "<b>bold?</b>" in page.locator("#qa-chat").inner_text()
        print(f"question to rendered answer in the browser: {timings}")
        browser.close()
