"""The sentence-encoder baseline's targets, measured (prints numbers, asserts nothing):

- cross-lingual: beats tfidf-logreg's overall with a paired-bootstrap p < 0.05 (`readouts compare`);
- cross-lingual: above 0 on Ukrainian and on Russian in every layer;
- trains in under 5 minutes, predicts at least 20 documents per second on 2 cores.

Uses the release in $READOUTS_ROOT (the latest unless --release) and the corpus in $READOUTS_CORPUS;
both systems are trained here on the cross-lingual train split (tuned on its validation split); speed is
measured over --documents corpus documents (sorted by id, real lengths), the encoder already loaded, once
per BLAS thread count in --threads (the baseline uses ``BLAS_THREADS``). Prints the machine, train
seconds, documents per second and the load average (1 / 5 / 15 minutes) beside every time, since other
jobs on a shared machine slow both; also documents per CPU second of this process, which other jobs
change much less (with one BLAS thread it approaches the rate on one idle core). Run from the
repository root, with the encoder extra installed (``pip install -e '.[encoder]'``):

    READOUTS_CORPUS=data/corpus/documents.jsonl python benchmarks/bench_sentence_encoder.py --release v0.2.0
    READOUTS_CORPUS=data/corpus/documents.jsonl python benchmarks/bench_sentence_encoder.py --release v0.2.0 --threads 1 2"""

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_info

from readouts.baselines.base import baseline_class, load_training_data, release_tag
from readouts.baselines.publish import predictions_jsonl
from readouts.baselines.sentence_encoder import BLAS_THREADS, SentenceEmbedder
from readouts.cli import main as readouts
from readouts.corpus import load_corpus
from readouts.evaluation.evaluate import Options, evaluate
from readouts.evaluation.goldset import gold_set_from_release
from readouts.jsonio import read_json
from readouts.releases import latest_release
from readouts.evaluation.runners import DOCUMENT_FIELDS, unlabelled_documents
from readouts.evaluation.submission import read_submission

SETTING = "cross-lingual"
LAYERS = ("scope.f1", "topics.micro_f1", "participants.f1", "stance.triple_f1", "overall")


def machine() -> str:
    """What a speed figure depends on: CPU model, cores, Python and BLAS."""
    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
             if line.startswith("model name")] if cpuinfo.is_file() else []
    blas = sorted({f"{i['internal_api']} {i.get('version') or ''}".strip() for i in threadpool_info()})
    return (f"{names[0] if names else platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, {', '.join(blas)}")


def load() -> str:
    return "load average {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=None)
    parser.add_argument("--documents", type=int, default=300, help="corpus documents for the speed measurement (default: 300)")
    parser.add_argument("--threads", type=int, nargs="+", default=[BLAS_THREADS],
                        help=f"BLAS thread counts to measure prediction speed with (default: {BLAS_THREADS}, the baseline's)")
    args = parser.parse_args()
    release = release_tag(args.release or latest_release())
    data = load_training_data(release, SETTING)
    gold = gold_set_from_release(release, "test", SETTING)
    corpus = load_corpus()
    test_documents = unlabelled_documents(gold, corpus)
    print(f"machine: {machine()}")
    print(f"release {release} ({SETTING}): {len(data.train)} train, {len(data.validation)} validation, "
          f"{len(test_documents)} test documents")

    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for name in ("sentence-encoder", "tfidf-logreg"):
            model = baseline_class(name)(seed=0)
            before = load()
            started, cpu = time.perf_counter(), time.process_time()
            model.train(data)
            trained, trained_cpu = time.perf_counter() - started, time.process_time() - cpu
            files[name] = Path(folder) / f"{name}.jsonl"
            files[name].write_text(predictions_jsonl(model.predict(test_documents)), encoding="utf-8")
            print(f"{name}: trained in {trained:.1f} s ({trained_cpu:.1f} CPU s)" + (" (target: under 300 s)" if name == "sentence-encoder" else "")
                  + f"; {before} before, {load()} after")
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
    print(f"\nsentence-encoder prediction speed over {len(documents)} corpus documents (target: at least 20 documents/s):")
    print(f"{'BLAS threads':>12}{'documents/s':>13}{'per CPU s':>11}   load average (1 / 5 / 15 min) before -> after")
    for threads in args.threads:
        encoder.embedder = SentenceEmbedder(threads)
        encoder.embedder.embed(["warm-up"])  # loads the encoder outside the timing
        before = load()
        started, cpu = time.perf_counter(), time.process_time()
        encoder.predict(documents)
        speed, cpu_speed = len(documents) / (time.perf_counter() - started), len(documents) / (time.process_time() - cpu)
        print(f"{threads:>12}{speed:>13.1f}{cpu_speed:>11.1f}   {before.removeprefix('load average ')} -> {load().removeprefix('load average ')}")


if __name__ == "__main__":
    main()
