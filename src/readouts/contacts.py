"""Linking reports of the same contact across publishers (a White House readout and the Kremlin's account
of one call, an address and the other side's readout). Annotators set a shared ``contact_id`` on the
contact entries; the split heuristic proposes candidates, a person (or LLM annotator) who read both
documents confirms them with ``readouts contacts link``."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Mapping

from .drafts import now_utc
from .errors import InputError
from .prelabel import find_actors
from .splits import CONTACT_WINDOW_DAYS, parse_date
from .store import Annotation, save_annotation
from .validate import validate_files


@dataclass(frozen=True)
class Report:
    """One contact entry of one annotated document."""

    document_id: str
    index: int
    type: str
    participants: tuple[str, ...]
    contact_id: str
    date: str
    source: str

    @property
    def ref(self) -> str:
        return f"{self.document_id}:{self.index}"


def reports(annotations: Mapping[str, Annotation], metadata: Mapping[str, Mapping]) -> list[Report]:
    """Every contact entry of every in-scope annotation, with its document's date and publisher."""
    out = []
    for doc_id, annotation in sorted(annotations.items()):
        meta = metadata.get(doc_id, {})
        for index, contact in enumerate(annotation.contacts):
            out.append(Report(doc_id, index, contact.type, tuple(sorted(contact.participants)), contact.contact_id,
                              meta.get("date") or "", meta.get("source") or ""))
    return out


def _days_apart(a: str, b: str) -> int | None:
    day_a, day_b = parse_date(a), parse_date(b)
    return abs((day_a - day_b).days) if day_a and day_b else None


def proposed_id(report: Report) -> str:
    """A readable id for a new link: the date and the parties' surnames (``2022-03-01-biden-zelenskyy``)."""
    names = "-".join(actor.rsplit("-", 1)[-1] for actor in report.participants[:4])
    return f"{report.date}-{names}".strip("-")[:120] or report.document_id.lower()[:120]


def propose_links(all_reports: list[Report]) -> list[list[Report]]:
    """Groups of not-yet-linked reports from at least two outlets (a publisher may have several: the
    President of Ukraine's news site and his video addresses) that look like one contact: at least
    two direct parties in common (or the same parties, when a contact names fewer) and dates at most
    ``CONTACT_WINDOW_DAYS`` apart. Candidates only: an annotator reads the documents before linking."""
    open_reports = [r for r in all_reports if not r.contact_id and r.participants and r.date]
    neighbours: dict[Report, set[Report]] = defaultdict(set)
    for i, a in enumerate(open_reports):
        for b in open_reports[i + 1:]:
            if outlet(a.document_id) == outlet(b.document_id):
                continue
            shared = set(a.participants) & set(b.participants)
            days = _days_apart(a.date, b.date)
            if days is not None and days <= CONTACT_WINDOW_DAYS and (len(shared) >= 2 or set(a.participants) == set(b.participants)):
                neighbours[a].add(b)
                neighbours[b].add(a)
    groups, seen = [], set()
    for start in sorted(neighbours, key=lambda r: (r.date, r.ref)):
        if start in seen:
            continue
        group, frontier = [], [start]
        while frontier:
            report = frontier.pop()
            if report not in seen:
                seen.add(report)
                group.append(report)
                frontier.extend(neighbours[report] - seen)
        groups.append(sorted(group, key=lambda r: r.ref))
    return groups


def outlet(document_id: str) -> str:
    """The outlet a document id names (``wh``, ``pgu``, ``resist``, ``kremlin``): one publisher can have
    several (the President of Ukraine's news site and his video addresses)."""
    return document_id.split("-", 1)[0]


def counterpart_candidates(all_reports: list[Report], documents: Mapping[str, Mapping],
                           annotated: set[str]) -> dict[str, list[str]]:
    """Documents not yet annotated that may be another outlet's account of an annotated contact: dated at
    most ``CONTACT_WINDOW_DAYS`` from the report and naming at least two of its direct parties (registry
    matcher). ``{document_id: [reports it may match]}``; annotating them lets annotators link the accounts."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for doc_id, document in documents.items():
        day = parse_date(document.get("date"))
        if doc_id not in annotated and day:
            by_day[day].append(doc_id)
    named: dict[str, set[str]] = {}
    found: dict[str, set[str]] = defaultdict(set)
    for report in all_reports:
        day, parties = parse_date(report.date), set(report.participants)
        if not day or len(parties) < 2:
            continue
        for offset in range(-CONTACT_WINDOW_DAYS, CONTACT_WINDOW_DAYS + 1):
            for doc_id in by_day.get(day + timedelta(days=offset), []):
                if outlet(doc_id) == outlet(report.document_id):
                    continue
                if doc_id not in named:
                    document = documents[doc_id]
                    text = f"{document.get('title') or ''}\n{document['text']}"
                    named[doc_id] = {found_actor.actor.id for found_actor in find_actors(text, document["language"])}
                if len(parties & named[doc_id]) >= 2:
                    found[doc_id].add(report.ref)
    return {doc_id: sorted(refs) for doc_id, refs in sorted(found.items())}


def parse_ref(ref: str, annotations: Mapping[str, Annotation]) -> tuple[str, int]:
    """``DOC`` (its only contact) or ``DOC:INDEX`` (0-based) into a document id and a contact index."""
    doc_id, _, index_text = ref.partition(":")
    if doc_id not in annotations:
        raise InputError(f"{ref}: no annotation for document {doc_id!r} in this set")
    contacts = annotations[doc_id].contacts
    if not index_text:
        if len(contacts) != 1:
            raise InputError(f"{ref}: the document has {len(contacts)} contacts; name one as {doc_id}:INDEX (0-based)")
        return doc_id, 0
    if not index_text.isdigit() or int(index_text) >= len(contacts):
        raise InputError(f"{ref}: contact index must be 0..{len(contacts) - 1}")
    return doc_id, int(index_text)


def link(contact_id: str, refs: list[str], annotations: Mapping[str, Annotation], set_name: str, actor: str) -> list[str]:
    """Set ``contact_id`` on the named contacts of the annotation set, all or nothing: every reference and
    every resulting annotation is checked before any file is written. Returns the documents written."""
    if len(refs) < 2:
        raise InputError("a link needs at least two reports (DOC or DOC:INDEX)")
    targets: dict[str, dict[int, None]] = defaultdict(dict)
    for ref in refs:
        doc_id, index = parse_ref(ref, annotations)
        current = annotations[doc_id].contacts[index].contact_id
        if current and current != contact_id:
            raise InputError(f"{ref}: the contact is already linked as {current!r}; a contact has one id")
        targets[doc_id][index] = None
    if len(targets) < 2:
        raise InputError("a link joins reports in at least two documents")
    updated = []
    time = now_utc()
    for doc_id, indices in sorted(targets.items()):
        data = annotations[doc_id].to_dict()
        for index in indices:
            data["contacts"][index]["contact_id"] = contact_id
        data["provenance"].setdefault("history", []).append({"time": time, "actor": actor, "action": f"linked contact {contact_id}"})
        data["provenance"]["updated"] = time
        updated.append(data)
    report = validate_files([(Path(set_name) / f"{d['document_id']}.json", d) for d in updated], corpus=None)
    if not report.ok:
        raise InputError("the link would make invalid annotations:\n" + "\n".join(map(str, report.problems)))
    for data in updated:
        save_annotation(data, set_name=set_name)
    return [d["document_id"] for d in updated]
