"""A throw-away local Label Studio server for tests and benchmarks: its own virtual environment (Label
Studio pins its own dependencies), a temporary data dir and HOME, loopback only, quiet on the network,
a legacy API token, and a bounded wait for ``/health``."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VENV_ENV = "READOUTS_LS_VENV"
DEFAULT_VENV = ".ls-venv"
REQUIREMENT = "label-studio>=1.20"
USER_EMAIL = "annotator@readouts.test"
READY_TIMEOUT = 120.0


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

    def stop(self) -> None:
        """Terminate the server (and the workers it started), waiting a bounded time."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)


def _environment(home: Path, token: str) -> dict:
    # Unprefixed names such as USERNAME, PORT or HOST are read as Label Studio settings: leave them out.
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE")}
    return {
        **keep, "HOME": str(home), "LABEL_STUDIO_USERNAME": USER_EMAIL, "LABEL_STUDIO_PASSWORD": secrets.token_urlsafe(12),
        "LABEL_STUDIO_USER_TOKEN": token, "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true", "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false", "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
    }


def start(executable: Path, workdir: Path, timeout: float = READY_TIMEOUT) -> Server:
    """Start Label Studio on a free loopback port with data under ``workdir``; return once /health answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(20)
    log = workdir / "label-studio.log"
    process = subprocess.Popen(
        [str(executable), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(workdir / "data")],
        env=_environment(workdir / "home", token), stdout=open(log, "wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(f"http://127.0.0.1:{port}", token, process, log)
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
