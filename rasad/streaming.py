"""The Faust application the stages register their agents on (the real-stack runtime).

Messages are raw bytes on every topic: the core model parses them, so a plain kafka-python
or console producer writing JSON to ``articles.raw`` works like ``rasad produce``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import faust
import faust.types.auth
import faust.web
from faust.transport.drivers import aiokafka as faust_aiokafka

from rasad import metrics
from rasad.addresses import BusAddress
from rasad.bus.kafka import consumer_lag
from rasad.errors import ConfigError
from rasad.settings import Settings


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    # Faust hard-codes fetch_max_wait_ms=1500 for the worker's consumer: the broker holds each
    # fetch up to 1.5 s, which adds up to ~1.5 s per stream hop (raw → tagged → alerts) whenever
    # a partition was idle. Rasad's alerts promise sub-second latency, so the wait is a setting.
    def _create_worker_consumer(self, transport):
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = (
            self.app.conf.rasad_fetch_wait_ms
        )  # read by AIOKafkaConsumer.start()
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class RasadApp(faust.App):
    """A Faust app whose Kafka consumer waits at most ``worker_fetch_wait_ms`` per fetch."""

    def __init__(self, *args, fetch_wait_ms: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.conf.rasad_fetch_wait_ms = fetch_wait_ms

    def _new_transport(self):
        return _Transport(self.conf.broker_consumer, self)


@dataclass
class Topics:
    """The Faust topic objects of Rasad's topics."""

    raw: faust.TopicT
    tagged: faust.TopicT
    dlq: faust.TopicT
    alerts: faust.TopicT


def make_app(settings: Settings) -> tuple[faust.App, Topics]:
    """A Faust app connected to the Kafka of ``settings.bus`` and Rasad's topics on it.

    The consumer's session is short (``worker_session_timeout``, heartbeats every third of it)
    and, given ``worker_instance``, static: a killed worker's partitions move on within seconds,
    and a restarted one takes them back at once. ``/metrics`` on the worker's web server serves
    ``rasad.metrics`` with the worker group's consumer lag.
    """
    if settings.bus.scheme != "kafka":
        raise ConfigError(
            f"the Faust worker needs a kafka:// bus, not {settings.bus} (set RASAD_BUS)"
        )
    (settings.data_dir / "worker").mkdir(parents=True, exist_ok=True)
    session = settings.worker_session_timeout
    app = RasadApp(
        settings.worker_id,
        fetch_wait_ms=settings.worker_fetch_wait_ms,
        broker=[f"kafka://{b}" for b in settings.bus.brokers],
        broker_credentials=_credentials(settings.bus),
        store="memory://",
        value_serializer="raw",
        key_serializer="raw",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=1,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        consumer_group_instance_id=settings.worker_instance or None,
        broker_session_timeout=session,
        broker_heartbeat_interval=session / 3,
        web_port=settings.worker_web_port,
        web_host="127.0.0.1",
        datadir=str(settings.data_dir / "worker"),
        producer_acks=-1,
        producer_linger=settings.worker_producer_linger_ms / 1000,
        producer_max_request_size=settings.max_message_bytes + 64 * 1024,
        broker_commit_every=100,
        broker_commit_interval=1.0,
    )
    _serve_metrics(app, settings)

    def topic(name: str) -> faust.TopicT:
        return app.topic(
            name, key_type=bytes, value_type=bytes, partitions=settings.topic_partitions
        )

    return app, Topics(
        topic(settings.topic_raw),
        topic(settings.topic_tagged),
        topic(settings.topic_dlq),
        topic(settings.topic_alerts),
    )


def _credentials(bus: BusAddress) -> faust.types.auth.CredentialsT | None:
    """Faust's (aiokafka's) TLS and SASL credentials for the bus, or None for plaintext."""
    context = bus.ssl_context()
    if bus.sasl_mechanism:
        return faust.SASLCredentials(
            username=bus.username,
            password=bus.password,
            ssl_context=context,
            mechanism=bus.sasl_mechanism,
        )
    return faust.SSLCredentials(context) if context is not None else None


def _serve_metrics(app: faust.App, settings: Settings) -> None:
    metrics.lag_source(lambda: consumer_lag(settings, [settings.worker_id]))

    @app.page("/metrics")
    async def metrics_page(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        # Lag is read from Kafka (blocking calls): off the event loop.
        body, content_type = await asyncio.get_running_loop().run_in_executor(
            None, metrics.exposition
        )
        return web.bytes(body, content_type=content_type.split(";")[0])
