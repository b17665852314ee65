"""Build hook: a wheel carries the gettext catalogs of ``locales/`` as ``syndicate/_locales/``.

The project's metadata lives in pyproject.toml. ``locales/`` stays at the top of
the repository (pybabel's layout, where translators edit it); without this copy
a non-editable install would have no catalogs at all.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALES = Path(__file__).resolve().parent / "locales"
PATTERNS = ("syndicate.pot", "*/LC_MESSAGES/*.po")


class BuildPyWithLocales(build_py):
    """``build_py`` plus a copy of every catalog (and the template) into the built package."""

    def run(self) -> None:
        super().run()
        if not LOCALES.is_dir():  # building from an sdist made without them: fail, do not ship English
            raise SystemExit(f"no gettext catalogs in {LOCALES}")
        target = Path(self.build_lib) / "syndicate" / "_locales"
        for pattern in PATTERNS:
            for source in sorted(LOCALES.glob(pattern)):
                destination = target / source.relative_to(LOCALES)
                self.mkpath(str(destination.parent))
                self.copy_file(str(source), str(destination))


setup(cmdclass={"build_py": BuildPyWithLocales})
