"""Validation of annotation sets: the JSON Schema, then every cross-file rule (registry, taxonomy,
corpus text and hash, spans, stance holders, duplicates). Bad annotations cannot be released."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .actors import is_valid_affiliation, load_registry
from .schema import Problem, schema_problems
from .taxonomy import load_taxonomy


@dataclass
class ValidationReport:
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    text_checks: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems


class AnnotationChecker:
    """Checks one annotation at a time against the taxonomy, the actor registry and, when given, the
    corpus (a mapping of document id to document)."""

    def __init__(self, corpus: dict[str, dict] | None, gold: bool = True):
        self.corpus = corpus
        self.gold = gold
        self.taxonomy = load_taxonomy()
        self.registry = load_registry()
        self.topics = set(self.taxonomy.topic_ids)
        self.targets = set(self.taxonomy.target_ids)
        self.role_types = set(self.taxonomy.ids("role_types"))
        self.contact_types = set(self.taxonomy.ids("contact_types"))

    def check(self, data: Any, where: str, file_stem: str | None = None) -> list[Problem]:
        problems = schema_problems("annotation", data, where)
        if problems:
            return problems  # the rules below assume the shape is right
        out: list[Problem] = []

        def report(path: str, message: str) -> None:
            out.append(Problem(where, path, message))

        doc_id = data["document_id"]
        if file_stem is not None and file_stem != doc_id:
            report("$.document_id", f"{doc_id!r} does not match the file name {file_stem!r}.json")
        if self.gold and data["provenance"]["annotator_kind"] == "model-prelabel":
            report("$.provenance.annotator_kind", "a pre-label is not gold: an annotator must read the text and review every layer")
        self._check_scope(data, report)
        self._check_participants(data, report)
        self._check_contacts(data, report)
        self._check_stance(data, report)
        for index, topic in enumerate(data["topics"]):
            if topic not in self.topics:
                report(f"$.topics[{index}]", f"unknown topic {topic!r}")
        if self.corpus is not None:
            self._check_text(data, report)
        return out

    def _check_scope(self, data, report) -> None:
        if not data["in_scope"]:
            for layer in ("contacts", "participants", "stance", "topics"):
                if data[layer]:
                    report(f"$.{layer}", "must be empty when in_scope is false")
        elif not data["contacts"]:
            report("$.contacts", "an in-scope document reports at least one contact")

    def _check_participants(self, data, report) -> None:
        counts = Counter(p["actor_id"] for p in data["participants"])
        for index, participant in enumerate(data["participants"]):
            base = f"$.participants[{index}]"
            actor_id = participant["actor_id"]
            if actor_id not in self.registry:
                report(f"{base}.actor_id", f"unknown actor {actor_id!r}: add it to annotations/actors.json")
            if counts[actor_id] > 1:
                report(f"{base}.actor_id", f"actor {actor_id!r} appears {counts[actor_id]} times; list each participant once")
            if "role_type" in participant and participant["role_type"] not in self.role_types:
                report(f"{base}.role_type", f"unknown role type {participant['role_type']!r}")
            if "affiliation" in participant and not is_valid_affiliation(participant["affiliation"]):
                report(f"{base}.affiliation", f"{participant['affiliation']!r} is neither an ISO 3166-1 alpha-3 code nor a known organisation")
            spans = Counter((m["start"], m["end"]) for m in participant["mentions"])
            for m_index, mention in enumerate(participant["mentions"]):
                if mention["end"] <= mention["start"]:
                    report(f"{base}.mentions[{m_index}]", f"empty or reversed span [{mention['start']}, {mention['end']})")
                if spans[(mention["start"], mention["end"])] > 1:
                    report(f"{base}.mentions[{m_index}]", f"duplicate mention span [{mention['start']}, {mention['end']})")

    def _check_contacts(self, data, report) -> None:
        direct = {p["actor_id"] for p in data["participants"] if p["participation"] == "direct"}
        for index, contact in enumerate(data["contacts"]):
            if contact["type"] not in self.contact_types:
                report(f"$.contacts[{index}].type", f"unknown contact type {contact['type']!r}")
            for p_index, actor_id in enumerate(contact["participants"]):
                if actor_id not in direct:
                    report(f"$.contacts[{index}].participants[{p_index}]", f"{actor_id!r} is not a direct participant of this document")

    def _check_stance(self, data, report) -> None:
        participants = {p["actor_id"] for p in data["participants"]}
        pairs = Counter((s["holder"], s["target"]) for s in data["stance"])
        for index, stance in enumerate(data["stance"]):
            base = f"$.stance[{index}]"
            if stance["holder"] not in participants:
                report(f"{base}.holder", f"stance holder {stance['holder']!r} is not a participant of this document")
            if stance["target"] not in self.targets:
                report(f"{base}.target", f"unknown stance target {stance['target']!r}")
            if pairs[(stance["holder"], stance["target"])] > 1:
                report(base, f"duplicate stance for holder {stance['holder']!r} and target {stance['target']!r}")
            for e_index, span in enumerate(stance.get("evidence", [])):
                if span["end"] <= span["start"]:
                    report(f"{base}.evidence[{e_index}]", f"empty or reversed span [{span['start']}, {span['end']})")

    def _check_text(self, data, report) -> None:
        document = self.corpus.get(data["document_id"])
        if document is None:
            report("$.document_id", f"document {data['document_id']!r} is not in the corpus")
            return
        if document["text_sha256"] != data["text_sha256"]:
            report("$.text_sha256", "does not match the corpus document's text hash (the text changed since annotation)")
            return
        text = document["text"]
        for index, participant in enumerate(data["participants"]):
            for m_index, mention in enumerate(participant["mentions"]):
                path = f"$.participants[{index}].mentions[{m_index}]"
                if mention["end"] > len(text):
                    report(path, f"span [{mention['start']}, {mention['end']}) is outside the text ({len(text)} characters)")
                elif text[mention["start"]:mention["end"]] != mention["text"]:
                    report(f"{path}.text", f"{mention['text']!r} != text[{mention['start']}:{mention['end']}] = {text[mention['start']:mention['end']]!r}")
        for index, stance in enumerate(data["stance"]):
            for e_index, span in enumerate(stance.get("evidence", [])):
                if span["end"] > len(text):
                    report(f"$.stance[{index}].evidence[{e_index}]", f"span [{span['start']}, {span['end']}) is outside the text ({len(text)} characters)")


def validate_files(files: list[tuple[Path, Any]], corpus: dict[str, dict] | None, gold: bool = True) -> ValidationReport:
    """Validate parsed annotation files (path, data); ``corpus=None`` skips the text checks."""
    checker = AnnotationChecker(corpus, gold=gold)
    report = ValidationReport(files=len(files), text_checks=corpus is not None)
    for path, data in files:
        report.problems.extend(checker.check(data, str(path), file_stem=Path(path).stem))
    return report
