"""Typed SQLAlchemy models, a module per aggregate."""

from models.audit import AuditEvent, AuditSeal, AuditSealHead, AuditVerification
from models.base import Base
from models.calendar import CalendarDay
from models.campaigns import Campaign
from models.criteria import CriteriaSet, Criterion, Disqualifier, Standard
from models.dossiers import (
    AssessmentItem,
    Attachment,
    CertificateRegister,
    Decision,
    Dossier,
    DossierMember,
    GroupMeeting,
    InspectionItem,
    MeetingVote,
    Objection,
    Vote,
)
from models.notifications import Delivery, Notification
from models.reports import PaperJob, StatsSnapshot
from models.throttles import RateLimitHit
from models.units import Unit
from models.users import ApiToken, Delegation, LoginFailure, RoleAssignment, User

__all__ = [
    "ApiToken", "AssessmentItem", "Attachment", "AuditEvent", "AuditSeal", "AuditSealHead", "AuditVerification",
    "Base", "CalendarDay", "Campaign", "CertificateRegister", "CriteriaSet",
    "Criterion",
    "Decision", "Delegation", "Delivery", "Disqualifier", "Dossier", "DossierMember",
    "GroupMeeting", "InspectionItem", "MeetingVote", "LoginFailure", "Notification", "Objection", "PaperJob",
    "RateLimitHit", "RoleAssignment", "Standard", "StatsSnapshot", "Unit", "User", "Vote",
]
