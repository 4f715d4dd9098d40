from __future__ import annotations

import pytest

from codestral_ls.settings import Secret, parse_settings
from codestral_ls.upstream.routes import (
    CODESTRAL_BASE_URL,
    MISTRAL_BASE_URL,
    PORTKEY_BASE_URL,
    failover_route,
    resolve_route,
)


def test_defaults_match_the_contract():
    s = parse_settings()
    assert s.route == "auto" and s.model == "codestral-latest" and s.base_url is None
    assert s.gateway.provider == "mistral-ai" and s.gateway.fim_route == "passthrough"
    c = s.completion
    assert (c.enable, c.debounce_ms, c.timeout_ms, c.max_tokens, c.temperature, c.multiline) == (
        True,
        120,
        4000,
        64,
        0.0,
        "auto",
    )
    assert (s.cache.size, s.cache.ttl_seconds) == (512, 600)
    assert (s.chat.model, s.chat.max_tokens, s.chat.prompt_id) == ("codestral-latest", 1024, None)
    assert s.problems == ()


def test_layers_merge_in_priority_order_and_accept_both_shapes():
    s = parse_settings(
        {"codestral": {"model": "file", "completion": {"maxTokens": 10, "debounceMs": 50}}},
        {"model": "init", "completion": {"maxTokens": 20}},
        {"codestral": {"completion": {"maxTokens": 30}}},
    )
    assert s.model == "init"
    assert s.completion.max_tokens == 30 and s.completion.debounce_ms == 50


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"route": "sideways"}, "codestral.route"),
        ({"completion": {"debounceMs": "x"}}, "codestral.completion.debounceMs"),
        ({"completion": {"debounceMs": True}}, "codestral.completion.debounceMs"),
        ({"completion": {"temperature": 3}}, "codestral.completion.temperature"),
        ({"completion": {"disabledLanguages": "python"}}, "codestral.completion.disabledLanguages"),
        ({"gateway": {"fimRoute": "fim"}}, "codestral.gateway.fimRoute"),
        ({"gateway": {"config": 5}}, "codestral.gateway.config"),
        ({"cache": "big"}, "codestral.cache"),
        ({"apiKey": 12345}, "codestral.apiKey"),
    ],
)
def test_bad_value_is_reported_and_replaced_by_default(raw, where):
    s = parse_settings(raw)
    assert len(s.problems) == 1 and s.problems[0].startswith(where)
    assert s.problems[0].endswith("using the default") or "using the defaults" in s.problems[0]
    assert (s.completion, s.gateway, s.cache) == (
        parse_settings().completion,
        parse_settings().gateway,
        parse_settings().cache,
    )


def test_problem_text_never_shows_a_long_string_value():
    s = parse_settings({"route": "sk-" + "x" * 60})
    assert "xxxxxxxxxx" not in s.problems[0] and "a string" in s.problems[0]


def test_keys_are_secrets_whose_repr_hides_them():
    s = parse_settings({"apiKey": "sk-secret-value"})
    assert isinstance(s.api_key, Secret)
    assert "sk-secret-value" not in repr(s) and "sk-secret-value" not in repr(s.api_key)


def test_direct_route_key_sources_and_default_hosts():
    s = parse_settings()
    r = resolve_route(s, {"CODESTRAL_API_KEY": "a", "MISTRAL_API_KEY": "b"})
    assert (r.route, r.base_url, r.provider_key, r.provider_key_source) == (
        "direct",
        CODESTRAL_BASE_URL,
        "a",
        "environment CODESTRAL_API_KEY",
    )
    r = resolve_route(s, {"MISTRAL_API_KEY": "b"})
    assert (r.base_url, r.provider_key_source) == (MISTRAL_BASE_URL, "environment MISTRAL_API_KEY")
    r = resolve_route(parse_settings({"apiKey": "c"}), {"CODESTRAL_API_KEY": "a"})
    assert r.provider_key == "c" and r.provider_key_source == "setting codestral.apiKey"
    assert resolve_route(s, {}).problem and "CODESTRAL_API_KEY" in resolve_route(s, {}).problem


def test_auto_route_picks_the_gateway_when_a_gateway_is_configured():
    env = {"CODESTRAL_API_KEY": "a"}
    assert resolve_route(parse_settings(), env).route == "direct"
    for raw in (
        {"gateway": {"apiKey": "g"}},
        {"gateway": {"virtualKey": "v"}},
        {"gateway": {"config": {"retry": {"attempts": 2}}}},
    ):
        r = resolve_route(parse_settings(raw), env)
        assert r.route == "gateway" and r.base_url == PORTKEY_BASE_URL
    r = resolve_route(parse_settings(), {**env, "PORTKEY_API_KEY": "p"})
    assert r.route == "gateway" and r.gateway_key_source == "environment PORTKEY_API_KEY"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost:8787/v1", True),
        ("http://[::1]:8787/v1", True),
        ("https://codestral.mistral.ai/v1", True),
        ("http://codestral.mistral.ai/v1", False),
        ("http://10.0.0.5/v1", False),
        ("ftp://example.com", False),
        ("not a url", False),
    ],
)
def test_plain_http_only_to_loopback(url, ok):
    r = resolve_route(
        parse_settings({"baseUrl": url, "route": "direct"}), {"CODESTRAL_API_KEY": "k"}
    )
    assert (r.problem is None) == ok


def test_failover_targets():
    env = {"CODESTRAL_API_KEY": "k"}
    s = parse_settings(
        {
            "route": "gateway",
            "failover": True,
            "baseUrl": "http://127.0.0.1:1/v1",
            "gateway": {"customHost": "https://codestral.mistral.ai/v1"},
        }
    )
    alt = failover_route(s, env)
    assert alt is not None and alt.route == "direct" and alt.base_url == CODESTRAL_BASE_URL
    s = parse_settings(
        {"route": "direct", "failover": True, "gateway": {"baseUrl": "http://127.0.0.1:8787/v1"}}
    )
    alt = failover_route(s, env)
    assert alt is not None and alt.route == "gateway" and alt.base_url.endswith(":8787/v1")
    assert failover_route(parse_settings({"route": "direct"}), env) is None
