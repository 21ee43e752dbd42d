"""A Faust app whose Kafka consumer honours ``kafka.fetch_max_wait_ms``.

faust-streaming hard-codes ``fetch_max_wait_ms=1500`` for its consumer. A broker that answers a
fetch only when that wait expires (Tansu does, instead of waking the fetch when data arrives)
then holds every bucket summary up to 1.5 s before stage 2 sees it; Apache Kafka wakes the
fetch early, so a short wait costs nothing there either.
"""

from __future__ import annotations

from typing import Any, cast

import aiokafka
import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TransportT


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        app = cast(FetchTunedApp, self.app)  # the only app whose transport uses this thread
        consumer._fetch_max_wait_ms = app.fetch_max_wait_ms  # read by AIOKafkaConsumer.start()
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class FetchTunedApp(faust.App):
    """``faust.App`` whose consumer waits at most ``fetch_max_wait_ms`` per fetch."""

    def __init__(self, *args: Any, fetch_max_wait_ms: int = 100, **kwargs: Any) -> None:
        self.fetch_max_wait_ms = fetch_max_wait_ms
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> TransportT:
        return _Transport(self.conf.broker_consumer, self)
