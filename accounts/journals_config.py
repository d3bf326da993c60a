"""Journal systems as configuration: read, check and apply a journals YAML file (DESIGN.md "Contract").

    journal_systems:
      - key: demo-ojs
        name: Demo OJS                      # or {en: …, zh-hans: …}
        platform: ojs
        base_url: https://journals.example.org
        credentials: {token: "${OJS_TOKEN}"}   # ${ENV_VAR} keeps secrets out of the file
        rate_limit_per_minute: 120
        journals:
          - key: jas
            platform_path: jas
            name: {en: Journal of Applied Science, zh-hans: 应用科学学报}
            issn: 1234-5678
            charges: [{kind: apc, amount_fen: 250000, name: {en: …, zh-hans: …}}]

Extra keys are allowed. Unknown platforms, missing keys, bad values and unset ${ENV_VAR}s are errors
that name the file's line. Applying is idempotent: rows are matched by key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Journal, JournalSystem, Platform
from accounts.validators import validate_platform_settings

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ISSN = re.compile(r"^\d{4}-\d{3}[\dXx]$")
_KEY = re.compile(r"^[-a-zA-Z0-9_]+$")


class JournalsConfigError(Exception):
    pass


class _LineLoader(yaml.SafeLoader):
    """Remembers the line of every mapping, so errors can point at it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class ImportSummary:
    systems_created: int = 0
    systems_updated: int = 0
    journals_created: int = 0
    journals_updated: int = 0
    messages: list[str] = field(default_factory=list)


def _fail(line: int, message: str) -> None:
    raise JournalsConfigError(f"line {line}: {message}")


def _expand_env(value: Any, line: int) -> Any:
    if isinstance(value, str):
        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name not in os.environ:
                _fail(line, f"environment variable {name} is not set")
            return os.environ[name]

        return _ENV_REFERENCE.sub(replace, value)
    if isinstance(value, dict):
        return {key: _expand_env(item, value.get("__line__", line)) for key, item in value.items() if key != "__line__"}
    if isinstance(value, list):
        return [_expand_env(item, line) for item in value]
    return value


def _require(entry: dict, key: str, what: str) -> Any:
    if entry.get(key) in (None, ""):
        _fail(entry["__line__"], f"{what} is missing '{key}'")
    return entry[key]


def _names(value: Any, line: int, what: str) -> tuple[str, str]:
    """`name: Text` or `name: {en: …, zh-hans: …}` -> (en, zh-hans)."""
    if isinstance(value, str):
        return value, ""
    if isinstance(value, dict) and (value.get("en") or value.get("zh-hans")):
        return str(value.get("en") or value.get("zh-hans")), str(value.get("zh-hans") or "")
    _fail(line, f"{what} 'name' must be text or {{en: …, zh-hans: …}}")
    raise AssertionError  # unreachable: _fail raises


def _key(entry: dict, what: str) -> str:
    key = str(_require(entry, "key", what))
    if not _KEY.match(key):
        _fail(entry["__line__"], f"{what} key {key!r} may only hold letters, digits, '-' and '_'")
    return key


def _charges(entry: dict) -> list[dict]:
    charges = entry.get("charges") or []
    if not isinstance(charges, list):
        _fail(entry["__line__"], "'charges' must be a list")
    checked = []
    for charge in charges:
        line = charge.get("__line__", entry["__line__"]) if isinstance(charge, dict) else entry["__line__"]
        if not isinstance(charge, dict):
            _fail(line, "each charge must be a mapping with kind and amount_fen")
        amount = charge.get("amount_fen")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            _fail(line, "charge 'amount_fen' must be a whole number of fen (e.g. 250000 for ¥2,500.00)")
        kind = _require(charge, "kind", "charge")
        name_en, name_zh = _names(charge.get("name", kind), line, "charge")
        checked.append({"kind": str(kind), "amount_fen": amount, "name": {"en": name_en, "zh-hans": name_zh}})
    return checked


