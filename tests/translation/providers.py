"""Translation providers as real HTTP servers on 127.0.0.1, speaking each provider's documented format.

Each simulator answers on a pytest-httpserver with the provider's request and
response shapes, checks credentials the way the provider does (status and
error body included), and can be told to misbehave for the next requests
(429 with Retry-After, 500, malformed JSON, a dropped placeholder, a 400 with
the provider's error body, a stall). Its "translation" marks the text with
the provider's target code and keeps every placeholder, so tests can see which
code went over the wire; LibreTranslate also unescapes its answers, as the
real server does.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TOKEN = re.compile(r'<x id="\d+"/>')
Fault = str  # "429" | "500" | "malformed" | "drop" | "reorder" | "400" | "stall"


def mark(text: str, code: str) -> str:
    """The simulated translation: tagged with the provider code, placeholders untouched."""
    return f"[{code}] {text}"


def drop_first_placeholder(text: str) -> str:
    return TOKEN.sub("", text, count=1)


def swap_placeholders(text: str) -> str:
    tokens = TOKEN.findall(text)
    if len(tokens) < 2:
        return text
    return text.replace(tokens[0], "\0").replace(tokens[1], tokens[0]).replace("\0", tokens[1])


@dataclass
class Provider:
    """Base simulator: subclasses define the path, parsing and error bodies."""

    server: HTTPServer
    prefix: str = ""
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    on_request: Callable[[dict[str, Any]], None] | None = None
    stall_seconds: float = 1.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    name = ""
    path = ""

    @property
    def url(self) -> str:
        return self.server.url_for(self.prefix).rstrip("/")

    def install(self) -> Provider:
        self.server.expect_request(self.prefix + self.path, method="POST").respond_with_handler(self.handle)
        return self

    def fail(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    # hooks for subclasses
    def parse(self, request: Request) -> dict[str, Any]:
        raise NotImplementedError

    def refusal(self, request: Request, parsed: dict[str, Any]) -> tuple[int, Any] | None:
        """The provider's answer to missing or wrong credentials (status, body), or None."""
        return None

    def answer(self, parsed: dict[str, Any], texts: list[str]) -> Any:
        raise NotImplementedError

    def error(self, status: int, message: str) -> Any:
        raise NotImplementedError

    def handle(self, request: Request) -> Response:
        parsed = self.parse(request)
        with self.lock:
            self.requests.append(parsed)
            fault = self.faults.popleft() if self.faults else None
        if self.on_request is not None:
            self.on_request(parsed)
        refused = self.refusal(request, parsed)
        if refused is not None:
            return self._json(*refused)
        if fault == "429":
            return self._json(429, self.error(429, "rate limit exceeded"), {"Retry-After": "1"})
        if fault == "500":
            return self._json(500, self.error(500, "internal error"))
        if fault == "400":
            return self._json(400, self.error(400, "language pair not supported"))
        if fault == "malformed":
            return Response('{"translat', status=200, content_type="application/json")
        if fault == "stall":
            time.sleep(self.stall_seconds)
        texts = [mark(t, parsed["target"]) for t in parsed["texts"]]
        if fault == "drop":
            texts = [drop_first_placeholder(t) for t in texts]
        if fault == "reorder":
            texts = [swap_placeholders(t) for t in texts]
        return self._json(200, self.answer(parsed, texts))

    @staticmethod
    def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
        return Response(
            json.dumps(body, ensure_ascii=False), status=status, headers=headers, content_type="application/json"
        )

    @property
    def texts_sent(self) -> list[str]:
        return [t for r in self.requests for t in r["texts"]]


class LibreTranslateServer(Provider):
    """``POST /translate`` {q, source, target, format, api_key} -> {translatedText}; errors {error}.

    As LibreTranslate's ``app.py``: with API keys on (``api_key`` set here), a key
    it does not know is 403 ``Invalid API key`` and a missing one 400; every
    translated text goes through ``html.unescape`` (``format=html`` too).
    """

    name = "libretranslate"
    path = "/translate"
    api_key: str | None = None  # None: an instance that takes requests without keys

    def parse(self, request: Request) -> dict[str, Any]:
        body = request.get_json()
        q = body["q"]
        return {
            "source": body["source"],
            "target": body["target"],
            "format": body.get("format"),
            "api_key": body.get("api_key"),
            "texts": q if isinstance(q, list) else [q],
            "batch": isinstance(q, list),
        }

    def refusal(self, request: Request, parsed: dict[str, Any]) -> tuple[int, Any] | None:
        if self.api_key is None or parsed["api_key"] == self.api_key:
            return None
        if parsed["api_key"]:
            return 403, self.error(403, "Invalid API key")
        return 400, self.error(400, "Please contact the server operator to get an API key")

    def answer(self, parsed: dict[str, Any], texts: list[str]) -> Any:
        texts = [html.unescape(t) for t in texts]
        return {"translatedText": texts if parsed["batch"] else texts[0]}

    def error(self, status: int, message: str) -> Any:
        return {"error": f"Slowdown: {message}" if status == 429 else message}


