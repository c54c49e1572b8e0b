from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
# The group's papers addressed by the group itself (API.md: /units/{unit_id}/proposals/{campaign_id}).
groups_bp = Blueprint("groups", __name__, url_prefix="/units")

from workflow.meetings import routes  # noqa: E402,F401
