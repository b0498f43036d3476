"""Drafts: mention strings and quotes become offsets, with clear errors."""

import pytest

from readouts.drafts import GUIDELINE_VERSION, annotation_to_draft, draft_to_annotation, find_mentions, resolve_evidence, resolve_mentions
from readouts.errors import InputError
from readouts.validate import AnnotationChecker


def test_find_mentions_respects_word_boundaries():
    text = "Putin and Putinism; Путин, Путина."
    assert find_mentions(text, "Putin") == [(0, 5)]
    assert find_mentions(text, "Путин") == [(20, 25)]


def test_a_name_joined_by_a_hyphen_is_not_a_mention_unless_marked_explicitly():
    text = "The Biden-Harris Administration and Harris‐led teams met Biden - twice."
    alone = text.index("Biden -")
    assert find_mentions(text, "Biden") == [(alone, alone + 5)]
    assert find_mentions(text, "Harris") == []
    assert find_mentions(text, "Biden-Harris Administration") == [(4, 31)]
    explicit = resolve_mentions(text, [{"text": "Biden", "start": 4}, "Biden"], set(), "d")
    assert [m["start"] for m in explicit] == [4, alone]


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
    ([{"text": "Biden", "start": 4.0}], "does not match the text"),
])
def test_mention_errors(surfaces, fragment):
    with pytest.raises(InputError, match=fragment):
        resolve_mentions("Joe Biden", surfaces, set(), "draft.json: $.participants[0]")


def test_evidence_quote_must_occur():
    assert resolve_evidence("abc def", ["def"], "d") == [{"start": 4, "end": 7}]
    with pytest.raises(InputError, match="does not occur"):
        resolve_evidence("abc", ["xyz"], "d")
    with pytest.raises(InputError, match="does not match the text"):
        resolve_evidence("abc def", [{"text": "def", "start": 4.0}], "d")


def test_draft_becomes_a_valid_annotation(repo, tiny_documents):
    from readouts.corpus import load_corpus
    doc = tiny_documents[1]  # Ukrainian, with an astral character before the mentions
    draft = {"document_id": doc["id"], "in_scope": True,
             "contacts": [{"type": "phone_call", "participants": ["volodymyr-zelenskyy", "emmanuel-macron"]}],
             "participants": [
                 {"actor_id": "volodymyr-zelenskyy", "role_type": "head_of_state", "participation": "direct",
                  "office": "President of Ukraine", "mentions": ["Володимир Зеленський", "Зеленський"]},
                 {"actor_id": "emmanuel-macron", "role_type": "head_of_state", "participation": "direct",
                  "office": "", "mentions": ["Емманюелем Макроном"]}],
             "stance": [], "topics": ["bilateral_cooperation"]}
    provenance = {"annotator_id": "t", "annotator_kind": "human", "created": "2026-11-21T00:00:00Z",
                  "updated": "2026-11-21T00:00:00Z", "review_status": "unreviewed"}
    annotation = draft_to_annotation(draft, doc, provenance, "draft.json")
    assert AnnotationChecker(load_corpus()).check(annotation, "x") == []
    macron = annotation["participants"][1]
    assert macron["affiliation"] == "FRA" and macron["name"] == "Emmanuel Macron"
    start = macron["mentions"][0]["start"]
    assert doc["text"][start:start + len("Емманюелем Макроном")] == "Емманюелем Макроном"


def _draft(**changes) -> dict:
    """A valid draft of the English test call; ``changes`` replace top-level keys."""
    return {"document_id": "test-en-call1", "in_scope": True,
            "contacts": [{"type": "phone_call", "participants": ["joe-biden", "volodymyr-zelenskyy"]}],
            "participants": [
                {"actor_id": "joe-biden", "office": "President of the United States", "role_type": "head_of_state",
                 "participation": "direct", "mentions": ["Joe Biden", "Biden"]},
                {"actor_id": "volodymyr-zelenskyy", "office": "", "role_type": "head_of_state", "participation": "direct",
                 "mentions": ["Volodymyr Zelenskyy"]}],
            "stance": [{"holder": "joe-biden", "target": "sanctions_on_russia", "label": "favor", "evidence": ["sanctions"]}],
            "topics": ["sanctions"], **changes}


def _without(key):
    return lambda d: d["participants"][0].pop(key)


def _rename(key, new):
    return lambda d: d["participants"][0].__setitem__(new, d["participants"][0].pop(key))


# Each draft defect that used to be dropped, defaulted or split silently, and what the message says.
BAD_DRAFTS = {
    "unknown top-level key": (lambda d: d.__setitem__("topic", []), "$", "Additional properties"),
    "no office": (_without("office"), "$.participants[0]", ''''office' is a required property: '''),
    "no role type": (_without("role_type"), "$.participants[0]", "'role_type' is a required property"),
    "no participation": (_without("participation"), "$.participants[0]", "'participation' is a required property"),
    "misspelt mentions": (_rename("mentions", "mention"), "$.participants[0]", "('mention' was unexpected)"),
    "misspelt role type": (_rename("role_type", "role"), "$.participants[0]", "('role' was unexpected)"),
    "misspelt evidence": (lambda d: d["stance"][0].__setitem__("evidences", d["stance"][0].pop("evidence")), "$.stance[0]", "('evidences' was unexpected)"),
    "evidence as a string": (lambda d: d["stance"][0].__setitem__("evidence", "Biden"), "$.stance[0].evidence", "is not of type 'array'"),
    "mention as a number": (lambda d: d["participants"][0]["mentions"].append(42), "$.participants[0].mentions[2]", "is not of type 'string', 'object'"),
    "unknown key in a mention": (lambda d: d["participants"][0]["mentions"].append({"text": "Biden", "start": 0, "end": 5}), "$.participants[0].mentions[2]", "('end' was unexpected)"),
    "no in_scope": (lambda d: d.pop("in_scope"), "$", "'in_scope' is a required property"),
}


@pytest.mark.parametrize("name", sorted(BAD_DRAFTS))
def test_draft_schema_refuses_what_used_to_be_lost_or_defaulted(repo, tiny_documents, name):
    mutate, path, fragment = BAD_DRAFTS[name]
    draft = _draft()
    mutate(draft)
    with pytest.raises(InputError) as raised:
        draft_to_annotation(draft, tiny_documents[0], {}, "draft.json")
    assert f"draft.json: {path}: " in str(raised.value) and fragment in str(raised.value), str(raised.value)


def test_office_message_says_that_an_empty_office_is_given_explicitly(repo, tiny_documents):
    draft = _draft()
    draft["participants"][0].pop("office")
    with pytest.raises(InputError, match='give "" explicitly when the text states no office'):
        draft_to_annotation(draft, tiny_documents[0], {}, "draft.json")


def test_valid_draft_keeps_the_annotators_office_and_evidence(repo, tiny_documents):
    provenance = {"annotator_id": "t", "annotator_kind": "human", "created": "2026-11-21T00:00:00Z",
                  "updated": "2026-11-21T00:00:00Z", "review_status": "unreviewed"}
    annotation = draft_to_annotation(_draft(), tiny_documents[0], provenance, "draft.json")
    assert [p["office"] for p in annotation["participants"]] == ["President of the United States", ""]
    start = tiny_documents[0]["text"].index("sanctions")
    assert annotation["stance"][0]["evidence"] == [{"start": start, "end": start + len("sanctions")}]


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
