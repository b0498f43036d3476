"""Scoring a submission against a gold set: point estimates, document-level bootstrap confidence
intervals, breakdowns by language, source and publisher type, the results file, and the paired
comparison of two systems."""

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .. import __version__
from .bootstrap import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED, bootstrap_samples, paired_p_value, percentile_interval
from .goldset import BREAKDOWN_FIELDS, GoldSet
from ..jsonio import sha256_file
from .metrics import scope_scores, topic_scores
from ..schema import schema_version
from .scoring import HEADLINES, Counts, DocLabels, count_matrix, document_counts, metric_values, per_label_values, totals
from .submission import Submission
from ..taxonomy import load_taxonomy


@dataclass(frozen=True)
class Options:
    n_resamples: int = DEFAULT_RESAMPLES
    confidence_level: float = DEFAULT_CONFIDENCE
    seed: int = DEFAULT_SEED

    def __post_init__(self):
        if self.n_resamples < 1:
            raise ValueError("n_resamples must be at least 1")
        if not 0 < self.confidence_level < 1:
            raise ValueError("confidence_level must be between 0 and 1")


def counts_for(gold: GoldSet, predictions: dict[str, dict], document_ids: list[str]) -> Counts:
    labels = load_taxonomy().topic_ids
    rows = [document_counts(DocLabels.from_annotation(gold.annotations[doc]), DocLabels.from_prediction(predictions.get(doc)), labels)
            for doc in document_ids]
    return count_matrix(rows)


PER_LABEL = "topics.per_label."


def _scorer(labels: list[str] | None):
    """Metric values of totals; with ``labels``, also per-topic P/R/F1 as ``topics.per_label.<id>.<m>``."""
    def score(t):
        values = metric_values(t)
        if labels:
            values.update({f"{PER_LABEL}{label}.{m}": v for label, d in per_label_values(t, labels).items() for m, v in d.items()})
        return values
    return score


def rounded(value) -> float | None:
    """A metric value for the results file: 6 decimals, or None (null) when not applicable (NaN)."""
    value = float(value)
    return None if np.isnan(value) else round(value, 6)


def _interval(point: float, samples: np.ndarray, options: Options) -> dict:
    low, high = percentile_interval(samples, options.confidence_level)
    if np.isnan(point):  # not applicable on the documents themselves: no interval either
        low = high = np.nan
    return {"value": rounded(point), "ci_low": rounded(low), "ci_high": rounded(high)}


def score_counts(counts: Counts, options: Options, labels: list[str] | None = None) -> dict:
    """Every metric with its confidence interval, from per-document counts (resampled among themselves)."""
    score = _scorer(labels)
    point = score(totals(counts, np.ones((1, len(counts)))))
    samples = bootstrap_samples([counts], score, options.n_resamples, options.seed)[0]
    return {name: _interval(point[name][0], samples[name], options) for name in point}


def _sklearn_point_estimates(gold: GoldSet, predictions: dict[str, dict]) -> dict:
    """Topic and in-scope point estimates computed by scikit-learn (the bootstrap sums the count matrix;
    tests check that both agree)."""
    docs = gold.document_ids
    gold_labels = [DocLabels.from_annotation(gold.annotations[d]) for d in docs]
    pred_labels = [DocLabels.from_prediction(predictions.get(d)) for d in docs]
    topics = topic_scores([g.topics for g in gold_labels], [p.topics for p in pred_labels], load_taxonomy().topic_ids)
    scope = scope_scores([g.in_scope for g in gold_labels], [p.in_scope for p in pred_labels])
    return {"topics.micro_f1": topics["micro"]["f1"], "topics.micro_precision": topics["micro"]["precision"],
            "topics.micro_recall": topics["micro"]["recall"], "topics.macro_f1": topics["macro"]["f1"],
            "scope.accuracy": scope["accuracy"], "scope.f1": scope["f1"],
            **{f"{PER_LABEL}{label}.{m}": values[m] for label, values in topics["per_label"].items() for m in ("precision", "recall", "f1")}}


def evaluate(gold: GoldSet, submission: Submission, options: Options = Options(), source: str | None = None) -> dict:
    """The full results document (see docs/evaluation.md, "Results file")."""
    docs = gold.document_ids
    labels = load_taxonomy().topic_ids
    counts = counts_for(gold, submission.predictions, docs)
    scored = score_counts(counts, options, labels)
    for name, value in _sklearn_point_estimates(gold, submission.predictions).items():
        scored[name]["value"] = rounded(value)
    support = Counter(topic for doc in docs for topic in gold.annotations[doc].topics)
    per_label = {label: {"support": support[label], **{m: scored.pop(f"{PER_LABEL}{label}.{m}") for m in ("precision", "recall", "f1")}}
                 for label in labels}
    return {
        "harness_version": __version__,
        "schema_version": schema_version("prediction"),
        "release": gold.release,
        "gold": gold.source,
        "setting": gold.setting,
        "split": gold.split,
        "seed": options.seed,
        "n_resamples": options.n_resamples,
        "confidence_level": options.confidence_level,
        "predictions": {"source": source or submission.path.name, "sha256": sha256_file(submission.path)},
        "documents": {"scored": len(docs), "in_scope": in_scope_count(gold, docs),
                      "predicted": len(submission.predictions), "missing": len(submission.missing),
                      "missing_ids": submission.missing, "ignored_other_splits": len(submission.ignored)},
        "headlines": list(HEADLINES),
        "metrics": scored,
        "topics_per_label": per_label,
        "breakdowns": breakdowns(gold, counts, options),
    }


def in_scope_count(gold: GoldSet, document_ids) -> int:
    """How many of ``document_ids`` are in scope in gold (the documents with something to find)."""
    return sum(gold.annotations[doc].in_scope for doc in document_ids)


