"""The chat-endpoint system against a real HTTP server that this test starts on 127.0.0.1 and that speaks
the OpenAI chat-completions wire format: the prompt, repairs and bounded retries of bad answers, slow and
failing answers, the on-disk cache, and `readouts evaluate --model` end to end, killed with SIGKILL mid-run
and resumed without asking again for what was cached."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import REPO, TINY_TEXTS
from release_helpers import add_documents, calls, prepare

from readouts.cli import main
from readouts.errors import InputError
from readouts.evaluation.goldset import gold_set_from_release
from readouts.jsonio import canonical_json, read_json, sha256_text
from readouts.schema import require_valid
from readouts.evaluation.submission import read_submission
from readouts.systems.chat import ChatSystem, system_prompt, user_prompt

DOCUMENT_ID = re.compile(r"^Document (\S+):", re.MULTILINE)
KNOWN_ACTOR = re.compile(r"^- ([a-z0-9-]+): ([^(]+) \(", re.MULTILINE)


def good_answer(messages: list[dict]) -> str:
    """What a sensible model would say: the registry actors offered in the prompt as direct participants
    named by their English names, one stance, and what the harness would refuse (to be dropped): a topic id
    that does not exist and a person who is not in the registry."""
    actors = KNOWN_ACTOR.findall(messages[1]["content"])
    return json.dumps({"in_scope": True, "topics": ["sanctions", "no_such_topic"],
                       "participants": [{"actor_id": actor, "participation": "direct", "role_type": "head_of_state",
                                         "affiliation": "XXX", "mentions": [name.strip(), "Nobody Here"]} for actor, name in actors]
                       + [{"actor_id": "not-in-registry", "participation": "direct", "mentions": []}],
                       "stance": [{"holder": actor, "target": "sanctions_on_russia", "label": "favor"} for actor, _ in actors[:1]]})


class FakeEndpoint:
    """A chat-completions server whose answer depends on the document and the attempt (the number of
    earlier answers in the conversation): ``script[document_id]`` lists one behaviour per attempt, the
    last one repeating; documents not in the script get good answers. "slow" (2 s) and "busy" (HTTP 500)
    apply the first time a request body is seen, "down" (HTTP 500) always. Every request body's SHA-256 (as the
    client computes its cache key) is recorded in ``seen``."""

    def __init__(self, script: dict | None = None, delay: float = 0.0):
        self.script, self.delay, self.seen = script or {}, delay, []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = sha256_text(canonical_json(body))
                first_sight = key not in endpoint.seen
                endpoint.seen.append(key)
                messages = body["messages"]
                document = DOCUMENT_ID.search(messages[1]["content"]).group(1)
                steps = endpoint.script.get(document, ["good"])
                step = steps[min((len(messages) - 2) // 2, len(steps) - 1)]
                if step in ("slow", "busy") and not first_sight:
                    step = "good"  # slow or busy the first time a request is seen only
                time.sleep(endpoint.delay + (2.0 if step == "slow" else 0.0))
                if step in ("busy", "down"):
                    return self._send(500, b'{"error": "overloaded"}')
                if step == "not-a-completion":
                    return self._send(200, b"<html>gateway</html>")
                content = {"good": good_answer(messages),
                           "fenced": "```json\n" + good_answer(messages) + "\n```",
                           "prose": "Sure! The document reports a call.", "no-scope": '{"topics": []}'}[step]
                completion = {"id": "x", "object": "chat.completion", "model": body["model"],
                              "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}
                self._send(200, json.dumps(completion).encode())

            def _send(self, status: int, payload: bytes):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def chat_repo(repo):
    shutil.copytree(REPO / "docs", repo / "docs", ignore=shutil.ignore_patterns("*.png"))
    return repo


def document(doc_id: str, text_key: str = "test-en-call1") -> dict:
    _, _, language, _, title, text = TINY_TEXTS[text_key]
    return {"id": doc_id, "language": language, "source": "whitehouse.gov", "title": title, "text": text, "date": "2022-03-01"}


def test_prompt_holds_the_taxonomy_the_guidelines_and_the_registry_actors_named(chat_repo):
    prompt = system_prompt()
    assert "## 2. Scope" in prompt and "## 5. Stance" in prompt and "## 6. Topics" in prompt
    assert "## 8. Drafts" not in prompt and "## Changelog" not in prompt and "*(1.1)*" not in prompt
    assert "- sanctions_on_russia (" in prompt and "- military_aid:" in prompt
    user = user_prompt(document("test-en-x1"), max_chars=40)
    assert "- joe-biden: Joe Biden (USA)" in user and "(the first 40 of" in user


def test_answers_are_repaired_retried_or_counted_empty_and_cached(chat_repo, tmp_path):
    script = {"test-en-fenced": ["fenced"], "test-en-prose": ["prose", "good"], "test-en-broken": ["prose", "no-scope", "not-a-completion"],
              "test-en-slow": ["slow"], "test-en-busy": ["busy"]}
    documents = [document(doc_id) for doc_id in ("test-en-good", *script)] + [document("test-uk-good", "test-uk-note1")]
    with FakeEndpoint(script) as endpoint:
        system = ChatSystem(base_url=endpoint.base_url, model="fake-7b", temperature=0.3, timeout=1.0, backoff=0.0,
                            cache=str(tmp_path / "cache"))
        predictions = system.predict(documents)
        first_requests = len(endpoint.seen)
        assert system.predict(documents) == predictions  # a rerun is answered from the cache
        assert len(endpoint.seen) == first_requests
    by_id = {p["document_id"]: p for p in predictions}
    assert [p["document_id"] for p in predictions] == [d["id"] for d in documents]
    for prediction in predictions:
        require_valid("prediction", prediction, prediction["document_id"])
    text = documents[0]["text"]
    good = by_id["test-en-good"]
    assert good["topics"] == ["sanctions"]  # the unknown topic was dropped
    biden = next(p for p in good["participants"] if p["actor_id"] == "joe-biden")
    assert [text[m["start"]:m["end"]] for m in biden["mentions"]] == ["Joe Biden"]  # names become offsets; absent names dropped
    assert "affiliation" not in biden and biden["role_type"] == "head_of_state"  # invalid affiliation dropped
    assert "not-in-registry" not in {p["actor_id"] for p in good["participants"]}
    assert good["stance"] and all(s["holder"] in {p["actor_id"] for p in good["participants"]} for s in good["stance"])
    for repaired in ("test-en-fenced", "test-en-prose", "test-en-slow", "test-en-busy"):
        assert by_id[repaired] == dict(good, document_id=repaired)
    assert by_id["test-en-broken"] == {"document_id": "test-en-broken", "in_scope": False, "participants": [], "stance": [], "topics": []}
    record = read_json(tmp_path / "cache" / "runs" / "fake-7b.json")
    assert record["endpoint"] == endpoint.base_url + "/chat/completions" and record["model"] == "fake-7b" and record["temperature"] == 0.3
    assert record["counts"]["documents_counted_empty"] == 1 and record["counts"]["answers_from_cache"] == first_requests - 2  # 2 not cached: slow and HTTP 500


def test_an_endpoint_that_keeps_failing_stops_the_run_with_a_message(chat_repo, tmp_path):
    with FakeEndpoint({"test-en-down": ["down"]}) as endpoint:
        system = ChatSystem(base_url=endpoint.base_url, model="m", attempts=2, backoff=0.0, cache=str(tmp_path / "c"))
        with pytest.raises(InputError, match="HTTP 500 after 2 attempts; .* rerun the same command to resume"):
            system.predict([document("test-en-first"), document("test-en-down")])
        assert len(endpoint.seen) == 3
    with pytest.raises(InputError, match="base_url"):
        ChatSystem(base_url="127.0.0.1:8000", model="m")


@pytest.fixture
def released_calls(chat_repo):
    """Release 0.1.0 of thirty invented English calls (its test split has several documents)."""
    prepare(chat_repo, "0.1.0")
    add_documents(chat_repo, calls("wh-en-a", 30))
    assert main(["release", "create", "--bump", "minor", "--date", "2026-11-21"]) == 0
    return chat_repo


def evaluate_command(base_url: str, cache, out, predictions) -> list[str]:
    return [sys.executable, "-c", "import sys; from readouts.cli import main; sys.exit(main())", "evaluate",
            "--model", "readouts.systems.chat:ChatSystem", "--model-arg", f"base_url={base_url}", "--model-arg", "model=fake-7b",
            "--model-arg", f"cache={cache}", "--model-arg", "temperature=0.2", "--model-arg", "api_key_env=NOT_A_REAL_KEY_VARIABLE",
            "--release", "v0.1.0", "--split", "test", "--n-resamples", "20",
            "--save-predictions", str(predictions), "--out", str(out)]


def test_evaluate_runs_end_to_end_resumes_after_kill_9_and_its_predictions_validate(released_calls, tmp_path):
    gold = gold_set_from_release("v0.1.0", "test")
    assert len(gold.document_ids) >= 4
    cache, out, predictions = tmp_path / "cache", tmp_path / "results.json", tmp_path / "predictions.jsonl"
    with FakeEndpoint(delay=0.3) as endpoint:
        process = subprocess.Popen(evaluate_command(endpoint.base_url, cache, out, predictions), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=os.environ.copy())
        deadline = time.monotonic() + 60
        while len(endpoint.seen) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
        process.stderr.close()
        cached = {path.stem for path in (cache / "answers").rglob("*.json")}
        assert 2 <= len(cached) < len(gold.document_ids) and not out.exists()  # killed mid-run
        endpoint.seen.clear()
        endpoint.delay = 0.0
        done = subprocess.run(evaluate_command(endpoint.base_url, cache, out, predictions), capture_output=True, text=True,
                              env=os.environ.copy(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert not cached & set(endpoint.seen)  # nothing cached before the kill was asked again
    # at most the documents that had no cached answer are asked again (the harness's own resume file may
    # hold some of them already, so fewer is fine; every document is still scored, below)
    assert 0 < len(endpoint.seen) <= len(gold.document_ids) - len(cached)
    results = read_json(out)
    assert results["documents"]["missing"] == 0 and results["documents"]["scored"] == len(gold.document_ids)
    # the results say which endpoint, model and temperature produced them, and never carry a credential
    assert results["system"]["model"] == "readouts.systems.chat:ChatSystem"
    arguments = results["system"]["arguments"]
    assert (arguments["base_url"], arguments["model"], arguments["temperature"]) == (endpoint.base_url, "fake-7b", 0.2)
    assert arguments["api_key_env"] == "<redacted>" and "NOT_A_REAL_KEY_VARIABLE" not in out.read_text()
    assert results["metrics"]["participants.f1"]["value"] > 0
    submission = read_submission(predictions, gold, warn=pytest.fail)
    assert not submission.missing
    for number, line in enumerate(predictions.read_text(encoding="utf-8").splitlines(), 1):
        require_valid("prediction", json.loads(line), f"{predictions}:{number}")
