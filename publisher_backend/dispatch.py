"""Enqueue a Celery task after the transaction commits, by name, without ever failing the request.

Services enqueue through `enqueue_on_commit("app.tasks.name", *args)`: the message is sent by task name
(`send_task`; routes in CELERY_TASK_ROUTES apply by name), so a service never imports its app's tasks
module (which imports the services) and the import circle between them does not exist.

A committed request must not turn into a 500 because the broker is down: the data is written, and the
work is also found by a periodic sweep (accounts due by `next_sync_at` or with a sync requested, for the
poll tick; pending notifications, for the sender's 30 s sweep). So a publish that fails is logged and
dropped, or replaced by `fallback` for quick work no sweep finds. How long a publish may take before it is
given up is bounded by CELERY_BROKER_CONNECTION_TIMEOUT and CELERY_TASK_PUBLISH_RETRY_POLICY (settings.py).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def enqueue_now(task_name: str, *args: Any, fallback: Callable[[], object] | None = None) -> bool:
    """Send the task `task_name` with `args` now. When the broker can't take it: log, run `fallback` if given,
    and return False. Never raises a broker or connection error."""
    if current_app.conf.task_always_eager:
        # send_task ignores task_always_eager; delay() honours it, and so does this (no broker is involved).
        task = import_string(task_name)  # tasks are named by their module path; this registers the module's
        task.apply(args=args, throw=current_app.conf.task_eager_propagates)
        return True
    try:
        current_app.send_task(task_name, args=args)
    except Exception:  # noqa: BLE001 - whatever the broker or its client raises, the request has committed
        logger.warning("could not enqueue %s%r; %s", task_name, args,
                       "running it here" if fallback else "a periodic sweep will pick the work up", exc_info=True)
        if fallback is not None:
            try:
                fallback()
            except Exception:  # noqa: BLE001 - the request has committed; its answer stands
                logger.exception("the fallback for %s failed", task_name)
        return False
    return True


# How long the kicker lets the kicks of a burst gather before it sends them: a worker hears of a commit that much
# later at most, and a busy web process calls the cache for each key at most 1 / KICK_WINDOW_SECONDS times a second.
KICK_WINDOW_SECONDS = 0.02
# How long a coalesced task counts as waiting in the queue when its worker never clears the mark (a lost message).
COALESCE_SECONDS = 10


def _coalesce_mark(key: str) -> str:
    return f"dispatch:waiting:{key}"


@dataclass(frozen=True)
class TaskAfterCommit:
    """The on-commit callback that sends one task (tests read `task_name` and `args` off it).

    With `coalesce_key`, the task is not sent again while one sent earlier still waits in the queue: a burst of
    commits then costs one message. The task calls `coalesced_task_started(key)` before it looks at the data, so
    a commit after that sends again; the mark also expires (COALESCE_SECONDS), so a lost message silences nothing.
    Such a kick (without a fallback, which could touch the database) is handed to this process's kicker thread
    (`_Kicker`), so the committed request never waits on the cache or the broker for it; in eager mode (tests'
    tasks_inline) it runs here and now.
    """

    task_name: str
    args: tuple
    fallback: Callable[[], object] | None = None
    coalesce_key: str = ""

    def __call__(self) -> None:
        if self.coalesce_key and self.fallback is None and not current_app.conf.task_always_eager:
            _kicker.submit(self)
        else:
            self.send()

    def send(self) -> None:
        if self.coalesce_key:
            try:
                if not cache.add(_coalesce_mark(self.coalesce_key), 1, timeout=COALESCE_SECONDS):
                    return  # one is waiting; it will see this commit's data
            except Exception:  # noqa: BLE001 - without the cache, send: one message too many costs an empty run
                logger.warning("could not mark %s as waiting; sending it anyway", self.task_name, exc_info=True)
        enqueue_now(self.task_name, *self.args, fallback=self.fallback)


class _Kicker:
    """Sends this process's coalesced kicks from a daemon thread, a burst of them as one.

    Every commit that asks for a kick is followed by a send that starts after it: a key is taken off `pending`
    before its kick is sent, so a commit during the send queues the key again. The thread starts on first use
    in each process (after a fork too); kicks still pending when the interpreter exits are sent then (atexit).
    A kick lost with a crashed process is what the beat sweeps are for, as with a broker outage."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked child starts with no thread and no kicks

    def _reset(self) -> None:
        self._pending: dict[str, TaskAfterCommit] = {}
        self._sending = self._idle = False
        self._changed = threading.Condition()
        self._pid = 0

    def submit(self, kick: TaskAfterCommit) -> None:
        with self._changed:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="dispatch-kicker", daemon=True).start()
            self._pending.setdefault(kick.coalesce_key, kick)
            if self._idle:
                self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._idle = True
                self._changed.wait_for(lambda: self._pending)
                self._idle, self._sending = False, True
            time.sleep(KICK_WINDOW_SECONDS)  # the commits of a burst share one kick (one cache and broker call)
            with self._changed:
                kicks, self._pending = list(self._pending.values()), {}
            try:
                for kick in kicks:
                    kick.send()
            except Exception:  # noqa: BLE001 - send() never raises for the broker; keep the thread alive anyway
                logger.exception("sending coalesced kicks failed")
            finally:
                # A database cache (make run's) opens a connection in this thread: drop it when broken or too old,
                # as the end of a request does for the request's.
                close_old_connections()
                with self._changed:
                    self._sending = False
                    self._changed.notify_all()  # drain() waits for this

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until every submitted kick has been sent; False if `timeout` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._sending, timeout=timeout)


_kicker = _Kicker()
atexit.register(_kicker.drain, 2.0)


def coalesced_kicks_sent(timeout: float = 5.0) -> bool:
    """Wait until this process has sent every coalesced kick asked for so far (tests, short-lived commands)."""
    return _kicker.drain(timeout)


def enqueue_on_commit(task_name: str, *args: Any, fallback: Callable[[], object] | None = None,
                      coalesce_key: str = "") -> None:
    """`enqueue_now` once the current transaction commits (at once outside a transaction); see TaskAfterCommit
    for `coalesce_key`."""
    transaction.on_commit(TaskAfterCommit(task_name, args, fallback, coalesce_key))


def coalesced_task_started(coalesce_key: str) -> None:
    """Called by a coalesced task before it reads: commits from now on send it again."""
    try:
        cache.delete(_coalesce_mark(coalesce_key))
    except Exception:  # noqa: BLE001 - the mark expires on its own
        logger.warning("could not clear the waiting mark of %s", coalesce_key, exc_info=True)
