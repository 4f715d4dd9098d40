"""What never leaves the machine: secret files by name or path, secret-looking strings by shape."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

# Matched against the file name and against the path relative to the workspace.
SECRET_FILE_GLOBS: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    ".envrc",
    "*.pem",
    "*.key",
    "*.crt",
    "*.cer",
    "*.der",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "*.gpg",
    "*.asc",
    "*.ovpn",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".htpasswd",
    "credentials*",
    "*credentials.json",
    "secrets.*",
    "*.secrets",
    "*.tfvars",
    "service-account*.json",
    ".aws/*",
    ".ssh/*",
    ".docker/config.json",
    ".kube/config",
)


def is_secret_file(relative_path: str, extra_globs: tuple[str, ...] = ()) -> bool:
    path = PurePosixPath(relative_path.replace("\\", "/"))
    name = path.name
    candidates = (name, str(path), str(path).lstrip("/"))
    for glob in SECRET_FILE_GLOBS + tuple(extra_globs):
        pattern = glob.removeprefix("**/")
        if any(fnmatchcase(c, pattern) or fnmatchcase(c, "*/" + pattern) for c in candidates):
            return True
    return False


# Secret-looking strings inside any document. Each pattern keeps a recognisable label.
_SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "private-key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY"
            r"( BLOCK)?-----|\Z)",
            re.S,
        ),
    ),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("stripe-key", re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("url-credentials", re.compile(r"(?<=://)[^/\s:@'\"]+:[^/\s@'\"]+(?=@)")),
    # name = "value" where the name says it is a secret; only the value is replaced.
    (
        "assignment",
        re.compile(
            r"(?i)((?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token"
            r"|client[_-]?secret|private[_-]?key)[A-Za-z0-9_]*[\"']?\s*[:=]\s*)([\"'])([^\"'\n]{4,})\2"
        ),
    ),
)


def redact(text: str) -> tuple[str, int]:
    """Replace secret-looking strings; returns the new text and how many were replaced."""
    count = 0
    for label, pattern in _SECRET_PATTERNS:
        if label == "assignment":
            text, n = pattern.subn(
                lambda m: f"{m.group(1)}{m.group(2)}<redacted>{m.group(2)}", text
            )
        else:
            text, n = pattern.subn(f"<redacted:{label}>", text)
        count += n
    return text, count
