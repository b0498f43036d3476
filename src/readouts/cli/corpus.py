"""``readouts corpus import|select|stats``."""

import argparse
from pathlib import Path

from tqdm import tqdm

from ..corpus import (SELECTION_RULES, corpus_stats, import_corpus, load_corpus, read_candidates,
                      select_candidates, selection_precision, write_candidates)
from ..errors import InputError
from ..paths import CORPUS_ENV, default_corpus_path
from ..sampling import draw_plan, load_plan, write_sample
from ..store import load_annotations
from .upstream import register_actions as register_upstream_actions


def register(subparsers) -> None:
    parser = subparsers.add_parser("corpus", help="import, select and count source documents",
                                   description="Work with the source corpus. Texts are stored outside git (data/corpus/ or $%s)." % CORPUS_ENV)
    sub = parser.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help="validate a documents JSONL and store it for the other tools",
                         description="Validate every record against schema/document.schema.json, verify its text SHA-256 and "
                                     "unique id, then store the corpus where every other tool finds it. Nothing is written unless all records pass.")
    imp.add_argument("path", type=Path, help="documents JSONL, e.g. ../shared/corpus/documents.jsonl")
    imp.add_argument("--to", type=Path, default=None, help=f"where to store it (default: ${CORPUS_ENV} or data/corpus/documents.jsonl)")
    imp.set_defaults(handler=run_import)

    sel = sub.add_parser("select", help="mark candidate diplomatic-contact documents (ids only, written into the repository)",
                         description="Apply the documented multilingual selection rules (docs/selection.md) to titles and leads "
                                     "and write annotations/selection/candidates.txt. With gold annotations present, report precision.",
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         epilog="rules:\n" + "\n".join(f"  {r.id:<11} {r.why}" for r in SELECTION_RULES))
    sel.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    sel.add_argument("--out", type=Path, default=None, help="candidate list to write (default: annotations/selection/candidates.txt)")
    sel.set_defaults(handler=run_select)

    sample = sub.add_parser("sample", help="draw a documented, seeded stratified sample of the candidates (e.g. the pilot)",
                            description="Draw the sample a plan describes (annotations/selection/<name>-plan.json: strata by id "
                                        "prefix, sizes, seed, length cap, parallels) from the candidate list and write the ids "
                                        "to annotations/selection/<name>.txt.")
    sample.add_argument("plan", type=Path, help="plan JSON, e.g. annotations/selection/pilot-plan.json")
    sample.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    sample.set_defaults(handler=run_sample)

    show = sub.add_parser("show", help="print one document (metadata and text) for reading",
                          description="Print a document's metadata and its text. With --offsets, each paragraph is prefixed by "
                                      "its character offset, which helps when an annotator needs an explicit span.")
    show.add_argument("document_id")
    show.add_argument("--offsets", action="store_true", help="prefix each paragraph with its start offset")
    show.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    show.set_defaults(handler=run_show)

    stats = sub.add_parser("stats", help="print document counts by source, language, year and licence")
    stats.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    stats.set_defaults(handler=run_stats)

    register_upstream_actions(sub)


def run_import(args) -> int:
    destination = args.to or default_corpus_path()
    path, count = import_corpus(args.path, destination, progress=lambda it: tqdm(it, desc="importing", unit="doc"))
    print(f"imported {count:,} documents into {path}")
    return 0


def run_select(args) -> int:
    documents = load_corpus(args.corpus)
    ids = select_candidates(tqdm(documents.values(), desc="selecting", unit="doc"))
    path = write_candidates(ids, args.out)
    print(f"{len(ids):,} of {len(documents):,} documents are candidates; written to {path}")
    _print_precision(read_candidates(path))
    return 0


def _print_precision(candidates: list[str]) -> None:
    try:
        annotations = load_annotations()
    except InputError:
        return
    result = selection_precision(candidates, {a.document_id: a.in_scope for a in annotations})
    if result["annotated_candidates"]:
        print(f"selection precision on annotated candidates: {result['in_scope']}/{result['annotated_candidates']} = {result['precision']:.3f}")


def run_sample(args) -> int:
    plan = load_plan(args.plan)
    documents = load_corpus(args.corpus)
    ids = draw_plan(plan, args.plan, read_candidates(), documents,
                    load_set=lambda name: {a.document_id: a.in_scope for a in load_annotations(name)})
    path = args.plan.with_name(f"{plan['name']}.txt")
    write_sample(ids, path)
    print(f"{len(ids)} documents drawn; written to {path}")
    return 0


def run_show(args) -> int:
    documents = load_corpus(args.corpus)
    if args.document_id not in documents:
        raise InputError(f"document {args.document_id!r} is not in the corpus")
    doc = documents[args.document_id]
    for key in ("id", "source", "language", "date", "title", "url", "license", "parallel_group", "speakers", "delegation_list"):
        if doc.get(key):
            print(f"{key}: {doc[key]}")
    print(f"text ({len(doc['text'])} characters):\n")
    if not args.offsets:
        print(doc["text"])
        return 0
    offset = 0
    for paragraph in doc["text"].split("\n"):
        print(f"[{offset}] {paragraph}" if paragraph else "")
        offset += len(paragraph) + 1
    return 0


def run_stats(args) -> int:
    documents = load_corpus(args.corpus)
    print(f"{len(documents):,} documents")
    for title, table in corpus_stats(documents.values()).items():
        print(f"\n{title}\n{table.to_string()}")
    return 0
