"""Workbooks checked before openpyxl opens them (issue 14): a few hundred kilobytes of ZIP can hold hundreds of
megabytes of XML — one 400 MB string, twenty million shared strings — and openpyxl would build all of it in memory.

The check reads the ZIP's directory (each member's declared size: zipfile never hands out more than that, a lie
ends in a CRC error), then streams every XML member through expat without keeping any text: it counts shared
strings, rows and cells and measures each string as it goes, and stops at the first limit passed or when its time
budget is spent. A DOCTYPE is refused (a real workbook has none; entities are how XML bombs grow).
"""

from __future__ import annotations

import time
import zipfile
from dataclasses import dataclass
from io import BytesIO
from xml.parsers import expat

from states.text import T, Text
from workflow.services.errors import ValidationFailed

MAX_UNCOMPRESSED = 20 * 1024 * 1024  # all members together, as openpyxl would read them
MAX_MEMBERS = 500
MAX_RATIO = 200  # a real sheet compresses 5–50 times; a bomb thousands of times
RATIO_FROM = 1024 * 1024  # small members (a few repeated tags) may compress well; judged only above this size
MAX_SHARED_STRINGS = 200_000
MAX_ROWS = 20_000  # per sheet
MAX_CELLS = 200_000  # per sheet
MAX_STRING = 32_767  # Excel's own limit for one cell's text
TIME_BUDGET = 3.0  # seconds for the whole check
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    uncompressed: int = MAX_UNCOMPRESSED
    members: int = MAX_MEMBERS
    ratio: int = MAX_RATIO
    shared_strings: int = MAX_SHARED_STRINGS
    rows: int = MAX_ROWS
    cells: int = MAX_CELLS
    string: int = MAX_STRING
    seconds: float = TIME_BUDGET


def _refuse(message: Text, field: Text) -> ValidationFailed:
    return ValidationFailed(message, {"file": field})


