"""A release as a Hugging Face Hub dataset repository: Parquet per evaluation setting and split with the
document text joined in (where its licence allows), a dataset card, a Croissant file with responsible-AI
fields, the attribution the CC BY 4.0 texts require, and everything the harness checks a submission
against (schemas, taxonomy, actor registry, the release manifest and annotations), laid out as in the
repository so that ``readouts evaluate --hub-dir`` works from the folder alone. Builds are
byte-reproducible: rows are sorted, Parquet writer settings are fixed, and nothing records the build time."""

import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from .actors import registry_path
from .corpus import load_corpus
from .errors import CheckFailed, InputError
from .jsonio import atomic_write_text, canonical_json, read_json, sha256_file, write_json
from .paths import HARNESS_URL, HUB_REPO_ID, schema_dir
from .releases import (checksums_path, load_checksums, load_manifest, manifest_path, materialise, normalise_version,
                       release_name, snapshot_path)
from .splits import SPLITS, setting_splits
from .store import Annotation
from .taxonomy import LANGUAGES

DEFAULT_REPO_ID = HUB_REPO_ID
FILE_LIST = "files.json"  # written last by a build: every file of the folder with its SHA-256

REDISTRIBUTABLE = {"CC-BY-4.0": "CC BY 4.0", "public-domain-us-government": "public domain (work of the US government)"}
ATTRIBUTION = {"president.gov.ua": "President of Ukraine (president.gov.ua)", "kremlin.ru": "President of Russia (kremlin.ru)"}
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "use_dictionary": True, "write_statistics": True,
                   "version": "2.6", "data_page_version": "1.0", "row_group_size": 10_000}


def data_file(config: str, split: str) -> str:
    return f"data/{config}/{split}-00000-of-00001.parquet"


def hub_features():
    """Typed nested features. Labels are strings, exactly as a submission gives them (the vocabularies are
    in schema/taxonomy.json), so rows turn into predictions without a conversion."""
    from datasets import Features, List, Value

    span = {"start": Value("int32"), "end": Value("int32")}
    label = Value("string")
    return Features({
        "document_id": Value("string"),
        "title": Value("string"),
        "text": Value("string"),
        "text_available": Value("bool"),
        "url": Value("string"),
        "source": Value("string"),
        "publisher_type": Value("string"),
        "language": label,
        "date": Value("string"),
        "license": Value("string"),
        "parallel_group": Value("string"),
        "in_scope": Value("bool"),
        "contacts": List({"type": label, "participants": List(Value("string"))}),
        "participants": List({
            "actor_id": Value("string"), "name": Value("string"), "office": Value("string"),
            "role_type": label, "affiliation": Value("string"), "participation": label,
            "mentions": List({**span, "text": Value("string")}),
        }),
        "stance": List({"holder": Value("string"), "target": label, "label": label, "evidence": List(span)}),
        "topics": List(label),
        "annotator_kind": Value("string"),
        "review_status": Value("string"),
        "guideline_version": Value("string"),
        "annotation_sha256": Value("string"),
    })


def _row(annotation: Annotation, record: dict, document: dict) -> dict:
    available = record["license"] in REDISTRIBUTABLE
    data = annotation.to_dict()
    return {
        "document_id": annotation.document_id,
        "title": document.get("title", "") if available else "",
        "text": document["text"] if available else "",
        "text_available": available,
        "url": document.get("url", ""), "source": record["source"], "publisher_type": record["publisher_type"],
        "language": record["language"], "date": record["date"], "license": record["license"],
        "parallel_group": record["parallel_group"], "in_scope": annotation.in_scope,
        "contacts": data["contacts"], "participants": data["participants"], "stance": data["stance"], "topics": data["topics"],
        "annotator_kind": annotation.provenance.get("annotator_kind"), "review_status": annotation.provenance.get("review_status"),
        "guideline_version": annotation.guideline_version, "annotation_sha256": record["annotation_sha256"],
    }


