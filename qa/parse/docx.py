"""Reader for Word documents (.docx, the export format of transcription services), by python-docx.

Each paragraph becomes a Markdown line: headings as `##`, a bold run at the start
as a bold label, a paragraph wholly in bold italics, or in bold ending in a
question mark, as a question; then it is read as Markdown, so every label shape
of plain text works here too.
"""
from __future__ import annotations

import io

from . import markdown
from .common import Meta, Piece, SourceError


# What a Word document may unpack to. A transcript of several hours is a few MB of XML; a zip bomb is a few MB
# that claims gigabytes. zipfile never inflates a member past the size its directory declares, so checking the
# declared sizes before python-docx opens anything bounds the memory a hostile file can cost: 30 MB of XML
# peaked at 274 MB (docs/decisions.md).
MAX_UNPACKED_BYTES = 32 * 2**20
MAX_MEMBERS = 2000


def check_archive(data: bytes, source: str) -> None:
    """A SourceError for a .docx whose parts would unpack to more than MAX_UNPACKED_BYTES (a zip bomb)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise SourceError(source, f"not a Word document that can be opened ({e.__class__.__name__}); save it "
                                  "again as .docx") from None
    if any(m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for m in members):
        # bzip2 and LZMA inflate a whole read at once, past any declared size; Word never writes them
        raise SourceError(source, "a Word document compressed in a way Word never writes (bzip2 or LZMA "
                                  "parts): save it again as .docx")
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
        raise SourceError(source, f"a Word document that would unpack to {unpacked / 2**20:.0f} MB in "
                                  f"{len(members)} parts (at most {MAX_UNPACKED_BYTES // 2**20} MB): not a "
                                  "transcript; save the text again as .docx or .txt")


def read_file(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
              ) -> tuple[Meta, list[Piece]]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_archive(data, source)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as e:
        raise SourceError(source, f"not a Word document that can be opened ({e.__class__.__name__}); save it "
                                  "again as .docx") from None
    except Exception as e:  # a damaged zip raises zipfile.BadZipFile and the like
        raise SourceError(source, f"a damaged Word document ({e.__class__.__name__}: {e})") from None
    lines = []
    props = document.core_properties
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        if style.lower().startswith("heading") or style.lower() == "title":
            lines.append(("# " if style.lower() in ("title", "heading 1") else "## ") + text)
        elif para.runs and all(r.bold and r.italic for r in para.runs if r.text.strip()):
            lines.append(f"_**{text}**_")
        elif para.runs and all(r.bold for r in para.runs if r.text.strip()) and text.endswith(("?", "？")):
            lines.append(f"**{text}**")  # a question in bold alone, as press Q&As print them
        elif para.runs and para.runs[0].bold and para.runs[0].text.strip().rstrip().endswith((":", "：")):
            label = para.runs[0].text.strip()
            lines.append(f"**{label}** {text[len(label):].strip()}".rstrip())
        else:
            lines.append(text)
        lines.append("")
    if not lines:
        raise SourceError(source, "a Word document with no text in it")
    # Only the title: a document's author and creation date are the transcriber's, not the interview's.
    doc_meta = Meta(title=props.title or "")
    return markdown.read("\n".join(lines), default_interviewee, (catalog or Meta()).fill(doc_meta))
