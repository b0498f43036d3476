"""Metric formulas: pure functions of counts, vectorised with numpy so that one call scores every
bootstrap resample at once (counts may carry leading resample axes).

Not-applicable rule, everywhere: a ratio whose denominator is 0 is not applicable and comes out as NaN
(reported as null, shown as "–"), never as 0 or 1. Precision with no predictions, recall with nothing in
gold, F1 with nothing in gold and nothing predicted, an accuracy over no items: all NaN (scikit-learn's
``zero_division=np.nan``). A perfect system on a group of documents with nothing to find is therefore not
scored 0. Macro averages leave out the labels that have no gold and no predicted item in the documents
being scored (their F1 is undefined, and counting them as 0 or 1 would reward or punish a system for
labels the data never asks about); with no such label left the average is NaN too.
"""

import math
from collections import Counter
from typing import Iterable, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer


def ratio(numerator, denominator) -> np.ndarray:
    """``numerator / denominator`` elementwise, NaN (not applicable) where the denominator is 0.

    >>> ratio([1, 1], [2, 0]).tolist()
    [0.5, nan]
    """
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.full(np.broadcast_shapes(numerator.shape, denominator.shape), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def precision(tp, fp) -> np.ndarray:
    return ratio(tp, np.add(tp, fp))


def recall(tp, fn) -> np.ndarray:
    return ratio(tp, np.add(tp, fn))


def f1(tp, fp, fn) -> np.ndarray:
    """F1 = 2·tp / (2·tp + fp + fn), the harmonic mean of precision and recall.

    >>> float(f1(3, 1, 2))  # P = 3/4, R = 3/5
    0.6666666666666666
    >>> float(f1(0, 0, 0))  # nothing in gold, nothing predicted: not applicable
    nan
    >>> float(f1(0, 2, 0))  # nothing in gold, two false positives
    0.0
    """
    tp = np.asarray(tp, dtype=float)
    return ratio(2 * tp, 2 * tp + np.add(fp, fn))


def macro_f1(tp, fp, fn) -> np.ndarray:
    """Unweighted mean of per-label F1 over the last axis, leaving out labels with tp = fp = fn = 0.

    >>> float(macro_f1([1, 0, 0], [0, 1, 0], [0, 0, 0]))  # labels: perfect, spurious, absent
    0.5
    >>> float(macro_f1([0, 0], [0, 0], [0, 0]))  # no label occurs at all
    nan
    """
    tp, fp, fn = (np.asarray(x, dtype=float) for x in (tp, fp, fn))
    present = (tp + fp + fn) > 0
    return ratio(np.where(present, f1(tp, fp, fn), 0).sum(axis=-1), present.sum(axis=-1))


def span_f1(correct, partial, n_gold, n_predicted, partial_weight: float = 0.5) -> np.ndarray:
    """Span F1 in the SemEval-2013 Task 9.1 scheme: precision = (COR + w·PAR) / ACT and recall =
    (COR + w·PAR) / POS, with ACT the predicted and POS the gold spans, so F1 = 2(COR + w·PAR) / (ACT + POS).
    Strict mode passes ``partial=0``.

    >>> float(span_f1(correct=2, partial=1, n_gold=4, n_predicted=3))  # (2 + 0.5) · 2 / 7
    0.7142857142857143
    """
    matched = np.asarray(correct, dtype=float) + partial_weight * np.asarray(partial, dtype=float)
    return ratio(2 * matched, np.add(n_gold, n_predicted))


Span = tuple[int, int, str]  # start, end (exclusive), the actor the mention refers to


def match_spans(gold: Iterable[Span], predicted: Iterable[Span]) -> tuple[int, int, int]:
    """Match the mention spans of one document; returns ``(strict, exact, partial)`` counts.

    - strict: predicted spans with the same offsets *and* actor as a gold span (one-to-one).
    - exact: predicted spans with the same offsets as a gold span, whatever the actor (one-to-one).
    - partial: of the spans left after exact matching, each predicted span in text order takes the first
      unused gold span it overlaps (they share at least one character).

    >>> match_spans([(0, 5, "a"), (10, 15, "b"), (20, 25, "c")], [(0, 5, "a"), (10, 15, "c"), (22, 30, "c"), (40, 41, "a")])
    (1, 2, 1)
    """
    gold, predicted = list(gold), list(predicted)
    strict = sum((Counter(gold) & Counter(predicted)).values())
    gold_bounds = Counter((s, e) for s, e, _ in gold)
    predicted_bounds = Counter((s, e) for s, e, _ in predicted)
    exact_counter = gold_bounds & predicted_bounds
    free_gold = sorted((gold_bounds - exact_counter).elements())
    used = [False] * len(free_gold)
    partial = 0
    for start, end in sorted((predicted_bounds - exact_counter).elements()):
        for index, (g_start, g_end) in enumerate(free_gold):
            if not used[index] and g_start < end and start < g_end:
                used[index] = True
                partial += 1
                break
    return strict, sum(exact_counter.values()), partial


def topic_scores(gold: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]], labels: Sequence[str]) -> dict:
    """Point estimates of the topic metrics with scikit-learn: micro and macro P/R/F1 over the label set
    of each document, and per-label P/R/F1 with gold support. Macro leaves out labels absent from gold and
    predictions (see the module docstring).

    >>> scores = topic_scores([{"a", "b"}, {"a"}], [{"a"}, {"a", "c"}], ["a", "b", "c", "d"])
    >>> round(scores["micro"]["f1"], 4), round(scores["macro"]["f1"], 4)  # tp=2 fp=1 fn=1; F1 a=1, b=0, c=0
    (0.6667, 0.3333)
    """
    binarizer = MultiLabelBinarizer(classes=list(labels))
    y_true = binarizer.fit_transform([set(x) for x in gold])
    y_pred = binarizer.transform([set(x) for x in predicted])
    present = [i for i in range(len(labels)) if y_true[:, i].any() or y_pred[:, i].any()]
    out = {}
    for average, columns in (("micro", list(range(len(labels)))), ("macro", present)):
        if not columns:
            out[average] = {"precision": math.nan, "recall": math.nan, "f1": math.nan}
            continue
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=columns, average=average, zero_division=np.nan)
        out[average] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=np.nan)
    out["per_label"] = {label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(support[i])}
                        for i, label in enumerate(labels)}
    return out


def scope_scores(gold: Sequence[bool], predicted: Sequence[bool]) -> dict:
    """Accuracy and F1 of the in-scope decision (positive class: in scope), with scikit-learn.

    >>> scope_scores([True, True, False, False], [True, False, False, True])
    {'accuracy': 0.5, 'f1': 0.5}
    """
    return {"accuracy": float(accuracy_score(gold, predicted)),
            "f1": float(f1_score(gold, predicted, pos_label=True, zero_division=np.nan))}
