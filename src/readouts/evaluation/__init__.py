"""Scoring systems against the gold: submissions and their checks, the gold view a setting scores on, the
metrics and their bootstrap intervals, per-document scores, the runners that produce predictions, and the
leaderboard built from all of it."""
