"""OpenAI-compatible chat completions (Ollama, vLLM, llama.cpp server): ``POST /chat/completions``.

One segment per request. Language models need language *names*, not codes,
so the provider "code" of a language is the name the prompt uses; naming the
script keeps Sorani (Arabic script) and Kurmanji (Latin script) apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from syndicate.translation.backends.base import BackendSettings, Segment, register
from syndicate.translation.backends.http import HttpBackend

PROMPT = (
    "You translate news articles from {source} into {target}. The user message is one segment: "
    'an HTML fragment in which <x id="N"/> tags stand for names, numbers, links and markup. '
    'Keep every <x id="N"/> tag exactly as written, once each, in the same order. '
    "Answer with the translation of the segment only, without quotes or comments."
)
_FENCE = re.compile(r"^```[a-z]*\n?|\n?```$")


class OpenAISettings(BackendSettings):
    url: str = Field("http://127.0.0.1:11434/v1", description="Base URL of the OpenAI-compatible API")
    model: str = Field(description="Model name as the server knows it")
    api_key: SecretStr | None = Field(None, description="Bearer token, if the server wants one")
    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(2048, gt=0)


@register
class OpenAICompatible(HttpBackend):
    name = "openai"
    settings_class = OpenAISettings
    default_codes: ClassVar[dict[str, str | None]] = {
        "en": "English",
        "ckb": "Central Kurdish (Sorani), in Arabic script",
        "kmr": "Northern Kurdish (Kurmanji), in Latin script",
        "ar": "Modern Standard Arabic",
    }
    batch_size = 1
    settings: OpenAISettings

    def translate_batch(self, source: str, target: str, segments: Sequence[Segment]) -> list[str | None]:
        headers = {}
        if self.settings.api_key is not None:
            headers["Authorization"] = f"Bearer {self.settings.api_key.get_secret_value()}"
        out: list[str | None] = []
        for segment in segments:
            body = {
                "model": self.settings.model,
                "temperature": self.settings.temperature,
                "max_tokens": self.settings.max_tokens,
                "messages": [
                    {"role": "system", "content": PROMPT.format(source=source, target=target)},
                    {"role": "user", "content": segment.text},
                ],
            }
            url = self.settings.url.rstrip("/") + "/chat/completions"
            out.append(self.http.post(url, json=body, headers=headers, parse=_content))
        return out


def _content(data: Any) -> str:
    content = data["choices"][0]["message"]["content"]
    if not isinstance(content, str):
        raise TypeError("message content is not a string")
    return _FENCE.sub("", content.strip()).strip()
