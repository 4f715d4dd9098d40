"""Placeholder until the real CLI lands."""

from codestral_ls import __version__


def main(argv: list[str] | None = None) -> int:
    print(f"codestral-ls {__version__}")
    return 0
