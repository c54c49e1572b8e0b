from __future__ import annotations

from sqlalchemy import Double, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RateLimitHit(Base):
    """One rate-limit counter (a fixed window of Flask-Limiter's), kept in the database so that every worker and
    every host counts against the same number."""

    __tablename__ = "rate_limit_hits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True, comment="the limit and who it counts")
    count: Mapped[int] = mapped_column(Integer, default=0, comment="hits in the current window")
    expires_at: Mapped[float] = mapped_column(Double, index=True, comment="end of the window, Unix seconds")
