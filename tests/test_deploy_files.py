"""Deployment files, checked statically: no Docker engine exists where the suite runs.

docker-compose.yml is validated against the vendored Compose Specification schema
(deploy/compose-spec.json); its commands are resolved against the project's modules; the variables
it hands the app are checked against those publisher_backend/settings.py reads; the Dockerfile is
read instruction by instruction. Nothing here imports Django settings or touches the database.
"""

import ast
import copy
import fnmatch
import importlib.util
import json
import re
import shlex
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DEV_COMPOSE_FILE = ROOT / "docker-compose.dev.yml"
LOCK_FILE = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
COMPOSE_SCHEMA = ROOT / "deploy" / "compose-spec.json"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTINGS_FILE = ROOT / "publisher_backend" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"

# Services that run the project's image, and those that run until stopped.
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING_SERVICES = ("postgres", "redis", "web", "worker", "beat")
# Secrets the host must provide: compose has to refuse to start without them.
REQUIRED_SECRETS = ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEY", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "EMAIL_URL")
# Parts of the repository that are not part of the image.
NOT_IN_IMAGE = ("miniprogram", "tests", "bench")


# --- readers --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.Draft201909Validator:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft201909Validator(schema)


def _command_argv(service: dict) -> list[str]:
    """A service's command as argv; a `sh -c` command is split into the words of its script."""
    command = service.get("command", [])
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] == ["sh", "-c"]:
        argv = shlex.split(argv[2])
    return argv


def _option_value(argv: list[str], *names: str) -> str:
    """The value of an option given as `--name value` or `--name=value`."""
    for index, word in enumerate(argv):
        for name in names:
            if word == name:
                return argv[index + 1]
            if word.startswith(f"{name}="):
                return word.split("=", 1)[1]
    raise AssertionError(f"none of {names} in {argv}")


def _environment(service: dict) -> dict[str, str | None]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return dict(environment)


# settings.py's reader of the variables that production must set (a function taking the variable's name).
REQUIRED_VARIABLE_READER = "_required_outside_debug"


def _settings_variables() -> set[str]:
    """Names passed to `env(...)` / `env.<cast>(...)` (or the required-variable reader) in settings.py:
    every variable it reads."""
    tree = ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        calls_env = (isinstance(func, ast.Name) and func.id in ("env", REQUIRED_VARIABLE_READER)) or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
        )
        if not calls_env:
            continue
        first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "var"), None)
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def _env_example_variables() -> set[str]:
    """Variables .env.example lists, set (`NAME=...`) or commented out (`# NAME=...`)."""
    assert ENV_EXAMPLE.is_file(), ".env.example is missing"
    pattern = re.compile(r"^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=")
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    return {match.group(1) for match in map(pattern.match, lines) if match}


def _dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile as stages, each a list of (INSTRUCTION, arguments), continuations joined."""
    instructions, pending = [], ""
    for raw_line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    stages: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions:
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, arguments))
    return stages


def _exec_form(arguments: str) -> list[str]:
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def _copy_sources() -> list[str]:
    """Build-context paths the Dockerfile copies (copies from other stages left out)."""
    sources = []
    for stage in _dockerfile_stages():
        for keyword, arguments in stage:
            if keyword not in ("COPY", "ADD"):
                continue
            words = _exec_form(arguments)
            flags = [word for word in words if word.startswith("--")]
            if any(flag.startswith("--from") for flag in flags):
                continue
            paths = [word for word in words if not word.startswith("--")]
            sources.extend(paths[:-1])
    return sources


def _dockerignore_excludes(path: str) -> bool:
    """Whether .dockerignore keeps `path` (or a folder holding it) out of the build context."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: length + 1]) for length in range(len(parts))]
    excluded = False
    for raw_line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        patterns = [pattern, pattern[3:]] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatchcase(candidate, p) for candidate in candidates for p in patterns):
            excluded = not negated
    return excluded


def _module_source(dotted_name: str) -> ast.Module:
    spec = importlib.util.find_spec(dotted_name)
    assert spec is not None and spec.origin, f"{dotted_name} is not importable"
    return ast.parse(Path(spec.origin).read_text(encoding="utf-8"))


