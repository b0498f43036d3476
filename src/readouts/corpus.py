"""The source corpus: import (validate, verify hashes, store), load, select candidate documents and
count. Texts stay outside the repository; only ids, hashes and offsets are committed."""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pandas as pd

from .errors import InputError, shorten
from .jsonio import atomic_write_text, iter_jsonl, read_json, read_text, sha256_text, write_json
from .paths import annotations_dir, default_corpus_path, repo_root
from .schema import schema_problems


def import_corpus(source: Path, destination: Path | None = None, progress=None) -> tuple[Path, int]:
    """Validate every record of ``source`` (schema, SHA-256 of the text, unique ids) and store the corpus
    at ``destination``. Nothing is written unless every record passes."""
    destination = Path(destination) if destination else default_corpus_path()
    seen: dict[str, int] = {}
    lines: list[str] = []
    records = iter_jsonl(source)
    for line_number, record in (progress(records) if progress else records):
        where = f"{source}:{line_number}"
        problems = schema_problems("document", record, where)
        if problems:
            raise InputError("\n".join(str(p) for p in problems[:10]))
        if sha256_text(record["text"]) != record["text_sha256"]:
            raise InputError(f"{where}: $.text_sha256: does not match the SHA-256 of $.text (the text was changed or the hash is wrong)")
        if record["id"] in seen:
            raise InputError(f"{where}: $.id: duplicate document id {record['id']!r} (first on line {seen[record['id']]})")
        seen[record["id"]] = line_number
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    if not lines:
        raise InputError(f"{source}: no documents")
    atomic_write_text(destination, "\n".join(lines) + "\n")
    return destination, len(lines)


