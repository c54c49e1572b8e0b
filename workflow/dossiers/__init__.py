from flask import Blueprint

bp = Blueprint("dossiers", __name__)

from workflow.dossiers import certificates, renew, routes  # noqa: E402,F401
from workflow.dossiers import exports, imports, prints  # noqa: E402,F401
