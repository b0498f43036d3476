"""Grouped, stratified, frozen splits and the evaluation settings built on them."""

import random
from datetime import date, timedelta

import pytest
from conftest import make_gold
from release_helpers import add_documents, calls, invented_document, prepare

from readouts.cli import main
from readouts.errors import CheckFailed, InputError
from readouts.jsonio import read_json, write_json
from readouts.releases import load_manifest, split_documents
from readouts.splits import (MIN_TEST_SHARE, SPLITS, assign_splits, document_groups, in_scope_test_share,
                             load_settings, setting_splits)
from readouts.store import Annotation


def meta(doc_id: str, day: str | None = "2022-01-01", source: str = "whitehouse.gov", parallel_group=None) -> dict:
    return {"source": source, "language": doc_id.split("-")[1], "date": day, "parallel_group": parallel_group}


def call(doc_id: str, contacts=None) -> Annotation:
    document = invented_document(doc_id, "2022-01-01")
    changes = {"contacts": contacts} if contacts is not None else {}
    return Annotation.from_dict(make_gold(document, **changes))


def singletons(count: int, source: str = "whitehouse.gov", language: str = "en") -> tuple[dict, dict]:
    """``count`` documents that share nothing: each reports a different contact type/party combination."""
    documents, annotations = {}, {}
    for i in range(count):
        doc_id = f"wh-{language}-{i:04d}"
        documents[doc_id] = meta(doc_id, "2022-01-01", source)
        annotations[doc_id] = call(doc_id, [{"type": "phone_call", "participants": ["joe-biden", f"actor-{i}"]}])
    return documents, annotations


def test_parallel_translations_form_one_group():
    documents = {"resist-uk-1": meta("resist-uk-1", parallel_group="g1"), "resist-en-1": meta("resist-en-1", parallel_group="g1"),
                 "resist-en-2": meta("resist-en-2", parallel_group="g2")}
    groups = document_groups(documents, {})
    assert groups["resist-uk-1"] == groups["resist-en-1"] == "resist-en-1"
    assert groups["resist-en-2"] == "resist-en-2"


def test_reports_of_the_same_contact_group_within_two_days():
    documents = {"wh-en-1": meta("wh-en-1", "2022-03-01"), "kremlin-en-1": meta("kremlin-en-1", "2022-03-03"),
                 "kremlin-en-2": meta("kremlin-en-2", "2022-03-07"), "pgu-en-1": meta("pgu-en-1", "2022-03-01")}
    annotations = {d: call(d) for d in documents}
    annotations["pgu-en-1"] = call("pgu-en-1", [{"type": "in_person_meeting", "participants": ["joe-biden", "volodymyr-zelenskyy"]}])
    groups = document_groups(documents, annotations)
    assert groups["wh-en-1"] == groups["kremlin-en-1"]          # same call, two days apart
    assert groups["kremlin-en-2"] != groups["wh-en-1"]          # four days later: another call
    assert groups["pgu-en-1"] != groups["wh-en-1"]              # same parties, another contact type


def test_reports_linked_by_contact_id_group_whatever_the_heuristic_says():
    """An annotator's contact_id links reports the heuristic cannot see as one (other type, a week apart)."""
    documents = {"wh-en-1": meta("wh-en-1", "2022-03-01"), "kremlin-en-9": meta("kremlin-en-9", "2022-03-09"),
                 "pgu-en-5": meta("pgu-en-5", "2022-03-20")}
    annotations = {"wh-en-1": call("wh-en-1", [{"type": "phone_call", "participants": ["joe-biden"], "contact_id": "c-1"}]),
                   "kremlin-en-9": call("kremlin-en-9", [{"type": "other", "participants": ["joe-biden"], "contact_id": "c-1"}]),
                   "pgu-en-5": call("pgu-en-5", [{"type": "other", "participants": ["joe-biden"], "contact_id": "c-2"}])}
    groups = document_groups(documents, annotations)
    assert groups["wh-en-1"] == groups["kremlin-en-9"] != groups["pgu-en-5"]


def test_a_contact_naming_one_party_does_not_group_documents():
    """"Spoke with an unnamed prime minister" on two days says nothing about one contact."""
    documents = {"resist-en-1": meta("resist-en-1", "2022-03-01"), "pgu-en-2": meta("pgu-en-2", "2022-03-02")}
    annotations = {d: call(d, [{"type": "other", "participants": ["volodymyr-zelenskyy"]}]) for d in documents}
    groups = document_groups(documents, annotations)
    assert groups["resist-en-1"] != groups["pgu-en-2"]


