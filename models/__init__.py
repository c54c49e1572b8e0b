"""Typed SQLAlchemy models, a module per aggregate."""

from models.audit import AuditEvent
from models.base import Base
from models.campaigns import Campaign
from models.criteria import CriteriaSet, Criterion, Disqualifier, Standard
from models.dossiers import (
    AssessmentItem,
    Attachment,
    Decision,
    Dossier,
    DossierMember,
    GroupMeeting,
    InspectionItem,
    Objection,
    Vote,
)
from models.units import Unit
from models.users import ApiToken, Delegation, LoginFailure, RoleAssignment, User

__all__ = [
    "ApiToken", "AssessmentItem", "Attachment", "AuditEvent", "Base", "Campaign", "CriteriaSet", "Criterion",
    "Decision", "Delegation", "Disqualifier", "Dossier", "DossierMember",
    "GroupMeeting", "InspectionItem", "LoginFailure", "Objection",
    "RoleAssignment", "Standard", "Unit", "User", "Vote",
]
