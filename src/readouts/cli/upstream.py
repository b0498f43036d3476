"""``readouts corpus fetch|rebuild|sources``: the corpus from its public upstream files."""

import argparse
from pathlib import Path

from ..errors import InputError
from ..paths import default_corpus_path

FETCH_EPILOG = """\
example:
  readouts corpus fetch upstream/                 # about 21 MB from raw.githubusercontent.com
  readouts corpus rebuild --from upstream/        # then every tool finds the corpus"""


def register_actions(sub) -> None:
    """Add the upstream actions to the ``corpus`` subcommand's action parsers."""
    fetch = sub.add_parser(
        "fetch", help="download the public upstream files the corpus is made from (resumable)",
        description="Download every upstream file named in sources/corpus-sources.json at its pinned commit into "
                    "DIR/<owner>/<repo>@<commit>/<path>. Files already there with the right SHA-256 are skipped, so an "
                    "interrupted fetch resumes; each download is checked against its SHA-256 before it is kept. "
                    "This is the only command that needs the network (exit 2 with the reason when offline).",
        epilog=FETCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    fetch.add_argument("dir", type=Path, help="folder to download into (created)")
    fetch.add_argument("--base-url", default=None,
                       help="where raw files are served as BASE/<owner>/<repo>/<commit>/<path> "
                            "(default: https://raw.githubusercontent.com)")
    fetch.add_argument("--sources", type=Path, default=None, help="the list to fetch (default: sources/corpus-sources.json)")
    fetch.set_defaults(handler=run_fetch)

    rebuild = sub.add_parser(
        "rebuild", help="make the documents file from the upstream files, checked against the committed hashes",
        description="Turn the upstream files into the documents JSONL following the recipe in docs/corpus-sources.md, "
                    "and check every document against sources/corpus-sources.json (SHA-256 of the text and of the "
                    "whole record). The first missing or differing document is named and nothing is written. Documents "
                    "without a public source (the two all-rights-reserved seed-* documents) are listed and left out.",
        epilog=FETCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    rebuild.add_argument("--from", dest="upstream", type=Path, required=True, metavar="DIR",
                         help="folder of upstream files (from `readouts corpus fetch DIR`)")
    rebuild.add_argument("--out", type=Path, default=None,
                         help="documents JSONL to write (default: $READOUTS_CORPUS or data/corpus/documents.jsonl)")
    rebuild.add_argument("--sources", type=Path, default=None, help="the list to check against (default: sources/corpus-sources.json)")
    rebuild.set_defaults(handler=run_rebuild)

    listing = sub.add_parser(
        "sources", help="(maintainers) write the list of upstream files and document hashes for a documents file",
        description="Record every upstream file (path, SHA-256, size) and every document (id, repository, SHA-256 "
                    "of the text and of the whole record) of a documents JSONL. No text is written.")
    listing.add_argument("documents", type=Path, help="documents JSONL, e.g. ../shared/corpus/documents.jsonl")
    listing.add_argument("--upstream", type=Path, required=True, metavar="DIR", help="the upstream folder it was made from")
    listing.add_argument("--out", type=Path, default=None, help="default: sources/corpus-sources.json")
    listing.set_defaults(handler=run_sources)


def run_fetch(args) -> int:
    from tqdm import tqdm

    from ..upstream import RAW_BASE_URL, fetch, load_sources

    downloaded, present = fetch(args.dir, load_sources(args.sources), args.base_url or RAW_BASE_URL,
                                progress=lambda total: tqdm(total=total, desc="fetching", unit="B", unit_scale=True))
    print(f"{downloaded} files downloaded, {present} already present and intact, in {args.dir}")
    print(f"next: readouts corpus rebuild --from {args.dir}")
    return 0


def run_rebuild(args) -> int:
    from tqdm import tqdm

    from ..upstream import load_sources, rebuild, write_documents

    out = args.out or default_corpus_path()
    if out.is_dir():
        raise InputError(f"--out {out}: is a folder, expected a file path")
    lines, unpublished = rebuild(args.upstream, load_sources(args.sources),
                                 progress=lambda items: tqdm(items, desc="rebuilding", unit="repository"))
    write_documents(lines, out)
    print(f"rebuilt {len(lines):,} documents into {out}; every text matches its listed SHA-256")
    if unpublished:
        print(f"{len(unpublished)} listed documents have no public source and are not included: "
              + ", ".join(e.id for e in unpublished))
    return 0


def run_sources(args) -> int:
    from ..jsonio import atomic_write_text
    from ..upstream import make_sources, sources_json, sources_path

    out = args.out or sources_path()
    sources = make_sources(args.documents, args.upstream)
    atomic_write_text(out, sources_json(sources))
    files = sum(len(r["files"]) for r in sources["repositories"])
    print(f"listed {len(sources['documents']):,} documents and {files:,} upstream files in {out}")
    return 0
