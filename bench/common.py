"""What every benchmark needs: a free port, a fresh database of its own, and a clean stop of a child."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from typing import Any

import environ
import psycopg2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def recreate_database(url: str) -> None:
    """A fresh, empty benchmark database (never the test or production one: it is named in BENCH_DATABASE_URL)."""
    config = environ.Env.db_url_config(url)
    admin = psycopg2.connect(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"] or None,
                             password=config["PASSWORD"] or None, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


def stop_process(process: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM to the child's process group, SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass


def json_ready(value: Any) -> Any:
    """A dict or list as JSON text (what a jsonb column takes from COPY or a plain parameter); others unchanged."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def columns_with_defaults(model, given: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The model's other concrete columns and their defaults, for raw INSERTs and COPYs that name only ``given``.

    Django keeps field defaults in Python, not in the table, so a raw write that omits a column the product has
    just added (``attempts`` on notifications, say) fails with a NotNullViolation. Writing every column the
    model has, with the model's own default where the benchmark gives none, keeps the raw rows what the ORM
    would write. Needs django.setup().
    """
    rest = [field for field in model._meta.concrete_fields
            if field.column not in given and not field.primary_key]
    unknown = set(given) - {field.column for field in model._meta.concrete_fields}
    if unknown:
        raise RuntimeError(f"{model._meta.db_table} has no column {sorted(unknown)}: update the benchmark")
    return tuple(field.column for field in rest), tuple(json_ready(field.get_default()) for field in rest)
