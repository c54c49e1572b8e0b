"""The ward's register of certificates (sổ vào sổ): each certificate by its number in the order issued, a revoked
one keeping its number and saying by which decision, paged by key; a reader sees only what is in their scope."""

from __future__ import annotations

import re

from tests.web.test_certificates import html, revoke, signed
from workflow.services import certificates


def test_the_register_lists_certificates_by_number_and_keeps_a_revoked_ones(client, auth, world):
    decision, listed = signed(world, count=3)
    revoke(world, listed[0])
    auth.login("chairman")
    page = html(client.get("/review/certificates-register"))
    assert f"Sổ cấp giấy công nhận {listed[0].certificate_year}" in page
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    numbers = [re.search(r'data-label="Số vào sổ"><strong>(\d+)</strong>', row).group(1) for row in rows]
    assert numbers == ["1", "2", "3"]
    first = next(row for row in rows if listed[0].certificate_code in row)
    assert "Đã thu hồi" in first and "Quyết định thu hồi số" in first  # it keeps its number
    assert all(decision.number in row for row in rows)
    assert 'href="/review/certificates-register"' in html(client.get("/review/decisions"))


def test_the_register_pages_by_key_and_a_reader_sees_only_her_scope(client, auth, world, monkeypatch):
    signed(world, count=3)
    monkeypatch.setattr(certificates, "REGISTER_PAGE", 2)
    auth.login("chairman")
    page = html(client.get("/review/certificates-register"))
    assert page.count("<tr>") == 3 and "Trang sau" in page  # the header and two rows
    after = page.split("after=", 1)[1].split('"', 1)[0]
    rest = html(client.get(f"/review/certificates-register?after={after}"))
    assert rest.count("<tr>") == 2 and "Trang sau" not in rest
    assert client.get("/review/certificates-register?after=x-&year=abcd").status_code == 200  # bad input: no 500
    auth.login("outsider_chairman")  # another ward's chairman: nothing of this ward
    assert "Chưa có giấy công nhận nào được vào sổ." in html(client.get("/review/certificates-register"))