def _assigned_names(module: ast.Module) -> set[str]:
    return {
        target.id
        for node in module.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


# --- docker-compose.yml: schema -------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification(compose, compose_validator):
    errors = [
        f"{list(error.absolute_path)}: {error.message}" for error in compose_validator.iter_errors(compose)
    ]
    assert errors == []


def test_compose_schema_rejects_a_misspelled_healthcheck_key(compose, compose_validator):
    broken = copy.deepcopy(compose)
    broken["services"]["postgres"]["healthcheck"] = {"intervl": "5s"}

    errors = list(compose_validator.iter_errors(broken))

    assert any("intervl" in error.message for error in errors)


# --- docker-compose.yml: services -----------------------------------------------------------


def test_compose_defines_the_backing_and_app_services(compose):
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(compose["services"])


@pytest.mark.parametrize("name", LONG_RUNNING_SERVICES)
def test_long_running_service_has_a_healthcheck(compose, name):
    healthcheck = compose["services"][name].get("healthcheck", {})
    assert healthcheck.get("test") and not healthcheck.get("disable", False)


def test_services_use_only_declared_named_volumes_and_every_declared_volume_is_used(compose):
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":")[0]
            if source and not source.startswith((".", "/", "~", "$")):
                used.add(source)
    assert declared
    assert used == declared


def test_postgres_and_redis_keep_their_data_in_named_volumes(compose):
    declared = set(compose["volumes"])
    for name, data_dir in (("postgres", "/var/lib/postgresql/data"), ("redis", "/data")):
        mounts = dict(volume.split(":")[:2][::-1] for volume in compose["services"][name]["volumes"])
        assert mounts.get(data_dir) in declared, name


def test_app_services_share_one_environment(compose):
    environments = [_environment(compose["services"][name]) for name in APP_SERVICES]
    assert all(environment == environments[0] for environment in environments)


def test_web_serves_the_wsgi_application_with_gunicorn(compose):
    argv = _command_argv(compose["services"]["web"])
    assert argv[0] == "gunicorn"
    assert "publisher_backend.wsgi:application" in argv


def test_web_healthcheck_requests_healthz_from_inside_the_container(compose):
    probe = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert "urllib.request" in probe
    assert "http://127.0.0.1:8000/healthz" in probe


def test_migrate_applies_migrations_and_collects_static_files(compose):
    argv = _command_argv(compose["services"]["migrate"])
    assert "migrate" in argv
    assert "collectstatic" in argv
    assert argv.count("--noinput") == 2


def test_worker_runs_a_celery_worker_for_publisher_backend(compose):
    argv = _command_argv(compose["services"]["worker"])
    assert argv[:3] == ["celery", "-A", "publisher_backend"]
    assert "worker" in argv


def test_beat_runs_celery_beat_with_the_database_scheduler(compose):
    argv = _command_argv(compose["services"]["beat"])
    assert argv[:3] == ["celery", "-A", "publisher_backend"]
    assert "beat" in argv
    assert _option_value(argv, "--scheduler", "-S") == "django_celery_beat.schedulers:DatabaseScheduler"


@pytest.mark.parametrize("name", ("web", "worker", "beat"))
def test_app_service_waits_for_migrate_to_complete(compose, name):
    depends_on = compose["services"][name]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_waits_for_a_healthy_postgres(compose):
    depends_on = compose["services"]["migrate"]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"


# --- commands refer to real code ------------------------------------------------------------


def test_wsgi_module_defines_application():
    assert "application" in _assigned_names(_module_source("publisher_backend.wsgi"))


def test_celery_app_module_defines_app():
    assert "app" in _assigned_names(_module_source("publisher_backend.celery"))


def test_beat_scheduler_class_exists(compose):
    argv = _command_argv(compose["services"]["beat"])
    module_name, _, class_name = _option_value(argv, "--scheduler", "-S").partition(":")

    module = _module_source(module_name)

    assert class_name in {node.name for node in module.body if isinstance(node, ast.ClassDef)}


def test_migrate_command_runs_the_repository_manage_py(compose):
    argv = _command_argv(compose["services"]["migrate"])
    assert "manage.py" in argv
    assert (ROOT / "manage.py").is_file()


def test_gunicorn_config_named_by_web_and_image_exists(compose):
    final_stage = _dockerfile_stages()[-1]
    image_cmd = _exec_form([arguments for keyword, arguments in final_stage if keyword == "CMD"][-1])
    for argv in (_command_argv(compose["services"]["web"]), image_cmd):
        assert (ROOT / _option_value(argv, "--config", "-c")).is_file()


