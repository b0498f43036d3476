"""``readouts release create|check|diff|list``: immutable, citable data versions."""

import argparse
import json
from pathlib import Path

from ..diffs import diff_annotations, format_diff
from ..errors import CheckFailed, InputError
from ..releases import (BUMPS, WORKING, check_release, create_release, list_releases, load_manifest,
                        materialise, release_checksum, release_name)
from ..splits import SPLITS
from ..store import GOLD, annotations_by_id


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
                    "'## [X.Y.Z]' entry for the new version, the bump matches what changed and the previous release "
                    "is intact. The first release is v0.1.0 with --bump minor. New documents get a frozen split in "
                    "annotations/splits.json; the release checksum is recorded in annotations/releases/checksums.json "
                    "and printed with the checklist of what to commit, write and tag.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  readouts release create --bump minor --date 2026-11-21")
    create.add_argument("--bump", required=True, choices=BUMPS, help="which part of the version to raise")
    create.add_argument("--date", default=None, help="release date YYYY-MM-DD (default: today, UTC)")
    create.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    create.set_defaults(handler=run_create)

    check = sub.add_parser(
        "check", help="verify that a release's own files are exactly what was released",
        description="Checks the manifest and snapshot of a release (default: every release): each manifest field and "
                    "the snapshot against the checksums recorded at release time (annotations/releases/checksums.json, "
                    "the next release's manifest, the 'Release checksum' line of CHANGELOG.md), one canonical line per "
                    "document in the snapshot, counts and hashes against the documents, and annotations/splits.json "
                    "against the released splits. Exit 1 names each field that changed. To compare a release with "
                    f"annotations/gold as it is now, use `readouts release diff VERSION {WORKING}`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  readouts release check\n  readouts release check v0.2.0\n"
               "  readouts release check v0.2.0 --sha256 HEX   # against a checksum published elsewhere")
    check.add_argument("version", nargs="?", default=None, help="e.g. v0.2.0 (0.2.0 is accepted too; default: every release)")
    check.add_argument("--sha256", metavar="HEX", help="the release checksum you expect (e.g. from the Hub tag); needs VERSION")
    check.set_defaults(handler=run_check)

    diff = sub.add_parser(
        "diff", help="documents added/removed and labels changed between two versions",
        description=f"Compare release A with release B, or with '{WORKING}' (annotations/gold as it is now, e.g. "
                    "after a Label Studio pull). Per document and layer (in_scope, contacts, participants, stance, "
                    "topics) it lists the labels removed (-) and added (+).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"examples:\n  readouts release diff v0.1.0 v0.2.0\n  readouts release diff v0.2.0 {WORKING} --json")
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
    name = release_name(manifest["version"])
    print(f"released {name} ({manifest['date']}): {counts['documents']} documents "
          f"({counts['in_scope']} in scope); {splits}")
    print(release_checklist(name, release_checksum(name)))
    return 0


def release_checklist(name: str, checksum: str) -> str:
    """What to do after `release create`, in order (docs/releases.md repeats it)."""
    return "\n".join([
        "next:",
        f"  1. add to the CHANGELOG.md entry of {name}: Release checksum: `sha256:{checksum}`",
        "  2. readouts stats     # refresh the measured statistics in DATASHEET.md",
        f"  3. readouts release check {name}",
        "  4. git add annotations/gold annotations/actors.json annotations/releases annotations/splits.json CHANGELOG.md DATASHEET.md",
        f"  5. git commit -m 'Release {name}' && git tag -a {name} -m 'Readouts {name}, release checksum sha256:{checksum}'",
        f"  6. readouts hub build build/hub --release {name}   # then hub publish, with the same checksum in the Hub tag message",
    ])


def run_check(args) -> int:
    if args.sha256 and not args.version:
        raise InputError("--sha256 needs the VERSION it is the checksum of")
    versions = [release_name(args.version)] if args.version else list_releases()
    if not versions:
        raise InputError("no release to check: create one with `readouts release create --bump minor`")
    failed = []
    for version in versions:
        checksum, problems = check_release(version, args.sha256)
        if problems:
            failed.append(f"release {version} check failed ({len(problems)} problems):\n  " + "\n  ".join(problems))
        else:
            print(f"release {version}: intact (release checksum sha256:{checksum})")
    if failed:
        raise CheckFailed("\n".join(failed))
    return 0


def _annotations(name: str) -> dict:
    if name == WORKING:
        return annotations_by_id(GOLD)
    return materialise(name)


def run_diff(args) -> int:
    names = [name if name == WORKING else release_name(name) for name in (args.a, args.b)]
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
    print(f"{'release':<10} {'date':<10} {'documents':>9} {'in scope':>8} " + " ".join(f"{s:>10}" for s in SPLITS))
    for version in versions:
        manifest = load_manifest(version)
        counts = manifest["counts"]
        print(f"{version:<10} {manifest['date']:<10} {counts['documents']:>9} {counts['in_scope']:>8} "
              + " ".join(f"{counts['splits'][s]:>10}" for s in SPLITS))
    return 0
