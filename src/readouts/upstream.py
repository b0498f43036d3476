"""Rebuilding the source corpus from its public upstream files (the recipe of the shared corpus README,
reproduced in docs/corpus-sources.md), and the committed list those files and documents are checked
against (``sources/corpus-sources.json``: ids, SHA-256s and upstream locations, never text).

Upstream files live in a folder laid out as ``<owner>/<repo>@<commit>/<path>``; ``readouts corpus fetch``
fills one, ``readouts corpus rebuild --from`` reads one."""

import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import InputError
from .jsonio import atomic_write_text, read_json, sha256_text
from .paths import repo_root

SOURCES_FORMAT = "readouts-corpus-sources/1"
MIN_TEXT_CHARS = 80


def sources_path() -> Path:
    return repo_root() / "sources" / "corpus-sources.json"


# --- Common normalisation ------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200e\u200f\ufeff"))
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """The normalisation every text and title goes through (see the recipe)."""
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = _TRAILING_SPACE.sub("\n", text)
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def document(doc_id: str, source: str, url: str, title: str, date: str, language: str, text: str, license_: str,
             upstream: dict, **extra) -> dict:
    """A document record with the fields in the order of the published documents file."""
    text = normalise(text)
    record = {"id": doc_id, "source": source, "publisher_type": "government", "url": url, "title": normalise(title),
              "date": date, "language": language, "text": text, "license": license_, "upstream": upstream}
    record.update(extra)
    record["text_sha256"] = sha256_text(text)
    return record


def _upstream(repo: str, commit: str, path: str) -> dict:
    return {"repo": repo, "path": path, "commit": commit}


def _csv_rows(path: Path, encoding: str = "utf-8") -> Iterator[dict]:
    csv.field_size_limit(1 << 30)
    # newline="" semantics: keep \r\n inside quoted fields as they are in the file
    handle = io.StringIO(_read_text(path, encoding), newline="")
    try:
        yield from csv.DictReader(handle)
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None


