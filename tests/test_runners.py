"""Running systems: --model in a child process from the working folder, --command per batch, bounded
output, process-group timeouts, predictions saved as they come and resumed after kill -9."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import as_prediction
from readouts.cli import main
from readouts.store import save_annotation

EVAL = ["--gold-set", "gold", "--n-resamples", "10"]


@pytest.fixture
def gold_folder(repo, tiny_gold, tmp_path, monkeypatch):
    for annotation in tiny_gold.values():
        save_annotation(annotation)
    monkeypatch.chdir(tmp_path)
    return repo / "annotations" / "gold"


def _module(tmp_path: Path, name: str, body: str) -> str:
    (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")
    return name


SCOPE_MODEL = """
class Scope:
    def __init__(self, word="call"):
        self.word = word
    def predict(self, documents):
        print("loading weights...")  # must not reach stdout
        return [{"document_id": d["id"], "in_scope": self.word in d["text"]} for d in documents]
"""


def test_model_imports_from_the_working_folder_and_its_prints_do_not_corrupt_json(gold_folder, tmp_path, capsys):
    _module(tmp_path, "scope_model", SCOPE_MODEL)
    assert main(["evaluate", "--model", "scope_model:Scope", "--json", *EVAL]) == 0
    results = json.loads(capsys.readouterr().out)  # stdout is the results JSON and nothing else
    assert results["predictions"]["source"] == "model scope_model:Scope"


@pytest.mark.parametrize("body,args,message", [
    (SCOPE_MODEL, ["--model-arg", "colour=red"], "cannot create Scope with --model-arg {'colour': 'red'}"),
    ("class Empty:\n    def predict(self, documents):\n        return []\n", [],
     "--model empty_model:Empty: returned no prediction for batch 1"),
    ("class Boom:\n    def predict(self, documents):\n        raise RuntimeError('out of memory')\n", [], "RuntimeError: out of memory"),
    ("class Slow:\n    def predict(self, documents):\n        import time; time.sleep(60)\n", ["--timeout", "1"], "no answer within 1 s"),
    ("class NoPredict:\n    pass\n", [], "has no predict(documents) method"),
])
def test_model_failures_are_messages_that_blame_the_model(gold_folder, tmp_path, capsys, body, args, message):
    name = {"class Empty": "empty_model"}.get(body[:11], "bad_model")
    _module(tmp_path, name, body)
    spec = f"{name}:{body.split('class ')[1].split(':')[0].split('(')[0]}"
    assert main(["evaluate", "--model", spec, *args, *EVAL]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback (most recent call last)" not in err
    assert "/tmp/readouts-" not in err  # never a temporary file the user cannot open


def test_command_timeout_kills_the_whole_process_group(gold_folder, tmp_path, capsys):
    pid_file = tmp_path / "grandchild.pid"
    script = tmp_path / "spawner.py"
    script.write_text(f"import subprocess, time\np = subprocess.Popen(['sleep', '60'])\n"
                      f"open({str(pid_file)!r}, 'w').write(str(p.pid))\ntime.sleep(60)\n", encoding="utf-8")
    assert main(["evaluate", "--command", f"{sys.executable} {script}", "--timeout", "2", *EVAL]) == 2
    assert "no answer within 2 s" in capsys.readouterr().err
    grandchild = int(pid_file.read_text())
    for _ in range(50):  # bounded: the kill is immediate, reaping by init may take a moment
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{grandchild}/stat").read_text().split()[2] == "Z":
            break  # killed, waiting to be reaped
        time.sleep(0.1)
    else:
        os.kill(grandchild, signal.SIGKILL)
        pytest.fail("the grandchild survived the timeout")


def test_command_output_is_bounded(gold_folder, tmp_path, capsys, monkeypatch):
    import readouts.evaluation.runners

    monkeypatch.setattr(readouts.evaluation.runners, "MAX_LINE_BYTES", 10_000)
    script = tmp_path / "flood.py"
    script.write_text("import sys\nsys.stdout.write('x' * 10_000_000)\n", encoding="utf-8")
    assert main(["evaluate", "--command", f"{sys.executable} {script}", *EVAL]) == 2
    assert "longer than 10,000 bytes" in capsys.readouterr().err


def test_save_predictions_is_written_only_when_valid(gold_folder, tiny_gold, tmp_path, capsys):
    saved = tmp_path / "saved.jsonl"
    saved.write_text("previous valid run\n", encoding="utf-8")
    script = tmp_path / "half_bad.py"
    script.write_text("import json, sys\nfor line in sys.stdin:\n    d = json.loads(line)\n"
                      "    print(json.dumps({'document_id': d['id'], 'topics': ['cooking' if d['language'] == 'ru' else 'sanctions']}))\n",
                      encoding="utf-8")
    assert main(["evaluate", "--command", f"{sys.executable} {script}", "--batch-size", "1",
                 "--save-predictions", str(saved), *EVAL]) == 2
    assert "unknown topic 'cooking'" in capsys.readouterr().err
    assert saved.read_text() == "previous valid run\n"
    kept = Path(str(saved) + ".partial").read_text().splitlines()
    assert len(kept) == 2  # the valid batches before the Russian document (ids in sorted order: en, en, ru, uk)


SLOW_COMMAND = """
import json, os, sys, time
with open({log!r} + ".pids", "a") as pids:
    pids.write(str(os.getpid()) + "\\n")
