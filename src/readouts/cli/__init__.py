"""The ``readouts`` command. Each subcommand group lives in its own module with a ``register``
function; this module builds the parser and turns user errors into messages and exit codes
(0 ok, 1 a check failed, 2 bad input), never tracebacks."""

import argparse
import os
import sys
from importlib import import_module
from pathlib import Path

from ..errors import EXIT_BAD_INPUT, InputError, ReadoutsError, shorten
from ..extras import missing_extra_message

# Commands, in the order --help lists them, with the one-line help the listing shows (each module's own
# add_parser help says the same; a test keeps them equal). Only the module of the command being run is
# imported, so `readouts --help` stays fast and a command whose optional dependencies are missing cannot
# break the others. A command lives in the module of its name unless MODULE_OF says otherwise.
COMMANDS = {
    "corpus": "import, select and count source documents",
    "validate": "check annotations: schema, registry, taxonomy, text hashes and spans",
    "annotate": "convert annotation drafts (strings and quotes) into offset-only annotations",
    "draft": "write the editable draft of existing annotations (to review or correct them)",
    "actors": "list, show or add actors of the registry (annotations/actors.json)",
    "taxonomy": "render the taxonomy for people (docs/taxonomy.md)",
    "prelabel": "propose participants, contact type, in-scope and topics for annotators to correct",
    "release": "create, check, diff and list versioned data releases",
    "contacts": "link reports of the same contact by different publishers (shared contact_id)",
    "perspectives": "compare publishers' accounts of the same contacts (linked by contact_id)",
    "audit": "consistency checks and checks against the publishers' own statements",
    "evaluate": "score predictions (a file, a Python class or a command) with bootstrap confidence intervals",
    "compare": "paired bootstrap test between two predictions files",
    "explain": "show one document's gold and prediction side by side (error analysis)",
    "leaderboard": "build the leaderboard from eval/submissions/",
    "agreement": "inter-annotator agreement between two annotation sets",
    "baseline": "train and run the reference baselines (majority, gazetteer, tfidf-logreg, sentence-encoder)",
    "ls": "annotate in Label Studio: generate the config, push tasks, pull annotations",
    "hub": "build and publish a release as a Hugging Face Hub dataset",
    "stats": "write the measured tables into DATASHEET.md (or check they are current)",
}
MODULE_OF = {"draft": "annotate"}
COMMAND_MODULES = tuple(dict.fromkeys(MODULE_OF.get(name, name) for name in COMMANDS))

EPILOG = """\
exit codes: 0 ok, 1 a check failed (e.g. validation found problems), 2 bad input.
Start with: readouts leaderboard build   (texts: readouts corpus fetch upstream/ && readouts corpus rebuild --from upstream/)
Every subcommand has its own --help."""


class _PrintVersion(argparse.Action):
    """Like argparse's "version" action, but reads the version only when asked for."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"readouts {__version__}")
        parser.exit()


def _top_parser():
    parser = argparse.ArgumentParser(
        prog="readouts",
        description="Readouts: build, check and score the diplomatic-contact readouts benchmark (en/uk/ru).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_PrintVersion, help="show the version and exit")
    return parser, parser.add_subparsers(dest="command", metavar="COMMAND", required=True)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser; with ``command``, only that command's module is imported and registered (the
    others are not needed to parse its arguments)."""
    parser, subparsers = _top_parser()
    for module in COMMAND_MODULES if command is None else (MODULE_OF.get(command, command),):
        import_module(f"{__name__}.{module}").register(subparsers)
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


def _listing_parser() -> argparse.ArgumentParser:
    """For `readouts`, `readouts --help` or an unknown command: every command by name and help, no module
    imported."""
    parser, subparsers = _top_parser()
    for name, summary in COMMANDS.items():
        subparsers.add_parser(name, help=summary, add_help=False)
    return parser


def _command_in(argv: list[str]) -> str | None:
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, not a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command_in(argv)
    try:
        parser = build_parser(command) if command else _listing_parser()
    except ModuleNotFoundError as exc:  # the command's optional dependencies (an extra) are not installed
        return _missing_extra(exc)
    args = parser.parse_args(argv)
    try:
        check_paths(parser, args)
        return int(args.handler(args) or 0)
    except ReadoutsError as exc:
        # each line cut short: a message that repeats a 50 MB value must not be 50 MB long
        print("readouts: error: " + "\n".join(shorten(line, 2000) for line in str(exc).splitlines()), file=sys.stderr)
        return exc.exit_code
    except ModuleNotFoundError as exc:
        return _missing_extra(exc)
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


def _missing_extra(exc: ModuleNotFoundError) -> int:
    message = missing_extra_message(exc)
    if message is None:
        raise exc
    print(f"readouts: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
