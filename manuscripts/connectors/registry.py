"""Which connector speaks which platform."""

from __future__ import annotations

from importlib import import_module

from manuscripts.connectors.base import Connector, PlatformConfig

# platform -> "module:ClassName", imported on first use
_CONNECTORS = {
    "ojs": "manuscripts.connectors.ojs:OJSConnector",
}


def connector_for(config: PlatformConfig) -> Connector:
    target = _CONNECTORS.get(config.platform)
    if target is None:
        raise ValueError(f"No connector for platform {config.platform!r} (journal system {config.key!r}).")
    module_name, class_name = target.split(":")
    return getattr(import_module(module_name), class_name)(config)
