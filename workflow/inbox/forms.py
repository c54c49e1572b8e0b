from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from workflow.formbase import Form


class ChannelsForm(Form):
    """Where one's messages go besides the inbox."""

    email_on = BooleanField(_l("Nhận qua email"))
    sms_on = BooleanField(_l("Nhận tin nhắn SMS"))
    zalo_on = BooleanField(_l("Nhận tin nhắn Zalo"))
    email = StringField(_l("Địa chỉ email"), validators=[Length(max=254)])
    phone = StringField(_l("Số điện thoại (SMS, Zalo)"), validators=[Length(max=20)])


class EmptyForm(Form):
    """A button that changes one thing (its CSRF token is the whole form)."""
