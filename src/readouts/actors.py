"""The actor registry (``annotations/actors.json``): canonical ids, multilingual names and aliases,
country and offices of the people who take part in diplomatic contacts."""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pycountry

from .errors import InputError
from .jsonio import read_json
from .paths import annotations_dir
from .schema import Problem, schema_problems
from .taxonomy import load_taxonomy


@dataclass(frozen=True)
class Actor:
    id: str
    names: dict
    country: str
    aliases: dict = field(default_factory=dict)
    offices: tuple = ()
    wikidata: str = ""

    def surface_forms(self, language: str) -> list[str]:
        """Every name and alias by which the actor may be mentioned in ``language``."""
        forms = [self.names.get(language, "")] + list(self.aliases.get(language, []))
        return [form for form in dict.fromkeys(forms) if form]


def registry_path() -> Path:
    return annotations_dir() / "actors.json"


def is_valid_affiliation(code: str) -> bool:
    """An ISO 3166-1 alpha-3 country code (checked with pycountry) or an organisation code."""
    if code in load_taxonomy().organisation_codes:
        return True
    return len(code) == 3 and code.isupper() and pycountry.countries.get(alpha_3=code) is not None


def registry_problems(data: dict, where: str) -> list[Problem]:
    problems = schema_problems("actors", data, where)
    if problems:
        return problems
    role_types = set(load_taxonomy().ids("role_types"))
    seen: set[str] = set()
    for index, actor in enumerate(data["actors"]):
        base = f"$.actors[{index}]"
        if actor["id"] in seen:
            problems.append(Problem(where, f"{base}.id", f"duplicate actor id {actor['id']!r}"))
        seen.add(actor["id"])
        if not is_valid_affiliation(actor["country"]):
            problems.append(Problem(where, f"{base}.country", f"{actor['country']!r} is neither an ISO 3166-1 alpha-3 code nor a known organisation"))
        for o_index, office in enumerate(actor.get("offices", [])):
            if office["role_type"] not in role_types:
                problems.append(Problem(where, f"{base}.offices[{o_index}].role_type", f"unknown role type {office['role_type']!r}"))
            if "affiliation" in office and not is_valid_affiliation(office["affiliation"]):
                problems.append(Problem(where, f"{base}.offices[{o_index}].affiliation", f"unknown affiliation {office['affiliation']!r}"))
    return problems


def load_registry(path: Path | None = None) -> dict[str, Actor]:
    """Actors by id; raises InputError when the registry is malformed. Cached per file path."""
    return _load_registry(Path(path).resolve() if path else registry_path().resolve())


@lru_cache(maxsize=8)
def _load_registry(path: Path) -> dict[str, Actor]:
    data = read_json(path)
    problems = registry_problems(data, str(path))
    if problems:
        raise InputError("\n".join(str(p) for p in problems[:20]))
    return {
        item["id"]: Actor(
            id=item["id"], names=item["names"], country=item["country"], aliases=item.get("aliases", {}),
            offices=tuple(item.get("offices", [])), wikidata=item.get("wikidata", ""),
        )
        for item in data["actors"]
    }
