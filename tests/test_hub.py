"""The Hub dataset built from a small release of invented documents, loaded for real with
``datasets.load_dataset`` (offline)."""

import json
import os
import subprocess
import sys

import datasets
import mlcroissant
import pytest
import yaml
from release_helpers import add_documents, calls, invented_document, prepare

from readouts.cli import main
from readouts.hub import hub_features
from readouts.releases import load_manifest

CONFIGS = ("standard", "cross-lingual", "temporal")


@pytest.fixture
def release(repo):
    """Release 0.1.0 with public-domain, CC BY (uk/en parallel pairs, ru) and one all-rights-reserved document."""
    prepare(repo, "0.1.0")
    cc = {"license_": "CC-BY-4.0"}
    pairs = []
    for i in range(6):
        day = f"2022-04-{1 + 4 * i:02d}"
        pairs += [invented_document(f"resist-uk-{i}", day, source="president.gov.ua", parallel_group=f"g{i}", **cc),
                  invented_document(f"resist-en-{i}", day, source="president.gov.ua", parallel_group=f"g{i}", **cc)]
    add_documents(repo, calls("wh-en-", 10, start="2022-01-01") + calls("wh-en-late", 6, start="2023-02-01")
                  + calls("kremlin-ru-", 6, start="2023-03-01", source="kremlin.ru", **cc) + pairs
                  + [invented_document("seed-uk-0000aaaa", "2025-08-10", source="liga.net", license_="all-rights-reserved")])
    assert main(["release", "create", "--bump", "minor", "--date", "2026-11-21"]) == 0
    return repo


