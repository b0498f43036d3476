"""The floor: the same answer for every document, learned from label frequencies in train, reading no
text at all.

- in_scope: the more frequent value in train (ties: in scope).
- topics: every topic present in more than half of the in-scope train documents (often none).
- participants: the actor most often a direct participant in train, as direct, with the role type and
  affiliation it most often had; no mentions (the floor reads no text, so it cannot point at one).
- stance: that actor's most frequent (target, label) in train, if it holds any stance there.
Ties are broken by id order. Topics, participants and stance are predicted only when in_scope is true."""

from collections import Counter

from .base import Baseline, TrainingData, empty_prediction

TOPIC_SHARE = 0.5


def most_common(counter: Counter):
    """The most frequent key; ties go to the smallest key, so the result never depends on input order."""
    return min(counter, key=lambda key: (-counter[key], key)) if counter else None


class Majority(Baseline):
    name = "majority"

    def hyperparameters(self) -> dict:
        return {"topic_share": TOPIC_SHARE, "participants": "most frequent direct actor, no mentions",
                "stance": "that actor's most frequent (target, label)"}

    def fit(self, data: TrainingData) -> "Majority":
        annotations = [ex.annotation for ex in data.train]
        scope = Counter(a.in_scope for a in annotations)
        self.in_scope = scope[True] >= scope[False]
        in_scope = [a for a in annotations if a.in_scope]
        topic_counts = Counter(t for a in in_scope for t in set(a.topics))
        self.topics = sorted(t for t, n in topic_counts.items() if n > TOPIC_SHARE * len(in_scope))
        direct = [p for a in in_scope for p in a.direct_participants()]
        actor = most_common(Counter(p.actor_id for p in direct))
        self.participant = None
        self.stance = None
        if actor is not None:
            role = most_common(Counter(p.role_type for p in direct if p.actor_id == actor))
            affiliation = most_common(Counter(p.affiliation for p in direct if p.actor_id == actor))
            self.participant = {"actor_id": actor, "role_type": role, "affiliation": affiliation,
                                "participation": "direct", "mentions": []}
            held = most_common(Counter((s.target, s.label) for a in in_scope for s in a.stance if s.holder == actor))
            if held:
                self.stance = {"holder": actor, "target": held[0], "label": held[1]}
        self.fitted = True
        return self

    def learned(self) -> dict:
        return {"in_scope": self.in_scope, "topics": self.topics, "participant": self.participant, "stance": self.stance}

    def predict_documents(self, documents: list[dict]) -> list[dict]:
        return [self._predict_one(document) for document in documents]

    def _predict_one(self, document: dict) -> dict:
        prediction = empty_prediction(document["id"])
        if self.in_scope:
            prediction.update(in_scope=True, topics=list(self.topics),
                              participants=[dict(self.participant, mentions=[])] if self.participant else [],
                              stance=[dict(self.stance)] if self.stance else [])
        return prediction
