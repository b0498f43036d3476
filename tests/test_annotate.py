"""``readouts annotate``: set names stay inside annotations/, one draft per document, an unread pre-label
is never accepted silently, and a batch is written all-or-nothing, even when the process is killed."""

import json
import subprocess
import sys

import pytest

from readouts.cli import main

HUMAN = ["--annotator-id", "tester", "--annotator-kind", "human"]


def _leader(actor_id: str, office: str, *mentions: str) -> dict:
    return {"actor_id": actor_id, "office": office, "role_type": "head_of_state", "participation": "direct", "mentions": list(mentions)}


def _drafts(tiny_documents) -> dict[str, dict]:
    """Hand-written drafts of the three in-scope invented documents (none equals the pre-annotator's proposal)."""
    en, uk, ru = tiny_documents[:3]
    return {
        en["id"]: {"document_id": en["id"], "in_scope": True,
                   "contacts": [{"type": "phone_call", "participants": ["joe-biden", "volodymyr-zelenskyy"]}],
                   "participants": [_leader("joe-biden", "President of the United States", "Joe Biden", "Biden"),
                                    _leader("volodymyr-zelenskyy", "President of Ukraine", "Volodymyr Zelenskyy", "Zelenskyy")],
                   "stance": [{"holder": "joe-biden", "target": "sanctions_on_russia", "label": "favor", "evidence": ["sanctions"]}],
                   "topics": ["military_aid", "sanctions"]},
        uk["id"]: {"document_id": uk["id"], "in_scope": True,
                   "contacts": [{"type": "phone_call", "participants": ["volodymyr-zelenskyy", "emmanuel-macron"]}],
                   "participants": [_leader("volodymyr-zelenskyy", "President of Ukraine", "Володимир Зеленський", "Зеленський"),
                                    _leader("emmanuel-macron", "", "Емманюелем Макроном")],
                   "stance": [], "topics": ["bilateral_cooperation"]},
        ru["id"]: {"document_id": ru["id"], "in_scope": True,
                   "contacts": [{"type": "in_person_meeting", "participants": ["vladimir-putin", "alexander-lukashenko"]}],
                   "participants": [_leader("vladimir-putin", "President of Russia", "Владимир Путин"),
                                    _leader("alexander-lukashenko", "President of Belarus", "Александром Лукашенко")],
                   "stance": [], "topics": ["energy_security"]},
    }


@pytest.fixture
def draft_files(repo, tmp_path, tiny_documents) -> list[str]:
    folder = tmp_path / "drafts"
    folder.mkdir()
    paths = []
    for doc_id, draft in _drafts(tiny_documents).items():
        path = folder / f"{doc_id}.json"
        path.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    return paths


