"""Maintaining the gettext catalogs: pybabel extract/update/init, and the checks.

The commands are pybabel's own, with the project's options in one place
(``syndicate i18n extract|update|init|check``). ``check`` fails on anything a
reader would see as a fault: a message without a translation in any catalog,
a fuzzy one, a ``{placeholder}`` lost or invented, a plural rule that differs
from CLDR over n = 0..200 (Babel writes a wrong Arabic rule: python-babel #816),
or a catalog that does not compile.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from babel.plural import to_gettext

from syndicate import __version__
from syndicate.errors import Problem
from syndicate.languages import i18n
from syndicate.languages.registry import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "babel.cfg"
SOURCES = ("syndicate", "workers")
# gettext(lang, msgid) and ngettext(lang, singular, plural, n): the message is not the first argument.
KEYWORDS = ("gettext:2", "ngettext:2,3", "N_", "N_plural:1,2")
# Templates (syndicate/web and features' own templates/ folders): Jinja2's i18n extension.
TEMPLATE_MAPPING = "[jinja2: **/templates/**.html]\nextensions = jinja2.ext.i18n\n"
TEMPLATE_KEYWORDS = ("_", "gettext", "ngettext:1,2", "pgettext:1c,2")
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
# A message id or string: one text, or one per plural form (Babel gives tuples or lists).
Text = str | tuple[str, ...] | list[str] | None


def template_path() -> Path:
    return i18n.LOCALES_DIR / f"{i18n.DOMAIN}.pot"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output: Path | None = None, root: Path = ROOT) -> Path:
    """Write the template (.pot) of every msgid in the sources and the web templates.

    Two passes, because the keywords differ: Python code calls ``gettext(lang, msgid)``
    (the message is the second argument), templates call ``_(msgid)`` and ``{% trans %}``.
    """
    output = output or template_path()
    paths = [str(root / s) for s in SOURCES if (root / s).exists()]
    with tempfile.TemporaryDirectory() as tmp:
        code_pot, html_pot, html_map = Path(tmp, "code.pot"), Path(tmp, "html.pot"), Path(tmp, "html.cfg")
        keywords = [arg for kw in KEYWORDS for arg in ("-k", kw)]
        _pybabel("extract", "-F", str(MAPPING), "--no-default-keywords", *keywords, "-o", str(code_pot), *paths)
        html_map.write_text(TEMPLATE_MAPPING, "utf-8")
        html_keywords = [arg for kw in TEMPLATE_KEYWORDS for arg in ("-k", kw)]
        _pybabel("extract", "-F", str(html_map), "--no-default-keywords", *html_keywords, "-o", str(html_pot), *paths)
        catalog = read_template(code_pot)
        for message in read_template(html_pot):
            if message.id and message.id not in catalog:
                catalog[message.id] = message
    catalog.project, catalog.version = "syndicate", __version__
    catalog.copyright_holder, catalog.msgid_bugs_address = "Chira News", "desk@chira.example"
    with output.open("wb") as fh:
        write_po(fh, catalog, width=0, no_location=True, sort_output=True)
    return output


def cldr_plural_forms(babel_locale: str) -> str:
    """The ``Plural-Forms`` header value CLDR implies for a locale."""
    return to_gettext(Locale.parse(babel_locale).plural_form)


def _fix_plural_header(path: Path, babel_locale: str) -> None:
    # pybabel init takes Plural-Forms from its own table, which is wrong for Arabic (#816)
    # and gives Persian a single form where CLDR has two.
    text = path.read_text("utf-8")
    fixed = re.sub(r'"Plural-Forms: [^"]*\\n"', f'"Plural-Forms: {cldr_plural_forms(babel_locale)}\\\\n"', text)
    path.write_text(fixed, "utf-8")
    with path.open("rb") as fh:
        catalog = read_po(fh)
    for msg in catalog:
        if msg.id and isinstance(msg.id, tuple | list):
            forms = list(_strings(msg.string))[: catalog.num_plurals]
            msg.string = tuple(forms + [""] * (catalog.num_plurals - len(forms)))
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0)


def init(language: str) -> Path:
    """A new catalog for a registered language, with CLDR's plural rule."""
    lang = LANGUAGES[language]
    _pybabel(
        "init", "-i", str(template_path()), "-d", str(i18n.LOCALES_DIR), "-D", i18n.DOMAIN, "-l", lang.catalog,
        "--no-wrap",
    )  # fmt: skip
    path = i18n.po_path(lang.catalog)
    _fix_plural_header(path, lang.babel_locale)
    return path


