"""The actor registry (``annotations/actors.json``): canonical ids, multilingual names and aliases,
country and offices of the people who take part in diplomatic contacts."""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pycountry

from .errors import InputError
from .jsonio import read_json, write_json
from .locks import exclusive_lock
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
    return _load_registry(Path(path).resolve() if path else registry_path())


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


def add_actors(new_actors: list[dict], path: Path | None = None, merge_aliases: bool = False) -> list[str]:
    """Add actors to the registry (validated, sorted by id, written atomically under a lock). An id that
    exists already is an error unless ``merge_aliases``, which adds only the new aliases and offices."""
    path = Path(path) if path else registry_path()
    with exclusive_lock(path):  # annotators adding actors in parallel never lose an edit
        data = read_json(path)
        by_id = {actor["id"]: actor for actor in data["actors"]}
        changed = []
        for actor in new_actors:
            existing = by_id.get(actor.get("id"))
            if existing is None:
                by_id[actor.get("id")] = actor
            elif merge_aliases:
                for language, forms in actor.get("aliases", {}).items():
                    known = existing.setdefault("aliases", {}).setdefault(language, [])
                    known.extend(form for form in forms if form not in known)
                existing_offices = existing.setdefault("offices", [])
                existing_offices.extend(o for o in actor.get("offices", []) if o not in existing_offices)
            else:
                raise InputError(f"actor {actor.get('id')!r} is already in {path}; use --merge-aliases to add aliases")
            changed.append(actor.get("id"))
        data["actors"] = sorted(by_id.values(), key=lambda actor: str(actor.get("id")))
        problems = registry_problems(data, str(path))
        if problems:
            raise InputError("\n".join(str(p) for p in problems[:20]))
        write_json(path, data)
    _load_registry.cache_clear()
    return changed
