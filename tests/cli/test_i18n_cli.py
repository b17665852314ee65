"""`syndicate i18n`: pybabel extract/update wired through the project, and the catalog check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate.cli.main import app
from syndicate.languages import catalogs, i18n

runner = CliRunner()


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, copy)
    monkeypatch.setattr(i18n, "LOCALES_DIR", copy)
    return copy


def test_check_passes_on_the_committed_catalogs() -> None:
    result = runner.invoke(app, ["i18n", "check"])
    assert result.exit_code == 0, result.output
    for name in ("en (en)", "ckb (ckb)", "kmr (ku)", "ar (ar)"):
        assert f"{name}: complete" in result.output


def test_update_keeps_every_translation_and_the_arabic_plural_rule(locales: Path) -> None:
    before = {c: (locales / c / "LC_MESSAGES" / "syndicate.po").read_text("utf-8") for c in ("ckb", "ku", "ar")}
    result = runner.invoke(app, ["i18n", "update"])
    assert result.exit_code == 0, result.output
    assert "n%100>=11 ? 4 : 5" in (locales / "ar" / "LC_MESSAGES" / "syndicate.po").read_text("utf-8")
    for code in ("ckb", "ku", "ar"):
        after = i18n.read_catalog(code)
        assert {m.id: m.string for m in after if m.id} == {
            m.id: m.string for m in catalogs.read_template(locales / code / "LC_MESSAGES" / "syndicate.po") if m.id
        }
        assert before[code].count("msgstr") == (locales / code / "LC_MESSAGES" / "syndicate.po").read_text(
            "utf-8"
        ).count("msgstr")
    assert runner.invoke(app, ["i18n", "check"]).exit_code == 0


def test_check_fails_and_names_the_message(locales: Path) -> None:
    po = locales / "ar" / "LC_MESSAGES" / "syndicate.po"
    po.write_text(po.read_text("utf-8").replace('msgstr "رأي"', 'msgstr ""'), "utf-8")
    result = runner.invoke(app, ["i18n", "check"])
    assert result.exit_code == 1
    assert "error: locales/ar: 'Opinion': not translated" in result.output


def test_init_refuses_an_unregistered_language(locales: Path) -> None:
    result = runner.invoke(app, ["i18n", "init", "tr"])
    assert result.exit_code == 1
    assert not (locales / "tr").exists()
