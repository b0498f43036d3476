"""``readouts leaderboard build``: re-score every submission and regenerate the leaderboard files."""

import argparse
from pathlib import Path

from ..leaderboard import ALPHA, build_or_explain
from ..paths import repo_root
from .evaluate import add_bootstrap_options, options


def register(subparsers) -> None:
    parser = subparsers.add_parser("leaderboard", help="build the leaderboard from eval/submissions/",
                                   description="Work with the leaderboard (docs/evaluation.md, 'Leaderboard').")
    sub = parser.add_subparsers(dest="leaderboard_command", metavar="ACTION", required=True)
    build = sub.add_parser(
        "build", help="re-score every submission; write eval/results/, eval/LEADERBOARD.md and eval/leaderboard.html",
        description="Validate each eval/submissions/<name>/metadata.json, score predictions.jsonl against the release, "
                    "setting and split it names, and write one table per setting. Rows not significantly different from "
                    f"the leader (paired bootstrap on overall, two-sided, alpha = {ALPHA}) are marked. Building twice "
                    "gives identical files.",
        epilog="example:\n  readouts leaderboard build", formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("--eval-dir", type=Path, default=None, help="folder with submissions/ (default: eval/ in the repository)")
    add_bootstrap_options(build)
    build.set_defaults(handler=run_build)


def run_build(args) -> int:
    return build_or_explain(args.eval_dir or repo_root() / "eval", options(args))
