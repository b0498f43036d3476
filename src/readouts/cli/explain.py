"""``readouts explain``: one document's gold and prediction side by side, from a --per-document file."""

import argparse
from pathlib import Path

from ..corpus import corpus_available, load_corpus
from ..evaluation.perdocument import find_record, format_explanation


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "explain", help="show one document's gold and prediction side by side (error analysis)",
        description="Read the per-document results an evaluate run wrote with --per-document and show, for one document, "
                    "gold and predicted topics, direct participants, mentions and stance side by side "
                    "(= on both sides, - gold only, + predicted only), with the document text when the corpus is present.",
        epilog="example:\n  readouts evaluate predictions.jsonl --release v0.2.0 --per-document per-doc.jsonl\n"
               "  readouts explain per-doc.jsonl kremlin-en-0002",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, metavar="RESULTS", help="the --per-document JSONL file of an evaluate run")
    parser.add_argument("document_id", metavar="DOC", help="a document id of that run")
    parser.add_argument("--corpus", type=Path, default=None, help="documents JSONL for the text (default: the imported corpus)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    record = find_record(args.results, args.document_id)
    document = load_corpus(args.corpus).get(args.document_id) if corpus_available(args.corpus) else None
    print(format_explanation(record, document))
    return 0
