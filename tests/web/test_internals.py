"""Internal audit data (sequence numbers, versions, hashes, raw event data) on a dossier's page are the auditors';
the chairman and the admin still read the audit log itself."""

from __future__ import annotations

import re

from states.enums import State


def test_only_the_auditor_sees_a_dossiers_internals_and_the_chairman_still_reads_the_log(client, auth, api, world):
    dossier = world.dossier(State.AWAITING_DECISION)
    seen = {}
    for who in ("auditor", "chairman", "admin", "applicant"):
        auth.login(who)
        page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
        seen[who] = bool(re.search(r"· seq \d+", page))
        auth.logout()
    assert seen == {"auditor": True, "chairman": False, "admin": False, "applicant": False}
    for who in ("auditor", "chairman", "admin"):
        assert api.as_(who).get(f"/audit/events?dossier_id={dossier.id}").status_code == 200, who
    assert api.as_("applicant").get("/audit/events").status_code == 403
