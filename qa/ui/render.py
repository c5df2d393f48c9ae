"""What the app shows, as HTML: an answer card, a list of answers, a transcript page.

Everything from a transcript or a question is HTML-escaped before it is put on the page, so a question with
markup shows as text and injects nothing. The transcript page looks articles up by id in the loaded index and
never touches the file system with user input.
"""
from __future__ import annotations

import html
import re
from urllib.parse import quote as urlquote

from ..labels import LABELS
from ..retrieve import Assistant
from ..types import Answer, Result, Turn, clean_url, clock, moment_url

CSS = """
:root, .gradio-container{--button-primary-background-fill:#c2410c;--button-primary-background-fill-hover:#9a3412;
  --button-primary-text-color:#ffffff;--color-accent:#c2410c;--color-accent-soft:#fff1e5}
button[role="tab"][aria-selected="true"], button[role="tab"].selected{color:#9a3412 !important}
.min_value, .max_value, .show-api, footer a, footer button{color:#57606a !important}
.qa-title{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;font-size:1.6em;
  font-weight:700;margin:4px 0}
.qa-lede{margin:0 0 8px 0;color:var(--body-text-color)}
.qa-answer{border:1px solid var(--border-color-primary);border-radius:10px;padding:12px 14px;margin:10px 0;
  background:var(--background-fill-primary)}
.qa-head{display:flex;flex-wrap:wrap;gap:8px;align-items:baseline;font-size:0.9em;color:var(--body-text-color)}
.qa-rank{font-weight:700;color:#0550ae}
.qa-speaker-name{font-weight:600;color:var(--body-text-color)}
.qa-quote{font-size:1.05em;line-height:1.6;margin:6px 0 8px 0;padding-left:10px;
  border-left:3px solid #0969da}
.qa-cite{font-size:0.9em}
.qa-asked{font-size:0.9em;color:var(--body-text-color);margin-top:4px}
.qa-answer details{margin-top:6px;font-size:0.92em}
.qa-answer mark{background:#fff3b0;color:#1f2328;padding:0 1px}
.qa-notice{font-size:0.9em;color:var(--body-text-color)}
.qa-version{margin:6px 0 4px;padding:6px 10px;border-left:3px solid #0550ae;background:var(--background-fill-secondary)}
.qa-version-label{font-weight:600;font-size:0.9em}
.qa-version-source{font-size:0.85em;color:var(--body-text-color-subdued)}
.qa-preview-turns{border-collapse:collapse;width:100%;font-size:0.9em;margin:6px 0}
.qa-preview-turns th,.qa-preview-turns td{text-align:left;vertical-align:top;padding:3px 8px;
  border-bottom:1px solid var(--border-color-primary)}
.qa-turn{margin:6px 0}
.qa-speaker{font-weight:600}
.qa-match{border-radius:8px;padding:0 6px;font-size:0.9em}
.qa-match-answers-it{background:#dafbe1;color:#0f5323}
.qa-match-related{background:#ddf4ff;color:#0a3069}
.qa-match-loosely-related{background:#eaeef2;color:#32383f}
.qa-why{font-size:0.88em;color:var(--body-text-color);margin-bottom:4px}
.qa-quote mark.qa-hit{background:#fff3b0;color:#1f2328;padding:0}
.qa-said-badge{border-radius:8px;padding:0 6px;font-size:0.9em;background:#fff1e5;color:#762c00;font-weight:600}
.qa-said{font-size:1.0em;line-height:1.6;margin:6px 0 8px 0;padding-left:10px;border-left:3px solid #d4a72c}
.qa-said mark.qa-said-span{background:#ffd33d;color:#1f2328;padding:0 1px;font-size:1.05em}
.qa-date-head{font-weight:700;margin-top:12px;font-size:0.95em}
.qa-copy{font-size:0.85em;margin:6px 0 2px 0;padding:2px 8px;border:1px solid var(--border-color-primary);
  border-radius:6px;background:var(--background-fill-primary);color:var(--body-text-color);cursor:pointer}
.qa-copy[data-copied]::after{content:" ✓ Copied · 已复制";color:#0f5323;font-weight:600}
.qa-citation{white-space:pre-wrap;font-size:0.88em;background:var(--background-fill-secondary);padding:6px;
  border-radius:6px;user-select:all}
.qa-help p{color:var(--body-text-color)}
.qa-upload-error{color:#a40e26;font-weight:600}
.qa-reader{line-height:1.7;max-width:860px}
.qa-reader h1{font-size:1.3em} .qa-reader h2{font-size:1.1em;margin-top:1.4em}
.qa-reader .turn{margin:10px 0;padding:6px 10px;border-radius:6px}
.qa-reader .speaker{font-weight:600} .qa-reader .interviewee .speaker{color:#0550ae}
.qa-reader .narrator{color:var(--body-text-color)} .qa-reader .meta,.qa-reader .at{font-size:0.9em}
.qa-reader p{margin:4px 0;white-space:pre-wrap}
#qa-chat .message-row{max-width:100%}
@media (max-width: 640px){
  #qa-chat{height:auto !important;min-height:40vh}
  .qa-answer{padding:8px 8px;margin:8px 0}
  #qa-chat .message{padding:6px !important}
  .qa-title{font-size:1.25em}
}
"""

