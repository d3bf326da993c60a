"""Gunicorn settings for the container's `web` service (Dockerfile CMD, docker-compose.yml).

Django settings stay in publisher_backend/settings.py; this file only shapes the HTTP server.
"""

import os

# Inside a container the server must listen on every interface; the compose file decides what
# the host publishes (127.0.0.1:8000 by default).
bind = ["0.0.0.0:8000"]

# Threads because requests spend their time waiting on WeChat, journal platforms and PostgreSQL.
# WEB_CONCURRENCY is gunicorn's own convention for the process count; containers report the
# host's CPU count, so the default is a fixed, modest number rather than derived from it.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = 4

timeout = 30
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so a slow leak never takes the service down; jitter keeps them
# from restarting together.
max_requests = 1000
max_requests_jitter = 100

# The heartbeat file on tmpfs: on overlay filesystems a blocked write can get a worker killed.
worker_tmp_dir = "/dev/shm"

accesslog = "-"
errorlog = "-"
