"""The JSON Schemas in ``schema/``: loading, validation and error messages with JSON paths."""

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, Iterable

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from .errors import InputError, json_path, shorten
from .jsonio import read_json
from .paths import schema_dir

SCHEMA_NAMES = ("document", "annotation", "prediction", "taxonomy", "actors", "settings", "submission-metadata",
                "release-manifest", "draft")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file: where (file, JSON path) and what."""

    where: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.path}: {self.message}"


def load_schema(name: str) -> dict:
    if name not in SCHEMA_NAMES:
        raise InputError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    return _read_schema(schema_dir() / f"{name}.schema.json")  # the root is resolved


@lru_cache(maxsize=32)
def _read_schema(path: Path) -> dict:
    schema = read_json(path)
    Draft202012Validator.check_schema(schema)
    return schema


def _equality_key(value: Any):
    """A hashable key equal for exactly the values JSON Schema calls equal (1 and 1.0 alike, true and 1
    not, objects whatever their key order)."""
    if isinstance(value, dict):
        return ("object", frozenset((key, _equality_key(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_equality_key(item) for item in value))
    if isinstance(value, bool) or value is None:
        return ("constant", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    return ("string", value)


def _unique_items(validator, unique, instance, schema):
    """``uniqueItems`` in linear time (jsonschema compares unhashable items pairwise: quadratic)."""
    if not unique or not validator.is_type(instance, "array"):
        return
    first: dict = {}
    for index, item in enumerate(instance):
        earlier = first.setdefault(_equality_key(item), index)
        if earlier != index:
            yield ValidationError(f"non-unique elements: item {index} repeats item {earlier}")
            return


@lru_cache(maxsize=256)
def _ecma_pattern(pattern: str) -> re.Pattern:
    """A schema pattern as JSON Schema (ECMA 262) reads it: a final ``$`` is the end of the string, where
    Python's ``$`` also matches before a final newline (so "id\\n" would pass "^[a-z]+$")."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.compile(pattern)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{shorten(repr(instance))} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"uniqueItems": _unique_items, "pattern": _pattern})


def validator(name: str) -> Draft202012Validator:
    return _validator(schema_dir() / f"{name}.schema.json", name)


@lru_cache(maxsize=32)
def _validator(path: Path, name: str) -> Draft202012Validator:
    schema = load_schema(name)
    return _Validator(schema, format_checker=FormatChecker())


def schema_version(name: str) -> str:
    """The version in the schema's ``$id`` (``urn:readouts:schema:<name>:<version>``)."""
    return load_schema(name)["$id"].rsplit(":", 1)[1]


def schema_problems(name: str, instance: Any, where: str, limit: int | None = None) -> list[Problem]:
    """The schema violations of ``instance`` (the first ``limit`` found, or all), sorted by path. A limit,
    and stopping at a list longer than its ``maxItems``, keep a hostile value with a million items from
    taking a million items' time."""
    problems = []
    for error in islice(validator(name).iter_errors(instance), limit):
        problems.append(Problem(where, json_path(error.absolute_path), _describe(error)))
        if error.validator == "maxItems":
            break
    return sorted(problems)


def _describe(error) -> str:
    """jsonschema's message, with the bad value cut short (a message repeats it whole)."""
    if error.validator == "additionalProperties":
        return f"{shorten(error.message)} (allowed: {', '.join(sorted(error.schema.get('properties', {})))})"
    if error.validator == "maxItems":
        return f"{len(error.instance):,} items; at most {error.validator_value:,} are allowed"
    if error.validator == "pattern" and error.schema.get("examples"):
        return f"{shorten(repr(error.instance))} is not in the expected form, e.g. {error.schema['examples'][0]!r}"
    if error.validator == "required":  # say what the missing key is for, when the schema describes it
        described = error.schema.get("properties", {})
        for key in error.validator_value:
            if error.message == f"{key!r} is a required property" and described.get(key, {}).get("description"):
                return f"{error.message}: {shorten(described[key]['description'])}"
    return shorten(error.message)


def require_valid(name: str, instance: Any, where: str) -> None:
    """Raise InputError listing every violation (at most 20) when ``instance`` does not match."""
    problems = schema_problems(name, instance, where)
    if problems:
        raise InputError(_summarise(problems))


def _summarise(problems: Iterable[Problem], limit: int = 20) -> str:
    problems = list(problems)
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more")
    return "\n".join(lines)
