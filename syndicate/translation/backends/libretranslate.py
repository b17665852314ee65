"""LibreTranslate (self-hostable): ``POST /translate`` with ``q`` as a list.

Documented request: ``{"q", "source", "target", "format", "api_key"}``; answer
``{"translatedText": [...]}``; errors ``{"error": "..."}`` with 400 (a missing
key where keys are required), 403 (``Invalid API key``), 429 and 500. The
server runs ``html.unescape`` over every translation, HTML ones included, so
the text between placeholders is escaped again here (an ``&lt;b&gt;`` in the
source would otherwise come back as markup). Its documented language list
(the Argos models) has Arabic and English but no Kurdish code at all, so ckb
and kmr are unsupported unless an instance with its own models maps them in
``language_codes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape, unescape
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from syndicate.translation.backends.base import BackendSettings, Segment, register
from syndicate.translation.backends.http import HttpBackend
from syndicate.translation.placeholders import TOKEN_RE


class LibreTranslateSettings(BackendSettings):
    url: str = Field("http://127.0.0.1:5000", description="Base URL of the LibreTranslate instance")
    api_key: SecretStr | None = Field(None, description="Only for instances that require keys")


@register
class LibreTranslate(HttpBackend):
    name = "libretranslate"
    settings_class = LibreTranslateSettings
    default_codes: ClassVar[dict[str, str | None]] = {"en": "en", "ar": "ar", "ckb": None, "kmr": None}
    batch_size = 25
    settings: LibreTranslateSettings

    def translate_batch(self, source: str, target: str, segments: Sequence[Segment]) -> list[str | None]:
        body: dict[str, Any] = {
            "q": [s.text for s in segments],
            "source": source,
            "target": target,
            "format": "html",
        }
        if self.settings.api_key is not None:
            body["api_key"] = self.settings.api_key.get_secret_value()

        def parse(data: Any) -> list[str | None]:
            texts = data["translatedText"]
            if isinstance(texts, str):
                texts = [texts]
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                raise TypeError("translatedText is not a list of strings")
            return [escaped(t) for t in texts]

        return self.http.post(self.settings.url.rstrip("/") + "/translate", json=body, parse=parse)


def escaped(text: str) -> str:
    """An unescaped answer as masked text again: escaped between its placeholders (idempotent)."""
    out: list[str] = []
    last = 0
    for m in TOKEN_RE.finditer(text):
        out += [escape(unescape(text[last : m.start()]), quote=False), m.group(0)]
        last = m.end()
    out.append(escape(unescape(text[last:]), quote=False))
    return "".join(out)
