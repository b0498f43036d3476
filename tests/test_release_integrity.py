"""`release check` on a temporary copy of the real releases v0.1.0 and v0.2.0: intact as committed, and each
kind of tampering that would change scores is caught with a message naming the field; scoring
(``materialise``) refuses the same releases."""

import json
import shutil

import pytest
from conftest import REPO

from readouts.cli import main
from readouts.errors import CheckFailed
from readouts.jsonio import canonical_json, read_json, write_json
from readouts.releases import field_digests, load_checksums, manifest_path, materialise, release_checksum, snapshot_path
from readouts.releases import _record_checksum


@pytest.fixture
def releases(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(REPO / "schema", root / "schema")
    shutil.copytree(REPO / "annotations" / "releases", root / "annotations" / "releases")
    shutil.copy(REPO / "annotations" / "splits.json", root / "annotations" / "splits.json")
    monkeypatch.setenv("READOUTS_ROOT", str(root))
    return root


def edit_manifest(version: str, change) -> None:
    manifest = read_json(manifest_path(version))
    change(manifest)
    write_json(manifest_path(version), manifest)


def a_document(manifest: dict, **wanted) -> str:
    return next(doc for doc, record in sorted(manifest["documents"].items()) if all(record[k] == v for k, v in wanted.items()))


def move_to_test(manifest):
    manifest["documents"][a_document(manifest, split="train")]["split"] = "test"


def edit_setting(manifest):
    manifest["settings"]["settings"]["temporal"]["cutoff"] = "2024-01-01"


def lengthen_text(manifest):
    manifest["documents"][a_document(manifest)]["text_length"] += 1


def relabel_language(manifest):
    manifest["documents"][a_document(manifest, language="en")]["language"] = "uk"


def flip_in_scope(manifest):
    record = manifest["documents"][a_document(manifest, in_scope=False)]
    record["in_scope"] = True


def inflate_counts(manifest):
    manifest["counts"]["in_scope"] += 1


def rename_version(manifest):
    manifest["version"] = "0.2.1"


def snapshot_lines(version: str) -> list[str]:
    return snapshot_path(version).read_text(encoding="utf-8").splitlines(keepends=True)


def write_snapshot(version: str, lines: list[str]) -> None:
    snapshot_path(version).write_bytes("".join(lines).encode("utf-8"))


def forge_a_line_before_the_real_one(version):
    lines = snapshot_lines(version)
    forged = json.loads(lines[0])
    forged["topics"] = []
    lines.insert(0, json.dumps(forged, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
    write_snapshot(version, lines)


def add_a_blank_line(version):
    lines = snapshot_lines(version)
    write_snapshot(version, [lines[0], "\n", *lines[1:]])


def use_crlf(version):
    write_snapshot(version, [line.replace("\n", "\r\n") for line in snapshot_lines(version)])


def move_in_splits_file(version):
    path = snapshot_path(version).parents[1] / "splits.json"
    splits = read_json(path)
    moved = a_document(read_json(manifest_path(version)), split="test")
    splits[moved] = "train"
    write_json(path, splits)


def edit_checksums_file(version):
    checksums = load_checksums()
    checksums[f"v{version}"]["fields"]["manifest.settings"] = "0" * 64
    write_json(snapshot_path(version).parent / "checksums.json", checksums)


TAMPERINGS = [
    # (what, how, release file it touches, what the message names, scoring refuses too)
    ("a document's split", lambda v: edit_manifest(v, move_to_test), "manifest.documents.*.split", True),
    ("the settings", lambda v: edit_manifest(v, edit_setting), "manifest.settings", True),
    ("a text length", lambda v: edit_manifest(v, lengthen_text), "manifest.documents.*.text_length", True),
    ("a language", lambda v: edit_manifest(v, relabel_language), "manifest.documents.*.language", True),
    ("an in-scope flag", lambda v: edit_manifest(v, flip_in_scope), ".in_scope: True but the annotation says False", True),
    ("the counts", lambda v: edit_manifest(v, inflate_counts), "manifest.counts.in_scope", True),
    ("the version", lambda v: edit_manifest(v, rename_version), "manifest.version", True),
    ("a forged duplicate snapshot line first", forge_a_line_before_the_real_one, "a second line for", True),
    ("a blank snapshot line", add_a_blank_line, ":2: blank line", True),
    ("CRLF snapshot lines", use_crlf, "CRLF line ending", True),
    ("splits.json moving a released document", move_in_splits_file, "annotations/splits.json:", False),
    ("the recorded checksums", edit_checksums_file, "$.v0.2.0: the entry was edited", True),
]


def test_the_committed_releases_are_intact(releases, capsys):
    assert main(["release", "check"]) == 0
    out = capsys.readouterr().out
    assert "release v0.1.0: intact" in out and "release v0.2.0: intact" in out
    assert len(materialise("v0.2.0")) == read_json(manifest_path("0.2.0"))["counts"]["documents"]


@pytest.mark.parametrize("what, tamper, named, scoring_refuses", TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_check_names_each_tampered_field(releases, capsys, what, tamper, named, scoring_refuses):
    tamper("0.2.0")
    assert main(["release", "check", "v0.2.0"]) == 1
    err = capsys.readouterr().err
    assert named in err, err
    assert "Traceback" not in err
    if scoring_refuses:
        with pytest.raises(CheckFailed, match="not intact"):
            materialise("0.2.0")


def test_a_consistent_forgery_is_caught_by_the_published_checksum(releases, capsys):
    """Manifest and checksums.json edited together: only a checksum kept elsewhere (changelog, Hub tag,
    paper) can tell, and `check --sha256` and the CHANGELOG line do."""
    published = release_checksum("0.2.0")
    edit_manifest("0.2.0", edit_setting)
    _record_checksum("0.2.0", field_digests(read_json(manifest_path("0.2.0")), snapshot_path("0.2.0").read_bytes()))
    assert main(["release", "check", "v0.2.0"]) == 0
    assert main(["release", "check", "v0.2.0", "--sha256", published]) == 1
    assert f"says {published}" in capsys.readouterr().err
    (releases / "CHANGELOG.md").write_text(f"## [0.2.0] - 2026-11-21\n- Release checksum: `sha256:{published}`\n\n## [0.1.0]\n",
                                           encoding="utf-8")
    assert main(["release", "check", "v0.2.0"]) == 1
    assert "CHANGELOG.md says" in capsys.readouterr().err


def test_the_checksum_covers_the_canonical_manifest_not_its_layout(releases):
    before = release_checksum("0.2.0")
    manifest = read_json(manifest_path("0.2.0"))
    manifest_path("0.2.0").write_text(json.dumps(manifest, indent=4), encoding="utf-8")
    assert release_checksum("0.2.0") == before
    assert canonical_json(read_json(manifest_path("0.2.0"))) == canonical_json(manifest)


def test_a_manifest_without_documents_is_a_message(releases, capsys):
    edit_manifest("0.2.0", lambda manifest: manifest.pop("documents"))
    assert main(["release", "check", "v0.2.0"]) == 2
    assert "'documents' is a required property" in capsys.readouterr().err
