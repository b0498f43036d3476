"""Docs that the code points at exist, and docs/selection.md lists the selection rules as the code has them."""

import argparse
import re

from conftest import REPO
from readouts.cli import build_parser
from readouts.corpus import LEAD_CHARS, SELECTION_RULES


def _help_texts(parser: argparse.ArgumentParser):
    yield parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _help_texts(sub)


def test_every_doc_named_in_help_exists():
    """Before: `corpus select --help` cited docs/selection.md, which did not exist."""
    named = {name for text in _help_texts(build_parser()) for name in re.findall(r"docs/[\w-]+\.md", text)}
    assert "docs/selection.md" in named
    assert [name for name in sorted(named) if not (REPO / name).is_file()] == []


def test_help_examples_name_only_existing_releases():
    releases = {path.name.split(".json")[0] for path in (REPO / "annotations" / "releases").glob("v*.json")}
    for text in _help_texts(build_parser()):
        for version in re.findall(r"--release (v?\d+\.\d+\.\d+)", text):
            assert "v" + version.lstrip("v") in releases, f"--help names release {version}, which does not exist"


def test_selection_doc_lists_every_rule_as_the_code_has_it():
    doc = (REPO / "docs" / "selection.md").read_text(encoding="utf-8")
    rows = {match[0]: match for match in re.findall(r"^\| `([\w-]+)` \| (\w+) \| `(.+)` \| (.+) \|$", doc, flags=re.M)}
    assert set(rows) == {rule.id for rule in SELECTION_RULES}
    for rule in SELECTION_RULES:
        _, language, pattern, why = rows[rule.id]
        assert (language, pattern.replace("\\|", "|"), why) == (rule.language, rule.pattern, rule.why)
    assert f"first\n{LEAD_CHARS} characters" in doc or f"first {LEAD_CHARS} characters" in doc
