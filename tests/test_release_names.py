"""One canonical release name, vX.Y.Z: accepted in both forms, printed and recorded canonically; --help
marks required options."""

import pytest

from readouts.cli import all_parsers, build_parser
from readouts.releases import normalise_version, release_name
from readouts.schema import schema_problems


@pytest.mark.parametrize("typed", ["0.2.0", "v0.2.0"])
def test_both_forms_name_one_release(typed):
    assert release_name(typed) == "v0.2.0" and normalise_version(typed) == "0.2.0"


def test_submission_metadata_names_the_canonical_form():
    problems = schema_problems("submission-metadata", {"release": "0.2.0"}, "metadata.json")
    assert "metadata.json: $.release: '0.2.0' is not in the expected form, e.g. 'v0.2.0'" in [str(p) for p in problems]


def test_help_marks_every_required_option():
    required = [(parser.prog, action) for parser in all_parsers(build_parser()) for action in parser._actions
                if action.required and action.option_strings]
    assert any(prog == "readouts baseline train" and "--release" in action.option_strings for prog, action in required)
    assert all(action.help.endswith("(required)") for _, action in required)


def test_baseline_help_shows_release_required(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["baseline", "train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--release RELEASE dataset release" in help_text and "(annotations/releases/) (required)" in help_text
