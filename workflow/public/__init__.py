from flask import Blueprint

bp = Blueprint("public", __name__)

from workflow.public import certificates, progress, recognized, routes, verify  # noqa: E402,F401
