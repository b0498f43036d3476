"""The pre-annotator on invented documents: actors in three languages, direct vs mentioned, contact type,
topics, and its output is valid but never gold."""

from readouts.cli import main
from readouts.corpus import load_corpus
from readouts.drafts import annotation_to_draft
from readouts.jsonio import read_json, write_json
from readouts.prelabel import contact_type, find_actors, prelabel_document, topics_of
from readouts.validate import AnnotationChecker


def test_actors_found_with_longest_surface_first(repo, tiny_documents):
    found = find_actors(tiny_documents[0]["text"], "en")
    assert [f.actor.id for f in found] == ["joe-biden", "volodymyr-zelenskyy"]
    biden = found[0]
    assert tiny_documents[0]["text"][slice(*biden.spans[0])] == "Joe Biden"
    assert len(biden.spans) == 3


def test_cyrillic_inflected_aliases(repo, tiny_documents):
    text = tiny_documents[2]["text"]
    found = {f.actor.id: [text[s:e] for s, e in f.spans] for f in find_actors(text, "ru")}
    # the full instrumental form is not in the registry, the invariable surname is
    assert found == {"vladimir-putin": ["Владимир Путин"], "alexander-lukashenko": ["Лукашенко"]}


def test_a_surface_form_two_actors_share_names_neither(repo):
    registry = read_json(repo / "annotations" / "actors.json")
    for given, country in (("Raul", "CUB"), ("Xiomara", "HND")):
        registry["actors"].append({"id": f"{given.lower()}-castro", "country": country, "aliases": {"en": ["Castro"], "uk": [], "ru": []},
                                   "names": {"en": f"{given} Castro", "uk": "", "ru": ""}, "offices": []})
    write_json(repo / "annotations" / "actors.json", registry)
    found = {f.actor.id: len(f.spans) for f in find_actors("Castro spoke; later Xiomara Castro called Castro back.", "en")}
    assert found == {"xiomara-castro": 1}, "the full name decides; the bare shared surname is not guessed"


def test_contact_types_and_topics():
    assert contact_type("Readout of a phone call") == "phone_call"
    assert contact_type("Відеорозмова з прем'єром") == "video_call"
    assert contact_type("Встреча с президентом") == "in_person_meeting"
    assert contact_type("Greetings") == "other"
    assert topics_of("They discussed sanctions and the grain corridor.") == ["food_security", "sanctions"]


def test_proposal_is_valid_marked_prelabel_and_not_gold(repo, tiny_documents):
    proposal = prelabel_document(tiny_documents[0])
    assert proposal["provenance"]["annotator_kind"] == "model-prelabel"
    assert proposal["in_scope"] and proposal["stance"] == []
    assert {p["participation"] for p in proposal["participants"]} == {"direct"}
    checker = AnnotationChecker(load_corpus(), gold=False)
    assert checker.check(proposal, "p.json") == []
    gold_problems = AnnotationChecker(load_corpus(), gold=True).check(proposal, "p.json")
    assert [p.path for p in gold_problems] == ["$.provenance.annotator_kind"]


def test_out_of_scope_document_gets_empty_layers(repo, tiny_documents):
    proposal = prelabel_document(tiny_documents[3])
    assert proposal["in_scope"] is False and proposal["participants"] == [] and proposal["topics"] == []


def test_cli_writes_annotations_and_drafts(repo, tmp_path, tiny_documents):
    assert main(["prelabel", "test-en-call1", "--out", str(tmp_path / "p"), "--drafts", str(tmp_path / "d")]) == 0
    assert (tmp_path / "p" / "test-en-call1.json").is_file()
    import json
    draft = json.loads((tmp_path / "d" / "test-en-call1.json").read_text())
    proposal = json.loads((tmp_path / "p" / "test-en-call1.json").read_text())
    assert draft == annotation_to_draft(proposal, tiny_documents[0]["text"])
    assert {"text": "Joe Biden", "start": 10} in draft["participants"][0]["mentions"]
    assert main(["prelabel", "no-such-doc", "--out", str(tmp_path)]) == 2