def journals_config_load(path: Path) -> list[dict]:
    """Parse and check the whole file before anything is written."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise JournalsConfigError(f"not valid YAML: {exc}") from exc
    except OSError as exc:
        raise JournalsConfigError(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("journal_systems"), list):
        raise JournalsConfigError("line 1: the file must have a 'journal_systems' list")
    systems, seen_keys = [], set()
    for entry in document["journal_systems"]:
        if not isinstance(entry, dict):
            raise JournalsConfigError("each item of 'journal_systems' must be a mapping")
        line = entry["__line__"]
        key = _key(entry, "journal system")
        if key in seen_keys:
            _fail(line, f"journal system key {key!r} appears twice")
        seen_keys.add(key)
        platform = _require(entry, "platform", f"journal system {key!r}")
        if platform not in Platform.values:
            _fail(line, f"unknown platform {platform!r} (expected one of: {', '.join(Platform.values)})")
        base_url = str(_expand_env(_require(entry, "base_url", f"journal system {key!r}"), line))
        credentials = _expand_env(entry.get("credentials") or {}, line)
        if not isinstance(credentials, dict):
            _fail(line, "'credentials' must be a mapping")
        try:
            validate_platform_settings(platform=platform, base_url=base_url, credentials=credentials)
        except ValidationError as error:
            problems = "; ".join(f"{name}: {' '.join(str(m) for m in messages)}"
                                 for name, messages in error.message_dict.items())
            _fail(line, f"journal system {key!r}: {problems}")
        # Crossref's polite pool allows 3 list requests a second (since December 2025); other platforms publish
        # no limit, so a modest default.
        rate = entry.get("rate_limit_per_minute", 180 if platform == "crossref" else 60)
        if not isinstance(rate, int) or isinstance(rate, bool) or rate < 1:
            _fail(line, "'rate_limit_per_minute' must be a positive whole number")
        name_en, name_zh = _names(entry.get("name", key), line, "journal system")
        journals, journal_keys = [], set()
        for journal in entry.get("journals") or []:
            journal_line = journal["__line__"]
            journal_key = _key(journal, f"journal of {key!r}")
            if journal_key in journal_keys:
                _fail(journal_line, f"journal key {journal_key!r} appears twice in {key!r}")
            journal_keys.add(journal_key)
            journal_name_en, journal_name_zh = _names(_require(journal, "name", f"journal {journal_key!r}"),
                                                      journal_line, "journal")
            for issn_field in ("issn", "eissn"):
                issn = str(journal.get(issn_field) or "")
                if issn and not _ISSN.match(issn):
                    _fail(journal_line, f"{issn_field} {issn!r} is not like 1234-5678")
            journals.append({
                "key": journal_key,
                "platform_path": str(journal.get("platform_path") or journal_key),
                "name_en": journal_name_en, "name_zh_hans": journal_name_zh,
                "issn": str(journal.get("issn") or "").upper(), "eissn": str(journal.get("eissn") or "").upper(),
                "cover_image_url": str(journal.get("cover_image_url") or ""),
                "charges": _charges(journal),
            })
        systems.append({
            "key": key, "platform": platform, "base_url": base_url, "credentials": credentials,
            "name_en": name_en, "name_zh_hans": name_zh, "rate_limit_per_minute": rate,
            "timeout_seconds": float(entry.get("timeout_seconds", 10)), "enabled": bool(entry.get("enabled", True)),
            "journals": journals,
        })
    return systems


@transaction.atomic
def journals_config_apply(systems: list[dict]) -> ImportSummary:
    """Create or update every journal system and journal by key (one transaction; re-running changes nothing)."""
    summary = ImportSummary()
    for system in systems:
        journals = system.pop("journals")
        journal_system, created = JournalSystem.objects.update_or_create(key=system.pop("key"), defaults=system)
        if created:
            summary.systems_created += 1
        else:
            summary.systems_updated += 1
        for journal in journals:
            _journal, journal_created = Journal.objects.update_or_create(
                journal_system=journal_system, key=journal.pop("key"), defaults=journal)
            if journal_created:
                summary.journals_created += 1
            else:
                summary.journals_updated += 1
    return summary
