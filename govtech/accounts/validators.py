"""Check digits of Russian taxpayer and state-registration numbers.

INN (ИНН): 10 digits for an organization, 12 for a person or sole proprietor.
OGRN (ОГРН): 13 digits for an organization; OGRNIP (ОГРНИП): 15 for a sole proprietor.
The weights and moduli are those of the Federal Tax Service's published algorithm.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def is_valid_inn(value: str) -> bool:
    if not value.isascii() or not value.isdigit():
        return False
    if len(value) == 10:
        return _check_digit(value[:9], _INN10_WEIGHTS) == int(value[9])
    if len(value) == 12:
        return _check_digit(value[:10], _INN12_WEIGHTS_11) == int(value[10]) and _check_digit(
            value[:11], _INN12_WEIGHTS_12
        ) == int(value[11])
    return False


def is_valid_ogrn(value: str) -> bool:
    """OGRN of an organization: 13 digits, first digit 1 or 5, control = (first 12 mod 11) mod 10."""
    if not value.isascii() or not value.isdigit() or len(value) != 13 or value[0] not in "15":
        return False
    return int(value[:12]) % 11 % 10 == int(value[12])


def is_valid_ogrnip(value: str) -> bool:
    """OGRNIP of a sole proprietor: 15 digits, first digit 3, control = (first 14 mod 13) mod 10."""
    if not value.isascii() or not value.isdigit() or len(value) != 15 or value[0] != "3":
        return False
    return int(value[:14]) % 13 % 10 == int(value[14])


def validate_inn(value: str) -> None:
    if not value.isascii() or not value.isdigit() or len(value) not in (10, 12):
        raise ValidationError(_("An INN has 10 digits (organization) or 12 digits (person)."), code="inn_format")
    if not is_valid_inn(value):
        raise ValidationError(_("This INN's check digits are wrong: please check the number."), code="inn_checksum")


def validate_ogrn_any(value: str) -> None:
    """Accept an OGRN (13 digits) or an OGRNIP (15 digits)."""
    if not value.isascii() or not value.isdigit() or len(value) not in (13, 15):
        raise ValidationError(_("An OGRN has 13 digits; an OGRNIP (sole proprietor) has 15."), code="ogrn_format")
    valid = is_valid_ogrn(value) if len(value) == 13 else is_valid_ogrnip(value)
    if not valid:
        raise ValidationError(_("This OGRN's check digit is wrong: please check the number."), code="ogrn_checksum")


def validate_inn_matches_ogrn(inn: str, ogrn: str) -> None:
    """An organization has INN 10 + OGRN 13; a sole proprietor INN 12 + OGRNIP 15."""
    if (len(inn), len(ogrn)) not in {(10, 13), (12, 15)}:
        raise ValidationError(
            _(
                "An organization has a 10-digit INN and a 13-digit OGRN; a sole proprietor a 12-digit INN and a 15-digit OGRNIP."
            ),
            code="inn_ogrn_mismatch",
        )


def complete_inn(prefix: str) -> str:
    """Append the check digit(s) to the first 9 (organization) or 10 (person) digits of an INN."""
    if len(prefix) == 9:
        return prefix + str(_check_digit(prefix, _INN10_WEIGHTS))
    if len(prefix) == 10:
        with_11th = prefix + str(_check_digit(prefix, _INN12_WEIGHTS_11))
        return with_11th + str(_check_digit(with_11th, _INN12_WEIGHTS_12))
    raise ValueError("an INN prefix has 9 or 10 digits")


def complete_ogrn(prefix: str) -> str:
    """Append the check digit to the first 12 (OGRN) or 14 (OGRNIP) digits."""
    modulus = {12: 11, 14: 13}.get(len(prefix))
    if modulus is None:
        raise ValueError("an OGRN prefix has 12 or 14 digits")
    return prefix + str(int(prefix) % modulus % 10)
