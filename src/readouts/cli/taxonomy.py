"""``readouts taxonomy doc``: write docs/taxonomy.md from schema/taxonomy.json."""

from pathlib import Path

from ..jsonio import atomic_write_text
from ..paths import repo_root
from ..taxonomy import load_taxonomy
from ..taxonomy_doc import render_taxonomy


def register(subparsers) -> None:
    parser = subparsers.add_parser("taxonomy", help="render the taxonomy for people (docs/taxonomy.md)")
    sub = parser.add_subparsers(dest="taxonomy_command", metavar="ACTION", required=True)
    doc = sub.add_parser("doc", help="write docs/taxonomy.md (or --out) from schema/taxonomy.json")
    doc.add_argument("--out", type=Path, default=None)
    doc.set_defaults(handler=run_doc)


def run_doc(args) -> int:
    path = args.out or repo_root() / "docs" / "taxonomy.md"
    atomic_write_text(path, render_taxonomy(load_taxonomy()))
    print(f"wrote {path}")
    return 0
