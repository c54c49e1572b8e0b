from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from states.enums import Title
from states.labels import TITLE_LABELS


class DossierForm(FlaskForm):
    campaign_id = SelectField("Đợt thi đua", coerce=int, validators=[InputRequired("Chọn đợt thi đua")])
    title = SelectField("Danh hiệu", choices=[SelectChoice(t.value, TITLE_LABELS[t]) for t in Title],
                        validators=[DataRequired("Chọn danh hiệu")])
    unit_id = SelectField("Tổ dân phố / cơ quan", coerce=int, validators=[InputRequired("Chọn đơn vị")])
    subject_name = StringField("Họ tên / tên hộ / tên đơn vị",
                               validators=[DataRequired("Nhập tên đối tượng"), Length(max=200)])
    subject_ref = StringField("Số CCCD / số hộ khẩu / mã đơn vị",
                              validators=[DataRequired("Nhập số định danh"), Length(max=100)])
    subject_address = StringField("Địa chỉ", validators=[Optional(), Length(max=200)])
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=2000)])


class TransitionForm(FlaskForm):
    trigger = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[InputRequired()])
    comment = TextAreaField("Ý kiến / lý do", validators=[Optional(), Length(max=5000)])
    decision_number = StringField("Số quyết định", validators=[Optional(), Length(max=60)])
    signed_on = StringField("Ngày ký (YYYY-MM-DD)", validators=[Optional(), Length(max=10)])
