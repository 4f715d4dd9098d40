"""The fake Mistral upstream (``tests/fakes/mistral.py``): in this process or as its own.

``tests/conftest.py`` registers the fixtures below for every folder:

- ``fake``: the fake that accepts only ``PROVIDER_KEY`` (what every server session talks to);
- ``fake_mistral``: the same fake without auth, for tests that send other keys on purpose
  (the gateway wire tests, the fake's own unit tests).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

from tests.fakes.mistral import FakeMistral, Recorded, Reply
from tests.support.keys import PROVIDER_KEY


@contextlib.contextmanager
def running_fake(api_key: str | None = PROVIDER_KEY, **options: Any) -> Iterator[FakeMistral]:
    """A started fake on 127.0.0.1 (``api_key=None``: no auth), stopped afterwards."""
    fake = FakeMistral(api_key=api_key, **options).start()
    try:
        yield fake
    finally:
        fake.stop()


@contextlib.contextmanager
def fake_process(text: str = "return a + b", api_key: str | None = PROVIDER_KEY) -> Iterator[str]:
    """The fake in a child process (so its threads never share our GIL); yields its base URL.
    ``api_key=None``: no auth. Read and steer it with ``fake_control``."""
    auth = [] if api_key is None else ["--api-key", api_key]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.mistral", *auth, "--text", text],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        if not base_url.startswith("http"):
            raise RuntimeError(f"the fake did not start: {base_url!r}")
        yield base_url
    finally:
        proc.terminate()
        proc.wait(5)


def fake_control(base_url: str, path: str, data: Any = None) -> Any:
    """GET (or POST ``data`` to) one of the fake's ``/_fake/...`` control routes."""
    root = base_url.rsplit("/v1", 1)[0]
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(
        root + path, data=body, method="GET" if data is None else "POST"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read())


def fim_requests(fake: FakeMistral) -> list[Any]:
    """What reached the fake on its FIM path."""
    return [r for r in fake.requests if r.path.endswith("/fim/completions")]


def echo(rec: Recorded) -> Reply:
    """A responder: chat requests answer with the user message, so a test can read back what
    was sent (``code_of``); anything else answers "ok"."""
    body = rec.json if isinstance(rec.json, dict) else {}
    messages = body.get("messages")
    if isinstance(messages, list) and messages:
        return Reply(text=messages[-1].get("content", ""))
    return Reply(text="ok")


def code_of(markdown: str) -> str:
    """The document text inside an echoed explain prompt (see codestral_ls/chat.py)."""
    start = markdown.index("\n", markdown.index("```")) + 1
    return markdown[start : markdown.rindex("\n```")]
