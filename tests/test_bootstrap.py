"""The vectorised bootstrap against a plain loop over resampled document lists, for the statistics that
are not simple sums (the document-averaged stance F1, overall over the applicable headlines)."""

import random

import numpy as np

from readouts.evaluation.bootstrap import bootstrap_samples, percentile_interval, resample_weights
from readouts.evaluation.scoring import DocLabels, count_matrix, document_counts, metric_values


def _random_stance(rng: random.Random) -> dict:
    pairs = {(rng.choice("abc"), rng.choice("tuv")) for _ in range(rng.randint(0, 4))}
    return {pair: rng.choice(("favor", "against", "neutral")) for pair in pairs}


def _naive_document_f1(documents: list[tuple[dict, dict]]) -> float:
    """The definition in docs/evaluation.md, written out: mean over documents with any triple of that
    document's triple F1."""
    scores = []
    for gold, predicted in documents:
        gold_triples, predicted_triples = set(gold.items()), set(predicted.items())
        if gold_triples or predicted_triples:
            tp = len(gold_triples & predicted_triples)
            scores.append(2 * tp / (len(gold_triples) + len(predicted_triples)))
    return sum(scores) / len(scores) if scores else float("nan")


def test_vectorised_resamples_compute_the_document_averaged_stance_f1():
    rng = random.Random(7)
    documents = [(_random_stance(rng), _random_stance(rng)) for _ in range(23)]
    counts = count_matrix([document_counts(DocLabels(stance=g), DocLabels(stance=p), ["x"]) for g, p in documents])
    samples = bootstrap_samples([counts], metric_values, 300, seed=11)[0]["stance.document_triple_f1"]
    draws = np.concatenate(list(resample_weights(len(documents), 300, seed=11))).astype(int)
    expected = [_naive_document_f1([documents[i] for i in range(len(documents)) for _ in range(row[i])]) for row in draws]
    np.testing.assert_allclose(samples, expected)


def test_intervals_ignore_resamples_where_a_metric_is_not_applicable():
    assert percentile_interval(np.array([np.nan, 0.5, 0.5, np.nan]), 0.95) == (0.5, 0.5)
    assert all(np.isnan(percentile_interval(np.array([np.nan, np.nan]), 0.95)))


def test_role_accuracy_of_a_perfect_system_is_one_on_every_resample_where_it_applies():
    """Before: resamples without a matched actor scored 0, so a perfect system got [0.000, 1.000]."""
    matched = DocLabels(direct={"a": ("diplomat", "USA")})
    documents = [(matched, matched)] + [(DocLabels(), DocLabels())] * 5
    counts = count_matrix([document_counts(g, p, ["x"]) for g, p in documents])
    samples = bootstrap_samples([counts], metric_values, 400, seed=1)[0]["participants.role_type_accuracy"]
    assert np.isnan(samples).any()  # some resamples never draw the one document with a participant
    assert percentile_interval(samples, 0.95) == (1.0, 1.0)
