"""README names only files that are in the repository, and its tables hold together."""

import re
import subprocess

from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"


def _tracked_top_level_names() -> set[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    return {line.split("/", 1)[0] for line in listed.splitlines()}


def _inline_code() -> list[str]:
    """Backticked spans outside fenced code blocks."""
    text = re.sub(r"```.*?```", "", README.read_text(encoding="utf-8"), flags=re.S)
    return re.findall(r"`([^`\n]+)`", text)


def named_paths() -> list[str]:
    """Spans that name a path in the repository (its first part is a top-level entry) or outside it (`..`)."""
    top_level = _tracked_top_level_names() | {".."}
    paths = []
    for span in _inline_code():
        if re.search(r"\s", span) or "://" in span or "/" not in span:
            continue
        if span.split("/", 1)[0] in top_level:
            paths.append(re.split(r"::|\?", span, maxsplit=1)[0])
    return paths


def test_every_path_readme_names_is_in_the_repository():
    paths = named_paths()
    missing = [path for path in paths
               if path.startswith("../") or not (list(REPO_ROOT.glob(path)) if "*" in path else
                                                 (REPO_ROOT / path).exists())]

    assert len(paths) > 20  # the reader does find README's paths
    assert missing == []


def test_the_path_reader_catches_a_file_outside_the_repository(monkeypatch):
    monkeypatch.setattr("tests.test_readme._inline_code", lambda: ["../elsewhere/DESIGN.md", "deploy/README.md"])

    assert named_paths() == ["../elsewhere/DESIGN.md", "deploy/README.md"]


def test_every_table_row_belongs_to_a_table_with_a_header():
    """A blank line inside a table ends it: the rows after it render as text."""
    lines = README.read_text(encoding="utf-8").splitlines()
    orphans = [number + 1 for number, line in enumerate(lines)
               if line.startswith("|") and not (number and lines[number - 1].startswith("|"))
               and not (number + 1 < len(lines) and re.fullmatch(r"\|( *:?-+:? *\|)+", lines[number + 1]))]

    assert orphans == []


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    return text[start:text.find("\n## ", start + 1)]


def _compose_commands(section: str) -> list[list[str]]:
    """The `docker compose …` commands of a section's shell blocks, continuation lines joined."""
    import shlex

    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    script = "\n".join(blocks).replace("\\\n", " ")
    lines = [line.split("#", 1)[0].strip() for line in script.splitlines()]
    return [shlex.split(line.split(">")[0].split("<")[0]) for line in lines if line.startswith("docker compose ")]


def _service_of(arguments: list[str]) -> str:
    """The service of `docker compose exec|run [options] SERVICE …`: the first word that is not an option."""
    words = iter(arguments)
    for word in words:
        if word in ("-v", "--volume", "-e", "--env", "-u", "--user", "-w", "--workdir"):
            next(words)  # the option's value
        elif not word.startswith("-"):
            return word
    raise AssertionError(f"no service in {arguments}")


def test_operations_give_the_first_run_steps_and_backups_through_compose():
    import yaml

    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    postgres = compose["services"]["postgres"]["environment"]
    commands = _compose_commands(_section("Docker compose"))
    words = [" ".join(command) for command in commands]

    for step in ("manage.py createsuperuser", "manage.py journals_import /config/journals.yaml",
                 "manage.py loaddata subscription_templates", "pg_dump", "pg_restore"):
        assert any(step in command for command in words), step
    for command in commands:
        if command[2] in ("exec", "run"):
            assert _service_of(command[3:]) in compose["services"], command
        if any(tool in command for tool in ("pg_dump", "pg_restore")):
            assert f"--username={postgres['POSTGRES_USER']}" in command
            assert f"--dbname={postgres['POSTGRES_DB']}" in command
    # The journals file the import names is the one mounted.
    assert any("/config/journals.yaml:ro" in command and "/config/journals.yaml" in command for command in words)
