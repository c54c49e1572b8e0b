"""The inbox (issue 9): the header counts unread messages; the inbox lists them newest first; opening one marks it
read and goes to its dossier; nobody opens another's; people choose where else their messages go."""

from sqlalchemy import select

from models import Notification
from states.enums import State, Trigger
from tests.conftest import csrf_from
from workflow.extensions import db
from workflow.services.dossiers import apply_transition


def html(response) -> str:
    return response.get_data(as_text=True)


def accepted(world):
    dossier = world.dossier(State.REGISTERED)
    apply_transition(world.users["group_committee"], dossier, Trigger.ACCEPT, dossier.version)
    db.session.commit()
    return dossier


def mine(world, name="applicant") -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == world.users[name].id)
                                   .order_by(Notification.id.desc())))


def test_the_header_counts_unread_messages_and_the_inbox_lists_them(client, auth, world):
    dossier = accepted(world)
    unread = len([n for n in mine(world) if n.read_at is None])
    auth.login("applicant")
    page = html(client.get("/inbox"))
    assert f'<span class="unread" aria-label="{unread} tin chưa đọc">{unread}</span>' in page
    assert dossier.tracking_code in page and "Tự đánh giá tại tổ" in page
    texts = [n.text for n in mine(world)]  # newest first in the database's order …
    assert [page.index(t) for t in texts] == sorted(page.index(t) for t in texts)  # … and on the page


def test_opening_a_message_marks_it_read_and_goes_to_its_dossier(client, auth, world):
    dossier = accepted(world)
    message = mine(world)[0]
    auth.login("applicant")
    token = csrf_from(html(client.get("/inbox")))
    response = client.post(f"/inbox/{message.id}/open", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/dossiers/{dossier.id}")
    db.session.expire_all()
    assert db.session.get(Notification, message.id).read_at is not None
    assert message.text not in html(client.get("/inbox?unread=1"))  # read: no longer among the unread
    response = client.post("/inbox/read-all", data={"csrf_token": token})
    assert response.status_code == 302
    assert all(n.read_at is not None for n in mine(world))
    assert 'class="unread"' not in html(client.get("/inbox"))  # the header's count is gone


def test_nobody_opens_anothers_message(client, auth, world):
    accepted(world)
    message = mine(world)[0]
    auth.login("applicant2")
    token = csrf_from(html(client.get("/inbox")))
    assert client.post(f"/inbox/{message.id}/open", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, message.id).read_at is None
    assert message.text not in html(client.get("/inbox"))


def test_choosing_channels_needs_their_addresses(client, auth, world):
    auth.login("applicant")
    page = html(client.get("/inbox/settings"))
    token = csrf_from(page)
    response = client.post("/inbox/settings", data={"csrf_token": token, "sms_on": "y", "email_on": "y",
                                                     "email": "", "phone": "12ab"})
    assert response.status_code == 422
    page = html(response)
    assert "nhập địa chỉ email để nhận tin qua email" in page and "số điện thoại gồm 10–11 chữ số" in page
    response = client.post("/inbox/settings", data={"csrf_token": token, "zalo_on": "y",
                                                     "email": "chi.lan@example.vn", "phone": "091 234 5678"})
    assert response.status_code == 302
    db.session.expire_all()
    user = world.users["applicant"]
    assert (user.channels, user.email, user.phone) == (["zalo"], "chi.lan@example.vn", "0912345678")
    page = html(client.get("/inbox/settings"))
    assert 'value="0912345678"' in page and 'id="zalo_on" name="zalo_on" type="checkbox" value="y"' in page


def test_the_inbox_is_for_signed_in_people(client):
    assert client.get("/inbox").status_code == 302
