"""``readouts agreement``: inter-annotator agreement between two annotation sets."""

import argparse
import json
from pathlib import Path

from ..agreement import agreement, agreement_by_language, format_agreement
from ..errors import InputError
from ..jsonio import write_json
from ..paths import annotations_dir
from ..store import annotations_by_id


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "agreement", help="inter-annotator agreement between two annotation sets",
        description="Compare two annotation sets (folders of <document_id>.json) on the documents both contain: in-scope "
                    "agreement and Cohen's kappa, direct-participant F1 and mention-span F1 (A is the reference), and "
                    "Krippendorff's alpha (nominal) for topics and stance. Definitions: docs/agreement.md.",
        epilog="examples:\n  readouts agreement annotations/agreement/pass1 annotations/agreement/pass2 --out agreement.json\n"
               "  readouts agreement agreement/round3/pass1 agreement/round3/pass2 --by-language",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path, help="first annotation set folder (the reference), or a set name under annotations/")
    parser.add_argument("b", type=Path, help="second annotation set folder, or a set name under annotations/")
    parser.add_argument("--by-language", action="store_true",
                        help="also compute every measure within each language (en, uk, ru) of the common documents")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--out", type=Path, help="write the JSON here (atomically)")
    parser.set_defaults(handler=run)


def _load(path: Path) -> dict:
    folder = path if path.is_dir() else annotations_dir() / path
    if not folder.is_dir():
        raise InputError(f"{path}: no such annotation set folder")
    return annotations_by_id(root=folder)


def run(args) -> int:
    compare = agreement_by_language if args.by_language else agreement
    result = compare(_load(args.a), _load(args.b), names=(str(args.a), str(args.b)))
    if args.out:
        write_json(args.out, result)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else format_agreement(result))
    return 0
