"""Drafts: mention strings and quotes become offsets, with clear errors."""

import pytest

from readouts.drafts import GUIDELINE_VERSION, annotation_to_draft, draft_to_annotation, find_mentions, resolve_evidence, resolve_mentions
from readouts.errors import InputError
from readouts.validate import AnnotationChecker


def test_find_mentions_respects_word_boundaries():
    text = "Putin and Putinism; Путин, Путина."
    assert find_mentions(text, "Putin") == [(0, 5)]
    assert find_mentions(text, "Путин") == [(20, 25)]


def test_longest_strings_claim_first_and_explicit_offsets_win():
    text = "Joe Biden met Biden's aide. Biden left."
    taken: set[int] = set()
    mentions = resolve_mentions(text, ["Biden", "Joe Biden"], taken, "d")
    assert [(m["start"], m["text"]) for m in mentions] == [(0, "Joe Biden"), (14, "Biden"), (28, "Biden")]
    only = resolve_mentions(text, [{"text": "Biden", "start": 28}], set(), "d")
    assert only == [{"start": 28, "end": 33, "text": "Biden"}]


@pytest.mark.parametrize("surfaces, fragment", [
    (["Nobody"], "does not occur"),
    ([{"text": "Biden", "start": 1}], "does not match the text"),
    ([42], "a string or an object"),
])
def test_mention_errors(surfaces, fragment):
    with pytest.raises(InputError, match=fragment):
        resolve_mentions("Joe Biden", surfaces, set(), "draft.json: $.participants[0]")


def test_evidence_quote_must_occur():
    assert resolve_evidence("abc def", ["def"], "d") == [{"start": 4, "end": 7}]
    with pytest.raises(InputError, match="does not occur"):
        resolve_evidence("abc", ["xyz"], "d")


def test_draft_becomes_a_valid_annotation(repo, tiny_documents):
    from readouts.corpus import load_corpus
    doc = tiny_documents[1]  # Ukrainian, with an astral character before the mentions
    draft = {"document_id": doc["id"], "in_scope": True,
             "contacts": [{"type": "phone_call", "participants": ["volodymyr-zelenskyy", "emmanuel-macron"]}],
             "participants": [
                 {"actor_id": "volodymyr-zelenskyy", "role_type": "head_of_state", "participation": "direct",
                  "mentions": ["Володимир Зеленський", "Зеленський"]},
                 {"actor_id": "emmanuel-macron", "role_type": "head_of_state", "participation": "direct",
                  "mentions": ["Емманюелем Макроном"]}],
             "stance": [], "topics": ["bilateral_cooperation"]}
    provenance = {"annotator_id": "t", "annotator_kind": "human", "created": "2026-11-21T00:00:00Z",
                  "updated": "2026-11-21T00:00:00Z", "review_status": "unreviewed"}
    annotation = draft_to_annotation(draft, doc, provenance, "draft.json")
    assert AnnotationChecker(load_corpus()).check(annotation, "x") == []
    macron = annotation["participants"][1]
    assert macron["affiliation"] == "FRA" and macron["name"] == "Emmanuel Macron"
    start = macron["mentions"][0]["start"]
    assert doc["text"][start:start + len("Емманюелем Макроном")] == "Емманюелем Макроном"


def test_unknown_draft_key_is_refused(repo, tiny_documents):
    with pytest.raises(InputError, match="unknown draft keys"):
        draft_to_annotation({"document_id": "x", "topic": []}, tiny_documents[0], {}, "draft.json")


def test_annotation_to_draft_and_back_is_lossless(repo, tiny_documents, gold_en):
    gold_en["notes"] = "why"
    text = tiny_documents[0]["text"]
    draft = annotation_to_draft(gold_en, text)
    back = draft_to_annotation(draft, tiny_documents[0], gold_en["provenance"], "d.json")
    assert back == {**gold_en, "guideline_version": GUIDELINE_VERSION}


def test_cli_draft_export_and_reimport_with_review(repo, tmp_path, gold_en):
    import json
    from readouts.cli import main
    from readouts.store import save_annotation
    save_annotation(gold_en)
    assert main(["draft", "test-en-call1", "--out", str(tmp_path)]) == 0
    draft_path = tmp_path / "test-en-call1.json"
    draft = json.loads(draft_path.read_text())
    draft["topics"] = ["sanctions"]
    draft_path.write_text(json.dumps(draft))
    args = [str(draft_path), "--annotator-id", "tester", "--annotator-kind", "human", "--review-status", "reviewed", "--reviewer-id", "rev"]
    assert main(["annotate", *args]) == 2  # refuses to overwrite silently
    assert main(["annotate", *args, "--overwrite"]) == 0
    saved = json.loads((repo / "annotations" / "gold" / "test-en-call1.json").read_text())
    assert saved["topics"] == ["sanctions"] and saved["provenance"]["created"] == gold_en["provenance"]["created"]
    assert saved["provenance"]["history"][-1]["actor"] == "rev"
    assert saved["participants"] == gold_en["participants"]