# "Copy citation": the chat's HTML carries no scripts (it is sanitised), so one listener on the page copies
# the citation that follows a copy button.
COPY_SCRIPT = """<script>
document.addEventListener("click", function (e) {
  var b = e.target.closest && e.target.closest(".qa-copy");
  if (!b || !b.nextElementSibling) return;
  navigator.clipboard.writeText(b.nextElementSibling.innerText).then(function () { b.dataset.copied = "1"; });
});
</script>"""

PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{font-family:system-ui,-apple-system,"Noto Sans CJK SC","PingFang SC",sans-serif;max-width:860px;margin:24px auto;
  padding:0 16px;line-height:1.7;color:#1f2328}}
h1{{font-size:1.4em}} .meta{{color:#57606a;font-size:0.9em}} h2{{font-size:1.1em;margin-top:1.6em}}
.turn{{margin:10px 0;padding:6px 10px;border-radius:6px}} .speaker{{font-weight:600}}
.interviewee .speaker{{color:#0969da}} .narrator{{color:#57606a}} .at{{color:#57606a;font-size:0.85em}}
.cited{{background:#fff8c5;border-left:4px solid #d4a72c}} mark{{background:#ffd33d;color:inherit}}
p{{margin:4px 0;white-space:pre-wrap}} nav.pages{{margin:12px 0}}
table.versions{{border-collapse:collapse;width:100%}} table.versions td,table.versions th{{vertical-align:top;
  width:50%;padding:4px 8px;border-bottom:1px solid #d0d7de;text-align:left}}
body:has(table.versions){{max-width:1280px}}
</style></head><body>{body}</body></html>"""


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


PREVIEW_TURNS = 8  # the first turns shown when a file is previewed before it is added


def preview_html(summary: str, notices: list[str], turns: list[Turn]) -> str:
    """How an uploaded file reads, before it is added: who says what, its first turns, what was repaired."""
    rows = "".join(f"<tr><td>{esc(t.speaker)}{' ✓' if t.is_interviewee else ''}</td>"
                   f"<td>{esc(clock(t.start)) if t.start is not None else ''}</td>"
                   f"<td>{esc(t.text[:160])}{'…' if len(t.text) > 160 else ''}</td></tr>"
                   for t in turns[:PREVIEW_TURNS])
    return (f'<div class="qa-preview"><p class="qa-read">Reads as · 读作 {esc(summary)}</p>'
            + "".join(f'<p class="qa-notice">{esc(n)}</p>' for n in notices)
            + '<table class="qa-preview-turns"><thead><tr><th scope="col">Speaker · 说话人</th>'
              '<th scope="col">Time · 时间</th><th scope="col">Words · 内容</th></tr></thead>'
            + f"<tbody>{rows}</tbody></table>"
            + "<p>Check who says what (✓: the interviewee's answers); if a name is wrong, correct the details above "
              "(the preview follows). Then press “Add to the index”. · 请核对说话人（✓ 为受访者的回答），"
              "无误后点击“加入索引”。</p></div>")


def transcript_href(turn: Turn, span: tuple[int, int] | None = None) -> str:
    q = f"&quote={span[0]}-{span[1]}" if span else ""
    return f"/transcript/{urlquote(turn.article_id)}?turn={urlquote(turn.turn_id)}{q}#t{turn.position}"


def marked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` escaped, with the given character spans in <mark class="qa-hit">."""
    out, last = [], 0
    for a, b in spans:
        out += [esc(text[last:a]), f'<mark class="qa-hit">{esc(text[a:b])}</mark>']
        last = b
    return "".join(out) + esc(text[last:])


def answer_html(a: Answer, context: list[Turn], lang: str, question: str = "",
                why: tuple[list[str], list[tuple[int, int]]] = ((), ())) -> str:
    """One answer as an HTML card: quote, citation, question, full turn and context on demand."""
    L = LABELS[lang]
    t, art = a.turn, a.article
    before, after = esc(t.text[:a.quote_start]), esc(t.text[a.quote_end:])
    full = f"{before}<mark>{esc(a.quote)}</mark>{after}".replace("\n", "<br>")
    ctx = "".join(
        f'<div class="qa-turn"><span class="qa-speaker">{esc(c.speaker)}</span>：'
        f'{"<mark>" if c.turn_id == t.turn_id else ""}{esc(c.text).replace(chr(10), "<br>")}'
        f'{"</mark>" if c.turn_id == t.turn_id else ""}</div>'
        for c in context)
    link = f'<a href="{esc(clean_url(art.url))}" target="_blank" rel="noopener noreferrer">{esc(art.title)}</a>' \
        if art.url else esc(art.title)
    asked = f'<div class="qa-asked">{L["asked"]}：{esc(t.question)}</div>' if t.question else ""
    at = ""
    if t.start is not None:  # a timed source: the moment, linked where the site takes one
        moment = moment_url(clean_url(art.url), t.start)
        label = f'{L["at"]} {clock(t.start)}'
        at = " · " + (f'<a class="qa-at" href="{esc(moment)}" target="_blank" rel="noopener noreferrer">{label}</a>'
                      if moment else f'<span class="qa-at">{label}</span>')
    cite = " · ".join(x for x in (link, esc(t.section), esc(art.date)) if x) + at
    match = (f'<span class="qa-match qa-match-{a.match.replace(" ", "-")}">{esc(L["match"][a.match])}</span>'
             if a.match else "")
    said = f'<span class="qa-said-badge">{L["said"]}</span>' if a.said_here else ""
    if a.said_here:  # the matched words marked in their place in her turn
        before, quote, after = a.in_context()
        shown = (f'<div class="qa-said">{esc(before)}<mark class="qa-said-span">{esc(quote)}</mark>'
                 f'{esc(after)}</div>').replace("\n", "<br>")
    else:
        shown = f'<div class="qa-quote">“{marked(a.quote, list(why[1]))}”</div>'
    permalink = f'/?q={urlquote(question)}' if question else ""
    cite_box = (f'<details><summary>{L["cite"]}</summary>'
            f'<button type="button" class="qa-copy">{L["copy"]}</button>'
            f'<div class="qa-citation">{esc(a.citation())}</div>'
            f'<button type="button" class="qa-copy">{L["copy_md"]}</button>'
            f'<div class="qa-citation">{esc(a.citation(markdown=True))}</div>'
            + (f'<a href="{esc(permalink)}" target="_blank">{L["link"]}</a>' if permalink else "")
            + '</details>')
    return (
        f'<div class="qa-answer">'
        f'<div class="qa-head"><span class="qa-rank">{L["rank"].format(a.rank)}</span>'
        f'<span class="qa-speaker-name">{esc(t.speaker)}</span>{match}{said}</div>'
        f'{shown}{version_html(a.version, L)}'
        + (f'<div class="qa-why">{L["why"]}：{esc(" · ".join(why[0]))}</div>' if why[0] else "") +
        f'<div class="qa-cite">{cite}</div>'
        f'{asked}'
        f'<details><summary>{L["full"]}</summary><div>{full}</div></details>'
        f'<details><summary>{L["context"]}</summary>{ctx}</details>'
        f'{cite_box}'
        f'<div class="qa-cite"><a href="{esc(transcript_href(t, (a.quote_start, a.quote_end)))}" '
        f'target="_blank">{L["read"]}</a></div>'
        f'</div>')


def version_html(v: dict | None, L: dict) -> str:
    """The answer's words in the other version of the conversation (her original words beside a rendering,
    or the rendering beside them), with their moment and link."""
    if not v:
        return ""
    at = ""
    if v.get("start") is not None:
        label = f'{L["at"]} {clock(v["start"])}'
        href = esc(v.get("url_at") or "")
        at = " · " + (f'<a class="qa-at" href="{href}" target="_blank" rel="noopener noreferrer">{label}</a>'
                      if href else label)
    lang = ' lang="zh"' if any("\u4e00" <= c <= "\u9fff" for c in v["text"][:40]) else ' lang="en"'
    return (f'<div class="qa-version"><span class="qa-version-label">{esc(L["version"][v["role"]])}</span>{at}'
            f'<div class="qa-version-text"{lang}>“{esc(v["text"])}”</div>'
            f'<div class="qa-version-source">{esc(v["article"]["title"])}</div></div>')


def result_html(assistant: Assistant, result: Result, lang: str, resolved: str | None = None,
                dated: bool = False) -> str:
    """The answers as cards. With `dated`, ordered by interview date under a heading per date, so what she
    said in 2023 stands beside what she said in 2024."""
    L = LABELS[lang]
    parts = []
    if resolved:
        parts.append(f'<div class="qa-notice">{L["resolved"]}：{esc(resolved)}</div>')
    parts += [f'<div class="qa-notice">{esc(n)}</div>' for n in dict.fromkeys(result.notices)]
    if result.kind in L["read_as"]:
        framed = result.framed  # a press passage: say which of its words were searched
        searched = esc(result.searched) if result.kind == "claim" or framed else ""
        label = L["framed"] if framed else L["read_as"][result.kind]
        parts.append(f'<div class="qa-notice qa-read-as">{esc(label)}{searched}</div>')
    if result.no_answer or not result.answers:
        parts.append(f"<p>{L['none']} {L['none_hint']}</p>")

    def card(a: Answer) -> str:
        return answer_html(a, assistant.context(a.turn.turn_id), lang, result.question,
                           assistant.why(result.question, a))

    # Loosely related answers are not peers of the ones that answer: they fold away, unless nothing better came.
    strong = [a for a in result.answers if a.match != "loosely related"] or list(result.answers)
    weak = [a for a in result.answers if a not in strong]
    if dated:
        strong = sorted(strong, key=lambda a: (a.article.date or "9999", a.rank))
    date = None
    for a in strong:
        if dated and a.article.date != date:
            date = a.article.date
            parts.append(f'<div class="qa-date-head">{esc(date or "—")}</div>')
        parts.append(card(a))
    if weak:
        parts.append(f'<details class="qa-more"><summary>{L["more"]} ({len(weak)})</summary>'
                     + "".join(card(a) for a in weak) + "</details>")
    return "".join(parts)


PAGE_TURNS = 400  # turns per page of the reader: a long recording's page stays small on a phone


def page_moment(url: str, start: float | None) -> str:
    """A timed turn's moment in a transcript page: linked where the site takes one, else its time alone; ""
    for an untimed turn."""
    if start is None:
        return ""
    at, moment = clock(start), moment_url(url, start)
    return (f' <a class="at" href="{esc(moment)}" rel="noopener noreferrer">{at}</a>'
            if moment and moment != url else f' <span class="at">{at}</span>')


def versions_page(assistant: Assistant, article_id: str, turn_id: str | None = None) -> str | None:
    """An article beside its other version (qa/align.py), turn against turn: each aligned pair on one row, a
    turn without counterpart on a row of its own. None when the article has no aligned version."""
    found = assistant.versions.of_article(article_id)
    if found is None:
        return None
    al, original = found
    mine, other = (al.a, al.b) if al.a == article_id else (al.b, al.a)
    arts = assistant.index.articles
    turns = {t.turn_id: t for aid in (mine, other) for t in assistant.article_turns(aid)}

    def cell(ids: tuple[str, ...]) -> str:
        out = []
        for tid in ids:
            t = turns[tid]
            at = page_moment(arts[t.article_id].url, t.start)
            cls = "turn" + (" interviewee" if t.is_interviewee else "") + (" cited" if tid == turn_id else "")
            out.append(f'<div class="{cls}" id="v{esc(tid)}"><span class="speaker">{esc(t.speaker)}</span>：{at}'
                       f"<p>{esc(t.text)}</p></div>")
        return "".join(out)

    def head(aid: str) -> str:
        role = "原话 · original" if aid == original else "译文 · rendering"
        return (f'<th scope="col"><a href="/transcript/{urlquote(aid)}">{esc(arts[aid].title)}</a>'
                f'<div class="meta">{role}</div></th>')

    rows = []
    none = '<span class="meta">—</span>'
    for p in al.pairs:
        left, right = (p.a, p.b) if al.a == mine else (p.b, p.a)
        rows.append(f"<tr><td>{cell(left) or none}</td><td>{cell(right) or none}</td></tr>")
    body = (f"<h1>{esc(arts[mine].title)}</h1><div class='meta'>Side by side with its other version, turn against "
            "turn; “—”: no counterpart there (dropped in the rendering, or an editor's note). · 两个版本逐段对照。"
            f"</div><table class='versions'><thead><tr>{head(mine)}{head(other)}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
    return PAGE.format(title=esc(arts[mine].title), body=body)


def transcript_page(assistant: Assistant, article_id: str, turn_id: str | None,
                    quote: str | None = None, page: int | None = None) -> str | None:
    """The transcript as a standalone page, or None for an unknown article.

    `quote` ("start-end", character offsets in the cited turn) marks the quoted words. A transcript of more
    than PAGE_TURNS turns is shown a page at a time: the page holding the cited turn, or `page` (from 1).
    """
    span = None
    if quote and re.fullmatch(r"\d{1,7}-\d{1,7}", quote):
        span = tuple(int(x) for x in quote.split("-"))
    art = assistant.index.articles.get(article_id)
    if art is None:
        return None
    turns = assistant.article_turns(article_id)
    pages = max(1, -(-len(turns) // PAGE_TURNS))
    cited = next((t.position for t in turns if t.turn_id == turn_id), None) if turn_id else None
    number = min(max(1, page or (cited // PAGE_TURNS + 1 if cited is not None else 1)), pages)
    visible = turns[(number - 1) * PAGE_TURNS: number * PAGE_TURNS]
    meta = [esc(x) for x in (art.date, art.author) if x]
    if art.url:
        shown = art.url if len(art.url) <= 60 else art.url[:60] + "…"
        meta.append(f'<a href="{esc(art.url)}" rel="noopener noreferrer">{esc(shown)}</a>')
    if assistant.versions and assistant.versions.of_article(article_id):
        meta.append(f'<a href="/transcript/{urlquote(article_id)}?versions=1">Side by side with its other version · '
                    "双语对照</a>")
    body = [f"<h1>{esc(art.title)}</h1>", f'<div class="meta">{" · ".join(meta)}</div>']
    nav = ""
    if pages > 1:
        base = f"/transcript/{urlquote(article_id)}?page="
        links = [f'<a href="{base}{n}">{n}</a>' if n != number else f"<strong>{n}</strong>"
                 for n in range(1, pages + 1) if n in (1, pages) or abs(n - number) <= 3]
        nav = f'<nav class="pages" aria-label="pages">Page {number} of {pages} · {" ".join(links)}</nav>'
        body.append(nav)
    section = None
    for t in visible:
        if t.section != section:
            section = t.section
            body.append(f"<h2>{esc(section)}</h2>")
        cls = "turn" + (" interviewee" if t.is_interviewee else "") + (" narrator" if t.speaker == "Narrator" else "")
        cls += " cited" if t.turn_id == turn_id else ""
        speaker = "" if t.speaker == "Narrator" else f'<span class="speaker">{esc(t.speaker)}</span>：'
        speaker += page_moment(art.url, t.start)
        text = esc(t.text)
        if t.turn_id == turn_id and span and 0 <= span[0] < span[1] <= len(t.text):
            text = f"{esc(t.text[:span[0]])}<mark>{esc(t.text[span[0]:span[1]])}</mark>{esc(t.text[span[1]:])}"
        body.append(f'<div class="{cls}" id="t{t.position}">{speaker}<p>{text}</p></div>')
    return PAGE.format(title=esc(art.title), body="".join(body) + nav)


