"""Text from submissions, made safe to print: no control character reaches a terminal."""

from __future__ import annotations

import unicodedata


def printable(text: str, limit: int | None = None) -> str:
    """``text`` with control and format characters (ANSI escapes, carriage returns,
    bidirectional overrides) written as visible escapes; cut to ``limit`` characters.

    Examples
    --------
    >>> printable("\\x1b[2K\\rada 10/10\\u202e")
    '\\\\x1b[2K\\\\rada 10/10\\\\u202e'
    >>> printable("a" * 10, limit=4)
    'aaaa...'
    """
    text = str(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    out = []
    for char in text:
        if char == "\n" or unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs"):
            out.append(char)
        else:
            escaped = repr(char)[1:-1]
            out.append(escaped if escaped != char else f"\\u{ord(char):04x}")
    return "".join(out)
