from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from states.enums import Role, UnitKind
from states.labels import ROLE_LABELS
from workflow import limits
from workflow.formbase import Form
from workflow.services.blanks import PAGES, PIECES

UNIT_KIND_LABELS = {UnitKind.PROVINCE: _l("Tỉnh / thành phố"), UnitKind.TOWN: _l("Thị xã / huyện (trước 01/07/2025)"),
                    UnitKind.WARD: _l("Xã / phường / đặc khu"), UnitKind.GROUP: _l("Tổ dân phố / thôn"),
                    UnitKind.AGENCY: _l("Cơ quan, đơn vị")}
NEW_UNIT_KINDS = (UnitKind.WARD, UnitKind.GROUP, UnitKind.AGENCY)  # two tiers since 1 July 2025


class UnitForm(Form):
    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(_l("Nhập mã")), Length(max=limits.CODE)])
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(_l("Nhập tên")), Length(max=limits.NAME)])
    kind = SelectField(_l("Loại"), choices=[SelectChoice(k.value, UNIT_KIND_LABELS[k]) for k in NEW_UNIT_KINDS])
    parent_id = SelectField(_l("Thuộc đơn vị"), coerce=int, validators=[InputRequired(_l("Chọn đơn vị cấp trên"))])


class UnitMergeForm(Form):
    unit_id = SelectField(_l("Đơn vị bị sáp nhập"), coerce=int, validators=[InputRequired(_l("Chọn đơn vị"))])
    into_id = SelectField(_l("Sáp nhập vào"), coerce=int, validators=[InputRequired(_l("Chọn đơn vị nhận"))])
    effective_on = DateField(_l("Có hiệu lực từ ngày"), validators=[InputRequired(_l("Nhập ngày dd/mm/yyyy"))])


class UserForm(Form):
    username = StringField(_l("Tên đăng nhập"),
                           validators=[DataRequired(_l("Nhập tên đăng nhập")), Length(max=limits.USERNAME)])
    full_name = StringField(_l("Họ tên"), validators=[DataRequired(_l("Nhập họ tên")), Length(max=limits.NAME)])
    password = PasswordField(_l("Mật khẩu (ít nhất 8 ký tự, khó đoán)"), validators=[
        DataRequired(_l("Nhập mật khẩu")), Length(min=8, message=_l("Ít nhất 8 ký tự"))])
    personal_id = StringField(_l("Số định danh cá nhân (12 số, in trên CCCD)"), validators=[
        Optional(), Regexp(limits.PERSONAL_ID_PATTERN, message=_l("Gồm đúng 12 chữ số"))])
    email = StringField(_l("Email (không bắt buộc)"), validators=[Optional(), Length(max=254)])


class RoleForm(Form):
    role = SelectField(_l("Vai trò"), choices=[SelectChoice(r.value, _l(ROLE_LABELS[r])) for r in Role])
    unit_id = SelectField(_l("Tại đơn vị"), coerce=int, validators=[InputRequired(_l("Chọn đơn vị"))])


