from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from states.enums import AttachmentKind, Title, VoteChoice
from states.labels import ATTACHMENT_LABELS, TITLE_LABELS, VOTE_LABELS
from workflow import limits
from workflow.formbase import Form


class DossierForm(Form):
    campaign_id = SelectField(_l("Đợt thi đua"), coerce=int, validators=[InputRequired(_l("Chọn đợt thi đua"))])
    title = SelectField(_l("Danh hiệu"), choices=[SelectChoice(t.value, _l(TITLE_LABELS[t])) for t in Title],
                        validators=[DataRequired(_l("Chọn danh hiệu"))])
    unit_id = SelectField(_l("Tổ dân phố / cơ quan"), coerce=int, validators=[InputRequired(_l("Chọn đơn vị"))])
    subject_name = StringField(_l("Họ tên / tên hộ / tên đơn vị"),
                               validators=[DataRequired(_l("Nhập tên đối tượng")), Length(max=limits.NAME)])
    subject_ref = StringField(_l("Số định danh cá nhân / mã đơn vị"),
                              validators=[DataRequired(_l("Nhập số định danh")), Length(max=limits.REF)])
    subject_address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=limits.ADDRESS)])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=limits.NOTE)])
    members = TextAreaField(_l("Thành viên hộ (mỗi dòng: Họ tên; số định danh; quan hệ với chủ hộ)"),
                            validators=[Optional(), Length(max=6000)])
    on_behalf = BooleanField(_l("Nhập thay người dân đã ký đơn giấy (hồ sơ được ghi nhận là đã đăng ký)"))


class EditDossierForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    subject_name = DossierForm.subject_name
    subject_ref = DossierForm.subject_ref
    subject_address = DossierForm.subject_address
    note = DossierForm.note
    members = DossierForm.members


class TransitionForm(Form):
    trigger = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[InputRequired()])
    comment = TextAreaField(_l("Ý kiến / lý do"), validators=[Optional(), Length(max=limits.COMMENT)])
    decision_number = StringField(_l("Số quyết định"), validators=[Optional(), Length(max=limits.DECISION_NUMBER)])
    signed_on = StringField(_l("Ngày ký"), validators=[Optional(), Length(max=10)])


class StepForm(Form):
    """CSRF and the version for the per-criterion pages, whose inputs are read by criterion code."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class VoteForm(Form):
    vote = RadioField(_l("Phiếu của bạn"), choices=[SelectChoice(c.value, _l(VOTE_LABELS[c])) for c in VoteChoice],
                      validators=[InputRequired(_l("Chọn một phương án"))])
    comment = TextAreaField(_l("Ý kiến"), validators=[Optional(), Length(max=limits.COMMENT)])


class ObjectionForm(Form):
    text = TextAreaField(_l("Nội dung phản ánh của người dân"),
                         validators=[DataRequired(_l("Nhập nội dung phản ánh")), Length(max=limits.OBJECTION)])
    resident_name = StringField(_l("Người phản ánh (khi ghi lại ý kiến người dân gửi bằng giấy hoặc nói trực tiếp)"),
                                validators=[Optional(), Length(max=limits.NAME)])


class AnswerForm(Form):
    answer = TextAreaField(_l("Trả lời"),
                           validators=[DataRequired(_l("Nhập nội dung trả lời")), Length(max=limits.ANSWER)])
    upheld = RadioField(_l("Kết luận"), choices=[SelectChoice("no", _l("Không có cơ sở")),
                                                  SelectChoice("yes", _l("Phản ánh đúng"))],
                        validators=[InputRequired(_l("Chọn kết luận"))])


class AttachmentForm(Form):
    kind = SelectField(_l("Loại tài liệu"),
                       choices=[SelectChoice(k.value, _l(ATTACHMENT_LABELS[k])) for k in AttachmentKind])
    file = FileField(_l("Tệp (PDF, PNG, JPEG; tối đa 10 MB)"))


class DisqualifierForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    code = SelectField(_l("Trường hợp không xét"), validators=[DataRequired(_l("Chọn một trường hợp"))])
    standing = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Lý do"), validators=[Optional(), Length(max=limits.COMMENT)])


class WithdrawForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    comment = TextAreaField(_l("Lý do rút (không bắt buộc)"), validators=[Optional(), Length(max=limits.COMMENT)])
    confirm = BooleanField(_l("Tôi đã hiểu: hồ sơ sẽ kết thúc và không mở lại được"),
                           validators=[DataRequired(_l("Đánh dấu ô này để xác nhận rút hồ sơ"))])
