"""The organisations and the people: staff with their scopes, and every user's rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.national.rows import Ids, Writer
from bench.national.scale import DOMAIN, PASSWORD, Scale
from peeredu.accounts.models import Organisation, OrganisationKind, Role, User, UserRole, hr_scopes
from peeredu.accounts.passwords import hash_password

ORG_NAMES = (
    "Region Nordjylland",
    "Region Midtjylland",
    "Region Syddanmark",
    "Region Sjælland",
    "Region Hovedstaden",
)
MARKER_ORGANISATION = ORG_NAMES[0]  # the first organisation: present = already seeded


def _organisation_rows(scale: Scale) -> Iterator[tuple[str, OrganisationKind]]:
    for index in range(scale.organisations):
        if index < len(ORG_NAMES):
            yield ORG_NAMES[index], OrganisationKind.REGION
        elif index % 10 == 9:
            yield f"Peer-foreningen {index:03d}", OrganisationKind.NGO
        else:
            yield f"Kommune {index:03d}, Socialpsykiatrien", OrganisationKind.MUNICIPALITY


def already_seeded(session: Session) -> bool:
    found = session.scalar(select(Organisation.id).where(Organisation.name == MARKER_ORGANISATION))
    return found is not None


class People:
    """Writes users, all with the password ``PASSWORD`` (hashed once: hashing is slow)."""

    def __init__(self, out: Writer, ids: Ids, *, created: datetime) -> None:
        self.out = out
        self.ids = ids
        self.created = created
        self.password_hash = hash_password(PASSWORD)

    def organisations(self, scale: Scale) -> list[int]:
        org_ids = []
        for name, kind in _organisation_rows(scale):
            org_ids.append(self.ids.take("organisations"))
            self.out.add(
                Organisation.__table__,
                {"id": org_ids[-1], "name": name, "kind": kind, "created_at": self.created},
            )
        return org_ids

    def user(self, email: str, name: str, role: Role) -> int:
        user_id = self.ids.take("users")
        self.out.add(
            User.__table__,
            {
                "id": user_id,
                "email": email,
                "name": name,
                "password_hash": self.password_hash,
                "active": True,
                "locale": "da",
                "session_version": 1,
                "created_at": self.created,
            },
        )
        self.out.add(UserRole.__table__, {"user_id": user_id, "role": role})
        return user_id

    def staff(self, scale: Scale, org_ids: list[int]) -> list[int]:
        """The teachers (their ids returned), the HR users with their organisations, one admin."""
        teachers = [
            self.user(f"teacher{i:03d}@{DOMAIN}", f"Underviser {i:03d}", Role.TEACHER)
            for i in range(scale.teachers)
        ]
        for index in range(scale.hr_users):
            hr_id = self.user(f"hr{index:03d}@{DOMAIN}", f"HR {index:03d}", Role.HR)
            if index == 0:
                scope = org_ids[: scale.focus_hr_organisations]
            elif index == 1:
                scope = org_ids
            else:
                scope = [org_ids[index % len(org_ids)]]
            for org_id in scope:
                self.out.add(hr_scopes, {"user_id": hr_id, "organisation_id": org_id})
        self.user(f"admin000@{DOMAIN}", "Administrator 000", Role.ADMIN)
        return teachers
