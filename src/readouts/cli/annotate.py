"""``readouts annotate``: turn annotator drafts (mention strings, evidence quotes) into offset-only
annotations in an annotation set, validated before anything is written."""

from pathlib import Path

from ..corpus import load_corpus
from ..drafts import GUIDELINE_VERSION, annotation_to_draft, draft_to_annotation, now_utc
from ..errors import InputError
from ..jsonio import read_json, write_json
from ..paths import annotation_set_dir
from ..store import GOLD, annotation_path, save_annotation
from ..validate import AnnotationChecker


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "annotate", help="convert annotation drafts (strings and quotes) into offset-only annotations",
        description="Read draft JSON files written by an annotator (see docs/guidelines.md, 'Drafts'), locate every "
                    "mention string and evidence quote in the document text, record provenance, validate, and write "
                    "annotations/<set>/<document_id>.json atomically. Drafts quote the text: keep them in work/ (git-ignored).")
    parser.add_argument("drafts", nargs="+", type=Path, help="draft JSON files")
    parser.add_argument("--set", default=GOLD, help="annotation set folder under annotations/ (default: gold)")
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


def run(args) -> int:
    corpus = load_corpus(args.corpus)
    checker = AnnotationChecker(corpus, gold=args.set == GOLD)
    folder = annotation_set_dir(args.set)
    prepared = []
    for draft_path in args.drafts:
        draft = read_json(draft_path)
        if not isinstance(draft, dict) or draft.get("document_id") not in corpus:
            raise InputError(f"{draft_path}: $.document_id: missing or not in the corpus")
        target = annotation_path(draft["document_id"], root=folder)
        previous = read_json(target) if target.exists() else None
        if previous and not args.overwrite:
            raise InputError(f"{target}: exists; pass --overwrite to replace it")
        annotation = draft_to_annotation(draft, corpus[draft["document_id"]], _provenance(args, previous, str(draft_path)), str(draft_path))
        annotation["guideline_version"] = args.guideline_version
        problems = checker.check(annotation, str(draft_path))
        if problems:
            raise InputError("\n".join(str(p) for p in problems))
        prepared.append(annotation)
    for annotation in prepared:  # write only when every draft passed
        print(f"wrote {save_annotation(annotation, root=folder)}")
    return 0


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
