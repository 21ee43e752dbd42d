"""``crisiswatch replay --processes 2``: stage 1 here, detection in a child process, overlapped.

Stage 1 (decoding and bucketing) and stage 2 (the engine) each take about half of a replay's CPU.
This process decodes and buckets; a forked child runs the engine on the same brand buckets in the
same order (sent as MessagePack through a pipe) and writes the alerts, so the output is
byte-identical to one process while both halves run at once.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from typing import IO

import msgspec

from detectors.contract.alerts import encode_alert
from detectors.contract.brand_bucket import BrandBucket
from detectors.replay import Replay

QUEUED_CHUNKS = 8  # chunks of brand buckets waiting to be sent to the child


class DetectionProcessError(RuntimeError):
    """The detection process ended without reporting its results."""

    @classmethod
    def ended(cls, child: multiprocessing.process.BaseProcess) -> DetectionProcessError:
        """The error for ``child``, once it has ended (waits for it)."""
        child.join()
        return cls(f"the detection process ended with exit code {child.exitcode}")


def default_processes() -> int:
    """2 where a second CPU and ``fork`` exist (the output does not depend on it), else 1."""
    has_fork = "fork" in multiprocessing.get_all_start_methods()
    return 2 if has_fork and (os.cpu_count() or 1) >= 2 else 1


def replay_two_processes(
    run: Replay,
    chunks: Iterable[list[bytes]],
    out: IO[bytes],
    progress: Callable[[int], None] = lambda alerts: None,
) -> None:
    """Feed ``chunks`` of raw messages through ``run``'s stage 1 here and its engine in a child
    that writes the alerts to ``out``; ``progress(alerts so far)`` after each chunk. On return
    ``run.alerts`` holds the child's counts, as if ``run`` had detected them itself."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    results_in, results_out = context.Pipe(duplex=False)
    alerts_seen: Synchronized[int] = context.Value("q", 0)
    out.flush()
    child = context.Process(
        target=_detect_loop,
        args=(receiver, results_out, run, out, alerts_seen),
        name="crisiswatch-replay-detect",
    )
    child.start()
    receiver.close()
    results_out.close()
    sending = _Sender(sender, child)
    try:
        for chunk in chunks:
            sending.put(run.buckets_of(chunk))
            progress(alerts_seen.value)
        sending.put(run.final_buckets())
        sending.close()
        try:
            counts: dict[tuple[str, str], int] = results_in.recv()
        except EOFError:
            raise DetectionProcessError.ended(child) from None
        child.join()
    finally:
        sending.stop()
        sender.close()
        if child.is_alive():
            child.terminate()
            child.join()
    run.alerts = Counter(counts)
    progress(alerts_seen.value)


class _Sender:
    """Encodes and writes brand buckets to the pipe from a thread, a few chunks ahead, so that
    stage 1 goes on while the child is still busy with a large bucket."""

    def __init__(self, pipe: Connection, child: multiprocessing.process.BaseProcess) -> None:
        self.pipe, self.child = pipe, child
        self.queue: queue.Queue[list[BrandBucket] | None] = queue.Queue(maxsize=QUEUED_CHUNKS)
        self.failed = False
        self.thread = threading.Thread(target=self._run, name="replay-sender", daemon=True)
        self.thread.start()

    def put(self, buckets: list[BrandBucket]) -> None:
        """Queue ``buckets`` (waits while ``QUEUED_CHUNKS`` are queued)."""
        if buckets:
            while not self._put(buckets):
                pass

    def close(self) -> None:
        """Send everything queued, then the end-of-input mark; raise if the child is gone."""
        while not self._put(None):
            pass
        self.thread.join()
        self._check()

    def stop(self) -> None:
        """Let the thread end whatever happened (idempotent)."""
        self.failed = True
        with contextlib.suppress(queue.Full):
            self.queue.put_nowait(None)

    def _put(self, item: list[BrandBucket] | None) -> bool:
        self._check()
        try:
            self.queue.put(item, timeout=0.5)
        except queue.Full:
            return False
        return True

    def _check(self) -> None:
        if self.failed:
            raise DetectionProcessError.ended(self.child)

    def _run(self) -> None:
        encoder = msgspec.msgpack.Encoder()
        while (item := self.queue.get()) is not None and not self.failed:
            try:
                self.pipe.send_bytes(encoder.encode(item))
            except (BrokenPipeError, ConnectionResetError):
                self.failed = True
                return
        if not self.failed:
            try:
                self.pipe.send_bytes(b"")
            except (BrokenPipeError, ConnectionResetError):
                self.failed = True


def _detect_loop(
    receiver: Connection,
    results: Connection,
    run: Replay,
    out: IO[bytes],
    alerts_seen: Synchronized[int],
) -> None:
    """The child: brand buckets in, alert lines out, the counts back at the end."""
    decoder = msgspec.msgpack.Decoder(list[BrandBucket])
    while data := receiver.recv_bytes():
        alerts = run.detect(decoder.decode(data))
        out.writelines(encode_alert(alert) + b"\n" for alert in alerts)
        with alerts_seen.get_lock():
            alerts_seen.value += len(alerts)
    out.flush()
    results.send(dict(run.alerts))
    results.close()
