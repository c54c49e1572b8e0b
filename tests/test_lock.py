"""The lock file make installs from: every dependency pyproject.toml names is pinned there with hashes, and the
pin satisfies pyproject's range (so a changed pyproject without `make lock` fails here, not on a fresh machine)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements.lock."""
    found: dict[str, tuple[str, int]] = {}
    name = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^ ;\\]+)", line)
        if match:
            name = canonicalize_name(match.group(1))
            found[name] = (match.group(2), found.get(name, ("", 0))[1])
        elif name and "--hash=sha256:" in line:
            version, hashes = found[name]
            found[name] = (version, hashes + 1)
    return found


def test_every_dependency_is_pinned_with_hashes_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]
    locked = pins()
    assert len(locked) > len(wanted)  # their own dependencies are pinned too
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run make lock"
        version, hashes = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), f"{name}=={version} vs {requirement}"
        assert hashes >= 1, f"{name} has no hash"
    assert all(hashes >= 1 for _, hashes in locked.values())
