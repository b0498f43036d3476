"""Reading submissions: every class of bad input gives an InputError naming file, line and JSON path
(exit 2 through the CLI, never a traceback), and mutated submissions never raise anything else."""

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import as_prediction, build_gold_set, write_jsonl
from readouts.errors import InputError
from readouts.evaluation.submission import read_submission


@pytest.fixture
def valid(tiny_gold) -> list[dict]:
    return [as_prediction(annotation) for annotation in tiny_gold.values()]


def test_valid_submission_reads(gold_set, valid, tmp_path):
    submission = read_submission(write_jsonl(tmp_path / "p.jsonl", valid), gold_set)
    assert sorted(submission.predictions) == gold_set.document_ids
    assert submission.missing == [] and submission.ignored == []


def test_missing_documents_are_listed(gold_set, valid, tmp_path):
    submission = read_submission(write_jsonl(tmp_path / "p.jsonl", valid[:2]), gold_set)
    assert submission.missing == sorted(gold_set.document_ids[i] for i in range(4) if gold_set.document_ids[i] not in
                                        {valid[0]["document_id"], valid[1]["document_id"]})


def _bad(gold_set, tmp_path, text: str, pattern: str):
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_submission(path, gold_set)
    message = str(caught.value)
    assert str(path) in message
    assert re.search(pattern, message), message
    return message


def _line(record) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _mutated(valid, index, change):
    records = copy.deepcopy(valid)
    change(records[index])
    return "".join(_line(r) for r in records)


def test_invalid_json(gold_set, tmp_path, valid):
    _bad(gold_set, tmp_path, _line(valid[0]) + '{"document_id": \n', r":2: invalid JSON")


def test_nan_and_infinity(gold_set, tmp_path):
    _bad(gold_set, tmp_path, '{"document_id": "test-en-call1", "participants": [{"actor_id": "joe-biden", "participation": "direct", '
                             '"mentions": [{"start": NaN, "end": 3}]}]}\n', r":1: invalid JSON: NaN")
    _bad(gold_set, tmp_path, '{"document_id": "test-en-call1", "x": Infinity}\n', r":1: invalid JSON: Infinity")


def test_empty_file(gold_set, tmp_path):
    _bad(gold_set, tmp_path, "", r"empty submission")
    _bad(gold_set, tmp_path, "\n  \n", r"empty submission")


def test_huge_line_is_refused_without_parsing(gold_set, tmp_path):
    from readouts.jsonio import MAX_LINE_BYTES

    _bad(gold_set, tmp_path, '{"document_id": "test-en-call1", "topics": ["' + "x" * MAX_LINE_BYTES + '"]}\n',
         rf":1: line longer than {MAX_LINE_BYTES:,} bytes")


@pytest.mark.parametrize("change,pattern", [
    (lambda r: r.update(in_scope="yes"), r":2: \$\.in_scope: 'yes' is not of type 'boolean'"),
    (lambda r: r.update(topics="sanctions"), r":2: \$\.topics: 'sanctions' is not of type 'array'"),
    (lambda r: r.update(extra=1), r":2: \$: Additional properties"),
    (lambda r: r["participants"][0]["mentions"][0].update(start="0"), r":2: \$\.participants\[0\]\.mentions\[0\]\.start: '0' is not of type 'integer'"),
    (lambda r: r["participants"][0]["mentions"][0].update(start=1.5), r":2: \$\.participants\[0\]\.mentions\[0\]\.start: 1\.5 is not of type 'integer'"),
    (lambda r: r["stance"][0].update(label="support"), r":2: \$\.stance\[0\]\.label: 'support' is not one of"),
    (lambda r: r.pop("document_id"), r":2: \$: 'document_id' is a required property"),
])
def test_wrong_types(gold_set, tmp_path, valid, change, pattern):
    _bad(gold_set, tmp_path, _mutated(valid, 1, change), pattern)


def test_not_an_object(gold_set, tmp_path, valid):
    _bad(gold_set, tmp_path, _line(valid[0]) + "[1, 2]\n", r":2: \$: \[1, 2\] is not of type 'object'")