def _write_parquet(path: Path, rows: list[dict], features) -> int:
    """Write one split; returns its size in memory (Arrow bytes), which the card declares as num_bytes."""
    table = pa.Table.from_pylist([features.encode_example(row) for row in rows], schema=features.arrow_schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, **PARQUET_OPTIONS)
    return table.nbytes


def _withheld_stub(doc_id: str, record: dict) -> dict:
    """A document whose text the Hub never carries and that a public rebuild cannot provide (no public
    source): the card's metadata comes from the manifest and the URL from the sources list."""
    from .upstream import unpublished_urls

    return {"id": doc_id, "title": "", "text": "", "url": unpublished_urls().get(doc_id, ""), "license": record["license"],
            "source": record["source"]}


def _joined_documents(manifest: dict, corpus: dict[str, dict]) -> dict[str, dict]:
    missing, changed = [], []
    for doc_id, record in manifest["documents"].items():
        document = corpus.get(doc_id)
        if document is None and record["license"] not in REDISTRIBUTABLE:
            continue
        if document is None:
            missing.append(doc_id)
        elif document["text_sha256"] != record["text_sha256"]:
            changed.append(doc_id)
    if missing or changed:
        raise CheckFailed(f"the corpus does not hold the texts release {manifest['version']} was made from: "
                          f"missing {missing[:5]}, text changed {changed[:5]}")
    return {doc_id: corpus.get(doc_id) or _withheld_stub(doc_id, record) for doc_id, record in manifest["documents"].items()}


