"""What every benchmark needs: a free port, a fresh database of its own, and a clean stop of a child."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

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
