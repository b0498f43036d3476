"""The Label Studio conversion: a property-based round trip over invented texts with astral and Cyrillic
characters, code-point offsets, the generated config, change summaries and the checks that Label Studio
itself does not make."""

import copy
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readouts.actors import load_registry
from readouts.errors import InputError
from readouts.labelstudio.convert import (ACTOR, MENTION, REVIEW, SCOPE, STANCE, TOPICS, Vocabulary, annotation_to_result,
                                          annotator_folder, conflict, describe_changes, label_config, layer_changes,
                                          prediction_to_annotation, pulled_provenance, pulled_unchanged, removed_share,
                                          result_to_annotation, review_decision, task_source)
from readouts.labelstudio.pullstate import PullRecord, file_sha256
from readouts.taxonomy import load_taxonomy
from readouts.validate import AnnotationChecker

TAXONOMY = load_taxonomy()
REGISTRY = load_registry()
VOCABULARY = Vocabulary(TAXONOMY, REGISTRY)

# Invented text material: Latin, Cyrillic, emoji and a flag (astral characters: two UTF-16 units each).
ALPHABET = list("abcXYZ .,") + list("абвгґєїщЖЩ") + ["🇺🇦", "😀", "𝔸", "\n"]
texts = st.lists(st.sampled_from(ALPHABET), min_size=8, max_size=120).map("".join)
offices = st.text(st.characters(codec="utf-8", exclude_characters="|\n\r", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
                  max_size=12) | st.just("") | st.just("президент України")


def spans(draw, text: str, max_size: int) -> list[tuple[int, int]]:
    points = st.integers(0, len(text))
    pairs = draw(st.lists(st.tuples(points, points).filter(lambda p: p[0] != p[1]), max_size=max_size))
    return list(dict.fromkeys(tuple(sorted(p)) for p in pairs))


@st.composite
def annotations(draw) -> tuple[dict, str]:
    text = draw(texts)
    in_scope = draw(st.booleans())
    document = {"id": "test-uk-prop", "text_sha256": "0" * 64}
    participants, stance, contacts, topics = [], [], [], []
    if in_scope:
        actor_ids = draw(st.lists(st.sampled_from(sorted(REGISTRY)), min_size=1, max_size=4, unique=True))
        for index, actor_id in enumerate(actor_ids):
            actor = REGISTRY[actor_id]
            participants.append({
                "actor_id": actor_id, "name": draw(st.sampled_from([actor.names["en"], "Invented Name"])),
                "office": draw(offices), "role_type": draw(st.sampled_from(TAXONOMY.ids("role_types"))),
                "affiliation": draw(st.sampled_from([actor.country, "EU", "UKR"])),
                "participation": "direct" if index == 0 else draw(st.sampled_from(["direct", "mentioned"])),
                "mentions": [{"start": s, "end": e, "text": text[s:e]} for s, e in spans(draw, text, 4)],
            })
        direct = [p["actor_id"] for p in participants if p["participation"] == "direct"]
        for _ in range(draw(st.integers(1, 3))):
            contacts.append({"type": draw(st.sampled_from(TAXONOMY.ids("contact_types"))),
                             "participants": draw(st.sampled_from([direct, direct[::-1], direct[:1], []]))})
        pairs = draw(st.lists(st.tuples(st.sampled_from(actor_ids), st.sampled_from(TAXONOMY.target_ids)), max_size=4, unique=True))
        for holder, target in pairs:
            evidence = [{"start": s, "end": e} for s, e in spans(draw, text, 3)]
            stance.append({"holder": holder, "target": target, "label": draw(st.sampled_from(TAXONOMY.ids("stance_labels"))),
                           "evidence": evidence})
        topics = draw(st.lists(st.sampled_from(TAXONOMY.topic_ids), max_size=5, unique=True))
    annotation = {
        "schema_version": "1.0.0", "document_id": document["id"], "text_sha256": document["text_sha256"],
        "guideline_version": "1.0",
        "provenance": {"annotator_id": "tester", "annotator_kind": draw(st.sampled_from(["human", "llm"])),
                       "created": "2026-11-21T10:00:00Z", "updated": "2026-11-21T11:00:00Z",
                       "review_status": "adjudicated", "history": [{"time": "2026-11-21T10:00:00Z", "actor": "tester", "action": "x"}]},
        "in_scope": in_scope, "contacts": contacts, "participants": participants, "stance": stance, "topics": topics,
    }
    if draw(st.booleans()):
        annotation["notes"] = draw(st.sampled_from(["", "hard case: two calls", "примітка 🇺🇦\nдругий рядок"]))
    if draw(st.booleans()):
        annotation["adjudication"] = {"second_annotation": "annotations/second/x.json",
                                      "decisions": [{"layer": "stance", "decision": "kept the first"}]}
    return annotation, text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(annotations())
def test_round_trip_is_lossless(case):
    annotation, text = case
    assert AnnotationChecker(None).check(annotation, "generated") == [], "the generator must make valid annotations"
    pushed = copy.deepcopy(annotation)
    result = annotation_to_result(pushed, text)
    assert pushed == annotation, "conversion must not modify its input"
    assert result_to_annotation(result, text, base=pushed, vocabulary=VOCABULARY, where="task 1") == annotation
    ids = [item["id"] for item in result if item["from_name"] == MENTION]
    assert len(ids) == len(set(ids)) and annotation_to_result(annotation, text) == result, "region ids are unique and deterministic"


def test_result_offsets_count_code_points_as_the_browser_does():
    """Label Studio's frontend counts code points (checked in the real browser by
    test_span_drawn_after_emoji_comes_back_in_code_points): no UTF-16 conversion, or every span after an
    emoji shifts by one per emoji."""
    text = "😀 Путін і 😀 Байден"
    start = text.index("Байден")
    annotation = {"in_scope": True, "contacts": [], "stance": [], "topics": [], "participants": [
        {"actor_id": "joe-biden", "name": "Joe Biden", "office": "", "role_type": "head_of_state", "affiliation": "USA",
         "participation": "direct", "mentions": [{"start": start, "end": start + 6, "text": "Байден"}]}]}
    region = next(item for item in annotation_to_result(annotation, text) if item["from_name"] == MENTION)
    assert text[region["value"]["start"]:region["value"]["end"]] == "Байден"


CONFIG = ET.fromstring(label_config(TAXONOMY, REGISTRY))
CONFIG_IDS = ([("contact_types", label.id) for label in TAXONOMY.contact_types]
              + [("topics", label.id) for label in TAXONOMY.topics]
              + [("stance_target", label.id) for label in TAXONOMY.stance_targets]
              + [("stance_label", label.id) for label in TAXONOMY.stance_labels]
              + [("role_type", label.id) for label in TAXONOMY.role_types]
              + [("mention", label.id) for label in TAXONOMY.participation]
              + [("actor", actor_id) for actor_id in REGISTRY] + [("stance_holder", actor_id) for actor_id in REGISTRY])


@pytest.mark.parametrize("control,value", CONFIG_IDS)
def test_config_offers_every_taxonomy_and_registry_id(control, value):
    element = CONFIG.find(f".//*[@name='{control}']")
    assert element is not None, f"control {control!r} missing from the generated config"
    assert value in {child.get("value") for child in element}, f"{value!r} missing from {control!r}: regenerate with `readouts ls config`"


def test_region_panels_open_for_their_labels_control():
    """A per-region panel is shown when a region of the named Labels control is selected; naming the Text
    object instead hides the panel (observed in Label Studio 1.23 in a browser)."""
    labels = {element.get("name"): {label.get("value") for label in element} for element in CONFIG.iter("Labels")}
    panels = [view for view in CONFIG.iter("View") if view.get("visibleWhen") == "region-selected"]
    assert len(panels) == 2
    for view in panels:
        assert view.get("whenTagName") in labels
        assert set(view.get("whenLabelValue").split(",")) <= labels[view.get("whenTagName")]


def test_config_hotkeys_are_unique():
    hotkeys = [element.get("hotkey") for element in CONFIG.iter() if element.get("hotkey")]
    assert len(hotkeys) == len(set(hotkeys))


def _valid_result(gold_en, tiny_documents):
    return annotation_to_result(gold_en, tiny_documents[0]["text"])


@pytest.mark.parametrize("mutate,message", [
    (lambda r: r.append({"id": "x", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["a"]}}),
     "unknown control 'sentiment'"),
    (lambda r: next(i for i in r if i["from_name"] == TOPICS)["value"].update(choices=["weather"]), r"unknown choice\(s\) \['weather'\]"),
    (lambda r: next(i for i in r if i["from_name"] == MENTION)["value"].update(labels=["person"]), "needs exactly one of"),
    (lambda r: next(i for i in r if i["from_name"] == ACTOR).update(id="nowhere"), "region 'nowhere'"),
    (lambda r: r.remove(next(i for i in r if i["from_name"] == SCOPE)), "choose exactly one"),
    (lambda r: r.remove(next(i for i in r if i["from_name"] == ACTOR)), "has no actor"),
    (lambda r: next(i for i in r if i["from_name"] == MENTION)["value"].update(end=10_000), "outside the text"),
])
def test_results_are_checked_against_the_config(gold_en, tiny_documents, mutate, message):
    result = _valid_result(gold_en, tiny_documents)
    mutate(result)
    with pytest.raises(InputError, match=f"task 7 .*{message}"):
        result_to_annotation(result, tiny_documents[0]["text"], gold_en, VOCABULARY, "task 7 (test-en-call1)")