def _not_a_list(why: Text) -> ValidationFailed:
    return _refuse(T("Tệp không phải danh sách Excel thật: %(why)s. Hãy dùng tệp mẫu.", why=why),
                   T("không phải danh sách Excel thật: %(why)s", why=why))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def check(data: bytes, limits: Limits = Limits()) -> None:
    """Raise ValidationFailed (422, on the "file" field) unless the workbook is within every limit; parse nothing
    with openpyxl."""
    deadline = time.monotonic() + limits.seconds
    try:
        book = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise _refuse(T("Tệp không phải bảng tính Excel (.xlsx). Hãy dùng tệp mẫu."),
                      T("không đọc được tệp .xlsx")) from error
    with book:
        members = book.infolist()
        if len(members) > limits.members:
            raise _not_a_list(T("có %(n)s phần, một bảng tính có vài chục", n=len(members)))
        total = sum(m.file_size for m in members)
        if total > limits.uncompressed:
            raise _refuse(
                T("Tệp quá lớn khi giải nén: %(size)s MB, tối đa %(limit)s MB. Hãy chia danh sách thành nhiều "
                  "tệp.", size=_mb(total), limit=_mb(limits.uncompressed)),
                T("quá lớn khi giải nén (%(size)s MB, tối đa %(limit)s MB)", size=_mb(total),
                  limit=_mb(limits.uncompressed)))
        for member in members:
            if member.flag_bits & 0x1:
                raise _not_a_list(T("tệp có phần được mã hoá"))
            if member.file_size > RATIO_FROM and member.file_size > limits.ratio * max(member.compress_size, 1):
                raise _not_a_list(T("phần %(name)s nén %(ratio)s lần (tối đa %(limit)s)", name=member.filename[:60],
                                    ratio=member.file_size // max(member.compress_size, 1), limit=limits.ratio))
        for member in members:
            if member.filename.lower().endswith((".xml", ".rels")):
                _scan(book, member, limits, deadline)


class _Scanner:
    """Expat callbacks counting what one XML part holds; raises at the first limit passed."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits
        self.shared_strings = self.rows = self.cells = 0
        self.text = 0  # characters of the string being read (a <t> inside <si> or <is>)
        self.in_text = False
        self.names: dict[str, str] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = self.names.get(tag)
        if local is None:  # a tag's local name, worked out once per part (a sheet repeats a handful of tags)
            local = self.names[tag] = tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        if local == "sst":
            declared = max(_int(attrs.get("count")), _int(attrs.get("uniqueCount")))
            if declared > self.limits.shared_strings:
                raise _too_many_strings(declared, self.limits)
        elif local == "si":
            self.shared_strings += 1
            if self.shared_strings > self.limits.shared_strings:
                raise _too_many_strings(self.shared_strings, self.limits)
        elif local == "row":
            self.rows += 1
            if self.rows > self.limits.rows:
                raise _refuse(T("Trang tính có quá %(n)s dòng; hãy chia danh sách thành nhiều tệp.",
                                n=f"{self.limits.rows:,}".replace(",", ".")),
                              T("quá %(n)s dòng", n=f"{self.limits.rows:,}".replace(",", ".")))
        elif local == "c":
            self.cells += 1
            if self.cells > self.limits.cells:
                raise _refuse(T("Trang tính có quá %(n)s ô; hãy chia danh sách thành nhiều tệp.",
                                n=f"{self.limits.cells:,}".replace(",", ".")),
                              T("quá %(n)s ô", n=f"{self.limits.cells:,}".replace(",", ".")))
        # A string runs until the next tag opens (no end handler: two callbacks fewer per cell); text between a
        # closing tag and the next opening one counts toward it, which only ever refuses more.
        self.in_text, self.text = local in ("t", "v", "f"), 0

    def data(self, chunk: str) -> None:
        if self.in_text:
            self.text += len(chunk)
            if self.text > self.limits.string:
                raise _refuse(
                    T("Một ô có hơn %(n)s ký tự (giới hạn của chính Excel): tệp không phải danh sách Excel thật.",
                      n=f"{self.limits.string:,}".replace(",", ".")),
                    T("một ô dài hơn %(n)s ký tự", n=f"{self.limits.string:,}".replace(",", ".")))

    def doctype(self, *args) -> None:
        raise _not_a_list(T("có khai báo DOCTYPE"))

    def entity(self, *args) -> None:
        raise _not_a_list(T("có khai báo ENTITY"))


def _int(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) <= 12 else 0


def _too_many_strings(n: int, limits: Limits) -> ValidationFailed:
    limit = f"{limits.shared_strings:,}".replace(",", ".")
    return _refuse(T("Tệp có quá nhiều chuỗi văn bản (hơn %(limit)s): không phải danh sách Excel thật.", limit=limit),
                   T("quá %(limit)s chuỗi văn bản", limit=limit))


def _scan(book: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits, deadline: float) -> None:
    scanner = _Scanner(member.filename, limits)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = scanner.start
    parser.CharacterDataHandler = scanner.data
    parser.StartDoctypeDeclHandler = scanner.doctype
    parser.EntityDeclHandler = scanner.entity
    parser.buffer_text = False  # text reaches `data` piece by piece, never joined into one huge string
    try:
        with book.open(member) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
                if time.monotonic() > deadline:
                    raise _refuse(T("Kiểm tra tệp quá %(s)s giây: tệp quá lớn hoặc quá phức tạp; hãy chia danh sách "
                                    "thành nhiều tệp.", s=f"{limits.seconds:g}"),
                                  T("quá phức tạp để đọc trong %(s)s giây", s=f"{limits.seconds:g}"))
            parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        # Damaged XML or ZIP data, an unsupported compression: openpyxl could not read it either.
        raise _refuse(T("Tệp không phải bảng tính Excel (.xlsx). Hãy dùng tệp mẫu."),
                      T("không đọc được tệp .xlsx")) from error
