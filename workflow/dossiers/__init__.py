from flask import Blueprint

bp = Blueprint("dossiers", __name__)

from workflow.dossiers import certificates, exports, households, imports, prints, renew, routes  # noqa: E402,F401
