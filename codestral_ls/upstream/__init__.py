"""The only package that talks HTTP: Mistral's wire format, the Portkey gateway, the client."""

from codestral_ls.upstream.client import Upstream, UpstreamInfo
from codestral_ls.upstream.embeddings import Embeddings
from codestral_ls.upstream.errors import UpstreamError
from codestral_ls.upstream.gateway import new_trace_id
from codestral_ls.upstream.requests import ChatRequest, FimRequest

__all__ = [
    "ChatRequest",
    "Embeddings",
    "FimRequest",
    "Upstream",
    "UpstreamError",
    "UpstreamInfo",
    "new_trace_id",
]
