"""The test keys: recognisable so the secrets tests can grep every output for them; not real keys.

One set for the whole suite (end to end, gateway, reliability, benchmarks)."""

from __future__ import annotations

PROVIDER_KEY = "sk-test-CODESTRAL-0000-KEY-must-never-leak"
"""The Mistral key, in CODESTRAL_API_KEY; the keyed fake upstream accepts only this one."""

GATEWAY_KEY = "pk-test-PORTKEY-0000-KEY-must-never-leak"
"""The Portkey key, in PORTKEY_API_KEY."""

# Keys that only ever arrive through settings (never through the environment).
SETTINGS_KEY = "sk-settings-0000-KEY-must-never-leak"
SETTINGS_GATEWAY_KEY = "pk-settings-0000-KEY-must-never-leak"
VIRTUAL_KEY = "vk-settings-0000-KEY-must-never-leak"

ALL_KEYS = (PROVIDER_KEY, GATEWAY_KEY, SETTINGS_KEY, SETTINGS_GATEWAY_KEY, VIRTUAL_KEY)

SERVER_ENV = {"CODESTRAL_API_KEY": PROVIDER_KEY, "PYTHONUNBUFFERED": "1"}
"""The server's whole environment in a pytest-lsp session (nothing else is inherited)."""

GATEWAY_ENV = {**SERVER_ENV, "PORTKEY_API_KEY": GATEWAY_KEY}
"""SERVER_ENV with the gateway key too."""


def leaks(text: str) -> list[str]:
    """The test keys that appear in ``text``."""
    return [key for key in ALL_KEYS if key in text]
