"""The Hub dataset built from a small release of invented documents, loaded for real with
``datasets.load_dataset`` (offline)."""

import json
import os
import re
import shutil
import subprocess
import sys

import datasets
import mlcroissant
import pytest
import yaml
from conftest import make_gold, tiny_document
from test_cli_light import RUN_WITHOUT_EXTRAS
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
    assert "`seed-uk-0000aaaa` (all-rights-reserved): <https://example.org/seed-uk-0000aaaa>" in card


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


# --- A Hub folder alone is enough to score (issue 14) ---------------------------------------------

def test_labels_are_strings_and_rows_make_a_valid_submission_scored_outside_any_checkout(built, offline, tmp_path):
    """A downloaded folder (a copy, far from any checkout, READOUTS_ROOT unset): load with datasets, turn the
    test rows into predictions, and score them with `readouts evaluate --hub-dir` on a core install."""
    downloaded = tmp_path / "elsewhere" / "readouts-v0.1.0"
    shutil.copytree(built, downloaded)
    test_rows = datasets.load_dataset(str(downloaded), "standard", cache_dir=str(tmp_path / "cache"))["test"]
    row = test_rows[0]
    assert isinstance(row["language"], str) and all(isinstance(t, str) for t in row["topics"])
    predictions = tmp_path / "elsewhere" / "predictions.jsonl"
    with open(predictions, "w", encoding="utf-8") as handle:
        for row in test_rows:
            prediction = {
                "document_id": row["document_id"], "in_scope": row["in_scope"], "topics": row["topics"],
                "participants": [{k: v for k, v in p.items() if k not in ("name", "office")} for p in row["participants"]],
                "stance": [{k: v for k, v in s.items() if k != "evidence"} for s in row["stance"]]}
            handle.write(json.dumps(prediction, ensure_ascii=False) + "\n")
    environment = {k: v for k, v in os.environ.items() if k not in ("READOUTS_ROOT", "READOUTS_CORPUS")}
    # the core install is enough: every optional dependency is made unimportable for the harness
    result = subprocess.run([sys.executable, "-c", RUN_WITHOUT_EXTRAS,
                             "evaluate", str(predictions), "--hub-dir", str(downloaded), "--split", "test", "--json",
                             "--n-resamples", "50"],
                            capture_output=True, text=True, env=environment, cwd=tmp_path / "elsewhere", timeout=300)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)
    assert results["release"] == "v0.1.0" and results["documents"]["scored"] == len(test_rows)
    assert results["metrics"]["overall"]["value"] == 1.0  # the gold itself, read back from the rows, is a perfect system
    compared = subprocess.run([sys.executable, "-c", RUN_WITHOUT_EXTRAS, "compare", str(predictions), str(predictions),
                               "--hub-dir", str(downloaded), "--n-resamples", "50"],
                              capture_output=True, text=True, env=environment, cwd=tmp_path / "elsewhere", timeout=300)
    assert compared.returncode == 0 and "overall" in compared.stdout, compared.stderr


def test_hub_dir_that_is_not_a_build_is_refused(repo, tmp_path, capsys):
    (tmp_path / "x.jsonl").write_text("{}\n", encoding="utf-8")
    assert main(["evaluate", str(tmp_path / "x.jsonl"), "--hub-dir", str(tmp_path)]) == 2
    assert "not a Readouts Hub folder" in capsys.readouterr().err


def test_files_are_world_readable_and_listed(built):
    listing = json.loads((built / "files.json").read_text(encoding="utf-8"))
    on_disk = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()} - {"files.json"}
    assert set(listing["files"]) == on_disk
    assert {"annotations/actors.json", "annotations/releases/v0.1.0.json", "annotations/releases/v0.1.0.annotations.jsonl",
            "schema/prediction.schema.json"} <= on_disk
    for path in [built, *built.rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o755 if path.is_dir() else 0o644), path


def test_a_build_that_fails_half_way_leaves_the_previous_build_intact(built, monkeypatch, tmp_path, capsys):
    import readouts.hub as hub

    before = {p.relative_to(built): p.read_bytes() for p in built.rglob("*") if p.is_file()}

    def broken(path):
        raise hub.CheckFailed(f"{path}: invented failure")

    working = hub.validate_croissant
    monkeypatch.setattr(hub, "validate_croissant", broken)
    assert main(["hub", "build", str(built), "--release", "0.1.0"]) == 1
    assert {p.relative_to(built): p.read_bytes() for p in built.rglob("*") if p.is_file()} == before
    assert [p.name for p in built.parent.iterdir() if p.name.startswith(".")] == []  # no half-built folder left

    killed = built.parent / f".{built.name}.building-abc123"  # what a kill -9 during a build leaves
    (killed / "data").mkdir(parents=True)
    monkeypatch.setattr(hub, "validate_croissant", working)
    assert main(["hub", "build", str(built), "--release", "0.1.0"]) == 0
    assert not killed.exists()