# --- environment ----------------------------------------------------------------------------


def test_settings_reader_finds_the_variables_settings_reads():
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "FIELD_ENCRYPTION_KEY"} <= _settings_variables()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_sets_only_variables_settings_reads(compose, name):
    unknown = set(_environment(compose["services"][name])) - _settings_variables()
    assert unknown == set()


def test_shared_app_environment_holds_only_variables_settings_reads(compose):
    assert set(compose["x-app-env"]) - _settings_variables() == set()


@pytest.mark.parametrize("secret", REQUIRED_SECRETS)
def test_required_secret_comes_from_the_host_without_a_default(compose, secret):
    for name in APP_SERVICES:
        value = _environment(compose["services"][name])[secret]
        assert re.fullmatch(rf"\$\{{{secret}:\?[^}}]+\}}", value), (name, value)


def test_env_example_documents_every_variable_settings_reads():
    assert _settings_variables() - _env_example_variables() == set()


def test_env_example_documents_no_variable_settings_does_not_read():
    assert _env_example_variables() - _settings_variables() == set()


# --- Dockerfile -----------------------------------------------------------------------------


def test_dockerfile_builds_in_a_separate_stage_from_a_slim_runtime():
    stages = _dockerfile_stages()
    assert len(stages) >= 2
    base_image = stages[-1][0][1].split()[0]
    assert base_image == "python:3.11-slim"


