# syntax=docker/dockerfile:1
#
# Scholar Link backend image: one image for the web (gunicorn), worker and beat (Celery) and
# migrate (manage.py) services of docker-compose.yml; each service picks its own command.
#
# Build: docker build -t scholar-link .
# The image holds no secrets and runs no manage.py command: settings refuse to load without the
# production secrets (DJANGO_SECRET_KEY, FIELD_ENCRYPTION_KEY, WECHAT_APP_ID, WECHAT_APP_SECRET), so
# migrate/collectstatic run in the `migrate` service.

# --- builder: a virtualenv with the project and its dependencies ------------------------------
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /app
# Exact versions and hashes of every dependency (and of the build backend), from requirements.lock:
# the same image from the same commit, whatever PyPI has published since. `make lock` refreshes it.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY pyproject.toml manage.py ./
COPY publisher_backend ./publisher_backend
COPY accounts ./accounts
COPY manuscripts ./manuscripts
COPY notifications ./notifications
COPY payments ./payments
COPY tagging ./tagging
COPY sandbox ./sandbox
COPY locale ./locale
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py

# Editable on purpose: settings derive BASE_DIR (and so LOCALE_PATHS, var/) from the location of
# publisher_backend/, and locale/ lives beside the packages, not inside them. A regular install
# would put the packages in site-packages, away from locale/. The editable install records
# /app as their home, and the runtime stage keeps both /opt/venv and /app at the same paths.
# --no-deps: everything it needs came from the lock; --no-build-isolation: the locked setuptools
# builds it, rather than whatever version an isolated build would fetch.
RUN pip install --no-deps --no-build-isolation --editable . \
    && python -m compileall -q /app

# --- runtime: slim, non-root, only the venv and the sources ----------------------------------
# The sources stay root-owned and read-only for the app user; their bytecode was compiled above,
# since PYTHONDONTWRITEBYTECODE keeps the running processes from writing any.
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH"

# A fixed, numeric uid so orchestrators can check runAsNonRoot and volumes get a stable owner.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
WORKDIR /app

# var/ is the only place the app writes (collected static files, uploaded fapiao files; the named volumes mounted on
# var/static and var/media take these directories' owner when they are first created).
RUN mkdir -p /app/var/static /app/var/media && chown -R app:app /app/var

USER 10001:10001

EXPOSE 8000

CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "publisher_backend.wsgi:application"]