def test_publish_sends_only_listed_files_and_refuses_a_changed_folder(built, tmp_path):
    (built / ".env").write_text("HF_TOKEN=secret\n", encoding="utf-8")
    dry = publish(built, tmp_path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "not in files.json, never uploaded: .env" in dry.stdout
    assert not any(line.strip().endswith(" .env") for line in dry.stdout.splitlines() if not line.startswith("not in"))
    (built / "data" / "standard" / "test-00000-of-00001.parquet").unlink()
    broken = publish(built, tmp_path, "--dry-run")
    assert broken.returncode == 1 and "data/standard/test-00000-of-00001.parquet: missing" in broken.stderr


def test_card_is_for_outsiders(built):
    card = (built / "README.md").read_text(encoding="utf-8")
    assert "@misc{readouts_v0_1_0," in card and "## Limitations" in card
    assert "readouts evaluate predictions.jsonl --hub-dir" in card and "LEADERBOARD" in card
    assert "<org>" not in card and 'load_dataset("readouts-benchmark/readouts")' in card


def test_card_names_each_model_once_without_internal_roles(repo):
    from readouts.hub import annotation_provenance
    from readouts.store import Annotation

    def annotation(model):
        data = make_gold(tiny_document("test-en-call1"))
        data["provenance"] = {**data["provenance"], "annotator_kind": "llm", "model": model}
        return Annotation.from_dict(data)

    provenance = annotation_provenance({"a": annotation("Claude (Anthropic), LLM annotator subagent"),
                                        "b": annotation("Claude (Anthropic), founding-engineer session")})
    assert provenance["models"] == {"Claude (Anthropic)": 2}


def test_untrusted_titles_and_urls_cannot_inject_markdown(repo):
    from readouts.hub import attribution_markdown

    hostile = {"id": "kremlin-en-1", "source": "kremlin.ru", "license": "CC-BY-4.0",
               "title": "Talks | fake cell\n# Injected heading <script>x</script> [link](http://evil)",
               "url": "javascript:alert(1) | x"}
    text = attribution_markdown({"version": "0.1.0"}, {"kremlin-en-1": hostile})
    row = next(line for line in text.splitlines() if line.startswith("| `kremlin-en-1`"))
    assert row.count(" | ") == 2 and row.replace("\\|", "").count("|") == 4  # three cells, no extra column
    assert "\n# Injected" not in text and "<script>" not in text
    assert not re.search(r"(?<!\\)\]\(", text)  # no live link


def test_a_rebuilt_corpus_without_the_unpublished_documents_builds_the_same_folder(built, release, tmp_path):
    """A public rebuild has no text for documents without a public source; their rows carry no text anyway."""
    corpus = release / "data" / "corpus" / "documents.jsonl"
    public = [line for line in corpus.read_text(encoding="utf-8").splitlines(keepends=True) if "seed-uk-0000aaaa" not in line]
    rebuilt = tmp_path / "rebuilt.jsonl"
    rebuilt.write_text("".join(public), encoding="utf-8")
    other = tmp_path / "from-rebuild"
    (release / "sources").mkdir()
    (release / "sources" / "corpus-sources.json").write_text(json.dumps({
        "format": "readouts-corpus-sources/1", "repositories": [],
        "documents": [{"id": "seed-uk-0000aaaa", "repo": None, "text_sha256": "0" * 64, "record_sha256": "0" * 64,
                       "url": "https://example.org/seed-uk-0000aaaa"}]}), encoding="utf-8")
    assert main(["hub", "build", str(other), "--release", "0.1.0", "--corpus", str(rebuilt)]) == 0
    files = sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file())
    assert all((built / f).read_bytes() == (other / f).read_bytes() for f in files)


def test_readme_cites_the_latest_release_as_the_card_does(monkeypatch):
    from conftest import REPO
    from readouts.hub import citation_bibtex
    from readouts.releases import latest_release

    monkeypatch.setenv("READOUTS_ROOT", str(REPO))
    assert citation_bibtex(load_manifest(latest_release())) in (REPO / "README.md").read_text(encoding="utf-8")
