"""Extensions, made once and bound in the factory."""

from flask_babel import Babel, lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Vui lòng đăng nhập để tiếp tục.")
babel = Babel()
# Counts public lookups and sign-in failures per address (the address ProxyFix found); its store comes from
# RATELIMIT_STORAGE_URI (see workflow/ratelimit_storage.py for the database's).
limiter = Limiter(key_func=get_remote_address)
