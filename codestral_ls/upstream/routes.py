"""What the settings mean once the environment is consulted: the route a request takes, its
base URL and keys (and where each key came from), and why a configuration cannot work."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from codestral_ls.settings import Secret, Settings

# The side a request takes: straight to the provider, or through the Portkey gateway.
RouteName = Literal["direct", "gateway"]

CODESTRAL_BASE_URL = "https://codestral.mistral.ai/v1"
MISTRAL_BASE_URL = "https://api.mistral.ai/v1"
PORTKEY_BASE_URL = "https://api.portkey.ai/v1"

# The missing-key problem and its generic fix; a client that offers its own way to store a key
# names that instead (lsp/fixes.py).
NO_KEY = "no Codestral API key"
NO_KEY_FIX = (
    "set CODESTRAL_API_KEY (a key from codestral.mistral.ai) or MISTRAL_API_KEY in the editor's "
    "environment, or codestral.apiKey"
)


@dataclass(frozen=True)
class Resolved:
    """The route a request takes, with its keys, after defaults and the environment."""

    route: RouteName
    base_url: str
    provider_key: Secret | None
    provider_key_source: str  # e.g. "environment CODESTRAL_API_KEY"; never the key
    gateway_key: Secret | None
    gateway_key_source: str
    problem: str | None = None  # a configuration that cannot work, said once to the user


def _env_key(env: Mapping[str, str], name: str) -> Secret | None:
    value = env.get(name, "").strip()
    return Secret(value) if value else None


def provider_key(settings: Settings, env: Mapping[str, str]) -> tuple[Secret | None, str]:
    if settings.api_key:
        return settings.api_key, "setting codestral.apiKey"
    for name in ("CODESTRAL_API_KEY", "MISTRAL_API_KEY"):
        key = _env_key(env, name)
        if key:
            return key, f"environment {name}"
    return None, "none"


def gateway_key(settings: Settings, env: Mapping[str, str]) -> tuple[Secret | None, str]:
    if settings.gateway.api_key:
        return settings.gateway.api_key, "setting codestral.gateway.apiKey"
    key = _env_key(env, "PORTKEY_API_KEY")
    return (key, "environment PORTKEY_API_KEY") if key else (None, "none")


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, setting: str) -> str | None:
    """Why this base URL cannot be used, or None when it is fine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{setting} {url!r} is not an http(s) URL; set it to e.g. {CODESTRAL_BASE_URL}"
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return (
            f"{setting} uses plain http:// to {parts.hostname}, which would send your key "
            "unencrypted; use https:// (plain http is allowed only for loopback hosts)"
        )
    return None


def resolve_route(
    settings: Settings, env: Mapping[str, str] | None = None, route: RouteName | None = None
) -> Resolved:
    """Work out route, base URL and keys; ``route`` forces a side (failover uses it)."""
    env = os.environ if env is None else env
    p_key, p_source = provider_key(settings, env)
    g_key, g_source = gateway_key(settings, env)
    gw = settings.gateway
    configured: RouteName
    if settings.route == "auto":
        configured = "gateway" if (g_key or gw.virtual_key or gw.config) else "direct"
    else:
        configured = settings.route
    chosen = route or configured
    switched = chosen != configured
    if chosen == "gateway":
        base = gw.base_url or (None if switched else settings.base_url) or PORTKEY_BASE_URL
        problem = check_base_url(base, "codestral.baseUrl")
        if not problem and gw.custom_host:
            problem = check_base_url(gw.custom_host, "codestral.gateway.customHost")
    else:
        base = (gw.custom_host if switched else settings.base_url) or (
            MISTRAL_BASE_URL if p_source == "environment MISTRAL_API_KEY" else CODESTRAL_BASE_URL
        )
        problem = check_base_url(base, "codestral.baseUrl")
        if not problem and p_key is None:
            problem = f"{NO_KEY}: {NO_KEY_FIX}"
    return Resolved(chosen, base.rstrip("/"), p_key, p_source, g_key, g_source, problem)


def failover_route(settings: Settings, env: Mapping[str, str] | None = None) -> Resolved | None:
    """The route to switch to when the active one fails, if failover is on and it is usable."""
    if not settings.failover:
        return None
    primary = resolve_route(settings, env)
    alt = resolve_route(settings, env, route="direct" if primary.route == "gateway" else "gateway")
    return None if alt.problem else alt
