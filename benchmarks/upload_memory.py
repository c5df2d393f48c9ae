"""Peak memory of reading one upload-sized file (20 MB, the app's limit) of each format, in a fresh process
each: `python benchmarks/upload_memory.py [--mb 20]`. Prints one line per format: the reader's peak resident
memory above the process's baseline, and what came of the file (turns, or the reason it was refused)."""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make(fmt: str, size: int) -> bytes:
    """A file of about `size` bytes in `fmt`, of distinct invented lines (the costly case for every reader)."""
    lines, n, i = [], 0, 0
    while n < size:
        who = "Ona Brandt" if i % 2 else "Mira Murati"
        said = f"第{i}句，the kiln was fired for {i} hours and the glaze cracked in {i % 7} places."
        if fmt == "vtt":
            line = f"{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000 --> {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.900\n<v {who}>{said}\n\n"
        elif fmt == "srt":
            line = f"{i + 1}\n{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d},000 --> {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d},900\n{who}: {said}\n\n"
        elif fmt == "json":
            line = json.dumps({"start": i, "end": i + 0.9, "text": said, "speaker": who}) + ","
        elif fmt == "html":
            line = f"<p><b>{who}:</b> {said}</p>\n"
        else:
            line = f"**{who}:** {said}\n\n"
        lines.append(line)
        n += len(line.encode())
        i += 1
    body = "".join(lines)
    if fmt == "vtt":
        return ("WEBVTT\n\n" + body).encode()
    if fmt == "json":
        return ('{"segments": [' + body.rstrip(",") + "]}").encode()
    if fmt == "html":
        return f"<html><head><title>Kiln</title></head><body><article>{body}</article></body></html>".encode()
    if fmt == "docx":
        import docx

        d = docx.Document()
        for line in lines[: len(lines) // 4]:  # a .docx zips its XML: a quarter of the lines fill the size
            d.add_paragraph(line.strip())
        out = io.BytesIO()
        d.save(out)
        return out.getvalue()
    return body.encode()


CHILD = """
import resource, sys
from qa.parse import parse_file, SourceError
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    _, turns = parse_file(sys.argv[1], notices=[])
    said = f"{len(turns)} turns"
except SourceError as e:
    said = "refused: " + e.reason[:80]
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024, said)
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("md", "srt", "vtt", "json", "html", "docx"):
            path = Path(tmp) / f"big.{fmt}"
            path.write_bytes(make(fmt, int(args.mb * 2**20)))
            out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                                 cwd=ROOT, timeout=3600)
            mb, _, said = out.stdout.strip().partition(" ")
            print(f"{fmt:5} {path.stat().st_size / 2**20:5.1f} MB file: peak +{mb} MB ({said or out.stderr[-200:]})",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
