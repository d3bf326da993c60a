"""Run Celery tasks in the calling process for a block (Celery's eager mode), where a test is about what a task
does rather than about the queue; the queue itself is exercised by the tests with real workers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from publisher_backend.celery import app


@contextmanager
def tasks_inline() -> Iterator[None]:
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = previous
