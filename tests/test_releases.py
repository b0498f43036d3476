"""Releases in a temporary repository with invented documents: create, check, diff, list, refusals and
immutability."""

import json

import pytest
from release_helpers import add_documents, calls, out_of_scope, prepare, write_changelog

from readouts.cli import main
from readouts.jsonio import read_json, write_json
from readouts.errors import CheckFailed
from readouts.releases import (bump_version, latest_release, list_releases, load_manifest, materialise,
                               release_checksum, snapshot_path, split_documents)
from readouts.splits import SPLITS
from readouts.store import load_annotations, save_annotation


def release(*args: str) -> int:
    return main(["release", *args])


@pytest.fixture
def released(repo, tiny_documents):
    """A repository with release 0.1.0 of eight invented calls and one out-of-scope document."""
    prepare(repo, "0.1.0", "0.1.1", "0.2.0", "1.0.0")
    add_documents(repo, calls("wh-en-a", 8))
    save_annotation(out_of_scope(tiny_documents[3]))
    assert release("create", "--bump", "minor", "--date", "2026-11-21") == 0
    return repo


def a_train_document() -> str:
    """An in-scope document of the latest release in train (removing it keeps test above its minimum)."""
    documents = load_manifest(latest_release())["documents"]
    return next(d for d, r in sorted(documents.items()) if r["split"] == "train" and r["in_scope"])


def test_first_release_records_manifest_snapshot_and_splits(capsys, released):
    manifest = load_manifest("v0.1.0")
    assert list_releases() == ["v0.1.0"] and latest_release() == "v0.1.0"
    assert manifest["version"] == "0.1.0" and manifest["supersedes"] is None and manifest["date"] == "2026-11-21"
    assert manifest["schema_version"] == "1.0.0" and manifest["taxonomy_version"] == "1.0.0"
    assert manifest["registry_version"] == "1.0.0" and manifest["guideline_version"] == "1.0"
    docs = manifest["documents"]
    assert len(docs) == 9 and manifest["counts"]["documents"] == 9 and manifest["counts"]["in_scope"] == 8
    record = docs["wh-en-a000"]
    assert record["language"] == "en" and record["license"] == "public-domain-us-government"
    assert record["text_length"] > 0 and record["parallel_group"] is None and record["in_scope"] is True
    assert docs["test-en-other1"]["in_scope"] is False
    assert sum(manifest["counts"]["splits"].values()) == 9
    for setting, splits in manifest["counts"]["settings"].items():  # per setting, split and language, as scoring builds them
        for split, counts in splits.items():
            ids = split_documents("0.1.0", split, setting)
            assert counts["documents"] == len(ids) and counts["in_scope"] == sum(docs[d]["in_scope"] for d in ids)
            assert sum(c["documents"] for c in counts["languages"].values()) == len(ids)
    assert manifest["counts"]["settings"]["standard"]["test"]["documents"] == manifest["counts"]["splits"]["test"]
    assert read_json(released / "annotations" / "splits.json") == {d: r["split"] for d, r in docs.items()}
    lines = snapshot_path("0.1.0").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["document_id"] for line in lines] == sorted(docs)
    assert materialise("0.1.0") == {a.document_id: a for a in load_annotations()}
    assert sorted(sum((split_documents("0.1.0", s) for s in SPLITS), [])) == sorted(docs)
    checksum = release_checksum("0.1.0")
    out = capsys.readouterr().out
    for step in (f"Release checksum: `sha256:{checksum}`", "readouts stats", "git add annotations/gold annotations/actors.json "
                 "annotations/releases annotations/splits.json CHANGELOG.md", f"-m 'Readouts v0.1.0, release checksum sha256:{checksum}'"):
        assert step in out  # the checklist names the gold files, the registry, the changelog and the statistics
    assert release("check") == 0
    assert f"release v0.1.0: intact (release checksum sha256:{checksum})" in capsys.readouterr().out


def test_check_is_about_the_release_files_not_the_gold_folder(released, tiny_documents, capsys):
    """Editing annotations/gold after a release is normal work: `check` stays green, `diff working` shows it."""
    gold = released / "annotations" / "gold"
    data = read_json(gold / "wh-en-a003.json")
    data["topics"] = ["sanctions"]
    save_annotation(data)
    (gold / "wh-en-a005.json").unlink()
    (gold / "wh-en-a001.json").write_text("{not json", encoding="utf-8")
    assert release("check", "0.1.0") == 0
    assert "release v0.1.0: intact" in capsys.readouterr().out


