"""What a step records beyond the state (the table names one per row): the council's tally, the decision it
belongs to, a fresh review. Each takes the step's context and returns the data to add to the audit event."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from states.enums import Trigger, VoteChoice
from states.guards import GuardContext, local_date, meets_share
from states.inputs import InputRejected
from states.labels import N_
from states.text import Text

Effect = Callable[[GuardContext], dict[str, Any]]


def post_notice(step: GuardContext) -> dict[str, Any]:
    """Post the list publicly: the notice's last day is counted from Vietnam's date of posting, as the
    campaign counts it (calendar or working days), and fixed on the dossier."""
    period = step.facts.notice_period(local_date(step.now))
    step.dossier.notice_ends_on = period.ends_on
    return {"notice_ends_on": period.ends_on, "notice_days": step.campaign.notice_days,
            "notice_working_days": bool(step.campaign.notice_working_days)}


def tally_votes(step: GuardContext) -> dict[str, Any]:
    """Close the council's review: count the votes against the council's size and record its recommendation."""
    counts, size = step.facts.vote_counts(), step.facts.council_size()
    share = step.campaign.council_approval
    recommended = meets_share(counts[VoteChoice.APPROVE], size, share)
    step.dossier.council_recommended = recommended
    return {"votes": counts, "council_size": size, "recommended": recommended, "approval_share": share}


def link_decision(step: GuardContext) -> dict[str, Any]:
    """Attach the dossier to the signed decision (found or created by its number)."""
    decision = step.facts.decision_for(step)
    if decision is None:
        return {}
    step.dossier.decision_id = decision.id
    key = str(step.dossier.id)
    if step.trigger == Trigger.REFUSE and key not in (decision.reasons or {}):  # the notice names each one's reason
        decision.reasons = {**(decision.reasons or {}), key: step.comment}
    return {"decision_id": decision.id, "decision_number": decision.number, "signed_on": decision.signed_on}


CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper and typed by hand


def new_certificate_code(year: int) -> str:
    """'2026-7QX4PA9K': the year and 40 random bits, so the public verification page cannot be walked."""
    return f"{year}-" + "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(8))


def recognize(step: GuardContext) -> dict[str, Any]:
    """Attach the dossier to the decision, give it the code its certificate and QR carry, and enter the
    certificate in the ward's register of the decision's year (its Số vào sổ)."""
    data = link_decision(step)
    dossier = step.dossier
    if dossier.certificate_code is None:
        dossier.certificate_code = new_certificate_code(step.campaign.year)
    data["certificate_code"] = dossier.certificate_code
    if dossier.certificate_number is None:
        signed_on = data.get("signed_on")
        dossier.certificate_year = signed_on.year if signed_on is not None else local_date(step.now).year
        dossier.certificate_number = step.facts.enter_certificate(dossier.certificate_year)
    if dossier.certificate_number is not None:  # a set's numbers are given together when it is written
        data["certificate_number"] = dossier.certificate_number
    return data


def revoke(step: GuardContext) -> dict[str, Any]:
    """Take the title back by a numbered decision of the ward (found or made by its number), recorded on the
    dossier; the certificate keeps its code and its Số vào sổ."""
    recognized = step.dossier.decision
    if recognized is not None and step.inputs["signed_on"] < recognized.signed_on:
        raise InputRejected({"signed_on": Text(N_("không thể trước ngày ký quyết định công nhận (%(day)s)"),
                                               day=recognized.signed_on.strftime("%d/%m/%Y"))})
    decision = step.facts.decision_for(step)
    step.dossier.revoked_by_decision_id = decision.id
    return {"revoked_by_decision_id": decision.id, "decision_number": decision.number,
            "signed_on": decision.signed_on}


def clear_votes(step: GuardContext) -> dict[str, Any]:
    """The council reviews afresh: earlier votes stay in the history, not in the new count."""
    cleared = len(step.dossier.votes)
    step.dossier.votes.clear()
    step.dossier.council_recommended = None
    return {"cleared_votes": cleared}
