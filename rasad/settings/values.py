"""The values settings take beyond plain types: worker roles, engine names, and the parsers
that turn ``RASAD_*`` text into them (addresses are parsed by ``rasad.addresses``)."""

from __future__ import annotations

from typing import Any, Literal

from rasad.addresses import parse_bus, parse_store

Role = Literal["tagger", "indexer", "alerts"]
ROLES: tuple[Role, ...] = ("tagger", "indexer", "alerts")
LogLevel = Literal["debug", "info", "warning", "error"]
EngineName = Literal["opensearch", "elasticsearch"]
ENGINE_NAMES: tuple[EngineName, ...] = ("opensearch", "elasticsearch")


def as_bus(value: Any) -> Any:
    return parse_bus(value) if isinstance(value, str) else value


def as_store(value: Any) -> Any:
    return parse_store(value) if isinstance(value, str) else value


def as_roles(value: Any) -> Any:
    return parse_roles(value) if isinstance(value, str) else value


def parse_roles(value: str) -> tuple[Role, ...]:
    """The roles of ``all`` or a comma-separated list of roles.

    ``ValueError`` naming an unknown one.
    """
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    if not names or "all" in names:
        return ROLES
    unknown = [name for name in names if name not in ROLES]
    if unknown:
        raise ValueError(
            f"unknown role {unknown[0]!r}: use all, tagger, indexer or alerts (or several: "
            "tagger,indexer)"
        )
    return tuple(role for role in ROLES if role in names)  # in pipeline order, once each


def as_engines(value: Any) -> Any:
    return parse_engines(value) if isinstance(value, str) else value


def parse_engines(value: str) -> tuple[EngineName, ...]:
    """The search engines of a comma-separated list; ``ValueError`` naming an unknown one."""
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENGINE_NAMES]
    if unknown or not names:
        raise ValueError(
            f"unknown engine {(unknown or [value])[0]!r}: use opensearch, elasticsearch or both "
            "(opensearch,elasticsearch)"
        )
    return tuple(name for name in ENGINE_NAMES if name in names)


def lowered(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value