def test_check_detects_a_tampered_snapshot(released, capsys):
    path = snapshot_path("0.1.0")
    lines = path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["in_scope"] = not first["in_scope"]
    lines[0] = json.dumps(first, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert release("check") == 1
    err = capsys.readouterr().err
    assert f"snapshot: {first['document_id']}: annotation hash differs from manifest.documents" in err
    assert f"manifest.documents.{first['document_id']}.in_scope" in err
    with pytest.raises(CheckFailed, match="annotation hash differs"):
        materialise("0.1.0")


def test_create_refuses_without_changelog_entry(repo, capsys):
    prepare(repo, "0.2.0")
    add_documents(repo, calls("wh-en-a", 3))
    assert release("create", "--bump", "minor") == 1
    assert "CHANGELOG.md has no entry '## [0.1.0]'" in capsys.readouterr().err
    assert list_releases() == []
    write_changelog(repo, "0.1.0")
    assert release("create", "--bump", "minor") == 0


def test_create_refuses_when_validation_fails(repo, capsys):
    prepare(repo, "0.1.0")
    add_documents(repo, calls("wh-en-a", 3))
    data = read_json(repo / "annotations" / "gold" / "wh-en-a001.json")
    data["topics"] = ["not_a_topic"]
    save_annotation(data)
    assert release("create", "--bump", "minor") == 1
    err = capsys.readouterr().err
    assert "does not validate" in err and "wh-en-a001.json: $.topics[0]: unknown topic 'not_a_topic'" in err
    assert list_releases() == [] and not (repo / "annotations" / "splits.json").exists()


def test_create_needs_the_corpus(repo, monkeypatch, capsys):
    prepare(repo, "0.1.0")
    add_documents(repo, calls("wh-en-a", 3))
    monkeypatch.setenv("READOUTS_CORPUS", str(repo / "nowhere.jsonl"))
    assert release("create", "--bump", "minor") == 2
    assert "no corpus" in capsys.readouterr().err


def test_bump_must_match_the_change(released, capsys):
    assert release("create", "--bump", "patch") == 1
    assert "nothing changed" in capsys.readouterr().err

    data = read_json(released / "annotations" / "gold" / "wh-en-a002.json")
    data["topics"] = ["sanctions"]
    save_annotation(data)
    assert release("create", "--bump", "minor") == 1
    assert "no document was added" in capsys.readouterr().err
    assert release("create", "--bump", "patch", "--date", "2026-11-22") == 0
    assert load_manifest("0.1.1")["supersedes"] == "0.1.0"
    assert load_manifest("0.1.1")["supersedes_sha256"] == release_checksum("0.1.0")

    add_documents(released, calls("wh-en-b", 2, start="2023-01-01"))
    assert release("create", "--bump", "patch") == 1
    assert "documents were added (e.g. wh-en-b000); use --bump minor" in capsys.readouterr().err
    assert release("create", "--bump", "minor") == 0
    assert list_releases() == ["v0.1.0", "v0.1.1", "v0.2.0"]

    (released / "annotations" / "gold" / f"{a_train_document()}.json").unlink()
    assert release("create", "--bump", "patch") == 1
    assert "needs --bump major" in capsys.readouterr().err
    assert release("create", "--bump", "major") == 0
    assert latest_release() == "v1.0.0"
    assert release("check") == 0


def test_releases_are_immutable(released):
    manifest = (released / "annotations" / "releases" / "v0.1.0.json").read_bytes()
    snapshot = snapshot_path("0.1.0").read_bytes()
    add_documents(released, calls("wh-en-b", 3, start="2023-01-01"))
    assert release("create", "--bump", "minor") == 0
    assert (released / "annotations" / "releases" / "v0.1.0.json").read_bytes() == manifest
    assert snapshot_path("0.1.0").read_bytes() == snapshot
    assert release("check", "v0.2.0") == 0 and release("check", "0.1.0") == 0


def test_diff_lists_added_documents_and_changed_labels(released, capsys):
    data = read_json(released / "annotations" / "gold" / "wh-en-a002.json")
    data["topics"] = ["sanctions", "energy_security"]
    data["stance"][0]["label"] = "against"
    save_annotation(data)
    add_documents(released, calls("wh-en-b", 1, start="2023-01-01"))
    capsys.readouterr()
    assert release("diff", "0.1.0", "working", "--json") == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["from"] == "v0.1.0" and diff["to"] == "working"
    assert diff["added"] == ["wh-en-b000"] and diff["removed"] == []
    assert diff["changed"] == {"wh-en-a002": {
        "stance": {"removed": ["joe-biden -> sanctions_on_russia: favor"], "added": ["joe-biden -> sanctions_on_russia: against"]},
        "topics": {"removed": ["military_aid"], "added": ["energy_security"]}}}
    assert release("diff", "v0.1.0", "working") == 0
    table = capsys.readouterr().out
    assert "1 added, 0 removed, 1 relabelled" in table
    assert "wh-en-a002  topics  + energy_security" in table


def test_diff_between_two_releases_and_list(released, capsys):
    removed = a_train_document()
    (released / "annotations" / "gold" / f"{removed}.json").unlink()
    assert release("create", "--bump", "major", "--date", "2026-12-01") == 0
    capsys.readouterr()
    assert release("diff", "0.1.0", "1.0.0", "--json") == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["removed"] == [removed] and diff["added"] == [] and diff["changed"] == {}
    assert release("list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["release", "date", "documents", "in", "scope", "train", "validation", "test"]
    assert out[1].split()[:4] == ["v0.1.0", "2026-11-21", "9", "8"]
    assert out[2].split()[:4] == ["v1.0.0", "2026-12-01", "8", "7"]


def test_unknown_release_is_bad_input(released, capsys):
    assert release("check", "9.9.9") == 2
    assert "no release v9.9.9" in capsys.readouterr().err
    assert release("diff", "0.1.0", "banana") == 2


@pytest.mark.parametrize("previous, bump, expected", [
    (None, "minor", "0.1.0"), (None, "major", "1.0.0"), ("0.1.0", "patch", "0.1.1"),
    ("0.1.3", "minor", "0.2.0"), ("1.4.2", "major", "2.0.0"),
])
def test_bump_version(previous, bump, expected):
    assert bump_version(previous, bump) == expected


def test_the_next_manifest_chains_the_previous_checksum(released, capsys):
    """Rewriting v0.1.0 together with its recorded checksum is still caught by v0.2.0's manifest."""
    from readouts.releases import _record_checksum, field_digests, manifest_path
    add_documents(released, calls("wh-en-b", 2, start="2023-01-01"))
    assert release("create", "--bump", "minor") == 0
    manifest = read_json(manifest_path("0.1.0"))
    manifest["settings"]["settings"]["standard"]["description"] = "rewritten"
    (manifest_path("0.1.0")).write_text(json.dumps(manifest), encoding="utf-8")
    _record_checksum("0.1.0", field_digests(manifest, snapshot_path("0.1.0").read_bytes()))
    capsys.readouterr()
    assert release("check") == 1
    assert "manifest.supersedes_sha256: differs from the checksum of v0.1.0's files" in capsys.readouterr().err


def test_create_refuses_to_build_on_a_tampered_release(released, capsys):
    path = snapshot_path("0.1.0")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    add_documents(released, calls("wh-en-b", 2, start="2023-01-01"))
    assert release("create", "--bump", "minor") == 1
    assert "release v0.1.0 is not intact" in capsys.readouterr().err and list_releases() == ["v0.1.0"]


def test_a_new_major_version_of_the_evaluation_settings_needs_a_major_release(released, capsys):
    """Redefining what a setting tests (e.g. cross-lingual over every Ukrainian and Russian document) breaks
    comparisons with scores on the previous release, even when every label stays the same."""
    settings_file = released / "annotations" / "settings.json"
    settings = read_json(settings_file)
    settings["version"] = "9.0.0"
    write_json(settings_file, settings)
    add_documents(released, calls("wh-en-s", 2, start="2023-02-01"))
    assert release("create", "--bump", "minor") == 1
    assert "evaluation settings" in capsys.readouterr().err
    assert release("create", "--bump", "major") == 0
    assert latest_release() == "v1.0.0"
