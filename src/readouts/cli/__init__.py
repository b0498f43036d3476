"""The ``readouts`` command. Each subcommand group lives in its own module with a ``register``
function; this module builds the parser and turns user errors into messages and exit codes
(0 ok, 1 a check failed, 2 bad input), never tracebacks."""

import argparse
import sys
from importlib import import_module

from .. import __version__
from ..errors import EXIT_BAD_INPUT, ReadoutsError

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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ReadoutsError as exc:
        print(f"readouts: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("readouts: interrupted", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
