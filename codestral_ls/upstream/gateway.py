"""The Portkey gateway: its headers, its three FIM routes, the prompt library, what it reports."""

from __future__ import annotations

import json
import uuid
from typing import Any

from codestral_ls.settings import GatewaySettings
from codestral_ls.upstream.routes import Resolved

FIM_HEADER = "x-portkey-mistral-fim-completion"
# Response headers worth surfacing in codestral.status.
REPORTED = {
    "x-portkey-trace-id": "traceId",
    "x-portkey-provider": "provider",
    "x-portkey-retry-attempt-count": "retryCount",
    "x-portkey-cache-status": "cacheStatus",
    "x-portkey-last-used-option-index": "lastUsedOption",
}


def new_trace_id() -> str:
    return f"codestral-ls-{uuid.uuid4().hex}"


def headers(
    resolved: Resolved, gw: GatewaySettings, trace_id: str, *, fim_route: str | None = None
) -> dict[str, str]:
    """The x-portkey-* headers for one request. Keys go only where this route needs them."""
    out: dict[str, str] = {"x-portkey-trace-id": trace_id}
    if resolved.gateway_key:
        out["x-portkey-api-key"] = resolved.gateway_key
    config = gw.config
    if fim_route == "chat" and isinstance(config, dict):
        config = _with_fim_switch(config)
    if config:
        out["x-portkey-config"] = (
            json.dumps(config, separators=(",", ":")) if isinstance(config, dict) else config
        )
    # An inline config may carry only options (retry, timeout): then the provider, host and key
    # still come from the headers, or the gateway answers 400. One that names its provider
    # (targets, provider, api_key, custom_host) is authoritative: the custom-host header would
    # override every target's host, and on the passthrough route a forwarded Authorization
    # header overrides every target's api_key (both measured on gateway 1.15.2).
    own = config if isinstance(config, dict) else {}
    if gw.virtual_key:
        out["x-portkey-virtual-key"] = gw.virtual_key
    elif gw.provider and (not config or (own and not _names(own, "provider", "virtual_key"))):
        out["x-portkey-provider"] = gw.provider
    if gw.custom_host and not _names(own, "custom_host"):
        out["x-portkey-custom-host"] = gw.custom_host.rstrip("/")
    if gw.metadata:
        out["x-portkey-metadata"] = json.dumps(gw.metadata, separators=(",", ":"))
    if resolved.provider_key and not gw.virtual_key and not _names(own, "api_key", "virtual_key"):
        # The open-source gateway forwards this to the provider; a virtual key replaces it.
        out["Authorization"] = f"Bearer {resolved.provider_key}"
    if fim_route == "chat":
        out[FIM_HEADER] = "true"
    return out


def _names(config: dict[str, Any], *keys: str) -> bool:
    """Does this config (or, for a strategy, its targets) set one of these keys itself?"""
    if any(config.get(k) for k in keys):
        return True
    targets = config.get("targets")
    return isinstance(targets, list) and any(
        isinstance(t, dict) and _names(t, *keys) for t in targets
    )


def _with_fim_switch(config: dict[str, Any]) -> dict[str, Any]:
    """With a config, the gateway ignores the FIM header and reads this key instead: at the top
    of a single-provider config, in every target of a strategy (targets do not inherit it)."""
    switched = {**config, "mistral_fim_completion": "true"}
    if isinstance(config.get("targets"), list):
        switched["targets"] = [
            _with_fim_switch(t) if isinstance(t, dict) else t for t in config["targets"]
        ]
    return switched


def fim_path(fim_route: str) -> str:
    return {"passthrough": "/fim/completions", "chat": "/chat/completions"}.get(
        fim_route, "/completions"
    )


def completions_body(body: dict[str, Any]) -> dict[str, Any]:
    """OpenAI text-completion shape for the "completions" route."""
    keep = ("model", "prompt", "suffix", "max_tokens", "temperature", "stream", "stop")
    return {k: body[k] for k in keep if k in body}


def prompt_path(prompt_id: str) -> str:
    return f"/prompts/{prompt_id}/completions"


def reported(response_headers: Any) -> dict[str, str]:
    return {name: response_headers[h] for h, name in REPORTED.items() if h in response_headers}
