from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.campaigns import Campaign
from models.criteria import CriteriaSet, Criterion
from models.units import Unit
from models.users import User


class Dossier(Base):
    """One application for one title, for one subject, in one campaign."""

    __tablename__ = "dossiers"
    __table_args__ = (Index("ix_dossiers_updated_at_id", "updated_at", "id"),  # the list's sort and its pages
                      Index("ix_dossiers_decision_id", "decision_id"),  # a decision's dossiers
                      # Each scope's list, newest first: a ward's people, a group's committee, a state's filter.
                      Index("ix_dossiers_ward_updated", "ward_id", "updated_at", "id"),
                      Index("ix_dossiers_unit_updated", "unit_id", "updated_at", "id"),
                      Index("ix_dossiers_state_updated", "state", "updated_at", "id"),
                      Index("ix_dossiers_ward_state_updated", "ward_id", "state", "updated_at", "id"),
                      # The API's pages, by ascending id: a ward's, and a ward's in one state.
                      Index("ix_dossiers_ward_id", "ward_id", "id"),
                      Index("ix_dossiers_ward_state_id", "ward_id", "state", "id"),
                      # A campaign's dossiers, and those of one state (its public list, its progress).
                      Index("ix_dossiers_campaign_state", "campaign_id", "state"),
                      # Overdue and due soon, per ward (the province's leaders read across wards).
                      Index("ix_dossiers_ward_due", "ward_id", "due_on"),
                      Index("ix_dossiers_due", "due_on"),
                      Index("ix_dossiers_revoked_by_decision_id", "revoked_by_decision_id"),
                      # The ward's register of certificates: a number once per ward and year.
                      Index("uq_dossiers_certificate_register", "ward_id", "certificate_year", "certificate_number",
                            unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(30), comment="Title value")
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), comment="residential group or agency")
    ward_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id"), comment="the campaign's ward, kept on the row so a ward's scope is one index range"
    )
    due_on: Mapped[date | None] = mapped_column(
        Date, comment="the current stage's last day (Vietnam's date), set when the state changes; null when none"
    )
    criteria_set_id: Mapped[int] = mapped_column(
        ForeignKey("criteria_sets.id"), comment="the set it is assessed under, fixed at creation"
    )
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_ref: Mapped[str] = mapped_column(String(100), index=True, comment="ID / household book / unit code")
    subject_address: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="", comment="folded name, ref and code for search")
    state: Mapped[str] = mapped_column(String(30), comment="State value; moved only by the machine")
    version: Mapped[int] = mapped_column(Integer, nullable=False, comment="optimistic lock")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, comment="the applicant's account (none for a paper registration)"
    )
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="the committee member who typed a paper registration in"
    )
    recommendation: Mapped[str | None] = mapped_column(String(10), comment="inspection: pass | fail")
    inspection_team: Mapped[list | None] = mapped_column(
        JSON, comment="the steering committee's inspection team: [{name, role: head | member}]"
    )
    inspection_started_at: Mapped[time | None] = mapped_column(Time, comment="the inspection's start (Vietnam time)")
    inspection_ended_at: Mapped[time | None] = mapped_column(Time, comment="the inspection's end (Vietnam time)")
    council_recommended: Mapped[bool | None] = mapped_column(Boolean, comment="set when the review closes")
    disqualifiers_found: Mapped[list] = mapped_column(JSON, default=list, comment="codes standing now")
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    notice_ends_on: Mapped[date | None] = mapped_column(
        Date, comment="last day of the public notice now running (Vietnam's date), fixed when it is posted"
    )
    certificate_code: Mapped[str | None] = mapped_column(
        String(20), unique=True, comment="printed on the certificate and its QR; set when recognized"
    )
    certificate_year: Mapped[int | None] = mapped_column(
        Integer, comment="the year of the ward's register of certificates it was entered in (the decision's year)"
    )
    certificate_number: Mapped[int | None] = mapped_column(
        Integer, comment="Số vào sổ: 1, 2, 3… per ward and year in the order issued; kept when revoked"
    )
    revoked_by_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id"), comment="the numbered decision that took the title back (Quyết định thu hồi)"
    )
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    criteria_set: Mapped[CriteriaSet] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    members: Mapped[list[DossierMember]] = relationship(cascade="all, delete-orphan", order_by="DossierMember.id",
                                                        lazy="selectin")
    decision: Mapped[Decision | None] = relationship(back_populates="dossiers", foreign_keys=[decision_id])
    revoked_by: Mapped[Decision | None] = relationship(back_populates="revoked", foreign_keys=[revoked_by_decision_id])
    assessment_items: Mapped[list[AssessmentItem]] = relationship(cascade="all, delete-orphan")
    inspection_items: Mapped[list[InspectionItem]] = relationship(cascade="all, delete-orphan")
    meeting_vote: Mapped[MeetingVote | None] = relationship(cascade="all, delete-orphan", back_populates="dossier")
    votes: Mapped[list[Vote]] = relationship(cascade="all, delete-orphan")
    objections: Mapped[list[Objection]] = relationship(cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(cascade="all, delete-orphan", order_by="Attachment.id")


class DossierMember(Base):
    """A member of the household a family dossier is about; their personal number makes them a subject."""

    __tablename__ = "dossier_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    personal_id: Mapped[str | None] = mapped_column(String(12), index=True)
    relation: Mapped[str] = mapped_column(String(50), default="", comment="quan hệ với chủ hộ")


class AssessmentItem(Base):
    """The group's self-assessment of one criterion."""

    __tablename__ = "assessment_items"
    __table_args__ = (UniqueConstraint("dossier_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    met: Mapped[bool | None] = mapped_column(Boolean)
    points: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    criterion: Mapped[Criterion] = relationship(lazy="joined")


class GroupMeeting(Base):
    """The group's one review meeting of a campaign (họp bình xét) and its minutes: it votes on every dossier."""

    __tablename__ = "group_meetings"
    __table_args__ = (UniqueConstraint("unit_id", "campaign_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), comment="the residential group (or agency)")
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    invited: Mapped[int] = mapped_column(Integer)
    attendees: Mapped[int] = mapped_column(Integer)
    chaired_by: Mapped[str] = mapped_column(String(200), default="", comment="who chaired it (chủ trì)")
    note: Mapped[str] = mapped_column(Text, default="", comment="the minutes' text")
    started_at: Mapped[time | None] = mapped_column(Time, comment="when the meeting began (Vietnam time)")
    ended_at: Mapped[time | None] = mapped_column(Time, comment="when it ended (Vietnam time)")
    place: Mapped[str | None] = mapped_column(String(300), comment="where it was held")
    secretary: Mapped[str | None] = mapped_column(String(200), comment="who wrote the minutes (thư ký)")
    participants: Mapped[list | None] = mapped_column(
        JSON, comment="who attended by name and role: [{name, role}] (party cell secretary, the Front, ...)"
    )
    vote_method: Mapped[str | None] = mapped_column(String(20), comment="VoteMethod value: show_of_hands | "
                                                                        "secret_ballot")
    opinions: Mapped[str | None] = mapped_column(Text, comment="what was said at the meeting")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    campaign: Mapped[Campaign] = relationship()
    votes: Mapped[list[MeetingVote]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                    order_by="MeetingVote.id")


class MeetingVote(Base):
    """How many of those at the group's meeting voted in favour of one dossier."""

    __tablename__ = "meeting_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("group_meetings.id", ondelete="CASCADE"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), unique=True)
    votes_for: Mapped[int] = mapped_column(Integer)

    meeting: Mapped[GroupMeeting] = relationship(back_populates="votes", lazy="joined")
    dossier: Mapped[Dossier] = relationship(back_populates="meeting_vote")

    # The guards read one dossier's meeting as these four numbers.
    @property
    def held_on(self) -> date:
        return self.meeting.held_on

    @property
    def invited(self) -> int:
        return self.meeting.invited

    @property
    def attendees(self) -> int:
        return self.meeting.attendees


class InspectionItem(Base):
    """The ward inspector's verdict on one criterion."""

    __tablename__ = "inspection_items"
    __table_args__ = (UniqueConstraint("dossier_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    met: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[int | None] = mapped_column(Integer, comment="points-shaped sets: the inspector's score")
    note: Mapped[str] = mapped_column(Text, default="")

    criterion: Mapped[Criterion] = relationship(lazy="joined")


class Vote(Base):
    """A council member's vote; one per member, replaced until the review closes."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("dossier_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[str] = mapped_column(String(10), comment="VoteChoice value")
    comment: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Objection(Base):
    """A resident's objection during the public notice; it must be answered before the notice closes."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="the resident who filed it, or the committee member or inspector who wrote it "
                                        "down"
    )
    resident_name: Mapped[str | None] = mapped_column(
        String(200), comment="the resident who objected on paper or in person, when written down for them"
    )
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    upheld: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Decision(Base):
    """The chairman's signed decision; one decision usually lists many dossiers."""

    __tablename__ = "decisions"
    # A number of the ward's outgoing register is used once a year per symbol (workflow/numbers.py).
    __table_args__ = (UniqueConstraint("unit_id", "number_year", "number_symbol", "number_serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), comment="the ward that decides")
    number: Mapped[str] = mapped_column(String(60))  # as printed: "135/QĐ-UBND"
    number_year: Mapped[int | None] = mapped_column(Integer, comment="the register's year: the year it was signed")
    number_symbol: Mapped[str | None] = mapped_column(String(40), comment="QĐ-UBND, TB-UBND (upper case)")
    number_serial: Mapped[int | None] = mapped_column(
        Integer, comment="135 (leading zeros dropped); null for an older number that is not serial/symbol"
    )
    signed_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(10), comment="Outcome value")  # recognize, refuse, revoke
    comment: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[dict | None] = mapped_column(
        JSON, comment="a refusal notice: each dossier's reasons, {dossier_id: text}")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), comment="who signed")
    on_behalf_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), comment="the chairman, when signed under delegation (KT. CHỦ TỊCH)"
    )
    published_on: Mapped[date | None] = mapped_column(
        Date, comment="the day the list of those recognized was posted publicly (Vietnam's date)"
    )
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signed_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id], lazy="joined")
    dossiers: Mapped[list[Dossier]] = relationship(back_populates="decision", foreign_keys="Dossier.decision_id")
    revoked: Mapped[list[Dossier]] = relationship(back_populates="revoked_by",
                                                  foreign_keys="Dossier.revoked_by_decision_id")

    @property
    def listed(self) -> list[Dossier]:
        """The dossiers it decides: those it recognizes or refuses, or those whose title it takes back."""
        return self.revoked if self.outcome == "revoke" else self.dossiers


class CertificateRegister(Base):
    """The ward's register of certificates for a year (sổ vào sổ): the last number given. Numbers are taken by
    one UPDATE … RETURNING on this row, so two decisions at once never get the same one, and never reused."""

    __tablename__ = "certificate_registers"

    ward_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, comment="the last Số vào sổ given this year")


class Attachment(Base):
    """An evidence file (PDF, PNG, JPEG) stored outside the database, named by its SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30), comment="AttachmentKind value")
    filename: Mapped[str] = mapped_column(String(255), comment="the name it was uploaded with")
    content_type: Mapped[str] = mapped_column(String(50), comment="detected from the content, not the name")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User] = relationship()
