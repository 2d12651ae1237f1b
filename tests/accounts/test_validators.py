"""INN, OGRN and OGRNIP check digits, checked against real registered numbers."""

import random

import pytest
from django.core.exceptions import ValidationError

from govtech.accounts.validators import (
    complete_inn,
    complete_ogrn,
    is_valid_inn,
    is_valid_ogrn,
    is_valid_ogrnip,
    validate_inn,
    validate_inn_matches_ogrn,
    validate_ogrn_any,
)

SBERBANK_INN, SBERBANK_OGRN = "7707083893", "1027700132195"
YANDEX_INN, YANDEX_OGRN = "7736207543", "1027700229193"
PERSON_INN = "500100732259"
SOLE_PROPRIETOR_OGRNIP = "304500116000157"


def _with_last_digit_changed(value: str) -> str:
    return value[:-1] + str((int(value[-1]) + 1) % 10)


def _codes(exc_info) -> list[str]:
    return [error.code for error in exc_info.value.error_list]


@pytest.mark.parametrize("inn", [SBERBANK_INN, YANDEX_INN, PERSON_INN])
def test_real_inns_are_valid(inn):
    assert is_valid_inn(inn)
    validate_inn(inn)


@pytest.mark.parametrize("ogrn", [SBERBANK_OGRN, YANDEX_OGRN])
def test_real_ogrns_are_valid(ogrn):
    assert is_valid_ogrn(ogrn)
    assert not is_valid_ogrnip(ogrn)
    validate_ogrn_any(ogrn)


def test_real_ogrnip_is_valid():
    assert is_valid_ogrnip(SOLE_PROPRIETOR_OGRNIP)
    assert not is_valid_ogrn(SOLE_PROPRIETOR_OGRNIP)
    validate_ogrn_any(SOLE_PROPRIETOR_OGRNIP)


@pytest.mark.parametrize(
    "inn",
    [
        _with_last_digit_changed(SBERBANK_INN),
        _with_last_digit_changed(YANDEX_INN),
        _with_last_digit_changed(PERSON_INN),
        # The 11th digit of a 12-digit INN is checked too, not only the 12th.
        PERSON_INN[:10] + str((int(PERSON_INN[10]) + 1) % 10) + PERSON_INN[11],
    ],
)
def test_inn_with_a_wrong_check_digit_is_refused(inn):
    assert not is_valid_inn(inn)
    with pytest.raises(ValidationError) as exc_info:
        validate_inn(inn)
    assert _codes(exc_info) == ["inn_checksum"]


@pytest.mark.parametrize(
    "inn",
    [
        "",
        "770708389",  # 9 digits
        "77070838930",  # 11 digits
        "7707083893000",  # 13 digits
        "77O7083893",  # a letter O instead of a zero
        "770708389a",
        " 7707083893",
        "7707-08389",
        "７７０７０８３８９３",  # full-width digits: isdigit() is true, but they are not ASCII
        "٧٧٠٧٠٨٣٨٩٣",  # Arabic-Indic digits
    ],
)
def test_inn_of_the_wrong_shape_is_refused(inn):
    assert not is_valid_inn(inn)
    with pytest.raises(ValidationError) as exc_info:
        validate_inn(inn)
    assert _codes(exc_info) == ["inn_format"]


@pytest.mark.parametrize(
    "ogrn",
    [_with_last_digit_changed(SBERBANK_OGRN), _with_last_digit_changed(YANDEX_OGRN)],
)
def test_ogrn_with_a_wrong_check_digit_is_refused(ogrn):
    assert not is_valid_ogrn(ogrn)
    with pytest.raises(ValidationError) as exc_info:
        validate_ogrn_any(ogrn)
    assert _codes(exc_info) == ["ogrn_checksum"]


def test_ogrnip_with_a_wrong_check_digit_is_refused():
    ogrnip = _with_last_digit_changed(SOLE_PROPRIETOR_OGRNIP)
    assert not is_valid_ogrnip(ogrnip)
    with pytest.raises(ValidationError) as exc_info:
        validate_ogrn_any(ogrnip)
    assert _codes(exc_info) == ["ogrn_checksum"]


@pytest.mark.parametrize("first_digit", "02346789")
def test_ogrn_must_start_with_1_or_5(first_digit):
    # A correct check digit does not save an OGRN whose first digit is not a registration sign.
    ogrn = complete_ogrn(first_digit + SBERBANK_OGRN[1:12])
    assert not is_valid_ogrn(ogrn)
    with pytest.raises(ValidationError):
        validate_ogrn_any(ogrn)


