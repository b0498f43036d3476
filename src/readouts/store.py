"""The annotation store: one canonical JSON file per document in an annotation set folder
(``annotations/gold/<document_id>.json``), loaded as typed objects or as one pandas DataFrame per layer."""

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .errors import InputError
from .jsonio import canonical_json, read_json, sha256_text, write_json
from .paths import annotation_set_dir

GOLD = "gold"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Participant:
    actor_id: str
    name: str
    office: str
    role_type: str
    affiliation: str
    participation: str
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class Stance:
    holder: str
    target: str
    label: str
    evidence: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Contact:
    type: str
    participants: tuple[str, ...] = ()
    contact_id: str = ""  # shared by every report of the same contact, across publishers ("" = not linked)


@dataclass(frozen=True)
class Annotation:
    """One annotation of one document. ``extra`` keeps provenance, adjudication and notes verbatim so
    that a load/save round trip never loses a field."""

    document_id: str
    text_sha256: str
    schema_version: str
    guideline_version: str
    in_scope: bool
    contacts: tuple[Contact, ...] = ()
    participants: tuple[Participant, ...] = ()
    stance: tuple[Stance, ...] = ()
    topics: tuple[str, ...] = ()
    provenance: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> "Annotation":
        known = {"document_id", "text_sha256", "schema_version", "guideline_version", "in_scope",
                 "contacts", "participants", "stance", "topics", "provenance"}
        return cls(
            document_id=data["document_id"],
            text_sha256=data["text_sha256"],
            schema_version=data["schema_version"],
            guideline_version=data["guideline_version"],
            in_scope=data["in_scope"],
            contacts=tuple(Contact(c["type"], tuple(c["participants"]), c.get("contact_id", "")) for c in data["contacts"]),
            participants=tuple(
                Participant(**{**p, "mentions": tuple(Mention(**m) for m in p["mentions"])}) for p in data["participants"]
            ),
            stance=tuple(Stance(**{**s, "evidence": tuple(Span(**e) for e in s["evidence"])}) for s in data["stance"]),
            topics=tuple(data["topics"]),
            provenance=dict(data["provenance"]),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        extra = data.pop("extra")
        for contact in data["contacts"]:
            if not contact["contact_id"]:  # unlinked contacts serialise as before, so their hashes do not change
                del contact["contact_id"]
        data = _lists(data)
        data.update(extra)
        return data

    def sha256(self) -> str:
        """Hash of the canonical serialisation: what release manifests record."""
        return sha256_text(canonical_json(self.to_dict()))

    def direct_participants(self) -> list[Participant]:
        return [p for p in self.participants if p.participation == "direct"]


def _lists(value: Any) -> Any:
    """Tuples become lists so the dict equals what was read from JSON."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def annotation_path(document_id: str, set_name: str = GOLD, root: Path | None = None) -> Path:
    folder = Path(root) if root else annotation_set_dir(set_name)
    return folder / f"{document_id}.json"


def save_annotation(annotation: Annotation | dict, set_name: str = GOLD, root: Path | None = None) -> Path:
    """Write one annotation atomically in canonical form; returns the path."""
    data = annotation.to_dict() if isinstance(annotation, Annotation) else annotation
    path = annotation_path(data["document_id"], set_name, root)
    write_json(path, data)
    return path


def annotation_files(set_name: str = GOLD, root: Path | None = None) -> list[Path]:
    folder = Path(root) if root else annotation_set_dir(set_name)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such annotation set folder")
    return sorted(folder.glob("*.json"))


def load_raw(set_name: str = GOLD, root: Path | None = None) -> list[tuple[Path, Any]]:
    """Every file of a set as parsed JSON, with its path (no validation)."""
    return [(path, read_json(path)) for path in annotation_files(set_name, root)]


def load_annotations(set_name: str = GOLD, root: Path | None = None) -> list[Annotation]:
    """Every annotation of a set as typed objects. Run ``readouts validate`` first: this assumes the
    files are valid and raises InputError naming the file when one is not even shaped right."""
    annotations = []
    for path, data in load_raw(set_name, root):
        try:
            annotations.append(Annotation.from_dict(data))
        except (KeyError, TypeError) as exc:
            raise InputError(f"{path}: not a valid annotation ({exc}); run `readouts validate`") from None
    return annotations


def layer_frames(annotations: Iterable[Annotation]) -> dict[str, pd.DataFrame]:
    """One tidy DataFrame per layer, each keyed by ``document_id``: documents, contacts, participants,
    mentions, stance and topics."""
    rows: dict[str, list[dict]] = {k: [] for k in ("documents", "contacts", "participants", "mentions", "stance", "topics")}
    for ann in annotations:
        doc = ann.document_id
        rows["documents"].append({
            "document_id": doc, "in_scope": ann.in_scope, "guideline_version": ann.guideline_version,
            "annotator_id": ann.provenance.get("annotator_id"), "annotator_kind": ann.provenance.get("annotator_kind"),
            "review_status": ann.provenance.get("review_status"),
        })
        for index, contact in enumerate(ann.contacts):
            rows["contacts"].append({"document_id": doc, "contact": index, "type": contact.type, "participants": list(contact.participants)})
        for p in ann.participants:
            rows["participants"].append({"document_id": doc, "actor_id": p.actor_id, "name": p.name, "office": p.office,
                                         "role_type": p.role_type, "affiliation": p.affiliation,
                                         "participation": p.participation, "n_mentions": len(p.mentions)})
            for m in p.mentions:
                rows["mentions"].append({"document_id": doc, "actor_id": p.actor_id, "start": m.start, "end": m.end, "text": m.text})
        for s in ann.stance:
            rows["stance"].append({"document_id": doc, "holder": s.holder, "target": s.target, "label": s.label, "n_evidence": len(s.evidence)})
        for topic in ann.topics:
            rows["topics"].append({"document_id": doc, "topic": topic})
    columns = {
        "documents": ["document_id", "in_scope", "guideline_version", "annotator_id", "annotator_kind", "review_status"],
        "contacts": ["document_id", "contact", "type", "participants"],
        "participants": ["document_id", "actor_id", "name", "office", "role_type", "affiliation", "participation", "n_mentions"],
        "mentions": ["document_id", "actor_id", "start", "end", "text"],
        "stance": ["document_id", "holder", "target", "label", "n_evidence"],
        "topics": ["document_id", "topic"],
    }
    return {name: pd.DataFrame(rows[name], columns=columns[name]) for name in rows}
