"""Settings: URLs parsed once into typed addresses, typed values refused in
one clear message, round trips.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rasad.addresses import BusAddress, StoreAddress, parse_bus, parse_store
from rasad.settings import Settings


def test_urls_become_typed_addresses() -> None:
    settings = Settings(
        bus="kafka://a:1,b",
        store="opensearch+https://admin:s3cret@os.example:9201",
        data_dir=Path("/tmp/x"),
    )
    assert settings.bus == BusAddress("kafka", ("a:1", "b:9092"))
    assert settings.bus.bootstrap == "a:1,b:9092"
    assert settings.store.hosts == ("os.example:9201",) and settings.store.tls
    assert settings.store.urls == ["https://os.example:9201"]
    assert settings.store.client_options()["http_auth"] == ("admin", "s3cret")
    assert "s3cret" not in str(settings.store) and "s3cret" not in repr(settings.store)


def test_the_default_store_lives_in_the_data_dir() -> None:
    assert Settings(data_dir=Path("/srv/r")).store == StoreAddress(
        "sqlite", path=Path("/srv/r/rasad.db")
    )
    assert parse_store("sqlite:////abs/x.db").path == Path("/abs/x.db")
    assert parse_store("sqlite:///rel/x.db").path == Path("rel/x.db")


@pytest.mark.parametrize(
    "url", ["kafak://x", "kafka://", "kafka://h:port", "memory://host", "kafka+tls://h"]
)
def test_bad_bus_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse_bus(url)


@pytest.mark.parametrize(
    "url", ["sqlite://rel", "sqlite+https:///x", "opensearch://", "solr://h:1"]
)
def test_bad_store_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse_store(url)


@pytest.mark.parametrize(
    ("field", "value"),
    [("log_level", "loud"), ("worker_role", "tagger,alerting"), ("bus", "carrier-pigeon://x")],
)
def test_bad_values_name_the_setting(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**{field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_the_environment_of_settings_reads_back_to_the_same_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = Settings(
        bus="kafka://k:1",
        store="opensearch://u:pw@o:2",
        worker_role="alerts,tagger",
        alerts_token="t0k",
        alerts_allow_private=True,
        data_dir=Path("/tmp/d"),
    )
    for name, value in original.environment().items():
        monkeypatch.setenv(name, value)
    again = Settings()
    # The URL's password travels as RASAD_STORE_PASSWORD (a URL's text never shows it).
    assert again.model_dump(exclude={"store_password"}) == original.model_dump(
        exclude={"store_password"}
    )
    assert again.store.password == "pw" and again.alerts_token.get_secret_value() == "t0k"
