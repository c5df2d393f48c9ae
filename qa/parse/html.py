"""Reader for a saved web page: the article text only, by trafilatura, then read as Markdown.

trafilatura drops navigation, scripts, adverts and comments and keeps bold and
italics as Markdown, so `<strong>Name:</strong>` labels come out as `**Name:**`.
A short paragraph that only calls the reader to subscribe, share or listen
elsewhere, or states the copyright, is dropped too: it would otherwise continue
the last speaker's turn.
A bold-italic question comes out in italics alone; a whole paragraph in italics
that ends in a question mark is read as the interviewer's question, as in Markdown.
The page's title, date and link fill what the catalogue does not say.
"""
from __future__ import annotations

import re

from . import markdown
from .common import Meta, Piece, SourceError, decode

MIN_ARTICLE_CHARS = 40  # word characters: the shortest exchange worth indexing is longer than that
# A short paragraph that only asks the reader to do something, or states the copyright: page furniture.
_CALL_TO_ACTION = re.compile(
    r"^\W*(?:(?:subscribe|sign up|follow us|share this|share on|listen (?:on|to (?:the|our|more))|download (?:the|our)|"
    r"read more|click here|support (?:us|our)|advertisement|sponsored by|become a (?:member|subscriber))\b.{0,160}"
    r"|.{0,80}(?:©|\(c\) \d{4}|all rights reserved).{0,80})$", re.IGNORECASE)
_ITALIC_QUESTION = re.compile(r"^\s*(?:\*|_)(?!\*)(?P<q>[^*_\n]+?[?？])\s*(?:\*|_)\s*$", re.MULTILINE)


# A saved page's markup, once scripts and styles are dropped, that trafilatura may parse: its tree costs about
# 50 times the page's size in memory (a 20 MB page of paragraphs peaked at 980 MB), and an interview's page is
# well under a MB of markup. benchmarks/upload_memory.py measures it.
MAX_PAGE_BYTES = 8 * 2**20
_NOT_TEXT = re.compile(r"<(script|style|svg|noscript)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def read_file(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
              ) -> tuple[Meta, list[Piece]]:
    import trafilatura

    page = _NOT_TEXT.sub("", decode(data, source))
    if len(page.encode("utf-8")) > MAX_PAGE_BYTES:
        raise SourceError(source, f"a web page of {len(page.encode('utf-8')) / 2**20:.0f} MB of markup, more "
                                  f"than an interview's page holds (at most {MAX_PAGE_BYTES // 2**20} MB): save the "
                                  "article's text as .txt and add that")
    if (transcript := _podcast_transcript(page)):
        return markdown.read(transcript, default_interviewee, Meta().fill(catalog or Meta()))
    text = trafilatura.extract(page, output_format="markdown", include_formatting=True, include_comments=False,
                               include_tables=False, include_images=False, include_links=False, favor_recall=True)
    # What is left of a page without an article is a menu word or two ("Home"): not a transcript.
    if not text or len(re.findall(r"\w", text)) < MIN_ARTICLE_CHARS:
        raise SourceError(source, "a web page with no article text in it (only navigation, scripts or "
                                  "adverts?); save the article page itself")
    text = _ITALIC_QUESTION.sub(lambda m: f"_**{m.group('q').strip()}**_", text)
    # What trafilatura keeps of a page's calls to action would otherwise continue the last speaker's turn.
    text = "\n".join(line for line in text.split("\n") if not _CALL_TO_ACTION.match(line))
    found = trafilatura.extract_metadata(page)
    page_meta = Meta(title=found.title or "", date=found.date or "", url=found.url or "",
                     author=found.author or "") if found else Meta()
    meta, pieces = markdown.read(text, default_interviewee, (catalog or Meta()).fill(page_meta))
    return meta, pieces


# Podcasting 2.0's HTML transcript: `<cite>Name:</cite>`, then `<time>0:09</time>`, then the words in `<p>`s.
_CITE = re.compile(r"<cite\b[^>]*>(?P<name>.*?)</cite\s*>\s*(?:<time\b[^>]*>(?P<time>.*?)</time\s*>)?"
                   r"(?P<words>.*?)(?=<cite\b|\Z)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _podcast_transcript(page: str) -> str | None:
    """A Podcasting 2.0 HTML transcript as labelled text ("Name (0:09): words"), or None for another page."""
    import html

    blocks = list(_CITE.finditer(page))
    if len(blocks) < 2:
        return None
    out = []
    for b in blocks:
        name = html.unescape(_TAG.sub("", b.group("name"))).strip().rstrip(":：").strip()
        time = html.unescape(_TAG.sub("", b.group("time") or "")).strip()
        words = [html.unescape(_TAG.sub("", p)).strip()
                 for p in re.split(r"</p\s*>|<br\s*/?>", b.group("words"), flags=re.IGNORECASE)]
        words = [re.sub(r"\s+", " ", w) for w in words if w.strip()]
        if name and words:
            out.append(f"{name}{f' ({time})' if time else ''}: " + "\n\n".join(words))
    return "\n\n".join(out) if len(out) >= 2 else None
