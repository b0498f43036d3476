"""``readouts hub build|publish``: a release as a Hugging Face Hub dataset."""

import argparse
from pathlib import Path

from ..hub import DEFAULT_REPO_ID, build, publish, unlisted_files, upload_plan


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "hub", help="build and publish a release as a Hugging Face Hub dataset",
        description="Lay a release out as a Hub dataset repository (Parquet per evaluation setting and split, dataset "
                    "card, Croissant, schemas, attribution) and upload it with a version tag. See docs/hub.md.")
    sub = parser.add_subparsers(dest="hub_command", metavar="ACTION", required=True)

    b = sub.add_parser(
        "build", help="write the dataset folder for a release",
        description="Join the document texts (from the corpus) to the release's annotations. Texts whose licence does "
                    "not allow publication are left empty (text_available false). Building twice gives identical bytes.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  readouts hub build build/hub --release v0.2.0\n"
               "  python -c \"import datasets; print(datasets.load_dataset('build/hub'))\"")
    b.add_argument("out", type=Path, help="output folder (created; a previous build there is replaced)")
    b.add_argument("--release", required=True, help="release version, e.g. 0.1.0")
    b.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    b.add_argument("--repo-id", default=DEFAULT_REPO_ID, help=f"dataset id the card's examples use (default: {DEFAULT_REPO_ID})")
    b.set_defaults(handler=run_build)

    p = sub.add_parser(
        "publish", help="upload a built folder to the Hub and tag it with the release version",
        description="Check the folder against the files.json its build wrote (every file present and unchanged), "
                    "upload exactly those files with huggingface_hub (repo_type dataset) and create the tag v<version>, "
                    "so that load_dataset(REPO, revision='v0.2.0') gets this release. Needs a token (hf auth login or "
                    "HF_TOKEN) and the network; otherwise exit 2. A folder that does not match its list: exit 1.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  readouts hub publish build/hub --repo-id my-org/readouts --dry-run")
    p.add_argument("out", type=Path, help="a folder made by `readouts hub build`")
    p.add_argument("--repo-id", default=DEFAULT_REPO_ID, help=f"ORG/NAME of the dataset repository (default: {DEFAULT_REPO_ID})")
    p.add_argument("--dry-run", action="store_true", help="list the files and sizes that would be uploaded; upload nothing")
    p.set_defaults(handler=run_publish)


def run_build(args) -> int:
    files = build(args.out, args.release, args.corpus, args.repo_id)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


def run_publish(args) -> int:
    if args.dry_run:
        plan = upload_plan(args.out)
        for path, size in plan:
            print(f"{size:>12,}  {path}")
        print(f"{sum(size for _, size in plan):>12,}  total, {len(plan)} files (dry run: nothing uploaded to {args.repo_id})")
        for path in unlisted_files(args.out):
            print(f"not in files.json, never uploaded: {path}")
        return 0
    tag = publish(args.out, args.repo_id)
    print(f"published {args.out} to https://huggingface.co/datasets/{args.repo_id} and tagged {tag}")
    return 0