def test_ogrn_may_start_with_5():
    assert is_valid_ogrn(complete_ogrn("5" + SBERBANK_OGRN[1:12]))


@pytest.mark.parametrize("first_digit", "012456789")
def test_ogrnip_must_start_with_3(first_digit):
    ogrnip = complete_ogrn(first_digit + SOLE_PROPRIETOR_OGRNIP[1:14])
    assert not is_valid_ogrnip(ogrnip)
    with pytest.raises(ValidationError):
        validate_ogrn_any(ogrnip)


@pytest.mark.parametrize(
    "ogrn",
    [
        "",
        SBERBANK_OGRN[:12],  # 12 digits
        SBERBANK_OGRN + "0",  # 14 digits
        SOLE_PROPRIETOR_OGRNIP + "0",  # 16 digits
        "10277OO132195",  # letters
        "１０２７７００１３２１９５",  # full-width digits
    ],
)
def test_ogrn_of_the_wrong_shape_is_refused(ogrn):
    assert not is_valid_ogrn(ogrn)
    assert not is_valid_ogrnip(ogrn)
    with pytest.raises(ValidationError) as exc_info:
        validate_ogrn_any(ogrn)
    assert _codes(exc_info) == ["ogrn_format"]


@pytest.mark.parametrize(
    ("inn", "ogrn"),
    [(SBERBANK_INN, SBERBANK_OGRN), (YANDEX_INN, YANDEX_OGRN), (PERSON_INN, SOLE_PROPRIETOR_OGRNIP)],
)
def test_inn_and_ogrn_of_the_same_kind_match(inn, ogrn):
    validate_inn_matches_ogrn(inn, ogrn)


@pytest.mark.parametrize(
    ("inn", "ogrn"),
    [
        (SBERBANK_INN, SOLE_PROPRIETOR_OGRNIP),  # an organization's INN with a proprietor's OGRNIP
        (PERSON_INN, SBERBANK_OGRN),  # a person's INN with an organization's OGRN
    ],
)
def test_inn_and_ogrn_of_different_kinds_do_not_match(inn, ogrn):
    with pytest.raises(ValidationError) as exc_info:
        validate_inn_matches_ogrn(inn, ogrn)
    assert _codes(exc_info) == ["inn_ogrn_mismatch"]


def test_completed_numbers_are_valid_for_many_prefixes():
    rng = random.Random(20240601)
    for _ in range(2000):
        inn10 = complete_inn("".join(rng.choice("0123456789") for _ in range(9)))
        inn12 = complete_inn("".join(rng.choice("0123456789") for _ in range(10)))
        ogrn = complete_ogrn(rng.choice("15") + "".join(rng.choice("0123456789") for _ in range(11)))
        ogrnip = complete_ogrn("3" + "".join(rng.choice("0123456789") for _ in range(13)))
        assert len(inn10) == 10 and is_valid_inn(inn10), inn10
        assert len(inn12) == 12 and is_valid_inn(inn12), inn12
        assert len(ogrn) == 13 and is_valid_ogrn(ogrn), ogrn
        assert len(ogrnip) == 15 and is_valid_ogrnip(ogrnip), ogrnip
        # Exactly one last digit is right: every other one is refused.
        assert not is_valid_inn(_with_last_digit_changed(inn10))
        assert not is_valid_ogrn(_with_last_digit_changed(ogrn))


def test_completion_reproduces_the_real_numbers():
    assert complete_inn(SBERBANK_INN[:9]) == SBERBANK_INN
    assert complete_inn(YANDEX_INN[:9]) == YANDEX_INN
    assert complete_inn(PERSON_INN[:10]) == PERSON_INN
    assert complete_ogrn(SBERBANK_OGRN[:12]) == SBERBANK_OGRN
    assert complete_ogrn(YANDEX_OGRN[:12]) == YANDEX_OGRN
    assert complete_ogrn(SOLE_PROPRIETOR_OGRNIP[:14]) == SOLE_PROPRIETOR_OGRNIP


@pytest.mark.parametrize("prefix", ["", "12345678", "12345678901"])
def test_complete_inn_refuses_a_prefix_of_the_wrong_length(prefix):
    with pytest.raises(ValueError):
        complete_inn(prefix)


@pytest.mark.parametrize("prefix", ["", "12345678901", "1234567890123", "123456789012345"])
def test_complete_ogrn_refuses_a_prefix_of_the_wrong_length(prefix):
    with pytest.raises(ValueError):
        complete_ogrn(prefix)
