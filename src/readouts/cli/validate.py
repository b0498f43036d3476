"""``readouts validate``: check annotation sets before anything is released."""

from pathlib import Path

from ..corpus import corpus_available, load_corpus
from ..errors import EXIT_CHECK_FAILED, InputError
from ..paths import annotation_set_dir
from ..schema import Problem
from ..jsonio import read_json
from ..store import GOLD, annotation_files
from ..validate import validate_files


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check annotations: schema, registry, taxonomy, text hashes and spans",
        description="Check every annotation file of one or more sets (default: annotations/gold). Each problem names the file, "
                    "the JSON path and what is wrong; exit 1 if any. Without the corpus the text and hash checks are skipped (it says so).")
    parser.add_argument("paths", nargs="*", type=Path, help="annotation files or set folders (default: annotations/gold)")
    parser.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    parser.add_argument("--no-corpus", action="store_true", help="skip the text checks even when a corpus is available")
    parser.add_argument("--not-gold", action="store_true", help="allow pre-label annotations (for sets that are not gold)")
    parser.set_defaults(handler=run)


def _files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths or [annotation_set_dir(GOLD)]:
        if path.is_dir():
            files.extend(annotation_files(root=path))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return files


def run(args) -> int:
    files = _files(args.paths)
    parsed, unreadable = [], []
    for path in files:
        try:
            parsed.append((path, read_json(path)))
        except InputError as exc:
            unreadable.append(Problem(str(path), "$", str(exc).split(": ", 1)[-1]))
    corpus = None
    if not args.no_corpus and (args.corpus or corpus_available()):
        corpus = load_corpus(args.corpus)
    report = validate_files(parsed, corpus, gold=not args.not_gold)
    problems = sorted(unreadable + report.problems)
    for problem in problems:
        print(problem)
    if corpus is None:
        print("note: no corpus available: text, span and hash checks were skipped (run `readouts corpus import ...`)")
    status = "FAILED" if problems else "ok"
    print(f"validate: {len(files)} files, {len(problems)} problems: {status}")
    return EXIT_CHECK_FAILED if problems else 0
