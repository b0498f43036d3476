"""End-to-end scoring on invented documents: results file, bootstrap determinism and intervals,
missing documents, the three ways to submit, the release adapter and CLI exit codes."""

import json
import sys
import textwrap

import numpy as np
import pytest

from conftest import as_prediction, write_jsonl
from readouts.evaluation.bootstrap import resample_weights
from readouts.cli import main
from readouts.errors import InputError
from readouts.evaluation.evaluate import Options, evaluate, format_results
from readouts.evaluation.goldset import gold_set_from_release
from readouts.jsonio import sha256_file
from readouts.store import save_annotation
from readouts.evaluation.submission import read_submission

FAST = Options(n_resamples=200)


@pytest.fixture
def perfect(tiny_gold) -> list[dict]:
    return [as_prediction(a) for a in tiny_gold.values()]


@pytest.fixture
def gold_folder(repo, tiny_gold):
    for annotation in tiny_gold.values():
        save_annotation(annotation)
    return repo / "annotations" / "gold"


def _evaluate(gold_set, records, tmp_path, options=FAST):
    path = write_jsonl(tmp_path / "p.jsonl", records)
    return evaluate(gold_set, read_submission(path, gold_set), options)


def test_perfect_predictions_score_one(gold_set, perfect, tmp_path):
    results = _evaluate(gold_set, perfect, tmp_path)
    for name, metric in results["metrics"].items():
        assert metric["value"] == 1.0, name
    assert results["documents"] == {"scored": 4, "in_scope": 3, "predicted": 4, "missing": 0, "missing_ids": [],
                                    "ignored_other_splits": 0}


def test_a_group_with_nothing_to_find_is_not_applicable_not_zero(repo, tiny_documents, tiny_gold, tmp_path):
    """Before: a perfect copy of gold scored overall 0.000 on a group of out-of-scope documents."""
    from conftest import build_gold_set

    kept = {doc: tiny_gold[doc] for doc in ("test-en-call1", "test-en-other1")}  # kremlin.ru: out of scope only
    gold = build_gold_set(tiny_documents, kept)
    results = _evaluate(gold, [as_prediction(a) for a in kept.values()], tmp_path)
    kremlin = results["breakdowns"]["source"]["kremlin.ru"]
    assert (kremlin["documents"], kremlin["in_scope"]) == (1, 0)
    assert kremlin["metrics"]["overall"] == {"value": None, "ci_low": None, "ci_high": None}
    assert kremlin["metrics"]["scope.accuracy"]["value"] == 1.0
    assert results["breakdowns"]["language"]["en"]["metrics"]["overall"]["value"] == 1.0
    assert results["topics_per_label"]["nato"]["f1"]["value"] is None  # never in gold, never predicted
    table = format_results(results)
    assert "–" in table and "nan" not in table.lower()
    assert json.loads(json.dumps(results, allow_nan=False)) == results  # strict JSON: null, never NaN


def test_evaluate_table_shows_n_and_intervals_per_language(gold_set, perfect, tmp_path):
    table = format_results(_evaluate(gold_set, perfect, tmp_path))
    assert "4 documents scored (3 in scope)" in table
    en_row = next(line for line in table.splitlines() if line.startswith("en "))
    assert en_row.split()[:3] == ["en", "2", "1"] and en_row.count("[1.000, 1.000]") == 4


def test_results_carry_provenance(gold_set, perfect, tmp_path):
    from readouts import __version__

    results = _evaluate(gold_set, perfect, tmp_path)
    assert results["harness_version"] == __version__ and results["release"] == "v0.0.1-test"
    assert results["predictions"]["sha256"] == sha256_file(tmp_path / "p.jsonl")
    assert (results["seed"], results["n_resamples"], results["confidence_level"]) == (FAST.seed, 200, 0.95)
    assert results["schema_version"] == "1.0.0" and results["split"] == "test" and results["setting"] == "standard"
    assert set(results["breakdowns"]) == {"language", "source", "publisher_type"}
    assert sorted(results["breakdowns"]["language"]) == ["en", "ru", "uk"]
    assert results["breakdowns"]["language"]["en"]["documents"] == 2


def test_missing_documents_are_empty_predictions(gold_set, perfect, tmp_path):
    kept = [p for p in perfect if p["document_id"] != "test-ru-note1"]
    results = _evaluate(gold_set, kept, tmp_path)
    assert results["documents"]["missing_ids"] == ["test-ru-note1"]
    # the Russian document had 2 of the 6 direct participants: recall 4/6, precision 1 -> F1 = 0.8
    assert results["metrics"]["participants.f1"]["value"] == pytest.approx(0.8)
    # 2 of the 5 gold topics were on it: F1 = 2*3/(6+0+2) = 0.75
    assert results["metrics"]["topics.micro_f1"]["value"] == pytest.approx(0.75)
    assert results["breakdowns"]["language"]["ru"]["metrics"]["overall"]["value"] == 0.0


