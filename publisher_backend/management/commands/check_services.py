"""Are PostgreSQL and Redis (as configured) reachable? Says exactly what to start when not."""

import psycopg2
import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Check that the configured database server and Redis answer; exit non-zero with what to start."

    def handle(self, *args, **options):
        problems = []
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.sqlite3":
            host, port = database.get("HOST") or "127.0.0.1", database.get("PORT") or 5432
            # The server must answer; the database itself may not exist yet (pytest creates its own).
            try:
                psycopg2.connect(host=host, port=port, user=database.get("USER") or None,
                                 password=database.get("PASSWORD") or None, dbname="postgres",
                                 connect_timeout=3).close()
            except psycopg2.OperationalError as exc:
                problems.append(f"PostgreSQL at {host}:{port} ({str(exc).strip().splitlines()[0]})")
        if settings.REDIS_URL:
            try:
                redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
            except redis.RedisError as exc:
                problems.append(f"Redis at {settings.REDIS_URL} ({exc})")
        if problems:
            raise CommandError(
                "Not reachable: " + "; ".join(problems) + ".\n"
                "Start them with:  docker compose -f docker-compose.dev.yml up -d\n"
                "or point DATABASE_URL / REDIS_URL at running servers."
            )
        self.stdout.write(self.style.SUCCESS("PostgreSQL and Redis are reachable."))
