"""The base of every form: Flask-WTF's CSRF, with WTForms' own messages in the page's language (WTForms has
no Vietnamese catalog of its own, so its few built-in messages go through ours)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

BUILT_IN = {
    "Not a valid choice.": _l("Lựa chọn không hợp lệ."),
    "Not a valid integer value.": _l("Phải là số nguyên."),
    "Not a valid decimal value.": _l("Phải là số."),
    "Not a valid date value.": _l("Ngày không hợp lệ."),
    "This field is required.": _l("Trường này là bắt buộc."),
    "Invalid input.": _l("Giá trị không hợp lệ."),
    "Number must be between %(min)s and %(max)s.": _l("Phải nằm trong khoảng %(min)s đến %(max)s."),
    "Number must be at least %(min)s.": _l("Phải lớn hơn hoặc bằng %(min)s."),
    "Number must be at most %(max)s.": _l("Phải nhỏ hơn hoặc bằng %(max)s."),
    "Field cannot be longer than %(max)d character.": _l("Không được dài quá %(max)d ký tự."),
    "Field cannot be longer than %(max)d characters.": _l("Không được dài quá %(max)d ký tự."),
    "Field must be at least %(min)d character long.": _l("Phải có ít nhất %(min)d ký tự."),
    "Field must be at least %(min)d characters long.": _l("Phải có ít nhất %(min)d ký tự."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Phải dài từ %(min)d đến %(max)d ký tự."),
    "The CSRF token is missing.": _l("Thiếu mã bảo vệ biểu mẫu (CSRF); vui lòng tải lại trang."),
    "The CSRF token is invalid.": _l("Mã bảo vệ biểu mẫu (CSRF) không hợp lệ; vui lòng tải lại trang."),
    "The CSRF token has expired.": _l("Mã bảo vệ biểu mẫu (CSRF) đã hết hạn; vui lòng tải lại trang."),
}


class Messages:
    def gettext(self, string: str) -> str:
        return str(BUILT_IN.get(string, string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


MESSAGES = Messages()


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return MESSAGES
