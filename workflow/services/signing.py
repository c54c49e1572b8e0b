"""The ward's digital signature on its papers (PAdES, by pyHanko) and the public check of a signed PDF.

With SIGNING_KEY_FILE (a PKCS#12 file: the ward's key, its certificate and the issuer's chain) and
SIGNING_KEY_PASSWORD set, every PDF of a decision, notice, revocation and certificate is signed with that key: an
invisible signature field, the whole chain embedded and the signing time of `workflow.clock`. Without a key the
papers say they are unsigned; nothing ever draws a signature that is not one.

The check reads any uploaded PDF in memory and says who signed it, when, and whether the file is still the one
that was signed (every byte but the signature's own covered, and its digest matching). It never reaches the
network: the chain is checked only against the certificates the file carries, so "trusted" means a consistent
chain, not a known government CA; the page shows who issued it so a reader can judge.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from cryptography.utils import CryptographyDeprecationWarning
from flask import current_app

from states.text import T
from workflow import clock
from workflow.services.errors import TooLarge, ValidationFailed

with warnings.catch_warnings():
    # cryptography ≥ 51 deprecates DSA, which pyHanko still imports (we never sign with DSA)
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    from asn1crypto import x509
    from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

FIELD_NAME = "ChuKyUBND"
MiB = 1024 * 1024
# A stranger's upload may be a compression bomb: checking a signature needs only the file's structure (its cross-
# references and the signature's objects), never pages, so what may be inflated is kept small.
UPLOAD_LIMITS = DecodeLimits(per_stream=StreamDecodeLimits(max_output_size=16 * MiB),
                             document_budget=DocumentDecodeBudget(base_allowance=32 * MiB, max_ratio=4))
# Our own papers (a big decision's certificates run to tens of megabytes) are read whole to be signed.
OWN_PAPERS = DecodeLimits.for_trusted_input()
log = logging.getLogger(__name__)


class SigningUnavailable(Exception):
    """A key is configured but cannot be read (missing file, wrong password): nothing is signed, and no paper that
    should be signed is served unsigned as if all were well."""


@dataclass(frozen=True)
class Identity:
    """Who the configured key signs as (its certificate's subject CN) and the certificate's SHA-256, which names
    a job's file so papers made before a key changed are made again."""

    signer: str
    fingerprint: str


_loaded: dict[tuple[str, str], tuple[signers.SimpleSigner, Identity]] = {}
_lock = threading.Lock()


def _key() -> tuple[signers.SimpleSigner, Identity] | None:
    """The configured key, read once per (file, password); None when none is configured."""
    path = current_app.config.get("SIGNING_KEY_FILE") or ""
    if not path:
        return None
    password = current_app.config.get("SIGNING_KEY_PASSWORD") or ""
    with _lock:
        found = _loaded.get((path, password))
        if found is None:
            try:
                with open(path, "rb") as handle:
                    signer = signers.SimpleSigner.load_pkcs12_data(handle.read(), other_certs=(),
                                                                   passphrase=password.encode() or None)
            except (OSError, ValueError) as error:  # no file, not PKCS#12, or the wrong password
                log.exception("the signing key %s cannot be read", path)
                raise SigningUnavailable(str(error)) from error
            cert = signer.signing_cert
            found = (signer, Identity(signer=_common_name(cert.subject), fingerprint=cert.sha256.hex()))
            _loaded[(path, password)] = found
    return found


def identity() -> Identity | None:
    """Who the ward's papers are signed by; None when no key is configured. Raises SigningUnavailable when one
    is configured but unreadable."""
    found = _key()
    return found[1] if found is not None else None


def status() -> dict:
    """What a paper's page says of its PDF's signature: `{"signer": CN or None, "broken": bool}`."""
    try:
        found = identity()
    except SigningUnavailable:
        return {"signer": None, "broken": True}
    return {"signer": found.signer if found is not None else None, "broken": False}


def sign_pdf(data: bytes) -> bytes:
    """The PDF signed with the ward's key; the PDF as it is when no key is configured."""
    found = _key()
    if found is None:
        return data
    out = io.BytesIO()
    _signer(found[0]).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), decode_limits=OWN_PAPERS), output=out)
    return out.getvalue()


