"""Editor settings (section ``codestral``): the schema, its defaults, layering and validation.

What the settings mean once the environment is consulted (route, base URL, keys) is worked out
in ``upstream/routes.py``. Pure: no pygls, no httpx. A bad value never raises; it is reported
in ``Settings.problems`` and replaced by its default, so one typo cannot take completion down.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, Literal, get_args

# The settings that take one of a few words.
RouteSetting = Literal["auto", "direct", "gateway"]
FimRoute = Literal["passthrough", "chat", "completions"]
Multiline = Literal["auto", "always", "never"]
Popup = Literal["invoked", "always", "never"]


class Secret(str):
    """A key: behaves as a string, but never shows itself in repr, f-strings of repr or logs."""

    def __repr__(self) -> str:
        return "Secret('***')"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(low: float, high: float, integer: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        ok_type = _is_int(value) if integer else (_is_int(value) or isinstance(value, float))
        if not ok_type:
            raise ValueError(f"expected {'an integer' if integer else 'a number'}")
        if not low <= value <= high:
            raise ValueError(f"expected a value from {low:g} to {high:g}")
        return value

    return check


def _one_of(*choices: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError("expected one of " + ", ".join(repr(c) for c in choices))
        return value

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _optional_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("expected a string or null")
    return value


def _optional_secret(value: Any) -> Secret | None:
    text = _optional_str(value)
    return Secret(text) if text else None


def _model_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a model name")
    return value.strip()


def _str_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def _object(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    return value


def _config(value: Any) -> dict[str, Any] | str | None:
    if value is None or value == "" or isinstance(value, (dict, str)):
        return value or None
    raise ValueError("expected a config object or a saved config id (string)")


def _check(fn: Callable[[Any], Any]) -> dict[str, Any]:
    return {"check": fn}


@dataclass(frozen=True)
class GatewaySettings:
    api_key: Secret | None = field(default=None, metadata=_check(_optional_secret))
    # The gateway's URL when it differs from baseUrl (needed when failover switches routes).
    base_url: str | None = field(default=None, metadata=_check(_optional_str))
    provider: str = field(default="mistral-ai", metadata=_check(_optional_str))
    virtual_key: Secret | None = field(default=None, metadata=_check(_optional_secret))
    config: dict[str, Any] | str | None = field(default=None, metadata=_check(_config))
    custom_host: str | None = field(default=None, metadata=_check(_optional_str))
    metadata: dict[str, Any] = field(default_factory=dict, metadata=_check(_object))
    fim_route: FimRoute = field(
        default="passthrough", metadata=_check(_one_of(*get_args(FimRoute)))
    )
    # Send each suggestion's outcome to the gateway's feedback API on its trace id (no code).
    feedback: bool = field(default=False, metadata=_check(_boolean))


@dataclass(frozen=True)
class CompletionSettings:
    enable: bool = field(default=True, metadata=_check(_boolean))
    debounce_ms: int = field(default=120, metadata=_check(_number(0, 5000, integer=True)))
    timeout_ms: int = field(default=4000, metadata=_check(_number(100, 120_000, integer=True)))
    max_tokens: int = field(default=64, metadata=_check(_number(1, 4096, integer=True)))
    temperature: float = field(default=0.0, metadata=_check(_number(0, 1.5)))
    multiline: Multiline = field(default="auto", metadata=_check(_one_of(*get_args(Multiline))))
    disabled_languages: tuple[str, ...] = field(default=(), metadata=_check(_str_list))
    exclude: tuple[str, ...] = field(default=(), metadata=_check(_str_list))
    # Policy for the textDocument/completion fallback (see README): "invoked" asks upstream
    # only when the user explicitly invokes completion; "always" on every popup; "never".
    popup: Popup = field(default="invoked", metadata=_check(_one_of(*get_args(Popup))))
    stream: bool = field(default=True, metadata=_check(_boolean))
    prefix_chars: int = field(default=4500, metadata=_check(_number(64, 200_000, integer=True)))
    suffix_chars: int = field(default=1500, metadata=_check(_number(0, 100_000, integer=True)))
    redact_secrets: bool = field(default=True, metadata=_check(_boolean))
    # Fetch the suggestion after the one on screen while the user reads it (prefetch.py).
    prefetch: bool = field(default=True, metadata=_check(_boolean))


@dataclass(frozen=True)
class CacheSettings:
    size: int = field(default=512, metadata=_check(_number(0, 100_000, integer=True)))
    ttl_seconds: int = field(default=600, metadata=_check(_number(0, 86_400, integer=True)))


@dataclass(frozen=True)
class ChatSettings:
    model: str = field(default="codestral-latest", metadata=_check(_optional_str))
    max_tokens: int = field(default=1024, metadata=_check(_number(1, 32_768, integer=True)))
    prompt_id: str | None = field(default=None, metadata=_check(_optional_str))


@dataclass(frozen=True)
class ContextSettings:
    cross_file: bool = field(default=True, metadata=_check(_boolean))
    cross_file_chars: int = field(default=1500, metadata=_check(_number(0, 50_000, integer=True)))
    # The workspace index (definitions, lexical windows over every file; README "Context").
    workspace: bool = field(default=True, metadata=_check(_boolean))
    max_files: int = field(default=20_000, metadata=_check(_number(0, 1_000_000, integer=True)))
    max_file_bytes: int = field(
        default=512_000, metadata=_check(_number(1_000, 20_000_000, integer=True))
    )
    # Semantic retrieval (README "Context from the repository"): off by default, it sends the
    # workspace's code to the embeddings endpoint in the background.
    embeddings: bool = field(default=False, metadata=_check(_boolean))
    embeddings_model: str = field(default="mistral-embed", metadata=_check(_model_name))


@dataclass(frozen=True)
class BudgetSettings:
    # Tokens per local calendar day / month; 0 = unlimited (telemetry/governor.py).
    daily_tokens: int = field(default=0, metadata=_check(_number(0, 10**12, integer=True)))
    monthly_tokens: int = field(default=0, metadata=_check(_number(0, 10**13, integer=True)))


@dataclass(frozen=True)
class InspectorSettings:
    # Also append every inspected request to inspector.jsonl in the cache directory.
    log: bool = field(default=False, metadata=_check(_boolean))


@dataclass(frozen=True)
class Settings:
    route: RouteSetting = field(default="auto", metadata=_check(_one_of(*get_args(RouteSetting))))
    base_url: str | None = field(default=None, metadata=_check(_optional_str))
    api_key: Secret | None = field(default=None, metadata=_check(_optional_secret))
    model: str = field(default="codestral-latest", metadata=_check(_optional_str))
    # When the active route is unreachable or answers 5xx, try the other one (if configured).
    failover: bool = field(default=False, metadata=_check(_boolean))
    gateway: GatewaySettings = field(default_factory=GatewaySettings)
    completion: CompletionSettings = field(default_factory=CompletionSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    chat: ChatSettings = field(default_factory=ChatSettings)
    context: ContextSettings = field(default_factory=ContextSettings)
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    inspector: InspectorSettings = field(default_factory=InspectorSettings)
    problems: tuple[str, ...] = field(default=(), compare=False)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _build(cls: type, raw: Mapping[str, Any], path: str, problems: list[str]) -> Any:
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name == "problems":
            continue
        key = _camel(f.name)
        if key in raw:
            value = raw[key]
        elif f.name in raw:
            value = raw[f.name]
        else:
            continue
        where = f"{path}.{key}"
        nested = f.default_factory
        if isinstance(nested, type) and is_dataclass(nested):
            if value is None:
                continue
            if not isinstance(value, Mapping):
                problems.append(f"{where}: expected an object; using the defaults")
                continue
            values[f.name] = _build(nested, value, where, problems)
            continue
        try:
            values[f.name] = f.metadata["check"](value)
        except ValueError as exc:
            problems.append(f"{where}: {exc}, got {_describe(value)}; using the default")
    return cls(**values)


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return "a string" if len(value) > 40 else repr(value)
    return type(value).__name__ if isinstance(value, (dict, list)) else repr(value)


def unwrap_section(raw: Any) -> dict[str, Any]:
    """Accept the settings object itself or ``{"codestral": {...}}``."""
    if not isinstance(raw, Mapping):
        return {}
    inner = raw.get("codestral")
    if isinstance(inner, Mapping):
        return dict(inner)
    return dict(raw)


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        elif value is not None or key not in merged:
            merged[key] = value
    return merged


def parse_settings(*layers: Any) -> Settings:
    """Merge layers (lowest priority first) and validate them into ``Settings``."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = deep_merge(merged, unwrap_section(layer))
    problems: list[str] = []
    settings: Settings = _build(Settings, merged, "codestral", problems)
    return replace(settings, problems=tuple(problems))
