"""The annotation store: one canonical JSON file per document in an annotation set folder
(``annotations/gold/<document_id>.json``), loaded as typed objects or as one pandas DataFrame per layer."""

import ctypes
import errno
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .errors import InputError
from .jsonio import canonical_json, read_json, sha256_text, write_json
from .locks import exclusive_lock
from .paths import NOT_ANNOTATION_SETS, annotation_set_dir, annotations_dir

GOLD = "gold"
AGREEMENT_REPORT = "report.json"  # written beside the passes of an agreement round; not an annotation


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
    """Write one annotation atomically in canonical form, under the set's lock (so that it never lands in
    a folder that ``save_annotations`` is replacing); returns the path."""
    data = annotation.to_dict() if isinstance(annotation, Annotation) else annotation
    path = annotation_path(data["document_id"], set_name, root)
    with exclusive_lock(path.parent):
        write_json(path, data)
    return path


def save_annotations(annotations: list[dict], set_name: str) -> list[Path]:
    """Write several annotations into one set all-or-nothing: a reader, a failed write or a killed process
    sees the set as it was or with every new file, never half a batch, and no temporary file is left in
    it. The set is linked into a hidden staging folder beside it (hard links: no data is copied), the new
    files are written there, and the two folders are exchanged in one atomic rename. Leftovers of an
    interrupted call are removed by the next one."""
    folder = annotation_set_dir(set_name)
    staging, old = (folder.with_name(f".{folder.name}.{suffix}") for suffix in ("annotate-staging", "annotate-old"))
    with exclusive_lock(folder):
        _remove_leftovers(folder, staging, old)
        try:
            if folder.is_dir():
                shutil.copytree(folder, staging, symlinks=True, copy_function=os.link)
            else:
                staging.mkdir(parents=True)
            for annotation in annotations:
                write_json(annotation_path(annotation["document_id"], root=staging), annotation)
            _swap_in(staging, folder, old)
        finally:
            _remove_leftovers(folder, staging, old)
    return [annotation_path(annotation["document_id"], root=folder) for annotation in annotations]


def _swap_in(staging: Path, folder: Path, old: Path) -> None:
    """Put the complete staging folder in the set's place."""
    if not folder.is_dir():
        os.rename(staging, folder)
        return
    try:
        _exchange(staging, folder)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS):
            raise
        os.rename(folder, old)  # no atomic exchange on this system: a moment without the folder
        os.rename(staging, folder)


def _exchange(first: Path, second: Path) -> None:
    """Swap two folders in one atomic step (Linux renameat2 with RENAME_EXCHANGE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        raise OSError(errno.ENOSYS, "renameat2 is not available", str(first))
    at_cwd, rename_exchange = -100, 2
    if libc.renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), rename_exchange) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(first))


def _remove_leftovers(folder: Path, staging: Path, old: Path) -> None:
    """Undo what a failed or killed ``save_annotations`` left: the staging folder is never complete before
    the exchange (and holds the replaced set after it), and the old folder is restored only if the process
    stopped between the two fallback renames."""
    if old.is_dir() and not folder.exists():
        os.rename(old, folder)
    for leftover in (staging, old):
        if leftover.is_dir():
            shutil.rmtree(leftover)


def annotation_sets(root: Path | None = None) -> list[str]:
    """The name of every annotation set under ``annotations/`` (or ``root``): each folder, at any depth,
    holding annotation files, such as ``gold``, ``agreement/pass1`` and ``agreement/round2/pass1``. Hidden
    folders, releases, sample selections, review records and agreement reports are not annotations."""
    root = Path(root) if root else annotations_dir()
    sets = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and not (folder == str(root) and d in NOT_ANNOTATION_SETS))
        if Path(folder) != root and any(_is_annotation_file(name) for name in files):
            sets.append(Path(folder).relative_to(root).as_posix())
    return sorted(sets)


def _is_annotation_file(name: str) -> bool:
    return name.endswith(".json") and not name.startswith(".") and name != AGREEMENT_REPORT


def annotation_files(set_name: str = GOLD, root: Path | None = None) -> list[Path]:
    folder = Path(root) if root else annotation_set_dir(set_name)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such annotation set folder")
    return sorted(path for path in folder.glob("*.json") if _is_annotation_file(path.name))


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


def annotations_by_id(set_name: str = GOLD, root: Path | None = None) -> dict[str, Annotation]:
    """An annotation set as ``{document_id: Annotation}``."""
    return {a.document_id: a for a in load_annotations(set_name, root=root)}


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
