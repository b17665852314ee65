"""Microsoft Translator v3: ``POST /translate?api-version=3.0&from=..&to=..&textType=html``.

Body ``[{"Text": ...}, ...]``; answer ``[{"translations": [{"text", "to"}]}, ...]``;
errors ``{"error": {"code": 400036, "message": ...}}``. Keys travel in the
``Ocp-Apim-Subscription-Key`` header (plus ``-Region`` for regional resources).
Microsoft's codes: ``ku`` is Sorani (Central Kurdish), ``kmr`` is Kurmanji.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from syndicate.translation.backends.base import BackendSettings, Segment, register
from syndicate.translation.backends.http import HttpBackend


class MicrosoftSettings(BackendSettings):
    url: str = Field("https://api.cognitive.microsofttranslator.com", description="Translator endpoint")
    api_key: SecretStr = Field(description="Subscription key of the Translator resource")
    region: str | None = Field(None, description="Azure region of a regional or multi-service resource")
    category: str | None = Field(None, description="Custom Translator category id")


@register
class MicrosoftTranslator(HttpBackend):
    name = "microsoft"
    settings_class = MicrosoftSettings
    default_codes: ClassVar[dict[str, str | None]] = {"en": "en", "ar": "ar", "ckb": "ku", "kmr": "kmr"}
    batch_size = 100  # up to 1000 elements and 50,000 characters per request
    settings: MicrosoftSettings

    def translate_batch(self, source: str, target: str, segments: Sequence[Segment]) -> list[str | None]:
        params = {"api-version": "3.0", "from": source, "to": target, "textType": "html"}
        if self.settings.category:
            params["category"] = self.settings.category
        headers = {"Ocp-Apim-Subscription-Key": self.settings.api_key.get_secret_value()}
        if self.settings.region:
            headers["Ocp-Apim-Subscription-Region"] = self.settings.region

        def parse(data: Any) -> list[str | None]:
            return [str(item["translations"][0]["text"]) for item in data]

        url = self.settings.url.rstrip("/") + "/translate"
        body = [{"Text": s.text} for s in segments]
        return self.http.post(url, json=body, params=params, headers=headers, parse=parse)