def test_predictions_on_out_of_scope_documents_are_false_positives(gold_set, perfect, tmp_path):
    for record in perfect:
        if record["document_id"] == "test-en-other1":
            record["topics"] = ["sanctions"]
    results = _evaluate(gold_set, perfect, tmp_path)
    assert results["metrics"]["topics.micro_f1"]["value"] == pytest.approx(2 * 5 / (10 + 1))
    assert results["metrics"]["scope.accuracy"]["value"] == 1.0


def test_point_estimates_agree_between_scikit_learn_and_counts(gold_set, perfect, tmp_path):
    perfect[0]["topics"] = ["military_aid", "nato"]
    perfect[1]["topics"] = []
    perfect[2]["in_scope"] = False
    results = _evaluate(gold_set, perfect, tmp_path)
    from readouts.evaluation.evaluate import counts_for
    from readouts.evaluation.scoring import metric_values, totals

    submission = read_submission(tmp_path / "p.jsonl", gold_set)
    counts = counts_for(gold_set, submission.predictions, gold_set.document_ids)
    values = metric_values(totals(counts, np.ones((1, 4))))
    for name in ("topics.micro_f1", "topics.macro_f1", "scope.accuracy", "scope.f1"):
        assert results["metrics"][name]["value"] == pytest.approx(values[name][0], abs=1e-6), name


def test_bootstrap_is_deterministic_and_intervals_contain_the_point(gold_set, perfect, tmp_path):
    perfect[0]["topics"] = ["nato"]
    perfect[1]["participants"] = perfect[1]["participants"][:1]
    first = _evaluate(gold_set, perfect, tmp_path)
    second = _evaluate(gold_set, perfect, tmp_path)
    assert first == second
    for name, metric in first["metrics"].items():
        assert metric["ci_low"] <= metric["value"] <= metric["ci_high"], name
    assert first["metrics"]["overall"]["ci_low"] < first["metrics"]["overall"]["ci_high"]


def test_resample_weights_are_draw_counts():
    blocks = list(resample_weights(7, 600, seed=3))
    weights = np.concatenate(blocks)
    assert weights.shape == (600, 7) and [len(b) for b in blocks] == [250, 250, 100]
    assert (weights.sum(axis=1) == 7).all() and (weights >= 0).all()
    assert np.array_equal(weights, np.concatenate(list(resample_weights(7, 600, seed=3))))
    assert not np.array_equal(weights, np.concatenate(list(resample_weights(7, 600, seed=4))))


# --- CLI -----------------------------------------------------------------------------------------

