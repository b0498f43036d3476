"""``readouts contacts``: propose and record links between reports of the same contact."""

import argparse
import json
from pathlib import Path

from ..contacts import counterpart_candidates, link, propose_links, proposed_id, reports
from ..corpus import corpus_available, load_corpus
from ..errors import InputError
from ..sampling import write_sample
from ..store import GOLD, annotations_by_id


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "contacts", help="link reports of the same contact by different publishers (shared contact_id)",
        description="Reports of one contact by different publishers (a White House readout and the Kremlin's account "
                    "of the same call) share a contact_id. `propose` lists candidate groups found by dates and shared "
                    "direct parties; read the documents, then record a confirmed group with `link`. Linked reports "
                    "always stay in one split, and `readouts perspectives` compares their accounts.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  readouts contacts propose\n  readouts contacts counterparts --out annotations/selection/linked.txt\n"
               "  readouts contacts link 2022-03-01-biden-zelenskyy wh-en-2022-03-01-example pgu-en-73001:0 --annotator-id me")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    propose = actions.add_parser("propose", help="list candidate groups of unlinked reports (needs the corpus for dates)")
    propose.add_argument("--set", default=GOLD, help="annotation set under annotations/ (default: gold)")
    propose.add_argument("--json", action="store_true", help="print JSON")
    propose.set_defaults(handler=run_propose)
    find = actions.add_parser(
        "counterparts", help="list documents not yet annotated that may be another outlet's account of an annotated contact",
        description="Documents of the corpus without an annotation in the set, from another outlet than the report "
                    "(wh, pgu, resist, kremlin), dated at most 2 days from an annotated contact and naming at least two "
                    "of its direct parties (registry matcher). Annotate them, then link the accounts with `propose` "
                    "and `link`. With --out, the ids are written as a selection list.")
    find.add_argument("--set", default=GOLD, help="annotation set under annotations/ (default: gold)")
    find.add_argument("--out", type=Path, default=None, help="write the ids here, one per line (e.g. annotations/selection/linked.txt)")
    find.set_defaults(handler=run_counterparts)
    add = actions.add_parser("link", help="give the named contacts one contact_id (all or nothing)")
    add.add_argument("contact_id", help="lower-case words and digits joined by '-', e.g. 2022-03-01-biden-zelenskyy")
    add.add_argument("reports", nargs="+", metavar="DOC[:INDEX]",
                     help="a document id (its only contact) or DOC:INDEX, the 0-based index in its contacts list")
    add.add_argument("--set", default=GOLD, help="annotation set under annotations/ (default: gold)")
    add.add_argument("--annotator-id", required=True, help="who confirmed the link (recorded in each annotation's history)")
    add.set_defaults(handler=run_link)


def _annotations(set_name: str) -> dict:
    return annotations_by_id(set_name)


def run_propose(args) -> int:
    if not corpus_available():
        raise InputError("proposing links needs the documents' dates and publishers: import the corpus first "
                         "(readouts corpus import PATH)")
    groups = propose_links(reports(_annotations(args.set), load_corpus()))
    if args.json:
        print(json.dumps([{"proposed_id": proposed_id(g[0]), "reports": [r.__dict__ for r in g]} for g in groups],
                         indent=2, ensure_ascii=False))
        return 0
    for group in groups:
        print(f"{proposed_id(group[0])}")
        for r in group:
            print(f"  {r.ref:<70} {r.date}  {r.source:<17} {r.type:<20} {', '.join(r.participants)}")
    print(f"{len(groups)} candidate groups; read the documents, then: readouts contacts link ID DOC[:INDEX] ...")
    return 0


def run_counterparts(args) -> int:
    if not corpus_available():
        raise InputError("finding counterparts reads the documents: import the corpus first (readouts corpus import PATH)")
    annotations, documents = _annotations(args.set), load_corpus()
    found = counterpart_candidates(reports(annotations, documents), documents, set(annotations))
    for doc_id, refs in found.items():
        print(f"{doc_id:<70} may report: {', '.join(refs)}")
    print(f"{len(found)} documents not yet annotated may report an annotated contact")
    if args.out:
        write_sample(list(found), args.out)
        print(f"written to {args.out}")
    return 0


def run_link(args) -> int:
    written = link(args.contact_id, args.reports, _annotations(args.set), args.set, args.annotator_id)
    print(f"linked {len(written)} documents as {args.contact_id}: {', '.join(written)}")
    return 0
