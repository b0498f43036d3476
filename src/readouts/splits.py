"""Leak-free train/validation/test splits and the evaluation settings built on them.

Documents that share content are grouped and a group never straddles two splits: parallel translations
(``parallel_group`` in the corpus), reports that annotators linked to one contact (the same ``contact_id``)
and reports the heuristic takes for the same contact (same contact type, same unordered set of direct
parties, dates at most ``CONTACT_WINDOW_DAYS`` apart). Groups are assigned by
hashing with a fixed seed, stratified by source and language. Assignments are frozen in
``annotations/splits.json``: a released document never changes split. Evaluation settings
(``annotations/settings.json``) are data: filters over the standard splits."""

import hashlib
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Mapping

from .errors import CheckFailed, InputError
from .jsonio import read_json, write_json
from .paths import annotations_dir
from .schema import require_valid
from .store import Annotation

SPLITS = ("train", "validation", "test")
# From v1.0.0 test is the largest split it can be while train still teaches: a board must rank systems
# (95% intervals of about +-0.035). Documents released before keep their 50/20/30 assignment; new groups
# fill each stratum towards these shares, counting the frozen documents.
TARGET_SHARES = {"train": 0.4, "validation": 0.2, "test": 0.4}
MIN_TEST_SHARE = 0.25  # of in-scope documents, checked whenever splits are assigned
SEED = "readouts-splits-1"  # changing it would only affect documents that never had a split
CONTACT_WINDOW_DAYS = 2


def splits_path() -> Path:
    return annotations_dir() / "splits.json"


def settings_path() -> Path:
    return annotations_dir() / "settings.json"


def load_assignments(path: Path | None = None) -> dict[str, str]:
    """The frozen ``{document_id: split}`` map ({} before the first release)."""
    path = Path(path) if path else splits_path()
    if not path.is_file():
        return {}
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: $: expected an object {{document_id: split}}")
    for doc_id, split in data.items():
        if split not in SPLITS:
            raise InputError(f"{path}: $.{doc_id}: {split!r} is not one of {', '.join(SPLITS)}")
    return data


def save_assignments(assignments: Mapping[str, str], path: Path | None = None) -> None:
    write_json(Path(path) if path else splits_path(), dict(sorted(assignments.items())))


# --- Grouping ------------------------------------------------------------------------------------

class UnionFind:
    """Disjoint sets of document ids; the representative of a set is its smallest id, so group keys do
    not depend on the order in which links were found."""

    def __init__(self, items):
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = sorted((ra, rb))
            self.parent[high] = low


def contact_keys(annotation: Annotation) -> set[tuple[str, tuple[str, ...]]]:
    """What identifies a contact across documents: its type and the unordered set of its direct parties.
    Only contacts that name at least two parties and that no annotator linked have a key: one named party
    ("spoke with an unnamed prime minister") does not tell contacts apart and chained a month of addresses
    into one group, and a linked contact is grouped by its ``contact_id`` alone."""
    if not annotation.in_scope:
        return set()
    return {(contact.type, tuple(sorted(set(contact.participants)))) for contact in annotation.contacts
            if len(set(contact.participants)) >= 2 and not contact.contact_id}