def test_a_linked_contact_is_grouped_by_its_link_alone():
    """Calls of the same two leaders on the 1st and the 5th, and a report of the 1st's call on the 3rd that an
    annotator linked to it: the linked report no longer chains the two calls into one group."""
    documents = {"wh-en-1": meta("wh-en-1", "2022-03-01"), "pgu-en-3": meta("pgu-en-3", "2022-03-03"),
                 "wh-en-5": meta("wh-en-5", "2022-03-05")}
    biden_zelenskyy = ["joe-biden", "volodymyr-zelenskyy"]
    annotations = {"wh-en-1": call("wh-en-1", [{"type": "phone_call", "participants": biden_zelenskyy, "contact_id": "c-1"}]),
                   "pgu-en-3": call("pgu-en-3", [{"type": "phone_call", "participants": biden_zelenskyy, "contact_id": "c-1"}]),
                   "wh-en-5": call("wh-en-5", [{"type": "phone_call", "participants": biden_zelenskyy}])}
    groups = document_groups(documents, annotations)
    assert groups["wh-en-1"] == groups["pgu-en-3"] != groups["wh-en-5"]


def test_an_unlinked_contact_serialises_without_contact_id():
    """Adding contact_id to the schema must not change the hash of any released annotation."""
    plain = call("wh-en-1", [{"type": "phone_call", "participants": ["joe-biden"]}])
    linked = call("wh-en-1", [{"type": "phone_call", "participants": ["joe-biden"], "contact_id": "c-1"}])
    assert "contact_id" not in plain.to_dict()["contacts"][0]
    assert linked.to_dict()["contacts"][0]["contact_id"] == "c-1" and plain.sha256() != linked.sha256()


def test_party_order_does_not_matter_and_undated_reports_join_their_contact():
    documents = {"wh-en-1": meta("wh-en-1", "2022-03-01"), "seed-uk-1": meta("seed-uk-1", None)}
    annotations = {"wh-en-1": call("wh-en-1"),
                   "seed-uk-1": call("seed-uk-1", [{"type": "phone_call", "participants": ["volodymyr-zelenskyy", "joe-biden"]}])}
    groups = document_groups(documents, annotations)
    assert groups["wh-en-1"] == groups["seed-uk-1"]


def test_groups_stay_in_one_split_and_assignment_is_deterministic():
    documents, annotations = singletons(60)
    for i in range(0, 60, 3):  # pairs of translations
        documents[f"wh-en-{i:04d}"]["parallel_group"] = f"p{i}"
        documents[f"wh-en-{i + 1:04d}"]["parallel_group"] = f"p{i}"
    first = assign_splits(documents, annotations, {})
    shuffled = list(documents.items())
    random.Random(1).shuffle(shuffled)
    assert assign_splits(dict(shuffled), annotations, {}) == first
    for i in range(0, 60, 3):
        assert first[f"wh-en-{i:04d}"] == first[f"wh-en-{i + 1:04d}"]
    assert set(first.values()) == set(SPLITS)


