"""Translation backends behind one contract (``base.Backend``) and a registry.

Each backend lives in its own module with its own typed settings (a field
``translation_<name>`` of the global settings). Which backends serve a
language pair, and in which order, is the ``translation_routes`` setting.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from syndicate.translation.backends.base import REGISTRY, Backend, BackendContext, BackendSettings

if TYPE_CHECKING:
    from syndicate.settings import Settings

MODULES = ("memory", "libretranslate", "google", "microsoft", "openai", "human")


def registry() -> dict[str, type[Backend]]:
    """Every known backend by name (modules are imported on first use)."""
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return REGISTRY


def backend_settings(settings: Settings, name: str) -> BackendSettings | None:
    """The typed settings of one backend; None for a provider nobody configured.

    Backends with a settings field (``translation_<name>``) are used only once
    it is set; the memory and the human desk need no settings at all.
    """
    field = f"translation_{name}"
    if field in type(settings).model_fields:
        return getattr(settings, field)
    return registry()[name].settings_class()


def build(name: str, context: BackendContext) -> Backend | None:
    cls = registry().get(name)
    if cls is None:
        return None
    config = backend_settings(context.settings, name)
    return None if config is None else cls(config, context)


def route(settings: Settings, source: str, target: str) -> list[str]:
    """Backend names for a pair, in order: the most specific route wins."""
    routes = settings.translation_routes
    for key in (f"{source}>{target}", f"*>{target}", f"{source}>*", "*"):
        if key in routes:
            return list(routes[key])
    return ["memory", "human"]
