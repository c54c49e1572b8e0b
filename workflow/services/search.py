"""Search text folding for Vietnamese: lower case, no diacritics, đ → d, so "dinh van" finds "Đinh Văn"."""

import unicodedata

from sqlalchemy import event
from sqlalchemy.orm import Session, attributes

from models import User


def fold(text: str) -> str:
    text = text.replace("\x00", "")  # no database stores NUL in text; nobody types it
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


@event.listens_for(Session, "before_flush")
def _fold_names(session: Session, _context, _instances) -> None:
    """A user's folded name, kept beside the name whoever writes it (an admin, an import, the demo)."""
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, User) and (obj in session.new or attributes.get_history(obj, "full_name").has_changes()):
            obj.search_name = fold(obj.full_name or "")
