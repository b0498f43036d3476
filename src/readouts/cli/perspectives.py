"""``readouts perspectives``: what each side's account of a linked contact contains that the other's does not."""

import argparse
import json
from pathlib import Path

from ..corpus import corpus_available, load_corpus
from ..errors import InputError
from ..jsonio import atomic_write_text, write_json
from ..perspectives import compare_accounts, format_perspectives, plot_omitted_topics
from ..releases import load_manifest, materialise, normalise_version
from ..store import GOLD, annotations_by_id


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "perspectives", help="compare publishers' accounts of the same contacts (linked by contact_id)",
        description="For every contact reported by two or more publishers (linked with `readouts contacts link`), list "
                    "what each account contains that another lacks: direct participants, contact type, topics and "
                    "stance; then summarise per publisher, e.g. which topics the Kremlin's readouts omit that Kyiv's "
                    "and Washington's report. With --release the release's own files are used (no corpus needed).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  readouts perspectives\n  readouts perspectives --out build/perspectives")
    parser.add_argument("--release", help="use a release (e.g. v0.2.0) instead of the working gold set")
    parser.add_argument("--set", default=GOLD, help="working annotation set under annotations/ (default: gold)")
    parser.add_argument("--json", action="store_true", help="print the full comparison as JSON")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write perspectives.json, perspectives.md (the tables) and perspectives.png (the chart) into DIR")
    parser.set_defaults(handler=run)


def _inputs(args) -> tuple[dict, dict]:
    if args.release:
        version = normalise_version(args.release)
        return materialise(version), load_manifest(version)["documents"]
    if not corpus_available():
        raise InputError("the working gold set needs the corpus for publishers and dates: import it "
                         "(readouts corpus import PATH), or use --release VERSION")
    return annotations_by_id(args.set), load_corpus()


def run(args) -> int:
    result = compare_accounts(*_inputs(args))
    table = format_perspectives(result)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        write_json(args.out / "perspectives.json", result)
        atomic_write_text(args.out / "perspectives.md", "```\n" + table + "\n```\n")
        if result["omitted_topics"]:
            plot_omitted_topics(result, args.out / "perspectives.png")
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else table)
    return 0
