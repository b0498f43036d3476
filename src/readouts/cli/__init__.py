"""The ``readouts`` command. Each subcommand group lives in its own module with a ``register``
function; this module builds the parser and turns user errors into messages and exit codes
(0 ok, 1 a check failed, 2 bad input), never tracebacks."""

import argparse
import os
import sys
from importlib import import_module
from pathlib import Path

from .. import __version__
from ..errors import EXIT_BAD_INPUT, InputError, ReadoutsError, shorten

# Subcommand groups, in the order --help lists them.
COMMAND_MODULES = ("corpus", "validate", "annotate", "actors", "taxonomy", "prelabel", "release",
                   "evaluate", "compare", "leaderboard", "agreement", "baseline", "ls", "hub", "stats")

EPILOG = """\
exit codes: 0 ok, 1 a check failed (e.g. validation found problems), 2 bad input.
Start with: readouts corpus import ../shared/corpus/documents.jsonl && readouts validate
Every subcommand has its own --help."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="readouts",
        description="Readouts: build, check and score the diplomatic-contact readouts benchmark (en/uk/ru).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"readouts {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        import_module(f"{__name__}.{name}").register(subparsers)
    mark_required_options(parser)
    return parser


def all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` and every subcommand parser below it (argparse offers no public way to walk them)."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                found += all_parsers(child)
    return found


def mark_required_options(parser: argparse.ArgumentParser) -> None:
    """Say "(required)" in the help of every required option: --help lists them among the optional ones."""
    for each in all_parsers(parser):
        for action in each._actions:
            if action.required and action.option_strings and action.help and "(required" not in action.help:
                action.help += " (required)"


def check_paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse path arguments the operating system cannot take (a NUL byte, a name too long), naming the
    argument, before any command stumbles on them."""
    names = {action.dest: (action.option_strings or [action.metavar or action.dest.upper()])[0]
             for each in all_parsers(parser) for action in each._actions}
    for name, value in vars(args).items():
        for path in value if isinstance(value, list) else [value]:
            if not isinstance(path, Path):
                continue
            option = names.get(name, name)
            if "\0" in str(path):
                raise InputError(f"{option}: {shorten(repr(str(path)))}: a path cannot contain a NUL character")
            if len(os.fsencode(path)) > 4095 or any(len(os.fsencode(part)) > 255 for part in path.parts):
                raise InputError(f"{option}: {shorten(str(path))}: the path or one of its names is too long")


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, not a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_paths(parser, args)
        return int(args.handler(args) or 0)
    except ReadoutsError as exc:
        # each line cut short: a message that repeats a 50 MB value must not be 50 MB long
        print("readouts: error: " + "\n".join(shorten(line, 2000) for line in str(exc).splitlines()), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr.close()
        return 0
    except OSError as exc:  # the file system refused a path the user gave (a file where a folder must be, ...)
        where = shorten(str(exc.filename)) if exc.filename else "a file"
        print(f"readouts: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("readouts: interrupted", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
