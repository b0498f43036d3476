"""Checks of the gold beyond the schema: consistency with the actor registry and across documents, and
agreement with what the publishers themselves state. Every label is made by LLM annotators of one model
family, so their agreement with each other is an upper bound; these checks compare the labels with
independent evidence (the White House's own readout titles, the Kremlin's delegation lists, other
publishers' reports of the same contact)."""

import re
from collections import defaultdict
from typing import Mapping

from .actors import Actor
from .prelabel import TOPIC_PATTERNS, find_actors
from .schema import Problem
from .store import Annotation

# What a White House readout title says about the form of the contact, and the types that agree with it.
TITLE_FORMS = (
    (re.compile(r"\bcalls?\b", re.IGNORECASE), {"phone_call", "video_call", "multilateral_meeting"}),
    (re.compile(r"\b(meeting|meets|met|pull-aside|bilateral)\b", re.IGNORECASE),
     {"in_person_meeting", "multilateral_meeting", "video_call"}),
)


# "Readout from NSC Spokesperson X on ...": X wrote the readout and took no part in the contact.
AUTHOR_PREFIX = re.compile(r"^readout from .*?\bon\b", re.IGNORECASE)


def _delegation_names(entry: str) -> str:
    """A delegation list entry ("SURNAME First Patronymic – office") as the name forms the registry knows:
    "First Surname; Surname First Patronymic"."""
    name = re.split(r"\s+[–—-]\s+", entry, maxsplit=1)[0].split()
    if not name:
        return ""
    surname = name[0].capitalize() if name[0].isupper() else name[0]
    first = name[1] if len(name) > 1 else ""
    return f"{first} {surname}; {' '.join([surname, *name[1:]])}".strip()


def _held(actor: Actor, role_type: str, day: str) -> bool | None:
    """Whether the registry shows ``actor`` holding an office of ``role_type`` on ``day``; None when the
    registry cannot tell (no dated office of that type, or no date)."""
    offices = [o for o in actor.offices if o.get("role_type") == role_type]
    if not day or not offices or not all(o.get("start") for o in offices):
        return None
    return any(o["start"] <= day and (not o.get("end") or o["end"] >= day) for o in offices)


CYRILLIC, LATIN = re.compile(r"[\u0400-\u04ff]"), re.compile(r"[A-Za-z]")
UKRAINIAN_ONLY, RUSSIAN_ONLY = re.compile(r"[ІіЇїЄєҐґ]"), re.compile(r"[ЫыЭэЁёЪъ]")


def language_problem(document: Mapping) -> str | None:
    """Why a document's text is not in its declared language, judged by script (Cyrillic or Latin
    letters) and, between Ukrainian and Russian, by the letters only one of them has; None when it is.
    Upstream files sometimes hold the other language's text under a translation's id."""
    text, language = document.get("text") or "", document.get("language")
    cyrillic, latin = len(CYRILLIC.findall(text)), len(LATIN.findall(text))
    if not cyrillic + latin:
        return None
    if (language == "en") != (latin > cyrillic):
        return f"declared {language}, but {cyrillic} of its {cyrillic + latin} letters are Cyrillic"
    ukrainian, russian = len(UKRAINIAN_ONLY.findall(text)), len(RUSSIAN_ONLY.findall(text))
    if (language, ukrainian > russian) in (("uk", False), ("ru", True)) and ukrainian != russian:
        return f"declared {language}, but it has {ukrainian} letters only Ukrainian uses and {russian} only Russian uses"
    return None


def consistency_findings(annotations: Mapping[str, Annotation], metadata: Mapping[str, Mapping],
                         registry: Mapping[str, Actor]) -> list[Problem]:
    """Problems that must not be in the gold: a document whose text is not in its declared language (it
    would be counted and tested as the wrong language), an affiliation the registry does not give the actor
    (the same person acting for two countries), a direct participant whose role type the registry dates
    outside the document's date, a stance holder who is not a participant of the document."""
    findings = []
    for doc_id, annotation in sorted(annotations.items()):
        day = (metadata.get(doc_id) or {}).get("date") or ""
        language = language_problem(metadata.get(doc_id) or {})
        if language:
            findings.append(Problem(doc_id, "$.document_id", f"the document's text is not in its language: {language}"))
        people = {p.actor_id for p in annotation.participants}
        for index, p in enumerate(annotation.participants):
            actor = registry.get(p.actor_id)
            if actor is None:
                findings.append(Problem(doc_id, f"$.participants[{index}].actor_id", f"{p.actor_id!r} is not in the registry"))
                continue
            allowed = {actor.country} | {o.get("affiliation") for o in actor.offices if o.get("affiliation")}
            if p.affiliation not in allowed:
                findings.append(Problem(doc_id, f"$.participants[{index}].affiliation",
                                        f"{p.actor_id} acts for {p.affiliation}, but the registry gives only {sorted(allowed)}"))
            if p.participation == "direct" and _held(actor, p.role_type, day) is False:
                spans = ", ".join(f"{o['start']}..{o.get('end') or 'now'}" for o in actor.offices if o.get("role_type") == p.role_type)
                findings.append(Problem(doc_id, f"$.participants[{index}].role_type",
                                        f"{p.actor_id} held {p.role_type} {spans} per the registry, not on {day}"))
        for index, s in enumerate(annotation.stance):
            if s.holder not in people:
                findings.append(Problem(doc_id, f"$.stance[{index}].holder", f"{s.holder!r} is not a participant"))
    return findings


