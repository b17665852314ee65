"""The catalogs ship with the package: a wheel carries them, and an installed copy finds them.

A missing catalog of a registered language is an error, never English in a
Sorani feed. The wheel is built once for the module (pip, with build
isolation: that also proves the declared build requirements can read
pyproject.toml), a few seconds with pip's cache.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndicate.errors import CatalogMissing
from syndicate.languages import i18n
from syndicate.languages.registry import LANGUAGES
from tests.helpers import ROOT

SOURCES = (
    *("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "babel.cfg"),
    *("syndicate", "workers", "bench", "locales"),
)
_OFFLINE = ("Could not find a version that satisfies", "Failed to establish a new connection", "Network is unreachable")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the project (the build leaves build/ and egg-info behind)."""
    src = tmp_path_factory.mktemp("project")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "results"))
        else:
            shutil.copy2(path, src / name)
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode and any(sign in proc.stderr for sign in _OFFLINE):
        pytest.skip(f"pip cannot fetch the build requirements (offline?): {proc.stderr[-300:]}")
    assert proc.returncode == 0, proc.stderr
    (built,) = out.glob("syndicate-*.whl")
    return built


def test_the_wheel_carries_every_catalog(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    catalogs = {f"syndicate/_locales/{lang.catalog}/LC_MESSAGES/syndicate.po" for lang in LANGUAGES.values()}
    assert catalogs <= names
    assert "syndicate/_locales/syndicate.pot" in names
    assert not [n for n in names if n.endswith(".mo")]  # compiled in memory, never shipped stale
    for name in catalogs:
        packed = zipfile.ZipFile(wheel).read(name)
        assert packed == (ROOT / "locales" / name.removeprefix("syndicate/_locales/")).read_bytes()


def test_an_installed_wheel_translates_without_the_repository(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {k: v for k, v in os.environ.items() if k != "SYNDICATE_LOCALES_DIR"}
    env["PYTHONPATH"] = str(site)
    code = (
        "from syndicate.languages import i18n;"
        "print(i18n.LOCALES_DIR);"
        "print(i18n.gettext('ckb', 'Sport'), i18n.ngettext('ar', '{n} story', '{n} stories', 11).format(n=11))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    where, words = proc.stdout.splitlines()
    assert Path(where) == site / "syndicate" / "_locales"
    assert words == "وەرزش 11 خبرًا"


def test_the_repository_folder_comes_first_then_the_packaged_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNDICATE_LOCALES_DIR", raising=False)
    assert i18n.locales_dir() == ROOT / "locales"
    monkeypatch.setattr(i18n, "REPO_LOCALES", ROOT / "no-such-folder")
    assert i18n.locales_dir() == i18n.PACKAGED_LOCALES
    monkeypatch.setenv("SYNDICATE_LOCALES_DIR", "/srv/catalogs")
    assert i18n.locales_dir() == Path("/srv/catalogs")


@pytest.fixture
def i18n_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    # The syndicate logger may not propagate (JSON logging): listen on it directly.
    logger = logging.getLogger("syndicate.i18n")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.ERROR, logger="syndicate.i18n")
    yield caplog
    logger.removeHandler(caplog.handler)


def test_a_missing_catalog_is_an_error_not_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, i18n_log: pytest.LogCaptureFixture
) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, copy)
    shutil.rmtree(copy / "ckb")
    monkeypatch.setattr(i18n, "LOCALES_DIR", copy)
    for _ in range(3):
        with pytest.raises(CatalogMissing, match="no gettext catalog for 'ckb'"):
            i18n.gettext("ckb", "Sport")
    # One record (the handler may see it twice: on the logger and through propagation).
    errors = list({id(r): r for r in i18n_log.records if r.levelno == logging.ERROR}.values())
    assert len(errors) == 1 and str(copy / "ckb") in errors[0].getMessage()  # loud once, raised every time
    assert i18n.gettext("kmr", "Sport") == "Werziş"  # the other languages are unaffected
    assert i18n.gettext("tr", "Sport") == "Sport"  # not a registered language: its msgid
