"""Corpus import (validation, hashes, line numbers, nothing written on failure), selection, statistics."""

import json
import os

import pytest

from conftest import tiny_document
from readouts.cli import main
from readouts.corpus import corpus_stats, import_corpus, load_corpus, matching_rules, select_candidates, selection_precision
from readouts.errors import InputError
from readouts.jsonio import sha256_text


def _jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def test_import_validates_and_stores(repo, tiny_documents, tmp_path):
    source = tmp_path / "docs.jsonl"
    _jsonl(source, tiny_documents)
    destination, count = import_corpus(source, tmp_path / "store" / "documents.jsonl")
    assert count == len(tiny_documents)
    assert set(load_corpus(destination)) == {d["id"] for d in tiny_documents}


@pytest.mark.parametrize("damage, fragment", [
    (lambda lines: lines.__setitem__(1, "{broken"), ":2: invalid JSON"),
    (lambda lines: lines.__setitem__(2, json.dumps({**json.loads(lines[2]), "text_sha256": "0" * 64})), ":3: $.text_sha256: does not match"),
    (lambda lines: lines.__setitem__(2, json.dumps({**json.loads(lines[2]), "language": "de"})), ":3: $.language"),
    (lambda lines: lines.append(lines[0]), ":5: $.id: duplicate document id 'test-en-call1' (first on line 1)"),
])
def test_malformed_corpus_line_is_named_and_nothing_is_written(repo, tiny_documents, tmp_path, damage, fragment):
    lines = [json.dumps(d, ensure_ascii=False) for d in tiny_documents]
    damage(lines)
    source = tmp_path / "docs.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    destination = tmp_path / "store" / "documents.jsonl"
    with pytest.raises(InputError, match=fragment.replace("$", r"\$").replace("(", r"\(").replace(")", r"\)")):
        import_corpus(source, destination)
    assert not destination.exists()


def test_cli_import_error_exits_2_without_traceback(repo, tmp_path, capsys):
    source = tmp_path / "docs.jsonl"
    source.write_text("{broken\n", encoding="utf-8")
    assert main(["corpus", "import", str(source), "--to", str(tmp_path / "out.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "docs.jsonl:1: invalid JSON" in err and "Traceback" not in err


def test_selection_rules_fire_by_language(repo, tiny_documents):
    by_id = {d["id"]: d for d in tiny_documents}
    assert matching_rules(by_id["test-en-call1"]) == ["en-readout", "en-spoke"]
    assert "uk-call" in matching_rules(by_id["test-uk-note1"])
    assert "ru-meeting" in matching_rules(by_id["test-ru-note1"])
    assert matching_rules(by_id["test-en-other1"]) == []
    assert select_candidates(tiny_documents) == ["test-en-call1", "test-ru-note1", "test-uk-note1"]


def test_selection_precision_counts_only_annotated_candidates():
    result = selection_precision(["a", "b", "c"], {"a": True, "b": False, "z": True})
    assert result == {"annotated_candidates": 2, "in_scope": 1, "precision": 0.5}
    assert selection_precision(["a"], {})["precision"] is None


def test_stats_tables(tiny_documents):
    tables = corpus_stats(tiny_documents)
    assert tables["by source and language"].loc["total", "total"] == 4
    assert tables["by year and language"].loc["2022", "en"] == 2


@pytest.mark.corpus
def test_import_of_the_real_corpus(shared_corpus, repo, tmp_path):
    destination, count = import_corpus(shared_corpus, tmp_path / "documents.jsonl")
    assert count == 3919


@pytest.mark.corpus
def test_committed_candidate_list_is_what_the_rules_select(shared_corpus, repo):
    from conftest import REPO
    committed = (REPO / "annotations" / "selection" / "candidates.txt").read_text().split()
    assert select_candidates(load_corpus(shared_corpus).values()) == committed, "re-run `readouts corpus select`"


def test_tiny_document_helper_hashes_text():
    doc = tiny_document("test-ru-note1")
    from readouts.jsonio import sha256_text
    assert doc["text_sha256"] == sha256_text(doc["text"])


# --- Texts are verified when a corpus is loaded ------------------------------------------------------

def _rewrite(path, change):
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    change(records)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def test_a_text_changed_in_place_is_refused_naming_the_document(repo, capsys):
    corpus = repo / "data" / "corpus" / "documents.jsonl"
    _rewrite(corpus, lambda records: records[1].update(text=records[1]["text"].replace("Зеленський", "Зеленскій")))
    with pytest.raises(InputError, match=r"1 documents have a text that does not match their \$\.text_sha256.*e\.g\. test-uk-note1"):
        load_corpus()
    assert main(["validate"]) == 2
    assert "test-uk-note1" in capsys.readouterr().err


def test_verification_is_cached_by_size_and_mtime(repo, monkeypatch):
    import readouts.corpus as corpus_module

    hashed = []
    monkeypatch.setattr(corpus_module, "sha256_text", lambda text: hashed.append(text) or sha256_text(text))
    load_corpus()
    assert len(hashed) == 4
    corpus_module._load_corpus.cache_clear()  # as a new process would start
    load_corpus()
    assert len(hashed) == 4  # the file did not change: not hashed again
    path = repo / "data" / "corpus" / "documents.jsonl"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    load_corpus()
    assert len(hashed) == 8


def test_a_record_without_text_is_named(repo):
    _rewrite(repo / "data" / "corpus" / "documents.jsonl", lambda records: records[2].pop("text"))
    with pytest.raises(InputError, match=r"documents\.jsonl:3: not a document"):
        load_corpus()