def test_strata_get_the_target_proportions():
    documents, annotations = singletons(100)
    uk_documents, uk_annotations = singletons(50, source="president.gov.ua", language="uk")
    assignments = assign_splits({**documents, **uk_documents}, {**annotations, **uk_annotations}, {})
    for prefix, size in (("wh-en-", 100), ("wh-uk-", 50)):
        counts = {s: sum(1 for d, split in assignments.items() if d.startswith(prefix) and split == s) for s in SPLITS}
        assert counts == {"train": size * 2 // 5, "validation": size // 5, "test": size * 2 // 5}


def test_new_documents_fill_towards_the_targets_counting_documents_frozen_under_the_old_ones():
    documents, annotations = singletons(200)
    frozen = {f"wh-en-{i:04d}": split for i, split in enumerate(["train"] * 50 + ["validation"] * 20 + ["test"] * 30)}
    assignments = assign_splits(documents, annotations, frozen)
    assert all(assignments[d] == split for d, split in frozen.items()), "released documents never move"
    counts = {s: sum(1 for split in assignments.values() if split == s) for s in SPLITS}
    assert counts == {"train": 80, "validation": 40, "test": 80}, "the 100 new ones make up for the old 50/20/30"


def test_test_share_is_met_even_when_every_stratum_is_tiny():
    documents, annotations = {}, {}
    for i in range(12):  # twelve strata of one document each: the proportional rule alone would put all in train
        doc_id = f"src{i}-en-1"
        documents[doc_id] = meta(doc_id, source=f"source{i}.example")
        annotations[doc_id] = call(doc_id, [{"type": "phone_call", "participants": [f"actor-{i}"]}])
    assignments = assign_splits(documents, annotations, {})
    assert in_scope_test_share(assignments, annotations) >= MIN_TEST_SHARE


def test_frozen_documents_keep_their_split_and_new_members_inherit_it():
    documents, annotations = singletons(30)
    first = assign_splits(documents, annotations, {})
    flipped = {d: ("test" if s == "train" else "train") for d, s in first.items()}
    documents["wh-en-new"] = meta("wh-en-new", "2022-01-02")
    annotations["wh-en-new"] = annotations["wh-en-0007"]  # reports the same contact a day later
    second = assign_splits(documents, annotations, flipped)
    assert all(second[d] == flipped[d] for d in flipped)
    assert second["wh-en-new"] == flipped["wh-en-0007"]


def test_a_group_frozen_in_two_splits_is_refused():
    documents, annotations = singletons(2)
    annotations["wh-en-0001"] = annotations["wh-en-0000"]  # a correction makes both report one contact
    with pytest.raises(CheckFailed, match=r"wh-en-0000 \(train\), wh-en-0001 \(test\)"):
        assign_splits(documents, annotations, {"wh-en-0000": "train", "wh-en-0001": "test"})


# --- Over real releases in a temporary repository --------------------------------------------------

@pytest.fixture
def two_releases(repo):
    prepare(repo, "0.1.0", "0.2.0")
    add_documents(repo, calls("wh-en-a", 20, step_days=4))
    assert main(["release", "create", "--bump", "minor", "--date", "2026-11-21"]) == 0
    add_documents(repo, calls("wh-en-b", 20, start="2024-01-01", step_days=4)
                  + calls("pgu-uk-b", 10, start="2024-06-01", step_days=4, source="president.gov.ua", license_="CC-BY-4.0"))
    assert main(["release", "create", "--bump", "minor", "--date", "2026-12-01"]) == 0
    return repo


def test_no_document_moves_between_releases(two_releases):
    old, new = load_manifest("0.1.0")["documents"], load_manifest("0.2.0")["documents"]
    assert len(old) == 20 and len(new) == 50
    assert {d: new[d]["split"] for d in old} == {d: r["split"] for d, r in old.items()}
    for manifest in (load_manifest("0.1.0"), load_manifest("0.2.0")):
        counts = manifest["counts"]["in_scope_splits"]
        assert counts["test"] / sum(counts.values()) >= MIN_TEST_SHARE
    assert read_json(two_releases / "annotations" / "splits.json") == {d: r["split"] for d, r in new.items()}


def test_moving_a_released_document_in_splits_json_is_refused(two_releases, capsys):
    path = two_releases / "annotations" / "splits.json"
    splits = read_json(path)
    splits["wh-en-a003"] = "validation" if splits["wh-en-a003"] != "validation" else "train"
    write_json(path, splits)
    add_documents(two_releases, calls("wh-en-c", 1, start="2025-06-01"))
    (two_releases / "CHANGELOG.md").write_text("## [0.3.0]\n", encoding="utf-8")
    assert main(["release", "create", "--bump", "minor"]) == 1
    assert "moves released documents to another split" in capsys.readouterr().err


def test_a_new_document_that_would_join_groups_of_two_splits_is_refused(two_releases, capsys):
    documents = load_manifest("0.2.0")["documents"]
    ordered = sorted((r["date"], d) for d, r in documents.items() if d.startswith("wh-en-a"))
    (day_a, doc_a), (_, doc_b) = next(pair for pair in zip(ordered, ordered[1:]) if documents[pair[0][1]]["split"] != documents[pair[1][1]]["split"])
    bridge = (date.fromisoformat(day_a) + timedelta(days=2)).isoformat()  # two days after A, two before B
    add_documents(two_releases, [invented_document("wh-en-bridge", bridge)])
    (two_releases / "CHANGELOG.md").write_text("## [0.3.0]\n", encoding="utf-8")
    assert main(["release", "create", "--bump", "minor"]) == 1
    err = capsys.readouterr().err
    assert "would have to move split" in err and doc_a in err and doc_b in err and "wh-en-bridge (new)" in err


# --- Evaluation settings ---------------------------------------------------------------------------

def test_settings_file_is_valid_and_defines_the_three_settings():
    settings = load_settings()
    assert {"standard", "cross-lingual", "temporal"} <= set(settings["settings"])
    assert settings["settings"]["temporal"]["cutoff"]


def test_cross_lingual_and_temporal_settings_are_leak_free(repo):
    prepare(repo, "0.1.0")
    pairs = []
    for i in range(12):  # parallel uk/en pairs, each its own contact five days apart
        day = f"2022-{1 + i // 6:02d}-{1 + 5 * (i % 6):02d}"
        pairs += [invented_document(f"resist-uk-{i:02d}", day, source="president.gov.ua", license_="CC-BY-4.0", parallel_group=f"g{i}"),
                  invented_document(f"resist-en-{i:02d}", day, source="president.gov.ua", license_="CC-BY-4.0", parallel_group=f"g{i}")]
    later = calls("wh-en-l", 10, start="2023-03-01") + calls("kremlin-ru-l", 6, start="2023-03-01", source="kremlin.ru", license_="CC-BY-4.0")
    straddle = [invented_document("wh-en-s1", "2022-12-31"), invented_document("kremlin-en-s1", "2023-01-01", source="kremlin.ru")]
    add_documents(repo, pairs + later + straddle)
    for d in straddle:  # one contact reported either side of the temporal cutoff, by a pair no one else has
        data = read_json(repo / "annotations" / "gold" / f"{d['id']}.json")
        data["contacts"][0]["type"] = "video_call"
        write_json(repo / "annotations" / "gold" / f"{d['id']}.json", data)
    assert main(["release", "create", "--bump", "minor"]) == 0
    manifest = load_manifest("0.1.0")
    documents = manifest["documents"]

    cross = {s: split_documents("0.1.0", s, "cross-lingual") for s in SPLITS}
    assert all(documents[d]["language"] == "en" for d in cross["train"] + cross["validation"])
    assert sorted(cross["test"]) == sorted(d for d, r in documents.items() if r["language"] in ("uk", "ru")), \
        "every Ukrainian and Russian document is tested, whatever its standard split"
    assert {documents[d]["split"] for d in cross["test"]} == set(SPLITS)
    test_groups = {documents[d]["parallel_group"] for d in cross["test"]} - {None}
    assert not test_groups & {documents[d]["parallel_group"] for d in cross["train"] + cross["validation"]}, \
        "the English translation of a tested address is left out of train and validation"
    assert any(documents[d]["language"] == "en" and documents[d]["split"] == "train" and d not in cross["train"]
               for d in documents), "some English translations were left out"

    temporal = {s: split_documents("0.1.0", s, "temporal") for s in SPLITS}
    assert all(documents[d]["date"] < "2023-01-01" for d in temporal["train"] + temporal["validation"])
    assert temporal["test"] and all(documents[d]["date"] >= "2023-01-01" for d in temporal["test"])
    placed = sum(temporal.values(), [])
    assert "wh-en-s1" not in placed and "kremlin-en-s1" not in placed
    assert all(documents[d]["language"] == "en" for d in placed), "temporal is English only"
    expected = {d for d, r in documents.items() if r["language"] == "en" and (r["date"] >= "2023-01-01" or r["split"] != "test")}
    expected -= {"wh-en-s1", "kremlin-en-s1"}
    assert sorted(placed) == sorted(expected)

    with pytest.raises(InputError, match="unknown evaluation setting"):
        split_documents("0.1.0", "test", "no-such-setting")


@pytest.mark.parametrize("policy, expected_test", [("leave_out", []), ("keep_test", ["resist-uk-1"])])
def test_a_group_straddling_a_setting_keeps_its_test_members_only_when_asked(policy, expected_test):
    spec = {"description": "x", "straddling_groups": policy,
            "splits": {"train": {"from": ["train"], "languages": ["en"]}, "test": {"from": ["train", "test"], "languages": ["uk"]}}}
    documents = {"resist-uk-1": {**meta("resist-uk-1", parallel_group="g"), "split": "train"},
                 "resist-en-1": {**meta("resist-en-1", parallel_group="g"), "split": "train"},
                 "wh-en-2": {**meta("wh-en-2"), "split": "train"}}
    out = setting_splits(documents, {}, {"settings": {"s": spec}}, "s")
    assert out == {"train": ["wh-en-2"], "test": expected_test}


def test_overlapping_setting_rules_are_refused():
    settings = {"settings": {"bad": {"description": "x", "splits": {"train": {"from": ["train"]}, "test": {"from": ["train"]}}}}}
    documents = {"wh-en-1": {**meta("wh-en-1"), "split": "train"}}
    with pytest.raises(InputError, match="must not overlap"):
        setting_splits(documents, {}, settings, "bad")