def test_duplicate_document(gold_set, tmp_path, valid):
    _bad(gold_set, tmp_path, _line(valid[0]) + _line(valid[1]) + _line(valid[0]), r":3: \$\.document_id: duplicate document id .* \(first on line 1\)")


def test_unknown_document(gold_set, tmp_path, valid):
    _bad(gold_set, tmp_path, _line(valid[0]) + _line({"document_id": "test-en-nosuchdoc"}), r":2: \$\.document_id: unknown document 'test-en-nosuchdoc'")


def test_document_of_another_split_is_ignored_with_a_warning(repo, tiny_documents, tiny_gold, tmp_path, valid):
    gold = build_gold_set(tiny_documents, {k: v for k, v in tiny_gold.items() if k != "test-ru-note1"})
    warnings = []
    submission = read_submission(write_jsonl(tmp_path / "p.jsonl", valid), gold, warn=warnings.append)
    assert "test-ru-note1" not in submission.predictions and submission.ignored == ["test-ru-note1"]
    assert len(warnings) == 1 and "ignored 1 predictions" in warnings[0]


@pytest.mark.parametrize("change,pattern", [
    (lambda r: r["participants"][0]["mentions"][0].update(start=5, end=5), r"mentions\[0\]: empty or reversed span \[5, 5\)"),
    (lambda r: r["participants"][0]["mentions"][0].update(start=9, end=4), r"mentions\[0\]: empty or reversed span"),
    (lambda r: r["participants"][0]["mentions"][0].update(start=0, end=10_000), r"mentions\[0\]: span \[0, 10000\) is outside the text \(\d+ characters\)"),
    (lambda r: r["stance"][0].update(evidence=[{"start": 0, "end": 10_000}]), r"\$\.stance\[0\]\.evidence\[0\]: span .* is outside the text"),
    (lambda r: r["participants"][0].update(actor_id="nobody-known"), r"\$\.participants\[0\]\.actor_id: unknown actor 'nobody-known'"),
    (lambda r: r["participants"].append(copy.deepcopy(r["participants"][0])), r"\$\.participants\[2\]\.actor_id: actor .* is listed twice"),
    (lambda r: r["participants"][0].update(role_type="king"), r"\$\.participants\[0\]\.role_type: unknown role type 'king'"),
    (lambda r: r["participants"][0].update(affiliation="XXX"), r"\$\.participants\[0\]\.affiliation: 'XXX' is neither"),
    (lambda r: r["stance"][0].update(holder="nobody-known"), r"\$\.stance\[0\]\.holder: unknown actor"),
    (lambda r: r["stance"][0].update(target="the_moon"), r"\$\.stance\[0\]\.target: unknown stance target 'the_moon'"),
    (lambda r: r["stance"].append(dict(r["stance"][0], label="against")), r"\$\.stance\[1\]: a second stance"),
    (lambda r: r["topics"].append("cooking"), r"\$\.topics\[\d\]: unknown topic 'cooking'"),
])
def test_cross_field_rules(gold_set, tmp_path, valid, change, pattern):
    index = next(i for i, r in enumerate(valid) if r["document_id"] == "test-uk-note1")
    message = _bad(gold_set, tmp_path, _mutated(valid, index, change), pattern)
    assert f":{index + 1}: " in message