class GoogleServer(Provider):
    """v2 ``POST /language/translate/v2?key=`` {q[], source, target, format} -> {data: {translations}}."""

    name = "google"
    path = "/language/translate/v2"
    api_key = "google-key"

    def parse(self, request: Request) -> dict[str, Any]:
        body = request.get_json()
        return {
            "source": body.get("source"),
            "target": body["target"],
            "format": body.get("format"),
            "key": request.args.get("key"),
            "texts": list(body["q"]),
        }

    def refusal(self, request: Request, parsed: dict[str, Any]) -> tuple[int, Any] | None:
        return None if parsed["key"] == self.api_key else (401, self.error(401, "invalid credentials"))

    def answer(self, parsed: dict[str, Any], texts: list[str]) -> Any:
        return {"data": {"translations": [{"translatedText": t} for t in texts]}}

    def error(self, status: int, message: str) -> Any:
        reason = {429: "rateLimitExceeded", 401: "keyInvalid", 400: "invalid"}.get(status, "backendError")
        return {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
            }
        }


class MicrosoftServer(Provider):
    """v3 ``POST /translate?api-version=3.0&from=&to=&textType=`` [{Text}] -> [{translations: [{text, to}]}]."""

    name = "microsoft"
    path = "/translate"
    api_key = "ms-key"
    region = "westeurope"

    def parse(self, request: Request) -> dict[str, Any]:
        body = request.get_json()
        return {
            "api_version": request.args.get("api-version"),
            "source": request.args.get("from"),
            "target": request.args.get("to"),
            "format": request.args.get("textType"),
            "key": request.headers.get("Ocp-Apim-Subscription-Key"),
            "region": request.headers.get("Ocp-Apim-Subscription-Region"),
            "texts": [item["Text"] for item in body],
        }

    def refusal(self, request: Request, parsed: dict[str, Any]) -> tuple[int, Any] | None:
        valid = parsed["key"] == self.api_key and parsed["region"] == self.region and parsed["api_version"] == "3.0"
        return None if valid else (401, self.error(401, "invalid credentials"))

    def answer(self, parsed: dict[str, Any], texts: list[str]) -> Any:
        return [{"translations": [{"text": t, "to": parsed["target"]}]} for t in texts]

    def error(self, status: int, message: str) -> Any:
        code = {400: 400036, 401: 401000, 429: 429001}.get(status, 500000)
        return {"error": {"code": code, "message": message}}


class OpenAIServer(Provider):
    """``POST /v1/chat/completions`` {model, messages} -> {choices: [{message: {content}}]}.

    ``Authorization: Bearer <api_key>`` is checked as OpenAI does (401 with
    ``invalid_api_key``; a server started with a key, such as vLLM's
    ``--api-key``, refuses the same way); an unknown model is 404.
    """

    name = "openai"
    path = "/chat/completions"
    model = "kurdish-news-7b"
    api_key: str | None = "sk-local-test"  # None: a server without keys (Ollama)

    def parse(self, request: Request) -> dict[str, Any]:
        body = request.get_json()
        system = next(m["content"] for m in body["messages"] if m["role"] == "system")
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        found = re.search(r"from (.+?) into (.+?)\. ", system)
        assert found, system
        return {
            "model": body["model"],
            "source": found.group(1),
            "target": found.group(2),
            "system": system,
            "texts": [user],
            "authorization": request.headers.get("Authorization"),
        }

    def refusal(self, request: Request, parsed: dict[str, Any]) -> tuple[int, Any] | None:
        given = parsed["authorization"]
        if self.api_key is not None and given != f"Bearer {self.api_key}":
            if not given:
                message = "You didn't provide an API key. Provide it in the Authorization header (Bearer auth)."
                return 401, self.error(401, message)
            shown = given.removeprefix("Bearer ")
            body = self.error(401, f"Incorrect API key provided: {shown[:3]}***{shown[-2:]}.")
            body["error"]["code"] = "invalid_api_key"
            return 401, body
        if parsed["model"] != self.model:
            body = self.error(404, f"The model `{parsed['model']}` does not exist or you do not have access to it.")
            body["error"]["code"] = "model_not_found"
            return 404, body
        return None

    def answer(self, parsed: dict[str, Any], texts: list[str]) -> Any:
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": parsed["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": texts[0]}, "finish_reason": "stop"}],
        }

    def error(self, status: int, message: str) -> Any:
        kind = {429: "rate_limit_exceeded", 500: "server_error"}.get(status, "invalid_request_error")
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}


SIMULATORS: dict[str, type[Provider]] = {
    "libretranslate": LibreTranslateServer,
    "google": GoogleServer,
    "microsoft": MicrosoftServer,
    "openai": OpenAIServer,
}
PREFIXES = {"libretranslate": "/libre", "google": "", "microsoft": "/ms", "openai": "/v1"}


def backend_env(name: str, provider: Provider, timeout: float = 5.0) -> dict[str, Any]:
    """The ``SYNDICATE_TRANSLATION_<NAME>`` settings pointing a backend at its simulator."""
    base: dict[str, Any] = {"timeout_seconds": timeout}
    if name == "libretranslate":
        return {**base, "url": provider.url}
    if name == "google":
        return {**base, "url": provider.url + GoogleServer.path, "api_key": GoogleServer.api_key}
    if name == "microsoft":
        return {**base, "url": provider.url, "api_key": MicrosoftServer.api_key, "region": MicrosoftServer.region}
    return {**base, "url": provider.url, "model": OpenAIServer.model, "api_key": OpenAIServer.api_key}