def sign_file(handle: BinaryIO) -> bool:
    """Sign an open PDF file (read and write, e.g. a big decision's certificates) in place, its signature appended
    as an incremental update; False (the file untouched) when no key is configured."""
    found = _key()
    if found is None:
        return False
    handle.seek(0)
    _signer(found[0]).sign_pdf(IncrementalPdfFileWriter(handle, decode_limits=OWN_PAPERS), in_place=True)
    handle.flush()
    handle.seek(0)
    return True


class _ClockSigner(signers.PdfSigner):
    """pyHanko's signer with the signing time from workflow.clock (tests move time; one clock for all)."""

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = clock.now()
        return session


def _signer(key: signers.SimpleSigner) -> signers.PdfSigner:
    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    return _ClockSigner(meta, key)


# --- the check ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    readable: bool  # a PDF pyHanko could read at all (False: not a PDF, or too broken to read)
    signed: bool
    intact: bool = False  # the signature covers the whole file and its digest and signature match
    signer: str = ""  # the signing certificate's subject CN
    issuer: str = ""  # its issuer's CN
    signed_at: datetime | None = None  # the time the signer's software wrote (no time-stamp authority)
    chain_valid: bool = False  # the chain checks out against the certificates embedded in the file


def verify_upload(stream: BinaryIO, max_bytes: int) -> Verification:
    """Check an uploaded file, read in memory (never written anywhere): at most `max_bytes`, and a PDF."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(T("Tệp quá lớn: tối đa %(mb)s MB.", mb=max_bytes // (1024 * 1024)),
                       {"file": T("tối đa %(bytes)s byte", bytes=max_bytes)})
    if not data:
        raise ValidationFailed(T("Chưa chọn tệp PDF để kiểm tra."), {"file": T("tệp rỗng")})
    found = verify_pdf(data)
    if not found.readable:
        raise ValidationFailed(T("Tệp này không phải tệp PDF đọc được."), {"file": T("không phải tệp PDF")})
    return found


def verify_pdf(data: bytes) -> Verification:
    """Who signed this PDF, when, and whether a byte changed since; never raises, whatever the bytes."""
    if b"%PDF-" not in data[:1024]:  # where readers look for the header
        return Verification(readable=False, signed=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a stranger's PDF: its oddities are not our code's warnings
            reader = PdfFileReader(io.BytesIO(data), strict=False, decode_limits=UPLOAD_LIMITS)
            embedded = reader.embedded_regular_signatures
    except Exception:  # noqa: BLE001 — a malformed upload is an answer ("not readable"), never a 500
        return Verification(readable=False, signed=False)
    if not embedded:
        return Verification(readable=True, signed=False)
    try:
        return _verified(embedded[-1])  # the last signature: the one that should cover the whole file
    except Exception:  # noqa: BLE001
        log.info("a signature could not be checked", exc_info=True)
        return Verification(readable=True, signed=True)


def _verified(embedded) -> Verification:
    cert = embedded.signer_cert
    signed_at = embedded.self_reported_timestamp
    others = list(embedded.other_embedded_certs)
    roots = [c for c in [cert, *others] if c.self_signed in ("maybe", "yes")]
    context = ValidationContext(trust_roots=roots, other_certs=others, allow_fetching=False,
                                revocation_mode="soft-fail", moment=signed_at or clock.now())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = validate_pdf_signature(embedded, signer_validation_context=context)
    intact = bool(result.intact and result.valid and result.coverage == SignatureCoverageLevel.ENTIRE_FILE)
    return Verification(readable=True, signed=True, intact=intact, signer=_common_name(cert.subject),
                        issuer=_common_name(cert.issuer), signed_at=signed_at,
                        chain_valid=bool(result.trusted))


def _common_name(name: x509.Name) -> str:
    """The subject's CN (what people call the signer), else the whole name as the certificate spells it."""
    try:
        value = name.native.get("common_name")
    except Exception:  # noqa: BLE001 — a stranger's certificate may hold anything
        value = None
    if isinstance(value, list):
        value = value[-1] if value else None
    return str(value) if value else name.human_friendly
