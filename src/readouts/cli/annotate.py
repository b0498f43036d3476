"""``readouts annotate``: turn annotator drafts (mention strings, evidence quotes) into offset-only
annotations in an annotation set: every draft is checked first, then all are written at once, or none."""

import sys
from pathlib import Path

from ..corpus import load_corpus
from ..drafts import GUIDELINE_VERSION, annotation_to_draft, check_draft, draft_to_annotation, now_utc
from ..errors import InputError
from ..jsonio import read_json, write_json
from ..paths import annotation_set_dir, annotation_set_name
from ..prelabel import PRELABEL_ID, prelabel_document
from ..store import GOLD, annotation_path, save_annotations
from ..validate import AnnotationChecker


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "annotate", help="convert annotation drafts (strings and quotes) into offset-only annotations",
        description="Read draft JSON files written by an annotator (see docs/guidelines.md, 'Drafts'), locate every "
                    "mention string and evidence quote in the document text, record provenance, validate, and write "
                    "annotations/<set>/<document_id>.json. Every draft is checked against schema/draft.schema.json (unknown keys "
                    "are refused; each participant states participation, role_type and office, \"\" when the text gives none) and "
                    "validated before anything is written; then all are written at once, or none. A draft identical to the "
                    "pre-annotator's output needs --accept-prelabel. Drafts quote the text: keep them in work/ (git-ignored).")
    parser.add_argument("drafts", nargs="+", type=Path, help="draft JSON files (one per document)")
    parser.add_argument("--set", default=GOLD,
                        help="annotation set folder under annotations/, e.g. gold or agreement/round3/pass1 (default: gold)")
    parser.add_argument("--annotator-id", default=None,
                        help="who annotated, e.g. a person's handle or 'llm-annotator-a' (with --overwrite: default the previous one)")
    parser.add_argument("--annotator-kind", default=None, choices=["human", "llm", "model-prelabel"],
                        help="(with --overwrite: default the previous one)")
    parser.add_argument("--model", default=None, help="for llm and model-prelabel annotators: model or tool and version")
    parser.add_argument("--prelabel", default=None, help="the pre-annotator whose proposal the annotator started from")
    parser.add_argument("--guideline-version", default=GUIDELINE_VERSION,
                        help=f"the guideline version the annotator followed (default: {GUIDELINE_VERSION})")
    parser.add_argument("--review-status", default="unreviewed", choices=["unreviewed", "reviewed", "adjudicated"])
    parser.add_argument("--reviewer-id", default=None)
    parser.add_argument("--reviewer-kind", default=None, choices=["human", "llm"])
    parser.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing annotation (its created time is kept)")
    parser.add_argument("--accept-prelabel", action="store_true",
                        help="for human and llm annotators: accept drafts identical to `readouts prelabel` output, after reading "
                             "the text and checking every layer (recorded in the provenance history)")
    parser.set_defaults(handler=run)

    export = subparsers.add_parser(
        "draft", help="write the editable draft of existing annotations (to review or correct them)",
        description="Export annotations of a set as drafts with exact offsets (lossless): edit them, then run "
                    "`readouts annotate DRAFT --overwrite ...` to write them back with provenance.")
    export.add_argument("ids", nargs="+", help="document ids")
    export.add_argument("--set", default=GOLD, help="annotation set folder under annotations/ (default: gold)")
    export.add_argument("--out", type=Path, required=True, help="folder for the drafts (keep it under work/: drafts quote text)")
    export.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    export.set_defaults(handler=run_export)


def _provenance(args, previous: dict | None, where: str) -> dict:
    """Provenance of the written annotation. A review or adjudication keeps the annotator of record
    unless another is named, and adds the reviewer and a history entry."""
    time = now_utc()
    before = previous["provenance"] if previous else {}
    annotator_id = args.annotator_id or before.get("annotator_id")
    annotator_kind = args.annotator_kind or before.get("annotator_kind")
    if not annotator_id or not annotator_kind:
        raise InputError(f"{where}: give --annotator-id and --annotator-kind (there is no previous annotation to keep them from)")
    model = args.model or (before.get("model") if not args.annotator_id else None)
    provenance = {
        "annotator_id": annotator_id, "annotator_kind": annotator_kind,
        "created": previous["provenance"]["created"] if previous else time, "updated": time,
        "review_status": args.review_status,
        "history": (previous["provenance"].get("history", []) if previous else []) + [
            {"time": time, "actor": args.reviewer_id or annotator_id, "action": _action(args, previous)}],
    }
    optional = {"model": model, "prelabel": args.prelabel, "reviewer_id": args.reviewer_id, "reviewer_kind": args.reviewer_kind}
    provenance.update({k: v for k, v in optional.items() if v})
    return provenance