def test_dockerfile_final_stage_runs_as_a_non_root_user():
    users = [arguments for keyword, arguments in _dockerfile_stages()[-1] if keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_copies_only_paths_that_exist_in_the_repository():
    sources = _copy_sources()
    assert sources
    missing = [source for source in sources if not list(ROOT.glob(source))]
    assert missing == []


def test_dockerignore_keeps_no_copied_path_out_of_the_build_context():
    assert [source for source in _copy_sources() if _dockerignore_excludes(source)] == []


@pytest.mark.parametrize("folder", NOT_IN_IMAGE)
def test_folder_outside_the_product_stays_out_of_the_image(folder):
    assert _dockerignore_excludes(folder)
    # `COPY .` (no parts) would bring the folder in too.
    assert not [source for source in _copy_sources() if PurePosixPath(source).parts[:1] in ((folder,), ())]


def test_dockerfile_default_command_serves_the_wsgi_application_with_gunicorn():
    final_stage = _dockerfile_stages()[-1]
    commands = [arguments for keyword, arguments in final_stage if keyword in ("CMD", "ENTRYPOINT")]
    argv = [word for arguments in commands for word in _exec_form(arguments)]
    assert argv[0] == "gunicorn"
    assert "publisher_backend.wsgi:application" in argv


def test_dockerfile_exposes_the_web_port():
    exposed = [arguments for keyword, arguments in _dockerfile_stages()[-1] if keyword == "EXPOSE"]
    assert "8000" in " ".join(exposed).split()


def test_dockerfile_installs_the_locked_dependencies_with_their_hashes_then_the_project_alone():
    runs = [arguments for stage in _dockerfile_stages() for keyword, arguments in stage if keyword == "RUN"]
    pip_installs = [shlex.split(command) for run in runs for command in run.split("&&") if "pip install" in command]
    locked = [argv for argv in pip_installs if "requirements.lock" in argv]
    project = [argv for argv in pip_installs if "." in argv]

    assert locked and {"--require-hashes", "-r"} <= set(locked[0])
    assert project and "--no-deps" in project[0]
    # Nothing else is installed by name, which would bypass the lock.
    assert len(pip_installs) == 2
    assert "requirements.lock" in _copy_sources()


# --- requirements.lock --------------------------------------------------------------------------


def _locked_versions() -> dict[str, tuple[str, int]]:
    """{canonical name: (version, number of hashes)} from requirements.lock."""
    locked: dict[str, tuple[str, int]] = {}
    current = None
    for line in LOCK_FILE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", line)
        if match:
            current = canonicalize_name(match.group(1))
            locked[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = locked[current]
            locked[current] = (version, hashes + 1)
    return locked


def _pyproject_requirements() -> list[Requirement]:
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    return [Requirement(text) for text in pyproject["project"]["dependencies"] + pyproject["build-system"]["requires"]]


def test_lock_pins_every_pyproject_dependency_within_its_range():
    locked = _locked_versions()
    problems = []
    for requirement in _pyproject_requirements():
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{name} is not in requirements.lock")
        elif not requirement.specifier.contains(locked[name][0], prereleases=True):
            problems.append(f"{name}=={locked[name][0]} is outside {requirement.specifier}")
    assert problems == []


def test_every_locked_package_has_a_hash():
    locked = _locked_versions()
    assert len(locked) > len(_pyproject_requirements())  # transitive dependencies are pinned too
    assert [name for name, (_version, hashes) in locked.items() if hashes == 0] == []


# --- docker-compose.yml: what production needs passed ------------------------------------------


def test_app_environment_passes_the_proxy_count_defaulting_to_the_host_proxy(compose):
    assert compose["x-app-env"]["DJANGO_NUM_PROXIES"] == "${DJANGO_NUM_PROXIES:-1}"


@pytest.mark.parametrize("variable", ("DJANGO_CSRF_TRUSTED_ORIGINS", "WECHAT_MINIPROGRAM_STATE"))
def test_app_environment_passes(compose, variable):
    assert re.fullmatch(rf"\$\{{{variable}(:-[^}}]*)?\}}", compose["x-app-env"][variable])


def test_web_port_is_published_on_the_loopback_only(compose):
    assert all(port.startswith("127.0.0.1:") for port in compose["services"]["web"]["ports"])


# --- docker-compose.dev.yml: the test dependencies, without production secrets ------------------


@pytest.fixture(scope="module")
def dev_compose() -> dict:
    return yaml.safe_load(DEV_COMPOSE_FILE.read_text(encoding="utf-8"))


def _pytest_default(variable: str) -> str:
    """A variable's default in pyproject's pytest env (`D:NAME=value`)."""
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    entries = pyproject["tool"]["pytest"]["ini_options"]["env"]
    return next(entry.split("=", 1)[1] for entry in entries if entry.removeprefix("D:").startswith(f"{variable}="))


def test_dev_compose_file_is_valid_against_the_compose_specification(dev_compose, compose_validator):
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in compose_validator.iter_errors(dev_compose)]
    assert errors == []


def test_dev_compose_runs_only_postgres_and_redis_and_needs_no_variable(dev_compose):
    assert [service["image"].split(":")[0] for service in dev_compose["services"].values()] == ["postgres", "redis"]
    # Compose interpolates the whole file before starting anything: one `${SECRET:?}` would stop both.
    assert "${" not in DEV_COMPOSE_FILE.read_text(encoding="utf-8")


def test_dev_compose_shares_no_service_or_volume_name_with_production(dev_compose, compose):
    # Both files run as the same compose project (the folder's name): a shared name would replace a
    # production container or mount its data.
    assert not set(dev_compose["services"]) & set(compose["services"])
    assert not set(dev_compose.get("volumes") or {}) & set(compose.get("volumes") or {})


def test_dev_postgres_is_what_the_tests_connect_to(dev_compose):
    database = urlsplit(_pytest_default("DATABASE_URL"))
    postgres = dev_compose["services"]["test-postgres"]
    environment = _environment(postgres)

    assert f"{database.hostname}:{database.port}:5432" in postgres["ports"]
    assert database.hostname == "127.0.0.1"
    assert environment.get("POSTGRES_USER", "postgres") == database.username
    assert database.password is None and environment["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert environment["POSTGRES_DB"] == database.path.lstrip("/")
    assert postgres["healthcheck"]["test"]


def test_dev_redis_is_what_the_tests_connect_to(dev_compose):
    redis_url = urlsplit(_pytest_default("REDIS_URL"))
    redis = dev_compose["services"]["test-redis"]

    assert f"{redis_url.hostname}:{redis_url.port}:6379" in redis["ports"]
    assert redis["healthcheck"]["test"]


def test_the_hint_for_starting_test_services_names_the_dev_file():
    hint = "docker compose -f docker-compose.dev.yml up -d"
    command = ROOT / "publisher_backend" / "management" / "commands" / "check_services.py"

    assert hint in command.read_text(encoding="utf-8")
    assert hint in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docker compose up -d postgres redis" not in (ROOT / "README.md").read_text(encoding="utf-8")
