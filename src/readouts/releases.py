"""Versioned, immutable data releases.

A release is two files under ``annotations/releases/``: a manifest ``vX.Y.Z.json`` (versions of schema,
taxonomy, guidelines and registry, document metadata, annotation hashes and splits) and a snapshot
``vX.Y.Z.annotations.jsonl`` (every annotation, one canonical line each, sorted by document id). Any past
release can be materialised, checked and diffed from these files alone, without git history.

Semantic versioning for data: MAJOR = a schema or taxonomy change that breaks old labels (or documents
removed), MINOR = documents added (label corrections may ride along), PATCH = label corrections only."""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from .actors import registry_path
from .corpus import load_corpus
from .errors import CheckFailed, InputError
from .jsonio import atomic_write_text, iter_jsonl, read_json, write_json
from .paths import annotations_dir, repo_root
from .schema import schema_version
from .splits import SPLITS, assign_splits, load_assignments, load_settings, save_assignments, setting_splits
from .store import GOLD, Annotation, annotation_files, load_annotations, load_raw
from .taxonomy import load_taxonomy
from .validate import validate_files

BUMPS = ("major", "minor", "patch")
WORKING = "working"  # the name `release diff` gives the annotations on disk
_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


# --- Versions and files --------------------------------------------------------------------------

def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION.match(text or "")
    if not match:
        raise InputError(f"{text!r} is not a release version like 1.2.0 or v1.2.0")
    return tuple(int(part) for part in match.groups())


def normalise_version(text: str) -> str:
    """``v1.2.0`` and ``1.2.0`` name the same release; manifests store ``1.2.0``."""
    return ".".join(map(str, parse_version(text)))


def bump_version(previous: str | None, bump: str) -> str:
    """The next version. The first release is 0.1.0 (``--bump minor``) or 1.0.0 (``--bump major``)."""
    if bump not in BUMPS:
        raise InputError(f"--bump must be one of {', '.join(BUMPS)}")
    if previous is None:
        if bump == "patch":
            raise CheckFailed("there is no release to patch yet: the first release is --bump minor (0.1.0) or --bump major (1.0.0)")
        return "1.0.0" if bump == "major" else "0.1.0"
    major, minor, patch = parse_version(previous)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[bump]


def releases_dir() -> Path:
    return annotations_dir() / "releases"


def manifest_path(version: str) -> Path:
    return releases_dir() / f"v{normalise_version(version)}.json"


def snapshot_path(version: str) -> Path:
    return releases_dir() / f"v{normalise_version(version)}.annotations.jsonl"


def list_releases() -> list[str]:
    """Versions with a manifest, oldest first (``["0.1.0", "0.2.0", ...]``)."""
    folder = releases_dir()
    if not folder.is_dir():
        return []
    versions = [path.name[1:-len(".json")] for path in folder.glob("v*.json")]
    return sorted((v for v in versions if _VERSION.match(v)), key=parse_version)


def latest_release() -> str:
    versions = list_releases()
    if not versions:
        raise InputError(f"no release in {releases_dir()}: create one with `readouts release create --bump minor`")
    return versions[-1]


def load_manifest(version: str) -> dict:
    path = manifest_path(version)
    if not path.is_file():
        known = ", ".join(list_releases()) or "none"
        raise InputError(f"no release {version} ({path} does not exist); releases: {known}")
    return read_json(path)


