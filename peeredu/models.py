"""Every mapped model, imported in one place so that ``Base.metadata`` is complete.

Alembic's env.py and the schema tests import this module.
"""

from peeredu.accounts.api_tokens import ApiToken  # noqa: F401
from peeredu.accounts.identities import ExternalIdentity  # noqa: F401
from peeredu.accounts.models import (  # noqa: F401
    AccountToken,
    CalendarFeed,
    Cohort,
    Enrolment,
    Organisation,
    User,
    UserRole,
    cohort_teachers,
    hr_scopes,
)
from peeredu.accounts.twofactor import RecoveryCode, TwoFactor  # noqa: F401
from peeredu.audit import AuditEvent  # noqa: F401
from peeredu.certification.models import Certificate  # noqa: F401
from peeredu.curriculum.records import (  # noqa: F401
    Attendance,
    AttendanceException,
    ClassDay,
    ModuleCompletion,
)
from peeredu.db import Base
from peeredu.outbox import OutboxMessage  # noqa: F401
from peeredu.reflections.models import (  # noqa: F401
    CommentSnippet,
    Extension,
    PracticeLogEntry,
    Reflection,
    ReflectionVersion,
    Review,
    StashedText,
)

metadata = Base.metadata
