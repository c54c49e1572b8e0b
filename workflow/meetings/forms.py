from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from workflow import limits
from workflow.formbase import Form

# A line per person, "name - role": room for every participant's line and its separator.
PARTICIPANTS_TEXT = limits.PARTICIPANTS_MAX * (limits.NAME + limits.PERSON_ROLE + 4)


class MeetingForm(Form):
    """The meeting's own fields. The numbers, the date and the times are read as typed and checked by the service, so
    every mistake is shown beside its field together with those of the table's rows."""

    held_on = StringField(_l("Ngày họp"), render_kw={"type": "date"}, validators=[Length(max=20)])
    started_at = StringField(_l("Bắt đầu lúc"), render_kw={"type": "time", "placeholder": "19:30"},
                             validators=[Length(max=20)])
    ended_at = StringField(_l("Kết thúc lúc"), render_kw={"type": "time", "placeholder": "21:00"},
                           validators=[Length(max=20)])
    place = StringField(_l("Địa điểm họp"), validators=[Optional(), Length(max=limits.PLACE)])
    invited = StringField(_l("Số người được mời"), render_kw={"type": "number", "min": 1, "inputmode": "numeric"},
                          validators=[Length(max=20)])
    attendees = StringField(_l("Số người dự họp"), render_kw={"type": "number", "min": 0, "inputmode": "numeric"},
                            validators=[Length(max=20)])
    chaired_by = StringField(_l("Người chủ trì"), validators=[Optional(), Length(max=limits.NAME)])
    secretary = StringField(_l("Thư ký (người ghi biên bản)"), validators=[Optional(), Length(max=limits.NAME)])
    participants = TextAreaField(_l("Thành phần dự họp (mỗi dòng một người: họ tên - chức vụ)"),
                                 render_kw={"rows": 4, "placeholder": "Nguyễn Văn An - Bí thư chi bộ"},
                                 validators=[Optional(), Length(max=PARTICIPANTS_TEXT)])
    vote_method = SelectField(_l("Cách biểu quyết"), validate_choice=False, choices=[
        SelectChoice("", _l("— chọn —")), SelectChoice("show_of_hands", _l("Giơ tay biểu quyết")),
        SelectChoice("secret_ballot", _l("Bỏ phiếu kín"))])
    opinions = TextAreaField(_l("Ý kiến phát biểu tại cuộc họp"), render_kw={"rows": 4},
                             validators=[Optional(), Length(max=limits.MINUTES)])
    note = TextAreaField(_l("Diễn biến, kết luận cuộc họp (ghi vào biên bản)"),
                         validators=[Optional(), Length(max=limits.MINUTES)])


def people_lines(text: str | None) -> list[dict]:
    """"Nguyễn Văn An - Bí thư chi bộ" per line → [{name, role}]; a line without a role is a name alone."""
    people = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        for separator in (" - ", " – ", " — ", ":", ","):
            if separator in line:
                name, role = line.split(separator, 1)
                people.append({"name": name.strip(), "role": role.strip()})
                break
        else:
            people.append({"name": line, "role": ""})
    return people


def people_text(people: list[dict] | None) -> str:
    return "\n".join(f"{p['name']} - {p['role']}" if p.get("role") else p["name"] for p in people or [])
