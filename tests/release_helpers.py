"""Helpers for tests that make releases in a temporary repository (the `repo` fixture): invented
documents added to its corpus, gold annotations, the settings file and changelog entries."""

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

from conftest import REPO, TINY_TEXTS, make_gold
from readouts.jsonio import sha256_text
from readouts.store import save_annotation

CALL_TEXT = TINY_TEXTS["test-en-call1"][5]  # invented English call that make_gold annotates


def invented_document(doc_id: str, day: str, source: str = "whitehouse.gov", license_: str = "public-domain-us-government",
                      parallel_group: str | None = None, text: str = CALL_TEXT) -> dict:
    language = doc_id.split("-")[1]
    document = {"id": doc_id, "source": source, "publisher_type": "government", "url": f"https://example.org/{doc_id}",
                "title": f"Invented {doc_id}", "date": day, "language": language, "text": text,
                "text_sha256": sha256_text(text), "license": license_,
                "upstream": {"repo": None, "path": None, "commit": None}}
    if parallel_group:
        document["parallel_group"] = parallel_group
    return document


def calls(prefix: str, count: int, start: str = "2022-01-01", step_days: int = 5, **kwargs) -> list[dict]:
    """``count`` invented calls dated ``step_days`` apart (further than the contact window, so each is its
    own group)."""
    first = date.fromisoformat(start)
    return [invented_document(f"{prefix}{i:03d}", (first + timedelta(days=step_days * i)).isoformat(), **kwargs)
            for i in range(count)]


def add_documents(repo: Path, documents: list[dict], annotate: bool = True) -> None:
    """Append documents to the temporary corpus and (by default) write a gold annotation for each."""
    corpus = repo / "data" / "corpus" / "documents.jsonl"
    with open(corpus, "a", encoding="utf-8") as handle:
        for document in documents:
            handle.write(json.dumps(document, ensure_ascii=False) + "\n")
    if annotate:
        for document in documents:
            save_annotation(make_gold(document))


def prepare(repo: Path, *versions: str) -> None:
    """Copy the real settings file and write a changelog with entries for ``versions``."""
    shutil.copy(REPO / "annotations" / "settings.json", repo / "annotations" / "settings.json")
    write_changelog(repo, *versions)


def write_changelog(repo: Path, *versions: str) -> None:
    entries = "".join(f"## [{v}]\n- test entry\n\n" for v in versions)
    (repo / "CHANGELOG.md").write_text(f"# Changelog\n\n{entries}", encoding="utf-8")


def out_of_scope(document: dict) -> dict:
    """A valid gold annotation saying ``document`` reports no contact."""
    return make_gold({**document, "text": CALL_TEXT}, in_scope=False, contacts=[], participants=[], stance=[], topics=[])
