"""Drafts: the annotator-friendly form of an annotation. An annotator (human, LLM or the pre-annotator)
names mentions by their surface strings and stance evidence by short quotes; this module finds their
character offsets in the document text and produces a schema-valid annotation that stores offsets only.
Drafts quote document text, so they live in the git-ignored ``work/`` folder and are never committed."""

import re
from datetime import datetime, timezone

from .actors import load_registry
from .errors import InputError
from .schema import require_valid, schema_version

GUIDELINE_VERSION = "1.2"


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# A name joined to a word by a hyphen is part of a compound ("Biden-Harris Administration"), not a mention.
HYPHENS = "-\u2010\u2011"
NAME_START = rf"(?<!\w)(?<!\w[{HYPHENS}])"
NAME_END = rf"(?!\w)(?![{HYPHENS}]\w)"


def find_mentions(text: str, surface: str) -> list[tuple[int, int]]:
    """All occurrences of ``surface`` in ``text`` that start and end on word boundaries (so "Putin" is
    not found inside "Putinism"; inflected forms are separate surface strings) and are not joined to a
    word by a hyphen (so "Biden" is not found in "Biden-Harris Administration"; a draft marks such an
    occurrence explicitly with ``{"text", "start"}`` when it is a mention)."""
    pattern = re.compile(NAME_START + f"(?:{re.escape(surface)})" + NAME_END)
    return [match.span() for match in pattern.finditer(text)]


def resolve_mentions(text: str, surfaces: list, taken: set[int], where: str) -> list[dict]:
    """Spans for the draft's mentions. A string marks every occurrence (word boundaries), longest strings
    first, skipping characters already claimed by a longer mention of this or another participant. An
    object ``{"text": ..., "start": N}`` marks exactly that occurrence (for names that repeat in person
    cards, where only one occurrence is a mention)."""
    mentions = []
    explicit = [s for s in surfaces if isinstance(s, dict)]
    strings = [s for s in surfaces if isinstance(s, str)]
    for item in explicit:
        start, surface = item["start"], item["text"]
        if not isinstance(start, int) or text[start:start + len(surface)] != surface:  # 4.0 passes the schema's "integer"
            raise InputError(f"{where}.mentions: {item!r} does not match the text at that offset")
        taken.update(range(start, start + len(surface)))
        mentions.append({"start": start, "end": start + len(surface), "text": surface})
    for surface in sorted(dict.fromkeys(strings), key=len, reverse=True):
        found = find_mentions(text, surface)
        if not found:
            raise InputError(f"{where}: mention {surface!r} does not occur in the text (exact string, word boundaries)")
        for start, end in found:
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                mentions.append({"start": start, "end": end, "text": text[start:end]})
    return sorted(mentions, key=lambda m: (m["start"], m["end"]))


def resolve_evidence(text: str, quotes: list, where: str) -> list[dict]:
    """Spans for evidence quotes: a string is its first occurrence; ``{"text": ..., "start": N}`` is exactly there."""
    spans = []
    for quote in quotes:
        if isinstance(quote, dict):
            start, surface = quote["start"], quote["text"]
            if not isinstance(start, int) or text[start:start + len(surface)] != surface:
                raise InputError(f"{where}: evidence {str(quote)[:80]!r} does not match the text at that offset")
        else:
            start, surface = text.find(quote), quote
            if start < 0:
                raise InputError(f"{where}: evidence quote {surface[:60]!r} does not occur in the text")
        spans.append({"start": start, "end": start + len(surface)})
    return spans


def annotation_to_draft(annotation: dict, text: str) -> dict:
    """The editable draft of an existing annotation, lossless: mentions and evidence carry their exact
    offsets, so converting the draft back gives the same labels."""
    draft = {
        "document_id": annotation["document_id"], "in_scope": annotation["in_scope"], "contacts": annotation["contacts"],
        "participants": [{**{k: p[k] for k in ("actor_id", "office", "role_type", "affiliation", "participation") if k in p},
                          "mentions": [{"text": m["text"], "start": m["start"]} for m in p["mentions"]]}
                         for p in annotation["participants"]],
        "stance": [{"holder": s["holder"], "target": s["target"], "label": s["label"],
                    "evidence": [{"text": text[e["start"]:e["end"]], "start": e["start"]} for e in s.get("evidence", [])]}
                   for s in annotation["stance"]],
        "topics": annotation["topics"],
    }
    for key in ("notes", "adjudication"):
        if key in annotation:
            draft[key] = annotation[key]
    return draft


def check_draft(draft, where: str) -> None:
    """Refuse a draft that does not match schema/draft.schema.json: unknown or misspelt keys at any level,
    a participant without its participation, role type or office, evidence that is not a list."""
    require_valid("draft", draft, where)


def draft_to_annotation(draft: dict, document: dict, provenance: dict, where: str) -> dict:
    """Turn a draft into an annotation of ``document`` (offsets checked against its text). Only the name
    and affiliation may be left out: they default to the registry's English name and country."""
    check_draft(draft, where)
    registry = load_registry()
    text = document["text"]
    taken: set[int] = set()
    participants = []
    for index, item in enumerate(draft.get("participants", [])):
        here = f"{where}: $.participants[{index}]"
        actor_id = item.get("actor_id")
        if actor_id not in registry:
            raise InputError(f"{here}.actor_id: unknown actor {actor_id!r}; add it to annotations/actors.json first")
        participants.append({
            "actor_id": actor_id,
            "name": item.get("name") or registry[actor_id].names["en"],
            "office": item["office"],
            "role_type": item["role_type"],
            "affiliation": item.get("affiliation") or registry[actor_id].country,
            "participation": item["participation"],
            "mentions": resolve_mentions(text, item.get("mentions", []), taken, here),
        })
    stance = [
        {"holder": s["holder"], "target": s["target"], "label": s["label"],
         "evidence": resolve_evidence(text, s.get("evidence", []), f"{where}: $.stance[{index}]")}
        for index, s in enumerate(draft.get("stance", []))
    ]
    annotation = {
        "schema_version": schema_version("annotation"),
        "document_id": document["id"],
        "text_sha256": document["text_sha256"],
        "guideline_version": GUIDELINE_VERSION,
        "provenance": provenance,
        "in_scope": draft["in_scope"],
        "contacts": draft.get("contacts", []),
        "participants": participants,
        "stance": stance,
        "topics": draft.get("topics", []),
    }
    for key in ("notes", "adjudication"):
        if draft.get(key):
            annotation[key] = draft[key]
    return annotation
