"""From labels to counts to metrics. Each document becomes a row of counts (true positives, false
positives, ... per layer); every metric is a function of the column sums. Summing rows with bootstrap
weights (``weights @ counts``) then scores thousands of resamples with one matrix product.

Rules that apply to every layer:
- A document of the split that has no prediction is scored as an empty prediction (out of scope, no
  participants, stance or topics).
- Out-of-scope gold documents have empty layers, so anything predicted on them is a false positive.
- The predicted layers are scored as given, whatever the predicted ``in_scope`` flag says.
"""

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from . import metrics
from ..store import Annotation

STANCE_LABELS = ("favor", "against", "neutral")


@dataclass(frozen=True)
class DocLabels:
    """The scored content of one document, from a gold annotation or a prediction."""

    in_scope: bool = False
    topics: frozenset = frozenset()
    direct: Mapping[str, tuple] = field(default_factory=dict)  # actor_id -> (role_type, affiliation) of direct participants
    mentions: tuple = ()  # (start, end, actor_id) of every participant's mentions
    stance: Mapping[tuple, str] = field(default_factory=dict)  # (holder, target) -> label

    @classmethod
    def from_annotation(cls, annotation: Annotation) -> "DocLabels":
        return cls(
            in_scope=annotation.in_scope,
            topics=frozenset(annotation.topics),
            direct={p.actor_id: (p.role_type, p.affiliation) for p in annotation.direct_participants()},
            mentions=tuple((m.start, m.end, p.actor_id) for p in annotation.participants for m in p.mentions),
            stance={(s.holder, s.target): s.label for s in annotation.stance},
        )

    @classmethod
    def from_prediction(cls, prediction: dict | None) -> "DocLabels":
        """A validated prediction; ``None`` (no line for the document) is the empty prediction. When
        ``in_scope`` is left out it is true if any layer is non-empty."""
        prediction = prediction or {}
        participants = prediction.get("participants", [])
        stance = prediction.get("stance", [])
        topics = prediction.get("topics", [])
        return cls(
            in_scope=prediction.get("in_scope", bool(participants or stance or topics)),
            topics=frozenset(topics),
            direct={p["actor_id"]: (p.get("role_type"), p.get("affiliation")) for p in participants if p["participation"] == "direct"},
            mentions=tuple((int(m["start"]), int(m["end"]), p["actor_id"]) for p in participants for m in p["mentions"]),
            stance={(s["holder"], s["target"]): s["label"] for s in stance},
        )


def document_counts(gold: DocLabels, predicted: DocLabels, topic_labels: Sequence[str]) -> dict[str, np.ndarray | int]:
    """The counts of one document, by column name (topic and stance-class columns are vectors)."""
    in_topics = np.array([label in gold.topics for label in topic_labels], dtype=bool)
    out_topics = np.array([label in predicted.topics for label in topic_labels], dtype=bool)
    gold_direct, pred_direct = gold.direct, predicted.direct
    matched = gold_direct.keys() & pred_direct.keys()
    strict, exact, partial = metrics.match_spans(gold.mentions, predicted.mentions)
    gold_stance, pred_stance = gold.stance, predicted.stance
    gold_triples, pred_triples = set(gold_stance.items()), set(pred_stance.items())
    pair_tp, pair_fp, pair_fn = (np.zeros(len(STANCE_LABELS), dtype=int) for _ in range(3))
    for pair, label in gold_stance.items():  # stance classification on the gold holder-target pairs
        guess = pred_stance.get(pair)
        if guess == label:
            pair_tp[STANCE_LABELS.index(label)] += 1
        else:
            pair_fn[STANCE_LABELS.index(label)] += 1
            if guess is not None:
                pair_fp[STANCE_LABELS.index(guess)] += 1
    return {
        "scope.tp": int(gold.in_scope and predicted.in_scope), "scope.fp": int(predicted.in_scope and not gold.in_scope),
        "scope.fn": int(gold.in_scope and not predicted.in_scope), "scope.tn": int(not gold.in_scope and not predicted.in_scope),
        "topics.tp": (in_topics & out_topics).astype(int), "topics.fp": (~in_topics & out_topics).astype(int),
        "topics.fn": (in_topics & ~out_topics).astype(int),
        "participants.tp": len(matched), "participants.fp": len(pred_direct.keys() - matched),
        "participants.fn": len(gold_direct.keys() - matched),
        "participants.role_correct": sum(gold_direct[a][0] == pred_direct[a][0] for a in matched),
        "participants.affiliation_correct": sum(gold_direct[a][1] == pred_direct[a][1] for a in matched),
        "spans.gold": len(gold.mentions), "spans.predicted": len(predicted.mentions),
        "spans.strict": strict, "spans.exact": exact, "spans.partial": partial,
        "stance.tp": len(gold_triples & pred_triples), "stance.fp": len(pred_triples - gold_triples),
        "stance.fn": len(gold_triples - pred_triples),
        # this document's triple F1 (0 when it has no triple) and whether it counts in the document average
        "stance.document_f1": _triple_f1(gold_triples, pred_triples), "stance.documents": int(bool(gold_triples or pred_triples)),
        "stance_pairs.tp": pair_tp, "stance_pairs.fp": pair_fp, "stance_pairs.fn": pair_fn,
    }


def _triple_f1(gold: set, predicted: set) -> float:
    """One document's stance triple F1; 0 when it has no gold and no predicted triple (such a document is
    left out of the document average through its ``stance.documents`` count of 0)."""
    if not gold and not predicted:
        return 0.0
    return float(metrics.f1(len(gold & predicted), len(predicted - gold), len(gold - predicted)))


