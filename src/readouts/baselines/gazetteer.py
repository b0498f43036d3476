"""Participants from the actor registry: every actor whose name or alias (en/uk/ru) occurs in the text is
a candidate (``readouts.prelabel.find_actors``), and a learned filter decides direct party or mentioned
third party. The filter is a logistic regression over a handful of features of where and how the actor is
named (``FEATURES``); its threshold is tuned on validation. Role type and affiliation come from the
registry office held on the document's date (``readouts.prelabel.office_at``), mention spans from the
matches.

As a system on its own it is in scope when it finds a direct participant, proposes the pre-annotator's
keyword topics (``readouts.prelabel.topics_of``, on the first ``TOPIC_CHARS`` characters: the keyword
patterns are slow on the longest documents) and no stance."""

import math
import re

import numpy as np

from ..corpus import SELECTION_RULES
from ..prelabel import find_actors, office_at, topics_of
from ..taxonomy import load_taxonomy
from .base import Baseline, BinaryScorer, TrainingData, empty_prediction, participant_record, tune_threshold

LEAD_CHARS = 400
TOPIC_CHARS = 5000
CONTACT_WINDOW = 150  # characters between a mention and a contact phrase for "near a contact verb"
FIRST_SENTENCE = re.compile(r"[.!?](\s|$)")
FEATURES = ("in_title", "first_position", "in_lead", "log_mentions", "mention_share", "in_first_sentence",
            "near_contact", "first_named", "second_named", "actors_in_document")


def contact_spans(document: dict) -> list[tuple[int, int]]:
    """Where the text names a contact (the corpus selection rules of the document's language)."""
    return [match.span() for rule in SELECTION_RULES if rule.language == document["language"]
            for match in rule.regex.finditer(document["text"])]


class Candidates:
    """The registry actors named in one document, with one feature row each."""

    def __init__(self, document: dict, role_types: list[str]):
        text = document["text"]
        self.found = find_actors(text, document["language"])
        in_title = {f.actor.id for f in find_actors(document.get("title", "") or "", document["language"])}
        sentence = FIRST_SENTENCE.search(text)
        first_sentence_end = sentence.end() if sentence else len(text)
        contacts = contact_spans(document)
        total = sum(len(f.spans) for f in self.found) or 1
        rows = []
        for rank, f in enumerate(self.found):
            first = f.spans[0][0]
            near = any(abs(start - c_end) <= CONTACT_WINDOW or abs(c_start - end) <= CONTACT_WINDOW
                       for start, end in f.spans for c_start, c_end in contacts)
            role = office_at(f.actor, document.get("date", "") or "").get("role_type", "other")
            rows.append([float(f.actor.id in in_title), first / max(len(text), 1), float(first < LEAD_CHARS),
                         math.log1p(len(f.spans)), len(f.spans) / total, float(first < first_sentence_end), float(near),
                         float(rank == 0), float(rank == 1), math.log1p(len(self.found))]
                        + [float(role == r) for r in role_types])
        self.X = np.array(rows, dtype=float).reshape(len(rows), len(FEATURES) + len(role_types))


class ParticipantFilter:
    """Direct party or mentioned third party, for every registry actor found in a document."""

    def __init__(self, seed: int, C: float = 1.0):
        self.seed, self.C = seed, C
        self.role_types = load_taxonomy().ids("role_types")

    def _stack(self, examples) -> tuple[np.ndarray, np.ndarray]:
        blocks, labels = [], []
        for ex in examples:
            candidates = Candidates(ex.document, self.role_types)
            direct = {p.actor_id for p in ex.annotation.direct_participants()}
            blocks.append(candidates.X)
            labels += [f.actor.id in direct for f in candidates.found]
        X = np.vstack(blocks) if blocks else np.zeros((0, len(FEATURES) + len(self.role_types)))
        return X, np.array(labels, dtype=bool)

    def fit(self, data: TrainingData) -> "ParticipantFilter":
        X, y = self._stack(data.train)
        if len(y) == 0:
            X, y = np.zeros((1, len(FEATURES) + len(self.role_types))), np.array([False])
        self.scorer = BinaryScorer(X, y, self.seed, C=self.C)
        X_val, y_val = self._stack(data.validation)
        self.threshold = tune_threshold(y_val, self.scorer.scores(X_val)) if len(y_val) else 0.5
        return self

    def scored(self, document: dict) -> tuple[Candidates, np.ndarray]:
        """The registry actors found in ``document`` and the score of each for being a direct party."""
        candidates = Candidates(document, self.role_types)
        return candidates, (self.scorer.scores(candidates.X) if candidates.found else np.zeros(0))

    def participants(self, document: dict) -> list[dict]:
        """Every actor found, direct when its score reaches the threshold; in order of first mention."""
        return self.records(document, *self.scored(document))

    def records(self, document: dict, candidates: Candidates, scores: np.ndarray) -> list[dict]:
        """Predicted participants from ``scored``'s output."""
        return [participant_record(f.actor, document.get("date", ""), "direct" if score >= self.threshold else "mentioned", f.spans)
                for f, score in zip(candidates.found, scores)]


class Gazetteer(Baseline):
    name = "gazetteer"
    C = 1.0

    def hyperparameters(self) -> dict:
        return {"features": list(FEATURES) + ["role_type one-hot"], "logistic_regression": {"C": self.C, "solver": "liblinear",
                "class_weight": "balanced"}, "threshold_grid": "0.05..0.95 step 0.05, best F1 on validation",
                "lead_chars": LEAD_CHARS, "contact_window_chars": CONTACT_WINDOW, "topics": f"readouts.prelabel keyword patterns on the first {TOPIC_CHARS} characters",
                "stance": "none"}

    def fit(self, data: TrainingData) -> "Gazetteer":
        self.filter = ParticipantFilter(self.seed, self.C).fit(data)
        self.fitted = True
        return self

    def learned(self) -> dict:
        return {"direct_threshold": self.filter.threshold}

    def predict_documents(self, documents: list[dict]) -> list[dict]:
        return [self._predict_one(document) for document in documents]

    def _predict_one(self, document: dict) -> dict:
        prediction = empty_prediction(document["id"])
        participants = self.filter.participants(document)
        if any(p["participation"] == "direct" for p in participants):
            prediction.update(in_scope=True, participants=participants, topics=topics_of(document["text"][:TOPIC_CHARS]))
        return prediction
