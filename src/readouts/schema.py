"""The JSON Schemas in ``schema/``: loading, validation and error messages with JSON paths."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from jsonschema import Draft202012Validator, FormatChecker

from .errors import InputError, json_path
from .jsonio import read_json
from .paths import schema_dir

SCHEMA_NAMES = ("document", "annotation", "prediction", "taxonomy", "actors", "settings", "submission-metadata",
                "release-manifest")


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
    return _read_schema((schema_dir() / f"{name}.schema.json").resolve())


@lru_cache(maxsize=32)
def _read_schema(path: Path) -> dict:
    schema = read_json(path)
    Draft202012Validator.check_schema(schema)
    return schema


def validator(name: str) -> Draft202012Validator:
    return _validator((schema_dir() / f"{name}.schema.json").resolve(), name)


@lru_cache(maxsize=32)
def _validator(path: Path, name: str) -> Draft202012Validator:
    schema = load_schema(name)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def schema_version(name: str) -> str:
    """The version in the schema's ``$id`` (``urn:readouts:schema:<name>:<version>``)."""
    return load_schema(name)["$id"].rsplit(":", 1)[1]


def schema_problems(name: str, instance: Any, where: str) -> list[Problem]:
    """All schema violations of ``instance``, deepest first within each path, sorted by path."""
    problems = [
        Problem(where, json_path(error.absolute_path), _describe(error))
        for error in validator(name).iter_errors(instance)
    ]
    return sorted(problems)


def _describe(error) -> str:
    if error.validator == "additionalProperties":
        return f"{error.message} (allowed: {', '.join(sorted(error.schema.get('properties', {})))})"
    return error.message


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
