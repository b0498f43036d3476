"""Push, annotate and pull against a real Label Studio server started on 127.0.0.1 in its own virtual
environment ($READOUTS_LS_VENV, default .ls-venv/, installed on first use). Skipped only when
READOUTS_SKIP_LABEL_STUDIO=1."""

import copy
import json
import os
import time
from collections import defaultdict
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

from readouts.labelstudio import local as lslocal
from readouts.cli import main
from readouts.corpus import load_corpus
from readouts.drafts import annotation_to_draft
from readouts.jsonio import read_json, sha256_file, sha256_text
from readouts.labelstudio.convert import CONTACT_TYPES, MENTION, REVIEW, SCOPE, STANCE, TOPICS, annotation_to_result
from readouts.labelstudio import client as client_module
from readouts.labelstudio.client import API_KEY_ENV
from readouts.labelstudio.pullstate import SLACK
from readouts.store import annotation_path, save_annotation
from readouts.validate import AnnotationChecker

pytestmark = pytest.mark.labelstudio
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    if os.environ.get("READOUTS_SKIP_LABEL_STUDIO") == "1":
        pytest.skip("READOUTS_SKIP_LABEL_STUDIO=1: the real Label Studio server tests were switched off")
    executable = lslocal.ensure_venv(lslocal.venv_path(REPO))
    server = lslocal.start(executable, tmp_path_factory.mktemp("label-studio"))
    yield server
    server.stop()


