"""The gold side of an evaluation: the annotations of one split plus the per-document metadata that
scoring and breakdowns need (language, source, publisher type, text length), so that scoring needs no
corpus text. Built from a release (the normal case) or from an annotation set and the corpus (for
development before anything is released)."""

from dataclasses import dataclass, field
from importlib import import_module

from ..errors import InputError
from ..store import Annotation, annotations_by_id

BREAKDOWN_FIELDS = ("language", "source", "publisher_type")
SPLITS = ("train", "validation", "test")
SETTINGS = ("standard", "cross-lingual", "temporal")


@dataclass(frozen=True)
class GoldSet:
    """``annotations`` and ``metadata`` are keyed by document id and cover exactly the split's documents;
    ``release_ids`` are all documents of the release (to tell another split's id from an unknown one)."""

    release: str | None
    split: str
    setting: str
    annotations: dict[str, Annotation]
    metadata: dict[str, dict]
    release_ids: frozenset = field(default_factory=frozenset)
    source: str = ""  # what the gold came from, for the results file
    release_text_lengths: dict = field(default_factory=dict)  # of every release document: to check other splits' lines too

    def __post_init__(self):
        if set(self.annotations) != set(self.metadata):
            raise InputError("gold set: annotations and metadata cover different documents")
        if not self.annotations:
            raise InputError(f"gold set {self.source or self.release}: split {self.split!r} ({self.setting}) has no documents")

    @property
    def document_ids(self) -> list[str]:
        return sorted(self.annotations)

    def text_length(self, document_id: str) -> int:
        if document_id in self.metadata:
            return self.metadata[document_id]["text_length"]
        return self.release_text_lengths[document_id]


def gold_set_from_release(version: str, split: str, setting: str = "standard") -> GoldSet:
    """The gold of ``split`` under ``setting`` in release ``version``, through readouts.releases."""
    try:
        releases = import_module("readouts.releases")
    except ImportError:
        raise InputError(f"release {version} is unavailable: this installation has no release support (readouts.releases)") from None
    version = releases.release_name(version)  # one canonical form (v1.2.0) in results, whatever was typed
    manifest = releases.load_manifest(version)
    documents = manifest["documents"]
    ids = releases.split_documents(version, split, setting)
    annotations = releases.materialise(version)
    missing = [doc for doc in ids if doc not in annotations or doc not in documents]
    if missing:
        raise InputError(f"release {version}: {len(missing)} documents of split {split!r} lack an annotation or manifest entry, e.g. {missing[0]}")
    return GoldSet(
        release=version, split=split, setting=setting, source=f"release {version}",
        annotations={doc: annotations[doc] for doc in ids},
        metadata={doc: {key: documents[doc][key] for key in (*BREAKDOWN_FIELDS, "text_length")} for doc in ids},
        release_ids=frozenset(documents),
        release_text_lengths={doc: record["text_length"] for doc, record in documents.items()},
    )


def gold_set_from_annotations(set_name: str, corpus: dict[str, dict]) -> GoldSet:
    """Every document of an annotation set as one unreleased split (metadata from the corpus)."""
    annotations = annotations_by_id(set_name)
    absent = sorted(doc for doc in annotations if doc not in corpus)
    if absent:
        raise InputError(f"annotations/{set_name}: {len(absent)} documents are not in the corpus, e.g. {absent[0]}")
    metadata = {doc: {"language": corpus[doc]["language"], "source": corpus[doc]["source"],
                      "publisher_type": corpus[doc].get("publisher_type", "unknown"), "text_length": len(corpus[doc]["text"])}
                for doc in annotations}
    return GoldSet(release=None, split="all", setting="standard", annotations=annotations, metadata=metadata,
                   release_ids=frozenset(annotations), source=f"annotations/{set_name}")
