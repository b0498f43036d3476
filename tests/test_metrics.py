"""Metric formulas against hand-computed values, the zero-division rule, and the docs' worked examples."""

import doctest
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from sklearn.metrics import precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

import readouts.evaluation.metrics as metrics
from readouts.evaluation.metrics import f1, macro_f1, match_spans, precision, recall, scope_scores, span_f1, topic_scores
from readouts.evaluation.scoring import DocLabels, count_matrix, document_counts, metric_values, totals

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_module_doctests_pass():
    result = doctest.testmod(metrics)
    assert result.attempted >= 8 and result.failed == 0


def test_worked_examples_in_the_evaluation_docs_run():
    """The worked examples in docs/evaluation.md are doctests: the docs cannot drift from the code."""
    result = doctest.testfile(str(DOCS / "evaluation.md"), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0


def test_prf_hand_computed():
    # tp=2, fp=1, fn=3: P = 2/3, R = 2/5, F1 = 2*2/(4+1+3) = 0.5
    assert precision(2, 1) == pytest.approx(2 / 3)
    assert recall(2, 3) == pytest.approx(0.4)
    assert f1(2, 1, 3) == pytest.approx(0.5)


NA = None  # not applicable: NaN from the functions


@pytest.mark.parametrize("tp,fp,fn,expected", [(0, 0, 0, (NA, NA, NA)), (0, 2, 0, (0, NA, 0)), (0, 0, 2, (NA, 0, 0)), (1, 0, 0, (1, 1, 1))])
def test_a_zero_denominator_is_not_applicable(tp, fp, fn, expected):
    values = (float(precision(tp, fp)), float(recall(tp, fn)), float(f1(tp, fp, fn)))
    assert tuple(None if np.isnan(v) else v for v in values) == expected


def test_functions_are_vectorised_over_resamples():
    tp, fp, fn = np.array([[1, 0], [2, 2]]), np.array([[1, 0], [0, 0]]), np.array([[0, 1], [0, 2]])
    np.testing.assert_allclose(f1(tp, fp, fn), [[2 / 3, 0.0], [1.0, 2 / 3]])  # 4/(4+0+2) = 2/3
    # macro over the last axis: row 0 labels F1 = 2/3 and 0 -> 1/3; row 1: 1 and 2/3 -> 5/6
    assert macro_f1(tp, fp, fn).tolist() == pytest.approx([1 / 3, 5 / 6])


def test_macro_f1_leaves_out_labels_with_no_gold_and_no_prediction():
    assert float(macro_f1([2, 0, 0], [0, 0, 0], [0, 0, 0])) == 1.0
    assert np.isnan(macro_f1([0, 0], [0, 0], [0, 0]))


def test_span_matching_strict_exact_partial():
    gold = [(0, 10, "a"), (20, 30, "b"), (40, 50, "c"), (60, 70, "d")]
    predicted = [(0, 10, "a"),  # strict and exact
                 (20, 30, "x"),  # exact offsets, wrong actor
                 (45, 55, "c"),  # overlaps (40, 50): partial
                 (48, 49, "c"),  # would overlap (40, 50) but it is taken: spurious
                 (80, 90, "d")]  # spurious; (60, 70) is missed
    assert match_spans(gold, predicted) == (1, 2, 1)
    # strict F1 = 2*1/(4+5); partial F1 = 2*(2 + 0.5*1)/(4+5)
    assert float(span_f1(1, 0, 4, 5)) == pytest.approx(2 / 9)
    assert float(span_f1(2, 1, 4, 5)) == pytest.approx(5 / 9)


def test_span_matching_is_one_to_one():
    assert match_spans([(0, 5, "a")], [(0, 5, "a"), (0, 5, "a")]) == (1, 1, 0)
    assert match_spans([(0, 5, "a"), (0, 5, "a")], [(0, 5, "a")]) == (1, 1, 0)
    assert match_spans([], []) == (0, 0, 0)
    assert match_spans([(0, 5, "a")], [(5, 9, "a")]) == (0, 0, 0)  # touching is not overlapping


def test_topic_scores_hand_computed():
    # doc1 gold {a,b} pred {a}; doc2 gold {c} pred {c,d}; label e absent everywhere
    scores = topic_scores([{"a", "b"}, {"c"}], [{"a"}, {"c", "d"}], ["a", "b", "c", "d", "e"])
    # micro: tp=2 fp=1 fn=1 -> 2/3 ; macro over a,b,c,d: (1 + 0 + 1 + 0)/4 = 0.5 (e left out)
    assert scores["micro"]["f1"] == pytest.approx(2 / 3)
    assert scores["macro"]["f1"] == pytest.approx(0.5)
    assert scores["per_label"]["b"] == {"precision": pytest.approx(np.nan, nan_ok=True), "recall": 0.0, "f1": 0.0, "support": 1}
    assert scores["per_label"]["e"]["support"] == 0 and np.isnan(scores["per_label"]["e"]["f1"])


def test_scope_scores_hand_computed():
    # tp=1 fp=1 fn=2 tn=1 -> accuracy 2/5, F1 = 2/(2+1+2)
    result = scope_scores([True, True, True, False, False], [True, False, False, True, False])
    assert result == {"accuracy": pytest.approx(0.4), "f1": pytest.approx(0.4)}


def test_stance_pair_metrics_hand_computed():
    gold = DocLabels(stance={("a", "t1"): "favor", ("a", "t2"): "against", ("b", "t1"): "neutral"})
    predicted = DocLabels(stance={("a", "t1"): "favor", ("a", "t2"): "neutral", ("c", "t3"): "favor"})
    counts = count_matrix([document_counts(gold, predicted, ["x"])])
    values = metric_values(totals(counts, np.ones((1, 1))))
    # triples: tp=1 (a,t1,favor), fp=2, fn=2 -> F1 = 2/(2+2+2)
    assert values["stance.triple_f1"][0] == pytest.approx(1 / 3)
    # on gold pairs: favor tp=1; against fn=1; neutral fp=1 (a,t2 predicted neutral), fn=1 (b,t1 missing)
    # F1 favor 1, against 0, neutral 0 -> macro 1/3, F_avg (favor, against) = 0.5
    assert values["stance.macro_f1"][0] == pytest.approx(1 / 3)
    assert values["stance.f_avg"][0] == pytest.approx(0.5)


def test_participant_metrics_hand_computed():
    gold = DocLabels(direct={"a": ("head_of_state", "UKR"), "b": ("foreign_minister", "USA")})
    predicted = DocLabels(direct={"a": ("head_of_state", "RUS"), "b": ("diplomat", "USA"), "c": (None, None)})
    values = metric_values(totals(count_matrix([document_counts(gold, predicted, ["x"])]), np.ones((1, 1))))
    assert values["participants.f1"][0] == pytest.approx(0.8)  # tp 2, fp 1, fn 0
    assert values["participants.role_type_accuracy"][0] == pytest.approx(0.5)
    assert values["participants.affiliation_accuracy"][0] == pytest.approx(0.5)


labelsets = st.lists(st.sets(st.sampled_from("abcde")), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(gold=labelsets, data=st.data())
def test_count_path_agrees_with_scikit_learn(gold, data):
    """The bootstrap sums count matrices; on the full sample it must equal scikit-learn's answer."""
    predicted = data.draw(st.lists(st.sets(st.sampled_from("abcde")), min_size=len(gold), max_size=len(gold)))
    labels = list("abcde")
    counts = count_matrix([document_counts(DocLabels(topics=frozenset(g)), DocLabels(topics=frozenset(p)), labels)
                           for g, p in zip(gold, predicted)])
    values = metric_values(totals(counts, np.ones((1, len(gold)))))
    reference = topic_scores(gold, predicted, labels)
    assert values["topics.micro_f1"][0] == pytest.approx(reference["micro"]["f1"], nan_ok=True)
    assert values["topics.macro_f1"][0] == pytest.approx(reference["macro"]["f1"], nan_ok=True)
    binarizer = MultiLabelBinarizer(classes=labels)
    _, _, f, _ = precision_recall_fscore_support(binarizer.fit_transform(gold), binarizer.transform(predicted),
                                                 average=None, zero_division=np.nan)
    summed = [counts.column(name).sum(0) for name in ("topics.tp", "topics.fp", "topics.fn")]
    assert metrics.f1(*summed) == pytest.approx(f, nan_ok=True)


def _values(pairs, labels=("x",)):
    counts = count_matrix([document_counts(gold, predicted, list(labels)) for gold, predicted in pairs])
    return {name: float(value[0]) for name, value in metric_values(totals(counts, np.ones((1, len(pairs))))).items()}


def test_stance_headline_averages_documents_so_one_joint_statement_does_not_dominate():
    """A 12-leader joint statement (60 triples, all found) and ten one-triple documents (all missed): the
    micro F1 is carried by the statement; the document average gives each document one vote."""
    leaders = [f"leader{i}" for i in range(12)]
    joint = {(holder, f"t{k}"): "favor" for holder in leaders for k in range(5)}
    pairs = [(DocLabels(stance=joint), DocLabels(stance=joint))]
    pairs += [(DocLabels(stance={("a", "t"): "favor"}), DocLabels(stance={("a", "t"): "against"})) for _ in range(10)]
    values = _values(pairs)
    assert values["stance.triple_f1"] == pytest.approx(2 * 60 / (120 + 10 + 10))  # micro: 0.857
    assert values["stance.document_triple_f1"] == pytest.approx(1 / 11)  # one perfect document in eleven


def test_documents_without_any_triple_are_left_out_of_the_stance_average():
    empty = (DocLabels(), DocLabels())
    half = (DocLabels(stance={("a", "t"): "favor", ("b", "t"): "favor"}), DocLabels(stance={("a", "t"): "favor"}))
    assert _values([half, empty, empty])["stance.document_triple_f1"] == pytest.approx(2 / 3)
    assert np.isnan(_values([empty, empty])["stance.document_triple_f1"])
    spurious = (DocLabels(), DocLabels(stance={("a", "t"): "favor"}))  # a prediction alone makes the document count
    assert _values([half, spurious])["stance.document_triple_f1"] == pytest.approx(1 / 3)


def test_overall_averages_the_headlines_that_apply():
    """A perfect system on documents with topics but no participants or stance: overall 1, not 1/3."""
    topics_only = DocLabels(in_scope=True, topics=frozenset("a"))
    values = _values([(topics_only, topics_only)], labels="ab")
    assert np.isnan(values["participants.f1"]) and np.isnan(values["stance.document_triple_f1"])
    assert values["overall"] == 1.0
    assert np.isnan(_values([(DocLabels(), DocLabels())])["overall"])
