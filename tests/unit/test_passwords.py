"""The password rule and hashing: plain functions, and the cost an app's config gives them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peeredu import create_app
from peeredu.accounts.passwords import (
    PRODUCTION_PARAMETERS,
    TESTING_PARAMETERS,
    hash_password,
    needs_rehash,
    password_problem,
    use_parameters,
    verify_password,
)
from peeredu.config import ConfigError
from peeredu.extensions import Database

EMAIL = "anne.marie.hansen@example.org"
NAME = "Anne Marie Hansen"


@pytest.mark.parametrize("password", ["", "abc", "nine char", "ÆØÅæøå123"])
def test_refuses_fewer_than_ten_characters_and_says_how_many_it_got(password: str) -> None:
    problem = password_problem(password)
    assert problem is not None
    assert str(problem) == (
        f"The password must be at least 10 characters. Yours is {len(password)}."
    )


def test_ten_characters_is_enough_length() -> None:
    assert password_problem("gul kat 42") is None


@pytest.mark.parametrize("password", ["qwertyuiop", "1234567890", "Password123", "QWERTYUIOP"])
def test_refuses_a_commonly_used_password(password: str) -> None:
    problem = password_problem(password)
    assert problem is not None and "too easy to guess" in str(problem)
    assert "Try a sentence of four or more words." in str(problem)  # what would do


@pytest.mark.parametrize(
    "password",
    [EMAIL, EMAIL.upper(), "anne.marie.hansen", NAME, "annemariehansen", "ANNE MARIE HANSEN"],
)
def test_refuses_the_users_own_email_or_name(password: str) -> None:
    problem = password_problem(password, email=EMAIL, name=NAME)
    assert problem is not None and "name or email" in str(problem)
    assert "Try a sentence" in str(problem)


def test_the_same_password_is_fine_for_someone_else() -> None:
    assert password_problem(NAME, email="kim@example.org", name="Kim") is None


def test_refuses_a_long_run_of_the_same_characters() -> None:
    problem = password_problem("zzzzzzzzzzzzzzzz")
    assert problem is not None and "Try a sentence" in str(problem)


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


# -- The cost of a hash --------------------------------------------------------------------

PRODUCTION_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"
TESTING_PREFIX = "$argon2id$v=19$m=8,t=1,p=1$"


@pytest.fixture
def cost_restored() -> Iterator[None]:
    """The tests' cheap hashing again afterwards, whatever app a test made."""
    yield
    use_parameters(TESTING_PARAMETERS)


def _hash_in_app(environment: str, tmp_path: Path) -> str:
    """A hash made after an app of ``environment`` was made, when the other cost was in use."""
    use_parameters(PRODUCTION_PARAMETERS if environment == "testing" else TESTING_PARAMETERS)
    app = create_app(
        {
            "ENVIRONMENT": environment,
            "SECRET_KEY": "a production secret key",
            "DATABASE_URL": f"sqlite:///{tmp_path}/{environment}.sqlite3",
        }
    )
    Database.state(app).engine.dispose()
    return hash_password("min hund spiser gulerødder")


def test_a_production_app_hashes_at_owasps_cost(tmp_path: Path, cost_restored: None) -> None:
    assert _hash_in_app("production", tmp_path).startswith(PRODUCTION_PREFIX)
    assert PRODUCTION_PARAMETERS == {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


def test_a_testing_app_hashes_cheaply(tmp_path: Path, cost_restored: None) -> None:
    assert _hash_in_app("testing", tmp_path).startswith(TESTING_PREFIX)


def test_production_refuses_parameters_below_owasps_minimum(
    tmp_path: Path, cost_restored: None
) -> None:
    with pytest.raises(ConfigError, match="PASSWORD_HASH_PARAMETERS"):
        create_app(
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": "a production secret key",
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
                "PASSWORD_HASH_PARAMETERS": TESTING_PARAMETERS,
            }
        )


def test_hashes_of_either_cost_verify_and_the_other_cost_is_rehashed(cost_restored: None) -> None:
    password = "min hund spiser gulerødder"
    use_parameters(PRODUCTION_PARAMETERS)
    expensive = hash_password(password)
    use_parameters(TESTING_PARAMETERS)
    cheap = hash_password(password)
    assert expensive.startswith(PRODUCTION_PREFIX) and cheap.startswith(TESTING_PREFIX)

    for parameters in (TESTING_PARAMETERS, PRODUCTION_PARAMETERS):
        use_parameters(parameters)
        assert verify_password(expensive, password) and verify_password(cheap, password)
        assert not verify_password(expensive, "wrong") and not verify_password(cheap, "wrong")
    # Signing in with a hash of other parameters stores a new one of the current cost.
    assert needs_rehash(cheap) and not needs_rehash(expensive)
    use_parameters(TESTING_PARAMETERS)
    assert needs_rehash(expensive) and not needs_rehash(cheap)