def update() -> None:
    """Merge the template into every catalog; messages no longer in the code are dropped."""
    for lang in LANGUAGES.values():
        _pybabel(
            "update", "-i", str(template_path()), "-d", str(i18n.LOCALES_DIR), "-D", i18n.DOMAIN,
            "-l", lang.catalog, "--ignore-obsolete", "--no-fuzzy-matching", "--no-wrap",
        )  # fmt: skip


def read_template(path: Path | None = None) -> Catalog:
    with (path or template_path()).open("rb") as fh:
        return read_po(fh)


def current_template() -> Catalog:
    """The template as extraction would write it now (compared with the committed one)."""
    with tempfile.TemporaryDirectory() as tmp:
        return read_template(extract(Path(tmp) / "syndicate.pot"))


def msgids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def plural_index_cldr(babel_locale: str, n: int) -> int:
    """gettext form index of ``n`` by CLDR: categories in CLDR order, ``other`` last."""
    rule = Locale.parse(babel_locale).plural_form
    present = [c for c in CLDR_ORDER if c in rule.tags or c == "other"]
    return present.index(rule(n))


def plural_mismatches(catalog: Catalog, babel_locale: str, upto: int = 200) -> list[int]:
    """The n in 0..upto for which the catalog's Plural-Forms picks another form than CLDR."""
    expr = stdlib_gettext.c2py(catalog.plural_expr)
    return [n for n in range(upto + 1) if expr(n) != plural_index_cldr(babel_locale, n)]


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


@dataclass(frozen=True)
class CatalogReport:
    language: str
    catalog: str
    problems: tuple[Problem, ...]


def check_catalog(language: str, template: Catalog) -> CatalogReport:
    lang = LANGUAGES[language]
    where = f"locales/{lang.catalog}"
    path = i18n.po_path(lang.catalog)
    if not path.exists():
        return CatalogReport(language, lang.catalog, (Problem(where, "no catalog"),))
    catalog = i18n.read_catalog(lang.catalog)
    problems: list[Problem] = []
    try:
        wrong = plural_mismatches(catalog, lang.babel_locale)
    except (ValueError, SyntaxError) as exc:
        wrong = []
        problems.append(Problem(where, f"Plural-Forms is not a valid C expression: {exc}"))
    if wrong:
        expected = cldr_plural_forms(lang.babel_locale)
        problems.append(Problem(where, f"Plural-Forms differs from CLDR for n={wrong[:5]}…; use {expected!r}"))
    for msg in template:
        if not msg.id:
            continue
        found = catalog.get(msg.id)
        label = msg.id if isinstance(msg.id, str) else msg.id[0]
        if found is None or found.fuzzy or not _strings(found.string) or not all(_strings(found.string)):
            problems.append(Problem(f"{where}: {label!r}", "not translated"))
            continue
        problems += _placeholder_problems(f"{where}: {label!r}", msg.id, found.string)
    extra = msgids(catalog) - msgids(template)
    problems += [Problem(f"{where}: {m!r}", "not in the template (obsolete)") for m in sorted(map(str, extra))]
    try:
        i18n.compile_catalog(catalog)
    except Exception as exc:  # a broken catalog must be reported, whatever Babel raises
        problems.append(Problem(where, f"does not compile: {exc}"))
    return CatalogReport(language, lang.catalog, tuple(problems))


def _strings(value: Text) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _placeholder_problems(where: str, msgid: Text, msgstr: Text) -> list[Problem]:
    allowed = set().union(*(_placeholders(m) for m in _strings(msgid)))
    out = []
    for form in _strings(msgstr):
        unknown = _placeholders(form) - allowed
        if unknown:
            out.append(Problem(where, f"unknown placeholder {sorted(unknown)} in {form!r}"))
        # Plural forms may leave the number out ("خبر واحد"); a single message must keep every field.
        if isinstance(msgid, str) and _placeholders(form) != allowed:
            out.append(Problem(where, f"placeholders {sorted(allowed)} expected in {form!r}"))
    return out


def check(template: Catalog | None = None) -> list[CatalogReport]:
    """Every registered language's catalog against the template."""
    template = template or read_template()
    return [check_catalog(code, template) for code in LANGUAGES]