def test_conflicting_attributes_on_one_actor_are_refused(gold_en, tiny_documents):
    result = _valid_result(gold_en, tiny_documents)
    second_biden = [i for i in result if i["from_name"] == MENTION][1]
    second_biden["value"]["labels"] = ["mentioned"]
    with pytest.raises(InputError, match="'joe-biden' has conflicting participation"):
        result_to_annotation(result, tiny_documents[0]["text"], gold_en, VOCABULARY, "task 7")


def test_conflict_detection(tiny_documents):
    document = tiny_documents[0]
    meta = {"document_id": document["id"], "text_sha256": document["text_sha256"], "annotation_sha256": "a" * 64}
    assert conflict(meta, document, "a" * 64) is None
    assert "local annotation file changed" in conflict(meta, document, "b" * 64)
    assert "local annotation file changed" in conflict({**meta, "annotation_sha256": None}, document, "a" * 64)
    assert "text changed" in conflict({**meta, "text_sha256": "c" * 64}, document, "a" * 64)
    assert "not in the corpus" in conflict(meta, None, "a" * 64)


def test_a_pulled_file_is_recognised_until_someone_edits_it(gold_en, tiny_documents):
    document, source = tiny_documents[0], task_source("gold", 12)
    pulled = {**gold_en, "provenance": pulled_provenance(gold_en, gold_en["provenance"], "ana@example.org",
                                                         "2026-11-30T10:00:00+00:00", source, None)}
    meta = {"document_id": document["id"], "text_sha256": document["text_sha256"], "annotation_sha256": "a" * 64}
    assert pulled_unchanged(pulled, source) and conflict(meta, document, "b" * 64, pulled, source) is None
    assert not pulled_unchanged(pulled, task_source("gold", 13)), "another task's pull does not count"
    assert not pulled_unchanged(pulled, task_source("gold", 1)), "nor does a task whose id is a prefix"
    forced = {**gold_en, "provenance": pulled_provenance(gold_en, gold_en["provenance"], "ana@example.org",
                                                         "2026-11-30T10:00:00+00:00", source, None, overwritten_sha256="c" * 64)}
    assert pulled_unchanged(forced, source), "a file written by pull --force is recognised too"
    edited = {**pulled, "topics": pulled["topics"] + ["nato"]}
    assert not pulled_unchanged(edited, source)
    assert "local annotation file changed" in conflict(meta, document, "b" * 64, edited, source)