@dataclass(frozen=True)
class Counts:
    """Per-document counts as one (documents × columns) matrix, so that summing every column for a
    block of resamples is a single matrix product. ``layout`` maps a count name to its columns."""

    matrix: np.ndarray
    layout: Mapping[str, tuple[slice, bool]]  # name -> (columns, is a vector per document)

    def __len__(self) -> int:
        return self.matrix.shape[0]

    def rows(self, index: Sequence[int]) -> "Counts":
        return Counts(self.matrix[np.asarray(index, dtype=int)], self.layout)

    def column(self, name: str) -> np.ndarray:
        columns, vector = self.layout[name]
        return self.matrix[:, columns] if vector else self.matrix[:, columns.start]


def count_matrix(rows: Sequence[dict]) -> Counts:
    """Stack per-document counts (scalars or vectors by name) into a Counts matrix."""
    if not rows:
        raise ValueError("no documents to score")
    layout, start = {}, 0
    for name, value in rows[0].items():
        width = np.size(value)
        layout[name] = (slice(start, start + width), np.ndim(value) > 0)
        start += width
    matrix = np.array([np.concatenate([np.ravel(row[name]) for name in layout]) for row in rows], dtype=float)
    return Counts(matrix, layout)


def totals(counts: Counts, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Weighted column sums: ``weights`` is (resamples, documents); each result is (resamples,) or
    (resamples, k)."""
    summed = weights @ counts.matrix
    return {name: summed[:, columns] if vector else summed[:, columns.start] for name, (columns, vector) in counts.layout.items()}


Totals = Mapping[str, np.ndarray]


def _stance_pairs(t: Totals):
    """Per-class counts on the gold holder-target pairs; the last axis is favor, against, neutral."""
    return t["stance_pairs.tp"], t["stance_pairs.fp"], t["stance_pairs.fn"]


# Every reported metric as a function of the totals; HEADLINES make up "overall".
METRICS: dict[str, Callable[[Totals], np.ndarray]] = {
    "topics.micro_f1": lambda t: metrics.f1(t["topics.tp"].sum(-1), t["topics.fp"].sum(-1), t["topics.fn"].sum(-1)),
    "topics.micro_precision": lambda t: metrics.precision(t["topics.tp"].sum(-1), t["topics.fp"].sum(-1)),
    "topics.micro_recall": lambda t: metrics.recall(t["topics.tp"].sum(-1), t["topics.fn"].sum(-1)),
    "topics.macro_f1": lambda t: metrics.macro_f1(t["topics.tp"], t["topics.fp"], t["topics.fn"]),
    "participants.f1": lambda t: metrics.f1(t["participants.tp"], t["participants.fp"], t["participants.fn"]),
    "participants.precision": lambda t: metrics.precision(t["participants.tp"], t["participants.fp"]),
    "participants.recall": lambda t: metrics.recall(t["participants.tp"], t["participants.fn"]),
    "participants.role_type_accuracy": lambda t: metrics.ratio(t["participants.role_correct"], t["participants.tp"]),
    "participants.affiliation_accuracy": lambda t: metrics.ratio(t["participants.affiliation_correct"], t["participants.tp"]),
    "spans.strict_f1": lambda t: metrics.span_f1(t["spans.strict"], 0, t["spans.gold"], t["spans.predicted"]),
    "spans.partial_f1": lambda t: metrics.span_f1(t["spans.exact"], t["spans.partial"], t["spans.gold"], t["spans.predicted"]),
    "stance.document_triple_f1": lambda t: metrics.ratio(t["stance.document_f1"], t["stance.documents"]),
    "stance.triple_f1": lambda t: metrics.f1(t["stance.tp"], t["stance.fp"], t["stance.fn"]),
    "stance.macro_f1": lambda t: metrics.macro_f1(*_stance_pairs(t)),
    "stance.f_avg": lambda t: metrics.macro_f1(*(x[..., :2] for x in _stance_pairs(t))),
    "scope.accuracy": lambda t: metrics.ratio(t["scope.tp"] + t["scope.tn"], t["scope.tp"] + t["scope.tn"] + t["scope.fp"] + t["scope.fn"]),
    "scope.f1": lambda t: metrics.f1(t["scope.tp"], t["scope.fp"], t["scope.fn"]),
}
HEADLINES = ("topics.micro_f1", "participants.f1", "stance.document_triple_f1")


def metric_values(t: Totals) -> dict[str, np.ndarray]:
    """Every metric plus ``overall``: the mean of the three headline metrics, over those that apply (NaN
    when none does)."""
    values = {name: np.asarray(function(t), dtype=float) for name, function in METRICS.items()}
    headlines = np.stack([values[name] for name in HEADLINES])
    applicable = ~np.isnan(headlines)
    values["overall"] = metrics.ratio(np.where(applicable, headlines, 0).sum(axis=0), applicable.sum(axis=0))
    return values


def per_label_values(t: Totals, labels: Sequence[str]) -> dict[str, dict[str, np.ndarray]]:
    """Per-topic precision, recall and F1 (each with the label axis last)."""
    tp, fp, fn = t["topics.tp"], t["topics.fp"], t["topics.fn"]
    scores = {"precision": metrics.precision(tp, fp), "recall": metrics.recall(tp, fn), "f1": metrics.f1(tp, fp, fn)}
    return {label: {name: values[..., i] for name, values in scores.items()} for i, label in enumerate(labels)}
