"""Training time of each baseline on the current train split, and prediction speed in documents per
second (targets on 2 cores: under 60 s to train, at least 200 documents per second to predict; the
sentence-encoder's own targets, 5 minutes and 20 documents per second, and its quality targets are
measured by bench_sentence_encoder.py).

Uses the release in $READOUTS_ROOT (the latest unless --release) and the corpus in $READOUTS_CORPUS;
prediction runs on up to --documents corpus documents (sorted by id, real lengths). Prints the numbers;
asserts nothing. Example:

    READOUTS_CORPUS=data/corpus/documents.jsonl python benchmarks/bench_baselines.py --release v0.2.0"""

import argparse
import time

from readouts.baselines import BASELINES
from readouts.baselines.base import baseline_class, load_training_data, release_tag
from readouts.corpus import load_corpus
from readouts.releases import latest_release
from readouts.evaluation.runners import DOCUMENT_FIELDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=None)
    parser.add_argument("--setting", default="standard")
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    release = release_tag(args.release or latest_release())
    data = load_training_data(release, args.setting)
    corpus = load_corpus()
    documents = [{k: corpus[d][k] for k in DOCUMENT_FIELDS if k in corpus[d]} for d in sorted(corpus)[:args.documents]]
    print(f"release {release} ({args.setting}): {len(data.train)} train, {len(data.validation)} validation documents; "
          f"predicting {len(documents)} corpus documents")
    print(f"{'baseline':<14}{'train s':>10}{'predict docs/s':>16}")
    for name in BASELINES:
        model = baseline_class(name)(seed=0)
        started = time.perf_counter()
        model.train(data)
        trained = time.perf_counter() - started
        started = time.perf_counter()
        model.predict(documents)
        speed = len(documents) / (time.perf_counter() - started)
        print(f"{name:<14}{trained:>10.2f}{speed:>16.0f}")


if __name__ == "__main__":
    main()
