"""Where a redirect built from what the client sent (a `next` parameter, the Referer header) may go: our pages."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def local_target(target: str | None, host: str) -> str | None:
    """`target` as a path on this site, or None when it is not one of our pages: another host or scheme, a
    protocol-relative `//x` or `/\\x` (browsers read both as another host), or no URL at all (`http://[`)."""
    if not target:
        return None
    try:
        parts = urlsplit(target)  # also drops tabs and line breaks, which a Location header may not carry
    except ValueError:
        return None
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", host):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(("//", "/\\")):
        return None
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))
