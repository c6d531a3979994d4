"""`make` with a Python older than 3.11: one clear line, and no broken .venv.

Run on a copy of the files `make venv` needs, with an interpreter that is
not new enough: a real one when the machine has one (pyenv, python3.10 on
PATH), and always a shim: this interpreter made to look like 3.10 (its
version and no ``tomllib``) for every Python that starts under it, the
virtualenv's included.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from service.settings import REPO_ROOT

# make and a fake Python, whatever the backend: in the SQLite run of `make test` only.
pytestmark = pytest.mark.backend_free

FAKE_310 = '''
import sys
from collections import namedtuple

VersionInfo = namedtuple("VersionInfo", "major minor micro releaselevel serial")
sys.version_info = VersionInfo(3, 10, 13, "final", 0)
sys.version = "3.10.13 (shim) " + sys.version.partition(" ")[2]


class NoTomllib:
    """Python 3.10 has no tomllib."""

    def find_spec(self, name, path=None, target=None):
        if name == "tomllib":
            raise ModuleNotFoundError("No module named 'tomllib'", name="tomllib")
        return None


sys.meta_path.insert(0, NoTomllib())
'''


def _older_interpreters() -> list[str]:
    """Real interpreters older than 3.11 on this machine, if any."""
    found = {shutil.which(f"python3.{minor}") for minor in range(6, 11)}
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    found.update(glob.glob(f"{pyenv_root}/versions/3.[6-9].*/bin/python3"))
    found.update(glob.glob(f"{pyenv_root}/versions/3.10.*/bin/python3"))
    return sorted(path for path in found if path)[:1]  # one of them is enough


def _project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "pyproject.toml", "requirements-dev.lock"):
        shutil.copyfile(REPO_ROOT / name, project / name)
    return project


def _shim(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A ``python3`` that reports 3.10, and the environment that keeps it so."""
    site = tmp_path / "fake310"
    site.mkdir()
    (site / "sitecustomize.py").write_text(FAKE_310, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "python3"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(site)}
    return "python3", env


def _make(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    return subprocess.run(
        ["make", "--no-print-directory", "venv", *args],
        cwd=project,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _assert_refused(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "needs Python 3.11+" in output, output
    assert "Traceback" not in output and "tomllib" not in output, output


@pytest.mark.parametrize("interpreter", ["shim", *_older_interpreters()])
def test_make_with_an_older_python_says_it_needs_311_and_makes_no_venv(
    interpreter: str, tmp_path: Path
) -> None:
    # given the project and a Python older than 3.11
    project = _project_copy(tmp_path)
    if interpreter == "shim":
        python, env = _shim(tmp_path)
    else:
        python, env = interpreter, {}
    # when make is asked for the virtualenv with it
    result = _make(project, env, f"PYTHON={python}")
    # then it says what it needs in one line, and leaves no .venv behind
    _assert_refused(result)
    assert next(line for line in result.stderr.splitlines() if "needs" in line).startswith(
        "make: needs Python 3.11+"
    )
    assert not (project / ".venv").exists()


def test_a_venv_left_by_an_older_python_is_named_not_used(tmp_path: Path) -> None:
    # given a .venv an older Python made before make checked versions
    project = _project_copy(tmp_path)
    python, env = _shim(tmp_path)
    subprocess.run(
        [python, "-m", "venv", "--without-pip", ".venv"],
        cwd=project,
        env={**os.environ, **env},
        check=True,
        timeout=60,
    )
    # when make runs again
    result = _make(project, env)
    # then it says the .venv is too old and what to do, instead of a traceback
    _assert_refused(result)
    assert "remove .venv" in result.stderr
