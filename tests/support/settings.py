"""The one builder of server settings (the ``codestral`` section), direct or gateway route."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.fakes.mistral import FakeMistral


def merged(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, recursively where both hold an object."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def server_settings(
    upstream: FakeMistral | str | None,
    route: str = "direct",
    *,
    timeout_ms: int | None = 3000,
    **layers: Any,
) -> dict[str, Any]:
    """Settings for one route: no debounce, no cross-file context, ``timeout_ms`` (None: the
    server's default), and ``layers`` merged on top (``completion={...}``, ``gateway={...}``...).

    ``upstream``: a fake (its ``base_url``, or its ``gateway_url`` on the gateway route) or a
    base URL. The gateway route, or any ``gateway`` layer, names the provider ``mistral-ai``.
    """
    if isinstance(upstream, FakeMistral):
        base_url: str | None = upstream.gateway_url if route == "gateway" else upstream.base_url
    else:
        base_url = upstream
    settings: dict[str, Any] = {"route": route, "baseUrl": base_url}
    if route == "gateway" or "gateway" in layers:
        settings["gateway"] = {"provider": "mistral-ai"}
    settings["completion"] = {"debounceMs": 0}
    if timeout_ms is not None:
        settings["completion"]["timeoutMs"] = timeout_ms
    settings["context"] = {"crossFile": False}
    return merged(settings, layers)


def direct_settings(upstream: FakeMistral | str, **completion: Any) -> dict[str, Any]:
    """The direct route with a 1 s timeout; ``completion`` keys as keywords."""
    return server_settings(upstream, "direct", timeout_ms=1000, completion=completion)


def gateway_settings(upstream: FakeMistral | str, **completion: Any) -> dict[str, Any]:
    """The gateway route (the fake's gateway emulation) with a 1 s timeout."""
    return server_settings(upstream, "gateway", timeout_ms=1000, completion=completion)


ROUTES = {"direct": direct_settings, "gateway": gateway_settings}


def portkey_settings(
    gateway_url: str, custom_host: str, fim_route: str = "passthrough", **layers: Any
) -> dict[str, Any]:
    """The gateway route through a gateway at ``gateway_url`` to the provider at
    ``custom_host`` (``layers`` may also set ``route``, e.g. ``"direct"`` with failover)."""
    route = layers.pop("route", "gateway")
    gateway = {"customHost": custom_host, "fimRoute": fim_route}
    layers["gateway"] = merged(gateway, layers.get("gateway", {}))
    return server_settings(gateway_url, route, **layers)
