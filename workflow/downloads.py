"""Stored attachments a user downloads (after the scope check); shared by the API and the pages. Lists as
spreadsheets are workflow/exports.py's."""

from flask import current_app, send_file

from models import Dossier
from workflow.services.attachments import intact, stored_path
from workflow.services.errors import Conflict, NotFound


def send_attachment(dossier: Dossier, attachment_id: int):
    attachment = next((a for a in dossier.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound("Không tìm thấy tệp đính kèm.")
    folder = current_app.config["UPLOAD_FOLDER"]
    if not intact(folder, attachment):
        raise Conflict("Tệp lưu trữ không còn khớp mã kiểm tra (SHA-256); hãy báo quản trị.")
    return send_file(stored_path(folder, attachment.sha256), mimetype=attachment.content_type,
                     as_attachment=True, download_name=attachment.filename)