def parse_date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def document_groups(documents: Mapping[str, Mapping], annotations: Mapping[str, Annotation]) -> dict[str, str]:
    """``{document_id: group key}`` for every document of ``documents`` (metadata with ``date`` and
    ``parallel_group``, as in the corpus or a release manifest). The key is the group's smallest id.

    Undated documents that report a contact are linked to every document reporting the same contact key:
    without a date we cannot rule out that they describe the same event, and a leak costs more than a
    larger group."""
    groups = UnionFind(documents)
    by_parallel: dict[str, list[str]] = defaultdict(list)
    by_contact: dict[tuple, list[tuple[date | None, str]]] = defaultdict(list)
    for doc_id in sorted(documents):
        meta = documents[doc_id]
        if meta.get("parallel_group"):
            by_parallel[meta["parallel_group"]].append(doc_id)
        if doc_id in annotations:
            for key in contact_keys(annotations[doc_id]):
                by_contact[key].append((parse_date(meta.get("date")), doc_id))
            for contact in annotations[doc_id].contacts:
                if contact.contact_id:
                    by_parallel[("linked", contact.contact_id)].append(doc_id)
    for members in by_parallel.values():
        for doc_id in members[1:]:
            groups.union(members[0], doc_id)
    for reports in by_contact.values():
        dated = sorted((day, doc_id) for day, doc_id in reports if day is not None)
        for (day_a, doc_a), (day_b, doc_b) in zip(dated, dated[1:]):
            if (day_b - day_a).days <= CONTACT_WINDOW_DAYS:  # single linkage over a sorted list
                groups.union(doc_a, doc_b)
        undated = [doc_id for day, doc_id in reports if day is None]
        for doc_id in undated:
            for _, other in reports:
                groups.union(doc_id, other)
    return {doc_id: groups.find(doc_id) for doc_id in documents}


# --- Assignment ----------------------------------------------------------------------------------

def _rank(key: str, seed: str) -> str:
    return hashlib.sha256(f"{seed}\0{key}".encode("utf-8")).hexdigest()


def _stratum(meta: Mapping) -> tuple[str, str]:
    return meta["source"], meta["language"]


def assign_splits(documents: Mapping[str, Mapping], annotations: Mapping[str, Annotation],
                  frozen: Mapping[str, str], seed: str = SEED) -> dict[str, str]:
    """A split for every document of ``documents``. Documents in ``frozen`` keep theirs; a new document in a
    group with frozen members inherits their split; new groups fill each source x language stratum towards
    ``TARGET_SHARES`` in hash order. Raises CheckFailed when a group holds documents frozen in different
    splits (one of them would have to move) or when test falls below ``MIN_TEST_SHARE`` of in-scope documents
    after moving every new group that could move."""
    groups = document_groups(documents, annotations)
    members: dict[str, list[str]] = defaultdict(list)
    for doc_id, key in sorted(groups.items()):
        members[key].append(doc_id)

    result: dict[str, str] = {}
    new_groups: list[str] = []
    conflicts: list[str] = []
    for key, docs in members.items():
        fixed = sorted({frozen[d] for d in docs if d in frozen})
        if len(fixed) > 1:
            conflicts.append(", ".join(f"{d} ({frozen.get(d, 'new')})" for d in docs))
        elif fixed:
            result.update({d: fixed[0] for d in docs})
        else:
            new_groups.append(key)
    if conflicts:
        raise CheckFailed(
            "these documents form one group (parallel translations or reports of the same contact) but were "
            "released in different splits, so one of them would have to move split; released documents never "
            "move. Correct the annotation that links them or leave the new document out:\n  "
            + "\n  ".join(conflicts))

    by_stratum: dict[tuple, list[str]] = defaultdict(list)
    for key in new_groups:
        strata = Counter(_stratum(documents[d]) for d in members[key])
        by_stratum[min(strata, key=lambda s: (-strata[s], s))].append(key)
    for stratum, keys in sorted(by_stratum.items()):
        counts = Counter(result[d] for d in result if _stratum(documents[d]) == stratum)
        total = sum(counts.values()) + sum(len(members[k]) for k in keys)
        for key in sorted(keys, key=lambda k: _rank(k, seed)):
            split = max(SPLITS, key=lambda s: (TARGET_SHARES[s] * total - counts[s], -SPLITS.index(s)))
            result.update({d: split for d in members[key]})
            counts[split] += len(members[key])

    _ensure_test_share(result, annotations, sorted(new_groups, key=lambda k: _rank(k, seed)), members)
    return result


