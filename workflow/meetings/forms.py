from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from workflow import limits
from workflow.formbase import Form


class MeetingForm(Form):
    """The meeting's own fields. The numbers and the date are read as typed and checked by the service, so every
    mistake is shown beside its field together with those of the table's rows."""

    held_on = StringField(_l("Ngày họp"), render_kw={"type": "date"}, validators=[Length(max=20)])
    invited = StringField(_l("Số người được mời"), render_kw={"type": "number", "min": 1, "inputmode": "numeric"},
                          validators=[Length(max=20)])
    attendees = StringField(_l("Số người dự họp"), render_kw={"type": "number", "min": 0, "inputmode": "numeric"},
                            validators=[Length(max=20)])
    chaired_by = StringField(_l("Người chủ trì"), validators=[Optional(), Length(max=limits.NAME)])
    note = TextAreaField(_l("Diễn biến, kết luận cuộc họp (ghi vào biên bản)"),
                         validators=[Optional(), Length(max=limits.MINUTES)])
