from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from workflow import limits
from workflow.formbase import Form


class BatchDecisionForm(Form):
    number = StringField(_l("Số quyết định (công nhận: QĐ-UBND) hoặc số thông báo (không công nhận: TB-UBND)"),
                         validators=[DataRequired(_l("Nhập số quyết định")), Length(max=limits.DECISION_NUMBER)])
    signed_on = DateField(_l("Ngày ký"), validators=[InputRequired(_l("Nhập ngày ký"))])
    outcome = RadioField(_l("Nội dung quyết định"),
                         choices=[SelectChoice("recognize", _l("Công nhận danh hiệu")),
                                  SelectChoice("refuse", _l("Không công nhận"))],
                         validators=[InputRequired(_l("Chọn nội dung quyết định"))])
    comment = TextAreaField(_l("Ghi chú / lý do chung (khi không công nhận: ghi lý do; sửa riêng từng hộ ở bước "
                               "xác nhận)"),
                            validators=[Optional(), Length(max=limits.COMMENT)])
    confirmed = HiddenField()


class BatchStepForm(Form):
    """A bulk step's own inputs: an optional comment for every dossier (and, closing reviews, the council's
    meeting); the dossiers ticked are read from the list."""

    comment = TextAreaField(_l("Ý kiến (không bắt buộc, ghi vào từng hồ sơ)"),
                            validators=[Optional(), Length(max=limits.COMMENT)])
    meeting_date = StringField(_l("Ngày họp Hội đồng (không bắt buộc)"), render_kw={"type": "date"},
                               validators=[Optional(), Length(max=20)])
    minutes = TextAreaField(_l("Tóm tắt biên bản họp Hội đồng (không bắt buộc)"),
                            validators=[Optional(), Length(max=limits.MINUTES)])
    confirmed = HiddenField()


class PublishForm(Form):
    """The day a decision's list of those recognized was posted publicly (checked by services/publication.py)."""

    published_on = DateField(_l("Đã niêm yết danh sách ngày"), validators=[InputRequired(_l("Nhập ngày niêm yết"))])