@pytest.fixture
def invented(repo, label_studio, monkeypatch) -> dict[str, dict]:
    """20 invented documents in the temporary repository's corpus, each with a gold annotation."""
    monkeypatch.setenv(API_KEY_ENV, label_studio.token)
    pairs = lslocal.invented_documents(20)
    corpus = Path(os.environ["READOUTS_CORPUS"])
    with corpus.open("a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(document, ensure_ascii=False) + "\n" for document, _ in pairs)
    for _, annotation in pairs:
        save_annotation(annotation)
    return {document["id"]: annotation for document, annotation in pairs}


def ls(server, *args: str) -> int:
    return main(["ls", *args, "--url", server.url])


def gold_bytes(ids) -> dict[str, bytes]:
    return {doc_id: annotation_path(doc_id).read_bytes() for doc_id in ids}


def tasks_by_document(client: LabelStudio, project_title: str) -> dict[str, int]:
    project = next(p for p in client.projects.list(title=project_title) if p.title == project_title)
    return {task.data["document_id"]: task.id for task in client.tasks.list(project=project.id, fields="all")}


def annotate(client: LabelStudio, task_id: int, edit) -> None:
    """What an annotator does: open the task with its pre-annotation, change it, submit."""
    result = copy.deepcopy(client.predictions.list(task=task_id)[0].result)
    edit(result)
    client.annotations.create(id=task_id, result=result, lead_time=42.0)


def test_push_annotate_pull_round_trip(label_studio, invented, capsys):
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    assert ls(label_studio, "push", "--project", "round-trip", "--prelabel", "current") == 0
    assert ls(label_studio, "push", "--project", "round-trip", "--prelabel", "current") == 0
    assert "0 tasks created, 0 updated, 20 unchanged" in capsys.readouterr().out
    tasks = tasks_by_document(client, "round-trip")
    assert sorted(tasks) == sorted(invented), "re-pushing must update tasks, not duplicate them"

    doc_id = "test-uk-invented00004"  # a Ukrainian text with an astral flag before the mention we add
    text = load_corpus()[doc_id]["text"]
    original = invented[doc_id]
    first = original["participants"][0]
    missing = text.rindex(first["mentions"][0]["text"])

    def edit(result):
        next(item for item in result if item["from_name"] == TOPICS)["value"]["choices"].append("energy_security")
        next(item for item in result if item["from_name"] == STANCE)["value"]["choices"] = ["against"]
        span = {"start": missing, "end": missing + len(first["mentions"][0]["text"])}
        result.append({"id": "added1", "from_name": MENTION, "to_name": "text", "type": "labels",
                       "value": {**span, "text": text[missing:missing + len(first["mentions"][0]["text"])], "labels": ["direct"]}})
        result.append({"id": "added1", "from_name": "actor", "to_name": "text", "type": "choices",
                       "value": {**span, "choices": [first["actor_id"]]}})

    annotate(client, tasks[doc_id], edit)
    before = gold_bytes(invented)
    assert ls(label_studio, "pull", "--project", "round-trip", "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"would write gold/{doc_id}: mentions +1, stance ~1, topics +1" in out
    assert gold_bytes(invented) == before, "--dry-run writes nothing"

    assert ls(label_studio, "pull", "--project", "round-trip") == 0
    after = gold_bytes(invented)
    assert [d for d in invented if after[d] != before[d]] == [doc_id]
    pulled = read_json(annotation_path(doc_id))
    expected = copy.deepcopy(original)
    expected["topics"].append("energy_security")
    expected["stance"][0]["label"] = "against"
    expected["participants"][0]["mentions"].append({"start": missing, "end": missing + len(first["mentions"][0]["text"]),
                                                    "text": first["mentions"][0]["text"]})
    assert {k: v for k, v in pulled.items() if k != "provenance"} == {k: v for k, v in expected.items() if k != "provenance"}
    provenance = pulled["provenance"]
    assert provenance["annotator_id"] == lslocal.USER_EMAIL and provenance["annotator_kind"] == "human"
    assert provenance["source"] == f"label-studio:round-trip#{tasks[doc_id]}"
    assert provenance["prelabel"] == f"gold@{sha256_text(before[doc_id].decode())[:12]}"
    assert provenance["created"] == original["provenance"]["created"] and "model" not in provenance
    assert AnnotationChecker(load_corpus()).check(pulled, doc_id, file_stem=doc_id) == []

    assert ls(label_studio, "pull", "--project", "round-trip") == 0
    assert "0 written, 1 unchanged, 0 conflicts" in capsys.readouterr().out, "a second pull changes nothing"

    assert ls(label_studio, "push", "--project", "round-trip", "--prelabel", "current") == 0
    assert "0 tasks created, 0 updated, 20 unchanged" in capsys.readouterr().out, \
        "the pulled task already shows what the pull wrote"
    assert [len(client.predictions.list(task=tasks[d])) for d in sorted(tasks)] == [1] * len(tasks), \
        "re-pushing after a pull never piles up predictions"
    project = next(p for p in client.projects.list(title="round-trip") if p.title == "round-trip")
    assert client.projects.get(project.id).model_version == "gold", "the queue shows only the project's model version"
    assert {p.model_version for d in tasks for p in client.predictions.list(task=tasks[d])} == {"gold"}


def test_conflicts_are_skipped_unless_forced(label_studio, invented, tmp_path, capsys):
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    docs = tmp_path / "ids.txt"
    edited_id, text_id = "test-en-invented00000", "test-ru-invented00002"
    docs.write_text(f"{edited_id}\n{text_id}\n", encoding="utf-8")
    assert ls(label_studio, "push", "--project", "conflicts", "--docs", str(docs), "--prelabel", "current") == 0
    tasks = tasks_by_document(client, "conflicts")
    add_topic = lambda result: next(i for i in result if i["from_name"] == TOPICS)["value"]["choices"].append("nato")
    annotate(client, tasks[edited_id], add_topic)
    annotate(client, tasks[text_id], add_topic)

    local = read_json(annotation_path(edited_id))
    local["notes"] = "changed locally after the push"
    save_annotation(local)
    corpus = Path(os.environ["READOUTS_CORPUS"])
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    for record in records:
        if record["id"] == text_id:  # the source republished the document with a changed text
            record["text"] = record["text"].replace("#2 ", "#2 (updated) ")
            record["text_sha256"] = sha256_text(record["text"])
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    capsys.readouterr()

    assert ls(label_studio, "pull", "--project", "conflicts") == 1
    out = capsys.readouterr().out
    assert f"conflict: task {tasks[edited_id]} ({edited_id}): the local annotation file changed" in out
    assert f"conflict: task {tasks[text_id]} ({text_id}): the document text changed" in out
    assert read_json(annotation_path(edited_id)) == local
    assert ls(label_studio, "push", "--project", "conflicts", "--docs", str(docs)) == 1, "re-push must not hide a conflict"

    local_sha = sha256_file(annotation_path(edited_id))
    assert ls(label_studio, "pull", "--project", "conflicts", "--force") == 1, "a changed text is never forced"
    forced = read_json(annotation_path(edited_id))
    assert forced["topics"] == ["sanctions", "nato"] and forced["notes"] == "invented for a test"
    assert "the document text changed" in capsys.readouterr().out
    assert f"replaced a local edit (file sha256 {local_sha}) with --force" in forced["provenance"]["history"][-1]["action"], \
        "--force records what it overwrote"


def test_pulled_tasks_keep_their_history_and_are_not_pushed_again(label_studio, invented, capsys):
    """A second pull of a task builds on the file the first one wrote (its history entry stays), a re-push
    leaves a task holding what was pulled as it is (no slow per-task update), and a local edit made after
    the pull is still a conflict both ways; a ground-truth annotation is pulled like any other."""
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    doc_id = "test-uk-invented00013"
    [task_id] = push_docs(label_studio, client, "history", doc_id)
    pushed_meta = client.tasks.get(id=task_id).data["readouts"]
    history_before = len(invented[doc_id]["provenance"].get("history", []))
    result = copy.deepcopy(client.predictions.list(task=task_id)[0].result)
    next(i for i in result if i["from_name"] == TOPICS)["value"]["choices"].append("nato")
    created = client.annotations.create(id=task_id, result=result, lead_time=4.0, ground_truth=True)
    assert ls(label_studio, "pull", "--project", "history") == 0
    assert "pull: 1 written" in capsys.readouterr().out, "a ground-truth annotation is exported too"

    next(i for i in result if i["from_name"] == TOPICS)["value"]["choices"].append("energy_security")
    client.annotations.update(id=created.id, result=result)
    assert ls(label_studio, "pull", "--project", "history") == 0
    pulled = read_json(annotation_path(doc_id))
    assert pulled["topics"][-2:] == ["nato", "energy_security"]
    actions = [entry["action"] for entry in pulled["provenance"]["history"]]
    assert len(actions) == history_before + 2 and all(a.startswith("annotated in label-studio:history#") for a in actions[-2:]), \
        "the second pull keeps the first pull's history entry"

    capsys.readouterr()
    assert ls(label_studio, "push", "--project", "history", "--docs", str(Path(os.environ["READOUTS_ROOT"]) / "history.txt"),
              "--prelabel", "current") == 0
    assert "0 tasks created, 0 updated, 1 unchanged" in capsys.readouterr().out
    assert client.tasks.get(id=task_id).data["readouts"] == pushed_meta, "nothing was sent to the task"

    local = read_json(annotation_path(doc_id))
    local["notes"] = "edited locally after the pull"
    save_annotation(local)
    assert ls(label_studio, "push", "--project", "history", "--docs", str(Path(os.environ["READOUTS_ROOT"]) / "history.txt"),
              "--prelabel", "current") == 1
    assert f"conflict: {doc_id} (task {task_id})" in capsys.readouterr().out
    client.annotations.update(id=created.id, result=result, lead_time=5.0)
    assert ls(label_studio, "pull", "--project", "history") == 1
    assert f"conflict: task {task_id} ({doc_id}): the local annotation file changed" in capsys.readouterr().out
    assert ls(label_studio, "push", "--project", "history", "--docs", str(Path(os.environ["READOUTS_ROOT"]) / "history.txt"),
              "--prelabel", "current", "--force") == 0
    assert "0 tasks created, 1 updated, 0 unchanged" in capsys.readouterr().out
    assert client.tasks.get(id=task_id).data["readouts"]["annotation"] == local
    assert [p.model_version for p in client.predictions.list(task=task_id)] == ["gold"], \
        "a forced update replaces the prediction instead of piling them up"


def second_annotator(client: LabelStudio, email: str) -> int:
    """A second user of the organisation (as an invited annotator would be), by id."""
    found = [user.id for user in client.users.list() if user.email == email]
    return found[0] if found else client.users.create(username=email.split("@")[0], email=email, password="invented-pass-1").id


def push_docs(server, client: LabelStudio, project: str, *doc_ids: str) -> list[int]:
    """Push documents in this order, pre-annotated with their gold, into a new project; their task ids."""
    docs = Path(os.environ["READOUTS_ROOT"]) / f"{project}.txt"
    docs.write_text("".join(doc_id + "\n" for doc_id in doc_ids), encoding="utf-8")
    assert ls(server, "push", "--project", project, "--docs", str(docs), "--prelabel", "current") == 0
    tasks = tasks_by_document(client, project)
    return [tasks[doc_id] for doc_id in doc_ids]


def test_several_annotators_are_kept_and_disagreements_reported(label_studio, invented, capsys):
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    doc_id = "test-en-invented00003"
    [task_id] = push_docs(label_studio, client, "two-annotators", doc_id)
    carol = second_annotator(client, "carol@readouts.test")
    add_nato = lambda result: next(i for i in result if i["from_name"] == TOPICS)["value"]["choices"].append("nato")
    annotate(client, task_id, add_nato)
    result = copy.deepcopy(client.predictions.list(task=task_id)[0].result)
    next(i for i in result if i["from_name"] == STANCE)["value"]["choices"] = ["neutral"]
    client.annotations.create(id=task_id, result=result, lead_time=3.0, completed_by=carol)
    assert {a.completed_by for a in client.annotations.list(id=task_id)} == {carol, client.users.whoami().id}
    before = gold_bytes([doc_id])
    capsys.readouterr()

    assert ls(label_studio, "pull", "--project", "two-annotators") == 1
    out = capsys.readouterr().out
    assert f"disagreement: task {task_id} ({doc_id}): {lslocal.USER_EMAIL} and carol@readouts.test differ" in out
    assert gold_bytes([doc_id]) == before, "no annotator is picked silently"

    assert ls(label_studio, "pull", "--project", "two-annotators", "--set", "pass") == 0
    mine = read_json(annotation_path(doc_id, "pass/annotator-readouts.test"))
    carols = read_json(annotation_path(doc_id, "pass/carol-readouts.test"))
    assert "nato" in mine["topics"] and "nato" not in carols["topics"] and carols["stance"][0]["label"] == "neutral"
    assert carols["provenance"]["annotator_id"] == "carol@readouts.test"
    capsys.readouterr()
    assert main(["agreement", "pass/annotator-readouts.test", "pass/carol-readouts.test", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"]["common"] == 1


def test_a_pull_that_removes_most_of_an_annotation_is_refused(label_studio, invented, capsys):
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    doc_id = "test-ru-invented00005"
    [task_id] = push_docs(label_studio, client, "blank", doc_id)
    # a task opened blank: the annotator marks the scope, the contact and one name, nothing else
    prediction = client.predictions.list(task=task_id)[0].result
    first_region = next(i["id"] for i in prediction if i["from_name"] == MENTION)
    blank = [i for i in prediction if i["from_name"] in (SCOPE, CONTACT_TYPES) or i["id"] == first_region]
    client.annotations.create(id=task_id, result=blank, lead_time=2.0)
    before = gold_bytes([doc_id])
    capsys.readouterr()
    assert ls(label_studio, "pull", "--project", "blank") == 1
    assert f"refused: task {task_id} ({doc_id}): would remove" in capsys.readouterr().out
    assert gold_bytes([doc_id]) == before
    assert ls(label_studio, "pull", "--project", "blank", "--allow-removals", "--dry-run") == 0


def test_blind_project_shows_no_labels_and_pulls_into_sets(label_studio, invented, capsys):
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    assert ls(label_studio, "push", "--project", "blind", "--blind") == 0
    tasks = tasks_by_document(client, "blind")
    for task in client.tasks.list(project=client.tasks.get(id=next(iter(tasks.values()))).project, fields="all"):
        meta = task.data["readouts"]
        assert meta["annotation"] is None and meta["annotation_sha256"] is None and meta["prelabel"] is None
        assert not client.predictions.list(task=task.id)
    project = client.projects.get(client.tasks.get(id=next(iter(tasks.values()))).project)
    assert project.maximum_annotations == 2, "a blind project is served to two annotators"
    assert ls(label_studio, "push", "--project", "blind", "--blind", "--prelabel", "current") == 2
    doc_id = "test-en-invented00006"
    result = annotation_to_result(invented[doc_id], load_corpus()[doc_id]["text"])
    client.annotations.create(id=tasks[doc_id], result=result, lead_time=5.0)
    capsys.readouterr()
    assert ls(label_studio, "pull", "--project", "blind") == 2, "a blind project never writes gold"
    assert "--set NAME" in capsys.readouterr().err
    assert ls(label_studio, "pull", "--project", "blind", "--set", "blind") == 0
    pulled = read_json(annotation_path(doc_id, "blind/annotator-readouts.test"))
    assert pulled["participants"] == invented[doc_id]["participants"] and "prelabel" not in pulled["provenance"]


def test_review_project_records_the_human_reviewer(label_studio, invented, tmp_path, capsys):
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    accepted_id, corrected_id = "test-uk-invented00007", "test-en-invented00009"
    docs = tmp_path / "review.txt"
    docs.write_text(f"{accepted_id}\n{corrected_id}\n", encoding="utf-8")
    assert ls(label_studio, "push", "--project", "review", "--review", "--docs", str(docs)) == 0
    assert ls(label_studio, "push", "--project", "review", "--docs", str(docs)) == 2, "a review project stays a review project"
    tasks = tasks_by_document(client, "review")

    def decide(decision, topic=None):
        def edit(result):
            result.append({"id": "review", "from_name": REVIEW, "to_name": "text", "type": "choices", "value": {"choices": [decision]}})
            if topic:
                next(i for i in result if i["from_name"] == TOPICS)["value"]["choices"].append(topic)
        return edit

    annotate(client, tasks[accepted_id], decide("accepted"))
    annotate(client, tasks[corrected_id], decide("corrected", "nato"))
    assert ls(label_studio, "pull", "--project", "review") == 0
    for doc_id, decision in ((accepted_id, "accepted"), (corrected_id, "corrected")):
        provenance = read_json(annotation_path(doc_id))["provenance"]
        assert provenance["review_status"] == "reviewed" and provenance["reviewer_kind"] == "human"
        assert provenance["reviewer_id"] == lslocal.USER_EMAIL and provenance["annotator_id"] == "inventor"
        assert f": {decision} (labels sha256 " in provenance["history"][-1]["action"]
    assert "nato" in read_json(annotation_path(corrected_id))["topics"]
    assert read_json(annotation_path(accepted_id))["topics"] == invented[accepted_id]["topics"]
    assert ls(label_studio, "pull", "--project", "review") == 0
    assert "0 written, 2 unchanged" in capsys.readouterr().out


SELECT = """
const [word, which, root] = [arguments[0], arguments[1], document.querySelector('.lsf-richtext__container')];
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
let node, found = null;
while ((node = walker.nextNode())) { if (node.textContent.includes(word) && (which === 'last' || !found)) found = node; }
const start = which === 'last' ? found.textContent.lastIndexOf(word) : found.textContent.indexOf(word);
const range = document.createRange();
range.setStart(found, start); range.setEnd(found, start + word.length);
window.getSelection().removeAllRanges(); window.getSelection().addRange(range);
found.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
"""
HIGHLIGHTS = """
return Array.from(document.querySelectorAll('.lsf-richtext__container .htx-highlight'))
  .map(e => [Array.from(e.classList).find(c => /^htx-highlight-.+-[0-9]+$/.test(c)), e.textContent]);
"""


def sign_in(browser, server, wait, email: str = lslocal.USER_EMAIL, password: str | None = None):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    browser.get(f"{server.url}/user/login/")
    wait.until(seen.presence_of_element_located((By.NAME, "email"))).send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(password or server.password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]").click()
    wait.until(lambda driver: "/user/login" not in driver.current_url)


def shown_regions(browser) -> list[str]:
    """The text each highlighted region covers in the open task (a region may be split into pieces)."""
    shown = defaultdict(str)
    for region, piece in browser.execute_script(HIGHLIGHTS):
        shown[region] += piece
    return sorted(shown.values())


def gold_regions(annotation: dict, text: str) -> list[str]:
    spans = [(m["start"], m["end"]) for p in annotation["participants"] for m in p["mentions"]]
    spans += [(e["start"], e["end"]) for s in annotation["stance"] for e in s["evidence"]]
    return sorted(text[start:end] for start, end in spans)


def test_label_all_tasks_shows_preannotations_and_spans_after_emoji_round_trip(label_studio, invented, browser, capsys):
    """In the real web interface (headless Chromium), opened the way annotators do by default ("Label All
    Tasks"): every task shows its pre-annotation (each file's gold used to be its own model version, and
    the queue showed only one), spans after an astral flag highlight exactly the annotated words; a name
    selected after the flag, labelled d, given its actor in the panel and submitted comes back from pull as
    that name (Label Studio stores code-point offsets)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    first_id, doc_id = "test-en-invented00000", "test-uk-invented00001"  # "... з <b> 🇺🇦. <a> наголосив ..., а <a> пообіцяв ..."
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    first_task, task_id = push_docs(label_studio, client, "browser", first_id, doc_id)
    project_id = client.tasks.get(id=task_id).project
    corpus = load_corpus()
    text, gold = corpus[doc_id]["text"], invented[doc_id]
    wait = WebDriverWait(browser, 90)
    sign_in(browser, label_studio, wait)

    browser.get(f"{label_studio.url}/projects/{project_id}/data?labeling=1")  # what "Label All Tasks" opens
    for shown_id in (first_id, doc_id):
        expected = gold_regions(invented[shown_id], corpus[shown_id]["text"])
        wait.until(lambda driver: corpus[shown_id]["text"][:20] in driver.execute_script(
            "return document.querySelector('.lsf-richtext__container')?.textContent || ''"))
        try:
            wait.until(lambda driver: shown_regions(driver) == expected)
        except TimeoutException:
            assert shown_regions(browser) == expected, f"{shown_id}: every pre-annotated span is shown over exactly its words"
        if shown_id == first_id:
            browser.find_element(By.XPATH, "//button[normalize-space()='Skip']").click()

    first = gold["participants"][0]
    name = first["mentions"][0]["text"]
    ActionChains(browser).send_keys("d").perform()
    browser.execute_script(SELECT, name, "last")
    wait.until(lambda driver: len(shown_regions(driver)) == len(expected) + 1)
    [e for e in browser.find_elements(By.XPATH, f"//*[text()='{name}']") if e.is_displayed()][-1].click()
    trigger = wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, ".lsf-choices_layout_select button")))
    trigger.click()
    option = wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, f"[data-testid='select-option-{first['actor_id']}']")))
    browser.execute_script("arguments[0].scrollIntoView()", option)
    option.click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Submit']").click()
    wait.until(lambda driver: client.annotations.list(id=task_id))

    capsys.readouterr()
    assert ls(label_studio, "pull", "--project", "browser") == 0, capsys.readouterr().out
    pulled = read_json(annotation_path(doc_id))
    added = text.rindex(name)
    mentions = next(p for p in pulled["participants"] if p["actor_id"] == first["actor_id"])["mentions"]
    assert {"start": added, "end": added + len(name), "text": name} in mentions
    assert [m for m in mentions if m["start"] != added] == first["mentions"]
    assert read_json(annotation_path(first_id)) == invented[first_id], "a skipped task is not pulled"



def test_a_pull_exports_only_tasks_changed_since_the_last_pull(label_studio, invented, capsys, monkeypatch):
    """After a pull, the next one exports only tasks updated in Label Studio since the last pull started
    (less SLACK), skipped, or changed locally since: a full export would count every annotated task."""
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    ids = ["test-uk-invented00010", "test-ru-invented00011", "test-en-invented00012"]
    tasks = push_docs(label_studio, client, "incremental", *ids)
    pushed = gold_bytes(ids)
    add = lambda topic: lambda result: next(i for i in result if i["from_name"] == TOPICS)["value"]["choices"].append(topic)
    for task_id in tasks:
        annotate(client, task_id, add("nato"))
    time.sleep(SLACK.total_seconds() + 1)  # annotated well before the pull starts
    assert ls(label_studio, "pull", "--project", "incremental") == 0
    assert "pull: 3 written, 0 unchanged" in capsys.readouterr().out
    pulled = gold_bytes(ids)

    def add_energy_security_and_pull(task_id: int) -> str:
        """An annotator adds a topic to their submitted annotation; then a pull, whose report is returned."""
        [annotation] = client.annotations.list(id=task_id)
        result = copy.deepcopy(annotation.result)
        add("energy_security")(result)
        client.annotations.update(id=annotation.id, result=result)
        assert ls(label_studio, "pull", "--project", "incremental") == 0
        return capsys.readouterr().out

    out = add_energy_security_and_pull(tasks[1])
    assert "pull: 1 written, 0 unchanged" in out, "only the task changed since the last pull is exported"
    assert "energy_security" in read_json(annotation_path(ids[1]))["topics"]
    assert gold_bytes([ids[0], ids[2]]) == {ids[0]: pulled[ids[0]], ids[2]: pulled[ids[2]]}

    with monkeypatch.context() as patched:  # many changed tasks come from one snapshot export, narrowed here
        patched.setattr(client_module, "QUICK_EXPORT_LIMIT", 0)
        out = add_energy_security_and_pull(tasks[2])
        # the task edited just before the last pull is within its margin; the first task is left out
        assert "pull: 1 written, 1 unchanged" in out, "the snapshot is narrowed to the tasks to look at"
        assert "energy_security" in read_json(annotation_path(ids[2]))["topics"]
        pulled = gold_bytes(ids)

    annotation_path(ids[0]).write_bytes(pushed[ids[0]])  # a pulled change undone locally comes back, as in a full pull
    assert ls(label_studio, "pull", "--project", "incremental") == 0
    assert f"wrote gold/{ids[0]}: topics +1" in capsys.readouterr().out
    assert gold_bytes([ids[0]]) == {ids[0]: pulled[ids[0]]}
    assert ls(label_studio, "pull", "--project", "incremental", "--full") == 0
    assert "pull: 0 written, 3 unchanged" in capsys.readouterr().out, "--full exports every annotated task"


def sign_up(browser, server, wait, invite_url: str, email: str, password: str) -> None:
    """What an invited annotator does: open the invitation link and sign up (which signs them in)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    browser.get(server.url + invite_url)
    wait.until(seen.presence_of_element_located((By.NAME, "email"))).send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]").click()
    wait.until(lambda driver: "/user/signup" not in driver.current_url and driver.get_cookie("sessionid"))


def sign_out(browser, server) -> None:
    """Sign out and wait for the sign-in form. A request the labelling page sent before the logout can end
    after it and save the session again (seen in 2 of 5 runs: /logout then led back to the signed-in home
    page), so the browser forgets its cookies too; under heavy load the form once did not appear, so a
    second try follows, and a failure names the page that was shown instead."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server.url}/logout")
    shown = []
    for _ in range(2):
        browser.delete_all_cookies()
        browser.get(f"{server.url}/user/login/")
        try:
            WebDriverWait(browser, 45).until(seen.presence_of_element_located((By.NAME, "email")))
            return
        except TimeoutException:
            shown.append(f"{browser.current_url} ({browser.title!r})")
    raise AssertionError(f"no sign-in form after signing out; shown instead: {shown}")


def open_label_all_tasks(browser, server, wait, project_id: int, text: str) -> None:
    """The project's Data Manager, then the Label All Tasks button, until the task's text is shown."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    browser.get(f"{server.url}/projects/{project_id}/data")
    wait.until(seen.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Label All Tasks']"))).click()
    wait.until(lambda driver: text[:20] in driver.execute_script(
        "return document.querySelector('.lsf-richtext__container')?.textContent || ''"))


def annotate_name_in_browser(browser, wait, name: str, which: str, actor_id: str, topic: str) -> None:
    """Section 3 of docs/labelstudio.md in the open task: click direct, then select the name (its first or
    last occurrence), pick its actor in the panel, press i and 1 (in scope, phone call), tick a topic, Submit.
    The label comes first: a selection made before the label is pressed or clicked stays unlabelled."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as seen

    browser.find_element(By.XPATH, "//*[contains(@class, 'lsf-label_clickable')][*[text()='direct']]").click()
    browser.execute_script(SELECT, name, which)
    wait.until(lambda driver: shown_regions(driver) == [name])
    [e for e in browser.find_elements(By.XPATH, f"//*[text()='{name}']") if e.is_displayed()][-1].click()
    wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, ".lsf-choices_layout_select button"))).click()
    option = wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, f"[data-testid='select-option-{actor_id}']")))
    browser.execute_script("arguments[0].scrollIntoView()", option)
    option.click()
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    ActionChains(browser).send_keys("i").send_keys("1").perform()
    click_label(browser, topic)
    browser.find_element(By.XPATH, "//button[normalize-space()='Submit']").click()


def click_label(browser, choice: str) -> None:
    """Tick a choice by its value (its label may add a hotkey hint: accepted[6])."""
    from selenium.webdriver.common.by import By

    element = [e for e in browser.find_elements(By.XPATH, f"//label[.//input[@name='{choice}']]") if e.is_displayed()][0]
    browser.execute_script("arguments[0].scrollIntoView()", element)
    element.click()


def test_two_annotator_session_as_documented(label_studio, invented, browser, capsys, monkeypatch):
    """docs/labelstudio.md section 5, step by step, in the real browser: Alice and Bob sign up through the
    invitation link and each annotates the blind task (Label All Tasks, click direct then select a name,
    pick the actor in the panel, press i and 1, tick a topic, Submit); Alice signs out and in again. Then the
    documented commands: pull into two sets, agreement, draft and annotate into gold; and the review
    project, where the maintainer chooses accepted in the browser and submits."""
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    monkeypatch.chdir(os.environ["READOUTS_ROOT"])  # the documented commands use paths relative to the repository
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    # Alice and Bob are new to the session's server (another test's second annotator is Carol): they sign up
    doc_id, alice, bob, password = "test-en-invented00015", "alice@readouts.test", "bob@readouts.test", "invented-pass-2"
    text, gold = load_corpus()[doc_id]["text"], invented[doc_id]
    first = gold["participants"][0]
    name = first["mentions"][0]["text"]
    assert text.index(name) != text.rindex(name), "the name occurs twice, so Alice and Bob can mark different mentions"
    wait = WebDriverWait(browser, 90)

    # 1. Users: the invitation link of Organization -> Add Members; Alice signs up with it, signs out and in again
    invite = httpx.get(f"{label_studio.url}/api/invite", headers={"Authorization": f"Token {label_studio.token}"}, timeout=30)
    invite_url = invite.raise_for_status().json()["invite_url"]
    sign_up(browser, label_studio, wait, invite_url, alice, password)
    sign_out(browser, label_studio)
    sign_in(browser, label_studio, wait, alice, password)

    # 2. Blind project
    Path("round2.txt").write_text(doc_id + "\n", encoding="utf-8")
    assert ls(label_studio, "push", "--project", "readouts-round2", "--blind", "--docs", "round2.txt") == 0
    [task_id] = tasks_by_document(client, "readouts-round2").values()
    project_id = client.tasks.get(id=task_id).project

    # 3. Annotate as section 3 tells them: Alice marks the last mention of the name, Bob (signed up in turn) the first
    open_label_all_tasks(browser, label_studio, wait, project_id, text)
    assert shown_regions(browser) == [], "a blind task shows no labels"
    annotate_name_in_browser(browser, wait, name, "last", first["actor_id"], "sanctions")
    wait.until(lambda driver: client.annotations.list(id=task_id))
    sign_out(browser, label_studio)
    sign_up(browser, label_studio, wait, invite_url, bob, password)
    open_label_all_tasks(browser, label_studio, wait, project_id, text)
    assert shown_regions(browser) == [], "Bob does not see Alice's work"
    annotate_name_in_browser(browser, wait, name, "first", first["actor_id"], "sanctions")
    wait.until(lambda driver: len(client.annotations.list(id=task_id)) == 2)
    sign_out(browser, label_studio)

    # 4. Pull into two sets
    capsys.readouterr()
    assert ls(label_studio, "pull", "--project", "readouts-round2", "--set", "round2") == 0, capsys.readouterr().out
    alices = read_json(annotation_path(doc_id, "round2/alice-readouts.test"))
    bobs = read_json(annotation_path(doc_id, "round2/bob-readouts.test"))
    for annotation, annotator, start in ((alices, alice, text.rindex(name)), (bobs, bob, text.index(name))):
        assert annotation["participants"][0]["actor_id"] == first["actor_id"]
        assert annotation["participants"][0]["mentions"] == [{"start": start, "end": start + len(name), "text": name}]
        assert annotation["in_scope"] and annotation["topics"] == ["sanctions"]
        assert annotation["contacts"] == [{"type": "phone_call", "participants": [first["actor_id"]]}]
        assert annotation["provenance"]["annotator_id"] == annotator and annotation["provenance"]["review_status"] == "unreviewed"

    # 5. Agreement
    report = Path("annotations/agreement/round2/report.json")
    assert main(["agreement", "round2/alice-readouts.test", "round2/bob-readouts.test", "--out", str(report)]) == 0
    assert read_json(report)["documents"]["common"] == 1
    Path("DATASHEET.md").write_bytes((REPO / "DATASHEET.md").read_bytes())
    assert main(["stats"]) == 0
    assert "round2" in Path("DATASHEET.md").read_text(encoding="utf-8"), "the report becomes a column of the agreement table"

    # 6. Adjudicate into gold: Alice's version, with the mention Bob marked
    assert main(["draft", doc_id, "--set", "round2/alice-readouts.test", "--out", "work/adjudication"]) == 0
    draft_path = Path("work/adjudication") / f"{doc_id}.json"
    draft = read_json(draft_path)
    bob_draft = annotation_to_draft(bobs, text)  # Bob's version in the draft's form
    assert draft["participants"] != bob_draft["participants"] and draft["topics"] == bob_draft["topics"]
    draft["participants"] = bob_draft["participants"]
    draft_path.write_text(json.dumps(draft, ensure_ascii=False, indent=2), encoding="utf-8")
    assert main(["annotate", str(draft_path), "--overwrite", "--annotator-id", alice, "--annotator-kind", "human",
                 "--review-status", "adjudicated", "--reviewer-id", "you@example.org", "--reviewer-kind", "human"]) == 0
    adjudicated = read_json(annotation_path(doc_id))
    assert adjudicated["participants"] == bobs["participants"] and adjudicated["topics"] == ["sanctions"]
    assert {k: adjudicated["provenance"][k] for k in ("annotator_id", "annotator_kind", "review_status", "reviewer_id")} == \
        {"annotator_id": alice, "annotator_kind": "human", "review_status": "adjudicated", "reviewer_id": "you@example.org"}

    # 7. Review (section 6): the maintainer opens Label All Tasks, sees the gold, chooses accepted and submits
    assert ls(label_studio, "push", "--project", "readouts-review", "--review", "--docs", "round2.txt") == 0
    review_task = tasks_by_document(client, "readouts-review")[doc_id]
    sign_in(browser, label_studio, wait)
    open_label_all_tasks(browser, label_studio, wait, client.tasks.get(id=review_task).project, text)
    wait.until(lambda driver: shown_regions(driver) == [name])  # the gold is shown
    click_label(browser, "accepted")
    browser.find_element(By.XPATH, "//button[normalize-space()='Submit']").click()
    wait.until(lambda driver: client.annotations.list(id=review_task))
    assert ls(label_studio, "pull", "--project", "readouts-review") == 0
    reviewed = read_json(annotation_path(doc_id))
    assert {k: v for k, v in reviewed.items() if k != "provenance"} == {k: v for k, v in adjudicated.items() if k != "provenance"}
    provenance = reviewed["provenance"]
    assert provenance["review_status"] == "adjudicated", "an adjudicated document stays adjudicated"
    assert provenance["reviewer_id"] == lslocal.USER_EMAIL and provenance["reviewer_kind"] == "human"
    assert provenance["annotator_id"] == alice and ": accepted (labels sha256 " in provenance["history"][-1]["action"]
