"""codestral-ls: Codestral fill-in-the-middle completion for any LSP editor."""

__version__ = "0.1.0"
