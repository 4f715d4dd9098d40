"""Context from the repository: the workspace index and the retrieval built on it."""

from codestral_ls.workspace.manager import Workspace

__all__ = ["Workspace"]
