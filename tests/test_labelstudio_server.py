"""Push, annotate and pull against a real Label Studio server started on 127.0.0.1 in its own virtual
environment ($READOUTS_LS_VENV, default .ls-venv/, installed on first use). Skipped only when
READOUTS_SKIP_LABEL_STUDIO=1."""

import copy
import json
import os
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

from readouts.labelstudio import local as lslocal
from readouts.cli import main
from readouts.corpus import load_corpus
from readouts.jsonio import read_json, sha256_text
from readouts.labelstudio.convert import MENTION, STANCE, TOPICS
from readouts.labelstudio.client import API_KEY_ENV
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


def utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


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
        span = {"start": utf16(text, missing), "end": utf16(text, missing + len(first["mentions"][0]["text"]))}
        result.append({"id": "added1", "from_name": MENTION, "to_name": "text", "type": "labels",
                       "value": {**span, "text": text[missing:missing + len(first["mentions"][0]["text"])], "labels": ["direct"]}})
        result.append({"id": "added1", "from_name": "actor", "to_name": "text", "type": "choices",
                       "value": {**span, "choices": [first["actor_id"]]}})

    annotate(client, tasks[doc_id], edit)
    before = gold_bytes(invented)
    assert ls(label_studio, "pull", "--project", "round-trip", "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"would write {doc_id}: participants +1 -1, stance +1 -1, topics +1 -0" in out
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

    assert ls(label_studio, "pull", "--project", "conflicts", "--force") == 1, "a changed text is never forced"
    forced = read_json(annotation_path(edited_id))
    assert forced["topics"] == ["sanctions", "nato"] and forced["notes"] == "invented for a test"
    assert "the document text changed" in capsys.readouterr().out


def test_annotator_sees_the_participant_panel_in_a_browser(label_studio, invented, browser, tmp_path):
    """In the real web interface (headless Chromium): a pushed task shows its pre-annotated mentions, and
    selecting one opens the participant panel with the actor choice, which is how annotators edit it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    assert ls(label_studio, "push", "--project", "browser", "--prelabel", "current") == 0
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    doc_id, task_id = sorted(tasks_by_document(client, "browser").items())[0]
    project_id = client.tasks.get(id=task_id).project
    first_mention = next(p for p in invented[doc_id]["participants"] if p["mentions"])["mentions"][0]["text"]
    wait = WebDriverWait(browser, 60)

    browser.get(f"{label_studio.url}/user/login/")
    wait.until(seen.presence_of_element_located((By.NAME, "email"))).send_keys(lslocal.USER_EMAIL)
    browser.find_element(By.NAME, "password").send_keys(label_studio.password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]").click()
    wait.until(lambda driver: "/user/login" not in driver.current_url)
    browser.get(f"{label_studio.url}/projects/{project_id}/data?task={task_id}")
    panel = "//*[contains(text(), 'Participant: actor of this mention')]"
    wait.until(seen.presence_of_element_located((By.XPATH, f"//*[text()={json.dumps(first_mention)}]")))
    assert not any(element.is_displayed() for element in browser.find_elements(By.XPATH, panel))
    region = [e for e in browser.find_elements(By.XPATH, f"//*[text()={json.dumps(first_mention)}]") if e.is_displayed()][-1]
    region.click()
    wait.until(seen.visibility_of_element_located((By.XPATH, panel)))
    browser.save_screenshot(str(tmp_path / "label-studio-participant-panel.png"))
    assert (tmp_path / "label-studio-participant-panel.png").stat().st_size > 10_000
