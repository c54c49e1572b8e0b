from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from workflow import limits
from workflow.formbase import Form


class BoardObjectionForm(Form):
    """A resident's objection to one dossier on the notice board (the same limits as the dossier page's form)."""

    text = TextAreaField(_l("Ý kiến của bạn về hồ sơ này"),
                         validators=[DataRequired(_l("Hãy viết ý kiến của bạn trước khi gửi")),
                                     Length(max=limits.OBJECTION)])


class VerifyPdfForm(Form):
    """The public check of a signed paper: one PDF, read in memory and never kept."""

    file = FileField()  # labelled by the page, with the size limit
