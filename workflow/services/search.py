"""Search text folding for Vietnamese: lower case, no diacritics, đ → d, so "dinh van" finds "Đinh Văn"."""

import unicodedata


def fold(text: str) -> str:
    text = text.replace("\x00", "")  # no database stores NUL in text; nobody types it
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
