"""The ward's day is Vietnam's (UTC+7): between 17:00 and 24:00 UTC it is already tomorrow there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from states.enums import State


def test_a_decision_signed_early_morning_in_vietnam_is_not_in_the_future(api, world, frozen_clock):
    dossier = world.dossier(State.AWAITING_DECISION)
    early = frozen_clock.current.replace(hour=23, minute=30) - timedelta(days=1)  # 06:30 in Vietnam, same day
    frozen_clock.current = early
    vietnam_today = (early + timedelta(hours=7)).date()
    assert vietnam_today != early.date()
    response = api.as_("chairman").post(f"/dossiers/{dossier.id}/transitions", json={
        "trigger": "recognize", "version": dossier.version,
        "data": {"decision_number": "07/QĐ-UBND", "signed_on": vietnam_today.isoformat()}})
    assert response.status_code == 200, response.json
    assert response.json["state"] == "recognized"


def test_a_decision_dated_tomorrow_in_vietnam_is_refused(api, world, frozen_clock):
    dossier = world.dossier(State.AWAITING_DECISION)
    frozen_clock.current = datetime.combine(frozen_clock.current.date(), datetime.min.time(), tzinfo=UTC) \
        + timedelta(hours=16, minutes=30)  # 23:30 in Vietnam
    tomorrow = (frozen_clock.current + timedelta(hours=7)).date() + timedelta(days=1)
    response = api.as_("chairman").post(f"/dossiers/{dossier.id}/transitions", json={
        "trigger": "recognize", "version": dossier.version,
        "data": {"decision_number": "08/QĐ-UBND", "signed_on": tomorrow.isoformat()}})
    assert response.status_code == 422 and "signed_on" in response.json["error"]["fields"]