def snapshot_line(annotation: Annotation) -> str:
    return json.dumps(annotation.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def read_snapshot(version: str) -> dict[str, Annotation]:
    path = snapshot_path(version)
    out: dict[str, Annotation] = {}
    for line_number, data in iter_jsonl(path):
        try:
            annotation = Annotation.from_dict(data)
        except (KeyError, TypeError) as exc:
            raise InputError(f"{path}:{line_number}: not an annotation ({exc})") from None
        out[annotation.document_id] = annotation
    return out


def materialise(version: str) -> dict[str, Annotation]:
    """Every annotation of a release, by document id, from its snapshot (verified against the manifest)."""
    manifest = load_manifest(version)
    annotations = read_snapshot(version)
    problems = _snapshot_problems(manifest, annotations, snapshot_path(version))
    if problems:
        raise CheckFailed("\n".join(problems))
    return annotations


def split_documents(version: str, split: str, setting: str = "standard") -> list[str]:
    """Document ids of one split of a release under an evaluation setting (sorted). The settings are those
    recorded in the manifest when the release was made, so a setting of a release never changes."""
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; splits: {', '.join(SPLITS)}")
    manifest = load_manifest(version)
    splits = setting_splits(manifest["documents"], materialise(version), manifest["settings"], setting)
    return splits.get(split, [])


# --- What changed --------------------------------------------------------------------------------

@dataclass
class Change:
    """Documents added, removed and relabelled since the previous release, and breaking changes."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    breaking: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.breaking)


def _major(version: str | None) -> str | None:
    return version.split(".")[0] if version else None


def compare(previous: dict | None, hashes: Mapping[str, str], versions: Mapping[str, str]) -> Change:
    """``hashes``: annotation hash by document id now; ``versions``: schema and taxonomy versions now."""
    old = previous["documents"] if previous else {}
    change = Change(
        added=sorted(set(hashes) - set(old)),
        removed=sorted(set(old) - set(hashes)),
        changed=sorted(d for d in hashes if d in old and old[d]["annotation_sha256"] != hashes[d]),
    )
    if previous:
        for key in ("schema_version", "taxonomy_version"):
            if _major(previous[key]) != _major(versions[key]):
                change.breaking.append(f"{key} {previous[key]} -> {versions[key]}")
        if change.removed:
            change.breaking.append(f"{len(change.removed)} documents removed")
    return change


def check_bump(bump: str, change: Change) -> None:
    """Refuse a bump that contradicts the change: major is required for breaking changes; minor needs added
    documents (and allows corrections beside them); patch allows corrections only."""
    if change.empty:
        raise CheckFailed("nothing changed since the last release: no document added, removed or relabelled")
    if change.breaking and bump != "major":
        raise CheckFailed(f"--bump {bump} refused: breaking change ({'; '.join(change.breaking)}) needs --bump major")
    if bump == "minor" and not change.added:
        raise CheckFailed(f"--bump minor refused: no document was added; {len(change.changed)} label corrections are --bump patch")
    if bump == "patch" and change.added:
        raise CheckFailed(f"--bump patch refused: {len(change.added)} documents were added (e.g. {change.added[0]}); use --bump minor")


def changelog_has(version: str, path: Path | None = None) -> bool:
    path = Path(path) if path else repo_root() / "CHANGELOG.md"
    if not path.is_file():
        return False
    return re.search(rf"^## \[{re.escape(version)}\]", path.read_text(encoding="utf-8"), re.MULTILINE) is not None


# --- Creating a release --------------------------------------------------------------------------

def current_versions() -> dict[str, str]:
    return {"schema_version": schema_version("annotation"), "taxonomy_version": load_taxonomy().version,
            "registry_version": read_json(registry_path())["version"]}


def _document_record(annotation: Annotation, document: dict, split: str) -> dict:
    return {
        "annotation_sha256": annotation.sha256(), "split": split, "in_scope": annotation.in_scope,
        "language": document["language"], "source": document["source"], "publisher_type": document["publisher_type"],
        "date": document["date"] or None, "license": document["license"], "text_length": len(document["text"]),
        "text_sha256": document["text_sha256"], "parallel_group": document.get("parallel_group") or None,
    }


def _counts(documents: Mapping[str, dict]) -> dict:
    def tally(key: str, in_scope_only: bool = False) -> dict:
        out: dict[str, int] = {}
        for record in documents.values():
            if record["in_scope"] or not in_scope_only:
                out[record[key]] = out.get(record[key], 0) + 1
        return dict(sorted(out.items()))

    return {"documents": len(documents), "in_scope": sum(r["in_scope"] for r in documents.values()),
            "splits": {s: sum(r["split"] == s for r in documents.values()) for s in SPLITS},
            "in_scope_splits": {s: sum(r["split"] == s and r["in_scope"] for r in documents.values()) for s in SPLITS},
            "languages": tally("language"), "sources": tally("source")}


def _guideline_version(annotations: Mapping[str, Annotation]) -> str:
    """The newest guideline version any annotation of the release follows."""
    return max((a.guideline_version for a in annotations.values()), key=lambda v: tuple(int(p) for p in v.split(".")))


def _frozen_splits(previous: dict | None) -> dict[str, str]:
    """annotations/splits.json, checked against the previous release: a released document never moves."""
    frozen = load_assignments()
    if previous:
        moved = [f"{doc} ({record['split']} in {previous['version']}, {frozen[doc]} in splits.json)"
                 for doc, record in sorted(previous["documents"].items()) if doc in frozen and frozen[doc] != record["split"]]
        if moved:
            raise CheckFailed("annotations/splits.json moves released documents to another split; restore them:\n  " + "\n  ".join(moved))
        frozen.update({doc: record["split"] for doc, record in previous["documents"].items()})
    return frozen


def create_release(bump: str, day: str | None = None, corpus_path: Path | None = None) -> dict:
    """Validate the gold set, check the bump against what changed and the changelog entry, freeze splits,
    then write snapshot, splits.json and (last, so a crash never leaves a manifest without a snapshot) the
    manifest. Returns the manifest."""
    day = day or datetime.now(timezone.utc).date().isoformat()
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        raise InputError(f"--date {day!r} is not a date YYYY-MM-DD") from None
    corpus = load_corpus(corpus_path)  # required: manifests record text length, language, licence...
    report = validate_files(load_raw(GOLD), corpus, gold=True)
    if not report.ok:
        shown = "\n  ".join(str(p) for p in report.problems[:20])
        raise CheckFailed(f"annotations/gold does not validate ({len(report.problems)} problems); run `readouts validate`:\n  {shown}")
    annotations = {a.document_id: a for a in load_annotations(GOLD)}
    if not annotations:
        raise CheckFailed("annotations/gold is empty: nothing to release")

    versions = current_versions()
    previous_version = next(reversed(list_releases()), None)
    previous = load_manifest(previous_version) if previous_version else None
    check_bump(bump, compare(previous, {d: a.sha256() for d, a in annotations.items()}, versions))
    version = bump_version(previous_version, bump)
    if manifest_path(version).exists():
        raise CheckFailed(f"{manifest_path(version)} exists: releases are immutable; fix data in a new version")
    if not changelog_has(version):
        raise CheckFailed(f"CHANGELOG.md has no entry '## [{version}]': describe what changed before releasing {version}")
    settings = load_settings()

    frozen = _frozen_splits(previous)
    documents = {d: corpus[d] for d in annotations}
    splits = assign_splits(documents, annotations, frozen)
    records = {d: _document_record(annotations[d], documents[d], splits[d]) for d in sorted(annotations)}
    manifest = {
        "version": version, "date": day, **versions, "guideline_version": _guideline_version(annotations),
        "supersedes": previous_version, "counts": _counts(records), "settings": settings, "documents": records,
    }
    atomic_write_text(snapshot_path(version), "".join(snapshot_line(annotations[d]) + "\n" for d in sorted(annotations)))
    save_assignments({**frozen, **splits})
    write_json(manifest_path(version), manifest)
    return manifest


# --- Checking a release --------------------------------------------------------------------------

def _snapshot_problems(manifest: dict, snapshot: Mapping[str, Annotation], where: Path) -> list[str]:
    expected = manifest["documents"]
    problems = [f"{where}: {d}: missing from the snapshot" for d in sorted(set(expected) - set(snapshot))]
    problems += [f"{where}: {d}: not in the manifest" for d in sorted(set(snapshot) - set(expected))]
    problems += [f"{where}: {d}: annotation hash differs from the manifest"
                 for d in sorted(set(expected) & set(snapshot)) if snapshot[d].sha256() != expected[d]["annotation_sha256"]]
    if list(snapshot) != sorted(snapshot):
        problems.append(f"{where}: lines are not sorted by document_id")
    return problems


def check_release(version: str | None = None) -> tuple[str, list[str]]:
    """Problems (empty when all is well) between a release and annotations/gold on disk, and between the
    release's snapshot and its manifest."""
    version = normalise_version(version) if version else latest_release()
    manifest = load_manifest(version)
    problems = _snapshot_problems(manifest, read_snapshot(version), snapshot_path(version))
    expected = manifest["documents"]
    on_disk: dict[str, tuple[Path, str | None]] = {}
    for path in annotation_files(GOLD):
        try:
            on_disk[path.stem] = (path, Annotation.from_dict(read_json(path)).sha256())
        except (InputError, KeyError, TypeError, AttributeError):  # unreadable counts as differing
            on_disk[path.stem] = (path, None)
    for doc_id in sorted(set(expected) - set(on_disk)):
        problems.append(f"missing: {doc_id} is in release {version} but annotations/gold/{doc_id}.json does not exist")
    for doc_id in sorted(set(on_disk) - set(expected)):
        problems.append(f"extra: {on_disk[doc_id][0]} is not in release {version}")
    for doc_id in sorted(set(expected) & set(on_disk)):
        path, digest = on_disk[doc_id]
        if digest != expected[doc_id]["annotation_sha256"]:
            problems.append(f"differs: {path} does not match release {version} (annotation_sha256)")
    return version, problems
