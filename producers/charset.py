"""Bytes of a text input to str: UTF-8, Windows-1256 Arabic, or whatever charset_normalizer finds.

charset_normalizer guesses wrong on short Arabic text in Windows-1256 (it often says cp1250 or
mac-roman), so that case is recognised first: decoded as cp1256, the non-ASCII characters of
an Arabic page are nearly all Arabic letters, which no other reading of the bytes produces.
"""

from __future__ import annotations

from charset_normalizer import from_bytes

from rasad.errors import BadInput

MAX_BYTES = 5 * 1024 * 1024
_ARABIC_SHARE = 0.85  # of non-ASCII letters; real cp1256 Arabic is ~1.0, other encodings far lower


def decode(data: bytes, what: str, max_bytes: int = MAX_BYTES) -> str:
    """Text of ``data`` (``what`` names it in errors).

    Raise ``BadInput`` for empty, huge or binary input.
    """
    if not data.strip():
        raise BadInput(f"{what}: empty, no text", reason="empty")
    if len(data) > max_bytes:
        raise BadInput(
            f"{what}: {len(data) / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit",
            reason="too_large",
        )
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadInput(f"{what}: binary data, not text", reason="binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    arabic = _as_cp1256(data)
    if arabic is not None:
        return arabic
    best = from_bytes(data).best()
    if best is None or _control_share(str(best)) > 0.05:
        raise BadInput(f"{what}: binary data, not text in any known encoding", reason="binary")
    return str(best)


def _as_cp1256(data: bytes) -> str | None:
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError:
        return None
    letters = [c for c in text if ord(c) > 127 and c.isalpha()]
    if len(letters) < 3:
        return None
    arabic = sum(1 for c in letters if "\u0600" <= c <= "\u06ff")
    return text if arabic / len(letters) >= _ARABIC_SHARE else None


def _control_share(text: str) -> float:
    sample = text[:8192]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    return controls / max(1, len(sample))
