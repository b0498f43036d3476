"""Every validator rule has a failing example; valid annotations pass; the CLI's exit codes."""

import copy
import json

import pytest

from readouts.cli import main
from readouts.corpus import load_corpus
from readouts.validate import AnnotationChecker


def _break(annotation: dict, mutate) -> dict:
    broken = copy.deepcopy(annotation)
    mutate(broken)
    return broken


def _set(path, value):
    def mutate(a):
        target = a
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


BROKEN = {
    "missing field": (lambda a: a.pop("topics"), "$", "'topics' is a required property"),
    "wrong type": (_set(["in_scope"], "yes"), "$.in_scope", "is not of type 'boolean'"),
    "unknown key": (_set(["colour"], 1), "$", "Additional properties"),
    "bad date-time": (_set(["provenance", "created"], "yesterday"), "$.provenance.created", "is not a 'date-time'"),
    "mention text differs": (_set(["participants", 0, "mentions", 0, "text"], "Joe Bidem"), "$.participants[0].mentions[0].text", "!= text[10:19]"),
    "span outside text": (_set(["participants", 0, "mentions", 0], {"start": 5000, "end": 5009, "text": "Joe Biden"}), "$.participants[0].mentions[0]", "outside the text"),
    "reversed span": (_set(["participants", 0, "mentions", 0], {"start": 19, "end": 10, "text": "Joe Biden"}), "$.participants[0].mentions[0]", "empty or reversed"),
    "duplicate mention": (lambda a: a["participants"][0]["mentions"].append(dict(a["participants"][0]["mentions"][0])), "$.participants[0].mentions[0]", "duplicate mention span"),
    "hash mismatch": (_set(["text_sha256"], "0" * 64), "$.text_sha256", "does not match"),
    "unknown document": (_set(["document_id"], "test-en-missing"), "$.document_id", "not in the corpus"),
    "unknown actor": (_set(["participants", 0, "actor_id"], "nobody-known"), "$.participants[0].actor_id", "unknown actor"),
    "duplicate participant": (lambda a: a["participants"].append(copy.deepcopy(a["participants"][0])), "$.participants[0].actor_id", "appears 2 times"),
    "unknown role type": (_set(["participants", 0, "role_type"], "emperor"), "$.participants[0].role_type", "unknown role type"),
    "bad affiliation": (_set(["participants", 0, "affiliation"], "XYZ"), "$.participants[0].affiliation", "neither an ISO 3166-1"),
    "holder not participant": (_set(["stance", 0, "holder"], "vladimir-putin"), "$.stance[0].holder", "not a participant"),
    "unknown target": (_set(["stance", 0, "target"], "world_peace"), "$.stance[0].target", "unknown stance target"),
    "duplicate stance": (lambda a: a["stance"].append(copy.deepcopy(a["stance"][0])), "$.stance[0]", "duplicate stance"),
    "evidence outside text": (_set(["stance", 0, "evidence", 0], {"start": 1, "end": 9999}), "$.stance[0].evidence[0]", "outside the text"),
    "unknown topic": (_set(["topics"], ["weather"]), "$.topics[0]", "unknown topic"),
    "duplicate topic": (_set(["topics"], ["sanctions", "sanctions"]), "$.topics", "non-unique"),
    "unknown contact type": (_set(["contacts", 0, "type"], "telegram"), "$.contacts[0].type", "unknown contact type"),
    "contact party not direct": (_set(["contacts", 0, "participants"], ["joe-biden", "vladimir-putin"]), "$.contacts[0].participants[1]", "not a direct participant"),
    "in scope without contact": (_set(["contacts"], []), "$.contacts", "at least one contact"),
    "out of scope with labels": (_set(["in_scope"], False), "$.topics", "must be empty when in_scope is false"),
    "pre-label in gold": (_set(["provenance", "annotator_kind"], "model-prelabel"), "$.provenance.annotator_kind", "a pre-label is not gold"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_rule_reports_file_path_and_reason(repo, tiny_documents, gold_en, name):
    mutate, path, fragment = BROKEN[name]
    checker = AnnotationChecker(load_corpus(), gold=True)
    problems = checker.check(_break(gold_en, mutate), "gold/x.json")
    assert problems, f"{name}: expected a problem"
    assert any(p.path == path and fragment in p.message for p in problems), [str(p) for p in problems]
    assert all(p.where == "gold/x.json" for p in problems)


def test_valid_annotation_passes(repo, gold_en):
    assert AnnotationChecker(load_corpus()).check(gold_en, "x.json") == []


def test_contact_with_no_named_participant_is_valid_in_scope(repo, gold_en):
    """Guidelines 1.2, D12: a round of talks that names nobody is in scope with an empty contact."""
    nameless = _break(gold_en, lambda a: a.update(contacts=[{"type": "in_person_meeting", "participants": []}],
                                                   participants=[], stance=[]))
    assert AnnotationChecker(load_corpus()).check(nameless, "x.json") == []


def test_file_name_must_match_document_id(repo, gold_en):
    problems = AnnotationChecker(load_corpus()).check(gold_en, "x.json", file_stem="other-id")
    assert [p.path for p in problems] == ["$.document_id"]


def test_without_corpus_text_rules_are_skipped(repo, gold_en):
    broken = _break(gold_en, _set(["text_sha256"], "0" * 64))
    assert AnnotationChecker(None).check(broken, "x.json") == []


def _write(repo, annotation) -> None:
    path = repo / "annotations" / "gold" / f"{annotation['document_id']}.json"
    path.write_text(json.dumps(annotation, ensure_ascii=False), encoding="utf-8")


def test_cli_ok_failed_and_without_corpus(repo, gold_en, capsys, monkeypatch):
    _write(repo, gold_en)
    assert main(["validate"]) == 0
    _write(repo, _break(gold_en, _set(["topics"], ["weather"])))
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "test-en-call1.json: $.topics[0]: unknown topic 'weather'" in out
    monkeypatch.setenv("READOUTS_CORPUS", str(repo / "missing.jsonl"))
    _write(repo, gold_en)
    assert main(["validate"]) == 0
    assert "text, span and hash checks were skipped" in capsys.readouterr().out


def test_cli_reports_invalid_json_and_keeps_going(repo, gold_en, capsys):
    _write(repo, gold_en)
    (repo / "annotations" / "gold" / "broken.json").write_text("{not json", encoding="utf-8")
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "broken.json: $: invalid JSON" in out and "2 files, 1 problems" in out


def test_cli_bad_path_is_bad_input(repo, capsys):
    assert main(["validate", str(repo / "nowhere")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def _write_in(repo, set_name, annotation) -> None:
    folder = repo / "annotations" / set_name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{annotation['document_id']}.json").write_text(json.dumps(annotation, ensure_ascii=False), encoding="utf-8")


def test_annotation_sets_are_every_folder_of_annotations(repo, gold_en):
    from readouts.store import annotation_sets
    for name in ("gold", "agreement/round4/pass2", "review", "releases", "selection", "reviews", ".gold.annotate-staging"):
        _write_in(repo, name, gold_en)
    (repo / "annotations" / "agreement" / "report.json").write_text("{}", encoding="utf-8")
    assert annotation_sets() == ["agreement/round4/pass2", "gold", "review"]  # reviews/ holds sweep and audit records


def test_cli_without_arguments_checks_every_set(repo, gold_en, capsys):
    _write_in(repo, "gold", gold_en)
    _write_in(repo, "agreement/round2/pass1", gold_en)
    _write_in(repo, "review", _break(gold_en, _set(["topics"], ["weather"])))
    (repo / "annotations" / "agreement" / "report.json").write_text("{}", encoding="utf-8")
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "review/test-en-call1.json: $.topics[0]: unknown topic 'weather'" in out
    for line in ("  agreement/round2/pass1: 1 files, 0 problems", "  gold: 1 files, 0 problems", "  review: 1 files, 1 problems",
                 "validate: 3 sets, 3 files, 1 problems: FAILED"):
        assert line in out.splitlines(), out


def test_cli_fails_when_it_checked_nothing(repo, capsys):
    assert main(["validate"]) == 1
    assert "validate: checked nothing" in capsys.readouterr().out
    assert main(["validate", str(repo / "annotations" / "gold")]) == 1
