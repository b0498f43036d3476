"""Baseline systems: simple, honest reference points trained on a release's train split and scored by
the same harness as any submission. One module per baseline; ``base`` holds what they share.

Each baseline class follows the harness's Python protocol (``readouts evaluate --model
readouts.baselines.<module>:<Class>``): ``Class(release=..., setting=..., seed=...)`` then
``predict(documents)``."""

BASELINES = {
    "majority": "readouts.baselines.majority:Majority",
    "gazetteer": "readouts.baselines.gazetteer:Gazetteer",
    "tfidf-logreg": "readouts.baselines.tfidf_logreg:TfidfLogreg",
    "sentence-encoder": "readouts.baselines.sentence_encoder:SentenceEncoder",
}
