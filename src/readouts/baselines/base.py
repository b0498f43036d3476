"""What every baseline shares: the training data of a release (texts checked against the manifest's
hashes), the SHA-256 that identifies it, saving and loading trained models with their metadata, the
harness's Python model protocol, and the small learning helpers (a binary classifier that copes with a
single class, threshold tuning on validation)."""

import json
import os
import pickle
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import version as package_version
from pathlib import Path
from typing import ClassVar

import numpy as np
from sklearn.linear_model import LogisticRegression

from .. import __version__
from ..actors import Actor
from ..corpus import load_corpus
from ..errors import InputError
from ..jsonio import canonical_json, read_json, sha256_text, write_json
from ..paths import repo_root
from ..prelabel import office_at
from ..releases import latest_release, load_manifest, materialise, normalise_version, split_documents
from ..store import Annotation
from . import BASELINES

MODEL_FILE = "model.pkl"
METADATA_FILE = "metadata.json"
THRESHOLD_GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 ... 0.95
LIBRARIES = ("scikit-learn", "numpy", "scipy", "readouts")


@dataclass(frozen=True)
class Example:
    document: dict  # corpus record (text and metadata)
    annotation: Annotation


@dataclass(frozen=True)
class TrainingData:
    release: str  # "v1.2.0"
    setting: str
    train: tuple[Example, ...]
    validation: tuple[Example, ...]

    def sha256(self) -> str:
        """Identifies exactly what was learned from: split, canonical annotation and text hash of every
        training and validation document, in document order."""
        rows = [{"split": split, "document_id": ex.annotation.document_id, "text_sha256": ex.document["text_sha256"],
                 "annotation": ex.annotation.to_dict()}
                for split, examples in (("train", self.train), ("validation", self.validation)) for ex in examples]
        return sha256_text(canonical_json(rows))


def release_tag(release: str) -> str:
    """``0.1.0`` and ``v0.1.0`` both become ``v0.1.0`` (the form submissions and model folders use)."""
    return f"v{normalise_version(release)}"


def load_training_data(release: str, setting: str = "standard", corpus_path: Path | None = None) -> TrainingData:
    """Train and validation examples of ``setting`` in ``release``, sorted by document id. Every text must
    be in the corpus with the hash the manifest recorded, except texts no one may redistribute: a corpus
    rebuilt from the public sources lacks them, so they are left out (with a note) rather than stopping."""
    manifest = load_manifest(release)
    annotations = materialise(release)
    corpus = load_corpus(corpus_path)
    splits = {}
    for split in ("train", "validation"):
        examples = []
        for doc_id in split_documents(release, split, setting):
            document = corpus.get(doc_id)
            if document is None and manifest["documents"][doc_id].get("license") == "all-rights-reserved":
                print(f"note: {doc_id} ({split}) is left out: its text is not public and this corpus lacks it", file=sys.stderr)
                continue
            if document is None:
                raise InputError(f"{doc_id} (release {release}, {split}) is not in the corpus; point READOUTS_CORPUS or --corpus at it")
            if document["text_sha256"] != manifest["documents"][doc_id]["text_sha256"]:
                raise InputError(f"{doc_id}: the corpus text differs from the one release {release} was annotated on (text_sha256)")
            examples.append(Example(document, annotations[doc_id]))
        splits[split] = tuple(examples)
    if not splits["train"]:
        raise InputError(f"release {release}, setting {setting!r}: the train split is empty; nothing to learn from")
    return TrainingData(release_tag(release), setting, splits["train"], splits["validation"])


def split_inputs(release: str, split: str, setting: str, corpus_path: Path | None = None) -> list[dict]:
    """The documents of a split as a system sees them (the harness's fields, no annotation)."""
    from ..evaluation.runners import DOCUMENT_FIELDS

    corpus = load_corpus(corpus_path)
    ids = split_documents(release, split, setting)
    absent = [doc for doc in ids if doc not in corpus]
    if absent:
        raise InputError(f"{len(absent)} documents of {split} are not in the corpus (e.g. {absent[0]}); point READOUTS_CORPUS or --corpus at it")
    return [{key: corpus[doc][key] for key in DOCUMENT_FIELDS if key in corpus[doc]} for doc in ids]