def test_layer_changes_count_added_removed_and_changed_items(gold_en):
    edited = copy.deepcopy(gold_en)
    edited["topics"] = ["sanctions", "energy_security", "nato"]
    edited["stance"][0]["label"] = "against"
    assert layer_changes(gold_en, edited) == {"stance": (0, 0, 1), "topics": (2, 1, 0)}
    assert describe_changes(layer_changes(gold_en, edited)) == "stance ~1, topics +2 -1"
    assert layer_changes(gold_en, gold_en) == {}


def test_one_added_mention_is_summarised_as_a_mention(gold_en):
    edited = copy.deepcopy(gold_en)
    mention = edited["participants"][0]["mentions"][0]
    edited["participants"][0]["mentions"].append({"start": mention["end"] + 1, "end": mention["end"] + 3, "text": "xx"})
    assert describe_changes(layer_changes(gold_en, edited)) == "mentions +1"


def test_removing_most_items_is_measured(gold_en):
    blank = {**copy.deepcopy(gold_en), "participants": gold_en["participants"][:1], "topics": [], "contacts": [], "stance": []}
    blank.pop("notes", None)
    removed, total = removed_share(gold_en, layer_changes(gold_en, blank))
    assert total > 4 and 2 * removed > total
    assert removed_share(gold_en, layer_changes(gold_en, gold_en)) == (0, total)