def test_bad_submission_through_the_cli_exits_2_without_traceback(repo, tiny_gold, tmp_path, capsys, valid):
    from readouts.cli import main
    from readouts.store import save_annotation

    for annotation in tiny_gold.values():
        save_annotation(annotation)
    path = tmp_path / "bad.jsonl"
    path.write_text(_line(valid[0]) + "{oops\n", encoding="utf-8")
    assert main(["evaluate", str(path), "--gold-set", "gold", "--n-resamples", "10"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: invalid JSON" in err and "Traceback" not in err


# --- Property-based: mutated submissions raise InputError with a line number, never anything else ----

def _problem_lines(message: str) -> list[str]:
    """The problems of a message: the whole message when there is one, else the lines under its heading."""
    lines = message.splitlines()
    return lines if len(lines) == 1 else [line.strip() for line in lines[1:] if not line.strip().startswith("... and")]


JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                        st.text(max_size=5), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _paths(value, prefix=()):
    """Every JSON path into ``value`` (as tuples of keys and indexes)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def _replace(record, path, new):
    if not path:
        return new
    target = record
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_value_mutations_raise_input_error_with_a_line_number(gold_set, valid, tmp_path, data):
    records = copy.deepcopy(valid)
    index = data.draw(st.integers(0, len(records) - 1))
    paths = list(_paths(records[index]))
    path = data.draw(st.sampled_from(paths))
    records[index] = _replace(records[index], path, data.draw(JSON_VALUES))
    file = tmp_path / "mutated.jsonl"
    file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    try:
        read_submission(file, gold_set, warn=lambda message: None)
    except InputError as exc:
        problems = _problem_lines(str(exc))
        assert problems and all(re.search(rf"mutated\.jsonl:{index + 1}(:|$)", line) for line in problems), str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_text_mutations_raise_input_error_with_a_line_number(gold_set, valid, tmp_path, data):
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in valid)
    position = data.draw(st.integers(0, len(text) - 1))
    kind = data.draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
    junk = data.draw(st.text(min_size=1, max_size=3))
    text = {"delete": text[:position] + text[position + 1:], "insert": text[:position] + junk + text[position:],
            "replace": text[:position] + junk + text[position + 1:], "truncate": text[:position]}[kind]
    file = tmp_path / "mutated.jsonl"
    file.write_text(text, encoding="utf-8")
    try:
        read_submission(file, gold_set, warn=lambda message: None)
    except InputError as exc:
        assert re.search(r"mutated\.jsonl(:\d+:|: empty submission)", str(exc)), str(exc)


# --- Every problem, every line -----------------------------------------------------------------------

def test_every_problem_is_reported_up_to_a_cap_with_the_count_of_the_rest(gold_set, tmp_path, valid):
    from readouts.evaluation.submission import MAX_PROBLEMS

    bad = [{**valid[0], "document_id": f"test-en-unknown{i}"} for i in range(MAX_PROBLEMS + 10)]
    text = _line(valid[0]) + "{oops\n" + _mutated(valid, 1, lambda r: r.update(topics=["not_a_topic"])).splitlines(True)[1]
    text += "".join(_line(record) for record in bad)
    message = _bad(gold_set, tmp_path, text, rf"{MAX_PROBLEMS + 12} problems; nothing was scored")
    problems = _problem_lines(message)
    assert len(problems) == MAX_PROBLEMS and message.rstrip().endswith("... and 12 more problems")
    assert re.search(r"bad\.jsonl:2: invalid JSON", problems[0])
    assert re.search(r"bad\.jsonl:3: \$\.topics\[0\]: unknown topic 'not_a_topic'", problems[1])
    assert re.search(r"bad\.jsonl:4: \$\.document_id: unknown document 'test-en-unknown0'", problems[2])


def test_duplicate_keys_are_refused(gold_set, tmp_path, valid):
    line = _line(valid[0]).replace('{"document_id": ', '{"document_id": "test-en-unknown", "document_id": ', 1)
    _bad(gold_set, tmp_path, line, r":1: invalid JSON: duplicate key 'document_id' in one object")


def test_a_line_of_another_split_is_checked_too(repo, tiny_documents, tiny_gold, tmp_path, valid):
    gold = build_gold_set(tiny_documents, {k: v for k, v in tiny_gold.items() if k != "test-ru-note1"})
    index = next(i for i, record in enumerate(valid) if record["document_id"] == "test-ru-note1")
    records = copy.deepcopy(valid)
    records[index]["topics"] = ["not_a_topic"]
    records[index]["participants"][0]["mentions"][0]["end"] = 10_000
    with pytest.raises(InputError) as caught:
        read_submission(write_jsonl(tmp_path / "p.jsonl", records), gold)
    assert "unknown topic 'not_a_topic'" in str(caught.value) and "outside the text" in str(caught.value)


def test_an_offset_written_as_a_float_is_refused(gold_set, tmp_path, valid):
    _bad(gold_set, tmp_path, _mutated(valid, 0, lambda r: r["participants"][0]["mentions"][0].update(start=7.0)),
         r":1: \$\.participants\[0\]\.mentions\[0\]\.start: 7\.0 is not a whole number written without a decimal point")
