"""Versioned, immutable data releases.

A release is two files under ``annotations/releases/``: a manifest ``vX.Y.Z.json`` (versions of schema,
taxonomy, guidelines and registry, document metadata, annotation hashes and splits) and a snapshot
``vX.Y.Z.annotations.jsonl`` (every annotation, one canonical line each, sorted by document id). Any past
release can be materialised, checked and diffed from these files alone, without git history.

Semantic versioning for data: MAJOR = a schema or taxonomy change that breaks old labels (or documents
removed), MINOR = documents added (label corrections may ride along), PATCH = label corrections only."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from .actors import registry_path
from .corpus import load_corpus
from .errors import CheckFailed, InputError, shorten, summarise
from .jsonio import atomic_write_text, canonical_json, parse_json, read_json, sha256_text, write_json
from .paths import annotations_dir, repo_root
from .schema import require_valid, schema_version
from .splits import SPLITS, assign_splits, load_assignments, load_settings, save_assignments, setting_splits
from .store import GOLD, Annotation, annotations_by_id, load_raw
from .taxonomy import load_taxonomy
from .validate import validate_files

BUMPS = ("major", "minor", "patch")
WORKING = "working"  # the name `release diff` gives the annotations on disk
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")  # used with fullmatch: "0.1.0\n" is not a version


# --- Versions and files --------------------------------------------------------------------------

def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION.fullmatch(text or "") if isinstance(text, str) else None
    if not match:
        raise InputError(f"{shorten(repr(text))} is not a release name like v0.2.0 (or 0.2.0)")
    return tuple(int(part) for part in match.groups())


def normalise_version(text: str) -> str:
    """The bare number ``1.2.0`` of ``v1.2.0`` or ``1.2.0``: what manifests store in their version fields."""
    return ".".join(map(str, parse_version(text)))


def release_name(text: str) -> str:
    """The canonical name ``v1.2.0`` of ``v1.2.0`` or ``1.2.0``: what commands print, results files and
    submission metadata record, and the Hub tags."""
    return f"v{normalise_version(text)}"


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


def checksums_path() -> Path:
    return releases_dir() / "checksums.json"


def list_releases() -> list[str]:
    """Releases with a manifest, oldest first (``["v0.1.0", "v0.2.0", ...]``)."""
    folder = releases_dir()
    if not folder.is_dir():
        return []
    versions = [path.name[1:-len(".json")] for path in folder.glob("v*.json")]
    return [release_name(v) for v in sorted((v for v in versions if _VERSION.fullmatch(v)), key=parse_version)]


def latest_release() -> str:
    versions = list_releases()
    if not versions:
        raise InputError(f"no release in {releases_dir()}: create one with `readouts release create --bump minor`")
    return versions[-1]


def load_manifest(version: str) -> dict:
    """The manifest of a release, checked against schema/release-manifest.schema.json (not yet against
    its checksum: ``materialise`` and ``check_release`` do that)."""
    path = manifest_path(version)
    if not path.is_file():
        known = ", ".join(list_releases()) or "none"
        raise InputError(f"no release {release_name(version)} ({path} does not exist); releases: {known}")
    manifest = read_json(path)
    require_valid("release-manifest", manifest, str(path))
    return manifest


def snapshot_line(annotation: Annotation) -> str:
    return json.dumps(annotation.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def read_snapshot(version: str) -> tuple[dict[str, Annotation], list[str]]:
    """The annotations of a snapshot by document id, and every problem with its lines: each line must be
    exactly the canonical form of one annotation ending in LF (no blank or CRLF line, no second line for
    a document, sorted by document id), so that the bytes the checksum covers are the labels scored."""
    path = snapshot_path(version)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (the snapshot of release {release_name(version)})") from None
    annotations: dict[str, Annotation] = {}
    first_line: dict[str, int] = {}
    problems: list[str] = []
    lines = data.split(b"\n")
    if lines[-1]:
        problems.append(f"{path}: the last line does not end with a newline")
    for line_number, raw in enumerate(lines[:-1] if not lines[-1] else lines, 1):
        where = f"{path}:{line_number}"
        if raw.endswith(b"\r"):
            problems.append(f"{where}: CRLF line ending; snapshot lines end with LF only")
            raw = raw[:-1]
        if not raw.strip():
            problems.append(f"{where}: blank line")
            continue
        try:
            annotation = Annotation.from_dict(parse_json(raw.decode("utf-8"), where))
            if not isinstance(annotation.document_id, str):
                raise TypeError("$.document_id is not a string")
        except UnicodeDecodeError as exc:
            problems.append(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})")
            continue
        except InputError as exc:
            problems.append(str(exc))
            continue
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            problems.append(f"{where}: not an annotation ({shorten(str(exc))})")
            continue
        doc = annotation.document_id
        if doc in first_line:
            problems.append(f"{where}: a second line for {shorten(doc)} (first on line {first_line[doc]}); one line per document")
            continue
        if snapshot_line(annotation).encode("utf-8") != raw:
            problems.append(f"{where}: {shorten(doc)}: not in canonical form (compact JSON with sorted keys, as `release create` writes it)")
        first_line[doc] = line_number
        annotations[doc] = annotation
    if list(annotations) != sorted(annotations):
        problems.append(f"{path}: lines are not sorted by document_id")
    return annotations, problems


def materialise(version: str) -> dict[str, Annotation]:
    """Every annotation of a release, by document id, from its snapshot. Refuses (CheckFailed) unless the
    manifest and the snapshot are exactly what was released (see ``integrity_problems``)."""
    annotations, problems = _verified(version)
    if problems:
        name = release_name(version)
        raise CheckFailed(summarise(problems, f"release {name} is not intact; run `readouts release check {name}`:", limit=20,
                                    always_heading=True))
    return annotations


def _verified(version: str) -> tuple[dict[str, Annotation], list[str]]:
    """``integrity_problems`` cached by the size and modification time of the files it reads, so that
    scoring, which materialises a release several times, hashes it once."""
    folder = releases_dir()
    stamps = tuple(sorted((path.name, path.stat().st_size, path.stat().st_mtime_ns) for path in folder.iterdir() if path.is_file()))
    annotations, problems = _verified_cached(normalise_version(version), folder, stamps)
    return dict(annotations), list(problems)


@lru_cache(maxsize=8)
def _verified_cached(version: str, folder: Path, stamps: tuple) -> tuple[dict[str, Annotation], list[str]]:
    return integrity_problems(version)


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


def compare(previous: dict | None, hashes: Mapping[str, str], versions: Mapping[str, str],
            settings_version: str | None = None) -> Change:
    """``hashes``: annotation hash by document id now; ``versions``: schema and taxonomy versions now;
    ``settings_version``: the evaluation settings' version now (a new major redefines a setting's test)."""
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
        before = previous["settings"]["version"]
        if settings_version and _major(before) != _major(settings_version):
            change.breaking.append(f"evaluation settings {before} -> {settings_version}")
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


def _counts(documents: Mapping[str, dict], annotations: Mapping[str, Annotation], settings: dict) -> dict:
    """What a reader checks first: documents and in-scope documents per split, language and source, and
    per evaluation setting, split and language (the setting's splits as scoring builds them)."""
    def tally(key: str, in_scope_only: bool = False) -> dict:
        out: dict[str, int] = {}
        for record in documents.values():
            if record["in_scope"] or not in_scope_only:
                out[record[key]] = out.get(record[key], 0) + 1
        return dict(sorted(out.items()))

    return {"documents": len(documents), "in_scope": sum(r["in_scope"] for r in documents.values()),
            "splits": {s: sum(r["split"] == s for r in documents.values()) for s in SPLITS},
            "in_scope_splits": {s: sum(r["split"] == s and r["in_scope"] for r in documents.values()) for s in SPLITS},
            "languages": tally("language"), "sources": tally("source"),
            "settings": {setting: {split: _split_counts([documents[d] for d in ids]) for split, ids in
                                   setting_splits(documents, annotations, settings, setting).items()}
                         for setting in sorted(settings["settings"])}}


def _split_counts(records: list[dict]) -> dict:
    languages = sorted({r["language"] for r in records})
    return {"documents": len(records), "in_scope": sum(r["in_scope"] for r in records),
            "languages": {lang: {"documents": sum(r["language"] == lang for r in records),
                                 "in_scope": sum(r["language"] == lang and r["in_scope"] for r in records)} for lang in languages}}


def _guideline_version(annotations: Mapping[str, Annotation]) -> str:
    """The newest guideline version any annotation of the release follows."""
    return max((a.guideline_version for a in annotations.values()), key=lambda v: tuple(int(p) for p in v.split(".")))


def _frozen_splits(previous: dict | None) -> dict[str, str]:
    """annotations/splits.json, checked against the previous release: a released document never moves."""
    frozen = load_assignments()
    if previous:
        moved = [f"{doc} ({record['split']} in {release_name(previous['version'])}, {frozen[doc]} in splits.json)"
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
    annotations = annotations_by_id(GOLD)
    if not annotations:
        raise CheckFailed("annotations/gold is empty: nothing to release")

    versions = current_versions()
    previous_version = next(reversed(list_releases()), None)
    previous = load_manifest(previous_version) if previous_version else None
    if previous_version:
        materialise(previous_version)  # never build on a release that was tampered with
    settings = load_settings()
    check_bump(bump, compare(previous, {d: a.sha256() for d, a in annotations.items()}, versions, settings["version"]))
    version = bump_version(previous_version, bump)
    if manifest_path(version).exists():
        raise CheckFailed(f"{manifest_path(version)} exists: releases are immutable; fix data in a new version")
    if not changelog_has(version):
        raise CheckFailed(f"CHANGELOG.md has no entry '## [{version}]': describe what changed before releasing {version}")

    frozen = _frozen_splits(previous)
    documents = {d: corpus[d] for d in annotations}
    splits = assign_splits(documents, annotations, frozen)
    records = {d: _document_record(annotations[d], documents[d], splits[d]) for d in sorted(annotations)}
    manifest = {
        "version": version, "date": day, **versions, "guideline_version": _guideline_version(annotations),
        "supersedes": previous_version and normalise_version(previous_version), "counts": _counts(records, annotations, settings),
        "settings": settings, "documents": records,
    }
    if previous_version:
        manifest["supersedes_sha256"] = release_checksum(previous_version)
    snapshot = "".join(snapshot_line(annotations[d]) + "\n" for d in sorted(annotations))
    atomic_write_text(snapshot_path(version), snapshot)
    save_assignments({**frozen, **splits})
    _record_checksum(version, field_digests(manifest, snapshot.encode("utf-8")))
    write_json(manifest_path(version), manifest)
    return manifest


# --- Checking a release --------------------------------------------------------------------------

def _digest(value) -> str:
    return sha256_text(canonical_json(value))


def field_digests(manifest: dict, snapshot: bytes) -> dict[str, str]:
    """SHA-256 of each manifest field (one per top-level field, one per column of the document records,
    such as ``documents.*.split``) and of the snapshot's bytes: recorded at release time, they let a check
    name the field that changed."""
    digests = {f"manifest.{key}": _digest(value) for key, value in manifest.items() if key != "documents"}
    documents = manifest.get("documents", {})
    digests["manifest.documents (ids)"] = _digest(sorted(documents))
    for column in sorted({key for record in documents.values() for key in record}):
        digests[f"manifest.documents.*.{column}"] = _digest({doc: record.get(column) for doc, record in documents.items()})
    digests["snapshot"] = hashlib.sha256(snapshot).hexdigest()
    return digests


def checksum(digests: Mapping[str, str]) -> str:
    """The release checksum: SHA-256 of the canonical JSON of its field digests (so of the canonical
    manifest and the snapshot). Recorded in checksums.json, the next manifest, the changelog and the Hub tag."""
    return _digest(dict(digests))


def release_checksum(version: str) -> str:
    """The checksum of a release's files as they are now."""
    return checksum(field_digests(read_json(manifest_path(version)), snapshot_path(version).read_bytes()))


def load_checksums() -> dict:
    """``{"v0.2.0": {"sha256": ..., "fields": {...}}, ...}`` from annotations/releases/checksums.json."""
    path = checksums_path()
    if not path.is_file():
        return {}
    data = read_json(path)
    if not isinstance(data, dict) or not all(isinstance(e, dict) and isinstance(e.get("fields"), dict) for e in data.values()):
        raise InputError(f"{path}: $: expected {{release: {{\"sha256\": ..., \"fields\": {{...}}}}}}")
    return data


def _record_checksum(version: str, digests: Mapping[str, str]) -> None:
    write_json(checksums_path(), {**load_checksums(), release_name(version): {"sha256": checksum(digests), "fields": dict(digests)}})


def _checksum_problems(version: str, digests: Mapping[str, str]) -> list[str]:
    """Each field whose digest differs from the one recorded when the release was made."""
    name = release_name(version)
    recorded = load_checksums().get(name)
    where = checksums_path()
    if recorded is None:
        return [f"{where}: no checksum recorded for {name}, so its fields cannot be verified"]
    fields = recorded["fields"]
    if recorded.get("sha256") != checksum(fields):
        return [f"{where}: $.{name}: the entry was edited (its sha256 is not the checksum of its fields)"]
    problems = [f"{field}: differs from the checksum recorded when {name} was released"
                for field in sorted(set(fields) & set(digests)) if fields[field] != digests[field]]
    problems += [f"{field}: missing (recorded when {name} was released)" for field in sorted(set(fields) - set(digests))]
    problems += [f"{field}: not in {name} when it was released" for field in sorted(set(digests) - set(fields))]
    return problems


def _manifest_problems(version: str, manifest: dict, annotations: Mapping[str, Annotation]) -> list[str]:
    """What a manifest must agree with: its file name, its own documents (counts), the snapshot (hashes,
    in-scope flags, text hashes, guideline version) and the release it supersedes."""
    expected = manifest["documents"]
    problems = []
    if normalise_version(manifest["version"]) != normalise_version(version):
        problems.append(f"manifest.version: {manifest['version']!r} but the file is {manifest_path(version).name}")
    counted = _counts(expected, annotations, manifest["settings"])
    if "settings" not in manifest["counts"]:
        del counted["settings"]  # releases before v1.0.0 did not count per setting
    problems += [f"manifest.counts.{key}: {shorten(repr(manifest['counts'].get(key)))} recorded, {shorten(repr(value))} in manifest.documents"
                 for key, value in counted.items() if manifest["counts"].get(key) != value]
    problems += [f"snapshot: {d}: missing (it is in manifest.documents)" for d in sorted(set(expected) - set(annotations))]
    problems += [f"snapshot: {d}: not in manifest.documents" for d in sorted(set(annotations) - set(expected))]
    for doc in sorted(set(expected) & set(annotations)):
        annotation, record = annotations[doc], expected[doc]
        if annotation.sha256() != record["annotation_sha256"]:
            problems.append(f"snapshot: {doc}: annotation hash differs from manifest.documents.{doc}.annotation_sha256")
        if annotation.in_scope != record["in_scope"]:
            problems.append(f"manifest.documents.{doc}.in_scope: {record['in_scope']} but the annotation says {annotation.in_scope}")
        if annotation.text_sha256 != record["text_sha256"]:
            problems.append(f"manifest.documents.{doc}.text_sha256: differs from the annotation's text_sha256")
    if annotations and manifest["guideline_version"] != _guideline_version(annotations):
        problems.append(f"manifest.guideline_version: {manifest['guideline_version']!r} but the newest annotation follows {_guideline_version(annotations)!r}")
    older = [v for v in list_releases() if parse_version(v) < parse_version(version)]
    previous = normalise_version(older[-1]) if older else None
    if manifest["supersedes"] != previous:
        problems.append(f"manifest.supersedes: {manifest['supersedes']!r} but the previous release is {previous!r}")
    if previous and "supersedes_sha256" in manifest and manifest["supersedes_sha256"] != release_checksum(previous):
        problems.append(f"manifest.supersedes_sha256: differs from the checksum of {release_name(previous)}'s files "
                        f"(one of the two releases was changed)")
    return problems


def integrity_problems(version: str) -> tuple[dict[str, Annotation], list[str]]:
    """The snapshot's annotations and every problem with a release's own files: manifest schema, snapshot
    lines, manifest against snapshot, and each field against the checksums recorded at release time."""
    manifest = load_manifest(version)
    annotations, problems = read_snapshot(version)
    problems += _manifest_problems(version, manifest, annotations)
    problems += _checksum_problems(version, field_digests(manifest, snapshot_path(version).read_bytes()))
    return annotations, problems


def _changelog_checksum(version: str, path: Path | None = None) -> str | None:
    """The checksum on a "Release checksum" line of the version's CHANGELOG.md section, if there is one."""
    path = Path(path) if path else repo_root() / "CHANGELOG.md"
    if not path.is_file():
        return None
    section = re.search(rf"^## \[{re.escape(normalise_version(version))}\](.*?)(?=^## |\Z)", path.read_text(encoding="utf-8"),
                        re.MULTILINE | re.DOTALL)
    found = re.search(r"release checksum\W*(?:sha256:)?([0-9a-f]{64})", section.group(1), re.IGNORECASE) if section else None
    return found.group(1) if found else None


def _splits_file_problems(manifest: dict) -> list[str]:
    """annotations/splits.json must keep every released document in its released split."""
    frozen = load_assignments()
    if not frozen:
        return []
    return [f"annotations/splits.json: {doc} is in {frozen.get(doc)!r} but manifest.documents.{doc}.split is {record['split']!r}; "
            f"a released document never moves"
            for doc, record in sorted(manifest["documents"].items()) if frozen.get(doc) != record["split"]]


def check_release(version: str, expected_sha256: str | None = None) -> tuple[str, list[str]]:
    """The checksum of a release and every problem with it (empty when intact): its own files (see
    ``integrity_problems``), annotations/splits.json, the checksum in CHANGELOG.md (when written there)
    and ``expected_sha256`` (a checksum published elsewhere, e.g. in a paper or the Hub tag)."""
    manifest = load_manifest(version)
    _, problems = integrity_problems(version)
    problems = list(problems) + _splits_file_problems(manifest)
    actual = release_checksum(version)
    published = {"CHANGELOG.md": _changelog_checksum(version), "--sha256": expected_sha256}
    problems += [f"release checksum: {actual} but {source} says {shorten(value)}"
                 for source, value in published.items() if value is not None and value.removeprefix("sha256:") != actual]
    return actual, problems
