"""The committed data: every annotation set validates (with the corpus when it is beside the repository),
the generated taxonomy page is fresh, and the pilot sample is reproducible from its plan."""

import json

import pytest

from conftest import REPO
from readouts.corpus import load_corpus
from readouts.jsonio import read_json
from readouts.sampling import draw_plan, load_plan
from readouts.store import annotation_sets
from readouts.taxonomy import load_taxonomy
from readouts.taxonomy_doc import render_taxonomy
from readouts.validate import validate_files

# Every annotation set: gold, every pass of every agreement round and any other set folder.
SETS = [REPO / "annotations" / name for name in annotation_sets(REPO / "annotations")]


def _files(folder):
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.json"))]


@pytest.mark.parametrize("folder", SETS, ids=lambda p: str(p.relative_to(REPO)))
def test_annotation_set_is_valid_without_corpus(folder):
    report = validate_files(_files(folder), corpus=None)
    assert report.ok, "\n".join(map(str, report.problems))


@pytest.mark.corpus
@pytest.mark.parametrize("folder", SETS, ids=lambda p: str(p.relative_to(REPO)))
def test_annotation_set_is_valid_against_the_corpus(folder, shared_corpus):
    report = validate_files(_files(folder), corpus=load_corpus(shared_corpus))
    assert report.ok, "\n".join(map(str, report.problems))


def test_every_committed_annotation_set_is_checked():
    assert {"gold", "agreement/pass1", "agreement/pass2", "agreement/round2/pass1", "agreement/round2/pass2"} <= {
        str(folder.relative_to(REPO / "annotations")) for folder in SETS}


def test_taxonomy_page_is_fresh():
    committed = (REPO / "docs" / "taxonomy.md").read_text(encoding="utf-8")
    assert committed == render_taxonomy(load_taxonomy()), "docs/taxonomy.md is stale: run `readouts taxonomy doc`"


PLANS = sorted((REPO / "annotations" / "selection").glob("*-plan.json"))


@pytest.mark.corpus
@pytest.mark.parametrize("plan_path", PLANS, ids=lambda p: p.name)
def test_every_sample_is_reproducible_from_its_plan(plan_path, shared_corpus):
    selection = plan_path.parent
    candidates = (selection / "candidates.txt").read_text().split()
    plan = load_plan(plan_path)
    drawn = draw_plan(plan, plan_path, candidates, load_corpus(shared_corpus))  # a draw from a set uses its recorded pool
    assert drawn == (selection / f"{plan['name']}.txt").read_text().split(), f"re-run `readouts corpus sample {plan_path}`"


@pytest.mark.corpus
def test_office_titles_never_repeat_ten_words_of_a_document(shared_corpus):
    """Offices are short English titles (guidelines D6), never copied text: no office in a working annotation
    set and no office title in the registry repeats 10 consecutive words of a corpus document. (The released
    snapshots v0.1.0-v0.3.0 are immutable and still hold some long titles; they are not checked here.)"""
    import re
    word = re.compile(r"\w+")

    def runs(text: str) -> set[str]:
        words = [w.lower() for w in word.findall(text)]
        return {" ".join(words[i:i + 10]) for i in range(len(words) - 9)}

    corpus_runs: set[str] = set()
    for document in load_corpus(shared_corpus).values():
        corpus_runs |= runs(document["text"]) | runs(document.get("title") or "")
    offices = {p["office"] for folder in SETS for path in folder.glob("*.json") if path.name != "report.json"
               for p in json.loads(path.read_text(encoding="utf-8"))["participants"]}
    offices |= {o.get("title", "") for actor in read_json(REPO / "annotations" / "actors.json")["actors"]
                for o in actor.get("offices", [])}
    copied = sorted(office for office in offices if runs(office) & corpus_runs)
    assert not copied, f"office titles that copy document text; shorten them (D6): {copied}"


def _free_text(annotation: dict) -> list[str]:
    """What annotators wrote in their own words (office titles and mention strings are names, not prose)."""
    decisions = (annotation.get("adjudication") or {}).get("decisions", [])
    return [annotation.get("notes", "")] + [decision["decision"] for decision in decisions]


@pytest.mark.corpus
def test_annotator_notes_never_quote_ten_words_of_a_document(shared_corpus):
    """Annotations refer to text by offsets only: no note or adjudication decision in any annotation set
    (gold, the agreement passes, any other) or a release snapshot repeats 10 consecutive words of any corpus document."""
    import re
    word = re.compile(r"\w+")

    def runs(text: str) -> set[int]:
        words = [w.lower() for w in word.findall(text)]
        return {hash(" ".join(words[i:i + 10])) for i in range(len(words) - 9)}

    corpus_runs: set[int] = set()
    for document in load_corpus(shared_corpus).values():
        corpus_runs |= runs(document["text"])
    sources = [path for folder in SETS for path in sorted(folder.glob("*.json"))]
    sources += sorted((REPO / "annotations" / "releases").glob("*.annotations.jsonl"))
    quoting = []
    for path in sources:
        lines = path.read_text(encoding="utf-8").splitlines() if path.suffix == ".jsonl" else [path.read_text(encoding="utf-8")]
        for line in filter(None, lines):
            annotation = json.loads(line)
            if any(runs(text) & corpus_runs for text in _free_text(annotation)):
                quoting.append(f"{path.relative_to(REPO)}: {annotation['document_id']}")
    assert not quoting, "notes quote document text; paraphrase them:\n" + "\n".join(quoting)
