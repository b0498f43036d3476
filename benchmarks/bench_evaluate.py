"""How fast is scoring? A synthetic 10,000-document gold set and predictions (invented labels, no corpus
text) are scored with 1,000 bootstrap resamples, and the vectorised bootstrap is compared with a naive
loop that calls scikit-learn's f1_score once per resample and metric.

Run from the repository root:  python benchmarks/bench_evaluate.py [--documents 10000] [--resamples 1000]
Prints numbers; asserts nothing (targets: scoring < 5 s, >= 20x faster than the naive loop)."""

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.preprocessing import MultiLabelBinarizer

from readouts.actors import load_registry
from readouts.evaluation.bootstrap import bootstrap_samples
from readouts.evaluation.evaluate import Options, counts_for, evaluate
from readouts.evaluation.goldset import GoldSet
from readouts.jsonio import atomic_write_text
from readouts.evaluation.scoring import DocLabels, metric_values
from readouts.store import Annotation, Mention, Participant, Stance
from readouts.evaluation.submission import read_submission
from readouts.taxonomy import load_taxonomy

LANGUAGES, SOURCES = ("en", "uk", "ru"), ("alpha.example", "beta.example", "gamma.example")


def synthetic(n: int, seed: int = 1):
    """Gold annotations, metadata and noisy predictions for ``n`` invented documents."""
    rng = random.Random(seed)
    topics, targets = load_taxonomy().topic_ids, load_taxonomy().target_ids
    actors = sorted(load_registry())
    gold, metadata, predictions = {}, {}, []
    for i in range(n):
        language = LANGUAGES[i % 3]
        doc = f"synthetic-{language}-{i:05d}"
        in_scope = rng.random() < 0.85
        people = rng.sample(actors, rng.randint(2, 4)) if in_scope else []
        participants = tuple(Participant(a, a, "", "diplomat", "USA", "direct" if k < 2 else "mentioned",
                                         (Mention(100 * k, 100 * k + 12, "x"),)) for k, a in enumerate(people))
        stance = tuple(Stance(people[0], t, rng.choice(["favor", "against", "neutral"])) for t in rng.sample(targets, 2)) if in_scope else ()
        chosen = tuple(rng.sample(topics, rng.randint(1, 3))) if in_scope else ()
        gold[doc] = Annotation(doc, "0" * 64, "1.0.0", "1.0", in_scope, participants=participants, stance=stance, topics=chosen)
        metadata[doc] = {"language": language, "source": SOURCES[i % 3], "publisher_type": "government", "text_length": 5000}
        keep = lambda items: [x for x in items if rng.random() < 0.8]  # noqa: E731
        predictions.append({
            "document_id": doc, "in_scope": in_scope if rng.random() < 0.9 else not in_scope,
            "topics": sorted(set(keep(chosen)) | ({rng.choice(topics)} if rng.random() < 0.3 else set())),
            "participants": [{"actor_id": p.actor_id, "participation": p.participation, "role_type": "diplomat",
                              "mentions": [{"start": m.start + rng.choice([0, 0, 2]), "end": m.end} for m in p.mentions]}
                             for p in keep(participants)],
            "stance": [{"holder": s.holder, "target": s.target, "label": s.label if rng.random() < 0.7 else "neutral"} for s in keep(stance)],
        })
    gold_set = GoldSet(release="synthetic", split="test", setting="standard", annotations=gold, metadata=metadata,
                       release_ids=frozenset(gold), source="synthetic benchmark gold")
    return gold_set, predictions


def naive_seconds_per_resample(gold: GoldSet, predictions: dict, resamples: int, seed: int) -> float:
    """The naive way: per resample, draw indices and call f1_score for topic micro-F1, topic macro-F1 and
    in-scope F1 (three of the 16 metrics the vectorised path computes)."""
    docs = gold.document_ids
    binarizer = MultiLabelBinarizer(classes=load_taxonomy().topic_ids)
    y_true = binarizer.fit_transform([gold.annotations[d].topics for d in docs])
    y_pred = binarizer.transform([predictions[d].get("topics", []) for d in docs])
    scope_true = np.array([gold.annotations[d].in_scope for d in docs])
    scope_pred = np.array([DocLabels.from_prediction(predictions[d]).in_scope for d in docs])
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(resamples):
        index = rng.integers(0, len(docs), len(docs))
        f1_score(y_true[index], y_pred[index], average="micro", zero_division=0)
        f1_score(y_true[index], y_pred[index], average="macro", zero_division=0)
        f1_score(scope_true[index], scope_pred[index], zero_division=0)
    return (time.perf_counter() - start) / resamples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--naive-resamples", type=int, default=50, help="resamples actually run by the naive loop (then extrapolated)")
    args = parser.parse_args()
    options = Options(n_resamples=args.resamples)

    gold, records = synthetic(args.documents)
    predictions = {r["document_id"]: r for r in records}
    print(f"{args.documents:,} synthetic documents, {args.resamples:,} resamples")

    start = time.perf_counter()
    counts = counts_for(gold, predictions, gold.document_ids)
    built = time.perf_counter() - start
    start = time.perf_counter()
    bootstrap_samples([counts], metric_values, options.n_resamples, options.seed)
    resampled = time.perf_counter() - start
    scoring = built + resampled
    print(f"scoring (count matrix {built:.2f} s + all 16 metrics on every resample {resampled:.2f} s): {scoring:.2f} s  [target < 5 s]")

    per_resample = naive_seconds_per_resample(gold, predictions, args.naive_resamples, options.seed)
    naive = per_resample * args.resamples
    vectorised_per_resample = resampled / args.resamples
    print(f"naive loop over sklearn f1_score (3 metrics): {per_resample * 1000:.1f} ms per resample, timed on "
          f"{args.naive_resamples} resamples and extrapolated to {args.resamples:,}: {naive:.1f} s")
    print(f"vectorised bootstrap (16 metrics): {vectorised_per_resample * 1000:.2f} ms per resample; "
          f"speed-up {naive / resampled:.0f}x on the resampling, {naive / scoring:.0f}x including the count matrix  [target >= 20x]")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "predictions.jsonl"
        atomic_write_text(path, "".join(__import__("json").dumps(r) + "\n" for r in records))
        start = time.perf_counter()
        submission = read_submission(path, gold, warn=lambda message: None)
        validated = time.perf_counter() - start
        start = time.perf_counter()
        evaluate(gold, submission, options)
        full = time.perf_counter() - start
    print(f"reading and validating the predictions file: {validated:.2f} s")
    print(f"full evaluate() with per-label intervals and 3 breakdowns (each group bootstrapped): {full:.2f} s")


if __name__ == "__main__":
    main()
