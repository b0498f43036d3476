"""Rebuilding the corpus from upstream files (`readouts corpus rebuild`) and fetching them (`corpus fetch`).
Every upstream file here is invented for the test, in each source's format; the real upstream folder is
used only by the corpus-marked test, which is skipped when ../shared is absent."""

import functools
import hashlib
import http.server
import json
import re
import socket
import threading
from pathlib import Path

import pytest

from readouts.cli import main
from readouts.errors import InputError
from readouts.jsonio import sha256_text
from readouts.upstream import (load_sources, make_sources, markdown_to_text, normalise, rebuild, record_line,
                               sources_json, upstream_documents)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

PRESS_REPO, PRESS_COMMIT = "PeiYiZhuo/zelenskyy-putin", "a" * 40
WH_REPO, WH_COMMIT = "brian14708/wh-briefings", "b" * 40
RU_REPO, RU_COMMIT = "gabrielkmbo/kremlin-scraper", "c" * 40
JS_REPO, JS_COMMIT = "Amice13/resistinua", "d" * 40

LONG = "This invented sentence is long enough to keep a document above the eighty character minimum. "

PRESS_CSV = (
    "link,headline,date,body\r\n"
    f'https://example.org/en/news/test-item-101,"Invented headline\u200b one",2022-05-01T10:00:00Z,"{LONG}Second  \r\n\r\n\r\n\r\nline."\r\n'
    f"https://example.org/en/news/short-102,Short,2022-05-02T10:00:00Z,Too short.\r\n"
    f'https://example.org/en/news/test-item-101,Repeated id,2022-05-03T10:00:00Z,"{LONG}the second copy"\r\n'
)

WH_MD = (
    "---\n"
    "date: '2023-02-03'\n"
    "source_url: https://example.org/briefing-room/readout-test/\n"
    'title: "Readout of an\\_Invented\\u00a0Call  with   a Leader"\n'
    "---\n"
    " \n"
    "The President **spoke** with the _Prime Minister_ of\n"
    "[Examplestan](https://example.org/x_(y)) today. ![photo](https://example.org/p.jpg)\n"
    "<span>They</span> discussed *trade*. " + LONG + "\n"
    "  \n"
    "<!-- -->\n"
    "\n"
    "Click here [](https://example.org/empty)\n"
    "****\n"
    "\n"
    "\\###\n"
)

# kremlin-ru: summary, then a page with a header (time stamp and place) and a footer
RU_PAGE = ("События Тестовая встреча Краткое содержание. 8 мая 2025 года 10:10 Москва, Кремль "
           "Состоялась придуманная встреча для проверки. " + "Текст абзаца для проверки длины. " * 3 +
           " Темы Внешняя политика Лица Тестов")
RU_HEADER = "title,date,place,summary,article_full_text_1,article_full_text_2,url,Name_2,Name_1\r\n"
RU_ROW = f'Тестовая встреча,2025-05-08,"Москва, Кремль",Краткое содержание.,"{RU_PAGE[:60]}","{RU_PAGE[60:]}",http://example.org/news/77001,ВТОРОЙ Член – должность,ПЕРВЫЙ Член – должность\r\n'
RU_ROW_NO_NAMES = f'Вторая встреча,2025-05-09,Москва,Итог.,"{RU_PAGE}",,http://example.org/news/77002,,\r\n'

