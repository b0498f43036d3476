"""Render the taxonomy as Markdown (docs/taxonomy.md) so the guidelines never restate label definitions
by hand; a test fails when the committed page is stale."""

from .taxonomy import LANGUAGES, Taxonomy

SECTIONS = (("topics", "Topics (multi-label)"), ("stance_targets", "Stance targets"), ("stance_labels", "Stance labels"),
            ("role_types", "Role types"), ("contact_types", "Contact types"), ("participation", "Participation"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_taxonomy(taxonomy: Taxonomy) -> str:
    lines = [f"# Readouts taxonomy {taxonomy.version}", "",
             "Generated from `schema/taxonomy.json` by `readouts taxonomy doc`; do not edit by hand.", ""]
    for category, heading in SECTIONS:
        lines += [f"## {heading}", "", "| id | en | uk | ru | definition | notes |", "|---|---|---|---|---|---|"]
        for label in getattr(taxonomy, category):
            names = " | ".join(_cell(label.labels[lang]) for lang in LANGUAGES)
            kind = f"({label.kind}) " if label.kind else ""
            lines.append(f"| `{label.id}` | {names} | {kind}{_cell(label.definition)} | {_cell(label.notes)} |")
            for lang in LANGUAGES:
                if label.examples.get(lang):
                    lines.append(f"| | | | | *example ({lang}):* {_cell(label.examples[lang])} | |")
        lines.append("")
    lines += ["## Organisation codes (affiliations besides ISO 3166-1 alpha-3)", "", "| code | en | uk | ru |", "|---|---|---|---|"]
    lines += [f"| `{o.id}` | " + " | ".join(_cell(o.labels[lang]) for lang in LANGUAGES) + " |" for o in taxonomy.organisations]
    if taxonomy.retired:
        lines += ["", "## Retired labels", ""] + [f"- `{key}`: {why}" for key, why in sorted(taxonomy.retired.items())]
    return "\n".join(lines) + "\n"
