"""Atomic writes: symlinks are written through, permissions follow the umask or the existing file, and
unwritable destinations are a message, not a traceback."""

import os
import stat

import pytest

from readouts.errors import InputError
from readouts.jsonio import atomic_write_text, parse_json


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_file_gets_the_umask_default_not_a_private_mode(tmp_path):
    previous = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "out.txt", "x\n")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "out.txt") == 0o644


def test_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "shared.txt"
    path.write_text("old\n")
    path.chmod(0o664)
    atomic_write_text(path, "new\n")
    assert path.read_text() == "new\n" and mode(path) == 0o664


def test_symlink_is_written_through_not_replaced(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    atomic_write_text(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


@pytest.mark.parametrize("where", ["folder", "below-a-file"])
def test_unwritable_destination_is_an_input_error(tmp_path, where):
    (tmp_path / "file").write_text("")
    path = tmp_path if where == "folder" else tmp_path / "file" / "out.json"
    with pytest.raises(InputError, match="folder|cannot write"):
        atomic_write_text(path, "x")


@pytest.mark.parametrize("text, pattern", [
    ('{"a": 1, "a": 2}', "duplicate key 'a' in one object"),
    ('{"x": {"document_id": "a", "document_id": "b"}}', "duplicate key 'document_id'"),
    ("[" * 5000 + "]" * 5000, "nested more than 100 levels deep"),
    ("[" * 150 + "]" * 150, "nested more than 100 levels deep"),
    ('{"system_name": "\\ud800"}', "lone surrogate"),
    ('{"a": NaN}', "NaN is not valid JSON"),
])
def test_parse_json_refuses_with_a_message(text, pattern):
    with pytest.raises(InputError, match=pattern):
        parse_json(text, "f.json")


def test_parse_json_message_does_not_echo_a_huge_value():
    with pytest.raises(InputError) as caught:
        parse_json('{"' + "k" * 1_000_000 + '": 1, "' + "k" * 1_000_000 + '": 2}', "f.json")
    assert len(str(caught.value)) < 500
