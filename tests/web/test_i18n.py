"""Every string of the pages goes through the catalog; English is complete and compiled; the switch works."""

import io
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from states.enums import State

MEETING_DAY = (date.today() - timedelta(days=100)).isoformat()  # within the test campaign, never ahead

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_marked_string_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "T", "-o", str(pot), "."], cwd=ROOT, check=True,
                   capture_output=True)
    wanted = {m.id for m in read_catalog(pot) if m.id}
    catalog = read_catalog(PO)
    translated = {m.id for m in catalog if m.id and m.string}
    assert not wanted - translated, f"untranslated: {sorted(wanted - translated)[:10]}"


def test_the_compiled_catalog_matches_the_po_file():
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(PO))
    assert compiled.getvalue() == PO.with_suffix(".mo").read_bytes(), "run `make translations`"


def test_pages_switch_between_vietnamese_and_english(client, auth, world):
    world.dossier(State.REGISTERED)
    auth.login("group_committee")
    page = client.get("/").get_data(as_text=True)
    assert "Việc cần làm" in page and 'lang="vi"' in page
    client.get("/lang/en", headers={"Referer": "http://localhost/"})
    page = client.get("/").get_data(as_text=True)
    assert "My work" in page and "Registrations waiting for the group" in page and 'lang="en"' in page
    assert "Registered" in page  # the state badge, translated from the table's label
    client.get("/lang/xx")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)  # unknown languages are ignored
    client.get("/lang/vi")
    assert "Việc cần làm" in client.get("/").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en", headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


def test_dates_are_dd_mm_yyyy_in_the_wards_time_zone(client, auth, world, frozen_clock):
    dossier = world.dossier(State.DRAFT)
    auth.login("applicant")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    local = dossier.created_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert local.strftime("%d/%m/%Y %H:%M") in page


def test_guard_reasons_are_shown_in_the_pages_language_and_kept_vietnamese_in_the_api(client, auth, api, world):
    dossier = world.dossier(State.SELF_ASSESSMENT)
    auth.login("group_committee")
    assert "chưa tự đánh giá đủ tiêu chí: 0/11" in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "not every criterion is self-assessed: 0/11, missing 1.1" in page
    blocked = api.as_("group_committee").get(f"/dossiers/{dossier.id}").json["blocked_triggers"]
    assert blocked[0]["reasons"][0].startswith("chưa tự đánh giá đủ tiêu chí: 0/11")


def test_service_refusals_and_field_errors_follow_the_page_language(client, auth, world):
    from tests.conftest import csrf_from

    dossier = world.dossier(State.SELF_ASSESSMENT)
    auth.login("group_committee")
    client.get("/lang/en")
    page = client.get(f"/dossiers/{dossier.id}/assessment").get_data(as_text=True)
    response = client.post(f"/dossiers/{dossier.id}/assessment", data={
        "csrf_token": csrf_from(page), "version": dossier.version, "points-1.1": "99"})
    text = response.get_data(as_text=True)
    assert "The self-assessment is not valid." in text
    assert "must be an integer from 0 to 8" in text
    assert "phải là số nguyên" not in text
    meeting = f"/meetings/{dossier.unit_id}/{dossier.campaign_id}"  # the group's meeting has its own page
    response = client.post(meeting, data={"csrf_token": csrf_from(client.get(meeting).get_data(as_text=True)),
                                          "held_on": MEETING_DAY, "invited": "10", "attendees": "12"})
    text = response.get_data(as_text=True)
    assert "attendees (12) cannot exceed those invited (10)" in text and "không thể lớn hơn" not in text
