"""The lock files agree with pyproject.toml: every range is met by its pin,
every pin has hashes, and the runtime lock is the dev lock's runtime part.

`make venv` installs requirements-dev.lock and the Dockerfile
requirements.lock; a range changed without `make lock` fails here.
"""

from __future__ import annotations

import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from service.settings import REPO_ROOT

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOCKS = {
    "": "requirements.lock",
    "dev": "requirements-dev.lock",
    "bench": "requirements-bench.lock",
}


def _pins(lock: str) -> dict[str, tuple[Version, int]]:
    """Each locked package: its version and how many hashes it has."""
    pins: dict[str, tuple[Version, int]] = {}
    name = ""
    for line in (REPO_ROOT / lock).read_text(encoding="utf-8").splitlines():
        text = line.split(" #", 1)[0].strip().removesuffix("\\").strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("--hash=sha256:"):
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
            continue
        requirement = Requirement(text)
        [specifier] = requirement.specifier
        assert specifier.operator == "==", f"{lock}: {text} is not pinned"
        name = canonicalize_name(requirement.name)
        pins[name] = (Version(specifier.version), 0)
    return pins


def _wanted(extra: str) -> list[Requirement]:
    found = [Requirement(text) for text in PROJECT["dependencies"]]
    if extra:
        found += [Requirement(text) for text in PROJECT["optional-dependencies"][extra]]
    return found


@pytest.mark.parametrize("extra", list(LOCKS))
def test_every_range_in_pyproject_is_met_by_the_lock(extra: str) -> None:
    lock = LOCKS[extra]
    pins = _pins(lock)
    for requirement in _wanted(extra):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in {lock}: run make lock"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside pyproject's {requirement}: run make lock"
        )


@pytest.mark.parametrize("lock", list(LOCKS.values()))
def test_every_pin_has_hashes(lock: str) -> None:
    unhashed = [name for name, (_, hashes) in _pins(lock).items() if hashes == 0]
    assert unhashed == []


def test_runtime_and_bench_locks_pin_what_the_dev_lock_pins() -> None:
    dev = _pins(LOCKS["dev"])
    for extra in ("", "bench"):
        for name, (version, _) in _pins(LOCKS[extra]).items():
            if name in dev:
                assert dev[name][0] == version, f"{LOCKS[extra]}: {name}"
    # what only the tests use: the server and the Docker image never install it
    test_only = {"aiosmtpd", "pytest", "pytest-asyncio", "hypothesis", "playwright", "mypy"}
    assert test_only & _pins(LOCKS[""]).keys() == set()
    assert test_only <= dev.keys()
