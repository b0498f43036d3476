"""Inter-annotator agreement on invented annotation sets, against hand-computed values."""

import copy
import doctest
import json
from pathlib import Path

import pytest

from readouts.agreement import agreement, agreement_by_language, nominal_alpha
from readouts.cli import main
from readouts.store import Annotation, save_annotation


def test_worked_examples_in_the_agreement_docs_run():
    """docs/agreement.md's examples are doctests, so the page cannot drift from the code."""
    page = Path(__file__).resolve().parents[1] / "docs" / "agreement.md"
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0


@pytest.fixture
def passes(repo, tiny_gold):
    """Pass 1 = the tiny gold. Pass 2 drops the 'sanctions' topic of the English call, labels the
    Ukrainian stance neutral instead of favor, judges the Russian note out of scope, and adds a document
    pass 1 lacks."""
    first = copy.deepcopy(tiny_gold)
    second = copy.deepcopy(tiny_gold)
    second["test-en-call1"]["topics"] = ["military_aid"]
    second["test-uk-note1"]["stance"][0]["label"] = "neutral"
    second["test-ru-note1"].update(in_scope=False, participants=[], stance=[], topics=[], contacts=[])
    extra = dict(copy.deepcopy(tiny_gold["test-uk-note1"]), document_id="test-uk-extra1")
    second["test-uk-extra1"] = extra
    folders = []
    for name, annotations in (("pass1", first), ("pass2", second)):
        for annotation in annotations.values():
            save_annotation(annotation, set_name=f"agreement/{name}")
        folders.append(repo / "annotations" / "agreement" / name)
    return folders, first, second


def _typed(annotations: dict) -> dict:
    return {doc: Annotation.from_dict(data) for doc, data in annotations.items()}


def test_hand_computed_agreement(passes):
    _, first, second = passes
    result = agreement(_typed(first), _typed(second))
    assert result["documents"] == {"common": 4, "only_a": 0, "only_b": 1, "both_in_scope": 2}
    # in scope: A (T, F, T, T), B (T, F, F, T): p_o = 3/4, p_e = 3/4*2/4 + 1/4*2/4 = 1/2, kappa = 1/2
    assert result["in_scope"] == {"agreement": 0.75, "cohen_kappa": 0.5}
    # direct participants: A 6, B 4 (all in A): F1 = 8/10; mentions A 7, B 5 exact: F1 = 10/12
    assert result["participants"]["f1"] == 0.8
    assert result["participants"]["precision"] == 1.0 and result["participants"]["recall"] == pytest.approx(4 / 6, abs=1e-6)
    assert result["spans"] == {"strict_f1": pytest.approx(10 / 12, abs=1e-6), "partial_f1": pytest.approx(10 / 12, abs=1e-6)}
    # topics on the 2 documents both in scope x 19 labels = 38 units, one disagreement; values: five 1s, 71 0s
    # D_o = 2/76, D_e = 2*71*5/(76*75), alpha = 1 - D_o/D_e
    assert result["topics"]["alpha"] == pytest.approx(1 - (2 / 76) / (710 / 5700), abs=1e-6)
    assert result["topics"]["alpha_per_label"]["military_aid"] == 1.0
    assert result["topics"]["alpha_per_label"]["sanctions"] == 0.0  # A (1, 0), B (0, 0): D_o = D_e = 1/2
    assert result["topics"]["alpha_per_label"]["nato"] is None  # never used: undefined
    # stance: shared pairs (biden, sanctions) favor/favor and (zelenskyy, ukraine) favor/neutral -> alpha 0
    assert result["stance"]["shared_pairs"] == 2 and result["stance"]["alpha"] == 0.0
    assert result["stance"]["triple_f1"] == pytest.approx(2 * 1 / (2 + 1 + 2), abs=1e-6)  # tp 1, fp 1, fn 2


def test_identical_sets_agree_perfectly(passes):
    _, first, _ = passes
    result = agreement(_typed(first), _typed(first))
    assert result["in_scope"] == {"agreement": 1.0, "cohen_kappa": 1.0}
    assert result["participants"]["f1"] == 1.0 and result["spans"]["strict_f1"] == 1.0
    assert result["topics"]["alpha"] == 1.0
    assert result["stance"] == {"shared_pairs": 3, "alpha": 1.0, "triple_f1": 1.0}  # favor, favor, against


def test_nominal_alpha_matches_a_hand_computation():
    # units (0,0) (0,1) (1,1) (2,2): value counts 3, 3, 2; n = 8; D_o = 2/8; D_e = 2*(3*3 + 3*2 + 3*2)/(8*7) = 42/56
    assert nominal_alpha([0, 0, 1, 2], [0, 1, 1, 2]) == pytest.approx(1 - (2 / 8) / (42 / 56))
    assert nominal_alpha([], []) is None


def test_no_common_documents_is_an_input_error(repo, tiny_gold):
    from readouts.errors import InputError

    with pytest.raises(InputError, match="no document in common"):
        agreement(_typed({"test-en-call1": tiny_gold["test-en-call1"]}), _typed({"test-uk-note1": tiny_gold["test-uk-note1"]}))


def test_cli_table_json_and_out(passes, tmp_path, capsys):
    (folder_a, folder_b), _, _ = passes
    out = tmp_path / "agreement.json"
    assert main(["agreement", str(folder_a), str(folder_b), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Cohen kappa" in printed and "0.500" in printed and "n/a" in printed
    assert json.loads(out.read_text())["in_scope"]["cohen_kappa"] == 0.5
    assert main(["agreement", "agreement/pass1", "agreement/pass2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["participants"]["f1"] == 0.8
    assert main(["agreement", str(folder_a), str(tmp_path / "nowhere")]) == 2


def test_by_language_splits_the_common_documents(passes, capsys):
    """Each language gets its own figures, equal to running the comparison on that language alone."""
    _, first, second = passes
    a, b = _typed(first), _typed(second)
    result = agreement_by_language(a, b)
    languages = {doc.split("-")[1] for doc in a.keys() & b.keys()}
    assert set(result["by_language"]) == languages and len(languages) > 1
    for language, figures in result["by_language"].items():
        keep = [doc for doc in a.keys() & b.keys() if doc.split("-")[1] == language]
        assert figures == agreement({d: a[d] for d in keep}, {d: b[d] for d in keep})
    assert {k: v for k, v in result.items() if k != "by_language"} == agreement(a, b)
    assert main(["agreement", "agreement/pass1", "agreement/pass2", "--by-language"]) == 0
    printed = capsys.readouterr().out
    assert "by language" in printed and all(language in printed for language in languages)


def test_agreement_on_documents_without_participants_is_none_not_nan():
    """Metrics now return NaN when nothing is there to compare; the report must stay strict JSON."""
    import json

    from readouts.agreement import agreement
    from readouts.store import Annotation
    from conftest import annotate, tiny_document

    document = tiny_document("test-en-other1")
    empty = Annotation.from_dict(annotate(document, in_scope=False))
    result = agreement({document["id"]: empty}, {document["id"]: empty})
    assert result["participants"]["f1"] is None and result["in_scope"]["agreement"] == 1.0
    json.dumps(result, allow_nan=False)
