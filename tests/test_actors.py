"""The actor registry: schema, country codes (pycountry), locked additions."""

import json

import pytest

from readouts.actors import add_actors, is_valid_affiliation, load_registry, registry_problems
from readouts.cli import main
from readouts.errors import InputError


def test_committed_registry_is_valid():
    from conftest import REPO
    path = REPO / "annotations" / "actors.json"
    assert registry_problems(json.loads(path.read_text()), str(path)) == []


@pytest.mark.parametrize("code, ok", [("UKR", True), ("USA", True), ("NATO", True), ("EU", True), ("XYZ", False), ("ukr", False), ("UK", False)])
def test_affiliations_are_iso_alpha3_or_organisations(repo, code, ok):
    assert is_valid_affiliation(code) is ok


NEW = {"id": "test-person", "names": {"en": "Test Person", "uk": "Тест Особа", "ru": "Тест Лицо"}, "country": "POL",
       "offices": [{"title": "Minister", "role_type": "other_minister", "start": "2022"}]}


def test_add_validates_sorts_and_merges_aliases(repo):
    add_actors([NEW])
    assert "test-person" in load_registry()
    with pytest.raises(InputError, match="already in"):
        add_actors([NEW])
    add_actors([{**NEW, "aliases": {"uk": ["Особою"]}}], merge_aliases=True)
    assert load_registry()["test-person"].aliases == {"uk": ["Особою"]}
    ids = [a["id"] for a in json.loads((repo / "annotations" / "actors.json").read_text())["actors"]]
    assert ids == sorted(ids)


def test_invalid_actor_leaves_registry_untouched(repo, tmp_path, capsys):
    before = (repo / "annotations" / "actors.json").read_text()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**NEW, "country": "ZZZ"}))
    assert main(["actors", "add", str(bad)]) == 2
    assert "$.actors[" in capsys.readouterr().err
    assert (repo / "annotations" / "actors.json").read_text() == before


def test_show_prints_names_aliases_and_dated_offices(repo, capsys):
    add_actors([{**NEW, "aliases": {"uk": ["Особою", "Особи"]},
                 "offices": [{"title": "Minister", "role_type": "other_minister", "start": "2022", "end": "2024-05"},
                             {"title": "Deputy Minister", "role_type": "other_minister", "start": "2019"}]}])
    assert main(["actors", "show", "test-person", "joe-biden"]) == 0
    out = capsys.readouterr().out
    for line in ("test-person  country POL", "  en: Test Person  aliases: (none)", "  uk: Тест Особа  aliases: Особою, Особи",
                 "  ru: Тест Лицо  aliases: (none)",
                 "  office 2019 to now: Deputy Minister  (role type other_minister, affiliation POL)",
                 "  office 2022 to 2024-05: Minister  (role type other_minister, affiliation POL)",
                 "joe-biden  country USA  wikidata Q6279",
                 "  office 2021-01-20 to 2025-01-20: President of the United States  (role type head_of_state, affiliation USA)"):
        assert line in out.splitlines(), out
    assert out.index("Deputy Minister") < out.index("  office 2022")


def test_show_unknown_id_suggests_actors_by_name(repo, capsys):
    assert main(["actors", "show", "zelensky"]) == 2
    assert "no actor 'zelensky' in the registry; did you mean volodymyr-zelenskyy?" in capsys.readouterr().err


def test_list_long_shows_the_same_record_as_show(repo, capsys):
    assert main(["actors", "show", "joe-biden"]) == 0
    shown = capsys.readouterr().out
    assert main(["actors", "list", "--long", "Байден"]) == 0
    assert capsys.readouterr().out == shown + "\n"
    assert main(["actors", "list", "Байден"]) == 0
    assert capsys.readouterr().out.split() == ["joe-biden", "USA", "Joe", "Biden"]
