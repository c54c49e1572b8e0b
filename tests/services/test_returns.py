"""A dossier the ward returned to its group goes back only after the group has worked on it."""

from __future__ import annotations

from states.enums import State
from workflow.services.walkthrough import full_assessment


def test_a_returned_dossier_is_sent_again_only_after_a_revision(api, world):
    dossier = world.dossier(State.PUBLIC_NOTICE)
    back = api.as_("ward_inspector").post(f"/dossiers/{dossier.id}/transitions", json={
        "trigger": "return_to_group", "version": dossier.version, "comment": "Hộ còn để vật liệu trên vỉa hè"})
    assert back.status_code == 200 and back.json["state"] == "self_assessment"
    committee = api.as_("group_committee")
    again = committee.post(f"/dossiers/{dossier.id}/transitions", json={
        "trigger": "submit_assessment", "version": back.json["version"], "comment": "Đã dọn"})
    assert again.status_code == 422 and "bị phường trả lại chưa được sửa" in again.json["error"]["message"]
    # The batch refuses it too, by name.
    batch = committee.post("/transitions/batch", json={
        "trigger": "submit_assessment", "items": [{"dossier_id": dossier.id, "version": back.json["version"]}]})
    assert batch.status_code == 422 and "chưa được sửa" in batch.json["error"]["fields"][str(dossier.id)]
    # The group re-records its self-assessment (the household fixed it): now it may go.
    payload = full_assessment(dossier)
    payload.pop("meeting")
    payload["version"] = back.json["version"]
    saved = committee.put(f"/dossiers/{dossier.id}/assessment", json=payload)
    assert saved.status_code == 200, saved.json
    sent = committee.post(f"/dossiers/{dossier.id}/transitions", json={
        "trigger": "submit_assessment", "version": saved.json["version"], "comment": "Hộ đã dọn vỉa hè"})
    assert sent.status_code == 200 and sent.json["state"] == "public_notice"
