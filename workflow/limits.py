"""Input limits, written down once: the API's schemas (workflow/api/schemas.py) and the pages' Flask-WTF forms
both read them, so a value one accepts the other accepts too, and nothing longer than its database column (or
larger than its integer column) ever reaches the database.

Lengths count the characters as sent (the API then strips surrounding whitespace).
"""

from __future__ import annotations

# --- numbers --------------------------------------------------------------------------------------------------
INT_MAX = 2**31 - 1  # the largest value of an INTEGER column (PostgreSQL int4; SQLite stores more, we never do)
ID_MAX = INT_MAX  # ids and versions are 1..ID_MAX; a larger one names nothing (404 in a path, 422 in a body)
LIMIT_MAX = 500  # the largest page of a list (`?limit=`); the default is LIMIT_DEFAULT
LIMIT_DEFAULT = 50
YEAR_MIN, YEAR_MAX = 2000, 2100  # a campaign's year
MEMBERS_MAX = 30  # household members listed on a family dossier
# A decision or a batch step is judged and written as one set (services/step_sets.py): its statements do not grow
# with its dossiers, so a ward's whole list goes in one.
DOSSIER_IDS_MAX = 5000  # dossiers in one decision
BATCH_MAX = 5000  # dossiers moved by one batch step (POST /transitions/batch, the batch pages)
MEETING_VOTES_MAX = 500  # dossiers one group meeting votes on
MEETING_PEOPLE_MAX = 100_000  # people invited to (or attending) a group's meeting
ITEMS_MAX = 500  # criteria in one assessment or inspection
PARTICIPANTS_MAX = 50  # people named in a meeting's minutes (guests, the party cell, the Front, mass organisations)
TEAM_MAX = 20  # members of the ward's inspection team
DISQUALIFIERS_MAX = 50  # disqualifier codes in one body
JSON_DEPTH = 32  # objects and arrays nested in a request body (the deepest body the API takes needs 4)

# --- text (characters) ----------------------------------------------------------------------------------------
NAME = 200  # subject_name, full_name, a member's name, a campaign's name (String(200) columns)
REF = 100  # subject_ref (String(100))
ADDRESS = 300  # subject_address (String(300))
NOTE = 2000  # a dossier's note, a criterion's note
COMMENT = 2000  # transition comments, decision comments, vote comments
OBJECTION = 2000  # a resident's objection
ANSWER = 2000  # the answer to an objection
GROUNDS = 6024  # a campaign's Căn cứ: at most 12 lines of 500 characters (services/campaigns.py)
MINUTES = 5000  # the longest text inside a step's `data` (the council meeting's minutes)
DECISION_NUMBER = 60  # "45/QĐ-UBND" (String(60))
USERNAME = 80  # (String(80))
PASSWORD = 200
CODE = 50  # criterion, disqualifier and unit codes
RELATION = 50  # a household member's relation to the head (String(50))
PLACE = 300  # where a meeting was held (String(300))
PERSON_ROLE = 200  # a participant's position ("Bí thư chi bộ"), as typed
QUERY = 200  # the `q` search text of a list
TRACKING_CODE = 16  # "KM" + 8 characters (String(16))

# --- shapes ---------------------------------------------------------------------------------------------------
PERSONAL_ID_DIGITS = 12  # số định danh cá nhân: exactly 12 ASCII digits
PERSONAL_ID_PATTERN = r"^[0-9]{12}$"