@pytest.fixture
def built(release, tmp_path):
    out = tmp_path / "hub"
    assert main(["hub", "build", str(out), "--release", "v0.1.0"]) == 0
    return out


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def card_header(out) -> dict:
    text = (out / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


@pytest.mark.parametrize("config", CONFIGS)
def test_every_config_loads_with_declared_features_and_counts(built, offline, tmp_path, config):
    header = card_header(built)
    info = next(i for i in header["dataset_info"] if i["config_name"] == config)
    declared = datasets.Features._from_yaml_list(info["features"])
    assert declared == hub_features()
    loaded = datasets.load_dataset(str(built), config, cache_dir=str(tmp_path / "cache"))
    assert {s["name"]: s["num_examples"] for s in info["splits"]} == {name: len(split) for name, split in loaded.items()}
    for split in loaded.values():
        assert split.features == declared
    if config == "standard":
        manifest = load_manifest("0.1.0")
        assert {name: len(split) for name, split in loaded.items()} == manifest["counts"]["splits"]
        rows = [row for split in loaded.values() for row in split]
        assert sorted(r["document_id"] for r in rows) == sorted(manifest["documents"])
        for row in rows:
            assert row["annotation_sha256"] == manifest["documents"][row["document_id"]]["annotation_sha256"]
            if row["text_available"]:
                for participant in row["participants"]:
                    for mention in participant["mentions"]:
                        assert row["text"][mention["start"]:mention["end"]] == mention["text"]


def test_all_rights_reserved_text_is_withheld_and_explained(built, offline, tmp_path):
    loaded = datasets.load_dataset(str(built), "standard", cache_dir=str(tmp_path / "cache"))
    rows = {row["document_id"]: row for split in loaded.values() for row in split}
    seed = rows["seed-uk-0000aaaa"]
    assert seed["text"] == "" and seed["title"] == "" and seed["text_available"] is False
    assert seed["participants"] and seed["topics"]  # annotations are kept
    assert all(row["text"] for doc_id, row in rows.items() if doc_id != "seed-uk-0000aaaa")
    card = (built / "README.md").read_text(encoding="utf-8")
    assert "`seed-uk-0000aaaa` (all-rights-reserved): https://example.org/seed-uk-0000aaaa" in card


def test_card_metadata_and_provenance(built):
    header = card_header(built)
    assert header["license"] == "other" and "CC BY 4.0" in header["license_details"]
    assert header["language"] == ["en", "uk", "ru"]
    assert header["annotations_creators"] == ["expert-generated"]  # the test annotations say annotator_kind human
    assert [c["config_name"] for c in header["configs"]] == sorted(CONFIGS)
    assert next(c for c in header["configs"] if c["config_name"] == "standard")["default"] is True


def test_attribution_and_croissant(built):
    attribution = (built / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "## President of Ukraine (president.gov.ua)" in attribution and "## President of Russia (kremlin.ru)" in attribution
    assert "https://example.org/kremlin-ru-000" in attribution and "seed-uk-0000aaaa" not in attribution
    metadata = json.loads((built / "croissant.json").read_text(encoding="utf-8"))
    for key in ("rai:dataCollection", "rai:dataAnnotationProtocol", "rai:annotatorDemographics", "rai:dataBiases",
                "rai:dataLimitations", "rai:personalSensitiveInformation", "rai:dataUseCases"):
        assert metadata[key]
    dataset = mlcroissant.Dataset(jsonld=str(built / "croissant.json"))
    assert dataset.metadata.name == "readouts"
    assert (built / "schema" / "taxonomy.json").is_file() and (built / "manifest.json").is_file()


def test_building_twice_gives_identical_bytes(built, tmp_path):
    def snapshot(folder):
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    first = snapshot(built)
    assert main(["hub", "build", str(built), "--release", "0.1.0"]) == 0
    other = tmp_path / "again"
    assert main(["hub", "build", str(other), "--release", "0.1.0"]) == 0
    assert snapshot(built) == first == snapshot(other)


def test_build_refuses_a_folder_it_did_not_make(release, tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["hub", "build", str(tmp_path / "mine"), "--release", "0.1.0"]) == 2
    assert "not empty" in capsys.readouterr().err


def publish(out, tmp_path, *extra, **env):
    environment = {k: v for k, v in os.environ.items() if k != "HF_TOKEN"}
    environment.update({"HF_HOME": str(tmp_path / "hf-home"), "HF_HUB_OFFLINE": "1", **env})
    return subprocess.run([sys.executable, "-c", "import sys; from readouts.cli import main; sys.exit(main())", "hub", "publish", str(out), "--repo-id", "org/readouts", *extra],
                          capture_output=True, text=True, env=environment, timeout=120)


def test_publish_dry_run_lists_files(built, tmp_path):
    result = publish(built, tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "data/standard/test-00000-of-00001.parquet" in result.stdout and "README.md" in result.stdout
    assert "dry run: nothing uploaded" in result.stdout


def test_publish_without_token_or_network_fails_cleanly(built, tmp_path):
    no_token = publish(built, tmp_path)
    assert no_token.returncode == 2 and "no Hugging Face token" in no_token.stderr
    offline = publish(built, tmp_path, HF_TOKEN="hf_invented_for_the_test")
    assert offline.returncode == 2 and "publishing to org/readouts failed" in offline.stderr
    assert "Traceback" not in offline.stderr


@pytest.mark.corpus
def test_the_latest_real_release_builds_and_loads(shared_corpus, offline, tmp_path, monkeypatch):
    """The published dataset itself: the latest committed release joined with the real corpus loads with
    datasets in every config, with the manifest's counts and every mention equal to its text span."""
    from conftest import REPO
    from readouts.releases import latest_release

    monkeypatch.setenv("READOUTS_ROOT", str(REPO))
    monkeypatch.setenv("READOUTS_CORPUS", str(shared_corpus))
    version = latest_release()
    out = tmp_path / "hub"
    assert main(["hub", "build", str(out), "--release", version]) == 0
    manifest = load_manifest(version)
    standard = datasets.load_dataset(str(out), "standard", cache_dir=str(tmp_path / "cache"))
    assert {split: len(rows) for split, rows in standard.items()} == manifest["counts"]["splits"]
    for config in ("cross-lingual", "temporal"):
        assert datasets.load_dataset(str(out), config, cache_dir=str(tmp_path / "cache"))
    for split in standard.values():
        for row in split:
            assert row["text_available"] == (not row["document_id"].startswith("seed-"))
            for participant in row["participants"]:
                for mention in participant["mentions"]:
                    assert not row["text_available"] or row["text"][mention["start"]:mention["end"]] == mention["text"]
