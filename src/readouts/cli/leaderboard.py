"""``readouts leaderboard build``: re-score every submission and regenerate the leaderboard files;
``readouts leaderboard check``: are the standard test board's intervals narrow enough to rank systems?"""

import argparse
from pathlib import Path

from ..evaluation.leaderboard import ALPHA, CORRECTION, build_or_explain, check_half_widths
from ..paths import repo_root
from .argtypes import score_width
from .evaluate import add_bootstrap_options, options


def register(subparsers) -> None:
    parser = subparsers.add_parser("leaderboard", help="build the leaderboard from eval/submissions/",
                                   description="Work with the leaderboard (docs/evaluation.md, 'Leaderboard').")
    sub = parser.add_subparsers(dest="leaderboard_command", metavar="ACTION", required=True)
    build = sub.add_parser(
        "build", help="re-score every submission; write eval/results/, eval/LEADERBOARD.md and eval/leaderboard.html",
        description="Validate each eval/submissions/<name>/metadata.json, score predictions.jsonl against the release, "
                    "setting and split it names, and write one table per setting with the half-width (±) of each "
                    "system's overall interval, and under it a separability matrix: every two systems compared on "
                    f"overall (paired bootstrap, two-sided, {CORRECTION}-adjusted across the board's pairs, alpha = "
                    f"{ALPHA}), also written to eval/results/pairwise/. Rows not separable from the leader are marked. "
                    "Prints each board's supported ranking and the half-widths of the latest standard test board. "
                    "Building twice gives identical files.",
        epilog="example:\n  readouts leaderboard build", formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("--eval-dir", type=Path, default=None, help="folder with submissions/ (default: eval/ in the repository)")
    add_bootstrap_options(build)
    build.set_defaults(handler=run_build)

    check = sub.add_parser(
        "check", help="exit 1 if a system's overall interval on the standard test board is too wide",
        description="Read the results the last `readouts leaderboard build` wrote (eval/results/) and print, for the "
                    "standard setting's test split of the latest release on the board, the half-width of each system's "
                    "overall interval. Exit 1 naming every system whose half-width exceeds --max-half-width.",
        epilog="example (the target of release v1.0.0):\n  readouts leaderboard check --max-half-width 0.035",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("--max-half-width", type=score_width, required=True, metavar="X",
                       help="largest half-width allowed, e.g. 0.035 for ±0.035")
    check.add_argument("--eval-dir", type=Path, default=None, help="folder with results/ and submissions/ (default: eval/ in the repository)")
    check.set_defaults(handler=run_check)


def run_build(args) -> int:
    return build_or_explain(args.eval_dir or repo_root() / "eval", options(args))


def run_check(args) -> int:
    return check_half_widths(args.eval_dir or repo_root() / "eval", args.max_half_width)
