"""Shared CLI plumbing: settings overrides, error printing, exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from syndicate.errors import Problem, SyndicateError, ValidationFailed
from syndicate.settings import Settings, get_settings, reset_settings

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 2
EXIT_FAILED = 1


def override(**values: str | None) -> Settings:
    """Apply command-line overrides through the environment, then rebuild settings."""
    for name, value in values.items():
        if value is not None:
            os.environ[f"SYNDICATE_{name.upper()}"] = value
    reset_settings()
    return get_settings()


def read_stdin() -> str:
    """Standard input as UTF-8 text; other bytes are bad input, reported like any other."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed([Problem("stdin", f"not UTF-8: {exc.reason} at byte {exc.start}")]) from None


def report_errors(fn: F) -> F:
    """Print library errors one line per problem and exit non-zero."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            raise typer.Exit(EXIT_INVALID) from None
        except SyndicateError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(EXIT_FAILED) from None

    return wrapper  # type: ignore[return-value]