def in_scope_test_share(assignments: Mapping[str, str], annotations: Mapping[str, Annotation]) -> float | None:
    """Share of in-scope documents in test (None when nothing is in scope)."""
    in_scope = [d for d in assignments if d in annotations and annotations[d].in_scope]
    if not in_scope:
        return None
    return sum(assignments[d] == "test" for d in in_scope) / len(in_scope)


def _ensure_test_share(result: dict[str, str], annotations, new_groups_ranked: list[str], members) -> None:
    """Move new in-scope groups into test (hash order) until test holds ``MIN_TEST_SHARE`` of in-scope
    documents. Frozen documents are never touched."""
    movable = [k for k in new_groups_ranked
               if result[members[k][0]] != "test" and any(d in annotations and annotations[d].in_scope for d in members[k])]
    share = in_scope_test_share(result, annotations)
    while share is not None and share < MIN_TEST_SHARE and movable:
        result.update({d: "test" for d in members[movable.pop(0)]})
        share = in_scope_test_share(result, annotations)
    if share is not None and share < MIN_TEST_SHARE:
        raise CheckFailed(f"test holds {share:.1%} of in-scope documents, below the minimum {MIN_TEST_SHARE:.0%}, "
                          "and no new document group is left to move there")


# --- Evaluation settings -------------------------------------------------------------------------

def load_settings(path: Path | None = None) -> dict:
    """The evaluation settings file, validated against schema/settings.schema.json."""
    path = Path(path) if path else settings_path()
    data = read_json(path)
    require_valid("settings", data, str(path))
    if "standard" not in data["settings"]:
        raise InputError(f"{path}: $.settings: the 'standard' setting is required")
    return data


def setting_splits(documents: Mapping[str, Mapping], annotations: Mapping[str, Annotation],
                   settings: dict, setting: str) -> dict[str, list[str]]:
    """``{split: [document ids]}`` of one evaluation setting over released documents (manifest records with
    ``split``, ``language`` and ``date``). A group whose members would land in two different splits of the
    setting (for example reports of one contact either side of a temporal cutoff) is left out entirely, or,
    with ``"straddling_groups": "keep_test"``, keeps only its test members (the cross-lingual test keeps a
    Ukrainian address and loses its English translation from train)."""
    if setting not in settings["settings"]:
        raise InputError(f"unknown evaluation setting {setting!r}; known: {', '.join(sorted(settings['settings']))}")
    spec = settings["settings"][setting]
    cutoff = parse_date(spec.get("cutoff"))
    placed: dict[str, str] = {}
    for doc_id, meta in documents.items():
        matched = [split for split, rule in spec["splits"].items() if _matches(meta, rule, cutoff)]
        if len(matched) > 1:
            raise InputError(f"evaluation setting {setting!r} puts {doc_id} in both {' and '.join(matched)}: "
                             "the rules of a setting's splits must not overlap")
        if matched:
            placed[doc_id] = matched[0]
    groups = document_groups(documents, annotations)
    splits_of_group: dict[str, set[str]] = defaultdict(set)
    for doc_id, split in placed.items():
        splits_of_group[groups[doc_id]].add(split)
    out: dict[str, list[str]] = {split: [] for split in spec["splits"]}
    keep_test = spec.get("straddling_groups", "leave_out") == "keep_test"
    for doc_id in sorted(placed):
        group_splits = splits_of_group[groups[doc_id]]
        if len(group_splits) == 1 or (keep_test and "test" in group_splits and placed[doc_id] == "test"):
            out[placed[doc_id]].append(doc_id)
    return out


def _matches(meta: Mapping, rule: dict, cutoff: date | None) -> bool:
    if meta["split"] not in rule["from"]:
        return False
    if "languages" in rule and meta["language"] not in rule["languages"]:
        return False
    if "date" in rule:
        day = parse_date(meta.get("date"))
        if day is None or cutoff is None:
            return False
        return day < cutoff if rule["date"] == "before_cutoff" else day >= cutoff
    return True