def _everything_under(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_batch_is_written_and_a_bad_draft_writes_nothing(repo, draft_files, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**json.loads(open(draft_files[0]).read()), "topics": ["weather"]}), encoding="utf-8")
    worse = tmp_path / "worse.json"
    worse.write_text(json.dumps({**json.loads(open(draft_files[2]).read()), "in_scope": "yes"}), encoding="utf-8")
    assert main(["annotate", str(bad), draft_files[1], str(worse), *HUMAN]) == 2
    err = capsys.readouterr().err  # every failing draft is reported, not only the first
    assert "bad.json: $.topics[0]: unknown topic 'weather'" in err and "worse.json: $.in_scope: 'yes' is not of type 'boolean'" in err
    assert "nothing written: 2 of 3 drafts have problems" in err
    assert _everything_under(repo / "annotations" / "gold") == []
    assert main(["annotate", *draft_files, *HUMAN]) == 0
    assert len(list((repo / "annotations" / "gold").glob("*.json"))) == 3
    assert [p.name for p in (repo / "annotations").iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")] == []


def test_two_drafts_of_one_document_are_refused(repo, draft_files, tmp_path, capsys):
    twin = tmp_path / "twin.json"
    twin.write_text(open(draft_files[0]).read(), encoding="utf-8")
    assert main(["annotate", draft_files[0], str(twin), *HUMAN]) == 2
    err = capsys.readouterr().err
    assert "twin.json: $.document_id: 'test-en-call1' is also the document of" in err and "one draft per document" in err
    assert _everything_under(repo / "annotations" / "gold") == []


@pytest.mark.parametrize("set_name", ["../../outside", "../gold2", "ABSOLUTE", "releases", "gold/../../x", ".hidden", "", "gold\x00", "x" * 5000])
def test_set_outside_annotations_is_refused(repo, draft_files, set_name, capsys):
    set_name = set_name.replace("ABSOLUTE", str(repo.parent / "absolute"))
    before = _everything_under(repo.parent)
    assert main(["annotate", draft_files[0], *HUMAN, "--set", set_name]) == 2
    assert "annotation set" in capsys.readouterr().err
    assert _everything_under(repo.parent) == before


def test_set_leading_outside_through_a_symbolic_link_is_refused(repo, draft_files, tmp_path, capsys):
    (repo / "annotations" / "elsewhere").symlink_to(tmp_path)
    assert main(["annotate", draft_files[0], *HUMAN, "--set", "elsewhere"]) == 2
    assert "leads outside annotations/" in capsys.readouterr().err


@pytest.mark.parametrize("spelling", ["./gold", "gold/", "agreement/../gold"])
def test_any_spelling_of_gold_keeps_the_prelabel_rule(repo, draft_files, spelling, capsys):
    args = ["annotate", draft_files[0], "--annotator-id", "p", "--annotator-kind", "model-prelabel", "--set", spelling]
    assert main(args) == 2
    assert "a pre-label is not gold" in capsys.readouterr().err
    assert _everything_under(repo / "annotations") == ["actors.json", "gold"]


def test_other_sets_are_written_under_their_normalised_name(repo, draft_files):
    assert main(["annotate", draft_files[0], *HUMAN, "--set", "./agreement/round3//pass1/"]) == 0
    assert (repo / "annotations" / "agreement" / "round3" / "pass1" / "test-en-call1.json").is_file()


def test_unchanged_prelabel_draft_needs_accept_prelabel(repo, tmp_path, capsys):
    assert main(["prelabel", "test-en-call1", "--drafts", str(tmp_path / "d")]) == 0
    draft = str(tmp_path / "d" / "test-en-call1.json")
    assert main(["annotate", draft, *HUMAN]) == 2
    assert "identical to the pre-annotator's output" in capsys.readouterr().err
    assert not (repo / "annotations" / "gold" / "test-en-call1.json").exists()
    assert main(["annotate", draft, *HUMAN, "--accept-prelabel"]) == 0
    assert "warning:" in capsys.readouterr().err
    saved = json.loads((repo / "annotations" / "gold" / "test-en-call1.json").read_text())
    assert saved["provenance"]["prelabel"] == "readouts-prelabel-1.0"
    assert "accepted the pre-label unchanged" in saved["provenance"]["history"][-1]["action"]


def test_out_of_scope_from_scratch_needs_no_flag_but_from_the_prelabel_does(repo, tmp_path, capsys):
    """An empty out-of-scope judgement equals the pre-label by coincidence; declared as started from the
    pre-label (--prelabel), it is the unread-pre-label case again."""
    draft = tmp_path / "test-en-other1.json"
    draft.write_text(json.dumps({"document_id": "test-en-other1", "in_scope": False, "contacts": [], "participants": [],
                                 "stance": [], "topics": [], "notes": "a greeting, no contact"}))
    assert main(["annotate", str(draft), *HUMAN, "--prelabel", "readouts-prelabel-1.0"]) == 2
    assert "identical to the pre-annotator's output" in capsys.readouterr().err
    assert main(["annotate", str(draft), *HUMAN]) == 0


def test_a_corrected_prelabel_draft_needs_no_flag(repo, tmp_path):
    assert main(["prelabel", "test-en-call1", "--drafts", str(tmp_path / "d")]) == 0
    path = tmp_path / "d" / "test-en-call1.json"
    draft = json.loads(path.read_text())
    draft["topics"] = ["sanctions"]
    path.write_text(json.dumps(draft))
    assert main(["annotate", str(path), *HUMAN]) == 0


KILLER = """
import os, signal, sys
{target}
calls = [0]
original = target.{function}
def dying(*args, **kwargs):
    counted = {counted}
    calls[0] += counted
    if {after}:
        result = original(*args, **kwargs)
    if counted and calls[0] == {at}:
        os.kill(os.getpid(), signal.SIGKILL)
    return result if {after} else original(*args, **kwargs)
target.{function} = dying
from readouts.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _killed(argv, target, function, at, after=False, counted="True") -> int:
    """Run ``readouts ARGV`` in a process that kills itself (SIGKILL) at the ``at``-th counted call of ``function``."""
    script = KILLER.format(target=target, function=function, at=at, after=after, counted=counted)
    return subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, timeout=120).returncode


def test_a_kill_while_writing_leaves_the_set_as_it_was_and_no_temporary_file(repo, draft_files):
    gold = repo / "annotations" / "gold"
    # killed as the second file is put in place (os.replace inside the atomic file write)
    assert _killed(["annotate", *draft_files, *HUMAN], "import os as target", "replace", at=2,
                   counted="'/annotations/' in str(args[1]) and str(args[1]).endswith('.json')") == -9
    assert _everything_under(gold) == []
    assert main(["annotate", *draft_files, *HUMAN]) == 0  # the next call cleans up and writes all
    assert len(_everything_under(gold)) == 3
    assert sorted(p.name for p in gold.parent.iterdir()) == [".gold.lock", "actors.json", "gold"]


def test_a_kill_just_after_the_exchange_leaves_the_new_set(repo, draft_files, tiny_documents):
    gold = repo / "annotations" / "gold"
    assert main(["annotate", draft_files[0], *HUMAN]) == 0
    for path in draft_files:  # change every draft, then die right after the folders are exchanged
        draft = json.loads(open(path).read())
        draft["topics"] = ["sanctions"]
        open(path, "w").write(json.dumps(draft, ensure_ascii=False))
    assert _killed(["annotate", *draft_files, *HUMAN, "--overwrite"], "import readouts.store as target", "_exchange", at=1, after=True) == -9
    assert {json.loads(p.read_text())["topics"][0] for p in gold.glob("*.json")} == {"sanctions"}
    assert len(list(gold.glob("*.json"))) == 3
    assert main(["annotate", draft_files[0], *HUMAN, "--overwrite"]) == 0
    assert sorted(p.name for p in gold.parent.iterdir()) == [".gold.lock", "actors.json", "gold"]


def test_without_an_atomic_exchange_the_set_is_still_written_whole(repo, draft_files, monkeypatch):
    import errno
    import readouts.store as store

    def unsupported(first, second):
        raise OSError(errno.EINVAL, "not supported")
    monkeypatch.setattr(store, "_exchange", unsupported)
    assert main(["annotate", draft_files[0], *HUMAN]) == 0
    assert main(["annotate", *draft_files[1:], *HUMAN]) == 0
    assert len(list((repo / "annotations" / "gold").glob("*.json"))) == 3


def test_a_failed_exchange_is_a_message_and_leaves_the_set_as_it_was(repo, draft_files, monkeypatch, capsys):
    import errno
    import readouts.store as store

    def refused(first, second):
        raise OSError(errno.EACCES, "Permission denied")
    assert main(["annotate", draft_files[0], *HUMAN]) == 0
    before = _everything_under(repo / "annotations")
    monkeypatch.setattr(store, "_exchange", refused)
    assert main(["annotate", *draft_files[1:], *HUMAN]) == 2
    assert "gold: cannot write the annotations: Permission denied" in capsys.readouterr().err
    assert _everything_under(repo / "annotations") == before
