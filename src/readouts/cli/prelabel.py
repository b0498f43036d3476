"""``readouts prelabel``: pre-annotate documents for annotators (never gold by itself)."""

from pathlib import Path

from tqdm import tqdm

from ..corpus import load_corpus
from ..errors import InputError
from ..jsonio import read_text, write_json
from ..drafts import annotation_to_draft
from ..prelabel import prelabel_document
from ..store import save_annotation


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "prelabel", help="propose participants, contact type, in-scope and topics for annotators to correct",
        description="Pre-annotate documents from the actor registry's en/uk/ru names and aliases, headline and lead patterns "
                    "(direct vs mentioned), contact-type and topic keyword patterns. No stance is proposed. Output is marked "
                    "annotator kind 'model-prelabel': an annotator must read the text and review every layer before it is gold.")
    parser.add_argument("ids", nargs="*", help="document ids (or use --docs)")
    parser.add_argument("--docs", type=Path, default=None, help="file with one document id per line")
    parser.add_argument("--out", type=Path, default=None, help="folder for annotation files (model-prelabel), e.g. work/prelabel")
    parser.add_argument("--drafts", type=Path, default=None, help="folder for editable drafts (mention strings), e.g. work/drafts/me")
    parser.add_argument("--corpus", type=Path, default=None, help="documents JSONL (default: the imported corpus)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    ids = list(args.ids)
    if args.docs:
        if not args.docs.is_file():
            raise InputError(f"{args.docs}: no such file")
        ids += [line.strip() for line in read_text(args.docs).splitlines() if line.strip()]
    if not ids or not (args.out or args.drafts):
        raise InputError("give document ids (or --docs FILE) and at least one of --out and --drafts")
    corpus = load_corpus(args.corpus)
    unknown = [doc_id for doc_id in ids if doc_id not in corpus]
    if unknown:
        raise InputError(f"not in the corpus: {', '.join(unknown[:5])}")
    for doc_id in tqdm(ids, desc="prelabelling", unit="doc"):
        proposal = prelabel_document(corpus[doc_id])
        if args.out:
            save_annotation(proposal, root=args.out)
        if args.drafts:
            write_json(args.drafts / f"{doc_id}.json", annotation_to_draft(proposal, corpus[doc_id]["text"]))
    print(f"pre-labelled {len(ids)} documents" + (f"; annotations in {args.out}" if args.out else "") + (f"; drafts in {args.drafts}" if args.drafts else ""))
    return 0
