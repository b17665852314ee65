"""The shared HTML layer: escaping, per-render languages, lang/dir, catalog extraction, vendored assets."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from syndicate.api.app import create_app
from syndicate.languages import catalogs
from syndicate.web.templating import environment, lang_attrs, render


def test_lang_attrs_only_where_the_language_changes() -> None:
    assert lang_attrs("ckb", "en") == ' lang="ckb" dir="rtl"'
    assert lang_attrs("kmr", "ar") == ' lang="kmr" dir="ltr"'
    assert lang_attrs("ar", "ar") == ""


def test_layout_carries_the_page_language_and_escapes_values() -> None:
    html = environment().from_string('{% extends "base/layout.html" %}{% block body %}{{ x }}{% endblock %}')
    page = html.render(x="<img src=x onerror=alert(1)>", page_tag="ckb", page_dir="rtl", _=str, gettext=str)
    assert '<html lang="ckb" dir="rtl">' in page
    assert "<img" not in page and "&lt;img" in page


def test_render_translates_per_call() -> None:
    template = environment().from_string("{{ _('Kurdish (Sorani)') }}")
    # The same template in two languages, one after the other: nothing leaks between renders.
    from syndicate.languages.i18n import translations

    arabic = template.render(_=translations("ar").gettext)
    english = template.render(_=translations("en").gettext)
    assert english == "Kurdish (Sorani)"
    assert arabic != english and any("\u0600" <= c <= "\u06ff" for c in arabic)
    assert 'dir="rtl"' in render("base/layout.html", "ar")


def test_template_strings_are_extracted(tmp_path: Path) -> None:
    folder = tmp_path / "syndicate" / "feature" / "templates"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text(
        "{{ _('Open the job') }}{% trans n=2 %}One segment{% pluralize %}{{ n }} segments{% endtrans %}", "utf-8"
    )
    (tmp_path / "syndicate" / "code.py").write_text("gettext(language, 'From code')\n", "utf-8")
    pot = catalogs.read_template(catalogs.extract(tmp_path / "out.pot", root=tmp_path))
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in pot if m.id}
    assert {"Open the job", "One segment", "From code"} <= ids


def test_fonts_and_styles_are_served_by_the_app(settings: object) -> None:
    client = TestClient(create_app())
    css = client.get("/static/css/base.css")
    assert css.status_code == 200 and "NotoNaskhArabic-Regular.woff2" in css.text
    font = client.get("/static/fonts/NotoNaskhArabic-Regular.woff2")
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
