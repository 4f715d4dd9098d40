"""The embeddings store: content-hash keys, a restart reads vectors back, two windows' saves
merge, a corrupt or foreign file starts fresh with a reason, and the search finds neighbours."""

from __future__ import annotations

import random
from array import array
from pathlib import Path

from codestral_ls.workspace.embedstore import EmbeddingStore, key_of, sign_bits, store_path

MODEL = "mistral-embed"


def unit(seed: int, dimension: int = 64) -> array[float]:
    rng = random.Random(seed)
    values = [rng.gauss(0, 1) for _ in range(dimension)]
    norm = sum(v * v for v in values) ** 0.5
    return array("f", [v / norm for v in values])


def test_keys_follow_the_content_and_the_model() -> None:
    assert key_of("def f(): pass", MODEL) == key_of("def f(): pass", MODEL)
    assert key_of("def f(): pass", MODEL) != key_of("def g(): pass", MODEL)
    assert key_of("def f(): pass", MODEL) != key_of("def f(): pass", "codestral-embed")


def test_store_path_is_per_workspace_and_model_under_the_cache_folder(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    one = store_path(["/a"], MODEL, env)
    assert one.startswith(str(tmp_path / "codestral-ls" / "embeddings"))
    assert one != store_path(["/b"], MODEL, env)
    assert one != store_path(["/a"], "codestral-embed", env)
    assert one == store_path(["/a"], MODEL, env)


def test_a_restart_reads_every_vector_back(tmp_path: Path) -> None:
    path = str(tmp_path / "s.bin")
    store = EmbeddingStore(path, MODEL)
    keys = [key_of(f"chunk {n}", MODEL) for n in range(50)]
    for n, key in enumerate(keys):
        store.add(key, unit(n))
    assert store.add(keys[0], unit(99)) == 0  # a known key is never stored twice
    store.save()
    again = EmbeddingStore(path, MODEL)
    assert again.load() is None
    assert len(again) == 50
    for n, key in enumerate(keys):
        slot = again.get(key)
        assert slot is not None
        assert again.vector(slot) == unit(n)


def test_a_corrupt_file_starts_fresh_with_a_reason_and_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "s.bin"
    store = EmbeddingStore(str(path), MODEL)
    store.add(key_of("a", MODEL), unit(1))
    store.save()
    path.write_bytes(path.read_bytes()[:-7])  # truncated mid-vector
    broken = EmbeddingStore(str(path), MODEL)
    problem = broken.load()
    assert problem is not None and "truncated or damaged" in problem
    assert len(broken) == 0
    path.write_bytes(b"garbage")
    assert "unknown format" in (EmbeddingStore(str(path), MODEL).load() or "")
    broken.add(key_of("b", MODEL), unit(2))
    broken.save()
    fresh = EmbeddingStore(str(path), MODEL)
    assert fresh.load() is None and len(fresh) == 1


def test_vectors_of_another_model_are_never_mixed_in(tmp_path: Path) -> None:
    path = str(tmp_path / "s.bin")
    other = EmbeddingStore(path, "codestral-embed")
    other.add(key_of("a", "codestral-embed"), unit(1))
    other.save()
    mine = EmbeddingStore(path, MODEL)
    assert "not 'mistral-embed'" in (mine.load() or "")
    assert len(mine) == 0


def test_two_windows_saving_the_same_store_keep_both_sets(tmp_path: Path) -> None:
    path = str(tmp_path / "s.bin")
    first, second = EmbeddingStore(path, MODEL), EmbeddingStore(path, MODEL)
    first.load(), second.load()
    first.add(key_of("one", MODEL), unit(1))
    second.add(key_of("two", MODEL), unit(2))
    first.save()
    second.save()
    merged = EmbeddingStore(path, MODEL)
    assert merged.load() is None
    assert {merged.get(key_of("one", MODEL)), merged.get(key_of("two", MODEL))} == {0, 1}


def test_sign_bits_and_nearest_neighbours() -> None:
    vector = unit(3)
    expected = "".join("1" if v >= 0 else "0" for v in vector)
    assert sign_bits(vector) == int(expected, 2)
    store = EmbeddingStore("/nonexistent/s.bin", MODEL)
    for n in range(300):
        store.add(key_of(str(n), MODEL), unit(n))
    found = store.nearest(unit(123), list(range(300)), 3)
    assert found[0][1] == 123 and abs(found[0][0] - 1.0) < 1e-5
    assert found[1][0] < 0.9
    assert store.nearest(unit(1, 32), list(range(300)), 3) == []  # another dimension