def _read_text(path: Path, encoding: str) -> str:
    try:
        with open(path, encoding=encoding, newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


# --- Source formats ------------------------------------------------------------------------------

_TRAILING_DIGITS = re.compile(r"(\d+)\D*$")


def press_release_documents(path: Path, prefix: str, source: str, upstream: dict) -> Iterator[dict]:
    """``press_release_data/zelenskyy.csv`` / ``putin.csv``: one row a document (link, headline, date, body)."""
    for line, row in enumerate(_csv_rows(path), start=2):
        match = _TRAILING_DIGITS.search(row.get("link") or "")
        if not match:
            raise InputError(f"{path}: row {line}: no trailing digits in link {row.get('link')!r}")
        yield document(f"{prefix}-{match.group(1)}", source, row["link"], row["headline"], (row["date"] or "")[:10], "en",
                       row["body"] or "", "CC-BY-4.0", upstream)


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.DOTALL)
_END_MARK = re.compile(r"\\?###")  # the end-of-release marker, escaped or not
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^()]*\))*\)")  # an empty link text [](...) stays as it is
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")  # tags only: comments such as <!-- --> stay
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)  # a lone **** stays
_ITALIC = re.compile(r"(?<![A-Za-z0-9])_(.+?)_(?![A-Za-z0-9])", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")


def markdown_to_text(body: str) -> str:
    """The White House body: ``###`` end marks (escaped or not) and backslashes removed, images dropped, links keep their text,
    inline HTML and bold/italic markers dropped, whitespace collapsed per paragraph."""
    body = _END_MARK.sub("", body).replace("\\", "")
    body = _IMAGE.sub("", body)
    body = _HTML_TAG.sub("", body)
    body = _BOLD.sub(r"\1", body)  # emphasis before links: that order made the published texts
    body = _ITALIC.sub(r"\1", body)
    body = _LINK.sub(r"\1", body)
    paragraphs = (_WHITESPACE.sub(" ", p).strip() for p in re.split(r"\n\s*\n", body))
    return "\n\n".join(p for p in paragraphs if p)


def whitehouse_document(path: Path, relative: str, upstream: dict) -> dict:
    """One White House ``*.md`` readout: YAML front matter (title, date, source_url) and a Markdown body."""
    import yaml

    raw = _read_text(path, "utf-8").replace("\r\n", "\n")
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise InputError(f"{path}: no YAML front matter between the first two '---' lines")
    try:
        meta = yaml.load(match.group(1), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: front matter is not valid YAML ({exc})") from None
    title = _WHITESPACE.sub(" ", str(meta.get("title") or "").replace("\u00a0", " ")).strip()
    return document(f"wh-en-{Path(relative).stem}", "whitehouse.gov", str(meta.get("source_url") or ""), title,
                    str(meta.get("date") or "")[:10], "en", markdown_to_text(match.group(2)),
                    "public-domain-us-government", upstream)


def is_whitehouse_readout(relative: str) -> bool:
    parts = relative.split("/")
    return relative.endswith(".md") and "readout" in relative and not any(p.startswith(("_", ".")) for p in parts)


_RU_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
_RU_TIMESTAMP = re.compile(rf"\d{{1,2}} (?:{_RU_MONTHS}) \d{{4}} года \d{{1,2}}:\d{{2}}")
_RU_FOOTERS = (" География ", " Темы ", " Лица ", " Статус материала ")
HEADER_WINDOW = 1500


def kremlin_page_text(row: dict) -> str:
    """The page text without the header (up to the time stamp and the place) and the footer."""
    page = "".join(row.get(f"article_full_text_{n}") or "" for n in range(1, 11))
    stamp = _RU_TIMESTAMP.search(page)
    if stamp and stamp.start() < HEADER_WINDOW:
        page = page[stamp.end():].lstrip()
        place = (row.get("place") or "").strip()
        if place and page.startswith(place):
            page = page[len(place):]
    cuts = [i for i in (page.find(marker) for marker in _RU_FOOTERS) if i >= 0]
    return page[:min(cuts)] if cuts else page


def kremlin_ru_documents(path: Path, upstream: dict) -> Iterator[dict]:
    """``kremlin_articles_ru_enhanced.csv`` (UTF-8 with BOM): summary, a blank line, the page text."""
    for line, row in enumerate(_csv_rows(path, "utf-8-sig"), start=2):
        match = _TRAILING_DIGITS.search(row.get("url") or "")
        if not match:
            raise InputError(f"{path}: row {line}: no trailing digits in url {row.get('url')!r}")
        names = sorted((int(k.split("_")[1]), v) for k, v in row.items() if k and k.startswith("Name_") and v and v.strip())
        text = f"{(row.get('summary') or '').strip()}\n\n{kremlin_page_text(row).strip()}"
        yield document(f"kremlin-ru-{match.group(1)}", "kremlin.ru", row["url"], row.get("title") or "",
                       (row.get("date") or "")[:10], "ru", text, "CC-BY-4.0", upstream,
                       delegation_list=[normalise(v) for _, v in names] or None)


_JS_ENTRY_START = re.compile(r"\{\s*id:\s*'")
_JS_FIELD = re.compile(r"\b(id|name|date|url|text):\s*(?:'((?:[^'\\]|\\.)*)'|`([^`]*)`)", re.DOTALL)
_JS_SPEAKERS = re.compile(r"\bspeaker:\s*\[(.*?)\]", re.DOTALL)
_JS_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_JS_ESCAPE = re.compile(r"\\(.)")


def _js_string(value: str) -> str:
    return _JS_ESCAPE.sub(r"\1", value)


def _js_entries(source: str) -> Iterator[str]:
    """The source of each ``{ id: '…', … }`` entry: from one entry start to the next."""
    starts = [m.start() for m in _JS_ENTRY_START.finditer(source)]
    for start, end in zip(starts, [*starts[1:], len(source)]):
        yield source[start:end]


def resist_documents(path: Path, language: str, upstream: dict) -> Iterator[dict]:
    """``static/content/messages*.js``: one ``{ id: '…', … text: `…` }`` entry a document."""
    for entry in _js_entries(_read_text(path, "utf-8")):
        values: dict[str, str] = {}
        for name, quoted, backquoted in _JS_FIELD.findall(entry):
            values.setdefault(name, _js_string(quoted) if backquoted == "" else backquoted)
        speakers_match = _JS_SPEAKERS.search(_JS_FIELD.sub("", entry))
        speakers = [_js_string(s) for s in _JS_QUOTED.findall(speakers_match.group(1))] if speakers_match else []
        text = _LINK.sub(r"\1", values.get("text", "").replace("**", ""))
        source = "president.gov.ua" if any("Зеленськ" in s or "Zelensk" in s for s in speakers) else "gov.ua"
        yield document(f"resist-{language}-{values['id']}", source, values.get("url", ""), values.get("name", ""),
                       values.get("date", "")[:10], language, text, "CC-BY-4.0", upstream,
                       parallel_group=f"resist-{values['id']}", speakers=speakers)


# --- Which parser reads which upstream file --------------------------------------------------------

@dataclass(frozen=True)
class SourceFormat:
    """How the files of one upstream repository become documents."""

    repo: str
    matches: Callable[[str], bool]
    read: Callable[[Path, str, dict], Iterable[dict]]


def _resist(path: Path, relative: str, upstream: dict) -> Iterable[dict]:
    return resist_documents(path, "en" if relative.endswith("-en.js") else "uk", upstream)


def _press_release(path: Path, relative: str, upstream: dict) -> Iterable[dict]:
    if relative.endswith("zelenskyy.csv"):
        return press_release_documents(path, "pgu-en", "president.gov.ua", upstream)
    return press_release_documents(path, "kremlin-en", "kremlin.ru", upstream)


FORMATS = (
    SourceFormat("PeiYiZhuo/zelenskyy-putin",
                 lambda p: p in ("press_release_data/zelenskyy.csv", "press_release_data/putin.csv"), _press_release),
    SourceFormat("brian14708/wh-briefings", is_whitehouse_readout, lambda path, rel, up: [whitehouse_document(path, rel, up)]),
    SourceFormat("gabrielkmbo/kremlin-scraper", lambda p: p == "kremlin_articles_ru_enhanced.csv",
                 lambda path, rel, up: kremlin_ru_documents(path, up)),
    SourceFormat("Amice13/resistinua", lambda p: re.fullmatch(r"static/content/messages(-2|-3)?(-en)?\.js", p) is not None, _resist),
)


def checkout_dir(root: Path, repo: str, commit: str) -> Path:
    return Path(root) / f"{repo}@{commit}"


def upstream_documents(root: Path, repo: str, commit: str) -> Iterator[dict]:
    """Every document the recipe makes from the files of ``repo`` at ``commit`` under ``root``, in file order."""
    source_format = next((f for f in FORMATS if f.repo == repo), None)
    if source_format is None:
        raise InputError(f"no recipe for upstream repository {repo!r}")
    base = checkout_dir(root, repo, commit)
    files = sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())
    for relative in files:
        if source_format.matches(relative):
            yield from source_format.read(base / relative, relative, _upstream(repo, commit, relative))


# --- The committed list --------------------------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    """One document of the list: its id, text hash, hash of its whole JSON line, and its upstream."""

    id: str
    text_sha256: str
    record_sha256: str
    repo: str | None


def record_line(record: dict) -> str:
    """A document as one line of the documents file (key order kept, UTF-8, no final newline)."""
    return json.dumps(record, ensure_ascii=False)


def sha256_line(record: dict) -> str:
    return hashlib.sha256(record_line(record).encode("utf-8")).hexdigest()


_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
SOURCES_SCHEMA = {
    "type": "object", "required": ["format", "repositories", "documents"],
    "properties": {
        "format": {"const": SOURCES_FORMAT},
        "repositories": {"type": "array", "items": {
            "type": "object", "required": ["repo", "commit", "files"], "additionalProperties": False,
            "properties": {
                "repo": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"},
                "commit": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
                "files": {"type": "array", "items": {
                    "type": "object", "required": ["path", "sha256", "bytes"], "additionalProperties": False,
                    "properties": {"path": {"type": "string", "minLength": 1}, "sha256": _SHA256,
                                   "bytes": {"type": "integer", "minimum": 0}}}}}}},
        "documents": {"type": "array", "items": {
            "type": "object", "required": ["id", "repo", "text_sha256", "record_sha256"], "additionalProperties": False,
            "properties": {"id": {"type": "string", "minLength": 1}, "repo": {"type": ["string", "null"]},
                           "text_sha256": _SHA256, "record_sha256": _SHA256, "url": {"type": "string"}}}},
    },
}


def load_sources(path: Path | None = None) -> dict:
    """The committed list, checked against SOURCES_SCHEMA (the format sources/README.md describes)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    from .errors import json_path

    path = Path(path) if path else sources_path()
    data = read_json(path)
    error = best_match(Draft202012Validator(SOURCES_SCHEMA).iter_errors(data))
    if error is not None:
        raise InputError(f"{path}: {json_path(error.absolute_path)}: {error.message[:200]}")
    return data


def unpublished_urls(path: Path | None = None) -> dict[str, str]:
    """Publisher URLs of the listed documents that have no public source (empty when there is no list)."""
    path = Path(path) if path else sources_path()
    if not path.is_file():
        return {}
    return {d["id"]: d.get("url", "") for d in load_sources(path)["documents"] if not d.get("repo")}


def expected_documents(sources: dict) -> list[Expected]:
    return [Expected(d["id"], d["text_sha256"], d["record_sha256"], d.get("repo")) for d in sources["documents"]]


def rebuild(upstream_root: Path, sources: dict, progress=None) -> tuple[list[str], list[Expected]]:
    """The documents file lines in the list's order, each checked against the list, and the listed
    documents that have no public upstream (left out). Raises InputError naming the first document that
    is missing or differs."""
    upstream_root = Path(upstream_root)
    expected = expected_documents(sources)
    wanted = {e.id: e for e in expected}
    built: dict[str, dict] = {}
    repositories = sources["repositories"]
    for repository in (progress(repositories) if progress else repositories):
        base = checkout_dir(upstream_root, repository["repo"], repository["commit"])
        if not base.is_dir():
            raise InputError(f"{base}: missing; run `readouts corpus fetch {upstream_root}` first")
        for record in upstream_documents(upstream_root, repository["repo"], repository["commit"]):
            if record["id"] in wanted and record["id"] not in built and len(record["text"]) >= MIN_TEXT_CHARS:
                built[record["id"]] = record
    lines, unpublished = [], []
    for item in expected:
        if item.repo is None:
            unpublished.append(item)
            continue
        record = built.get(item.id)
        if record is None:
            raise InputError(f"document {item.id}: not found in the upstream files of {item.repo} under {upstream_root}")
        if record["text_sha256"] != item.text_sha256:
            raise InputError(f"document {item.id}: text SHA-256 {record['text_sha256']} differs from the listed "
                             f"{item.text_sha256} (upstream {record['upstream']['path']})")
        if sha256_line(record) != item.record_sha256:
            raise InputError(f"document {item.id}: the text matches but its metadata (title, URL, date, ...) differs "
                             f"from the listed record (upstream {record['upstream']['path']})")
        lines.append(record_line(record))
    return lines, unpublished


def write_documents(lines: list[str], out: Path) -> None:
    try:
        atomic_write_text(out, "".join(line + "\n" for line in lines))
    except OSError as exc:
        raise InputError(f"{out}: cannot write ({exc.strerror or exc})") from None


# --- Making the list (maintainers) -----------------------------------------------------------------

def make_sources(documents_path: Path, upstream_root: Path) -> dict:
    """The committed list for a documents file and the upstream folder it was made from: every upstream
    file with its SHA-256 and size, every document with its hashes (no text, no metadata)."""
    from .jsonio import iter_jsonl, sha256_file
    from .schema import schema_problems

    upstream_root = Path(upstream_root)
    documents, pins = [], {}
    for line, record in iter_jsonl(documents_path):
        problems = schema_problems("document", record, f"{documents_path}: line {line}", limit=10)
        if problems:
            raise InputError("\n".join(map(str, problems)))
        upstream = record["upstream"]
        repo = upstream["repo"]
        entry = {"id": record["id"], "repo": repo, "text_sha256": record["text_sha256"], "record_sha256": sha256_line(record)}
        if not repo:  # no public source: keep where the text can be read (the Hub card lists it)
            entry["url"] = record.get("url") or ""
        documents.append(entry)
        if repo:
            if upstream["commit"] is None:
                raise InputError(f"{documents_path}: line {line}: $.upstream.commit: a document from a repository names its commit")
            if pins.setdefault(repo, upstream["commit"]) != upstream["commit"]:
                raise InputError(f"document {record['id']}: {repo} at a second commit {upstream['commit']}")
    repositories = []
    for repo, commit in sorted(pins.items()):
        base = checkout_dir(upstream_root, repo, commit)
        if not base.is_dir():
            raise InputError(f"{base}: missing: the upstream folder must hold every repository the documents name")
        files = [{"path": p.relative_to(base).as_posix(), "sha256": sha256_file(p), "bytes": p.stat().st_size}
                 for p in sorted(base.rglob("*")) if p.is_file()]
        repositories.append({"repo": repo, "commit": commit, "files": files})
    return {"format": SOURCES_FORMAT, "repositories": repositories, "documents": documents}


def sources_json(sources: dict) -> str:
    """The list as JSON with one file or document a line, so that diffs stay readable."""
    def items(values: list) -> str:
        return ",\n".join("    " + json.dumps(v, ensure_ascii=False, sort_keys=True) for v in values)

    repositories = ",\n".join(
        f'  {{"repo": {json.dumps(r["repo"])}, "commit": {json.dumps(r["commit"])}, "files": [\n{items(r["files"])}\n  ]}}'
        for r in sources["repositories"])
    return (f'{{"format": {json.dumps(sources["format"])},\n"repositories": [\n{repositories}\n],\n'
            f'"documents": [\n{items(sources["documents"])}\n]}}\n')


# --- Fetching the upstream files -----------------------------------------------------------------

RAW_BASE_URL = "https://raw.githubusercontent.com"
FETCH_TIMEOUT = 60


@dataclass(frozen=True)
class UpstreamFile:
    repo: str
    commit: str
    path: str
    sha256: str
    bytes: int

    def local(self, root: Path) -> Path:
        return checkout_dir(root, self.repo, self.commit) / self.path

    def url(self, base_url: str) -> str:
        from urllib.parse import quote

        return f"{base_url.rstrip('/')}/{self.repo}/{self.commit}/{quote(self.path)}"


def upstream_files(sources: dict) -> list[UpstreamFile]:
    """Every listed upstream file; a path that could leave the target folder is refused."""
    files = []
    for repository in sources["repositories"]:
        for item in repository["files"]:
            parts = item["path"].split("/")
            if item["path"].startswith("/") or ".." in parts or "" in parts:
                raise InputError(f"sources list: unsafe upstream path {item['path']!r} in {repository['repo']}")
            files.append(UpstreamFile(repository["repo"], repository["commit"], item["path"], item["sha256"], item["bytes"]))
    return files


def _has_hash(path: Path, sha256: str) -> bool:
    from .jsonio import sha256_file

    return path.is_file() and sha256_file(path) == sha256


def fetch(root: Path, sources: dict, base_url: str = RAW_BASE_URL, progress=None) -> tuple[int, int]:
    """Download every listed file that is not already in ``root`` with the right SHA-256 (so an interrupted
    fetch resumes where it stopped); each file is checked and then moved into place. Returns (downloaded,
    already present). No network or an unreachable host is an InputError saying so."""
    import urllib.error

    root = Path(root)
    files = upstream_files(sources)
    todo = [f for f in files if not _has_hash(f.local(root), f.sha256)]
    bar = progress(total=sum(f.bytes for f in todo)) if progress else None
    try:
        for item in todo:
            url, target = item.url(base_url), item.local(root)
            try:
                _download(url, target, item.sha256, bar)
            except urllib.error.HTTPError as exc:
                raise InputError(f"{url}: HTTP {exc.code} {exc.reason}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                raise InputError(f"cannot download {url}: {getattr(exc, 'reason', exc)}. Are you offline? The fetch is the "
                                 "only step that needs the network; run it again when online (files already fetched "
                                 "are kept)") from None
            except OSError as exc:
                raise InputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        if bar:
            bar.close()
    return len(todo), len(files) - len(todo)


def _download(url: str, target: Path, sha256: str, bar=None) -> None:
    """Stream ``url`` into a temporary file beside ``target``; keep it only if its SHA-256 is right."""
    import os
    import tempfile
    import urllib.request

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                digest.update(block)
                if bar:
                    bar.update(len(block))
        if digest.hexdigest() != sha256:
            raise InputError(f"{url}: SHA-256 {digest.hexdigest()} differs from the listed {sha256}; the file was not saved")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
