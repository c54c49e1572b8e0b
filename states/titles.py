"""What the workflow knows of each title besides its name: whom a dossier is about and how its dossiers begin.

One entry per title, read by the guards, the services, the API and the pages alike; a title's other facts (its
criteria file, papers, streak years) are meant to join it here as one spec per title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from states.enums import RegistrationKind, Title


@dataclass(frozen=True)
class TitleFacts:
    subject_kind: str  # person | household | residential_group | agency (the API's `subject_kind`)
    registration: RegistrationKind = RegistrationKind.VOLUNTEER


FACTS: dict[Title, TitleFacts] = {
    Title.MODEL_CITIZEN: TitleFacts("person"),
    Title.MODEL_FAMILY: TitleFacts("household"),
    Title.MODEL_GROUP: TitleFacts("residential_group"),
    Title.MODEL_AGENCY: TitleFacts("agency"),
    # Decree 86/2023: every household of a group is assessed, none registers; the committee starts the dossiers.
    Title.CULTURED_FAMILY: TitleFacts("household", RegistrationKind.EVERY_HOUSEHOLD),
}
assert set(FACTS) == set(Title), "one entry per title"


def facts_of(title: Any) -> TitleFacts | None:
    """The title's entry; None for a value that is no title."""
    try:
        return FACTS[Title(title)]
    except ValueError:
        return None


def registration_of(title: Any) -> RegistrationKind:
    facts = facts_of(title)
    return facts.registration if facts is not None else RegistrationKind.VOLUNTEER


def every_household(title: Any) -> bool:
    """Assessed for every household of a group, without registration (its dossiers are started by the committee)."""
    return registration_of(title) == RegistrationKind.EVERY_HOUSEHOLD


def household(title: Any) -> bool:
    """Its subject is one household (named by its head, with members)."""
    facts = facts_of(title)
    return facts is not None and facts.subject_kind == "household"


HOUSEHOLD_TITLES = tuple(title for title in Title if household(title))
EVERY_HOUSEHOLD_TITLES = tuple(title for title in Title if every_household(title))
VOLUNTEER_TITLES = tuple(title for title in Title if not every_household(title))


def registration_window(campaign: Any, title: Any) -> tuple[date, date]:
    """The days (Vietnam's dates, both included) a dossier of `title` may enter `campaign`: its registration window
    for a title one volunteers for; for a title assessed for every household, from the window's opening to the
    group's assessment deadline, as there is nothing to register for."""
    closes = campaign.assessment_due if every_household(title) else campaign.registration_closes
    return campaign.registration_opens, closes


def takes_registrations(campaign: Any, day: date, titles: Any = None) -> bool:
    """Whether `campaign` takes a dossier of one of `titles` (every title when None) on `day`."""
    for title in Title if titles is None else titles:
        opens, closes = registration_window(campaign, title)
        if opens <= day <= closes:
            return True
    return False
