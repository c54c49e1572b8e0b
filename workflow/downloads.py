"""Files a user downloads: stored attachments (after the scope check) and the audit log as CSV; shared by the
API and the pages."""

import csv
import io
import json

from flask import Response, current_app, send_file

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


CSV_COLUMNS = ["id", "stream", "seq", "dossier_id", "trigger", "from_state", "to_state", "actor", "role", "at",
               "comment", "data", "prev_hash", "hash"]


def csv_response(events) -> Response:
    from workflow.api.serialize import event_json

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        row = event_json(event)
        row["data"] = json.dumps(row["data"], ensure_ascii=False, sort_keys=True)
        writer.writerow([row[c] for c in CSV_COLUMNS])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=audit-events.csv"})
