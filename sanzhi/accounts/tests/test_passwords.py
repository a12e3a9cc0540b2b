from typing import Any

from django.contrib.auth.hashers import make_password

import sanzhi.settings as production_settings


def test_production_hashes_passwords_with_argon2(settings: Any) -> None:
    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    assert make_password("sanzhi-demo-pw").startswith("argon2$")
