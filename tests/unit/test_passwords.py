"""The password rule and hashing: plain functions, no app."""

from __future__ import annotations

import pytest

from peeredu.accounts.passwords import hash_password, password_problem, verify_password

EMAIL = "anne.marie.hansen@example.org"
NAME = "Anne Marie Hansen"


@pytest.mark.parametrize("password", ["", "abc", "nine char", "ÆØÅæøå123"])
def test_refuses_fewer_than_ten_characters(password: str) -> None:
    problem = password_problem(password)
    assert problem is not None and "10 characters" in problem


def test_ten_characters_is_enough_length() -> None:
    assert password_problem("gul kat 42") is None


@pytest.mark.parametrize("password", ["qwertyuiop", "1234567890", "Password123", "QWERTYUIOP"])
def test_refuses_a_commonly_used_password(password: str) -> None:
    problem = password_problem(password)
    assert problem is not None and "commonly used" in problem


@pytest.mark.parametrize(
    "password",
    [EMAIL, EMAIL.upper(), "anne.marie.hansen", NAME, "annemariehansen", "ANNE MARIE HANSEN"],
)
def test_refuses_the_users_own_email_or_name(password: str) -> None:
    problem = password_problem(password, email=EMAIL, name=NAME)
    assert problem is not None and "name or email" in problem


def test_the_same_password_is_fine_for_someone_else() -> None:
    assert password_problem(NAME, email="kim@example.org", name="Kim") is None


def test_refuses_a_long_run_of_the_same_characters() -> None:
    assert password_problem("zzzzzzzzzzzzzzzz") is not None


def test_accepts_a_long_passphrase() -> None:
    assert (
        password_problem("min hund spiser gulerødder om tirsdagen", email=EMAIL, name=NAME) is None
    )


def test_hash_is_argon2id_and_verifies() -> None:
    password = "min hund spiser gulerødder"

    hashed = hash_password(password)

    assert hashed.startswith("$argon2id$")
    assert password not in hashed
    assert verify_password(hashed, password)
    assert hash_password(password) != hashed  # salted


def test_a_wrong_password_does_not_verify() -> None:
    hashed = hash_password("min hund spiser gulerødder")

    assert not verify_password(hashed, "min hund spiser gulerødder ")
    assert not verify_password(hashed, "")


@pytest.mark.parametrize("stored", [None, "", "not a hash", "$2b$12$abcdefghijklmnopqrstuv"])
def test_no_usable_hash_never_verifies(stored: str | None) -> None:
    assert verify_password(stored, "min hund spiser gulerødder") is False
    assert verify_password(stored, "peeredu-no-such-account") is False
