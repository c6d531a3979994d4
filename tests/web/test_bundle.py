"""The committed bundle (web/dist/) is exactly what a fresh build of web/ gives."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from service.settings import REPO_ROOT

WEB = REPO_ROOT / "web"

# The same build whatever the backend: once per `make test`, in the SQLite run.
pytestmark = pytest.mark.backend_free


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def test_the_committed_bundle_is_a_fresh_build_of_the_sources(tmp_path: Path) -> None:
    # given the web client's npm packages, as `make test` installs them (npm ci)
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "esbuild").is_dir():
        pytest.fail("Node.js and web/node_modules are needed: run `make web-deps`", pytrace=False)
    # when the client is built afresh into a folder of its own
    fresh = tmp_path / "dist"
    result = subprocess.run(
        [node, "build.mjs", "--outdir", str(fresh)],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # then it is byte for byte the committed web/dist/ (else: run `make web` and commit)
    built, committed = _files(fresh), _files(WEB / "dist")
    assert sorted(built) == sorted(committed), "run `make web` and commit web/dist/"
    differing = [name for name in built if built[name] != committed[name]]
    assert differing == [], f"stale in web/dist/ (run `make web` and commit): {differing}"


def test_the_build_is_deterministic(tmp_path: Path) -> None:
    # when the client is built twice
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "esbuild").is_dir():
        pytest.fail("Node.js and web/node_modules are needed: run `make web-deps`", pytrace=False)
    outputs = []
    for name in ("one", "two"):
        subprocess.run(
            [node, "build.mjs", "--outdir", str(tmp_path / name)], cwd=WEB, check=True, timeout=120
        )
        outputs.append(_files(tmp_path / name))
    # then both are the same bytes
    assert outputs[0] == outputs[1]