def build(out: Path, version: str, corpus_path: Path | None = None, repo_id: str = DEFAULT_REPO_ID) -> list[Path]:
    """Write the Hub dataset folder for release ``version`` at ``out``: built in a fresh folder beside it and
    swapped in at the end, so ``out`` is never half-built; a previous build there is replaced. Returns the
    files written, sorted."""
    version = normalise_version(version)
    manifest = load_manifest(version)
    annotations = materialise(version)
    documents = _joined_documents(manifest, load_corpus(corpus_path))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file: choose a folder")
    if out.is_dir() and not _is_build(out) and any(out.iterdir()):
        raise InputError(f"{out} is not empty and not a previous build (no {FILE_LIST} or manifest.json): choose another folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        for stale in [*out.parent.glob(f".{out.name}.building-*"), *out.parent.glob(f".{out.name}.previous-*")]:
            shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
        fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    except OSError as exc:
        raise InputError(f"{out}: cannot write there ({exc.strerror or exc})") from None
    try:
        _write_folder(fresh, version, manifest, annotations, documents, repo_id)
        _swap(fresh, out)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return sorted(p for p in out.rglob("*") if p.is_file())


def _is_build(folder: Path) -> bool:
    return (folder / FILE_LIST).is_file() or (folder / "manifest.json").is_file()


def _write_folder(out: Path, version: str, manifest: dict, annotations: dict[str, Annotation], documents: dict[str, dict],
                  repo_id: str) -> None:
    features = hub_features()
    rows = {d: _row(annotations[d], manifest["documents"][d], documents[d]) for d in sorted(manifest["documents"])}
    counts: dict[str, dict[str, int]] = {}
    sizes: dict[str, dict[str, int]] = {}
    for setting in sorted(manifest["settings"]["settings"]):
        splits = setting_splits(manifest["documents"], annotations, manifest["settings"], setting)
        counts[setting], sizes[setting] = {}, {}
        for split in SPLITS:
            if splits.get(split):  # the Hub loader cannot read an empty Parquet file: an empty split is left out
                sizes[setting][split] = _write_parquet(out / data_file(setting, split), [rows[d] for d in sorted(splits[split])], features)
                counts[setting][split] = len(splits[split])

    # what the harness reads, in the repository's layout (READOUTS_ROOT may point at this folder)
    shutil.copytree(schema_dir(), out / "schema", ignore=shutil.ignore_patterns(".*"))
    releases = out / "annotations" / "releases"
    releases.mkdir(parents=True)
    shutil.copy(registry_path(), out / "annotations" / "actors.json")
    shutil.copy(manifest_path(version), releases / manifest_path(version).name)
    shutil.copy(snapshot_path(version), releases / snapshot_path(version).name)
    # the recorded checksum of this release, so the harness can verify the copy it scores against
    write_json(releases / checksums_path().name, {release_name(version): load_checksums()[release_name(version)]})
    shutil.copy(manifest_path(version), out / "manifest.json")
    atomic_write_text(out / "ATTRIBUTION.md", attribution_markdown(manifest, documents))
    atomic_write_text(out / "README.md", dataset_card(manifest, annotations, documents, features, counts, sizes, repo_id))
    atomic_write_text(out / "croissant.json", canonical_json(croissant(manifest, counts, out, repo_id)))
    validate_croissant(out / "croissant.json")
    listed = {p.relative_to(out).as_posix(): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
              for p in sorted(out.rglob("*")) if p.is_file()}
    atomic_write_text(out / FILE_LIST, canonical_json({"release": version, "files": listed}))
    _make_world_readable(out)


def _make_world_readable(folder: Path) -> None:
    """Downloaded and published files are for everyone: 0644 files, 0755 folders."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _swap(fresh: Path, out: Path) -> None:
    """Put the finished folder at ``out``; the previous build, if any, is removed only afterwards."""
    if not out.exists():
        os.replace(fresh, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
    old.rmdir()
    os.replace(out, old)
    os.replace(fresh, out)
    shutil.rmtree(old, ignore_errors=True)


# --- Card ----------------------------------------------------------------------------------------

def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M"


def annotation_provenance(annotations: dict[str, Annotation]) -> dict:
    """Who made and reviewed the labels, counted from the annotations' provenance. ``models`` are the model
    names only: the provenance's ``model`` reads "<model>, <role>", and the role is internal detail."""
    kinds = Counter(a.provenance.get("annotator_kind") for a in annotations.values())
    reviewers = Counter(a.provenance.get("reviewer_kind") for a in annotations.values() if a.provenance.get("reviewer_kind"))
    models = Counter(a.provenance["model"].split(",")[0].strip() for a in annotations.values() if a.provenance.get("model"))
    creators = set()
    if kinds.get("llm") or reviewers.get("llm"):
        creators.add("machine-generated")
    if kinds.get("human") or reviewers.get("human"):
        creators.add("expert-generated")
    return {"annotator_kinds": dict(sorted(kinds.items())), "reviewer_kinds": dict(sorted(reviewers.items())),
            "models": dict(sorted(models.items())), "creators": sorted(creators)}


def _withheld(documents: dict[str, dict]) -> list[dict]:
    return [d for _, d in sorted(documents.items()) if d["license"] not in REDISTRIBUTABLE]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#!|~])")
_PLAIN_URL = re.compile(r"https?://[^\s<>|\\`]+")


def markdown_text(value) -> str:
    """Untrusted text (a title, a URL, a name) as inert Markdown inline text: one line, HTML escaped and
    every Markdown mark escaped, so that it can neither start a heading or a list nor break a table row."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_url(value: str, missing: str) -> str:
    """A URL as an autolink ``<url>`` when it is a plain http(s) URL, else as escaped text."""
    if not value:
        return missing
    return f"<{value}>" if _PLAIN_URL.fullmatch(value) else markdown_text(value)


def citation_bibtex(manifest: dict, repo_id: str = DEFAULT_REPO_ID) -> str:
    version = manifest["version"]
    return "\n".join([
        f"@misc{{readouts_v{version.replace('.', '_')},",
        "  title        = {Readouts: a benchmark of diplomatic-contact readouts in English, Ukrainian and Russian},",
        "  author       = {{Readouts team}},",
        f"  year         = {{{manifest['date'][:4]}}},",
        f"  version      = {{{version}}},",
        f"  howpublished = {{\\url{{https://huggingface.co/datasets/{repo_id}}}}},",
        f"  note         = {{Release v{version} of {manifest['date']}}}",
        "}"])


def dataset_card(manifest: dict, annotations: dict[str, Annotation], documents: dict[str, dict],
                 features, counts: dict[str, dict[str, int]], sizes: dict[str, dict[str, int]],
                 repo_id: str = DEFAULT_REPO_ID) -> str:
    version = manifest["version"]
    provenance = annotation_provenance(annotations)
    licences = Counter(d["license"] for d in documents.values())
    withheld = _withheld(documents)
    header = {
        "pretty_name": "Readouts",
        "license": "other",
        "license_name": "readouts-mixed",
        "license_details": ("Annotations: CC BY 4.0 (Readouts team). Document texts keep their own licences, given per row in "
                            "`license`: CC BY 4.0 (President of Ukraine, President of Russia; see ATTRIBUTION.md) and public domain "
                            "(US government works). Texts under other terms are not published (`text_available` is false)."),
        "language": list(LANGUAGES),
        "multilinguality": ["multilingual"],
        "size_categories": [_size_category(len(documents))],
        "task_categories": ["text-classification", "token-classification"],
        "task_ids": ["multi-class-classification", "multi-label-classification", "named-entity-recognition"],
        "annotations_creators": provenance["creators"] or ["no-annotation"],
        "language_creators": ["found"],
        "source_datasets": ["original"],
        "tags": ["diplomacy", "stance-detection", "political-science", "russia-ukraine-war"],
        "configs": [{"config_name": setting, **({"default": True} if setting == "standard" else {}),
                     "data_files": [{"split": split, "path": data_file(setting, split)} for split in splits]}
                    for setting, splits in counts.items()],
        "dataset_info": [{"config_name": setting, "features": features._to_yaml_list(),
                          "splits": [{"name": split, "num_bytes": sizes[setting][split], "num_examples": n}
                                     for split, n in splits.items()]}
                         for setting, splits in counts.items()],
    }
    settings = manifest["settings"]["settings"]
    kinds = ", ".join(f"{n} by {kind} annotators" for kind, n in provenance["annotator_kinds"].items())
    reviewed = ", ".join(f"{n} reviewed by {kind} reviewers" for kind, n in provenance["reviewer_kinds"].items()) or "none reviewed"
    models = ", ".join(markdown_text(m) for m in provenance["models"]) or "not recorded"
    lines = [
        "---", yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=120).rstrip(), "---", "",
        f"# Readouts v{version}", "",
        "News and official readouts of diplomatic contacts (phone calls, meetings, talks) around Russia's war against "
        "Ukraine, in English, Ukrainian and Russian, annotated with participants (span-anchored, with canonical actor, "
        "role and affiliation), contacts, stance of named participants towards fixed targets, and topics.", "",
        f"Release {version} of {manifest['date']}: {len(documents)} documents, {manifest['counts']['in_scope']} in scope; "
        f"schema {manifest['schema_version']}, taxonomy {manifest['taxonomy_version']}, guidelines "
        f"{manifest['guideline_version']}, actor registry {manifest['registry_version']}. `manifest.json` lists every "
        "document with its annotation hash and split.", "",
        "## Loading", "", "```python", "from datasets import load_dataset",
        f'ds = load_dataset("{repo_id}")                      # standard config',
        f'ds = load_dataset("{repo_id}", revision="v{version}")  # exactly this release',
        f'ds = load_dataset("{repo_id}", "cross-lingual")     # an evaluation setting', "```", "",
        "## Configurations (evaluation settings)", "", "| config | train | validation | test | definition |", "| --- | --- | --- | --- | --- |",
        *[f"| `{s}` | {c.get('train', 0)} | {c.get('validation', 0)} | {c.get('test', 0)} | {markdown_text(settings[s]['description'])} |"
          for s, c in counts.items()], "",
        "Splits are grouped: parallel translations and reports of one contact by different sides never sit in two splits, "
        "and a released document never changes split in a later version.", "",
        "## Fields", "",
        "Offsets (`start`, `end`) are Unicode code points of `text`, end exclusive; `text[start:end]` equals the mention's "
        "`text`. Labels are strings from the vocabularies of `schema/taxonomy.json`; actor ids come from "
        "`annotations/actors.json`; the annotation format is `schema/annotation.schema.json`.", "",
        "## Evaluating a system", "",
        "A submission is one JSON object per document in the format of `schema/prediction.schema.json`; a row's "
        "`in_scope`, `participants` (without `name` and `office`), `stance` (without `evidence`) and `topics` already have "
        "that form. Score it with the Readouts harness (its repository, with install instructions and the leaderboard: "
        f"{HARNESS_URL}) against this folder alone, no checkout needed:", "",
        "```bash", "pip install huggingface_hub   # for the `hf` command",
        f"hf download {repo_id} --repo-type dataset --revision v{version} --local-dir readouts-v{version}",
        f"readouts evaluate predictions.jsonl --hub-dir readouts-v{version} --split test", "```", "",
        f"The public leaderboard ({HARNESS_URL}/blob/main/eval/LEADERBOARD.md) lists every submitted system with "
        "bootstrap confidence intervals; a result is added by pull request, and CI re-scores it (see the harness README).", "",
        "## Annotation", "",
        "Annotations are produced by LLM-based annotators following the project's annotation guidelines (unless the "
        "provenance names a human annotator), with an independent blind second pass on a sample. "
        f"In this release: {kinds}; {reviewed}; models: {models}. "
        f"`annotations_creators` above is derived from this provenance.", "",
        "## Limitations", "",
        "- The labels are made by LLM-based annotators and reviewers; no person has checked them. Agreement was measured "
        "on a sample only.",
        "- The sources are official communications of governments, each presenting its own side's framing; English "
        "dominates, the Russian texts come from one site and one period, and the periods differ by source.",
        "- The test split is small, so confidence intervals are wide: compare systems by their intervals, not by "
        "point scores.",
        "- Stance is annotated only towards a fixed list of targets; documents were selected by keyword rules over "
        "titles and leads, which favour explicit readout wording.",
        "- Some texts are not published for licence reasons (below); their annotations are kept.", "",
        "## Licences", "",
        "Annotations are CC BY 4.0. Document texts: " + ", ".join(f"{n} {lic}" for lic, n in sorted(licences.items())) + ". "
        "CC BY 4.0 texts require attribution: see `ATTRIBUTION.md`.", "",
    ]
    if withheld:
        lines += ["### Texts not included", "",
                  f"{len(withheld)} documents are not openly licensed: their rows keep id, metadata and annotations, but `text` "
                  "and `title` are empty and `text_available` is false. Offsets refer to the original text; obtain it from "
                  "the publisher:", ""]
        lines += [f"- `{d['id']}` ({markdown_text(d['license'])}): {markdown_url(d.get('url', ''), 'no public URL recorded')}"
                  for d in withheld]
        lines.append("")
    lines += ["## Files", "", "`data/<config>/<split>-00000-of-00001.parquet`, `manifest.json` (the release manifest), "
              "`schema/` (JSON Schemas and taxonomy), `annotations/` (actor registry, release manifest and annotations, "
              "as the harness reads them), `croissant.json` (Croissant 1.0 with responsible-AI fields), `ATTRIBUTION.md`, "
              f"`{FILE_LIST}` (every file with its SHA-256).", "",
              "## Citation", "", "```bibtex", citation_bibtex(manifest, repo_id), "```", ""]
    return "\n".join(lines)


def attribution_markdown(manifest: dict, documents: dict[str, dict]) -> str:
    lines = [f"# Attribution (Readouts v{manifest['version']})", "",
             "Texts under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), reproduced unchanged apart from "
             "whitespace normalisation and removal of page headers and footers.", ""]
    by_publisher: dict[str, list[dict]] = {}
    for _, document in sorted(documents.items()):
        if document["license"] == "CC-BY-4.0":
            by_publisher.setdefault(ATTRIBUTION.get(document["source"], document["source"]), []).append(document)
    for publisher, docs in sorted(by_publisher.items()):
        lines += [f"## {markdown_text(publisher)}", "", "| document | title | URL |", "| --- | --- | --- |"]
        lines += [f"| `{d['id']}` | {markdown_text(d.get('title', ''))} | {markdown_url(d.get('url', ''), 'not recorded')} |"
                  for d in docs]
        lines.append("")
    public = sum(d["license"] == "public-domain-us-government" for d in documents.values())
    lines += [f"{public} texts are works of the US government (public domain in the United States).", ""]
    return "\n".join(lines)


# --- Croissant -----------------------------------------------------------------------------------

CROISSANT_CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"}, "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/", "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract",
    "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet",
    "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath",
    "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path", "recordSet": "cr:recordSet",
    "references": "cr:references", "regex": "cr:regex", "samplingRate": "cr:samplingRate",
    "equivalentProperty": "cr:equivalentProperty", "repeated": "cr:repeated", "replace": "cr:replace",
    "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField",
    "transform": "cr:transform",
}
CROISSANT_FIELDS = (("document_id", "sc:Text", "Document id: <source>-<language>-<native id>"),
                    ("text", "sc:Text", "Document text; empty where the licence does not allow publication"),
                    ("text_available", "sc:Boolean", "Whether text is included"),
                    ("language", "sc:Text", "Language: en, uk or ru"),
                    ("source", "sc:Text", "Publisher site"),
                    ("date", "sc:Text", "Publication date YYYY-MM-DD (may be empty)"),
                    ("license", "sc:Text", "Licence of the text"),
                    ("in_scope", "sc:Boolean", "Does the document report a diplomatic contact?"))


def croissant(manifest: dict, counts: dict[str, dict[str, int]], out: Path, repo_id: str = DEFAULT_REPO_ID) -> dict:
    """Croissant 1.0 JSON-LD: one file object and one record set per Parquet file (the flat fields; nested
    layers are described by dataset_info in README.md), and the RAI fields."""
    version = manifest["version"]
    files, record_sets = [], []
    for setting, splits in counts.items():
        for split in splits:
            path = data_file(setting, split)
            files.append({"@type": "cr:FileObject", "@id": path, "name": path, "contentUrl": path,
                          "encodingFormat": "application/x-parquet", "sha256": sha256_file(out / path)})
            record_sets.append({
                "@type": "cr:RecordSet", "@id": f"{setting}/{split}", "name": f"{setting}/{split}",
                "description": f"{split} split of the {setting} setting: {manifest['settings']['settings'][setting]['description']}",
                "field": [{"@type": "cr:Field", "@id": f"{setting}/{split}/{name}", "name": name, "description": description,
                           "dataType": data_type, "source": {"fileObject": {"@id": path}, "extract": {"column": name}}}
                          for name, data_type, description in CROISSANT_FIELDS],
            })
    return {
        "@context": CROISSANT_CONTEXT, "@type": "sc:Dataset", "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": "readouts", "version": version, "datePublished": manifest["date"],
        "description": "Readouts of diplomatic contacts around Russia's war against Ukraine (en/uk/ru) annotated with "
                       "participants, contacts, stance and topics.",
        "license": ["https://creativecommons.org/licenses/by/4.0/", "https://www.usa.gov/government-copyright"],
        "url": f"https://huggingface.co/datasets/{repo_id}",
        "citeAs": citation_bibtex(manifest, repo_id),
        "inLanguage": list(LANGUAGES), "keywords": ["diplomacy", "stance", "entity mentions", "multilingual"],
        "distribution": files, "recordSet": record_sets,
        "rai:dataCollection": "Public web pages of the White House (readouts), the President of Ukraine, the Kremlin and a "
                              "few Ukrainian government and media sites, imported from public repositories; candidate "
                              "documents selected by documented multilingual rules over titles and leads.",
        "rai:dataCollectionType": "Web scraping (by upstream public repositories)",
        "rai:dataAnnotationProtocol": "LLM-based annotators follow the project's annotation guidelines (versioned; the "
                                      "version is recorded per annotation); an independent blind second pass on a sample "
                                      "measures agreement; every annotation is validated against a JSON Schema, the "
                                      "taxonomy, the actor registry and the text.",
        "rai:dataAnnotationPlatform": "Readouts command-line tools; Label Studio for human review",
        "rai:annotatorDemographics": "Annotators are LLM-based systems (model recorded in each annotation's provenance); "
                                     "no demographic information applies. Human reviewers, where recorded, are project members.",
        "rai:dataBiases": "Sources are official government communications, which present each side's framing; English "
                          "dominates; Russian texts come from one source and one period; the selection rules favour "
                          "explicit readout wording.",
        "rai:dataLimitations": "Machine-made labels with a measured sample of agreement; periods differ by source; "
                               "some texts are withheld for licence reasons; stance is limited to fixed targets.",
        "rai:personalSensitiveInformation": "Names, offices and statements of public officials acting in their public "
                                            "roles; no private individuals are annotated.",
        "rai:dataUseCases": "Training and evaluating participant extraction, stance of named actors and topic "
                            "classification in diplomatic news; cross-lingual and temporal generalisation.",
        "rai:dataSocialImpact": "Supports research on diplomacy in the war; not for profiling individuals.",
        "rai:dataReleaseMaintenancePlan": "Versioned releases (semantic versioning for data) with a changelog; released "
                                          "documents never change split; fixes are new versions.",
    }


def validate_croissant(path: Path) -> None:
    """Load the file with mlcroissant, which raises on any Croissant error."""
    import mlcroissant

    try:
        mlcroissant.Dataset(jsonld=str(path))
    except mlcroissant.ValidationError as exc:
        raise CheckFailed(f"{path}: not valid Croissant: {exc}") from None


# --- Publishing ----------------------------------------------------------------------------------

def built_version(folder: Path) -> str:
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise InputError(f"{folder}: not a built dataset (no manifest.json); run `readouts hub build {folder} --release VERSION`")
    return read_json(path)["version"]


def upload_plan(folder: Path) -> list[tuple[str, int]]:
    """(path relative to the folder, size in bytes) of every file an upload would send: the files the build
    listed in files.json (and that list itself), each checked against its SHA-256 first. Anything else in the
    folder (an editor backup, a .env) is not sent; a missing or changed file stops the upload."""
    folder = Path(folder)
    built_version(folder)
    listing_path = folder / FILE_LIST
    if not listing_path.is_file():
        raise InputError(f"{folder}: no {FILE_LIST}: the build did not finish; run `readouts hub build` again")
    listing = read_json(listing_path)
    files = listing.get("files") if isinstance(listing, dict) else None
    if not isinstance(files, dict):
        raise InputError(f"{listing_path}: $.files: expected an object of path -> {{sha256, bytes}}")
    problems = []
    for relative, expected in sorted(files.items()):
        path = folder / relative
        if ".." in Path(relative).parts or not path.is_file():
            problems.append(f"{relative}: missing")
        elif not isinstance(expected, dict) or sha256_file(path) != expected.get("sha256"):
            problems.append(f"{relative}: changed since the build (SHA-256 differs)")
    if problems:
        raise CheckFailed(f"{folder} does not match its {FILE_LIST}; rebuild it:\n" + "\n".join(problems[:20]))
    return [(relative, (folder / relative).stat().st_size) for relative in sorted([*files, FILE_LIST])]


def unlisted_files(folder: Path) -> list[str]:
    """Files in the folder that an upload leaves out."""
    plan = {path for path, _ in upload_plan(folder)}
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file()
                  and p.relative_to(folder).as_posix() not in plan)


def publish(folder: Path, repo_id: str = DEFAULT_REPO_ID, token: str | None = None) -> str:
    """Upload the listed files of the folder as a dataset repository and tag the commit ``v<version>``;
    returns the tag."""
    from huggingface_hub import HfApi, get_token

    version = built_version(folder)
    allowed = [path for path, _ in upload_plan(folder)]
    token = token or get_token()
    if not token:
        raise InputError("no Hugging Face token: run `hf auth login` or set HF_TOKEN (a token with write access)")
    api = HfApi(token=token)
    tag = f"v{version}"
    try:
        api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
        commit = api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="dataset",
                                   allow_patterns=allowed, commit_message=f"Readouts {tag}")
        api.create_tag(repo_id, tag=tag, repo_type="dataset", revision=commit.oid)
    except Exception as exc:  # network, authentication and offline errors from the Hub client
        raise InputError(f"publishing to {repo_id} failed ({type(exc).__name__}): {exc}") from None
    return tag
