"""The sentence-encoder baseline's targets, measured (prints numbers, asserts nothing):

- cross-lingual: beats tfidf-logreg's overall with a paired-bootstrap p < 0.05 (`readouts compare`);
- cross-lingual: above 0 on Ukrainian and on Russian in every layer;
- trains in under 5 minutes, predicts at least 20 documents per second on 2 cores.

Uses the release in $READOUTS_ROOT (the latest unless --release) and the corpus in $READOUTS_CORPUS;
both systems are trained here on the cross-lingual train split (tuned on its validation split); speed is
measured over --documents corpus documents (sorted by id, real lengths). Example:

    READOUTS_CORPUS=data/corpus/documents.jsonl python benchmarks/bench_sentence_encoder.py --release v0.2.0"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_info

from readouts.baselines.base import baseline_class, load_training_data, release_tag
from readouts.baselines.publish import predictions_jsonl
from readouts.cli import main as readouts
from readouts.corpus import load_corpus
from readouts.evaluate import Options, evaluate
from readouts.goldset import gold_set_from_release
from readouts.jsonio import read_json
from readouts.releases import latest_release
from readouts.runners import DOCUMENT_FIELDS, unlabelled_documents
from readouts.submission import read_submission

SETTING = "cross-lingual"
LAYERS = ("scope.f1", "topics.micro_f1", "participants.f1", "stance.triple_f1", "overall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=None)
    parser.add_argument("--documents", type=int, default=300, help="corpus documents for the speed measurement (default: 300)")
    args = parser.parse_args()
    release = release_tag(args.release or latest_release())
    data = load_training_data(release, SETTING)
    gold = gold_set_from_release(release, "test", SETTING)
    corpus = load_corpus()
    test_documents = unlabelled_documents(gold, corpus)
    blas = sorted({f"{i['internal_api']} ({i['num_threads']} threads)" for i in threadpool_info()})
    print(f"release {release} ({SETTING}): {len(data.train)} train, {len(data.validation)} validation, "
          f"{len(test_documents)} test documents; BLAS: {', '.join(blas)}")

    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for name in ("sentence-encoder", "tfidf-logreg"):
            model = baseline_class(name)(seed=0)
            started = time.perf_counter()
            model.train(data)
            trained = time.perf_counter() - started
            files[name] = Path(folder) / f"{name}.jsonl"
            files[name].write_text(predictions_jsonl(model.predict(test_documents)), encoding="utf-8")
            print(f"{name}: trained in {trained:.1f} s" + (" (target: under 300 s)" if name == "sentence-encoder" else "")
                  + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            if name == "sentence-encoder":
                encoder = model
        results = evaluate(gold, read_submission(files["sentence-encoder"], gold, warn=print), Options())
        print("\nsentence-encoder, cross-lingual test, per language (target: every value above 0):")
        print(f"{'language':<10}{'documents':>10}" + "".join(f"{m:>18}" for m in LAYERS))
        for language, group in sorted(results["breakdowns"]["language"].items()):
            print(f"{language:<10}{group['documents']:>10}" + "".join(f"{group['metrics'][m]['value']:>18.3f}" for m in LAYERS))
        comparison = Path(folder) / "compare.json"
        print("\nreadouts compare A = sentence-encoder, B = tfidf-logreg:")
        readouts(["compare", str(files["sentence-encoder"]), str(files["tfidf-logreg"]), "--release", release,
                  "--setting", SETTING, "--split", "test", "--out", str(comparison)])
        overall = read_json(comparison)["difference"]["overall"]
        print(f"overall A − B: {json.dumps(overall)} (target: A − B > 0 with p < 0.05)")

    documents = [{k: corpus[d][k] for k in DOCUMENT_FIELDS if k in corpus[d]} for d in sorted(corpus)[:args.documents]]
    started = time.perf_counter()
    encoder.predict(documents)
    speed = len(documents) / (time.perf_counter() - started)
    print(f"\nsentence-encoder predicts {speed:.1f} documents/s over {len(documents)} corpus documents (target: at least 20); "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
