"""The light install: the core commands work without the optional dependencies (extras), a command that
needs a missing extra names it (exit 2), and `readouts --help` imports no command module."""

import re
import subprocess
import sys

import pytest

from readouts.cli import COMMANDS, build_parser
from readouts.extras import EXTRAS

# Run the CLI with every optional module made unimportable (as in an install without extras): a finder
# placed first refuses them, as Python does for a module that is not installed.
BLOCKED = tuple(m for modules in EXTRAS.values() for m in modules)
RUN_WITHOUT_EXTRAS = f"""
import sys
class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, NotInstalled())
from readouts.cli import main
sys.exit(main(sys.argv[1:]))
"""


def without_extras(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN_WITHOUT_EXTRAS, *args], capture_output=True, text=True,
                          timeout=300, **kwargs)


def test_help_lists_every_command_without_importing_any():
    result = subprocess.run([sys.executable, "-c", "import sys; from readouts.cli import main\n"
                             "try: main(['--help'])\nexcept SystemExit: pass\n"
                             "print(sorted(m for m in sys.modules if m.startswith('readouts.cli.')))"],
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\b", result.stdout, re.MULTILINE)


def test_listing_names_every_command_with_its_own_help():
    """The fast listing must not drift from what the modules register."""
    subparsers = build_parser()._subparsers._group_actions[0]
    assert {a.dest: a.help for a in subparsers._choices_actions} == COMMANDS


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_parses_from_its_module_alone(command):
    subparsers = build_parser(command)._subparsers._group_actions[0]
    assert command in subparsers.choices


def test_core_commands_work_without_extras(repo, gold_en):
    from readouts.store import save_annotation
    save_annotation(gold_en)  # validate fails on an empty repository (it checked nothing)
    assert without_extras("--help").returncode == 0
    result = without_extras("validate")
    assert result.returncode == 0, result.stderr
    assert without_extras("evaluate", "--help").returncode == 0
    assert without_extras("leaderboard", "--help").returncode == 0


@pytest.mark.parametrize("args, extra", [
    (["hub", "build", "out", "--release", "0.1.0"], "hub"),
    (["ls", "config"], "annotate"),
])
def test_a_missing_extra_is_named(repo, tmp_path, args, extra):
    result = without_extras(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert f"pip install 'readouts[{extra}]'" in result.stderr and "Traceback" not in result.stderr


def test_extras_match_pyproject():
    """Every module an extra is said to provide is installed by that extra, and by no core dependency."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements):
        return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower().replace("-", "_") for r in requirements}

    core = names(project["dependencies"])
    for extra, modules in EXTRAS.items():
        assert set(modules) <= names(project["optional-dependencies"][extra]), extra
        assert not set(modules) & core, extra
    assert project["optional-dependencies"]["all"] == ["readouts[hub,annotate,plots]"]
    assert "readouts[all]" in project["optional-dependencies"]["test"]
