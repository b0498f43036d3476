"""Per-document results (--per-document) and `readouts explain`."""

import json

import pytest

from conftest import as_prediction, write_jsonl
from readouts.cli import main
from readouts.store import save_annotation


@pytest.fixture
def per_document(repo, tiny_gold, tmp_path):
    for annotation in tiny_gold.values():
        save_annotation(annotation)
    records = [as_prediction(a) for a in tiny_gold.values() if a["document_id"] != "test-uk-note1"]
    call = next(r for r in records if r["document_id"] == "test-en-call1")
    call["topics"] = ["military_aid", "nato"]  # sanctions missed, nato spurious
    call["stance"] = [dict(call["stance"][0], label="against")]
    path = tmp_path / "per-doc.jsonl"
    assert main(["evaluate", str(write_jsonl(tmp_path / "p.jsonl", records)), "--gold-set", "gold", "--n-resamples", "10",
                 "--per-document", str(path)]) == 0
    return path


def test_per_document_file_has_gold_prediction_and_counts(per_document):
    records = {r["document_id"]: r for r in map(json.loads, per_document.read_text().splitlines())}
    assert sorted(records) == ["test-en-call1", "test-en-other1", "test-ru-note1", "test-uk-note1"]
    call = records["test-en-call1"]
    assert call["counts"]["topics"] == {"tp": ["military_aid"], "fp": ["nato"], "fn": ["sanctions"]}
    assert call["counts"]["stance"] == {"tp": 0, "fp": 1, "fn": 1, "document_f1": 0.0}
    assert call["counts"]["participants"]["tp"] == 2 and call["counts"]["spans"]["strict"] == 3
    assert call["gold_labels"]["stance"] == [{"holder": "joe-biden", "target": "sanctions_on_russia", "label": "favor"}]
    missing = records["test-uk-note1"]
    assert missing["predicted"] is False and missing["counts"]["participants"]["fn"] == 2
    assert records["test-en-other1"]["counts"]["stance"]["document_f1"] is None  # nothing on either side: not applicable


def test_explain_shows_one_document_side_by_side_with_its_text(per_document, capsys):
    capsys.readouterr()
    assert main(["explain", str(per_document), "test-en-call1"]) == 0
    shown = capsys.readouterr().out
    assert "- sanctions" in shown and "+ nato" in shown and "= military_aid" in shown
    assert "- joe-biden -> sanctions_on_russia: favor" in shown and "+ joe-biden -> sanctions_on_russia: against" in shown
    assert "'Joe Biden' joe-biden" in shown  # the words under the mention, from the corpus
    assert "President Joe Biden spoke by phone" in shown


def test_explain_without_the_corpus_and_bad_input(per_document, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("READOUTS_CORPUS", str(tmp_path / "absent.jsonl"))
    assert main(["explain", str(per_document), "test-uk-note1"]) == 0
    shown = capsys.readouterr().out
    assert "no prediction (scored as empty)" in shown and "text not shown" in shown
    assert main(["explain", str(per_document), "nosuch-doc"]) == 2
    assert "no document 'nosuch-doc'" in capsys.readouterr().err
    assert main(["explain", str(tmp_path / "p.jsonl"), "test-en-call1"]) == 2
    assert "not a per-document results file" in capsys.readouterr().err
