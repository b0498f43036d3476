"""Argument types that refuse a bad value while parsing (argparse then exits 2 naming the option)."""

import argparse

from ..errors import shorten

MAX_SEED = 2**32 - 1  # numpy and scikit-learn take seeds from 0 to 2**32 - 1
MAX_RESAMPLES = 100_000  # far beyond what a stable interval needs; more only burns time and memory


def whole_number(low: int, high: int):
    """An argparse type for a whole number from ``low`` to ``high``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{shorten(text, 40)!r} is not a whole number from {low:,} to {high:,}")
        return value
    parse.__name__ = "whole number"  # argparse names the type in its message
    return parse


SEED = whole_number(0, MAX_SEED)
RESAMPLES = whole_number(1, MAX_RESAMPLES)


def score_width(text: str) -> float:
    """A half-width of a score interval: a number above 0 and at most 1 (scores run from 0 to 1)."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{shorten(text, 40)!r} is not a number above 0 and at most 1")
    return value


score_width.__name__ = "score width"
