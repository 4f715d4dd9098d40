"""What the user is told when something fails: cause and fix in one sentence, once per cause."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from codestral_ls.settings import Settings
from codestral_ls.upstream.errors import UpstreamError
from codestral_ls.upstream.routes import NO_KEY_FIX as NO_KEY_FIX
from codestral_ls.upstream.routes import Resolved

# How loud a message is (window/showMessage types).
Level = Literal["error", "warning", "info"]
# What a status bar shows; sent as codestral/status.
State = Literal["ready", "working", "rate_limited", "error", "disabled"]
# What the pipeline reports: a state, or "idle" (an abandoned call ended: back to rest unless a
# failure is showing).
StateEvent = Literal["ready", "working", "rate_limited", "error", "disabled", "idle"]

KEY_HOSTS = (
    "codestral.mistral.ai keys and api.mistral.ai keys are different: a Codestral key needs "
    "baseUrl https://codestral.mistral.ai/v1, a general Mistral key https://api.mistral.ai/v1"
)


def describe(
    error: UpstreamError, route: Resolved, settings: Settings, *, session: bool = True
) -> str:
    """``session`` False: a one-shot command, which neither pauses nor resumes completions, so
    the text leaves out what only an editor session does."""
    where = route.base_url
    # what an editor session does next; a one-shot command just ends
    resumes = "; completions resume when it answers again." if session else "."
    status = f" ({error.status})" if error.status else ""
    kind = error.kind
    if kind == "config":
        return f"Codestral is not configured: {error.detail}."
    if kind == "auth":
        if route.route == "gateway":
            return (
                f"The gateway at {where} rejected the request{status}: {error.detail}. Check the "
                f"gateway key (from {route.gateway_key_source}), the provider key (from "
                f"{route.provider_key_source}) or codestral.gateway.virtualKey."
            )
        return (
            f"{where} rejected the API key{status} from {route.provider_key_source}: "
            f"{error.detail}. Check the key; {KEY_HOSTS}."
        )
    if kind == "rate_limit" and not session:
        after = f" after {error.retry_after:g} s" if error.retry_after is not None else " later"
        return (
            f"{where} is rate limiting requests{status}: try again{after}, or check your "
            "plan's limits."
        )
    if kind == "rate_limit":
        wait = (
            f"pausing completions for {error.retry_after:g} s as the server asked"
            if error.retry_after is not None
            else "pausing completions briefly"
        )
        return (
            f"{where} is rate limiting requests{status}: {wait}. Raise "
            "codestral.completion.debounceMs or check your plan's limits."
        )
    if kind == "timeout":
        return (
            f"No answer from {where} in time ({error.detail}). Check your network or proxy, "
            f"or raise codestral.completion.timeoutMs (now {settings.completion.timeout_ms})."
        )
    if kind == "unreachable":
        return (
            f"Cannot reach {where}: {error.detail}. Check codestral.baseUrl, your network, "
            f"and HTTPS_PROXY/NO_PROXY{resumes}"
        )
    if kind == "server":
        recovers = "; completions resume automatically when it recovers." if session else "."
        return f"{where} failed{status}: {error.detail}. This is on the service's side{recovers}"
    if kind == "not_found":
        return (
            f"{where} has no such endpoint{status}: {error.detail}. Set codestral.baseUrl to the "
            "API root including /v1, e.g. https://codestral.mistral.ai/v1."
        )
    if kind == "provider_unreachable":
        host = settings.gateway.custom_host or "its provider"
        return (
            f"The gateway at {where} cannot reach the provider at {host}{status}: "
            f"{error.detail}. Check codestral.gateway.customHost and the gateway's network"
            f"{resumes}"
        )
    if kind == "prompt":
        return (
            f"The gateway at {where} could not run the saved prompt "
            f"{settings.chat.prompt_id!r}{status}: {error.detail}. The open-source gateway has "
            "no prompt library: clear codestral.chat.promptId, or check the prompt id in Portkey."
        )
    if kind == "unsupported_route":
        return (
            f"The gateway at {where} cannot do FIM on the 'completions' route ({error.detail}). "
            'Set codestral.gateway.fimRoute to "passthrough" (or "chat").'
        )
    if kind == "too_large":
        return (
            f"{where} answered with something far too large{status}: {error.detail}. "
            "Lower codestral.completion.prefixChars/suffixChars, or check codestral.baseUrl."
        )
    if kind == "malformed":
        return (
            f"{where} sent an answer that is not Mistral's format: {error.detail}. Is "
            "codestral.baseUrl a Mistral-compatible API (or gateway.fimRoute right)?"
        )
    return (
        f"{where} refused the request{status}: {error.detail}. Check codestral.model "
        f"({settings.model}) and the codestral.completion settings."
    )


def cause_key(error: UpstreamError) -> str:
    """Failures with the same cause share a key, so the user hears of each cause once."""
    return f"{error.kind}:{error.status or ''}"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Defence in depth: a key never reaches a message or a log line, whatever echoed it."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


class OnceNotifier:
    """Remembers which causes the user has been told about until things change."""

    def __init__(self) -> None:
        self._told: set[str] = set()

    def first_time(self, key: str) -> bool:
        if key in self._told:
            return False
        self._told.add(key)
        return True

    def reset(self) -> None:
        self._told.clear()
