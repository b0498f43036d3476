"""``readouts validate``: check annotation sets before anything is released."""

from pathlib import Path

from ..corpus import corpus_available, load_corpus
from ..errors import EXIT_CHECK_FAILED, InputError
from ..jsonio import read_json
from ..schema import Problem
from ..store import annotation_files, annotation_sets
from ..validate import validate_files


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check annotations: schema, registry, taxonomy, text hashes and spans",
        description="Check every annotation file of one or more sets. Without arguments: every annotation set under annotations/ "
                    "(gold, each pass of each agreement round, any other set folder). Prints per set how many files it checked and "
                    "what was wrong (file, JSON path, reason); exit 1 on any problem, and also when it found nothing to check. "
                    "Without the corpus the text and hash checks are skipped (it says so).")
    parser.add_argument("paths", nargs="*", type=Path, help="annotation files or set folders (default: every set under annotations/)")
    parser.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    parser.add_argument("--no-corpus", action="store_true", help="skip the text checks even when a corpus is available")
    parser.add_argument("--not-gold", action="store_true", help="allow pre-label annotations (for sets that are not gold)")
    parser.set_defaults(handler=run)


def _sets(paths: list[Path]) -> list[tuple[str, list[Path]]]:
    """(name, files) of each set to check: the given files and folders, else every set under annotations/."""
    if not paths:
        return [(name, annotation_files(name)) for name in annotation_sets()]
    sets = []
    for path in paths:
        if path.is_dir():
            sets.append((str(path), annotation_files(root=path)))
        elif path.is_file():
            sets.append((str(path), [path]))
        else:
            raise InputError(f"{path}: no such file or folder")
    return sets


def _parse(files: list[Path]) -> tuple[list, list[Problem]]:
    parsed, unreadable = [], []
    for path in files:
        try:
            parsed.append((path, read_json(path)))
        except InputError as exc:
            unreadable.append(Problem(str(path), "$", str(exc).split(": ", 1)[-1]))
    return parsed, unreadable


def run(args) -> int:
    sets = _sets(args.paths)
    corpus = None
    if not args.no_corpus and (args.corpus or corpus_available()):
        corpus = load_corpus(args.corpus)
    summary, problems = [], []
    for name, files in sets:
        parsed, unreadable = _parse(files)
        found = sorted(unreadable + validate_files(parsed, corpus, gold=not args.not_gold).problems)
        summary.append(f"  {name}: {len(files)} files, {len(found)} problems")
        problems += found
    for problem in problems:
        print(problem)
    checks = "schema, actor registry, taxonomy, layer rules"
    checks += ", text hashes and spans" if corpus is not None else " (no corpus: text, span and hash checks were skipped; run `readouts corpus import ...`)"
    checks += "; pre-labels allowed" if args.not_gold else "; pre-labels refused"
    print(f"checked {checks}:")
    print("\n".join(summary))
    files = sum(len(f) for _, f in sets)
    if not files:
        print("validate: checked nothing: no annotation files " + ("under annotations/" if not args.paths else "in the given paths") + ": FAILED")
        return EXIT_CHECK_FAILED
    status = "FAILED" if problems else "ok"
    print(f"validate: {len(sets)} sets, {files} files, {len(problems)} problems: {status}")
    return EXIT_CHECK_FAILED if problems else 0
