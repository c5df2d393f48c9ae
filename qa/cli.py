"""The `qa` command: turns, index, ask, eval, bench.

Arguments are checked before any work; errors are one line on stderr naming
the problem and what to do, with exit code 2 for bad input and 1 for a failure.
Heavy libraries are imported inside the commands that need them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .config import Settings


class UsageError(Exception):
    """Bad input from the user (exit code 2)."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    settings = Settings.from_env(sources=getattr(args, "sources", None), index=getattr(args, "index", None),
                                 model=getattr(args, "model", None),
                                 declared_interviewee=getattr(args, "interviewee", None))
    try:
        return args.func(args, settings) or 0
    except UsageError as e:
        print(f"qa {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"qa {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `qa turns | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (no second error at exit)
        return 0
    except Exception as e:  # known failures carry their own message
        from .embed import ModelError
        from .parse import SourceError
        from .build import BuildError
        from .store import IndexError_

        if isinstance(e, (BuildError, IndexError_, SourceError, ModelError)):
            print(f"qa {args.command}: {e}", file=sys.stderr)
        elif isinstance(e, OSError):
            print(f"qa {args.command}: {e.filename or ''}: {e.strerror or e}; check the path and its "
                  "permissions", file=sys.stderr)
        elif os.environ.get("QA_DEBUG"):
            raise
        else:
            print(f"qa {args.command}: internal error ({e.__class__.__name__}: {e}); nothing was changed. "
                  "Run again with QA_DEBUG=1 for the details, and report them", file=sys.stderr)
        return 1


def _locations(s: argparse.ArgumentParser, sources: str | None = None, index: bool = True) -> None:
    """The --sources / --index flags most commands share."""
    if sources:
        s.add_argument("--sources", type=Path, help=sources)
    if index:
        s.add_argument("--index", type=Path, help="index folder (default: index/)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qa", description="Ask what Mira Murati said; get her words back, cited.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("turns", help="list the parsed turns of the transcripts",
                       description="Parse the transcripts and print their turns (one JSON object per line with "
                                   "--json).")
    _locations(s, sources="folder of transcripts (default: sources/)", index=False)
    s.add_argument("files", nargs="*", type=Path, metavar="FILE",
                   help="show how these files read (anywhere; nothing is indexed or saved) instead of the folder")
    s.add_argument("--json", action="store_true", help="one JSON object per turn per line")
    s.add_argument("--interviewee", metavar="NAME",
                   help="the interviewee of every file that declares none (front matter or sources/catalog.toml)")
    s.set_defaults(func=cmd_turns)

    s = sub.add_parser("index", help="build or update the search index",
                       description="Parse the transcripts and (re)build the index. Only changed turns are "
                                   "embedded again unless --full; the previous index stays in place until the "
                                   "new one is complete.")
    _locations(s, sources="folder of transcripts (default: sources/)")
    s.add_argument("--full", action="store_true", help="embed everything again, ignoring the cache")
    s.add_argument("--interviewee", metavar="NAME",
                   help="the interviewee of every file that declares none in its front matter or in "
                        "sources/catalog.toml (otherwise: Mira Murati, where she is one of a file's speakers)")
    s.add_argument("--model", help="sentence-transformers model name or folder (default: bundled E5)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_index)

    s = sub.add_parser("ask", help="ask a question, get cited answers",
                       description="Ask in Chinese or English; prints her verbatim answers with citations.")
    s.add_argument("question", nargs="?", help="the question (omit with --batch)")
    s.add_argument("--k", type=int, default=5, help="number of answers (1-50, default 5)")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    _locations(s, sources="sources used if the index must be built first")
    s.add_argument("--all-speakers", action="store_true", help="also return the host's and audience's turns")
    s.add_argument("--speaker", metavar="NAME",
                   help="only this speaker's turns (a name as 'qa turns' shows it, or a surname); by default "
                        "the interviewees', or those the question names ('What does Raman say about...')")
    s.add_argument("--batch", metavar="FILE", help="questions one per line ('-' for stdin); JSON lines out")
    s.add_argument("--cite", action="store_true", help="also print each answer's citation, ready to paste")
    s.add_argument("--by-date", action="store_true",
                   help="order the answers by interview date (what she said then beside later)")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("eval", help="measure retrieval quality on the evaluation set",
                       description="Recall@1, Recall@5, MRR@10 and no-answer accuracy by language, for the "
                                   "hybrid retriever, plain BM25 and dense-only, on the same index.")
    s.add_argument("--questions", type=Path, help="JSONL evaluation set (default: benchmarks/eval_questions.jsonl)")
    s.add_argument("--split", default="all",
                   help="which questions: dev (tuned on), test, test2, test3 (held out), several joined by "
                        "commas, or all (default)")
    _locations(s, sources="sources indexed if the index must be built first (default: sources/)")
    s.add_argument("--json", action="store_true", help="print the figures as JSON")
    s.add_argument("--misses", action="store_true", help="also list the questions whose answer is not first")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("align", help="align two versions of one conversation, turn by turn",
                       description="Align two transcripts of one conversation (a Chinese article and the English "
                                   "captions of the event, say) turn by turn and, inside aligned turns, sentence by "
                                   "sentence, from the index's vectors; print the pairs with their scores. Declare "
                                   "the pair in sources/catalog.toml (same_as) to show her words in one beside the "
                                   "other.")
    s.add_argument("a", metavar="A", help="an article id or file name, as 'qa turns' shows it")
    s.add_argument("b", metavar="B", help="the other version")
    s.add_argument("--json", action="store_true", help="print the alignment as one JSON object")
    _locations(s)
    s.set_defaults(func=cmd_align)

    s = sub.add_parser("bench", help="measure latency, build time and memory",
                       description="Warm and cold ask latency, bare query encoding, index build and re-index "
                                   "times, app start-up and memory; prints a table and appends to "
                                   "benchmarks/results/bench.jsonl.")
    _locations(s)
    s.add_argument("--quick", action="store_true", help="skip the full rebuild and the app start-up")
    s.set_defaults(func=cmd_bench)
    return p


def cmd_turns(args, settings: Settings) -> int:
    from .parse import load_sources
    from .present import turn_json, turns_table

    if args.files:
        parsed, errors, notices = _read_files(args.files, settings)
    else:
        parsed, errors, notices, _ = load_sources(settings.sources, settings.interviewee,
                                                  settings.declared_interviewee)
    for e in errors:
        print(f"qa turns: skipped {e}", file=sys.stderr)
    for n in notices:
        print(f"qa turns: note: {n}", file=sys.stderr)
    rows = [(t, a) for a, ts in parsed for t in ts]
    if args.json:
        for t, a in rows:
            print(turn_json(t, a))
    else:
        print(turns_table(rows))
    if args.files:  # how each file was read, as `qa index` would report it
        from .build import read_name, read_summary

        for a, ts in parsed:
            print(f"qa turns: read {read_name(a, parsed)}: {read_summary(ts)}", file=sys.stderr)
    return 0 if parsed else 1


def _read_files(files: list[Path], settings: Settings):
    """Files named on the command line, each read as `qa index` would read it in the sources folder (with its
    catalogue entry there, if any)."""
    from .parse import SourceError, parse_file_all
    from .parse.catalog import read_catalog

    parsed, errors, notices = [], [], []
    try:
        catalog = read_catalog(settings.sources) if settings.sources.is_dir() else {}
    except SourceError as e:
        errors.append(e)
        catalog = {}
    for path in files:
        if not path.is_file():
            errors.append(SourceError(path, "no such file"))
            continue
        try:
            parsed.extend(parse_file_all(path, None, settings.interviewee, catalog.get(path.name), notices,
                                         settings.declared_interviewee))
        except SourceError as e:
            errors.append(e)
    return parsed, errors, notices


def cmd_index(args, settings: Settings) -> int:
    from .embed import load_embedder
    from .progress import silent, terminal
    from .build import build

    if not settings.sources.is_dir():
        raise UsageError(f"sources folder {settings.sources} not found; create it and add Markdown transcripts")
    embedder = load_embedder(settings.model, settings.batch_size, lazy=True)
    report = build(settings, embedder, silent if args.quiet else terminal, full=args.full)
    for e in report.errors:
        print(f"qa index: skipped {e}", file=sys.stderr)
    for n in report.notices:
        print(f"qa index: note: {n}", file=sys.stderr)
    for r in report.read:  # files new or changed since the last index: who says what in them
        print(f"qa index: read {r}", file=sys.stderr)
    if report.faiss_type == "unchanged":
        print(f"index is up to date ({report.articles} articles, {report.turns} turns, {report.units} vectors) "
              f"in {report.seconds:.1f}s -> {report.directory}; --full rebuilds it anyway")
        return 0
    print(f"indexed {report.articles} articles, {report.turns} turns, {report.units} vectors "
          f"({report.embedded} embedded, {report.reused} from cache, {report.faiss_type} FAISS) "
          f"in {report.seconds:.1f}s -> {report.directory}; embedding took {report.embed_seconds:.1f}s")
    return 0


def _assistant(settings: Settings, quiet: bool = False, explicit_index: bool = False):
    from .progress import silent, terminal
    from .retrieve import Assistant
    from .store import current_dir

    if current_dir(settings.index) is None:
        if explicit_index and not Path(settings.index).is_dir():  # a typo must not build an index somewhere
            # (with --sources too, a new pair of folders is meant: that builds, as the first run does)
            raise UsageError(f"no index folder {settings.index}; build one there with "
                             f"'qa index --index {settings.index}', or leave out --index")
        if not settings.sources.is_dir():
            raise UsageError(f"no index in {settings.index} and no sources folder {settings.sources}; "
                             "add transcripts to sources/ and run 'qa index'")
        print(f"qa: no index in {settings.index} yet; building it from {settings.sources} (first run only)",
              file=sys.stderr)
    return Assistant.load(settings=settings, build_if_missing=True, progress=silent if quiet else terminal)


def cmd_ask(args, settings: Settings) -> int:
    from .present import by_date, result_json, result_text
    from .retrieve import QuestionError

    if not 1 <= args.k <= 50:
        raise UsageError(f"--k must be between 1 and 50, not {args.k}")
    if args.batch is None and args.question is None:
        raise UsageError("give a question, e.g. qa ask \"她如何看待AI监管？\", or --batch FILE")
    if args.batch is not None and args.question is not None:
        raise UsageError("give either a question or --batch, not both")
    lines = _questions(args, settings)
    assistant = _assistant(settings, explicit_index=args.index is not None and args.sources is None)
    if args.speaker and not assistant.speaker_pool(args.speaker).any():
        raise UsageError(f"no turns by {args.speaker!r}; speakers: {', '.join(assistant.speakers()[:12])}")
    if args.batch is not None or args.json:  # (as text, each answer carries them as "note:" lines)
        for n in assistant.notices:
            print(f"qa ask: {n}", file=sys.stderr)
    for line in lines:
        if args.batch is not None and not line.strip():
            continue
        try:
            result = assistant.ask(line, k=args.k, all_speakers=args.all_speakers, speaker=args.speaker)
        except QuestionError as e:
            if args.batch is None:
                raise UsageError(str(e)) from None
            print(json.dumps({"question": line, "error": str(e)}, ensure_ascii=False))
            continue
        if args.by_date:
            result = by_date(result)
        if args.batch is None and not args.json:
            print(result_text(result, cite=args.cite))  # (the question's notices are in it, as "note:" lines)
        else:
            print(result_json(result), flush=True)
    return 0


def _questions(args, settings: Settings) -> list[str]:
    """The questions `qa ask` was given: one, checked before anything is loaded, or a batch file's lines."""
    from .retrieve import QuestionError, clean_question

    if args.batch is None:
        try:  # refuse an empty question before loading anything
            clean_question(args.question, settings.max_question_chars)
        except QuestionError as e:
            raise UsageError(str(e)) from None
        return [args.question]
    if args.batch == "-":
        return sys.stdin.read().splitlines()
    try:
        return Path(args.batch).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read questions from {args.batch}: {e}") from None


def cmd_align(args, settings: Settings) -> int:
    from .align import align
    from .store import current_dir, load

    if current_dir(settings.index) is None:
        raise UsageError(f"no index in {settings.index}; run 'qa index' first")
    idx = load(settings.index)
    by_name = {a.source.rsplit("/", 1)[-1]: a.article_id for a in idx.articles.values()}
    ids = []
    for name in (args.a, args.b):
        aid = name if name in idx.articles else by_name.get(Path(name).name)
        if aid is None:
            raise UsageError(f"no article {name!r} in the index; its articles: {', '.join(sorted(idx.articles))}")
        ids.append(aid)
    if ids[0] == ids[1]:
        raise UsageError("give two different articles")
    al = align(idx, *ids)
    if args.json:
        print(json.dumps(al.to_dict(), ensure_ascii=False, indent=1))
        return 0
    from .present import alignment_text

    print(alignment_text(al, idx))
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from .evaluate import DEFAULT_QUESTIONS, evaluate, format_table, load_questions

    path = args.questions or DEFAULT_QUESTIONS
    if not Path(path).is_file():
        raise UsageError(f"evaluation set {path} not found")
    if not load_questions(path, args.split):
        splits = sorted({q.get("split", "?") for q in load_questions(path)})
        raise UsageError(f"no questions in split {args.split!r} of {path}; its splits: {', '.join(splits)}")
    assistant = _assistant(settings, explicit_index=args.index is not None and args.sources is None)
    report = evaluate(assistant, path, args.split)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(format_table(report, misses=args.misses))
    return 0


def cmd_bench(args, settings: Settings) -> int:
    from .bench import run

    return run(settings, quick=args.quick)


if __name__ == "__main__":
    sys.exit(main())
