"""One Settings object, read once by the CLI from flags, ``RASAD_*`` env vars and ``.env``.

Every field has a laptop default and a description; ``rasad settings`` and the README's
settings table are generated from these descriptions. The fields are declared by concept, one
module each (connections, worker, serving, stack, logs, search, producing, alerting, stories);
``Settings`` is all of them at once, in that order.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rasad.addresses import StoreAddress, parse_store
from rasad.settings.alerting import Alerting
from rasad.settings.connections import Connections
from rasad.settings.logs import Logs
from rasad.settings.producing import Producing
from rasad.settings.search import Search
from rasad.settings.serving import Serving
from rasad.settings.stack import Stack
from rasad.settings.stories import Stories
from rasad.settings.values import (
    ENGINE_NAMES,
    ROLES,
    EngineName,
    LogLevel,
    Role,
    parse_engines,
    parse_roles,
)
from rasad.settings.worker import Worker

__all__ = [
    "ENGINE_NAMES",
    "ROLES",
    "EngineName",
    "LogLevel",
    "Role",
    "Settings",
    "parse_engines",
    "parse_roles",
]


# Pydantic lists the fields of the bases last to first: the first group named is the last here.
class Settings(
    Stories, Alerting, Producing, Search, Logs, Stack, Serving, Worker, Connections, BaseSettings
):
    """Everything Rasad can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="RASAD_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    @model_validator(mode="before")
    @classmethod
    def _default_store(cls, data: Any) -> Any:
        # The default store lives in the data dir, whichever data dir was chosen.
        if isinstance(data, dict) and not data.get("store"):
            data_dir = Path(data.get("data_dir") or cls.model_fields["data_dir"].default)
            data = {**data, "store": StoreAddress("sqlite", path=data_dir / "rasad.db")}
        return data

    @property
    def stack_dir(self) -> Path:
        return self.data_dir / "stack"

    @model_validator(mode="after")
    def _bus_credentials(self) -> Settings:
        # Like the store's: the address carries what every Kafka client needs to connect.
        address = self.bus
        if address.scheme == "kafka":
            security = self.bus_security
            sasl = security.startswith("sasl")
            if sasl and not self.bus_username:
                raise ValueError(f"RASAD_BUS_SECURITY={security} needs RASAD_BUS_USERNAME")
            self.bus = replace(
                address,
                tls=address.tls or security.endswith("ssl"),
                sasl_mechanism=self.bus_sasl_mechanism if sasl else "",
                username=self.bus_username if sasl else "",
                password=self.bus_password.get_secret_value() if sasl else "",
                ca_file=str(self.bus_ca_file) if self.bus_ca_file else None,
            )
        return self

    @model_validator(mode="after")
    def _store_credentials(self) -> Settings:
        self.store = self._completed(self.store)
        return self

    def _completed(self, address: StoreAddress) -> StoreAddress:
        # The address carries everything a client needs; the URL's own user wins over the settings'.
        if address.scheme == "sqlite":
            return address
        return replace(
            address,
            username=address.username or self.store_username,
            password=address.password or self.store_password.get_secret_value(),
            api_key=self.store_api_key.get_secret_value(),
            ca_file=str(self.store_ca_file) if self.store_ca_file else None,
            verify=self.store_verify_certs,
        )

    def with_store(self, url: str) -> Settings:
        """These settings with the store at ``url`` (credentials and TLS from these settings,
        as for ``RASAD_STORE``); ``ValueError`` for a bad URL."""
        return self.model_copy(update={"store": self._completed(parse_store(url))})

    def environment(self) -> dict[str, str]:
        """These settings as the ``RASAD_*`` variables that read back
        to them (for child processes).
        """
        env = {}
        for name in type(self).model_fields:
            value = _as_variable(getattr(self, name))
            if value is not None:
                env[f"RASAD_{name.upper()}"] = value
        if self.store.password and not self.store_password.get_secret_value():
            env["RASAD_STORE_PASSWORD"] = self.store.password  # the URL's: its text never shows it
        return env

    def describe(self) -> list[tuple[str, str, str]]:
        """(env var, default, description) for every setting, in declaration order."""
        rows = []
        for name, field in type(self).model_fields.items():
            default = _shown(field.default)
            rows.append((f"RASAD_{name.upper()}", default, field.description or ""))
        return rows


def _shown(default: object) -> str:
    if default is None or isinstance(
        default, StoreAddress
    ):  # the store's default depends on the data dir
        return ""
    if default == ROLES:
        return "all"
    if isinstance(default, tuple):
        return ",".join(map(str, default))
    return str(default)


def _as_variable(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):  # the worker roles
        return ",".join(str(v) for v in value)
    return str(value)
