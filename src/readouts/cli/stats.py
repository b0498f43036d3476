"""``readouts stats``: regenerate (or check) the measured statistics in DATASHEET.md."""

import argparse
from pathlib import Path

from ..stats import BEGIN, END, plot_label_distributions, update_datasheet


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "stats", help="write the measured tables into DATASHEET.md (or check they are current)",
        description=f"Compute sizes per split, language and source, label distributions per layer and language, the "
                    f"in-scope rate, selection precision and agreement figures from the repository's files, and write "
                    f"them between {BEGIN} and {END} in DATASHEET.md. --check exits 1 if the file is stale.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  readouts stats\n  readouts stats --check\n  readouts stats --plots build/plots")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if DATASHEET.md is stale")
    parser.add_argument("--plots", type=Path, default=None, metavar="DIR",
                        help="also draw per-language label distributions as PNG files into DIR")
    parser.set_defaults(handler=run)


def run(args) -> int:
    changed = update_datasheet(check=args.check)
    if args.check:
        print("DATASHEET.md statistics are current")
    else:
        print("DATASHEET.md statistics " + ("updated" if changed else "already current"))
    if args.plots:
        for path in plot_label_distributions(args.plots):
            print(f"wrote {path}")
    return 0
