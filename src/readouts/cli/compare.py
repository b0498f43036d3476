"""``readouts compare``: is system A better than system B? A paired bootstrap over documents."""

import argparse
import json
import sys
from pathlib import Path

from ..evaluation.evaluate import compare, format_comparison
from ..jsonio import write_json
from ..evaluation.leaderboard import read_metadata
from ..evaluation.submission import read_submission
from .evaluate import add_gold_options, load_gold, options


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare", help="paired bootstrap test between two predictions files",
        description="Score A and B on the same bootstrap resamples of the split's documents and report, for overall "
                    "and each headline metric, A - B, its confidence interval and a two-sided p-value. Says how many "
                    "documents each side has no prediction for; a file inside a leaderboard folder is named by the "
                    "system_name of its metadata.json.",
        epilog="example:\n  readouts compare a.jsonl b.jsonl --release v0.2.0 --split test",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path, help="predictions JSONL of system A")
    parser.add_argument("b", type=Path, help="predictions JSONL of system B")
    add_gold_options(parser)
    parser.add_argument("--out", type=Path, help="write the comparison JSON here (atomically)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.set_defaults(handler=run)


def system_name(predictions: Path) -> str:
    """The system name from a leaderboard folder's metadata.json beside the file, else the path as given."""
    if (predictions.parent / "metadata.json").is_file():
        return read_metadata(predictions.parent)["system_name"]
    return str(predictions)


def run(args) -> int:
    opts = options(args)
    gold = load_gold(args)
    warn = lambda message: print(message, file=sys.stderr)  # noqa: E731
    names = (system_name(args.a), system_name(args.b))
    result = compare(gold, read_submission(args.a, gold, warn), read_submission(args.b, gold, warn), opts, names)
    if args.out:
        write_json(args.out, result)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else format_comparison(result))
    return 0
