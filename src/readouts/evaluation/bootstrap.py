"""Document-level bootstrap: resample the scored documents with replacement, recompute every metric on
each resample, and read confidence intervals off the percentiles. Resamples are represented as a
(resamples × documents) matrix of how often each document was drawn, so one matrix product sums the
counts of all resamples (no Python loop per resample). The same matrix serves both systems of a paired
comparison."""

from typing import Callable

import numpy as np

from .scoring import Counts, Totals, totals

DEFAULT_SEED = 20260101
DEFAULT_RESAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95
CHUNK = 250  # resamples per block: bounds memory to CHUNK × documents weights


def resample_weights(n_documents: int, n_resamples: int, seed: int):
    """Yield blocks of draw counts, shape (≤ CHUNK, n_documents), each row summing to n_documents.
    The same (n_documents, n_resamples, seed) always gives the same draws."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_resamples:
        size = min(CHUNK, n_resamples - done)
        draws = rng.integers(0, n_documents, size=(size, n_documents))
        offsets = (np.arange(size) * n_documents)[:, None]
        yield np.bincount((draws + offsets).ravel(), minlength=size * n_documents).reshape(size, n_documents).astype(float)
        done += size


def bootstrap_samples(counts_list: list[Counts], score: Callable[[Totals], dict[str, np.ndarray]],
                      n_resamples: int, seed: int) -> list[dict[str, np.ndarray]]:
    """For each system's per-document counts (all over the same documents in the same order), the
    metric values on every resample: {metric: array of shape (n_resamples, ...)}. Systems share draws."""
    n_documents = len(counts_list[0])
    parts: list[list[dict]] = [[] for _ in counts_list]
    for weights in resample_weights(n_documents, n_resamples, seed):
        for part, counts in zip(parts, counts_list):
            part.append(score(totals(counts, weights)))
    return [{name: np.concatenate([block[name] for block in part]) for name in part[0]} for part in parts]


def percentile_interval(samples: np.ndarray, confidence_level: float) -> tuple[float, float]:
    """Equal-tailed percentile interval of one metric over its resamples, from the resamples on which the
    metric is applicable (not NaN); NaN when it is applicable on none."""
    defined = samples[~np.isnan(samples)]
    if not defined.size:
        return np.nan, np.nan
    tail = (1 - confidence_level) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return low, high


def paired_p_value(differences: np.ndarray, observed: float) -> float:
    """Two-sided p-value of a paired bootstrap: the bootstrap differences are shifted to be centred on 0
    (the null hypothesis of no difference) and compared with the observed difference,
    p = (1 + #{|d* − d̂| ≥ |d̂|}) / (1 + resamples), over the resamples where both systems' metric is
    applicable; NaN when the observed difference is not applicable."""
    differences = differences[~np.isnan(differences)]
    if np.isnan(observed):
        return np.nan
    extreme = np.count_nonzero(np.abs(differences - observed) >= abs(observed) - 1e-12)
    return float((1 + extreme) / (1 + len(differences)))
