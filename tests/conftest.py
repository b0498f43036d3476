"""Shared fixtures: a throw-away copy of the repository's contract (schemas, taxonomy, registry) with a
tiny corpus of documents written for the tests (never corpus text), and a ready-made gold annotation."""

import json
import os
import shutil
from pathlib import Path

import pytest

from readouts.jsonio import sha256_text

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO.parent / "shared" / "corpus" / "documents.jsonl"

# Invented texts: an English readout, a Ukrainian note with an astral character, a Russian note.
TINY_TEXTS = {
    "test-en-call1": ("whitehouse.gov", "government", "en", "public-domain-us-government",
                      "Readout of a test call",
                      "President Joe Biden spoke by phone with President Volodymyr Zelenskyy today. "
                      "Biden pledged more air defence and said sanctions on Russia will stay. "
                      "Zelenskyy thanked Biden."),
    "test-uk-note1": ("president.gov.ua", "government", "uk", "CC-BY-4.0", "Тестова розмова",
                      "Володимир Зеленський 🇺🇦 провів телефонну розмову з Емманюелем Макроном. "
                      "Зеленський подякував за підтримку."),
    "test-ru-note1": ("kremlin.ru", "government", "ru", "CC-BY-4.0", "Тестовая встреча",
                      "Владимир Путин провел встречу с Александром Лукашенко. Обсуждались энергетика и торговля."),
    "test-en-other1": ("kremlin.ru", "government", "en", "CC-BY-4.0", "Greetings to a test festival",
                       "A message of greetings was sent to the participants of a festival."),
}


def tiny_document(doc_id: str) -> dict:
    source, publisher_type, language, license_, title, text = TINY_TEXTS[doc_id]
    return {"id": doc_id, "source": source, "publisher_type": publisher_type, "url": "", "title": title,
            "date": "2022-03-01", "language": language, "text": text, "text_sha256": sha256_text(text),
            "license": license_, "upstream": {"repo": None, "path": None, "commit": None}}


@pytest.fixture
def tiny_documents() -> list[dict]:
    return [tiny_document(doc_id) for doc_id in TINY_TEXTS]


@pytest.fixture
def repo(tmp_path, monkeypatch, tiny_documents) -> Path:
    """A temporary repository root with the real schemas, a small fixed actor registry (tests/data), an empty gold set and the tiny
    corpus imported at data/corpus/documents.jsonl; READOUTS_ROOT and READOUTS_CORPUS point at it."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "schema", root / "schema")
    (root / "annotations" / "gold").mkdir(parents=True)
    # a small fixed registry: tests must not depend on the growing real one
    shutil.copy(REPO / "tests" / "data" / "actors.json", root / "annotations" / "actors.json")
    corpus = root / "data" / "corpus" / "documents.jsonl"
    corpus.parent.mkdir(parents=True)
    corpus.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in tiny_documents), encoding="utf-8")
    monkeypatch.setenv("READOUTS_ROOT", str(root))
    monkeypatch.setenv("READOUTS_CORPUS", str(corpus))
    return root


def make_gold(document: dict, **changes) -> dict:
    """A valid gold annotation of the English test call; ``changes`` replace top-level fields."""
    text = document["text"]

    def mention(surface: str, nth: int = 0) -> dict:
        start = -1
        for _ in range(nth + 1):
            start = text.index(surface, start + 1)
        return {"start": start, "end": start + len(surface), "text": surface}

    annotation = {
        "schema_version": "1.0.0", "document_id": document["id"], "text_sha256": document["text_sha256"],
        "guideline_version": "1.0",
        "provenance": {"annotator_id": "tester", "annotator_kind": "human", "created": "2026-11-21T10:00:00Z",
                       "updated": "2026-11-21T10:00:00Z", "review_status": "reviewed"},
        "in_scope": True,
        "contacts": [{"type": "phone_call", "participants": ["joe-biden", "volodymyr-zelenskyy"]}],
        "participants": [
            {"actor_id": "joe-biden", "name": "Joe Biden", "office": "President", "role_type": "head_of_state",
             "affiliation": "USA", "participation": "direct", "mentions": [mention("Joe Biden"), mention("Biden", 1)]},
            {"actor_id": "volodymyr-zelenskyy", "name": "Volodymyr Zelenskyy", "office": "President",
             "role_type": "head_of_state", "affiliation": "UKR", "participation": "direct",
             "mentions": [mention("Volodymyr Zelenskyy")]},
        ],
        "stance": [{"holder": "joe-biden", "target": "sanctions_on_russia", "label": "favor",
                    "evidence": [{"start": text.index("sanctions"), "end": text.index("sanctions") + 9}]}],
        "topics": ["military_aid", "sanctions"],
    }
    annotation.update(changes)
    return annotation


@pytest.fixture
def gold_en(tiny_documents) -> dict:
    return make_gold(tiny_documents[0])


@pytest.fixture
def shared_corpus() -> Path:
    """The team's real source corpus; integration tests skip with a reason when it is not beside the repo."""
    if not SHARED_CORPUS.is_file():
        pytest.skip(f"integration test needs {SHARED_CORPUS}")
    return SHARED_CORPUS


# --- Evaluation fixtures: gold sets and predictions built from the invented documents --------------