with open({log!r}, "a") as log:
    for line in sys.stdin:
        document = json.loads(line)
        log.write(document["id"] + "\\n")
        log.flush()
        time.sleep({pause})
        print(json.dumps({{"document_id": document["id"], "in_scope": True}}), flush=True)
"""


def _wait_for_exit(pid_file: Path, seconds: float = 30) -> None:
    """Wait (bounded) until every process listed in ``pid_file`` has exited."""
    pids = [int(line) for line in pid_file.read_text().split()] if pid_file.exists() else []
    deadline = time.monotonic() + seconds
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)


def test_a_run_killed_with_sigkill_resumes_where_it_stopped(gold_folder, tmp_path):
    log, saved = tmp_path / "asked.txt", tmp_path / "saved.jsonl"
    partial = Path(str(saved) + ".partial")
    script = tmp_path / "slow.py"
    script.write_text(SLOW_COMMAND.format(log=str(log), pause=0.5), encoding="utf-8")
    readouts = [str(Path(sys.executable).parent / "readouts"), "evaluate", "--command", f"{sys.executable} {script}",
                "--batch-size", "1", "--save-predictions", str(saved), *EVAL]
    first = subprocess.Popen(readouts, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1200):  # bounded wait (60 s) for two saved batches
            if partial.exists() and len(partial.read_text().splitlines()) >= 2:
                break
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(timeout=30)
    _wait_for_exit(Path(str(log) + ".pids"))  # a command the killed run started may still log the document it read
    done = partial.read_text().splitlines()
    assert 2 <= len(done) < 4 and not saved.exists()
    script.write_text(SLOW_COMMAND.format(log=str(log), pause=0), encoding="utf-8")
    asked_before = log.read_text().splitlines()
    second = subprocess.run(readouts, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert f"resuming: {len(done)} of 4 documents already predicted" in second.stderr
    asked_after = log.read_text().splitlines()[len(asked_before):]
    all_ids = {"test-en-call1", "test-en-other1", "test-ru-note1", "test-uk-note1"}
    assert sorted(asked_after) == sorted(all_ids - {json.loads(line)["document_id"] for line in done})
    assert len(saved.read_text().splitlines()) == 4 and not partial.exists()


def test_a_line_cut_short_by_a_kill_is_dropped_and_asked_again(gold_folder, tiny_gold, tmp_path, capsys):
    saved = tmp_path / "saved.jsonl"
    first = as_prediction(tiny_gold["test-en-call1"])
    Path(str(saved) + ".partial").write_text(json.dumps(first) + '\n{"document_id": "test-en-oth', encoding="utf-8")
    script = tmp_path / "scope.py"
    script.write_text("import json, sys\nfor line in sys.stdin:\n    print(json.dumps({'document_id': json.loads(line)['id']}))\n",
                      encoding="utf-8")
    assert main(["evaluate", "--command", f"{sys.executable} {script}", "--save-predictions", str(saved), *EVAL]) == 0
    assert "resuming: 1 of 4 documents already predicted" in capsys.readouterr().err
    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    assert lines[0] == first and sorted(r["document_id"] for r in lines[1:]) == ["test-en-other1", "test-ru-note1", "test-uk-note1"]
