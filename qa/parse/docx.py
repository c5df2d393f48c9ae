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


def read_file(data: bytes, source: str, default_interviewee: str, catalog: Meta | None = None
              ) -> tuple[Meta, list[Piece]]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

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