class CampaignEditForm(Form):
    """The dates and numbers of a campaign (its year and ward never change)."""

    name = StringField(_l("Tên đợt thi đua"), validators=[DataRequired(_l("Nhập tên")), Length(max=limits.NAME)])
    registration_opens = DateField(_l("Mở đăng ký"), validators=[InputRequired(_l("Nhập ngày"))])
    registration_closes = DateField(_l("Đóng đăng ký"), validators=[InputRequired(_l("Nhập ngày"))])
    assessment_due = DateField(_l("Hạn họp bình xét của tổ"), validators=[InputRequired(_l("Nhập ngày"))])
    inspection_due = DateField(_l("Hạn phường kiểm tra"), validators=[InputRequired(_l("Nhập ngày"))])
    decision_due = DateField(_l("Hạn quyết định"), validators=[InputRequired(_l("Nhập ngày"))])
    group_quorum = DecimalField(_l("Tỉ lệ dự họp tối thiểu của tổ (%)"), places=2,
                                validators=[InputRequired(), NumberRange(1, 100)])
    group_approval = DecimalField(_l("Tỉ lệ đồng ý tối thiểu của tổ (%)"), places=2,
                                  validators=[InputRequired(), NumberRange(1, 100)])
    notice_days = IntegerField(_l("Số ngày niêm yết công khai"), validators=[InputRequired(), NumberRange(1, 90)])
    notice_working_days = BooleanField(_l("Tính thời gian niêm yết theo ngày làm việc (không chọn: tính cả thứ Bảy, "
                                          "Chủ nhật và ngày lễ)"))
    council_quorum = DecimalField(_l("Tỉ lệ thành viên Hội đồng bỏ phiếu tối thiểu (%)"), places=2,
                                  validators=[InputRequired(), NumberRange(1, 100)])
    council_approval = DecimalField(_l("Tỉ lệ đồng ý của Hội đồng để đề nghị (%)"), places=2,
                                    validators=[InputRequired(), NumberRange(1, 100)])
    pass_points = IntegerField(_l("Điểm đạt (bộ tiêu chí chấm điểm)"),
                               validators=[InputRequired(), NumberRange(1, 100)])
    secret_ballot = BooleanField(_l("Hội đồng bỏ phiếu kín (chỉ công bố kết quả kiểm phiếu)"))
    decision_days = IntegerField(_l("Số ngày để Chủ tịch quyết định khi hồ sơ đã đủ"),
                                 validators=[InputRequired(), NumberRange(1, 90)])
    decision_working_days = BooleanField(_l("Tính thời hạn quyết định theo ngày làm việc (không chọn: ngày theo lịch, "
                                            "như Nghị định 86/2023)"))
    decision_authority = RadioField(_l("Người ký quyết định công nhận"), default="chairman", choices=[
        SelectChoice("chairman", _l("Chủ tịch UBND phường ký theo thẩm quyền của mình: “CHỦ TỊCH” (thông thường)")),
        SelectChoice("committee", _l("Ủy ban nhân dân phường quyết định tập thể: “TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH”"))])
    publication_days = IntegerField(_l("Số ngày công bố danh sách được công nhận sau quyết định"),
                                    validators=[InputRequired(), NumberRange(1, 90)])
    grounds = TextAreaField(_l("Căn cứ của quyết định công nhận (mỗi dòng một căn cứ)"),
                            validators=[Length(max=limits.GROUNDS)], render_kw={"rows": 7})


class CampaignForm(CampaignEditForm):
    year = IntegerField(_l("Năm"), validators=[InputRequired(_l("Nhập năm")), NumberRange(2000, 2100)])
    unit_id = SelectField(_l("Phường"), coerce=int, validators=[InputRequired(_l("Chọn phường"))])


class CriteriaUploadForm(Form):
    file = FileField(_l("Tệp bộ tiêu chí (Excel .xlsx hoặc JSON)"))


CALENDAR_KIND_LABELS = {"day_off": _l("Ngày nghỉ"), "working_day": _l("Ngày đi làm bù")}


class CalendarDayForm(Form):
    """A day the government announced, as the notice says it."""

    date = DateField(_l("Ngày"), validators=[InputRequired(_l("Nhập ngày"))])
    kind = SelectField(_l("Loại ngày"), choices=[SelectChoice(k, v) for k, v in CALENDAR_KIND_LABELS.items()])
    name = StringField(_l("Tên gọi, căn cứ"),
                       validators=[DataRequired(_l("Nhập tên gọi")), Length(max=limits.NAME)])


class BlankLayoutForm(Form):
    """Where the ward's pre-printed certificate blanks want each text: the page, then per piece whether it prints, x,
    y, width and font size (fields `<piece>_shown`, `<piece>_x`, …, added below from services/blanks.PIECES). The
    numbers are plain text here: services/blanks.py reads them (42, 42,5) and checks them against the page."""

    page = SelectField(_l("Khổ giấy của phôi"),
                       choices=[SelectChoice(key, _l(size.label)) for key, size in PAGES.items()])


BLANK_NUMBERS = {"x": _l("Cách lề trái (mm)"), "y": _l("Cách mép trên (mm)"), "width": _l("Độ rộng (mm)"),
                 "size": _l("Cỡ chữ (pt)")}
for _piece in PIECES:
    setattr(BlankLayoutForm, f"{_piece.key}_shown", BooleanField(_l("In dòng này")))
    for _name, _label in BLANK_NUMBERS.items():
        setattr(BlankLayoutForm, f"{_piece.key}_{_name}", StringField(_label, render_kw={"inputmode": "decimal",
                                                                                          "size": 6}))
