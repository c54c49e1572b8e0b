"""GET /api/v1/me/inbox and POST /api/v1/me/inbox/{id}/read (API.md "People are told")."""

from sqlalchemy import select

from models import Notification
from states.enums import State, Trigger
from workflow.extensions import db
from workflow.services.dossiers import apply_transition


def test_the_inbox_lists_ones_own_messages_and_marks_them_read(api, world):
    dossier = world.dossier(State.REGISTERED)
    apply_transition(world.users["group_committee"], dossier, Trigger.ACCEPT, dossier.version)
    db.session.commit()
    me = api.as_("applicant")
    body = me.get("/me/inbox?unread=true").get_json()
    newest = body["items"][0]
    assert set(newest) == {"id", "at", "dossier_id", "kind", "text", "read"}
    assert newest["dossier_id"] == dossier.id and newest["kind"] == "step" and newest["read"] is False
    assert dossier.tracking_code in newest["text"]
    ids = [item["id"] for item in body["items"]]
    assert ids == sorted(ids, reverse=True)
    assert me.post(f"/me/inbox/{newest['id']}/read").status_code == 204
    assert newest["id"] not in [i["id"] for i in me.get("/me/inbox?unread=true").get_json()["items"]]
    assert [i for i in me.get("/me/inbox").get_json()["items"] if i["id"] == newest["id"]][0]["read"] is True
    other = api.as_("applicant2")
    assert other.post(f"/me/inbox/{newest['id']}/read").status_code == 404
    assert newest["id"] not in [i["id"] for i in other.get("/me/inbox").get_json()["items"]]


def test_the_inbox_pages_with_a_cursor(api, world):
    for _ in range(3):
        d = world.dossier(State.REGISTERED)
        apply_transition(world.users["group_committee"], d, Trigger.ACCEPT, d.version)
        db.session.commit()
    me = api.as_("applicant")
    total = len(list(db.session.scalars(select(Notification.id).where(
        Notification.user_id == world.users["applicant"].id))))
    seen, url = [], "/me/inbox?limit=2"
    while url:
        body = me.get(url).get_json()
        seen += [i["id"] for i in body["items"]]
        url = f"/me/inbox?limit=2&cursor={body['next_cursor']}" if body["next_cursor"] else None
    assert len(seen) == total == len(set(seen)) and total >= 3
    assert me.get("/me/inbox?unread=maybe").status_code == 422
    assert api.get("/me/inbox").status_code == 401
