"""DATASHEET.md statistics: generated between markers, stale files fail the check, plots are drawn."""

import json

import pytest
from conftest import make_gold
from release_helpers import add_documents, calls, out_of_scope

from readouts.cli import main
from readouts.jsonio import write_json
from readouts.stats import BEGIN, END
from readouts.store import save_annotation

SKELETON = f"# Datasheet\n\nintro\n\n{BEGIN}\n{END}\n\nafter\n"


def test_repository_datasheet_is_current(capsys):
    """CI guard: fails when annotations changed and DATASHEET.md was not regenerated."""
    code = main(["stats", "--check"])
    assert code == 0, capsys.readouterr().err  # the message says: regenerate with `readouts stats`


@pytest.fixture
def datasheet(repo, tiny_documents):
    add_documents(repo, calls("wh-en-a", 3))
    save_annotation(out_of_scope(tiny_documents[3]))
    (repo / "annotations" / "selection").mkdir()
    (repo / "annotations" / "selection" / "candidates.txt").write_text("wh-en-a000\nwh-en-a001\ntest-en-other1\nnot-annotated\n", encoding="utf-8")
    path = repo / "DATASHEET.md"
    path.write_text(SKELETON, encoding="utf-8")
    return path


def test_stats_fill_the_block_and_check_detects_staleness(datasheet, capsys):
    assert main(["stats"]) == 0
    text = datasheet.read_text(encoding="utf-8")
    assert text.startswith("# Datasheet\n\nintro\n\n") and text.endswith(f"{END}\n\nafter\n")
    assert "Gold documents: 4; in scope: 3 (75.0%)." in text
    assert "| wh       |    3 |       3 |" in text
    assert "| unassigned |           4 |                0 |       0 |" in text, "nobody has verified a document yet"
    assert "Of 3 annotated candidates of the selection rules, 2 are in scope: precision 0.667." in text
    assert "| sanctions_on_russia |    3 |       3 |" in text
    assert "To be measured: no annotations/agreement/report.json" in text
    assert main(["stats", "--check"]) == 0

    data = make_gold(json.loads((datasheet.parent / "data" / "corpus" / "documents.jsonl").read_text().splitlines()[0]))
    save_annotation(data)  # one more gold document
    capsys.readouterr()
    assert main(["stats", "--check"]) == 1
    assert "regenerate them with `readouts stats`" in capsys.readouterr().err
    assert main(["stats"]) == 0 and main(["stats", "--check"]) == 0


def test_human_verified_share_counts_human_reviewers_only(datasheet):
    data = make_gold(json.loads((datasheet.parent / "data" / "corpus" / "documents.jsonl").read_text().splitlines()[0]))
    save_annotation({**data, "provenance": {**data["provenance"], "review_status": "reviewed", "reviewer_id": "model",
                                            "reviewer_kind": "llm"}})
    assert main(["stats"]) == 0
    assert "| unassigned |           5 |                0 |       0 |" in datasheet.read_text(encoding="utf-8")
    save_annotation({**data, "provenance": {**data["provenance"], "review_status": "reviewed", "reviewer_id": "ana@example.org",
                                            "reviewer_kind": "human"}})
    assert main(["stats"]) == 0
    assert "| unassigned |           5 |                1 |     0.2 |" in datasheet.read_text(encoding="utf-8")


def test_every_agreement_round_is_a_column(datasheet):
    folder = datasheet.parent / "annotations" / "agreement"
    write_json(folder / "report.json", {"documents": 20, "in_scope": {"alpha": 0.81234}, "note": "text is ignored"})
    write_json(folder / "round2" / "report.json", {"documents": 30, "topics": {"alpha": 0.5}})
    assert main(["stats"]) == 0
    text = datasheet.read_text(encoding="utf-8")
    assert "| measure        |   round 1 |   round 2 |" in text
    assert "| in_scope.alpha |     0.812 |       –   |" in text and "| topics.alpha   |     –     |       0.5 |" in text


def test_missing_markers_are_bad_input(datasheet, capsys):
    datasheet.write_text("# Datasheet without markers\n", encoding="utf-8")
    assert main(["stats"]) == 2
    assert BEGIN in capsys.readouterr().err


def test_plots_are_png_files(datasheet, tmp_path):
    out = tmp_path / "plots"
    assert main(["stats", "--plots", str(out)]) == 0
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert "topics.png" in pngs and "stance_labels.png" in pngs
    assert (out / "topics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_recall_samples_and_staging_sets_are_reported(datasheet):
    """A plan drawing only from the selector's rejects is a recall sample: its annotated documents (in any
    set, staging included) give the share reporting a contact with a Wilson interval; a staging set is
    counted by language, and neither enters the gold figures."""
    documents = calls("kremlin-en-r", 4, source="kremlin.ru", license_="CC-BY-4.0")
    add_documents(datasheet.parent, documents, annotate=False)
    selection = datasheet.parent / "annotations" / "selection"
    (selection / "rejects.txt").write_text("".join(f"{d['id']}\n" for d in documents), encoding="utf-8")
    write_json(selection / "rejects-plan.json", {"name": "rejects", "seed": 1,
                                                  "strata": [{"id_prefix": "kremlin-en-r", "n": 4, "pool": "non_candidates"}]})
    for document in documents[:3]:
        save_annotation(make_gold(document), set_name="batch9/pass1")
    save_annotation(out_of_scope(documents[3]), set_name="batch9/pass1")
    assert main(["stats"]) == 0
    text = datasheet.read_text(encoding="utf-8")
    assert "| rejects                                  |           4 |          3 |    0.75 | [0.301, 0.954] |" in text
    assert "| batch9/pass1 | en         |           4 |          3 |" in text
    assert "Gold documents: 4; in scope: 3 (75.0%)." in text, "staging documents are not gold"


def test_the_double_annotated_sample_of_a_batch_is_a_column_after_the_rounds(datasheet):
    folder = datasheet.parent / "annotations" / "agreement"
    write_json(folder / "round2" / "report.json", {"documents": 30, "topics": {"alpha": 0.5}})
    write_json(folder / "batch3" / "report.json", {"documents": 111, "topics": {"alpha": 0.9}})
    assert main(["stats"]) == 0
    text = datasheet.read_text(encoding="utf-8")
    assert "| measure      |   round 2 |   batch3 |" in text and "| topics.alpha |       0.5 |      0.9 |" in text
