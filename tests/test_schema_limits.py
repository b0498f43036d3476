"""Schema lists are bounded and uniqueness is checked in linear time, so a hostile line is refused, not
validated for minutes (timings: benchmarks/bench_large_lines.py)."""

import json

import pytest

from readouts.errors import InputError
from readouts.schema import schema_problems
from readouts.evaluation.submission import read_submission


def test_a_huge_line_of_unhashable_items_is_refused(gold_set, tmp_path):
    """20,000 distinct objects as topics: jsonschema's own uniqueItems compared them pairwise (minutes)."""
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps({"document_id": "test-en-call1", "topics": [{"n": i} for i in range(20_000)]}) + "\n")
    with pytest.raises(InputError, match=r"hostile\.jsonl:1: \$\.topics: 20,000 items; at most 100 are allowed"):
        read_submission(path, gold_set)


@pytest.mark.parametrize("topics, unique", [
    ([{"a": 1}, {"a": 1.0}], False),        # 1 and 1.0 are the same JSON number
    ([{"a": 1, "b": 2}, {"b": 2, "a": 1}], False),  # key order does not matter
    ([1, True], True), ([0, False], True), ([None, False], True),
    ([[1, 2], [2, 1]], True), (["x", "y", "x"], False),
])
def test_unique_items_follows_json_schema_equality(topics, unique):
    problems = [p for p in schema_problems("prediction", {"document_id": "test-en-a", "topics": topics}, "x")
                if "repeats" in p.message]
    assert (not problems) == unique


@pytest.mark.parametrize("schema", ["prediction", "annotation", "document", "actors", "taxonomy", "settings", "submission-metadata"])
def test_every_list_in_every_schema_is_bounded(schema):
    from readouts.schema import load_schema

    def arrays(node):
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "array" or (isinstance(kind, list) and "array" in kind):
                yield node
            for value in node.values():
                yield from arrays(value)
        elif isinstance(node, list):
            for value in node:
                yield from arrays(value)

    found = list(arrays(load_schema(schema)))
    assert found and all("maxItems" in node for node in found)


@pytest.mark.parametrize("document_id", ["test-en-call1\n", "test-en-call1\x00", "test-en-\ncall1"])
def test_an_id_with_a_newline_or_nul_does_not_match_the_id_pattern(document_id):
    problems = schema_problems("prediction", {"document_id": document_id}, "x")
    assert any(p.path == "$.document_id" for p in problems), problems
