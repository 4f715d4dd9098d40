"""The local store of embeddings, keyed by content hash: code that did not change is never
embedded twice, and a restart reads the vectors back instead of asking for them again.

One file per workspace and model, ``<cache>/codestral-ls/embeddings/<workspace hash>/<model>.bin``
(``XDG_CACHE_HOME``, else ``~/.cache``): a header (magic, model, dimension, count), then per
vector a 16-byte key (blake2b of model + text) and ``dimension`` little-endian float32s. No numpy:
the vectors live in one ``array("f")``; each also has its sign bits as one int, which the
nearest-neighbour search compares first (Hamming distance, ``int.bit_count``) before it ranks
the closest few by their exact dot product.

Several editor windows may share a store: a save takes a lock file, merges what another window
wrote meanwhile, and replaces the file atomically (write to a temporary file, ``os.replace``). A
store that cannot be read starts fresh, and says so once.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import os
import re
import struct
import sys
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Mapping
from operator import mul

MAGIC = b"CLSEMB1\n"
KEY_BYTES = 16
_HEAD = struct.Struct("<HII")  # model name length, dimension, count
COARSE = 48  # vectors ranked exactly after the Hamming pass


def key_of(text: str, model: str) -> bytes:
    return hashlib.blake2b(
        model.encode() + b"\0" + text.encode("utf-8", "replace"), digest_size=KEY_BYTES
    ).digest()


def store_path(folders: Iterable[str], model: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    root = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    workspace = hashlib.blake2b(
        "\n".join(sorted(folders)).encode("utf-8", "replace"), digest_size=8
    ).hexdigest()
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", model)[:80] or "model"
    return os.path.join(root, "codestral-ls", "embeddings", workspace, safe + ".bin")


# byte -> "1" when its top bit (a float32's sign, in its most significant byte) is clear
_SIGN = bytes(0x31 if b < 0x80 else 0x30 for b in range(256))
_SIGN_BYTE = slice(3, None, 4) if sys.byteorder == "little" else slice(0, None, 4)


def sign_bits(vector: array[float]) -> int:
    """One bit per dimension, set where the value is not negative (done in C: 10 µs)."""
    return int(vector.tobytes()[_SIGN_BYTE].translate(_SIGN), 2)


class StoreError(Exception):
    """The file is not a store of this model (corrupt, truncated, another format)."""


class EmbeddingStore:
    def __init__(self, path: str, model: str) -> None:
        self.path = path
        self.model = model
        self.dimension = 0
        self.slots: dict[bytes, int] = {}
        self.keys: list[bytes] = []
        self.vectors = array("f")
        self.bits: list[int] = []
        self.unsaved = 0

    def __len__(self) -> int:
        return len(self.keys)

    # --- memory ---------------------------------------------------------------------------

    def get(self, key: bytes) -> int | None:
        return self.slots.get(key)

    def add(self, key: bytes, vector: array[float]) -> int:
        """Store one vector; a vector of another dimension (the model behind the name changed)
        empties the store first."""
        slot = self.slots.get(key)
        if slot is not None:
            return slot
        if self.dimension and len(vector) != self.dimension:
            self.clear()
        self.dimension = len(vector)
        slot = len(self.keys)
        self.slots[key] = slot
        self.keys.append(key)
        self.vectors.extend(vector)
        self.bits.append(sign_bits(vector))
        self.unsaved += 1
        return slot

    def clear(self) -> None:
        self.dimension = 0
        self.slots.clear()
        self.keys.clear()
        self.vectors = array("f")
        self.bits.clear()

    def vector(self, slot: int) -> array[float]:
        d = self.dimension
        return self.vectors[slot * d : (slot + 1) * d]

    def nearest(
        self, query: array[float], candidates: list[int], limit: int
    ) -> list[tuple[float, int]]:
        """(cosine, index into ``candidates``) of the ``limit`` closest, best first. Vectors
        are unit length (Mistral's are), so the dot product is the cosine."""
        if not candidates or len(query) != self.dimension:
            return []
        q = sign_bits(query)
        bits = self.bits
        distance = [(bits[s] ^ q).bit_count() for s in candidates]
        close = heapq.nsmallest(COARSE, range(len(candidates)), key=distance.__getitem__)
        d, vectors = self.dimension, self.vectors
        scored = []
        for i in close:
            start = candidates[i] * d
            scored.append((sum(map(mul, query, vectors[start : start + d])), i))
        scored.sort(reverse=True)
        return scored[:limit]

    # --- disk -----------------------------------------------------------------------------

    def load(self) -> str | None:
        """Read the file (a missing one is an empty store). Returns why a file that exists
        could not be used (the store then starts empty), else None."""
        try:
            with open(self.path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"cannot read {self.path}: {exc.strerror or exc}"
        try:
            dimension, keys, vectors = _decode(raw, self.model)
        except StoreError as exc:
            return f"{self.path} is not a usable store ({exc})"
        self.clear()
        self.dimension = dimension
        for n, key in enumerate(keys):
            self.slots[key] = n
        self.keys = keys
        self.vectors = vectors
        self.bits = [sign_bits(self.vector(n)) for n in range(len(keys))]
        self.unsaved = 0
        return None

    def save(self, keep: set[bytes] | None = None) -> None:
        """Write the store atomically, merged with what another window saved meanwhile.
        ``keep``: the keys still in use; others are dropped when they are most of the file."""
        if not self.dimension:
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with _locked(self.path + ".lock"):
            try:
                with open(self.path, "rb") as f:
                    dimension, keys, vectors = _decode(f.read(), self.model)
                if dimension == self.dimension:
                    for n, key in enumerate(keys):
                        if key not in self.slots:
                            self.add(key, vectors[n * dimension : (n + 1) * dimension])
            except (OSError, StoreError):
                pass  # nothing usable there: ours replaces it
            order = range(len(self.keys))
            if keep is not None and len(self.keys) > 2 * len(keep) + 1000:
                order = [n for n, key in enumerate(self.keys) if key in keep]  # type: ignore[assignment]
            body = _encode(self.model, self.dimension, [self.keys[n] for n in order],
                           (self.vector(n) for n in order))  # fmt: skip
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(self.path), suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as f:
                    f.write(body)
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        self.unsaved = 0


def _encode(
    model: str, dimension: int, keys: list[bytes], vectors: Iterable[array[float]]
) -> bytes:
    name = model.encode()
    parts = [MAGIC, _HEAD.pack(len(name), dimension, len(keys)), name]
    for key, vector in zip(keys, vectors, strict=True):
        if sys.byteorder != "little":
            vector = array("f", vector)
            vector.byteswap()
        parts.append(key)
        parts.append(vector.tobytes())
    return b"".join(parts)


def _decode(raw: bytes, model: str) -> tuple[int, list[bytes], array[float]]:
    if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + _HEAD.size:
        raise StoreError("unknown format")
    name_length, dimension, count = _HEAD.unpack_from(raw, len(MAGIC))
    at = len(MAGIC) + _HEAD.size
    name = raw[at : at + name_length].decode("utf-8", "replace")
    at += name_length
    if name != model:
        raise StoreError(f"vectors of {name!r}, not {model!r}")
    record = KEY_BYTES + 4 * dimension
    if not 0 < dimension <= 8192 or len(raw) - at != count * record:
        raise StoreError("truncated or damaged")
    keys: list[bytes] = []
    vectors = array("f")
    view = memoryview(raw)
    for n in range(count):
        start = at + n * record
        keys.append(bytes(view[start : start + KEY_BYTES]))
        vectors.frombytes(view[start + KEY_BYTES : start + record])
    if sys.byteorder != "little":
        vectors.byteswap()
    if len(set(keys)) != count:
        raise StoreError("damaged")
    return dimension, keys, vectors


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """An exclusive lock between processes (POSIX); elsewhere the atomic replace suffices."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
