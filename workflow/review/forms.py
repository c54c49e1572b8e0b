from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from workflow import limits
from workflow.formbase import Form


class BatchDecisionForm(Form):
    number = StringField(_l("Số quyết định"),
                         validators=[DataRequired(_l("Nhập số quyết định")), Length(max=limits.DECISION_NUMBER)])
    signed_on = DateField(_l("Ngày ký"), validators=[InputRequired(_l("Nhập ngày ký"))])
    outcome = RadioField(_l("Nội dung quyết định"),
                         choices=[SelectChoice("recognize", _l("Công nhận danh hiệu")),
                                  SelectChoice("refuse", _l("Không công nhận"))],
                         validators=[InputRequired(_l("Chọn nội dung quyết định"))])
    comment = TextAreaField(_l("Ghi chú / lý do (bắt buộc khi không công nhận)"),
                            validators=[Optional(), Length(max=limits.COMMENT)])
    confirmed = HiddenField()
