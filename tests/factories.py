"""Build test data through the same services the app uses."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Flask

from peeredu.accounts import enrolments, organisations, users
from peeredu.accounts.models import Cohort, Enrolment, Organisation, Role, User
from peeredu.extensions import db

PASSWORD = "a long test password"


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.count = 0

    def _next(self) -> int:
        self.count += 1
        return self.count

    def _commit(self, make: Any) -> Any:
        with self.app.app_context():
            made = make(db.session)
            db.session.commit()
            db.session.refresh(made)
            return made

    def organisation(self, name: str | None = None, kind: str = "municipality") -> Organisation:
        name = name or f"Organisation {self._next()}"
        return self._commit(
            lambda s: organisations.create_organisation(s, name=name, kind=kind, actor_id=None)
        )

    def user(
        self,
        *roles: Role | str,
        email: str | None = None,
        name: str | None = None,
        password: str | None = PASSWORD,
        locale: str = "da",
    ) -> User:
        n = self._next()
        return self._commit(
            lambda s: users.create_user(
                s,
                email=email or f"person{n}@example.org",
                name=name or f"Person {n}",
                roles=roles or (Role.LEARNER,),
                password=password,
                locale=locale,
                actor_id=None,
            )
        )

    def cohort(self, name: str | None = None, teachers: tuple[User, ...] = ()) -> Cohort:
        name = name or f"Hold {self._next()}"
        start = date(2027, 2, 1)
        return self._commit(
            lambda s: organisations.create_cohort(
                s,
                name=name,
                start_date=start,
                end_date=start + timedelta(weeks=16),
                teacher_ids=[t.id for t in teachers],
                actor_id=None,
            )
        )

    def enrolment(
        self,
        user: User,
        cohort: Cohort,
        organisation: Organisation,
        track: str = "peer",
        work_role: str = "paid_peer",
    ) -> Enrolment:
        return self._commit(
            lambda s: enrolments.enrol(
                s,
                s.get(User, user.id),
                enrolments.EnrolmentSpec(cohort.id, organisation.id, track, work_role),
                actor_id=None,
            )
        )

    def hr_scope(self, user: User, *organisations: Organisation) -> User:
        def scope(s: Any) -> User:
            found = s.get(User, user.id)
            users.set_hr_scope(s, found, [o.id for o in organisations], actor_id=None)
            return found

        return self._commit(scope)
