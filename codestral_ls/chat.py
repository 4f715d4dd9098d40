"""Explain and chat: the messages sent to the chat model, or the prompt-library variables."""

from __future__ import annotations

from codestral_ls.settings import Settings
from codestral_ls.upstream import ChatRequest

SYSTEM = (
    "You are Codestral, an expert programming assistant inside a code editor. Answer in "
    "Markdown. Be precise and brief; quote code in fenced blocks with the language."
)
EXPLAIN = "Explain what this code does, step by step, and point out anything surprising."
MAX_CODE_CHARS = 24_000


def _fence(code: str) -> str:
    fence = "```"
    while fence in code:
        fence += "`"
    return fence


def chat_request(
    settings: Settings,
    question: str | None,
    code: str | None,
    language_id: str,
    file_name: str,
    definitions: str = "",
) -> ChatRequest:
    """A chat request for a question about some code (explain = the default question);
    ``definitions``: ``+++++ path`` blocks of the workspace definitions the code uses."""
    question = (question or "").strip() or EXPLAIN
    code = (code or "")[:MAX_CODE_CHARS]
    if code:
        fence = _fence(code)
        user = (
            f"{question}\n\nFile: {file_name} ({language_id})\n\n"
            f"{fence}{language_id}\n{code}\n{fence}"
        )
        if definitions:
            fence = _fence(definitions)
            user += (
                "\n\nDefinitions from the workspace that this code uses:\n\n"
                f"{fence}\n{definitions}{fence}"
            )
    else:
        user = question
    return ChatRequest(
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
        model=settings.chat.model,
        max_tokens=settings.chat.max_tokens,
        prompt_id=settings.chat.prompt_id,
        # Documented in README ("Prompt library"): the saved prompt can use these names.
        variables={
            "code": code,
            "language": language_id,
            "file_name": file_name,
            "question": question,
        },
    )
