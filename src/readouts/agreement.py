"""Inter-annotator agreement between two annotation sets on the documents both contain. Participant and
span agreement reuse the evaluation counts with set A as the reference (F1 is symmetric, so the choice
only swaps precision and recall); topic and stance agreement use Krippendorff's alpha (nominal)."""

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

from .errors import InputError
from .evaluation.scoring import STANCE_LABELS, DocLabels, count_matrix, document_counts, metric_values, totals
from .store import Annotation
from .taxonomy import load_taxonomy


def nominal_alpha(first: list, second: list) -> float | None:
    """Krippendorff's alpha (nominal) for two coders over paired units coded as numbers; None when undefined (no units, or
    a single value in the data, where expected disagreement is 0).

    >>> round(nominal_alpha([1, 0, 1, 1], [1, 0, 0, 1]), 4)
    0.5333
    >>> nominal_alpha([1, 1], [1, 1]) is None
    True
    """
    if not first or len(set(first) | set(second)) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=np.array([first, second], dtype=float), level_of_measurement="nominal"))


def _kappa(first: list[bool], second: list[bool]) -> float | None:
    """Cohen's kappa; None when undefined (both annotators gave one and the same value throughout)."""
    if len(set(first) | set(second)) < 2:
        return None
    return float(cohen_kappa_score(first, second))


def _round(value):
    """6 decimals; None when undefined (None, or NaN: a metric with nothing to compare, see readouts.evaluation.metrics)."""
    return None if value is None or np.isnan(value) else round(float(value), 6)


def agreement(first: dict[str, Annotation], second: dict[str, Annotation], names: tuple[str, str] = ("A", "B")) -> dict:
    """Agreement of ``second`` with ``first`` on their common documents (see docs/agreement.md)."""
    common = sorted(first.keys() & second.keys())
    if not common:
        raise InputError(f"{names[0]} and {names[1]} have no document in common")
    labels_a = [DocLabels.from_annotation(first[doc]) for doc in common]
    labels_b = [DocLabels.from_annotation(second[doc]) for doc in common]
    topic_ids = load_taxonomy().topic_ids
    counts = count_matrix([document_counts(a, b, topic_ids) for a, b in zip(labels_a, labels_b)])
    values = metric_values(totals(counts, np.ones((1, len(common)))))
    scope_a, scope_b = [a.in_scope for a in labels_a], [b.in_scope for b in labels_b]

    both_in_scope = [i for i in range(len(common)) if scope_a[i] and scope_b[i]]
    per_label = {label: nominal_alpha([int(label in labels_a[i].topics) for i in both_in_scope],
                                      [int(label in labels_b[i].topics) for i in both_in_scope]) for label in topic_ids}
    pooled = nominal_alpha([int(label in labels_a[i].topics) for i in both_in_scope for label in topic_ids],
                           [int(label in labels_b[i].topics) for i in both_in_scope for label in topic_ids])
    pairs = [(i, pair) for i in range(len(common)) for pair in labels_a[i].stance if pair in labels_b[i].stance]
    stance_alpha = nominal_alpha([STANCE_LABELS.index(labels_a[i].stance[p]) for i, p in pairs],
                                 [STANCE_LABELS.index(labels_b[i].stance[p]) for i, p in pairs])
    return {
        "a": names[0], "b": names[1],
        "documents": {"common": len(common), "only_a": len(first.keys() - second.keys()), "only_b": len(second.keys() - first.keys()),
                      "both_in_scope": len(both_in_scope)},
        "in_scope": {"agreement": _round(np.mean([x == y for x, y in zip(scope_a, scope_b)])), "cohen_kappa": _round(_kappa(scope_a, scope_b))},
        "participants": {"f1": _round(values["participants.f1"][0]), "precision": _round(values["participants.precision"][0]),
                         "recall": _round(values["participants.recall"][0]),
                         "role_type_agreement": _round(values["participants.role_type_accuracy"][0]),
                         "affiliation_agreement": _round(values["participants.affiliation_accuracy"][0])},
        "spans": {"strict_f1": _round(values["spans.strict_f1"][0]), "partial_f1": _round(values["spans.partial_f1"][0])},
        "topics": {"alpha": _round(pooled), "alpha_per_label": {k: _round(v) for k, v in per_label.items()}},
        "stance": {"shared_pairs": len(pairs), "alpha": _round(stance_alpha), "triple_f1": _round(values["stance.triple_f1"][0])},
    }


def document_language(document_id: str) -> str:
    """The language code inside a document id (``<source>-<language>-<native id>``)."""
    return document_id.split("-")[1]


def agreement_by_language(first: dict[str, Annotation], second: dict[str, Annotation],
                          names: tuple[str, str] = ("A", "B")) -> dict:
    """Agreement over all common documents and again within each language, so a figure for Russian or
    Ukrainian is never hidden in the English majority."""
    common = first.keys() & second.keys()
    languages = sorted({document_language(doc) for doc in common})
    by_language = {}
    for language in languages:
        keep = {doc for doc in common if document_language(doc) == language}
        by_language[language] = agreement({d: first[d] for d in keep}, {d: second[d] for d in keep}, names)
    return {**agreement(first, second, names), "by_language": by_language}


def format_agreement(result: dict) -> str:
    def show(value):
        return "   n/a" if value is None else f"{value:6.3f}"

    d = result["documents"]
    lines = [f"agreement of {result['b']} with {result['a']} (reference) on {d['common']} common documents "
             f"({d['only_a']} only in {result['a']}, {d['only_b']} only in {result['b']})", "",
             f"{'in scope: observed agreement':<44}{show(result['in_scope']['agreement'])}",
             f"{'in scope: Cohen kappa':<44}{show(result['in_scope']['cohen_kappa'])}",
             f"{'direct participants: F1':<44}{show(result['participants']['f1'])}",
             f"{'mention spans: strict F1':<44}{show(result['spans']['strict_f1'])}",
             f"{'mention spans: partial F1':<44}{show(result['spans']['partial_f1'])}",
             f"{'topics: Krippendorff alpha (pooled)':<44}{show(result['topics']['alpha'])}",
             f"{'stance: (holder, target, label) triple F1':<44}{show(result['stance']['triple_f1'])}",
             f"{'stance: alpha on ' + str(result['stance']['shared_pairs']) + ' shared pairs':<44}{show(result['stance']['alpha'])}",
             "", "topics: Krippendorff alpha per label (documents both judged in scope)"]
    lines += [f"  {label:<42}{show(value)}" for label, value in result["topics"]["alpha_per_label"].items()]
    if "by_language" in result:
        languages = list(result["by_language"])
        rows = [("documents (both in scope)", lambda r: f"{r['documents']['common']:>3} ({r['documents']['both_in_scope']:>2})"),
                ("in scope: Cohen kappa", lambda r: show(r["in_scope"]["cohen_kappa"])),
                ("in scope: observed agreement", lambda r: show(r["in_scope"]["agreement"])),
                ("direct participants: F1", lambda r: show(r["participants"]["f1"])),
                ("mention spans: strict F1", lambda r: show(r["spans"]["strict_f1"])),
                ("topics: alpha (pooled)", lambda r: show(r["topics"]["alpha"])),
                ("stance: triple F1", lambda r: show(r["stance"]["triple_f1"])),
                ("stance: alpha", lambda r: show(r["stance"]["alpha"]))]
        lines += ["", f"{'by language':<30}" + "".join(f"{language:>10}" for language in languages)]
        lines += [f"{name:<30}" + "".join(f"{cell(result['by_language'][language]):>10}" for language in languages)
                  for name, cell in rows]
    return "\n".join(lines)
