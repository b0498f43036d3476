"""A throw-away local Label Studio for tests, benchmarks and trying the workflow: the server in its own
virtual environment (Label Studio pins its own dependencies) with a temporary data dir and HOME, loopback
only, quiet on the network, a legacy API token and a bounded wait for ``/health``; and invented documents
with gold annotations to fill it (never corpus text)."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..actors import load_registry
from ..drafts import find_mentions
from ..jsonio import sha256_text

VENV_ENV = "READOUTS_LS_VENV"
DEFAULT_VENV = ".ls-venv"
REQUIREMENT = "label-studio>=1.20"
USER_EMAIL = "annotator@readouts.test"
READY_TIMEOUT = 300.0  # the first start runs migrations: ~27 s on an idle machine, minutes on a busy one


def venv_path(root: Path) -> Path:
    return Path(os.environ.get(VENV_ENV) or root / DEFAULT_VENV)


def ensure_venv(venv: Path) -> Path:
    """The ``label-studio`` executable of ``venv``, installing Label Studio there first if needed."""
    executable = venv / "bin" / "label-studio"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", REQUIREMENT], check=True)
    return executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    token: str
    process: subprocess.Popen
    log: Path
    password: str  # of USER_EMAIL, for signing in through the web interface

    def stop(self) -> None:
        """Terminate the server (and the workers it started), waiting a bounded time."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)


def _environment(home: Path, token: str, password: str) -> dict:
    # Unprefixed names such as USERNAME, PORT or HOST are read as Label Studio settings: leave them out.
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE")}
    return {
        **keep, "HOME": str(home), "LABEL_STUDIO_USERNAME": USER_EMAIL, "LABEL_STUDIO_PASSWORD": password,
        "LABEL_STUDIO_USER_TOKEN": token, "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true", "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false", "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
    }


def start(executable: Path, workdir: Path, timeout: float = READY_TIMEOUT) -> Server:
    """Start Label Studio on a free loopback port with data under ``workdir``; return once /health answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    port, token, password = free_port(), secrets.token_hex(20), secrets.token_urlsafe(12)
    log = workdir / "label-studio.log"
    process = subprocess.Popen(
        [str(executable), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(workdir / "data")],
        env=_environment(workdir / "home", token, password), stdout=open(log, "wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(f"http://127.0.0.1:{port}", token, process, log, password)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Label Studio exited with code {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"Label Studio did not answer {server.url}/health within {timeout:.0f} s; see {log}")


# --- Invented documents --------------------------------------------------------------------------

TEMPLATES = {
    "en": ("{a} spoke by phone with {b} 🤝 today. {a} said that sanctions on Russia must stay. "
           "{b} thanked the partners for the support, and {a} promised to call again."),
    "uk": ("{a} провів телефонну розмову з {b} 🇺🇦. {a} наголосив, що санкції проти Росії мають залишатися. "
           "{b} подякував за підтримку, а {a} пообіцяв нову розмову 😀."),
    "ru": ("{a} провел телефонный разговор с {b}. {a} заявил, что санкции против России должны остаться 𝔸. "
           "{b} поблагодарил за поддержку, и {a} обещал новый разговор."),
}


def invented_documents(count: int) -> list[tuple[dict, dict]]:
    """``count`` invented (document, gold annotation) pairs in en/uk/ru over actors of the registry. The
    last mention of the first actor is deliberately left unannotated (a span an annotator may add)."""
    registry = load_registry()
    actors = sorted(registry)
    pairs = []
    for index in range(count):
        language = ("en", "uk", "ru")[index % 3]
        first, second = registry[actors[index % len(actors)]], registry[actors[(index * 7 + 1) % len(actors)]]
        if first.id == second.id:
            second = registry[actors[(index + 1) % len(actors)]]
        text = f"#{index} " + TEMPLATES[language].format(a=first.names[language], b=second.names[language])
        doc_id = f"test-{language}-invented{index:05d}"
        document = {"id": doc_id, "source": "example.org", "publisher_type": "government", "url": "", "title": f"Invented {index}",
                    "date": "2024-01-01", "language": language, "text": text, "text_sha256": sha256_text(text),
                    "license": "CC-BY-4.0", "upstream": {"repo": None, "path": None, "commit": None}}
        sentence = text.split(". ")[1]
        evidence_start = text.index(sentence)
        participants = [
            {"actor_id": actor.id, "name": actor.names["en"], "office": "", "role_type": actor.offices[0]["role_type"] if actor.offices else "other",
             "affiliation": actor.country, "participation": "direct",
             "mentions": [{"start": s, "end": e, "text": text[s:e]} for s, e in spans]}
            for actor, spans in ((first, find_mentions(text, first.names[language])[:-1]), (second, find_mentions(text, second.names[language])))
        ]
        annotation = {
            "schema_version": "1.0.0", "document_id": doc_id, "text_sha256": document["text_sha256"], "guideline_version": "1.0",
            "provenance": {"annotator_id": "inventor", "annotator_kind": "llm", "model": "template", "created": "2026-11-01T00:00:00Z",
                           "updated": "2026-11-01T00:00:00Z", "review_status": "reviewed"},
            "in_scope": True, "contacts": [{"type": "phone_call", "participants": [first.id, second.id]}],
            "participants": participants,
            "stance": [{"holder": first.id, "target": "sanctions_on_russia", "label": "favor",
                        "evidence": [{"start": evidence_start, "end": evidence_start + len(sentence)}]}],
            "topics": ["sanctions"], "notes": "invented for a test",
        }
        pairs.append((document, annotation))
    return pairs
