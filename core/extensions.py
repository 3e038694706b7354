"""Flask extensions, created once and bound to the app in :func:`core.app.create_app`."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from core.db import SympraxisSession
from core.ratelimit import AppLimiter

#: Constraint names are deterministic so that Alembic migrations can name what they alter, and
#: so that autogenerate compares like with like on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: SympraxisSession: after-commit callbacks (jobs, mail), cross-tenant reads on the reader role
db = SQLAlchemy(model_class=Base, session_options={"class_": SympraxisSession})
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
#: Rate limits with per-application state (Flask-Limiter's would be shared by every app in a process).
limiter = AppLimiter()
