"""One typed settings object, read from ``SYNDICATE_*`` environment variables.

Built lazily by :func:`get_settings` so that importing the library never reads
the environment; tests call :func:`reset_settings` after changing it.
"""

from __future__ import annotations

import json
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from syndicate.languages.script import DigitStyle
from syndicate.translation.backends.google import GoogleSettings
from syndicate.translation.backends.libretranslate import LibreTranslateSettings
from syndicate.translation.backends.microsoft import MicrosoftSettings
from syndicate.translation.backends.openai import OpenAISettings
from syndicate.translation.policy import TranslationPolicy


class Settings(BaseSettings):
    """Effective configuration. Secrets are ``SecretStr`` and masked when printed."""

    model_config = SettingsConfigDict(
        env_prefix="SYNDICATE_", env_file=".env", extra="ignore", env_nested_delimiter="__"
    )

    # storage and broker
    database_url: str = Field(
        "sqlite:///syndicate.db",
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL in production",
    )
    broker_url: str | None = Field(None, description="Celery broker (redis://...); unset = run tasks in-process")
    redis_url: str | None = Field(None, description="Redis for locks and debounce; defaults to the broker URL")

    # outlet and public URLs
    outlet_name: str = Field("Chira News", description="Publication name used in feeds and payloads")
    site_url: str = Field("https://chira.example", description="Public web site; article URLs live under it")
    feeds_url: str = Field(
        "http://127.0.0.1:8000/feeds", description="Public base URL of the feeds (used for rel=self)"
    )
    api_url: str = Field("http://127.0.0.1:8000", description="Public base URL of the API")
    tag_authority: str = Field("chira.example,2020", description="RFC 4151 tag: authority for stable entry ids")
    copyright_holder: str = Field("Chira News", description="Default copyright holder")
    timezone: str = Field("Asia/Baghdad", description="Default zone for dates shown to readers")

    # credentials (partner keys live hashed in the database)
    newsroom_tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Bearer tokens of the newsroom CMS (POST /v1/articles)"
    )
    editor_tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Bearer tokens of desk editors"
    )
    translator_tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Bearer tokens of translators"
    )
    admin_tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Bearer tokens for the admin API"
    )

    # limits
    max_article_bytes: int = Field(1_000_000, description="Largest accepted article document (bytes of JSON)")
    max_request_bytes: int = Field(8_000_000, description="Largest accepted HTTP request body")
    max_batch_items: int = Field(
        500, description="Most articles in one ingest request; the CLI stores bigger folders in batches of this size"
    )

    # feeds
    feed_size: int = Field(50, description="Entries in a subscription document and per archive page")
    render_debounce_seconds: float = Field(1.0, description="Quiet time before a feed rebuild")
    render_lock_seconds: float = Field(30.0, description="Lifetime of the Redis lock held by one feed rebuild")
    render_max_delay_seconds: float = Field(5.0, description="Longest a changed feed waits for its rebuild")
    render_min_interval_seconds: float = Field(
        10.0, ge=0, description="Least time between two rebuilds of a language or section feed (a steady stream)"
    )
    render_min_interval_narrow_seconds: float = Field(
        60.0, ge=0, description="Least time between two rebuilds of a tag or author feed (many feeds, few readers)"
    )
    websub_hubs: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="WebSub hubs pinged after a feed changes"
    )
    websub_timeout_seconds: float = Field(5.0, description="Time-out of one WebSub publish ping")
    websub_retry_seconds: float = Field(30.0, description="First delay before pinging a failed hub again (doubles)")
    feed_max_age_seconds: int = Field(60, description="Cache-Control max-age of subscription feeds and sitemaps")
    archive_max_age_seconds: int = Field(86400, description="Cache-Control max-age of full archive pages")
    feed_cache_seconds: float = Field(
        1.0, ge=0, description="How long an API process answers a feed from memory before re-reading it (0: never)"
    )
    sitemap_refresh_seconds: float = Field(600.0, description="How often news sitemaps drop stories past 48 hours")
    export_dir: Path | None = Field(None, description="Folder that rendered feeds are exported to (nginx/CDN)")

    # languages
    digits: dict[str, DigitStyle] = Field(
        default_factory=dict, description='Digit style per language, e.g. {"ckb": "latn", "ar": "arab"}'
    )
    glossary_path: Path | None = Field(
        None, description="Editable glossary of names and terms (JSON); unset = the built-in one"
    )

    # translation
    translation_enabled: bool = Field(True, description="Plan translation jobs for newsroom articles")
    translation_policy: TranslationPolicy | None = Field(
        None, description="Target languages and publish mode per section and language (JSON; see policy.py)"
    )
    translation_policy_file: Path | None = Field(None, description="The same policy as a JSON data file")
    translation_routes: dict[str, list[str]] = Field(
        default_factory=lambda: {"*": ["memory", "human"]},
        description='Backends per pair, in order, e.g. {"en>ckb": ["memory", "openai", "human"]}; "*" matches any',
    )
    translation_libretranslate: LibreTranslateSettings | None = Field(
        None, description="LibreTranslate: url, api_key, language_codes (JSON, or ..._LIBRETRANSLATE__URL)"
    )
    translation_google: GoogleSettings | None = Field(None, description="Google Translation v2: api_key, url, model")
    translation_microsoft: MicrosoftSettings | None = Field(
        None, description="Microsoft Translator v3: api_key, region, url, category"
    )
    translation_openai: OpenAISettings | None = Field(
        None, description="OpenAI-compatible chat completions (Ollama, vLLM): url, model, api_key"
    )
    translation_retry_attempts: int = Field(3, ge=1, description="HTTP attempts per backend request")
    translation_backoff_seconds: float = Field(1.0, ge=0, description="First retry delay; doubles per attempt")
    translation_max_backoff_seconds: float = Field(
        30.0, ge=0, description="Longest wait inside a task; a longer Retry-After re-queues the job"
    )
    translation_breaker_failures: int = Field(5, ge=1, description="Failed requests in a row that switch a backend off")
    translation_breaker_cooldown_seconds: float = Field(300.0, ge=0, description="How long a failing backend stays off")
    translation_fuzzy_threshold: float = Field(75.0, ge=0, le=100, description="Lowest memory match score shown")
    translation_fuzzy_limit: int = Field(3, ge=0, description="Memory matches offered per segment")

    # reliability
    step_deadline_seconds: float = Field(300.0, description="A step not done by then is re-enqueued")
    sweep_interval_seconds: float = Field(15.0, description="How often the sweeper runs (Celery beat)")
    task_time_limit: float = Field(300.0, description="Hard time limit of one task")
    visibility_timeout: int = Field(3600, description="Redis visibility timeout (seconds), above any task runtime")
    queue_max_depth: int = Field(
        50_000, ge=0, description="Bound of one Celery queue; past it, new work waits in the outbox (0: no bound)"
    )
    outbox_retention_hours: float = Field(
        72.0, ge=0, description="How long completed outbox rows are kept (latency figures; 0: forever)"
    )

    # partners
    partner_rate_limit: int = Field(120, description="Pull API requests per partner per minute (0: no limit)")
    push_timeout_seconds: float = Field(10.0, description="Time-out of one webhook POST")
    push_max_attempts: int = Field(8, description="Attempts before a delivery is dead-lettered")
    allow_private_webhooks: bool = Field(False, description="Allow loopback/private webhook targets for all partners")
    push_backoff_seconds: float = Field(
        30.0, description="Delay before the first push retry; doubles per attempt, with jitter"
    )
    push_backoff_max_seconds: float = Field(3600.0, description="Longest delay between two push attempts")
    push_circuit_threshold: int = Field(10, description="Failed pushes in a row that pause a partner's deliveries")
    push_circuit_cooldown_seconds: float = Field(600.0, description="How long a paused partner waits before a retry")
    partner_page_size: int = Field(100, description="Most items in one page of the partner pull API")

    log_json: bool = Field(True, description="Structured JSON logs")
    log_level: str = Field("INFO", description="Log level")

    @field_validator(
        "newsroom_tokens", "editor_tokens", "translator_tokens", "admin_tokens", "websub_hubs", mode="before"
    )
    @classmethod
    def _split_tokens(cls, value: Any) -> Any:
        # Accept a comma-separated string as well as a JSON list in the environment.
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @model_validator(mode="after")
    def _one_role_per_token(self) -> Settings:
        # Roles are separate credentials: a token listed under two roles would make them one.
        seen: dict[str, str] = {}
        for role in ("newsroom", "editor", "translator", "admin"):
            for token in getattr(self, f"{role}_tokens"):
                value = token.get_secret_value()
                if value in seen and seen[value] != role:
                    raise ValueError(f"a token is listed for more than one role ({seen[value]} and {role})")
                seen[value] = role
        return self

    @property
    def effective_redis_url(self) -> str | None:
        if self.redis_url:
            return self.redis_url
        if self.broker_url and self.broker_url.startswith(("redis://", "rediss://")):
            return self.broker_url
        return None

    def masked(self) -> dict[str, Any]:
        """Settings as plain data with every secret and URL password masked, however deeply nested."""
        return {name: mask_value(getattr(self, name)) for name in type(self).model_fields}


def mask_value(value: Any) -> Any:
    """``value`` as plain JSON data: secrets masked in models, dicts and lists, URL userinfo hidden."""
    if isinstance(value, SecretStr):
        return "****"
    if isinstance(value, BaseModel):
        return {name: mask_value(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, dict):
        return {str(key): mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(item) for item in value]
    if isinstance(value, Enum):
        return mask_value(value.value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_url(str(value))  # strings, paths, pydantic URL types


def mask_url(url: str) -> str:
    """``url`` with the password of its userinfo masked (a lone user name is often a token: masked too)."""
    parts = urlsplit(url) if "://" in url else None
    if parts is None or "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, has_password, _ = userinfo.partition(":")
    shown = f"{user}:****" if has_password else "****"
    return urlunsplit(parts._replace(netloc=f"{shown}@{host}"))


def settings_table() -> str:
    """The settings reference as a Markdown table (kept in the README)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default if field.default_factory is None else field.default_factory()  # type: ignore[call-arg]
        shown = "" if default in (None, [], {}) else f"`{default}`"
        rows.append(f"| `SYNDICATE_{name.upper()}` | {shown} | {field.description or ''} |")
    return "\n".join(rows)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests, CLI options that change the env)."""
    get_settings.cache_clear()
