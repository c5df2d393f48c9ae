"""The app, launched for real: the /ask API through gradio_client, the page in headless Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.model
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (./run test installs it when run as root)")


def launch(playwright):
    """Headless Debian Chromium, with the flags this machine's closed network needs."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, log, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"app.py exited with {proc.returncode}: {log.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"app not ready at {url} after {timeout}s")


@contextmanager
def running_app(index: Path, sources: Path, logdir: Path):
    """`app.py` on a free port over `index` and `sources`, until the block ends; yields its URL."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "QA_INDEX": str(index), "QA_SOURCES": str(sources),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    log = open(logdir / "app.log", "w+")  # a file: an unread pipe would block the app
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=subprocess.DEVNULL,
                            stderr=log, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_ready(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def app_url(model_settings, tmp_path_factory):
    with running_app(model_settings.index, model_settings.sources, tmp_path_factory.mktemp("app")) as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_ask_endpoint_shape(client):
    r = client.predict("她如何看待AI监管？", 3, api_name="/ask")
    assert set(r) == {"question", "kind", "searched", "no_answer", "notices", "answers"}
    assert r["no_answer"] is False and len(r["answers"]) == 3 and r["kind"] == "question"
    a = r["answers"][0]
    assert set(a) == {"rank", "score", "turn_id", "speaker", "text", "quote", "question", "article", "section",
                      "match", "said_here", "start", "url_at"}
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
    huge = client.predict("监管" * 100_000, 2, api_name="/ask")  # 200,000 characters
    assert len(huge["question"]) == 1000 and "error" not in huge
    odd = client.predict("😀\x00\x1b[31m 她怎么看 regulation？", 2, api_name="/ask")
    assert "\x00" not in odd["question"] and "answers" in odd


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
    need_chromium()
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("QA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
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
        # a follow-up is read against the previous question and brings further answers
        before = page.locator(".qa-answer").count()
        page.locator("#qa-question textarea").fill("tell me more")
        page.locator("#qa-send").click()
        page.wait_for_function(f"document.querySelectorAll('.qa-answer').length > {before}", timeout=30000)
        assert "What does she think about AI regulation?" in page.locator(".qa-notice").last.inner_text()
        # the question's markup is shown as text, not rendered
        assert page.locator("#qa-chat b").count() == 0
        assert "<b>bold?</b>" in page.locator("#qa-chat").inner_text()
        print(f"question to rendered answer in the browser: {timings}")
        href = page.locator(".qa-answer a", has_text="Read in the transcript").first.get_attribute("href")
        page.goto(app_url.rstrip("/") + href)
        assert page.locator(".cited").is_visible()
        page.screenshot(path=str(shots / "transcript.png"))
        browser.close()


def test_binds_loopback_only_and_serves_no_other_files(app_url):
    port = int(app_url.rstrip("/").rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for line in open(table).read().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    listening.append(local.rsplit(":", 1)[0])
    assert listening == ["0100007F"], listening  # 127.0.0.1 and nothing else
    for path in ("gradio_api/file=/etc/passwd", "gradio_api/file=pyproject.toml", "file=/etc/passwd",
                 "gradio_api/file=../../../../etc/passwd", "transcript/..%2F..%2Fetc%2Fpasswd",
                 "static/../../pyproject.toml", "gradio_api/file=" + str(ROOT / "qa" / "config.py")):
        try:
            with urllib.request.urlopen(app_url + path) as r:
                body = r.read().decode(errors="replace")
                assert "root:x:" not in body and "[project]" not in body and "class Settings" not in body, path
        except urllib.error.HTTPError as e:
            assert e.code in (403, 404, 405), (path, e.code)


def _load_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("load", ROOT / "benchmarks" / "load.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_24_clients_while_the_index_is_rebuilt(model_settings, tmp_path):
    """No errors under 24 simultaneous clients, and the app picks up a rebuilt index without restarting."""
    load = _load_module()
    src, idx = tmp_path / "sources", tmp_path / "index"
    shutil.copytree(model_settings.sources, src)
    shutil.copytree(model_settings.index, idx, symlinks=True)
    proc, url = load.start_app({"QA_INDEX": str(idx), "QA_SOURCES": str(src)})
    try:
        fortune = src / "2023-10-14-fortune-interview.md"

        def rebuild():
            with open(fortune, "a", encoding="utf-8") as f:
                f.write("\n_**你养过羊驼吗？**_\n我小时候在阿尔巴尼亚养过一只羊驼，它叫做小白，非常温顺。\n")
            r = subprocess.run([sys.executable, "-m", "qa.cli", "index", "--quiet", "--index", str(idx),
                                "--sources", str(src)], capture_output=True, text=True, timeout=300, cwd=ROOT)
            assert r.returncode == 0, r.stderr

        report = load.run_load(url, clients=24, requests=4, max_seconds=120, during=rebuild)
        assert report["errors"] == 0 and report["requests"] == 96, report
        from gradio_client import Client

        r = Client(url, verbose=False).predict("她养过羊驼吗？", 3, api_name="/ask")
        assert "羊驼" in r["answers"][0]["text"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.browser
def test_browser_adds_a_transcript_and_answers_from_it(model_settings, tmp_path):
    # Its own copy of the sources and index: adding a file must not change what the other tests see.
    need_chromium()
    from playwright.sync_api import sync_playwright

    sources, index = tmp_path / "sources", tmp_path / "index"
    shutil.copytree(model_settings.sources, sources)
    shutil.copytree(model_settings.index, index, symlinks=True)
    shots = Path(os.environ.get("QA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    fixture = Path(__file__).parent / "fixtures" / "transcripts"
    bad = tmp_path / "cut.srt"
    bad.write_text("1\n00:00:01,000 --> 00:00:0", encoding="utf-8")
    with running_app(index, sources, tmp_path) as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        console = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.goto(url)
        # a file that cannot be used is named with its reason, and nothing is written
        assert "cut short" in _refused_in_add_tab(page, bad)
        assert not (sources / "cut.srt").exists()
        clear = page.locator("#qa-upload button[aria-label='Clear']")
        if clear.count():
            clear.first.click()
        # the details given beside the file become its catalogue entry, and its answers' citation
        for field, value in (("title", "Orchard days"), ("link", "https://www.youtube.com/watch?v=abcdefghijk")):
            page.locator(f"#qa-add-{field} textarea, #qa-add-{field} input").first.fill(value)
        page.locator("#qa-upload input[type=file]").set_input_files(str(fixture / "voices.vtt"))
        # how the file reads, for the person adding it to check who says what, before anything is saved
        page.wait_for_selector(".qa-preview", timeout=60000)
        assert "Mira Murati 2 (answers)" in page.locator("#qa-add-status").inner_text()
        assert page.locator(".qa-preview-turns tbody tr").count() >= 2
        assert not (sources / "voices.vtt").exists()
        page.screenshot(path=str(shots / "ui-add-preview.png"))
        # a detail corrected after choosing the file: the preview follows it
        interviewee = page.locator("#qa-add-interviewee textarea, #qa-add-interviewee input").first
        interviewee.fill("Ben Ortiz")
        interviewee.press("Tab")
        page.wait_for_function("document.querySelector('#qa-add-status').innerText.includes('Ben Ortiz 2 (answers)')",
                               timeout=30000)
        interviewee.fill("")
        interviewee.press("Tab")
        page.wait_for_function("document.querySelector('#qa-add-status').innerText.includes('Mira Murati 2 (answers)')",
                               timeout=30000)
        # "Add" pressed straight after typing a detail: leaving the field previews again while the file is added
        page.locator("#qa-add-title textarea, #qa-add-title input").first.fill("Orchard days")
        page.locator("#qa-add-go").click()
        try:
            page.wait_for_selector(".qa-upload-done", timeout=120000)
        except Exception as e:  # what the page and the app said, for a failure to be read from the log alone
            log = (tmp_path / "app.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            toasts = page.locator(".toast-body").all_inner_texts()
            raise AssertionError(f"no 'Added': the page says {page.locator('#qa-add-status').inner_text()!r}; "
                                 f"its messages {toasts!r}; saved: {(sources / 'voices.vtt').exists()}; "
                                 f"console {console[-10:]!r}; app.log ends {log!r}") from e
        assert (sources / "voices.vtt").is_file()
        assert 'title = "Orchard days"' in (sources / "catalog.toml").read_text(encoding="utf-8")
        assert "Mira Murati 2 (answers)" in page.locator("#qa-add-status").inner_text()
        page.screenshot(path=str(shots / "ui-add-transcript.png"))
        page.get_by_role("tab", name="Ask · 提问").click()
        page.locator("#qa-question textarea").fill("What does she do with the apples in the orchard?")
        page.locator("#qa-send").click()
        page.wait_for_selector(".qa-answer", timeout=30000)
        first = page.locator(".qa-answer").first
        assert "apple" in first.locator(".qa-quote").inner_text()
        assert "Orchard days" in first.locator(".qa-cite").first.inner_text() and "at 0:04" in first.inner_text()
        assert first.locator("a[href*='watch?v=abcdefghijk&t=4s']").count() > 0
        page.screenshot(path=str(shots / "ui-asked-added.png"))
        # a page opened after the addition lists the new article and searches it (the lists follow the live index)
        fresh = browser.new_page(viewport={"width": 390, "height": 844})
        fresh.goto(url)
        fresh.wait_for_function("document.querySelector('#qa-articles') && "
                                "document.querySelector('#qa-articles').innerText.includes('Orchard days')", timeout=30000)
        fresh.locator("#qa-question textarea").fill("What does she do with the apples in the orchard?")
        fresh.locator("#qa-send").click()
        fresh.wait_for_selector(".qa-answer", timeout=30000)
        assert "Orchard days" in fresh.locator(".qa-answer").first.inner_text()
        browser.close()


@pytest.mark.browser
def test_a_link_with_q_opens_the_same_answers_as_typing(app_url, tmp_path):
    need_chromium()
    from urllib.parse import quote

    from playwright.sync_api import sync_playwright

    question = "Was the Sky voice meant to sound like Scarlett Johansson?"
    shots = Path(os.environ.get("QA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        typed = browser.new_page(viewport={"width": 1280, "height": 1000})
        typed.goto(app_url)
        typed.locator("#qa-question textarea").fill(question)
        typed.locator("#qa-send").click()
        typed.wait_for_function("document.querySelectorAll('.qa-answer').length > 0", timeout=30000)
        phone = browser.new_context(viewport={"width": 390, "height": 844})  # a phone, as a shared link opens
        phone.grant_permissions(["clipboard-read", "clipboard-write"])
        linked = phone.new_page()
        linked.goto(f"{app_url}?q={quote(question)}&k=3")
        linked.wait_for_function("document.querySelectorAll('.qa-answer').length > 0", timeout=30000)
        quotes = [page.locator(".qa-answer .qa-quote").all_inner_texts() for page in (typed, linked)]
        assert quotes[0] and quotes[0] == quotes[1]
        first = linked.locator(".qa-answer").first
        assert first.locator(".qa-match").inner_text() == "answers it"
        first.get_by_text("Cite").click()
        citation = first.locator(".qa-citation").first.inner_text()
        assert "Sky" in citation and "Mira Murati" in citation and "2024-06-21" in citation
        first.get_by_role("button", name="Copy citation").click()  # to the clipboard, ready to paste
        linked.wait_for_function("document.querySelector('.qa-copy[data-copied]') !== null", timeout=5000)
        assert linked.evaluate("navigator.clipboard.readText()") == citation
        linked.screenshot(path=str(shots / "ui-link-phone.png"), full_page=True)
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize("device, viewport", [("desktop", (1400, 1000)), ("phone", (390, 844))])
def test_research_tools(app_url, tmp_path, device, viewport):
    """Match labels and folding, why it matched, citations, by-date view, browsing sections, export."""
    need_chromium()
    import json
    import re

    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("QA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True)
        page.goto(app_url)
        # why it matched: an English question, a Chinese quote, the bridge shown and the words marked
        page.locator("#qa-question textarea").fill("Is the Sky voice a copy of Scarlett Johansson?")
        page.locator("#qa-question textarea").press("Enter")  # the keyboard is enough
        page.wait_for_function("document.querySelectorAll('.qa-answer').length > 0", timeout=30000)
        first = page.locator(".qa-answer").first
        assert first.locator(".qa-match").inner_text() == "answers it"
        why = first.locator(".qa-why").inner_text()
        assert "voice → 声音" in why and "Sky" in why
        assert "Sky" in first.locator(".qa-quote mark.qa-hit").all_inner_texts()
        # weaker answers fold away instead of standing as peers
        shown = page.locator("#qa-chat .qa-answer:visible").count()
        assert shown < page.locator("#qa-chat .qa-answer").count()
        page.screenshot(path=str(shots / f"ui-card-{device}.png"))
        first.get_by_text("Cite").click()
        first.screenshot(path=str(shots / f"card-{device}.png"))
        # copying says so; the citation names the article without the sharer's tracking parameters
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        first.locator(".qa-copy").first.click()
        page.wait_for_function("document.querySelector('.qa-copy[data-copied]') !== null", timeout=10000)
        citation = first.locator(".qa-citation").first.inner_text()
        assert "mp.weixin.qq.com" in citation and "__biz=" in citation and "chksm" not in citation
        # by interview date: 2023 beside 2024, a heading per date, in order; the answers already shown re-sort too
        page.locator("#qa-question textarea").fill("她怎么看AI监管？")
        page.locator("#qa-send").click()
        page.wait_for_function("document.querySelectorAll('.qa-user-q').length >= 2", timeout=30000)
        page.locator("#qa-dated input").check()
        page.wait_for_function("document.querySelectorAll('.qa-date-head').length >= 2", timeout=30000)
        heads = page.locator(".qa-date-head").all_inner_texts()
        assert heads == sorted(heads) and {"2023-10-14", "2024-06-21"} <= set(heads)
        page.screenshot(path=str(shots / f"ui-by-date-{device}.png"))
        # export: the conversation as Markdown and JSON
        with page.expect_download() as dl:
            page.locator("#qa-export-json").click()
        log = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
        assert [t["question"] for t in log] == ["Is the Sky voice a copy of Scarlett Johansson?", "她怎么看AI监管？"]
        assert all("citation" in a and a["quote"] in a["citation"] for t in log for a in t["answers"])
        with page.expect_download() as dl:
            page.locator("#qa-export-md").click()
        md = Path(dl.value.path()).read_text(encoding="utf-8")
        assert md.count("\n## ") == 2 and "— Mira Murati, [" in md and "**answers it**" in md
        assert dl.value.suggested_filename.startswith("murati-qa-is-the-sky-voice")
        # browse: an article's sections with how many of her answers each holds; one opens her turns
        page.get_by_role("tab", name="Transcripts · 原文").click()
        page.locator("#qa-section input").click()
        option = page.get_by_role("option").filter(has_text=re.compile(r"\([1-9]\d*\)$")).first
        label = option.inner_text()
        option.click()
        page.wait_for_function("document.querySelectorAll('#qa-section-view .qa-answer').length > 0", timeout=30000)
        n = int(label.rsplit("(", 1)[1].rstrip(")"))
        assert page.locator("#qa-section-view .qa-answer").count() == n
        # the in-app reader is the styled transcript, speakers set apart from their words
        assert page.locator("#qa-reader .qa-reader .turn .speaker").count() > 10
        page.screenshot(path=str(shots / f"ui-browse-{device}.png"))
        browser.close()


def test_the_upload_handler_reads_no_path_a_client_names(app_url, model_settings, tmp_path):
    """A client that sends the preview or the add handler a FileData naming a server path gets a refusal;
    nothing is read or saved."""
    import json as _json

    secret = tmp_path / "secret.txt"
    secret.write_text("Ona Brandt: 保险柜的密码是 4417。\nMira Murati: 别告诉任何人，这是秘密。\n", encoding="utf-8")
    config = _json.loads(urllib.request.urlopen(app_url + "config").read())
    upload_id = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "qa-upload")
    handlers = [i for i, d in enumerate(config["dependencies"]) if d.get("inputs", [None])[:1] == [upload_id]]
    assert len(handlers) >= 2  # the preview (on upload, and again on a detail edited) and the addition
    for n, fn_index in enumerate(handlers):
        session = f"hostile{n}"
        body = _json.dumps({"data": [{"path": str(secret), "meta": {"_type": "gradio.FileData"}}, "", "", "", "", ""],
                            "fn_index": fn_index, "session_hash": session, "event_data": None}).encode()
        req = urllib.request.Request(app_url + "gradio_api/queue/join", data=body,
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req).read()
        stream = urllib.request.urlopen(app_url + f"gradio_api/queue/data?session_hash={session}", timeout=60)
        said = ""
        for raw in stream:
            line = raw.decode("utf-8", "replace")
            said += line
            if "process_completed" in line:
                break
        assert "Saved" not in said and "4417" not in said and "Ona Brandt" not in said
        assert "secret" not in {p.stem for p in model_settings.sources.iterdir()}
        assert "not a file uploaded to this app" in said or "Cannot move" in said, said[-500:]


@pytest.mark.browser
@pytest.mark.parametrize("device, viewport", [("desktop", (1400, 1000)), ("phone", (390, 844))])
def test_the_answer_in_view_readable_and_accessible(app_url, tmp_path, device, viewport):
    """The newest question and its first card in view when the answer arrives; the input and examples on the first
    screen; no floating label over the answers; axe-core finds no serious or critical violation, loaded or answered;
    an example asks itself; follow-ups bring new answers in the conversation's language; clearing forgets."""
    need_chromium()
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    def serious(page) -> list:
        found = Axe().run(page).response["violations"]
        return [(v["id"], v["nodes"][0]["target"]) for v in found if v["impact"] in ("serious", "critical")]

    def in_view(page, locator) -> bool:
        box = locator.bounding_box()
        return box is not None and 0 <= box["y"] and box["y"] + min(box["height"], 40) <= page.viewport_size["height"]

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        page.goto(app_url)
        page.wait_for_selector("#qa-question textarea")
        assert in_view(page, page.locator("#qa-question textarea")) and in_view(page, page.locator("#qa-examples"))
        assert serious(page) == []
        assert page.locator("#qa-chat [data-testid='block-label']").count() == 0  # no label floating over answers
        # an example asks itself
        page.locator("#qa-examples button, #qa-examples td, #qa-examples .gallery-item").filter(
            has_text="她如何看待AI监管？").first.click()
        page.wait_for_function("document.querySelectorAll('.qa-user-q').length >= 1", timeout=30000)
        page.wait_for_selector(".qa-answer", timeout=30000)
        for q in ("What does she think about AI in education?", "为什么？"):
            page.locator("#qa-question textarea").fill(q)
            page.locator("#qa-send").click()
            page.wait_for_function(f"document.querySelectorAll('.qa-user-q').length >= "
                                   f"{2 if q.startswith('What') else 3}", timeout=30000)
        page.wait_for_timeout(500)
        newest = page.locator(".qa-user-q").last
        assert in_view(page, newest), newest.bounding_box()
        assert in_view(page, page.locator("#qa-chat .message-row").last.locator(".qa-answer").first)
        assert serious(page) == []
        # "为什么？" after an English question: its answers are new ones, in English
        bubbles = page.locator("#qa-chat .message-row")
        last = bubbles.last.inner_text()
        assert last.startswith("Read as") and "Asked" in last and "提问" not in last
        ranks = page.locator("#qa-chat .message-row").last.locator(".qa-quote").all_inner_texts()
        before = page.locator("#qa-chat .message-row").nth(-3).locator(".qa-quote").all_inner_texts()
        assert ranks and not set(ranks) & set(before)
        page.screenshot(path=str(tmp_path / f"ui-in-view-{device}.png"))
        # the chat's own clear button forgets the conversation: "tell me more" then has nothing to follow
        page.locator("#qa-chat button[aria-label*='lear'], #qa-chat button[title*='lear']").first.click()
        page.locator("#qa-question textarea").fill("tell me more")
        page.locator("#qa-send").click()
        page.wait_for_function("document.querySelectorAll('.qa-user-q').length >= 1", timeout=30000)
        assert page.locator(".qa-user-q").count() == 1
        browser.close()


def _refused_in_add_tab(page, path) -> str:
    """Choose `path` in the Add tab and wait for its refusal; the status text it shows."""
    page.get_by_role("tab", name="Add a transcript · 添加文稿").click()
    page.locator("#qa-upload input[type=file]").set_input_files(str(path))
    page.wait_for_selector(".qa-upload-error", timeout=30000)
    return page.locator("#qa-add-status").inner_text()


@pytest.mark.browser
def test_a_file_qa_cannot_read_is_refused_in_words_in_the_add_tab(app_url, tmp_path):
    need_chromium()
    from playwright.sync_api import sync_playwright

    png = tmp_path / "photo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(app_url)
        said = _refused_in_add_tab(page, png)
        assert "Not added · 未添加" in said and "unknown format '.png'" in said and ".vtt" in said
        browser.close()