def models_root() -> Path:
    """Trained models live here (git-ignored: data/ is never committed)."""
    return repo_root() / "data" / "models"


def model_dir(name: str, release: str, setting: str, root: Path | None = None) -> Path:
    return (Path(root) if root else models_root()) / name / f"{release_tag(release)}-{setting}"


def library_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for library in (*LIBRARIES, *extra):
        versions[library] = __version__ if library == "readouts" else package_version(library)
    return versions


def baseline_class(name: str) -> type["Baseline"]:
    if name not in BASELINES:
        raise InputError(f"unknown baseline {name!r}; baselines: {', '.join(BASELINES)}")
    module, _, cls = BASELINES[name].partition(":")
    return getattr(import_module(module), cls)


# --- Learning helpers ----------------------------------------------------------------------------

class BinaryScorer:
    """Logistic regression for one yes/no decision; a constant score when training saw only one class
    (rare topics in a small train split), so that no label ever crashes training."""

    def __init__(self, X, y, seed: int, C: float = 1.0, class_weight: str | None = "balanced"):
        y = np.asarray(y, dtype=int)
        self.constant = float(y[0]) if len(set(y.tolist())) < 2 else None
        self.model = None
        if self.constant is None:
            self.model = LogisticRegression(C=C, class_weight=class_weight, solver="liblinear", random_state=seed, max_iter=1000)
            self.model.fit(X, y)

    def scores(self, X) -> np.ndarray:
        if self.model is None:
            return np.full(X.shape[0], self.constant)
        return self.model.predict_proba(X)[:, 1]


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def tune_threshold(y_true, scores, default: float = 0.5) -> float:
    """The threshold on the grid with the best F1 on validation (ties: the one nearest 0.5); ``default``
    when validation has no positive example."""
    y_true = np.asarray(y_true, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    if not y_true.any():
        return default
    best = max(THRESHOLD_GRID, key=lambda t: (
        round(f1(int((y_true & (scores >= t)).sum()), int((~y_true & (scores >= t)).sum()), int((y_true & (scores < t)).sum())), 12),
        -abs(t - 0.5)))
    return float(best)


NO_STANCE = "none"


def stance_pairs(examples, targets: list[str]):
    """For every gold direct participant of an in-scope example (by actor id): the document, the
    participant's mention spans and the gold label of each target (``NO_STANCE`` when it holds none)."""
    for ex in examples:
        if not ex.annotation.in_scope:
            continue
        gold = {(s.holder, s.target): s.label for s in ex.annotation.stance}
        for participant in sorted(ex.annotation.direct_participants(), key=lambda p: p.actor_id):
            yield (ex.document, [(m.start, m.end) for m in participant.mentions],
                   [gold.get((participant.actor_id, target), NO_STANCE) for target in targets])


def triple_f1(gold: list[str], predicted) -> float:
    """Stance triple F1 over (holder, target) pairs labelled ``NO_STANCE`` or a stance label."""
    tp = sum(g == p != NO_STANCE for g, p in zip(gold, predicted))
    fp = sum(p != NO_STANCE and p != g for g, p in zip(gold, predicted))
    fn = sum(g != NO_STANCE and p != g for g, p in zip(gold, predicted))
    return f1(tp, fp, fn)


def fit_pair_classifier(X, labels: list[str], X_val, val_labels: list[str], seed: int, C: float = 1.0):
    """A multinomial logistic regression over pair labels, with the class weighting (none or balanced)
    that gives the best stance triple F1 on validation (none on ties or without validation pairs).
    Returns (class_weight, model)."""
    best = None
    for class_weight in (None, "balanced"):
        model = LogisticRegression(C=C, class_weight=class_weight, solver="lbfgs", max_iter=2000, random_state=seed)
        model.fit(X, labels)
        score = triple_f1(val_labels, model.predict(X_val)) if X_val is not None else 0.0
        if best is None or score > best[0]:
            best = (score, class_weight, model)
    return best[1], best[2]


def participant_record(actor: Actor, day: str, participation: str, spans) -> dict:
    """A predicted participant: role and affiliation from the registry office held on ``day``, mentions
    as offsets only (predictions never quote text)."""
    office = office_at(actor, day or "")
    return {"actor_id": actor.id, "role_type": office.get("role_type", "other"),
            "affiliation": office.get("affiliation", actor.country), "participation": participation,
            "mentions": [{"start": start, "end": end} for start, end in spans]}


def empty_prediction(document_id: str) -> dict:
    return {"document_id": document_id, "in_scope": False, "participants": [], "stance": [], "topics": []}


# --- The baseline base class ---------------------------------------------------------------------

class Baseline:
    """A trainable system that also speaks the harness's model protocol.

    ``Class(release=..., setting=..., seed=...)`` makes an untrained model; ``predict(documents)`` loads the
    model saved by ``readouts baseline train`` for that release and setting, or, when none is saved, trains
    one in memory first (the latest release when ``release`` is not given)."""

    name: ClassVar[str]
    extra_libraries: ClassVar[tuple[str, ...]] = ()  # distributions besides LIBRARIES whose version matters

    def __init__(self, release: str | None = None, setting: str = "standard", seed: int = 0,
                 models: str | None = None, corpus: str | None = None):
        self.release = release_tag(release) if release else None
        self.setting = setting
        self.seed = int(seed)
        self.models = Path(models) if models else None
        self.corpus = Path(corpus) if corpus else None
        self.fitted = False

    # Subclasses implement these three (predict_documents on a fitted model).
    def hyperparameters(self) -> dict:
        raise NotImplementedError

    def fit(self, data: TrainingData) -> "Baseline":
        raise NotImplementedError

    def predict_documents(self, documents: list[dict]) -> list[dict]:
        raise NotImplementedError

    def predict(self, documents: list[dict]) -> list[dict]:
        """The harness protocol: one prediction per document, in the given order."""
        if not self.fitted:
            self._load_or_train()
        return self.predict_documents(list(documents))

    def _load_or_train(self) -> None:
        release = self.release or release_tag(latest_release())
        folder = model_dir(self.name, release, self.setting, self.models)
        if (folder / MODEL_FILE).is_file():
            print(f"{self.name}: using the model saved in {folder}", file=sys.stderr)
            self.__dict__.update(load_model(folder).__dict__)
        else:
            print(f"{self.name}: no saved model in {folder}; training on release {release} ({self.setting}) now", file=sys.stderr)
            self.fit(load_training_data(release, self.setting, self.corpus))

    def train(self, data: TrainingData) -> dict:
        """Fit and return the metadata that goes beside the saved model."""
        started = time.perf_counter()
        self.fit(data)
        seconds = time.perf_counter() - started
        self.release, self.setting, self.fitted = data.release, data.setting, True
        return {
            "baseline": self.name, "class": BASELINES[self.name], "release": data.release, "setting": data.setting,
            "seed": self.seed, "hyperparameters": self.hyperparameters(), "learned": self.learned(),
            "training_data": {"sha256": data.sha256(), "train_documents": len(data.train),
                              "validation_documents": len(data.validation)},
            "libraries": library_versions(self.extra_libraries), "training_seconds": round(seconds, 3),
        }

    def learned(self) -> dict:
        """Values chosen on train or validation worth recording (thresholds, picked options)."""
        return {}


def save_model(model: Baseline, metadata: dict, folder: Path) -> Path:
    """Write ``model.pkl`` (atomically) and ``metadata.json`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{MODEL_FILE}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / MODEL_FILE)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    write_json(folder / METADATA_FILE, metadata)
    return folder


def load_model(folder: Path) -> Baseline:
    """A model saved by ``save_model``. Pickles run code when loaded: load only models you trained."""
    path = folder / MODEL_FILE
    if not path.is_file():
        raise InputError(f"no trained model in {folder}; train one with `readouts baseline train`")
    with open(path, "rb") as handle:
        model = pickle.load(handle)
    if not isinstance(model, Baseline):
        raise InputError(f"{path}: not a Readouts baseline model")
    saved = folder / METADATA_FILE
    if saved.is_file() and read_json(saved).get("hyperparameters") != json.loads(json.dumps(model.hyperparameters())):
        raise InputError(f"{path}: saved by a version of the {model.name} baseline with other hyperparameters than this one "
                         f"(see {saved}); retrain it with `readouts baseline train {model.name}`")
    return model


def load_metadata(folder: Path) -> dict:
    return read_json(folder / METADATA_FILE)
