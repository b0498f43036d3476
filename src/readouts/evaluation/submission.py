"""Reading and validating a submission (prediction JSON Lines) against a gold set. Every line is checked
and every problem reported (up to MAX_PROBLEMS, then how many more) in one InputError, each naming the
file, the line and the JSON path; nothing is scored unless every line passes.

Document ids: an id of the split is scored; an id of the release but another split is checked as fully
and then ignored with a warning (so one file may hold predictions for several splits); an id not in the
release is an error.
"""

from dataclasses import dataclass, field
from pathlib import Path

from ..actors import is_valid_affiliation, load_registry
from ..errors import InputError, shorten, summarise
from .goldset import GoldSet
from ..jsonio import iter_jsonl
from ..schema import schema_problems, validator
from ..taxonomy import load_taxonomy

MAX_PROBLEMS = 50  # problems listed in one message; the rest are counted


@dataclass
class Submission:
    predictions: dict[str, dict]  # document id -> validated prediction (ids of the split only)
    path: Path
    ignored: list[str] = field(default_factory=list)  # ids of other splits of the release
    missing: list[str] = field(default_factory=list)  # ids of the split without a prediction


class _Checker:
    """Cross-field rules the JSON Schema cannot express: known ids, offsets inside the text, no
    duplicates."""

    def __init__(self, gold: GoldSet):
        taxonomy = load_taxonomy()
        self.gold = gold
        self.topics = set(taxonomy.topic_ids)
        self.targets = set(taxonomy.target_ids)
        self.role_types = set(taxonomy.ids("role_types"))
        self.actors = set(load_registry())

    def check(self, record: dict, where: str) -> list[str]:
        """Every cross-field problem of one schema-valid line."""
        problems: list[str] = []

        def fail(path: str, message: str) -> None:
            problems.append(f"{where}: {path}: {message}")

        text_length = self.gold.text_length(record["document_id"])
        seen_actors: set[str] = set()
        for index, participant in enumerate(record.get("participants", [])):
            base = f"$.participants[{index}]"
            actor = participant["actor_id"]
            if actor not in self.actors:
                fail(f"{base}.actor_id", f"unknown actor {actor!r} (not in annotations/actors.json)")
            if actor in seen_actors:
                fail(f"{base}.actor_id", f"actor {actor!r} is listed twice; list each participant once")
            seen_actors.add(actor)
            if "role_type" in participant and participant["role_type"] not in self.role_types:
                fail(f"{base}.role_type", f"unknown role type {shorten(repr(participant['role_type']))}")
            if "affiliation" in participant and not is_valid_affiliation(participant["affiliation"]):
                fail(f"{base}.affiliation", f"{participant['affiliation']!r} is neither an ISO 3166-1 alpha-3 code nor a known organisation")
            for m_index, mention in enumerate(participant["mentions"]):
                self._check_span(mention, text_length, f"{base}.mentions[{m_index}]", fail)
        pairs: set[tuple] = set()
        for index, stance in enumerate(record.get("stance", [])):
            base = f"$.stance[{index}]"
            if stance["holder"] not in self.actors:
                fail(f"{base}.holder", f"unknown actor {stance['holder']!r} (not in annotations/actors.json)")
            if stance["target"] not in self.targets:
                fail(f"{base}.target", f"unknown stance target {shorten(repr(stance['target']))}")
            if (stance["holder"], stance["target"]) in pairs:
                fail(base, f"a second stance for holder {stance['holder']!r} and target {shorten(repr(stance['target']))}")
            pairs.add((stance["holder"], stance["target"]))
            for e_index, span in enumerate(stance.get("evidence", [])):
                self._check_span(span, text_length, f"{base}.evidence[{e_index}]", fail)
        for index, topic in enumerate(record.get("topics", [])):
            if topic not in self.topics:
                fail(f"$.topics[{index}]", f"unknown topic {shorten(repr(topic))}")
        return problems

    @staticmethod
    def _check_span(span: dict, text_length: int, path: str, fail) -> None:
        start, end = span["start"], span["end"]
        for name, value in (("start", start), ("end", end)):
            if not isinstance(value, int):  # JSON Schema's "integer" admits 507.0
                fail(f"{path}.{name}", f"{value!r} is not a whole number written without a decimal point (e.g. {int(value)})")
                return
        if end <= start:
            fail(path, f"empty or reversed span [{start}, {end}): end must be greater than start")
        if end > text_length:
            fail(path, f"span [{start}, {end}) is outside the text ({text_length} characters)")


def read_submission(path: Path, gold: GoldSet, warn=print) -> Submission:
    """Read and validate ``path`` against ``gold``; ``warn`` receives one message per ignored id group.
    Raises one InputError listing every problem of every line (up to MAX_PROBLEMS)."""
    path = Path(path)
    checker = _Checker(gold)
    schema = validator("prediction")
    first_line: dict[str, int] = {}
    predictions: dict[str, dict] = {}
    ignored: list[str] = []
    problems: list[str] = []
    lines = 0
    for line_number, record in iter_jsonl(path, on_error=lambda exc: problems.append(str(exc))):
        lines += 1
        where = f"{path}:{line_number}"
        if not schema.is_valid(record):  # the fast check first; the full report only for a bad line
            found = schema_problems("prediction", record, where, limit=MAX_PROBLEMS + 1)
            problems += [str(problem) for problem in found[:MAX_PROBLEMS]]
            if len(found) > MAX_PROBLEMS:
                problems.append(f"{where}: further schema problems of this line were not collected")
            continue
        doc = record["document_id"]
        if doc in first_line:
            problems.append(f"{where}: $.document_id: duplicate document id {doc!r} (first on line {first_line[doc]})")
            continue
        first_line[doc] = line_number
        if doc not in gold.release_ids:
            problems.append(f"{where}: $.document_id: unknown document {doc!r}: not in {gold.source or 'the release'}")
            continue
        line_problems = checker.check(record, where)
        problems += line_problems
        if line_problems:
            continue
        if doc in gold.annotations:
            predictions[doc] = record
        else:
            ignored.append(doc)
    if problems:
        raise InputError(summarise(problems, f"{path}: {len(problems)} problems; nothing was scored", limit=MAX_PROBLEMS))
    if not lines:
        raise InputError(f"{path}: empty submission: expected one JSON object per line (see docs/evaluation.md)")
    if ignored:
        warn(f"warning: {path}: ignored {len(ignored)} predictions for documents of other splits than {gold.split!r}, e.g. {ignored[0]}")
    missing = [doc for doc in gold.document_ids if doc not in predictions]
    return Submission(predictions=predictions, path=path, ignored=sorted(ignored), missing=missing)
