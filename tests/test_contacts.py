"""Linking reports of one contact across publishers, and comparing their accounts (invented documents)."""

import json

import pytest
from conftest import make_gold
from release_helpers import add_documents, invented_document

from readouts.cli import main
from readouts.contacts import propose_links, reports
from readouts.corpus import load_corpus
from readouts.perspectives import compare_accounts
from readouts.store import Annotation, load_annotations


@pytest.fixture
def three_accounts(repo):
    """One call reported by Washington, Kyiv and Moscow (same parties, within two days), and an unrelated call."""
    documents = [invented_document("wh-en-call1", "2022-03-01"),
                 invented_document("pgu-en-call1", "2022-03-02", source="president.gov.ua", license_="CC-BY-4.0"),
                 invented_document("kremlin-en-call1", "2022-03-01", source="kremlin.ru", license_="CC-BY-4.0"),
                 invented_document("kremlin-en-later", "2022-03-20", source="kremlin.ru", license_="CC-BY-4.0")]
    add_documents(repo, documents, annotate=False)
    from readouts.store import save_annotation
    for document in documents:
        changes = {"topics": ["sanctions"], "stance": []} if document["id"].startswith("kremlin") else {}
        save_annotation(make_gold(document, **changes))
    return documents


def _gold() -> dict[str, Annotation]:
    return {a.document_id: a for a in load_annotations()}


def test_propose_groups_reports_of_other_publishers_within_the_window(three_accounts):
    groups = propose_links(reports(_gold(), load_corpus()))
    assert [[r.document_id for r in g] for g in groups] == [["kremlin-en-call1", "pgu-en-call1", "wh-en-call1"]]


def test_propose_joins_two_outlets_of_one_publisher_but_not_one_outlet_twice(repo):
    kyiv = {"source": "president.gov.ua", "license_": "CC-BY-4.0"}
    documents = [invented_document("pgu-en-news1", "2022-03-01", **kyiv), invented_document("resist-en-addr1", "2022-03-01", **kyiv),
                 invented_document("resist-uk-addr1", "2022-03-01", **kyiv)]
    add_documents(repo, documents)
    groups = propose_links(reports(_gold(), load_corpus()))
    assert [[r.document_id for r in g] for g in groups] == [["pgu-en-news1", "resist-en-addr1", "resist-uk-addr1"]]
    assert len({r.document_id.split("-")[0] for r in groups[0]}) == 2


def test_counterparts_are_unannotated_documents_of_other_outlets_naming_two_parties(repo, three_accounts, capsys, tmp_path):
    """The invented call text names Biden and Zelenskyy: an unannotated Kyiv account a day later is a candidate;
    one a week later, one from an outlet whose report is annotated, and one naming neither party are not."""
    unrelated = "The minister visited a school and spoke with pupils about the new library."
    kyiv = {"source": "president.gov.ua", "license_": "CC-BY-4.0"}
    add_documents(repo, [invented_document("resist-en-next", "2022-03-02", **kyiv),
                         invented_document("resist-en-late", "2022-03-09", **kyiv),
                         invented_document("resist-en-other", "2022-03-01", text=unrelated, **kyiv),
                         invented_document("wh-en-same-outlet", "2022-03-01")], annotate=False)
    (repo / "annotations" / "gold" / "pgu-en-call1.json").unlink()  # only outlets wh and kremlin report it now
    out = tmp_path / "linked.txt"
    assert main(["contacts", "counterparts", "--out", str(out)]) == 0
    listed = out.read_text(encoding="utf-8").split()
    assert "resist-en-next" in listed and "pgu-en-call1" in listed
    assert not {"resist-en-late", "resist-en-other"} & set(listed)
    printed = capsys.readouterr().out
    line = next(row for row in printed.splitlines() if row.startswith("wh-en-same-outlet"))
    assert line.endswith("may report: kremlin-en-call1:0"), "never the report of its own outlet"


def test_link_is_all_or_nothing_and_recorded(three_accounts, capsys):
    assert main(["contacts", "link", "2022-03-01-biden-zelenskyy", "wh-en-call1", "pgu-en-call1:0", "kremlin-en-call1",
                 "--annotator-id", "tester"]) == 0
    gold = _gold()
    assert {d for d, a in gold.items() if a.contacts[0].contact_id == "2022-03-01-biden-zelenskyy"} == \
        {"wh-en-call1", "pgu-en-call1", "kremlin-en-call1"}
    assert gold["wh-en-call1"].provenance["history"][-1]["action"] == "linked contact 2022-03-01-biden-zelenskyy"
    assert propose_links(reports(gold, load_corpus())) == [], "linked reports are no longer proposed"
    before = {d: a.to_dict() for d, a in gold.items()}
    # a bad reference anywhere leaves every file as it was
    assert main(["contacts", "link", "other-id", "kremlin-en-later", "wh-en-call1:7", "--annotator-id", "tester"]) == 2
    assert main(["contacts", "link", "other-id", "kremlin-en-later", "wh-en-call1", "--annotator-id", "tester"]) == 2
    assert "already linked" in capsys.readouterr().err
    assert main(["contacts", "link", "Bad Id", "kremlin-en-later", "pgu-en-call1", "--annotator-id", "tester"]) == 2
    assert {d: a.to_dict() for d, a in _gold().items()} == before


def test_perspectives_report_what_one_account_lacks(three_accounts, capsys, tmp_path):
    main(["contacts", "link", "c1", "wh-en-call1", "pgu-en-call1", "kremlin-en-call1", "--annotator-id", "tester"])
    result = compare_accounts(_gold(), load_corpus())
    assert len(result["contacts"]) == 1
    # the Kremlin's account has only 'sanctions': it omits military_aid, which both others report
    assert result["omitted_topics"] == {"kremlin.ru": {"military_aid": 1}}
    missing = [d for d in result["contacts"][0]["differences"] if d["missing_from"] == "kremlin.ru"]
    assert {d["reported_by"] for d in missing} == {"president.gov.ua", "whitehouse.gov"}
    assert all(d["stance"] == [["joe-biden", "sanctions_on_russia", "favor"]] for d in missing)
    assert main(["perspectives", "--out", str(tmp_path / "p")]) == 0
    printed = capsys.readouterr().out
    assert "military_aid" in printed and "kremlin.ru" in printed
    assert json.loads((tmp_path / "p" / "perspectives.json").read_text())["omitted_topics"] == result["omitted_topics"]
    assert (tmp_path / "p" / "perspectives.png").stat().st_size > 0


def test_perspectives_without_links_say_so(three_accounts, capsys):
    assert main(["perspectives"]) == 0
    assert "no linked contact" in capsys.readouterr().out


def test_perspectives_of_a_release_need_no_corpus(capsys):
    """The committed releases carry publishers and dates in their manifests."""
    assert main(["perspectives", "--release", "v0.2.0"]) == 0
    assert "no linked contact" in capsys.readouterr().out