def breakdowns(gold: GoldSet, counts: Counts, options: Options) -> dict:
    """Metrics per language, source and publisher type, each group bootstrapped on its own documents.
    ``counts`` has one row per document of ``gold.document_ids``, in that order."""
    out: dict = {}
    for field in BREAKDOWN_FIELDS:
        groups: dict[str, list[int]] = {}
        for row, doc in enumerate(gold.document_ids):
            groups.setdefault(str(gold.metadata[doc][field]), []).append(row)
        out[field] = {value: {"documents": len(rows), "in_scope": in_scope_count(gold, [gold.document_ids[r] for r in rows]),
                              "metrics": score_counts(counts.rows(rows), options)}
                      for value, rows in sorted(groups.items())}
    return out


def compare(gold: GoldSet, first: Submission, second: Submission, options: Options = Options(),
            names: tuple[str, str] | None = None) -> dict:
    """Paired bootstrap of ``first`` minus ``second`` on the headline metrics and overall: both systems are
    scored on the same resampled documents. ``names`` label the systems (default: their file paths)."""
    docs = gold.document_ids
    counts = [counts_for(gold, s.predictions, docs) for s in (first, second)]
    ones = np.ones((1, len(docs)))
    points = [metric_values(totals(c, ones)) for c in counts]
    samples = bootstrap_samples(counts, _scorer(None), options.n_resamples, options.seed)
    result = {}
    for name in ("overall", *HEADLINES):
        observed = float(points[0][name][0] - points[1][name][0])
        differences = samples[0][name] - samples[1][name]
        result[name] = {"a": rounded(points[0][name][0]), "b": rounded(points[1][name][0]),
                        **_interval(observed, differences, options),
                        "p_value": rounded(paired_p_value(differences, observed))}
    names = names or (str(first.path), str(second.path))

    def side(submission: Submission, name: str) -> dict:
        return {"name": name, "source": str(submission.path), "sha256": sha256_file(submission.path),
                "missing": len(submission.missing), "missing_ids": submission.missing}

    return {"harness_version": __version__, "release": gold.release, "gold": gold.source, "setting": gold.setting,
            "split": gold.split, "documents": len(docs), "seed": options.seed, "n_resamples": options.n_resamples,
            "confidence_level": options.confidence_level, "test": "paired bootstrap over documents, two-sided",
            "a": side(first, names[0]), "b": side(second, names[1]), "difference": result}


TABLE_METRICS = ("overall", *HEADLINES, "stance.triple_f1", "topics.macro_f1", "participants.role_type_accuracy",
                 "participants.affiliation_accuracy", "spans.strict_f1", "spans.partial_f1", "stance.macro_f1", "stance.f_avg",
                 "scope.accuracy", "scope.f1")
NOT_APPLICABLE = "–"


def show(value: float | None, width: int = 0, sign: str = "") -> str:
    """A metric value with 3 decimals, or "–" when not applicable."""
    text = NOT_APPLICABLE if value is None else f"{value:{sign}.3f}"
    return f"{text:>{width}}"


def show_interval(metric: dict) -> str:
    """"value [low, high]", or "–" when not applicable."""
    if metric["value"] is None:
        return NOT_APPLICABLE
    return f"{metric['value']:.3f} [{metric['ci_low']:.3f}, {metric['ci_high']:.3f}]"


def format_results(results: dict) -> str:
    """A readable table of the main metrics and the per-language breakdown, with intervals and n."""
    level = round(results["confidence_level"] * 100)
    documents = results["documents"]
    lines = [f"{results['gold']} · split {results['split']} · setting {results['setting']} · harness {results['harness_version']}",
             f"{documents['scored']} documents scored ({documents['in_scope']} in scope), {documents['missing']} without a prediction; "
             f"{level}% CI from {results['n_resamples']} bootstrap resamples (seed {results['seed']}); – = not applicable", "",
             f"{'metric':<36}{'value':>8}   {level}% CI"]
    for name in TABLE_METRICS:
        m = results["metrics"][name]
        interval = "" if m["value"] is None else f"[{m['ci_low']:.3f}, {m['ci_high']:.3f}]"
        lines.append(f"{name:<36}{show(m['value'], 8)}   {interval}".rstrip())
    columns = ("overall", *HEADLINES)
    lines += ["", (f"{'language':<10}{'docs':>6}{'in scope':>10}" + "".join(f"  {n:<28}" for n in columns)).rstrip()]
    for language, group in results["breakdowns"]["language"].items():
        lines.append(f"{language:<10}{group['documents']:>6}{group['in_scope']:>10}"
                     + "".join(f"  {show_interval(group['metrics'][n]):<28}" for n in columns).rstrip())
    return "\n".join(lines)


def format_comparison(result: dict) -> str:
    level = round(result["confidence_level"] * 100)
    lines = [f"A = {result['a']['name']}, B = {result['b']['name']}; {result['test']}, {result['n_resamples']} resamples (seed {result['seed']})"]
    for key in ("a", "b"):
        missing = result[key]["missing"]
        if missing:
            lines.append(f"warning: {key.upper()} has no prediction for {missing} of {result['documents']} documents "
                         "(scored as empty predictions)")
    lines.append(f"{'metric':<28}{'A':>8}{'B':>8}{'A - B':>9}   {level}% CI{'':<12}p")
    for name, d in result["difference"].items():
        interval = "" if d["value"] is None else f"[{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]   {d['p_value']:.4f}"
        lines.append(f"{name:<28}{show(d['a'], 8)}{show(d['b'], 8)}{show(d['value'], 9, '+')}   {interval}".rstrip())
    return "\n".join(lines)
