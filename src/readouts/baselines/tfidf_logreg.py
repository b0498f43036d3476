"""Bag-of-n-grams baseline: tf-idf of word and character n-grams with logistic regressions, one decision
per layer. Character n-grams (``char_wb``) carry across Ukrainian and Russian inflection, where whole
words rarely repeat.

- in_scope: a document classifier (title + the first ``MAX_CHARS`` characters), threshold 0.5.
- topics: one-vs-rest, one logistic regression per topic on in-scope train documents; per-topic
  thresholds tuned on in-scope validation documents (0.5 when validation has no example of the topic).
- participants: the gazetteer's learned filter (``readouts.baselines.gazetteer``).
- stance: a (holder, target) pair classifier. Candidates are the predicted direct participants times
  every stance target; features are the tf-idf of the text within ``WINDOW`` characters of the holder's
  mentions plus a one-hot of the target; classes none/favor/against/neutral. Trained on gold direct
  participants; class weighting (none or balanced) chosen by stance triple F1 on validation.
Topics, participants and stance are predicted only for documents classified in scope."""

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from ..taxonomy import load_taxonomy
from .base import (NO_STANCE, Baseline, BinaryScorer, TrainingData, empty_prediction, fit_pair_classifier, stance_pairs,
                   tune_threshold)
from .gazetteer import ParticipantFilter

MAX_CHARS = 5000
WINDOW = 200
WORD = {"analyzer": "word", "ngram_range": (1, 2), "sublinear_tf": True, "max_features": 50000}
CHAR = {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True, "max_features": 100000}
C = 1.0


def vectorizer() -> FeatureUnion:
    return FeatureUnion([("word", TfidfVectorizer(**WORD)), ("char", TfidfVectorizer(**CHAR))])


def document_text(document: dict) -> str:
    return f"{document.get('title', '') or ''}\n{document['text'][:MAX_CHARS]}"


def holder_window(text: str, spans) -> str:
    """The text around every mention of the holder (the opening when it has none)."""
    if not spans:
        return text[:2 * WINDOW]
    return " … ".join(text[max(0, start - WINDOW):end + WINDOW] for start, end in spans)


class StanceClassifier:
    """Label of each (holder, target) pair: none, favor, against or neutral."""

    def __init__(self, seed: int):
        self.seed = seed
        self.targets = load_taxonomy().target_ids
        self.model = None
        self.class_weight = None

    def _features(self, windows: list[str]):
        """One row per (window, target): the window's tf-idf beside a one-hot of the target."""
        text = self.vectorizer.transform(windows)
        n, k = len(windows), len(self.targets)
        repeated = text[np.repeat(np.arange(n), k)]
        onehot = csr_matrix((np.ones(n * k), (np.arange(n * k), np.tile(np.arange(k), n))), shape=(n * k, k))
        return hstack([repeated, onehot]).tocsr()

    def _pairs(self, examples) -> tuple[list[str], list[str]]:
        """Windows of the gold direct participants and the label of each (holder, target) pair."""
        windows, labels = [], []
        for document, spans, pair_labels in stance_pairs(examples, self.targets):
            windows.append(holder_window(document["text"], spans))
            labels += pair_labels
        return windows, labels

    def fit(self, data: TrainingData) -> "StanceClassifier":
        windows, labels = self._pairs(data.train)
        if set(labels) <= {NO_STANCE}:
            return self  # nothing to learn: never predicts a stance
        self.vectorizer = vectorizer().fit(windows)
        X = self._features(windows)
        val_windows, val_labels = self._pairs(data.validation)
        X_val = self._features(val_windows) if val_windows else None
        self.class_weight, self.model = fit_pair_classifier(X, labels, X_val, val_labels, self.seed, C)
        return self

    def stance(self, text: str, direct: list[dict]) -> list[dict]:
        if self.model is None or not direct:
            return []
        windows = [holder_window(text, [(m["start"], m["end"]) for m in p["mentions"]]) for p in direct]
        labels = self.model.predict(self._features(windows)).reshape(len(direct), len(self.targets))
        return [{"holder": p["actor_id"], "target": target, "label": str(label)}
                for p, row in zip(direct, labels) for target, label in zip(self.targets, row) if label != NO_STANCE]


class TfidfLogreg(Baseline):
    name = "tfidf-logreg"

    def hyperparameters(self) -> dict:
        listed = lambda d: {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}  # noqa: E731
        return {"text": f"title + first {MAX_CHARS} characters", "word_tfidf": listed(WORD), "char_tfidf": listed(CHAR),
                "logistic_regression": {"C": C, "scope_and_topics": "liblinear, class_weight=balanced",
                                        "stance": "lbfgs multinomial, class_weight chosen on validation"},
                "scope_threshold": 0.5, "topic_thresholds": "0.05..0.95 step 0.05, best F1 on validation, else 0.5",
                "stance_window_chars": WINDOW, "participants": "gazetteer filter"}

    def fit(self, data: TrainingData) -> "TfidfLogreg":
        self.topic_ids = load_taxonomy().topic_ids
        self.vectorizer = vectorizer().fit([document_text(ex.document) for ex in data.train])
        X = self.vectorizer.transform([document_text(ex.document) for ex in data.train])
        self.scope = BinaryScorer(X, [ex.annotation.in_scope for ex in data.train], self.seed, C=C)
        in_scope = np.array([ex.annotation.in_scope for ex in data.train])
        X_in = X[np.flatnonzero(in_scope)] if in_scope.any() else X[:1]
        train_in = [ex for ex in data.train if ex.annotation.in_scope] or [data.train[0]]
        val_in = [ex for ex in data.validation if ex.annotation.in_scope]
        X_val = self.vectorizer.transform([document_text(ex.document) for ex in val_in]) if val_in else None
        self.topic_scorers, self.topic_thresholds = {}, {}
        for topic in self.topic_ids:
            y = [ex.annotation.in_scope and topic in ex.annotation.topics for ex in train_in]
            self.topic_scorers[topic] = BinaryScorer(X_in, y, self.seed, C=C)
            self.topic_thresholds[topic] = (tune_threshold([topic in ex.annotation.topics for ex in val_in],
                                                           self.topic_scorers[topic].scores(X_val)) if val_in else 0.5)
        self.participant_filter = ParticipantFilter(self.seed).fit(data)
        self.stance_classifier = StanceClassifier(self.seed).fit(data)
        self.fitted = True
        return self

    def learned(self) -> dict:
        return {"topic_thresholds": self.topic_thresholds, "direct_threshold": self.participant_filter.threshold,
                "stance_class_weight": self.stance_classifier.class_weight}

    def predict_documents(self, documents: list[dict]) -> list[dict]:
        if not documents:
            return []
        X = self.vectorizer.transform([document_text(d) for d in documents])
        in_scope = self.scope.scores(X) >= 0.5
        topic_scores = {t: self.topic_scorers[t].scores(X) for t in self.topic_ids}
        out = []
        for index, document in enumerate(documents):
            prediction = empty_prediction(document["id"])
            if in_scope[index]:
                participants = self.participant_filter.participants(document)
                direct = [p for p in participants if p["participation"] == "direct"]
                prediction.update(
                    in_scope=True, participants=participants,
                    topics=[t for t in self.topic_ids if topic_scores[t][index] >= self.topic_thresholds[t]],
                    stance=self.stance_classifier.stance(document["text"], direct))
            out.append(prediction)
        return out
