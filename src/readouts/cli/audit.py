"""``readouts audit``: consistency of the gold with the registry and across documents, topic labels to
review, and agreement with what the publishers themselves state."""

import argparse
import json
from pathlib import Path

from ..actors import load_registry
from ..audit import consistency_findings, publisher_checks, topic_cues
from ..corpus import corpus_available, load_corpus
from ..errors import EXIT_CHECK_FAILED, InputError
from ..jsonio import write_json
from ..store import GOLD, annotations_by_id


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="consistency checks and checks against the publishers' own statements",
        description="Checks of an annotation set beyond `readouts validate` (all need the imported corpus):\n"
                    "  consistency  affiliations the registry does not give an actor, a direct participant's role type\n"
                    "               dated outside the document, stance holders who are not participants (exit 1 if any)\n"
                    "  topics       topic labels to review: none of the topic's cue words occurs and no note justifies it\n"
                    "  publishers   agreement with White House readout titles, Kremlin delegation lists and linked\n"
                    "               reports of the same contact, with every disagreement listed",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  readouts audit consistency\n  readouts audit topics\n"
               "  readouts audit publishers --out annotations/reviews/publisher-checks.json")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, handler, text in (("consistency", run_consistency, "problems that must not be in the gold (exit 1 if any)"),
                                ("topics", run_topics, "topic labels to review (report only, exit 0)"),
                                ("publishers", run_publishers, "agreement with the publishers' own statements")):
        action = actions.add_parser(name, help=text)
        action.add_argument("--set", default=GOLD, help="annotation set under annotations/ (default: gold)")
        action.add_argument("--json", action="store_true", help="print JSON")
        if name == "publishers":
            action.add_argument("--out", type=Path, help="write the figures and disagreements here as JSON (atomically)")
        action.set_defaults(handler=handler)


def _inputs(set_name: str) -> tuple[dict, dict]:
    if not corpus_available():
        raise InputError("audits read dates, titles and texts from the corpus: import it first (readouts corpus import PATH)")
    return annotations_by_id(set_name), load_corpus()


def _print(findings, as_json: bool, what: str) -> None:
    if as_json:
        print(json.dumps([f.__dict__ for f in findings], indent=2, ensure_ascii=False))
        return
    for finding in findings:
        print(finding)
    print(f"{len(findings)} {what}")


def run_consistency(args) -> int:
    annotations, documents = _inputs(args.set)
    findings = consistency_findings(annotations, documents, load_registry())
    _print(findings, args.json, f"consistency problems in {len(annotations)} annotations")
    return EXIT_CHECK_FAILED if findings else 0


def run_topics(args) -> int:
    annotations, documents = _inputs(args.set)
    _print(topic_cues(annotations, documents), args.json, f"topic labels to review in {len(annotations)} annotations")
    return 0


def run_publishers(args) -> int:
    annotations, documents = _inputs(args.set)
    result = publisher_checks(annotations, documents)
    if args.out:
        write_json(args.out, result)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    for check, figures in result.items():
        if check != "disagreements":
            share = "n/a" if figures["share"] is None else f"{figures['share']:.3f}"
            print(f"{check:<40} {figures['agree']:>5} / {figures['total']:<5} {share}")
    print(f"{len(result['disagreements'])} disagreements" + (f" (listed in {args.out})" if args.out else ""))
    for item in result["disagreements"]:
        print(f"  {item['check']}: {item['document_id']}: publisher says {item['publisher_says']}; gold {item['gold']}")
    return 0
