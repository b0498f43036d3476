"""Audits beyond the schema, each rule shown failing on an invented annotation and passing on a good one;
and, with the real corpus, the gold passes the consistency audit and the committed publisher checks are current."""


import pytest
from conftest import REPO, make_gold

from readouts.actors import load_registry
from readouts.audit import consistency_findings, publisher_checks, topic_cues
from readouts.cli import main
from readouts.corpus import load_corpus
from readouts.jsonio import read_json
from readouts.store import Annotation, load_annotations


def _doc(document: dict, **changes) -> dict[str, Annotation]:
    return {document["id"]: Annotation.from_dict(make_gold(document, **changes))}


def _meta(document: dict, **changes) -> dict[str, dict]:
    return {document["id"]: {**document, **changes}}


@pytest.fixture
def call(repo, tiny_documents):
    return tiny_documents[0]  # the invented English call between Biden and Zelenskyy, dated 2022-03-01


def test_good_annotation_has_no_findings(call):
    assert consistency_findings(_doc(call), _meta(call), load_registry()) == []


def test_affiliation_the_registry_does_not_give(call):
    gold = make_gold(call)
    gold["participants"][0]["affiliation"] = "FRA"
    findings = consistency_findings({call["id"]: Annotation.from_dict(gold)}, _meta(call), load_registry())
    assert [(f.path, "acts for FRA" in f.message) for f in findings] == [("$.participants[0].affiliation", True)]


def test_direct_participant_outside_the_dates_of_the_office(call):
    findings = consistency_findings(_doc(call), _meta(call, date="2026-06-01"), load_registry())
    assert any(f.path == "$.participants[0].role_type" and "2021-01-20..2025-01-20" in f.message for f in findings)


def test_stance_holder_who_is_not_a_participant(call):
    gold = make_gold(call)
    gold["stance"][0]["holder"] = "vladimir-putin"
    findings = consistency_findings({call["id"]: Annotation.from_dict(gold)}, _meta(call), load_registry())
    assert [f.path for f in findings] == ["$.stance[0].holder"]


@pytest.mark.parametrize("language, text, expected", [
    ("en", "Президент провів розмову з прем'єр-міністром.", "are Cyrillic"),
    ("uk", "The President held a call with the Prime Minister.", "are Cyrillic"),
    ("uk", "Президент провёл разговор с премьер-министром, объявив это.", "only Russian uses"),
    ("ru", "Президент провів розмову з прем'єр-міністром і їхніми радниками.", "only Ukrainian uses"),
])
def test_text_in_another_language_than_declared(call, language, text, expected):
    findings = consistency_findings(_doc(call), _meta(call, language=language, text=text), load_registry())
    assert [f.path for f in findings] == ["$.document_id"] and expected in findings[0].message


@pytest.mark.parametrize("language, text", [("uk", "Президент провів розмову з прем'єр-міністром."),
                                            ("ru", "Президент провёл разговор с премьер-министром."),
                                            ("en", "President Zelenskyy met Чорновол in Kyiv yesterday.")])
def test_text_in_its_declared_language_passes(call, language, text):
    assert consistency_findings(_doc(call), _meta(call, language=language, text=text), load_registry()) == []


def test_topic_without_any_cue_word_is_listed_for_review(call):
    assert topic_cues(_doc(call, topics=["military_aid"]), _meta(call)) == []  # "air defence" is a cue
    findings = topic_cues(_doc(call, topics=["food_security"]), _meta(call))
    assert [f.message.split(":")[0] for f in findings] == ["food_security"]
    assert topic_cues(_doc(call, topics=["food_security"], notes="food_security: grain corridor implied"), _meta(call)) == []


def test_white_house_title_checks(call):
    document = {**call, "id": "wh-en-call1", "title": "Readout of President Biden's Call with President Zelenskyy"}
    assert publisher_checks(_doc(document), {document["id"]: document})["disagreements"] == []
    met = {**document, "title": "Readout of President Biden's Meeting with President Zelenskyy"}
    result = publisher_checks(_doc(met), {met["id"]: met})
    assert result["white_house_title_form"] == {"agree": 0, "total": 1, "share": 0.0}
    assert [d["check"] for d in result["disagreements"]] == ["white_house_title_form"]
    # the spokesperson who wrote a readout is not expected among the participants
    author = {**document, "title": "Readout from NSC Spokesperson Joe Biden on a Call with President Zelenskyy"}
    assert publisher_checks(_doc(author), {author["id"]: author})["white_house_title_persons_direct"]["total"] == 1


def test_delegation_members_named_in_upper_case_are_matched(call):
    document = {**call, "language": "ru", "delegation_list": ["БАЙДЕН Джо – президент", "ЗЕЛЕНСКИЙ Владимир – президент"]}
    gold = make_gold(document)
    gold["participants"][0]["participation"] = "mentioned"
    gold["contacts"][0]["participants"] = ["volodymyr-zelenskyy"]
    gold["stance"] = []
    result = publisher_checks({call["id"]: Annotation.from_dict(gold)}, {call["id"]: document})
    assert result["kremlin_delegation_members_direct"]["total"] >= 1
    assert any(d["check"] == "kremlin_delegation_list" for d in result["disagreements"])


def test_translations_are_compared_layer_by_layer(call):
    original = {**call, "id": "resist-uk-x1", "language": "uk", "parallel_group": "resist-x1"}
    translation = {**call, "id": "resist-en-x1", "parallel_group": "resist-x1"}
    gold_uk = make_gold(original)
    gold_en = make_gold(translation, topics=sorted({*gold_uk["topics"], "nuclear_safety"}))
    result = publisher_checks({"resist-uk-x1": Annotation.from_dict(gold_uk), "resist-en-x1": Annotation.from_dict(gold_en)},
                              {"resist-uk-x1": original, "resist-en-x1": translation})
    assert result["translations_same_scope"] == {"agree": 1, "total": 1, "share": 1.0}
    assert result["translations_same_topics"]["agree"] == 0
    assert [d["check"] for d in result["disagreements"]] == ["translation_topics"]


def test_cli_exit_codes(call, capsys):
    from readouts.store import save_annotation
    gold = make_gold(call)
    save_annotation(gold)
    assert main(["audit", "consistency"]) == 0
    gold["participants"][0]["affiliation"] = "FRA"
    save_annotation(gold)
    assert main(["audit", "consistency"]) == 1
    assert main(["audit", "topics"]) == 0 and main(["audit", "publishers", "--json"]) == 0


@pytest.mark.corpus
def test_gold_passes_the_consistency_audit(shared_corpus):
    findings = consistency_findings({a.document_id: a for a in load_annotations()}, load_corpus(shared_corpus), load_registry())
    assert findings == [], "\n".join(map(str, findings))


@pytest.mark.corpus
def test_committed_publisher_checks_are_current(shared_corpus):
    current = publisher_checks({a.document_id: a for a in load_annotations()}, load_corpus(shared_corpus))
    committed = read_json(REPO / "annotations" / "reviews" / "publisher-checks.json")
    assert committed == current, "re-run: readouts audit publishers --out annotations/reviews/publisher-checks.json"
