"""A paper's number as the ward's outgoing register gives it (Decree 30/2020: "Số: 135/QĐ-UBND"): the serial and the
symbol, read however the clerk typed them.

A number may be used once a year per symbol: "135/QĐ-UBND" this year and "135/QĐ-UBND" next year are two papers,
"135/QĐ-UBND" and "135/TB-UBND" too; "0135/qđ-ubnd" is the same serial and symbol as "135/QĐ-UBND" (leading zeros
and spaces do not make a new number, but the text keeps the zeros as printed).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SERIAL_MAX = 999_999
SYMBOL_MAX = 40
# Serial, slash, symbol: letters or digits in parts joined by hyphens ("QĐ-UBND", "TB-UBND", "QĐ-CT").
_SHAPE = re.compile(r"^([0-9]{1,6})/([^\W_]+(?:-[^\W_]+)*)$")


@dataclass(frozen=True)
class PaperNumber:
    text: str  # "135/QĐ-UBND", "05/TB-UBND": as it is printed
    serial: int  # 135, 5
    symbol: str  # "QĐ-UBND"


def parse_number(raw: str | None) -> PaperNumber | None:
    """The number read off what was typed (spaces anywhere, any case, an en dash for the hyphen), or None when it
    is not "serial/SYMBOL"."""
    text = unicodedata.normalize("NFC", raw or "").strip()
    text = re.sub(r"\s+", "", text).replace("–", "-").replace("—", "-")
    text = text.removeprefix("Số:").removeprefix("số:").removeprefix("SỐ:")
    found = _SHAPE.match(text)
    if found is None:
        return None
    serial, symbol = found.group(1), found.group(2).upper()
    if len(symbol) > SYMBOL_MAX or int(serial) == 0:
        return None
    return PaperNumber(text=f"{serial}/{symbol}", serial=int(serial), symbol=symbol)