def load_corpus(path: Path | None = None) -> dict[str, dict]:
    """Documents by id from an imported corpus (or any documents JSONL), every text verified against its
    SHA-256 (annotations point into texts by offsets: a changed text would move every span). Cached per
    path, size and mtime in memory; the verification also in data/cache/verified-corpora.json, so a corpus
    is hashed again only when its file changes."""
    path = (Path(path) if path else default_corpus_path()).resolve()
    if not path.is_file():
        raise InputError(
            f"no corpus at {path}: run `readouts corpus import ../shared/corpus/documents.jsonl` "
            "or point READOUTS_CORPUS (or --corpus) at a documents JSONL file"
        )
    stat = path.stat()
    return _load_corpus(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _load_corpus(path: Path, size: int, mtime_ns: int) -> dict[str, dict]:
    documents: dict[str, dict] = {}
    for line_number, record in iter_jsonl(path):
        if not (isinstance(record, dict) and all(isinstance(record.get(key), str) for key in ("id", "text", "text_sha256"))):
            raise InputError(f"{path}:{line_number}: not a document: $.id, $.text and $.text_sha256 must be strings")
        documents[record["id"]] = record
    stamp = {"size": size, "mtime_ns": mtime_ns}
    if _verified_corpora().get(str(path)) != stamp:
        changed = [doc for doc, record in documents.items() if sha256_text(record["text"]) != record["text_sha256"]]
        if changed:
            raise InputError(f"{path}: {len(changed)} documents have a text that does not match their $.text_sha256 "
                             f"(changed in place?), e.g. {shorten(changed[0])}; restore the corpus or re-import it")
        _remember_verified(str(path), stamp)
    return documents


def _verification_cache() -> Path | None:
    try:
        return repo_root() / "data" / "cache" / "verified-corpora.json"
    except InputError:  # not in a checkout: verify every time
        return None


def _verified_corpora() -> dict:
    """``{corpus path: {"size", "mtime_ns"}}`` of corpus files whose texts matched their hashes."""
    cache = _verification_cache()
    try:
        data = read_json(cache) if cache and cache.is_file() else {}
    except InputError:  # a damaged cache only costs a re-verification
        return {}
    return data if isinstance(data, dict) else {}


def _remember_verified(path: str, stamp: dict) -> None:
    cache = _verification_cache()
    if cache is None:
        return
    try:
        write_json(cache, {**_verified_corpora(), path: stamp})
    except InputError:  # an unwritable cache only costs a re-verification next time
        pass


def corpus_available(path: Path | None = None) -> bool:
    return (Path(path) if path else default_corpus_path()).is_file()


# --- Candidate selection -------------------------------------------------------------------------

LEAD_CHARS = 600  # how much of the text beside the title the rules look at


@dataclass(frozen=True)
class SelectionRule:
    """A documented, language-specific pattern that marks a document as reporting a diplomatic contact."""

    id: str
    language: str
    pattern: str
    why: str

    @property
    def regex(self) -> re.Pattern:
        return re.compile(self.pattern, re.IGNORECASE)


SELECTION_RULES: tuple[SelectionRule, ...] = (
    SelectionRule("en-readout", "en", r"\breadout\b", "White House readouts of calls and meetings"),
    SelectionRule("en-call", "en", r"\b(tele)?phone (call|conversation|talk)s?\b|\bvideo (call|conference|link)\b|\bcall with\b",
                  "calls by phone or video"),
    SelectionRule("en-spoke", "en", r"\b(spoke|speaks|talked|held talks|had a conversation) (by phone |on the phone )?with\b",
                  "reported speech with a named counterpart"),
    SelectionRule("en-meeting", "en", r"\b(met|meets|meeting|meetings|talks|negotiations|summit) with\b|\bbilateral meeting\b|\bheld talks\b",
                  "meetings and talks with a counterpart"),
    SelectionRule("uk-call", "uk", r"телефонн\w* розмов|провів розмову|провела розмову|розмов\w* з |відеозв.язк|по телефону",
                  "calls by phone or video"),
    SelectionRule("uk-meeting", "uk", r"зустріч\w* з |зустрівся|зустрілася|переговор\w*|провів зустріч|прийняв",
                  "meetings and talks"),
    SelectionRule("ru-call", "ru", r"телефонн\w* разговор|провел\w* беседу|беседу с |разговор\w* с |видеоконференц|по телефону",
                  "calls by phone or video"),
    SelectionRule("ru-meeting", "ru", r"встреч\w* с |встретил\w*|переговор\w*|провел\w* встречу|принял\w* ",
                  "meetings and talks"),
)


def matching_rules(document: dict) -> list[str]:
    """Ids of the selection rules that fire on the title and the lead of ``document``."""
    haystack = f"{document.get('title', '')}\n{document['text'][:LEAD_CHARS]}"
    return [rule.id for rule in SELECTION_RULES if rule.language == document["language"] and rule.regex.search(haystack)]


def select_candidates(documents: Iterable[dict]) -> list[str]:
    return sorted(doc["id"] for doc in documents if matching_rules(doc))


def candidates_path() -> Path:
    return annotations_dir() / "selection" / "candidates.txt"


def write_candidates(ids: list[str], path: Path | None = None) -> Path:
    path = Path(path) if path else candidates_path()
    atomic_write_text(path, "".join(f"{doc_id}\n" for doc_id in ids))
    return path


def read_candidates(path: Path | None = None) -> list[str]:
    path = Path(path) if path else candidates_path()
    if not path.is_file():
        raise InputError(f"{path}: no candidate list; run `readouts corpus select`")
    return [line.strip() for line in read_text(path).splitlines() if line.strip()]


def selection_precision(candidate_ids: Iterable[str], in_scope_by_id: dict[str, bool]) -> dict:
    """Precision of the selector on the annotated candidates: the share of annotated candidates that the
    annotators judged in scope. Documents not annotated do not count."""
    judged = [in_scope_by_id[doc] for doc in candidate_ids if doc in in_scope_by_id]
    true_positives = sum(judged)
    return {"annotated_candidates": len(judged), "in_scope": true_positives,
            "precision": true_positives / len(judged) if judged else None}


# --- Statistics ----------------------------------------------------------------------------------

def corpus_frame(documents: Iterable[dict]) -> pd.DataFrame:
    """One row per document with the fields that statistics group by (no text)."""
    return pd.DataFrame(
        [{"id": d["id"], "source": d["source"], "language": d["language"], "license": d["license"],
          "year": d["date"][:4] if d["date"] else "unknown", "chars": len(d["text"])} for d in documents],
        columns=["id", "source", "language", "license", "year", "chars"],
    )


def corpus_stats(documents: Iterable[dict]) -> dict[str, pd.DataFrame]:
    frame = corpus_frame(documents)
    return {
        "by source and language": pd.crosstab(frame["source"], frame["language"], margins=True, margins_name="total"),
        "by year and language": pd.crosstab(frame["year"], frame["language"], margins=True, margins_name="total"),
        "by licence": frame.groupby("license").size().rename("documents").to_frame(),
    }
