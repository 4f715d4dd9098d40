from __future__ import annotations

from codestral_ls.cache import Shown, SuggestionCache, cache_key, typed_through
from codestral_ls.context import cursor_window
from codestral_ls.crossfile import SnippetIndex, gather_snippets
from codestral_ls.documents import Document
from codestral_ls.privacy import is_secret_file, redact


def doc(text: str, uri: str = "file:///a.py") -> Document:
    return Document.from_text(uri, "python", 1, text)


def test_window_cut_at_line_boundaries_within_budget():
    d = doc("".join(f"line{i:03}\n" for i in range(100)))  # 8 chars a line
    w = cursor_window(d, 50, 4, prefix_chars=40, suffix_chars=20)
    # 20 suffix chars used up its budget; the prefix gets 40: four whole lines and "line"
    assert w.prefix == "line046\nline047\nline048\nline049\nline"
    assert w.suffix == "050\nline051\nline052\n"
    assert len(w.prefix) <= 40 + 20 and w.prefix.startswith("line")


def test_unused_suffix_budget_goes_to_the_prefix():
    d = doc("".join(f"l{i:02}\n" for i in range(50)) + "end")
    w = cursor_window(d, 50, 3, prefix_chars=8, suffix_chars=40)
    assert w.suffix == ""
    assert len(w.prefix) > 8 and w.prefix.endswith("l49\nend")


def test_window_on_a_huge_single_line_is_bounded():
    d = doc("x" * 1_000_000)
    w = cursor_window(d, 0, 500_000, prefix_chars=100, suffix_chars=50)
    assert len(w.prefix) <= 150 and len(w.suffix) <= 50


def test_cache_key_covers_every_field_and_cache_expires():
    assert cache_key("a", 1, True) != cache_key("a", 1, False)
    assert cache_key("ab", "c") != cache_key("a", "bc")
    cache = SuggestionCache(2, 600)
    cache.put("k1", "v1")
    cache.put("k2", "v2")
    cache.put("k3", "v3")
    assert cache.get("k1") is None and cache.get("k3") == "v3"
    off = SuggestionCache(0, 600)
    off.put("k", "v")
    assert off.get("k") is None


def test_typed_through_gives_the_rest_of_a_suggestion():
    shown = [Shown("x = ", "\n", "compute(1)")]
    assert typed_through(shown, "x = comp", "\n") == "ute(1)"
    assert typed_through(shown, "x = cx", "\n") is None  # diverged
    assert typed_through(shown, "x = compute(1)", "\n") is None  # fully typed
    assert typed_through(shown, "x = comp", "other") is None  # suffix changed


def test_secret_files():
    for path in (
        ".env",
        "app/.env.local",
        "deploy/key.pem",
        "id_ed25519",
        ".aws/credentials",
        "config/credentials.json",
        "secrets.yaml",
        "x.p12",
        ".netrc",
    ):
        assert is_secret_file(path), path
    for path in ("src/main.py", "environment.py", "README.md", "keyboard.ts"):
        assert not is_secret_file(path), path
    assert is_secret_file("private/notes.py", ("private/*",))


def test_redaction_patterns():
    text = (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----\n"
        'token = "ghp_' + "a" * 36 + '"\n'
        "aws_key = AKIAABCDEFGHIJKLMNOP\n"
        'API_KEY = "abcd1234efgh"\n'
        "url = https://user:hunter2@db.example.com/x\n"
        "plain = 42\n"
    )
    clean, count = redact(text)
    for secret in ("MIIabc", "ghp_", "AKIAABCDEFGHIJKLMNOP", "abcd1234efgh", "hunter2"):
        assert secret not in clean
    assert count == 5 and "plain = 42" in clean


def test_cross_file_snippets_ranked_by_similarity_and_bounded():
    current = doc("def total_price(order):\n    return sum(item.price for item in order.items)\n")
    similar = doc(
        "class Order:\n    items: list\n\n"
        + "# filler\n" * 40
        + "def order_items_price(order):\n    return [item.price for item in order.items]\n",
        "file:///models.py",
    )
    unrelated = doc("import os\nprint(os.getcwd())\n" * 10, "file:///other.py")
    index = SnippetIndex()
    out = gather_snippets(current, 1, [similar, unrelated], lambda u: u[8:], 400, index)
    assert out.startswith("+++++ models.py\n") and "item.price" in out
    assert "getcwd" not in out and out.endswith("+++++ a.py\n") and len(out) <= 400 + 20
    assert gather_snippets(current, 1, [unrelated], lambda u: u, 400, index) == ""
