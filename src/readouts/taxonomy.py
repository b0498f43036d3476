"""The label taxonomy (``schema/taxonomy.json``): the one source of topic, stance-target, role-type,
contact-type and organisation ids. Code, docs and the Label Studio config read it from here."""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .jsonio import read_json
from .paths import schema_dir
from .schema import require_valid

LANGUAGES = ("en", "uk", "ru")


@dataclass(frozen=True)
class Label:
    id: str
    labels: dict
    definition: str = ""
    notes: str = ""
    kind: str = ""
    examples: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Taxonomy:
    version: str
    topics: tuple[Label, ...]
    stance_targets: tuple[Label, ...]
    stance_labels: tuple[Label, ...]
    role_types: tuple[Label, ...]
    contact_types: tuple[Label, ...]
    participation: tuple[Label, ...]
    organisations: tuple[Label, ...]
    retired: dict

    def ids(self, category: str) -> list[str]:
        return [label.id for label in getattr(self, category)]

    @property
    def topic_ids(self) -> list[str]:
        return self.ids("topics")

    @property
    def target_ids(self) -> list[str]:
        return self.ids("stance_targets")

    @property
    def organisation_codes(self) -> set[str]:
        return set(self.ids("organisations"))


def load_taxonomy() -> Taxonomy:
    """The taxonomy of the current repository (cached per file path)."""
    return _load_taxonomy(schema_dir() / "taxonomy.json")  # the root is resolved


@lru_cache(maxsize=4)
def _load_taxonomy(path: Path) -> Taxonomy:
    data = read_json(path)
    require_valid("taxonomy", data, str(path))
    categories = ("topics", "stance_targets", "stance_labels", "role_types", "contact_types", "participation", "organisations")
    return Taxonomy(
        version=data["version"],
        retired=data.get("retired", {}),
        **{name: tuple(Label(**item) for item in data[name]) for name in categories},
    )