def test_a_stance_whose_label_changes_keeps_its_place(gold_en, tiny_documents):
    text = tiny_documents[0]["text"]
    base = copy.deepcopy(gold_en)
    base["stance"].append({**base["stance"][0], "target": "russia", "label": "neutral"})
    result = annotation_to_result(base, text)
    first_stance = next(item for item in result if item["from_name"] == STANCE)
    first_stance["value"]["choices"] = ["against"]
    pulled = result_to_annotation(result, text, base, VOCABULARY, "task 1")
    assert [(s["target"], s["label"]) for s in pulled["stance"]] == [(base["stance"][0]["target"], "against"), ("russia", "neutral")]


def test_review_config_asks_for_a_decision():
    review = ET.fromstring(label_config(TAXONOMY, REGISTRY, review=True))
    decision = review.find(f".//*[@name='{REVIEW}']")
    assert decision is not None and decision.get("required") == "true"
    assert {c.get("value") for c in decision} == {"accepted", "corrected"}
    assert CONFIG.find(f".//*[@name='{REVIEW}']") is None
    assert review_decision([{"from_name": REVIEW, "type": "choices", "value": {"choices": ["corrected"]}}]) == "corrected"


def test_annotator_folders_are_plain_names():
    assert annotator_folder("Alice.B@Example.org") == "alice.b-example.org"


def test_predictions_become_preannotations(tiny_documents):
    document = tiny_documents[1]
    start = document["text"].index("Зеленський", 5)
    prediction = {"document_id": document["id"], "in_scope": True, "topics": ["military_aid"],
                  "participants": [{"actor_id": "volodymyr-zelenskyy", "participation": "direct",
                                    "mentions": [{"start": start, "end": start + 10}]}],
                  "stance": [{"holder": "volodymyr-zelenskyy", "target": "russia", "label": "against"}]}
    annotation = prediction_to_annotation(prediction, document, REGISTRY)
    participant = annotation["participants"][0]
    assert participant["mentions"][0]["text"] == "Зеленський" and participant["affiliation"] == "UKR"
    assert annotation["stance"][0]["evidence"] == []
    back = result_to_annotation(annotation_to_result(annotation, document["text"]), document["text"], annotation, VOCABULARY, "t")
    assert back == annotation


def test_pull_record_sees_local_changes_and_is_dropped_when_foreign(tmp_path, tiny_documents):
    corpus = {document["id"]: document for document in tiny_documents}
    document = tiny_documents[0]
    (tmp_path / f"{document['id']}.json").write_text("{}\n", encoding="utf-8")
    record = PullRecord(7, "2026-11-30T10:00:00+00:00")
    record.done["5"] = {"document_id": document["id"], "text": document["text_sha256"],
                        "files": {f"{document['id']}.json": file_sha256(tmp_path / f"{document['id']}.json")}}
    record.done["6"] = {"document_id": document["id"], "text": "0" * 64, "files": {}}  # the text changed since
    record.done["8"] = {"document_id": "gone", "text": "0" * 64, "files": {}}  # no longer in the corpus
    assert record.locally_changed(tmp_path, corpus) == {6, 8}
    (tmp_path / f"{document['id']}.json").write_text("{ }\n", encoding="utf-8")
    assert record.locally_changed(tmp_path, corpus) == {5, 6, 8}
    assert record.since() == "2026-11-30T09:59:58.000000Z", "the Data Manager's date format, SLACK earlier"

    path = tmp_path / "record.json"
    record.save(path)
    assert PullRecord.load(path, 7) == record
    assert PullRecord.load(path, 9) is None, "a record of another project (same title, recreated) means a full pull"
    for broken in ("", "[]", '{"version": 1, "project_id": 7, "mark": "yesterday", "done": {}, "pending": []}'):
        path.write_text(broken, encoding="utf-8")
        assert PullRecord.load(path, 7) is None
