from flask_babel import lazy_gettext as _l
from wtforms import DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from workflow import limits
from workflow.formbase import Form


class LoginForm(Form):
    username = StringField(_l("Tên đăng nhập"),
                           validators=[DataRequired(_l("Nhập tên đăng nhập")), Length(max=limits.USERNAME)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Nhập mật khẩu"))])


class DelegationForm(Form):
    held = SelectField(_l("Vai trò ủy quyền"), validators=[DataRequired(_l("Chọn vai trò"))])
    to_username = SelectField(_l("Người được ủy quyền"), validators=[DataRequired(_l("Chọn người được ủy quyền"))])
    starts_on = DateField(_l("Từ ngày"), validators=[InputRequired(_l("Chọn ngày bắt đầu"))])
    ends_on = DateField(_l("Đến hết ngày"), validators=[InputRequired(_l("Chọn ngày kết thúc"))])
    reason = TextAreaField(_l("Lý do (ví dụ: đi công tác, nghỉ phép)"),
                           validators=[DataRequired(_l("Nhập lý do")), Length(max=500)])


class ChangePasswordForm(Form):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Nhập mật khẩu hiện tại")),
                                                                 Length(max=limits.PASSWORD)])
    new = PasswordField(_l("Mật khẩu mới (ít nhất 8 ký tự, khó đoán: ghép vài từ ít gặp, có thể thêm số)"),
                        validators=[InputRequired(_l("Nhập mật khẩu mới")), Length(max=limits.PASSWORD)])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[InputRequired(_l("Nhập lại mật khẩu mới")),
                                                                     Length(max=limits.PASSWORD)])