def topic_cues(annotations: Mapping[str, Annotation], documents: Mapping[str, Mapping]) -> list[Problem]:
    """Topic labels for review: the text (and title) has none of the topic's cue words and the annotator's
    note does not mention the topic. Cue words are the pre-annotator's recall-oriented patterns, so a hit
    here is a question for a reviewer, not an error."""
    findings = []
    for doc_id, annotation in sorted(annotations.items()):
        document = documents.get(doc_id)
        if not document or not document.get("text"):
            continue
        haystack = f"{document.get('title', '')}\n{document['text']}"
        notes = str(annotation.extra.get("notes", ""))
        for topic in annotation.topics:
            if topic not in notes and not re.search(TOPIC_PATTERNS[topic], haystack, re.IGNORECASE):
                findings.append(Problem(doc_id, "$.topics", f"{topic}: none of its cue words occurs and the note does not justify it"))
    return findings


def _share(agree: int, total: int) -> dict:
    return {"agree": agree, "total": total, "share": round(agree / total, 4) if total else None}


def publisher_checks(annotations: Mapping[str, Annotation], documents: Mapping[str, Mapping]) -> dict:
    """Agreement of the gold with the publishers' own statements, with every disagreement listed:
    White House readout titles (the form of the contact; the persons they name are direct participants),
    Kremlin delegation lists (listed members who are annotated are direct), linked reports of one
    contact (same contact type and direct parties) and parallel translations (the same labels)."""
    form = [0, 0]; named = [0, 0]; delegation = [0, 0]; linked_type = [0, 0]; linked_people = [0, 0]
    disagreements = []
    for doc_id, annotation in sorted(annotations.items()):
        document = documents.get(doc_id) or {}
        if not annotation.in_scope:
            continue
        types = {c.type for c in annotation.contacts}
        direct = {p.actor_id for p in annotation.participants if p.participation == "direct"}
        participation = {p.actor_id: p.participation for p in annotation.participants}
        title = document.get("title", "")
        if doc_id.startswith("wh-") and title.lower().startswith("readout"):
            for pattern, expected in TITLE_FORMS:
                if pattern.search(title):
                    form[1] += 1
                    if types & expected:
                        form[0] += 1
                    else:
                        disagreements.append({"check": "white_house_title_form", "document_id": doc_id,
                                              "publisher_says": pattern.pattern, "gold": sorted(types)})
                    break
            for found in find_actors(AUTHOR_PREFIX.sub("", title), "en"):
                named[1] += 1
                if found.actor.id in direct:
                    named[0] += 1
                else:
                    disagreements.append({"check": "white_house_title_person", "document_id": doc_id,
                                          "publisher_says": f"{found.actor.id} in the title", "gold": participation.get(found.actor.id, "not annotated")})
        for entry in document.get("delegation_list") or []:
            for found in find_actors(_delegation_names(entry), document.get("language", "ru")):
                if found.actor.id in participation:  # only members the annotators could see named (guidelines D13)
                    delegation[1] += 1
                    if participation[found.actor.id] == "direct":
                        delegation[0] += 1
                    else:
                        disagreements.append({"check": "kremlin_delegation_list", "document_id": doc_id,
                                              "publisher_says": f"{found.actor.id} in the delegation", "gold": participation[found.actor.id]})
    by_link: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for doc_id, annotation in sorted(annotations.items()):
        for contact in annotation.contacts:
            if contact.contact_id:
                by_link[contact.contact_id].append((doc_id, contact))
    for contact_id, members in sorted(by_link.items()):
        for (doc_a, a), (doc_b, b) in zip(members, members[1:]):
            linked_type[1] += 1
            linked_type[0] += a.type == b.type
            linked_people[1] += 1
            linked_people[0] += set(a.participants) == set(b.participants)
            if a.type != b.type or set(a.participants) != set(b.participants):
                disagreements.append({"check": "linked_reports", "document_id": doc_b, "contact_id": contact_id,
                                      "publisher_says": f"{doc_a}: {a.type} {sorted(a.participants)}",
                                      "gold": f"{b.type} {sorted(b.participants)}"})
    return {"white_house_title_form": _share(*form), "white_house_title_persons_direct": _share(*named),
            "kremlin_delegation_members_direct": _share(*delegation),
            "linked_reports_same_type": _share(*linked_type), "linked_reports_same_direct_parties": _share(*linked_people),
            **_translation_checks(annotations, documents, disagreements), "disagreements": disagreements}


# What a translation must say as its original does: annotated separately, the two should carry the same labels.
TRANSLATION_LAYERS = {
    "scope": lambda a: a.in_scope,
    "direct_participants": lambda a: sorted({p.actor_id for p in a.participants if p.participation == "direct"}),
    "contact_types": lambda a: sorted(c.type for c in a.contacts),
    "topics": lambda a: sorted(a.topics),
}


def _translation_checks(annotations: Mapping[str, Annotation], documents: Mapping[str, Mapping], disagreements: list) -> dict:
    """Parallel translations (one ``parallel_group``, annotated independently in each language) compared
    layer by layer, each pair once; every difference is listed."""
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id in sorted(annotations):
        group = (documents.get(doc_id) or {}).get("parallel_group")
        if group:
            groups[group].append(doc_id)
    counts = {layer: [0, 0] for layer in TRANSLATION_LAYERS}
    for members in groups.values():
        for doc_a, doc_b in zip(members, members[1:]):
            for layer, value in TRANSLATION_LAYERS.items():
                a, b = value(annotations[doc_a]), value(annotations[doc_b])
                counts[layer][1] += 1
                counts[layer][0] += a == b
                if a != b:
                    disagreements.append({"check": f"translation_{layer}", "document_id": doc_b,
                                          "publisher_says": f"{doc_a} (the same text in another language): {a}", "gold": f"{b}"})
    return {f"translations_same_{layer}": _share(*count) for layer, count in counts.items()}