def _action(args, previous: dict | None) -> str:
    if args.review_status == "adjudicated":
        return "adjudicated against the second annotation"
    if args.review_status == "reviewed" and args.reviewer_id:
        return "reviewed and corrected from draft"
    return "updated from draft" if previous else "annotated from draft"


def _same_as_prelabel(annotation: dict, document: dict) -> bool:
    """Whether every layer equals what ``readouts prelabel`` proposes for the document (order aside)."""
    def layers(data: dict) -> dict:
        return {"in_scope": data["in_scope"], "contacts": data["contacts"], "topics": sorted(data["topics"]),
                "participants": sorted(data["participants"], key=lambda p: p["actor_id"]),
                "stance": sorted(data["stance"], key=lambda s: (s["holder"], s["target"]))}
    return layers(annotation) == layers(prelabel_document(document))


def run(args) -> int:
    set_name = annotation_set_name(args.set)  # "./gold" is gold: the pre-label rule applies
    corpus = load_corpus(args.corpus)
    checker = AnnotationChecker(corpus, gold=set_name == GOLD)
    folder = annotation_set_dir(set_name)
    prepared, sources, failures = [], {}, []
    for draft_path in args.drafts:  # check every draft, report every failing one, write none of them then
        try:
            annotation = _prepare(draft_path, args, corpus, checker, folder, sources)
        except InputError as exc:
            failures.append(str(exc))
            continue
        prepared.append(annotation)
    if failures:
        raise InputError("\n".join(failures) + f"\nnothing written: {len(failures)} of {len(args.drafts)} drafts have problems")
    try:
        written = save_annotations(prepared, set_name)  # every draft passed: write all at once
    except OSError as exc:
        raise InputError(f"{folder}: cannot write the annotations: {exc.strerror or exc}") from None
    for path in written:
        print(f"wrote {path}")
    return 0


def _prepare(draft_path: Path, args, corpus: dict, checker: AnnotationChecker, folder: Path, sources: dict) -> dict:
    """The checked annotation of one draft; ``sources`` maps the documents seen so far to their drafts."""
    draft = read_json(draft_path)
    check_draft(draft, str(draft_path))
    doc_id = draft["document_id"]
    if doc_id not in corpus:
        raise InputError(f"{draft_path}: $.document_id: {doc_id!r} is not in the corpus")
    if doc_id in sources:
        raise InputError(f"{draft_path}: $.document_id: {doc_id!r} is also the document of {sources[doc_id]}; give one draft per document")
    sources[doc_id] = draft_path
    target = annotation_path(doc_id, root=folder)
    previous = read_json(target) if target.exists() else None
    if previous and not args.overwrite:
        raise InputError(f"{target}: exists; pass --overwrite to replace it")
    annotation = draft_to_annotation(draft, corpus[doc_id], _provenance(args, previous, str(draft_path)), str(draft_path))
    annotation["guideline_version"] = args.guideline_version
    problems = checker.check(annotation, str(draft_path))
    if problems:
        raise InputError("\n".join(str(p) for p in problems))
    _check_not_an_unread_prelabel(annotation, corpus[doc_id], args, draft_path)
    return annotation


def _check_not_an_unread_prelabel(annotation: dict, document: dict, args, draft_path: Path) -> None:
    """An unread pre-label must never enter a set as someone's work: a human or llm draft identical to the
    pre-annotator's output is refused, unless --accept-prelabel says it was read (then the history says so)."""
    provenance = annotation["provenance"]
    if provenance["annotator_kind"] not in ("human", "llm") or not _same_as_prelabel(annotation, document):
        return
    if not annotation["in_scope"] and not provenance.get("prelabel"):
        return  # an empty out-of-scope judgement made from scratch equals the pre-label by coincidence, not by copying
    if not args.accept_prelabel:
        raise InputError(f"{draft_path}: every layer is identical to the pre-annotator's output ({PRELABEL_ID}); "
                         "read the text and correct the draft, or pass --accept-prelabel if you checked every layer and agree")
    print(f"warning: {draft_path}: identical to the pre-annotator's output; accepted with --accept-prelabel", file=sys.stderr)
    provenance.setdefault("prelabel", PRELABEL_ID)
    provenance["history"][-1]["action"] += " (accepted the pre-label unchanged)"


def run_export(args) -> int:
    corpus = load_corpus(args.corpus)
    folder = annotation_set_dir(args.set)
    for doc_id in args.ids:
        source = annotation_path(doc_id, root=folder)
        if not source.is_file():
            raise InputError(f"{source}: no such annotation")
        if doc_id not in corpus:
            raise InputError(f"document {doc_id!r} is not in the corpus")
        target = args.out / f"{doc_id}.json"
        write_json(target, annotation_to_draft(read_json(source), corpus[doc_id]["text"]))
        print(f"wrote {target}")
    return 0
