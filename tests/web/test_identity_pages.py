"""The pages of identity and delegation: household members and paper registrations on the registration form,
personal numbers on the admin's user form, the secret-ballot setting, and lending a role on the delegation
page — each refusing bad input beside its field and changing nothing then."""

from datetime import timedelta

from sqlalchemy import func, select

from models import AuditEvent, Campaign, Delegation, Dossier, User
from states.enums import State
from tests.conftest import csrf_from
from workflow import clock
from workflow.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def new_dossier(client, world, **extra):
    page = html(client.get("/dossiers/new"))
    return client.post("/dossiers/new", data={
        "csrf_token": csrf_from(page), "campaign_id": world.campaign.id, "title": "model_family",
        "unit_id": world.units["G1"].id, "subject_name": "Hộ ông Trần Văn Hoà", "subject_ref": "038080001111",
        **extra})


def test_household_members_are_typed_one_per_line_and_checked(client, auth, world):
    auth.login("applicant")
    assert "on_behalf" not in html(client.get("/dossiers/new"))  # residents register themselves only
    before = count(Dossier)
    bad = new_dossier(client, world, members="Trần Thị Mai; 12345; vợ")
    assert bad.status_code == 422 and "12 chữ số" in html(bad) and "Trần Thị Mai; 12345; vợ" in html(bad)
    assert count(Dossier) == before
    good = new_dossier(client, world, members="Trần Thị Mai; 038185002222; vợ\n\nTrần Văn Nam;; con")
    assert good.status_code == 302
    dossier = db.session.scalars(select(Dossier).order_by(Dossier.id.desc())).first()
    assert [(m.name, m.personal_id, m.relation) for m in dossier.members] == [
        ("Trần Thị Mai", "038185002222", "vợ"), ("Trần Văn Nam", None, "con")]
    edit = html(client.get(f"/dossiers/{dossier.id}/edit"))
    assert "Trần Thị Mai; 038185002222; vợ" in edit


def test_the_committee_enters_a_paper_registration_and_the_subject_may_not_review_it(client, auth, world):
    committee = world.users["group_committee"]
    committee.personal_id = "038080001111"  # the committee member is the subject this time
    db.session.commit()
    auth.login("group_committee")
    made = new_dossier(client, world, on_behalf="y")
    assert made.status_code == 302
    dossier = db.session.scalars(select(Dossier).order_by(Dossier.id.desc())).first()
    assert dossier.state == State.REGISTERED and dossier.entered_by_id == committee.id
    page = html(client.get(f"/dossiers/{dossier.id}"))
    assert 'value="accept"' not in page  # her own household: no button to accept it
    assert "nhập thay" in page


def test_the_admin_records_personal_numbers_and_the_secret_ballot(client, auth, world):
    auth.login("admin")
    page = html(client.get("/admin/users"))
    data = {"csrf_token": csrf_from(page), "username": "hoa", "full_name": "Lê Thị Hoà", "password": "mật khẩu tốt",
            "role": "applicant", "unit_id": world.units["G1"].id}
    bad = client.post("/admin/users", data={**data, "personal_id": "0381-9000"})
    assert bad.status_code == 422 and "Gồm đúng 12 chữ số" in html(bad)
    assert client.post("/admin/users", data={**data, "personal_id": "038190003333",
                                             "email": "hoa@example.org"}).status_code == 302
    hoa = db.session.scalars(select(User).where(User.username == "hoa")).one()
    assert (hoa.personal_id, hoa.email) == ("038190003333", "hoa@example.org")
    page = html(client.get(f"/admin/campaigns/{world.campaign.id}"))
    assert 'name="secret_ballot"' in page
    form = {name: value for name, value in _inputs(page).items()}
    form.update(csrf_token=csrf_from(page), secret_ballot="y")
    assert client.post(f"/admin/campaigns/{world.campaign.id}", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, world.campaign.id).secret_ballot is True


def _inputs(page: str) -> dict:
    import re

    return {m.group(1): m.group(2) for m in re.finditer(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page)}


def test_the_chairman_lends_his_role_for_a_week_and_ends_it(client, auth, world):
    auth.login("chairman")
    page = html(client.get("/delegations"))
    today = clock.now().date()
    data = {"csrf_token": csrf_from(page), "held": "chairman@WARD", "to_username": "vice_chairman",
            "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=6)).isoformat(),
            "reason": "Đi công tác tỉnh"}
    before = (count(Delegation), count(AuditEvent))
    assert '<option value="vice_chairman">' in page and '<option value="chairman">' not in page  # a name to pick
    assert "Người dùng vice_chairman" in page  # full names, not usernames only
    wrong = client.post("/delegations", data={**data, "to_username": "applicant9"})  # another ward's resident
    assert wrong.status_code == 422 and "Lựa chọn không hợp lệ." in html(wrong)
    backwards = client.post("/delegations", data={**data, "ends_on": (today - timedelta(days=1)).isoformat()})
    assert backwards.status_code == 422 and "phải từ ngày bắt đầu trở đi" in html(backwards)
    assert (count(Delegation), count(AuditEvent)) == before
    assert client.post("/delegations", data=data).status_code == 302
    auth.login("vice_chairman")
    assert "Ký quyết định" in html(client.get("/"))  # the chairman's page is in the deputy's menu now
    auth.login("chairman")
    page = html(client.get("/delegations"))
    assert "Đang hiệu lực" in page
    delegation = db.session.scalars(select(Delegation)).one()
    assert client.post(f"/delegations/{delegation.id}/end", data={"csrf_token": csrf_from(page)}).status_code == 302
    auth.login("vice_chairman")
    assert "Ký quyết định" not in html(client.get("/"))


def test_a_decision_signed_under_delegation_says_kt_chu_tich(client, auth, world):
    from workflow.services import delegations
    from workflow.services.dossiers import apply_transition

    today = clock.now().date()
    dossier = world.dossier(State.AWAITING_DECISION)
    signed = world.dossier(State.RECOGNIZED, decision_number="03/QĐ-UBND")
    delegations.grant(world.users["chairman"], {"to_username": "vice_chairman", "role": "chairman",
                                                "unit_code": "WARD", "starts_on": today, "ends_on": today,
                                                "reason": "Chủ tịch họp tại tỉnh"})
    apply_transition(world.users["vice_chairman"], dossier, "recognize", dossier.version, "",
                     {"decision_number": "04/QĐ-UBND", "signed_on": today.isoformat()})
    db.session.commit()
    auth.login("auditor")
    by_deputy = html(client.get(f"/review/decisions/{dossier.decision_id}"))
    assert "KT. CHỦ TỊCH" in by_deputy and "PHÓ CHỦ TỊCH" in by_deputy and "TM. ỦY BAN NHÂN DÂN" not in by_deputy
    by_chairman = html(client.get(f"/review/decisions/{signed.decision_id}"))
    assert "<strong>CHỦ TỊCH</strong>" in by_chairman and "KT. CHỦ TỊCH" not in by_chairman
    assert "TM. ỦY BAN NHÂN DÂN" not in by_chairman  # the chairman's own power (Decree 86/2023)
