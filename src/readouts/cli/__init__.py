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
                   "evaluate", "compare", "explain", "leaderboard", "agreement", "baseline", "ls", "hub", "stats")

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
    return parser


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