def test_cli_evaluate_writes_results_and_prints_a_table(gold_folder, perfect, tmp_path, capsys):
    predictions = write_jsonl(tmp_path / "p.jsonl", perfect[:3])
    out = tmp_path / "results" / "r.json"
    assert main(["evaluate", str(predictions), "--gold-set", "gold", "--n-resamples", "50", "--seed", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "participants.f1" in printed and "language" in printed
    results = json.loads(out.read_text())
    assert results["n_resamples"] == 50 and results["seed"] == 5 and results["gold"] == "annotations/gold"
    assert results["documents"]["missing"] == 1


@pytest.mark.parametrize("argv,message", [
    (["evaluate", "--gold-set", "gold"], "exactly one of PREDICTIONS, --model or --command"),
    (["evaluate", "p.jsonl", "--gold-set", "gold", "--release", "v1.0.0"], "exactly one of --release"),
    (["evaluate", "p.jsonl", "--gold-set", "gold", "--confidence-level", "nan"], "confidence_level"),
    (["evaluate", "p.jsonl", "--gold-set", "gold", "--confidence-level", "1.5"], "confidence_level"),
    (["evaluate", "nosuch.jsonl", "--gold-set", "gold"], "nosuch.jsonl: no such file"),
    # before: every document of annotations/gold was scored, whatever --split said
    (["evaluate", "p.jsonl", "--gold-set", "gold", "--split", "test"], "--gold-set gold scores every document"),
    (["evaluate", "p.jsonl", "--gold-set", "gold", "--setting", "temporal"], "drop --split/--setting"),
])
def test_cli_bad_input_exits_2(gold_folder, perfect, tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "p.jsonl", perfect)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_release_adapter_without_release_support_is_an_input_error(monkeypatch, repo, capsys):
    monkeypatch.setitem(sys.modules, "readouts.releases", None)  # import fails as in an install without it
    with pytest.raises(InputError, match="release v9.9.9 is unavailable"):
        gold_set_from_release("v9.9.9", "test")
    assert main(["evaluate", "p.jsonl", "--release", "v9.9.9"]) == 2
    assert "unavailable" in capsys.readouterr().err


def test_evaluate_against_a_real_release_needs_no_corpus(repo, tiny_documents, tmp_path, monkeypatch, capsys):
    """Create a real release, then score a perfect submission of its test split with the corpus gone."""
    from release_helpers import add_documents, calls, prepare
    from readouts.releases import load_manifest, materialise, split_documents

    prepare(repo, "0.1.0")
    add_documents(repo, calls("wh-en-r", 12))
    assert main(["release", "create", "--bump", "minor", "--date", "2026-11-21"]) == 0
    test_ids = split_documents("0.1.0", "test")
    assert test_ids
    gold = materialise("0.1.0")
    predictions = tmp_path / "p.jsonl"
    write_jsonl(predictions, [{k: v for k, v in gold[d].to_dict().items()
                               if k in ("document_id", "in_scope", "participants", "stance", "topics")} for d in test_ids])
    monkeypatch.setenv("READOUTS_CORPUS", str(tmp_path / "no-corpus-here.jsonl"))
    out = tmp_path / "results.json"
    assert main(["evaluate", str(predictions), "--release", "0.1.0", "--split", "test", "--out", str(out), "--n-resamples", "50"]) == 0
    results = json.loads(out.read_text())
    assert results["release"] == "v0.1.0"  # the canonical name, whatever form was typed
    assert {name: m["value"] for name, m in results["metrics"].items() if "accuracy" not in name} == \
        {name: 1.0 for name in results["metrics"] if "accuracy" not in name}  # perfect means 1 everywhere, F_avg too
    assert load_manifest("0.1.0")["documents"][test_ids[0]]["split"] == "test"


# --- Models and commands --------------------------------------------------------------------------

MODEL = '''
import json

class KeywordSystem:
    """Predicts from the text alone; records the fields it was given."""
    def __init__(self, log, scope_word="розмов"):
        self.log, self.scope_word = log, scope_word

    def predict(self, documents):
        with open(self.log, "w") as handle:
            json.dump([sorted(d) for d in documents], handle)
        return [{"document_id": d["id"], "in_scope": self.scope_word in d["text"]} for d in documents]
'''


def test_model_class_gets_unlabelled_documents(gold_folder, tmp_path, monkeypatch, capsys):
    (tmp_path / "toy_system.py").write_text(textwrap.dedent(MODEL), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # --model imports from the working folder
    log, out = tmp_path / "seen.json", tmp_path / "r.json"
    assert main(["evaluate", "--model", "toy_system:KeywordSystem", "--model-arg", f"log={log}", "--gold-set", "gold",
                 "--n-resamples", "20", "--out", str(out), "--save-predictions", str(tmp_path / "saved.jsonl")]) == 0
    seen = json.loads(log.read_text())
    assert len(seen) == 4 and all("text" in fields and "topics" not in fields and "participants" not in fields for fields in seen)
    results = json.loads(out.read_text())
    assert results["predictions"]["source"] == "model toy_system:KeywordSystem"
    assert results["predictions"]["sha256"] == sha256_file(tmp_path / "saved.jsonl")
    assert results["metrics"]["scope.accuracy"]["value"] == 0.5  # only the Ukrainian document has the word


def test_model_output_is_validated_like_a_file(gold_folder, tmp_path, monkeypatch, capsys):
    (tmp_path / "bad_system.py").write_text(
        "class Bad:\n    def predict(self, documents):\n        return [{'document_id': d['id'], 'topics': ['cooking']} for d in documents]\n")
    monkeypatch.chdir(tmp_path)  # --model imports from the working folder
    assert main(["evaluate", "--model", "bad_system:Bad", "--gold-set", "gold", "--n-resamples", "10"]) == 2
    assert "--model bad_system:Bad, batch 1, prediction 1: $.topics[0]: unknown topic 'cooking'" in capsys.readouterr().err


COMMAND = '''
import json, sys
for line in sys.stdin:
    document = json.loads(line)
    print(json.dumps({"document_id": document["id"], "in_scope": document["language"] != "en"}))
'''


def test_command_reads_stdin_and_writes_stdout(gold_folder, tmp_path, capsys):
    script = tmp_path / "system.py"
    script.write_text(COMMAND, encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["evaluate", "--command", f"{sys.executable} {script}", "--gold-set", "gold", "--n-resamples", "20", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["metrics"]["scope.accuracy"]["value"] == 0.75


@pytest.mark.parametrize("body,extra,message", [
    ("import sys; sys.exit(3)", [], "exited with status 3"),
    ("import time; time.sleep(30)", ["--timeout", "0.5"], "no answer within 0.5 s"),
    ("print('{not json')", [], "batch 1, prediction 1: invalid JSON"),
])
def test_command_failures_exit_2(gold_folder, tmp_path, capsys, body, extra, message):
    script = tmp_path / "system.py"
    script.write_text(body, encoding="utf-8")
    assert main(["evaluate", "--command", f"{sys.executable} {script}", "--gold-set", "gold", "--n-resamples", "10", *extra]) == 2
    assert message in capsys.readouterr().err