JS_UK = """const source = [
  {
    id: 'vid1',
    name: 'Тестове звернення',
    speaker: ['Володимир Зеленський'],
    date: '2022-03-02T11:36:48',
    text: `
**Українці!**

Це вигадане звернення з [посиланням](https://example.org) і текстом, достатньо довгим для перевірки.
    `,
    url: 'https://example.org/watch?v=vid1'
  },
  {
    id: 'vid2',
    name: 'Коротке',
    speaker: ['Інший Посадовець'],
    date: '2022-03-03T11:36:48',
    text: 'Коротке',
    url: 'https://example.org/watch?v=vid2'
  },
]
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        handle.write(text)
    return path


@pytest.fixture
def upstream(tmp_path) -> Path:
    """An invented upstream folder with one file of every source format."""
    root = tmp_path / "upstream"
    write(root / f"{PRESS_REPO}@{PRESS_COMMIT}" / "press_release_data" / "zelenskyy.csv", PRESS_CSV)
    write(root / f"{WH_REPO}@{WH_COMMIT}" / "statements-releases" / "2023-02" / "2023-02-03-readout-of-a-test-call.md", WH_MD)
    write(root / f"{WH_REPO}@{WH_COMMIT}" / "statements-releases" / "2023-02" / "2023-02-03-a-speech.md", WH_MD)
    write(root / f"{WH_REPO}@{WH_COMMIT}" / "_drafts" / "readout-draft.md", WH_MD)
    write(root / f"{RU_REPO}@{RU_COMMIT}" / "kremlin_articles_ru_enhanced.csv", RU_HEADER + RU_ROW + RU_ROW_NO_NAMES, "utf-8-sig")
    write(root / f"{JS_REPO}@{JS_COMMIT}" / "static" / "content" / "messages.js", JS_UK)
    write(root / f"{JS_REPO}@{JS_COMMIT}" / "static" / "content" / "messages-en.js",
          JS_UK.replace("Українці!", "Ukrainians!").replace("'Володимир Зеленський'", "'Volodymyr Zelensky'"))
    return root


def docs(root: Path, repo: str, commit: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for record in upstream_documents(root, repo, commit):
        out.setdefault(record["id"], record)
    return out


def test_normalisation_follows_the_recipe():
    assert normalise("\ufeffa\u200b\u00a0b \t\r\nc\r\r\r\rd\u200e  ") == "a b\nc\n\nd"
    assert normalise("e\u0301") == "\u00e9"  # NFC


def test_press_release_csv(upstream):
    documents = docs(upstream, PRESS_REPO, PRESS_COMMIT)
    first = documents["pgu-en-101"]
    assert first["title"] == "Invented headline one"
    assert first["date"] == "2022-05-01" and first["source"] == "president.gov.ua" and first["language"] == "en"
    assert first["text"] == LONG + "Second\n\nline."  # CRLF inside the field, trailing spaces, blank-line runs
    assert first["text_sha256"] == sha256_text(first["text"])
    assert first["upstream"] == {"repo": PRESS_REPO, "path": "press_release_data/zelenskyy.csv", "commit": PRESS_COMMIT}
    assert list(first) == ["id", "source", "publisher_type", "url", "title", "date", "language", "text", "license",
                           "upstream", "text_sha256"]


def test_white_house_markdown(upstream):
    documents = docs(upstream, WH_REPO, WH_COMMIT)
    assert set(documents) == {"wh-en-2023-02-03-readout-of-a-test-call"}  # not the speech, not the _drafts file
    document = documents["wh-en-2023-02-03-readout-of-a-test-call"]
    assert document["title"] == "Readout of an Invented Call with a Leader"
    assert document["url"] == "https://example.org/briefing-room/readout-test/"
    assert document["license"] == "public-domain-us-government"
    assert document["text"] == (
        "The President spoke with the Prime Minister of Examplestan today. They discussed *trade*. " + LONG.strip()
        + "\n\n<!-- -->\n\nClick here [](https://example.org/empty) ****")


def test_markdown_emphasis_is_removed_before_links():
    assert markdown_to_text("[***bold link***](https://example.org/a)") == "*bold link*"


def test_kremlin_russian_csv(upstream):
    documents = docs(upstream, RU_REPO, RU_COMMIT)
    first = documents["kremlin-ru-77001"]
    assert first["text"].startswith("Краткое содержание.\n\nСостоялась придуманная встреча")
    assert first["text"].endswith("проверки длины.")  # header and footer cut
    assert first["delegation_list"] == ["ПЕРВЫЙ Член – должность", "ВТОРОЙ Член – должность"]  # Name_N in N order
    assert documents["kremlin-ru-77002"]["delegation_list"] is None
    assert list(first)[-2:] == ["delegation_list", "text_sha256"]


def test_resist_js(upstream):
    uk = docs(upstream, JS_REPO, JS_COMMIT)
    assert set(uk) == {"resist-uk-vid1", "resist-uk-vid2", "resist-en-vid1", "resist-en-vid2"}
    address = uk["resist-uk-vid1"]
    assert address["text"] == "Українці!\n\nЦе вигадане звернення з посиланням і текстом, достатньо довгим для перевірки."
    assert address["url"] == "https://example.org/watch?v=vid1"
    assert address["source"] == "president.gov.ua" and address["speakers"] == ["Володимир Зеленський"]
    assert address["parallel_group"] == "resist-vid1"
    assert uk["resist-uk-vid2"]["source"] == "gov.ua"


def reference_documents(upstream_root: Path, path: Path) -> Path:
    """A documents file as the recipe makes it: short texts dropped, first of a repeated id kept, plus a
    document without public source."""
    records, seen = [], set()
    for repo, commit in ((PRESS_REPO, PRESS_COMMIT), (WH_REPO, WH_COMMIT), (RU_REPO, RU_COMMIT), (JS_REPO, JS_COMMIT)):
        for record in upstream_documents(upstream_root, repo, commit):
            if record["id"] not in seen and len(record["text"]) >= 80:
                seen.add(record["id"])
                records.append(record)
    text = "An invented all-rights-reserved note, kept out of the public rebuild because it has no public source."
    records.insert(0, {"id": "seed-uk-0001", "source": "unknown", "publisher_type": "media", "url": "", "title": "",
                       "date": "", "language": "uk", "text": text, "license": "all-rights-reserved",
                       "upstream": {"repo": None, "path": "x.txt", "commit": None}, "text_sha256": sha256_text(text)})
    path.write_text("".join(record_line(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def listed(upstream, tmp_path) -> tuple[Path, Path]:
    """(reference documents file, committed-style sources list) for the invented upstream folder."""
    documents = reference_documents(upstream, tmp_path / "reference.jsonl")
    sources = tmp_path / "corpus-sources.json"
    sources.write_text(sources_json(make_sources(documents, upstream)), encoding="utf-8")
    return documents, sources


def test_rebuild_reproduces_the_documents_byte_for_byte(upstream, listed, tmp_path, capsys):
    documents, sources = listed
    out = tmp_path / "out" / "documents.jsonl"
    assert main(["corpus", "rebuild", "--from", str(upstream), "--sources", str(sources), "--out", str(out)]) == 0
    expected = [line for line in documents.read_text(encoding="utf-8").splitlines(keepends=True) if "seed-uk-0001" not in line]
    assert out.read_text(encoding="utf-8") == "".join(expected)
    assert "seed-uk-0001" in capsys.readouterr().out  # named as not included
    assert "text" not in sources.read_text(encoding="utf-8").replace("text_sha256", "")  # the list holds no text


@pytest.mark.parametrize("damage, message", [
    (lambda s: s.replace("Second", "Altered"), "document pgu-en-101: text SHA-256"),
    (lambda s: s.replace("Invented headline", "Other headline"), "document pgu-en-101: the text matches but its metadata"),
    (lambda s: s.replace("test-item-101", "test-item-999"), "document pgu-en-101: not found"),
])
def test_rebuild_names_the_first_differing_document_and_writes_nothing(upstream, listed, tmp_path, capsys, damage, message):
    _, sources = listed
    csv_path = upstream / f"{PRESS_REPO}@{PRESS_COMMIT}" / "press_release_data" / "zelenskyy.csv"
    write(csv_path, damage(PRESS_CSV))
    out = tmp_path / "documents.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    assert main(["corpus", "rebuild", "--from", str(upstream), "--sources", str(sources), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".documents")]  # no temporary file left


def test_rebuild_without_the_upstream_folder_says_to_fetch(listed, tmp_path, capsys):
    _, sources = listed
    assert main(["corpus", "rebuild", "--from", str(tmp_path / "nothing"), "--sources", str(sources),
                 "--out", str(tmp_path / "d.jsonl")]) == 2
    assert "readouts corpus fetch" in capsys.readouterr().err


def test_committed_sources_list_has_no_text_and_covers_the_corpus():
    sources = load_sources(REPO / "sources" / "corpus-sources.json")
    assert len(sources["documents"]) == 3919
    assert all(set(d) - {"url"} == {"id", "repo", "text_sha256", "record_sha256"} for d in sources["documents"])
    assert all("url" in d for d in sources["documents"] if d["repo"] is None)
    assert {r["repo"] for r in sources["repositories"]} == {PRESS_REPO, WH_REPO, RU_REPO, JS_REPO}


@pytest.mark.corpus
def test_rebuild_from_shared_upstream_reproduces_every_public_document(shared_corpus, tmp_path):
    upstream_root = SHARED / "upstream"
    if not upstream_root.is_dir():
        pytest.skip(f"needs {upstream_root}")
    lines, unpublished = rebuild(upstream_root, load_sources(REPO / "sources" / "corpus-sources.json"))
    reference = shared_corpus.read_text(encoding="utf-8").splitlines()
    public = [line for line in reference if json.loads(line)["upstream"]["repo"] is not None]
    assert lines == public  # byte for byte, in the published order
    assert len(lines) + len(unpublished) == len(reference) == 3919
    assert {e.id for e in unpublished} == {json.loads(line)["id"] for line in reference if line not in set(public)}


# --- fetch ----------------------------------------------------------------------------------------

class _Server:
    """A static file server on 127.0.0.1 serving ``root`` as BASE/<owner>/<repo>/<commit>/<path>; counts requests."""

    def __init__(self, root: Path):
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def served(upstream, listed, tmp_path):
    """The invented upstream files served in the raw-file layout (<owner>/<repo>/<commit>/<path>)."""
    site = tmp_path / "site"
    for checkout in upstream.glob("*/*@*"):
        name, commit = checkout.name.split("@")
        for path in checkout.rglob("*"):
            if path.is_file():
                target = site / checkout.parent.name / name / commit / path.relative_to(checkout)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    server = _Server(site)
    yield server, site, listed[1]
    server.stop()


def test_fetch_downloads_then_resumes_and_rebuild_works(served, tmp_path, capsys):
    server, site, sources = served
    target = tmp_path / "fetched"
    assert main(["corpus", "fetch", str(target), "--base-url", server.url, "--sources", str(sources)]) == 0
    total = len(server.requests)
    assert total == sum(len(r["files"]) for r in load_sources(sources)["repositories"]) == 7
    assert main(["corpus", "rebuild", "--from", str(target), "--sources", str(sources), "--out", str(tmp_path / "d.jsonl")]) == 0

    damaged = target / f"{JS_REPO}@{JS_COMMIT}" / "static" / "content" / "messages.js"
    damaged.write_text("truncated", encoding="utf-8")
    (target / f"{RU_REPO}@{RU_COMMIT}" / "kremlin_articles_ru_enhanced.csv").unlink()
    assert main(["corpus", "fetch", str(target), "--base-url", server.url, "--sources", str(sources)]) == 0
    assert len(server.requests) == total + 2  # only the damaged and the missing file again
    assert "2 files downloaded, 5 already present" in capsys.readouterr().out
    assert damaged.read_text(encoding="utf-8") == JS_UK


def test_fetch_refuses_a_file_whose_hash_differs(served, tmp_path, capsys):
    server, site, sources = served
    (site / "Amice13" / "resistinua" / JS_COMMIT / "static" / "content" / "messages.js").write_text("tampered", encoding="utf-8")
    target = tmp_path / "fetched"
    assert main(["corpus", "fetch", str(target), "--base-url", server.url, "--sources", str(sources)]) == 2
    assert "messages.js: SHA-256" in capsys.readouterr().err
    assert not (target / f"{JS_REPO}@{JS_COMMIT}" / "static" / "content" / "messages.js").exists()


def test_fetch_offline_gives_a_clear_message(listed, tmp_path, capsys):
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["corpus", "fetch", str(tmp_path / "f"), "--base-url", f"http://127.0.0.1:{port}", "--sources", str(listed[1])]) == 2
    err = capsys.readouterr().err
    assert "Are you offline?" in err and "Traceback" not in err


def test_fetch_refuses_paths_that_leave_the_folder(listed, tmp_path, capsys):
    sources = json.loads(listed[1].read_text(encoding="utf-8"))
    sources["repositories"][0]["files"][0]["path"] = "../../escape.txt"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(sources), encoding="utf-8")
    assert main(["corpus", "fetch", str(tmp_path / "f"), "--base-url", "http://127.0.0.1:9", "--sources", str(bad)]) == 2
    assert "unsafe upstream path" in capsys.readouterr().err


@pytest.mark.parametrize("change, where", [
    (lambda s: s.update(format="other"), "$.format"),
    (lambda s: s["documents"][0].pop("text_sha256"), "$.documents[0]"),
    (lambda s: s["repositories"][0]["files"][0].update(bytes="many"), "$.repositories[0].files[0].bytes"),
])
def test_a_malformed_sources_list_is_named(listed, tmp_path, capsys, change, where):
    sources = json.loads(listed[1].read_text(encoding="utf-8"))
    change(sources)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(sources), encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"{bad}: {where}")):
        load_sources(bad)


def test_hashes_in_the_list_are_of_the_record_line(listed):
    documents, sources = listed
    first = documents.read_text(encoding="utf-8").splitlines()[1]
    listed_first = load_sources(sources)["documents"][1]
    assert listed_first["record_sha256"] == hashlib.sha256(first.encode("utf-8")).hexdigest()


def test_fetch_into_a_file_or_rebuild_into_an_unwritable_place_is_a_message(listed, upstream, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["corpus", "fetch", str(blocker), "--base-url", "http://127.0.0.1:9", "--sources", str(listed[1])]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert main(["corpus", "rebuild", "--from", str(upstream), "--sources", str(listed[1]),
                 "--out", str(blocker / "documents.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err


@pytest.mark.parametrize("line", ['["not", "a", "document"]', '{"id": "x-en-1"}', "valid, but no commit"])
def test_sources_of_a_documents_file_with_a_bad_record_name_its_line(tmp_path, capsys, line):
    if line == "valid, but no commit":
        from release_helpers import invented_document
        line = json.dumps({**invented_document("wh-en-x1", "2022-01-01"), "upstream": {"repo": "o/r", "path": "p", "commit": None}})
    documents = tmp_path / "documents.jsonl"
    documents.write_text(line + "\n", encoding="utf-8")
    assert main(["corpus", "sources", str(documents), "--upstream", str(tmp_path), "--out", str(tmp_path / "s.json")]) == 2
    assert f"{documents}: line 1:" in capsys.readouterr().err and not (tmp_path / "s.json").exists()
