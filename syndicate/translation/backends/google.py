"""Google Cloud Translation, basic edition (v2 REST): ``POST /language/translate/v2``.

Request ``{"q": [...], "source", "target", "format": "html"}`` with the API key
as the ``key`` query parameter; answer ``{"data": {"translations":
[{"translatedText": ...}]}}``; errors ``{"error": {"code", "message", "errors"}}``.
Google's codes: ``ckb`` is Sorani, ``ku`` is Kurmanji.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from syndicate.translation.backends.base import BackendSettings, Segment, register
from syndicate.translation.backends.http import HttpBackend


class GoogleSettings(BackendSettings):
    url: str = Field("https://translation.googleapis.com/language/translate/v2", description="v2 translate endpoint")
    api_key: SecretStr = Field(description="API key of the Google Cloud project")
    model: str | None = Field(None, description="'nmt' or 'base'; unset: Google's default")


@register
class GoogleTranslate(HttpBackend):
    name = "google"
    settings_class = GoogleSettings
    default_codes: ClassVar[dict[str, str | None]] = {"en": "en", "ar": "ar", "ckb": "ckb", "kmr": "ku"}
    batch_size = 100  # the v2 API takes up to 128 q values per request
    settings: GoogleSettings

    def translate_batch(self, source: str, target: str, segments: Sequence[Segment]) -> list[str | None]:
        body: dict[str, Any] = {"q": [s.text for s in segments], "source": source, "target": target, "format": "html"}
        if self.settings.model:
            body["model"] = self.settings.model

        def parse(data: Any) -> list[str | None]:
            return [str(item["translatedText"]) for item in data["data"]["translations"]]

        params = {"key": self.settings.api_key.get_secret_value()}
        return self.http.post(self.settings.url, json=body, params=params, parse=parse)
