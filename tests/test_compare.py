"""Paired bootstrap comparison of two systems."""

import pytest

from conftest import as_prediction, build_gold_set, replicate, write_jsonl
from readouts.cli import main
from readouts.evaluation.evaluate import Options, compare, evaluate
from readouts.store import save_annotation
from readouts.evaluation.submission import read_submission

OPTIONS = Options(n_resamples=500)


@pytest.fixture
def big(repo, tiny_documents, tiny_gold):
    """40 documents: 10 renamed copies of the four invented ones."""
    documents, annotations = replicate(tiny_documents, tiny_gold, 10)
    return build_gold_set(documents, annotations), annotations


def _submission(gold, records, path):
    return read_submission(write_jsonl(path, records), gold)


def test_identical_systems_differ_by_exactly_zero_on_every_resample(big, tmp_path):
    gold, annotations = big
    records = [as_prediction(a) for a in annotations.values()]
    records[0]["topics"] = []
    a = _submission(gold, records, tmp_path / "a.jsonl")
    b = _submission(gold, records, tmp_path / "b.jsonl")
    result = compare(gold, a, b, OPTIONS)
    for name, d in result["difference"].items():
        # paired: both systems see the same draws, so each resampled difference is 0 (unpaired it would not be)
        assert (d["value"], d["ci_low"], d["ci_high"], d["p_value"]) == (0, 0, 0, 1), name


def test_a_clearly_better_system_is_significant_and_the_sign_follows_the_order(big, tmp_path):
    gold, annotations = big
    perfect = [as_prediction(a) for a in annotations.values()]
    weak = [dict(record, participants=[], stance=[]) for record in perfect]
    a = _submission(gold, perfect, tmp_path / "a.jsonl")
    b = _submission(gold, weak, tmp_path / "b.jsonl")
    forward, backward = compare(gold, a, b, OPTIONS), compare(gold, b, a, OPTIONS)
    overall = forward["difference"]["overall"]
    # A: all headlines 1; B: topics 1, participants 0, stance 0 -> overall 1/3; difference 2/3
    assert overall["value"] == pytest.approx(2 / 3, abs=1e-6)
    assert overall["value"] == pytest.approx(evaluate(gold, a, OPTIONS)["metrics"]["overall"]["value"]
                                             - evaluate(gold, b, OPTIONS)["metrics"]["overall"]["value"], abs=1e-6)
    assert overall["ci_low"] > 0 and overall["p_value"] < 0.01
    assert forward["difference"]["topics.micro_f1"]["p_value"] == 1.0  # same topics: no difference
    mirrored = backward["difference"]["overall"]
    assert (mirrored["value"], mirrored["ci_low"], mirrored["ci_high"]) == pytest.approx((-overall["value"], -overall["ci_high"], -overall["ci_low"]))


def test_a_small_difference_is_not_significant(big, tmp_path):
    gold, annotations = big
    perfect = [as_prediction(a) for a in annotations.values()]
    slightly_worse = [dict(r) for r in perfect]
    slightly_worse[0] = dict(slightly_worse[0], topics=slightly_worse[0]["topics"][:1])
    result = compare(gold, _submission(gold, perfect, tmp_path / "a.jsonl"), _submission(gold, slightly_worse, tmp_path / "b.jsonl"), OPTIONS)
    overall = result["difference"]["overall"]
    assert overall["value"] > 0 and overall["ci_low"] <= 0 and overall["p_value"] > 0.05


def test_cli_compare(repo, tiny_gold, tmp_path, capsys):
    for annotation in tiny_gold.values():
        save_annotation(annotation)
    perfect = [as_prediction(a) for a in tiny_gold.values()]
    a = write_jsonl(tmp_path / "a.jsonl", perfect)
    b = write_jsonl(tmp_path / "b.jsonl", perfect[:2])
    out = tmp_path / "cmp.json"
    assert main(["compare", str(a), str(b), "--gold-set", "gold", "--n-resamples", "100", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "A - B" in printed and "overall" in printed
    assert out.read_text().count('"p_value"') == 4
    assert main(["compare", str(a), str(tmp_path / "none.jsonl"), "--gold-set", "gold"]) == 2


def test_compare_warns_about_missing_documents_per_side_and_names_board_systems(repo, tiny_gold, tmp_path, capsys):
    """Before: a side missing most documents was scored without a word, and both board files were called
    predictions.jsonl."""
    import json

    for annotation in tiny_gold.values():
        save_annotation(annotation)
    perfect = [as_prediction(a) for a in tiny_gold.values()]
    board = tmp_path / "board"
    for name, records in (("full", perfect), ("partial", perfect[:1])):
        (board / name).mkdir(parents=True)
        write_jsonl(board / name / "predictions.jsonl", records)
        (board / name / "metadata.json").write_text(json.dumps({
            "system_name": f"System {name}", "authors": ["T. Tester"], "url": "", "description": "invented",
            "date": "2026-11-21", "release": "v0.2.0", "setting": "standard", "split": "test"}), encoding="utf-8")
    out = tmp_path / "cmp.json"
    assert main(["compare", str(board / "full" / "predictions.jsonl"), str(board / "partial" / "predictions.jsonl"),
                 "--gold-set", "gold", "--n-resamples", "50", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "A = System full, B = System partial" in printed
    assert "warning: B has no prediction for 3 of 4 documents" in printed and "warning: A" not in printed
    result = json.loads(out.read_text())
    assert (result["a"]["missing"], result["b"]["missing"]) == (0, 3) and len(result["b"]["missing_ids"]) == 3