TINY_DOCUMENT_FOR_SHAPE = tiny_document("test-en-call1")


def annotate(document: dict, participants=(), stance=(), topics=(), in_scope=True, contact="phone_call") -> dict:
    """A valid gold annotation of any tiny document. ``participants`` are (actor_id, surface, participation,
    role_type, affiliation); each surface's first occurrence in the text becomes its mention."""
    base = {key: value for key, value in make_gold(TINY_DOCUMENT_FOR_SHAPE).items() if key in ("schema_version", "guideline_version", "provenance")}
    base.update(document_id=document["id"], text_sha256=document["text_sha256"])
    text = document["text"]
    rows = [{"actor_id": actor, "name": actor, "office": "", "role_type": role, "affiliation": affiliation,
             "participation": participation,
             "mentions": [{"start": text.index(surface), "end": text.index(surface) + len(surface), "text": surface}]}
            for actor, surface, participation, role, affiliation in participants]
    direct = [row["actor_id"] for row in rows if row["participation"] == "direct"]
    base.update(in_scope=in_scope, participants=rows, topics=list(topics),
                stance=[{"holder": h, "target": t, "label": label, "evidence": []} for h, t, label in stance],
                contacts=[{"type": contact, "participants": direct}] if in_scope else [])
    return base


def tiny_gold_annotations(documents: list[dict]) -> dict[str, dict]:
    """Gold for the four tiny documents: the English call, a Ukrainian and a Russian contact, and an
    out-of-scope English note."""
    by_id = {d["id"]: d for d in documents}
    return {
        "test-en-call1": make_gold(by_id["test-en-call1"]),
        "test-uk-note1": annotate(by_id["test-uk-note1"], participants=[
            ("volodymyr-zelenskyy", "Володимир Зеленський", "direct", "head_of_state", "UKR"),
            ("emmanuel-macron", "Емманюелем Макроном", "direct", "head_of_state", "FRA")],
            stance=[("volodymyr-zelenskyy", "ukraine", "favor")], topics=["bilateral_cooperation"]),
        "test-ru-note1": annotate(by_id["test-ru-note1"], participants=[
            ("vladimir-putin", "Владимир Путин", "direct", "head_of_state", "RUS"),
            ("alexander-lukashenko", "Александром Лукашенко", "direct", "head_of_state", "BLR")],
            stance=[("vladimir-putin", "sanctions_on_russia", "against")], topics=["energy_security", "bilateral_cooperation"],
            contact="in_person_meeting"),
        "test-en-other1": annotate(by_id["test-en-other1"], in_scope=False),
    }


def build_gold_set(documents: list[dict], annotations: dict[str, dict], split: str = "test", release: str = "v0.0.1-test"):
    from readouts.evaluation.goldset import GoldSet
    from readouts.store import Annotation

    by_id = {d["id"]: d for d in documents}
    return GoldSet(release=release, split=split, setting="standard", source=f"test gold {release}",
                   annotations={doc: Annotation.from_dict(data) for doc, data in annotations.items()},
                   metadata={doc: {"language": by_id[doc]["language"], "source": by_id[doc]["source"],
                                   "publisher_type": by_id[doc]["publisher_type"], "text_length": len(by_id[doc]["text"])}
                             for doc in annotations},
                   release_ids=frozenset(by_id), release_text_lengths={doc: len(by_id[doc]["text"]) for doc in by_id})


def as_prediction(annotation: dict) -> dict:
    """The prediction a perfect system would make for ``annotation``."""
    return {"document_id": annotation["document_id"], "in_scope": annotation["in_scope"],
            "participants": [{k: v for k, v in p.items() if k not in ("name", "office")} for p in annotation["participants"]],
            "stance": [{k: v for k, v in s.items() if k != "evidence"} for s in annotation["stance"]],
            "topics": list(annotation["topics"])}


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def tiny_gold(repo, tiny_documents) -> dict[str, dict]:
    """Gold annotations of the tiny documents (valid under the repository's validator)."""
    return tiny_gold_annotations(tiny_documents)


@pytest.fixture
def gold_set(repo, tiny_documents, tiny_gold):
    """A GoldSet of all four tiny documents as the test split of an invented release."""
    return build_gold_set(tiny_documents, tiny_gold)


def replicate(documents: list[dict], annotations: dict[str, dict], copies: int) -> tuple[list[dict], dict[str, dict]]:
    """``copies`` renamed copies of every document and its gold (ids ``<source>-<lang>-copyN-...``), for
    tests that need more documents than the four invented ones."""
    new_documents, new_annotations = [], {}
    for n in range(copies):
        for document in documents:
            prefix, language, rest = document["id"].split("-", 2)
            doc_id = f"{prefix}-{language}-copy{n}-{rest}"
            new_documents.append(dict(document, id=doc_id))
            new_annotations[doc_id] = dict(annotations[document["id"]], document_id=doc_id)
    return new_documents, new_annotations


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture
def browser(tmp_path):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("READOUTS_SKIP_BROWSER") == "1":
            pytest.skip("chromium is absent and READOUTS_SKIP_BROWSER=1")
        pytest.fail("headless browser test needs Debian packages chromium and chromium-driver "
                    "(apt-get install -y chromium chromium-driver), or set READOUTS_SKIP_BROWSER=1 to skip")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1400,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
