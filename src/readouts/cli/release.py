"""``readouts release create|check|diff|list``: immutable, citable data versions."""

import argparse
import json
from pathlib import Path

from ..diffs import diff_annotations, format_diff
from ..errors import CheckFailed
from ..releases import (BUMPS, WORKING, check_release, create_release, list_releases, load_manifest,
                        materialise, normalise_version)
from ..splits import SPLITS
from ..store import GOLD, load_annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "release", help="create, check, diff and list versioned data releases",
        description="A release freezes annotations/gold as annotations/releases/vX.Y.Z.json (manifest: versions, "
                    "document metadata, hashes, splits) and vX.Y.Z.annotations.jsonl (snapshot). Releases are never "
                    "rewritten. Versions: MAJOR = breaking schema/taxonomy change or documents removed, MINOR = "
                    "documents added (corrections may ride along), PATCH = label corrections only. See docs/releases.md.")
    sub = parser.add_subparsers(dest="release_command", metavar="ACTION", required=True)

    create = sub.add_parser(
        "create", help="validate annotations/gold and freeze it as the next version",
        description="Refuses (exit 1) unless annotations/gold validates against the corpus, CHANGELOG.md has a "
                    "'## [X.Y.Z]' entry for the new version, and the bump matches what changed. The first release "
                    "is 0.1.0 with --bump minor. New documents get a frozen split in annotations/splits.json.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  readouts release create --bump minor --date 2026-11-21")
    create.add_argument("--bump", required=True, choices=BUMPS, help="which part of the version to raise")
    create.add_argument("--date", default=None, help="release date YYYY-MM-DD (default: today, UTC)")
    create.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    create.set_defaults(handler=run_create)

    check = sub.add_parser(
        "check", help="verify annotations/gold and the snapshot still match a release",
        description="Exit 1 listing every document that differs from, is missing from, or is extra to the release "
                    "(default: the latest), and every snapshot line whose hash does not match the manifest.")
    check.add_argument("version", nargs="?", default=None, help="e.g. 0.1.0 or v0.1.0 (default: latest)")
    check.set_defaults(handler=run_check)

    diff = sub.add_parser(
        "diff", help="documents added/removed and labels changed between two versions",
        description=f"Compare release A with release B, or with '{WORKING}' (annotations/gold as it is now, e.g. "
                    "after a Label Studio pull). Per document and layer (in_scope, contacts, participants, stance, "
                    "topics) it lists the labels removed (-) and added (+).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"examples:\n  readouts release diff 0.1.0 0.2.0\n  readouts release diff 0.2.0 {WORKING} --json")
    diff.add_argument("a", help="older release")
    diff.add_argument("b", help=f"newer release, or '{WORKING}'")
    diff.add_argument("--json", action="store_true", help="print JSON instead of a table")
    diff.set_defaults(handler=run_diff)

    listing = sub.add_parser("list", help="versions with date, document count and split sizes")
    listing.set_defaults(handler=run_list)


def run_create(args) -> int:
    manifest = create_release(args.bump, args.date, args.corpus)
    counts = manifest["counts"]
    splits = ", ".join(f"{s} {counts['splits'][s]}" for s in SPLITS)
    print(f"released {manifest['version']} ({manifest['date']}): {counts['documents']} documents "
          f"({counts['in_scope']} in scope); {splits}")
    print(f"commit annotations/releases/v{manifest['version']}.* and annotations/splits.json, then tag v{manifest['version']}")
    return 0


def run_check(args) -> int:
    version, problems = check_release(args.version)
    if problems:
        raise CheckFailed(f"release {version} check failed ({len(problems)} problems):\n  " + "\n  ".join(problems))
    print(f"release {version}: annotations/gold and the snapshot match the manifest")
    return 0


def _annotations(name: str) -> dict:
    if name == WORKING:
        return {a.document_id: a for a in load_annotations(GOLD)}
    return materialise(name)


def run_diff(args) -> int:
    names = [name if name == WORKING else normalise_version(name) for name in (args.a, args.b)]
    diff = diff_annotations(_annotations(names[0]), _annotations(names[1]))
    if args.json:
        print(json.dumps({"from": names[0], "to": names[1], **diff}, ensure_ascii=False, indent=2))
    else:
        print(format_diff(diff, *names))
    return 0


def run_list(args) -> int:
    versions = list_releases()
    if not versions:
        print("no releases yet: readouts release create --bump minor")
        return 0
    print(f"{'version':<10} {'date':<10} {'documents':>9} {'in scope':>8} " + " ".join(f"{s:>10}" for s in SPLITS))
    for version in versions:
        manifest = load_manifest(version)
        counts = manifest["counts"]
        print(f"{version:<10} {manifest['date']:<10} {counts['documents']:>9} {counts['in_scope']:>8} "
              + " ".join(f"{counts['splits'][s]:>10}" for s in SPLITS))
    return 0
