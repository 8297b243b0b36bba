"""Belgian structured payment references (gestructureerde mededeling, OGM/VCS): +++123/4567/89012+++.

Twelve digits: a number of ten digits and two check digits, the number mod 97 (97 when that is 0). Banks check
the digits, so a reference made here from an invoice or order number can be matched to the transfer that pays it.
The check digits and their check are python-stdnum's (``stdnum.be.ogm_vcs``); the shapes people type (also
``***…***``) and the +++ form we print are ours.
"""

from __future__ import annotations

import re

from stdnum.be import ogm_vcs
from stdnum.exceptions import ValidationError

MAX_NUMBER = 9_999_999_999  # ten digits
_REFERENCE = re.compile(r"^\s*(?:\+\+\+|\*\*\*)?\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*(?:\+\+\+|\*\*\*)?\s*$")


def check_digits(number: int) -> int:
    """The two check digits of a ten-digit number: number mod 97, and 97 instead of 0."""
    return int(ogm_vcs.calc_check_digits(f"{number:010d}"))


def structured_reference(number: int) -> str:
    """The structured reference for ``number`` (0 to 9 999 999 999, zero-padded to ten digits):
    1234567890 → +++123/4567/89002+++. Raises ValueError for a number outside that range."""
    if not 0 <= number <= MAX_NUMBER:
        raise ValueError(f"a structured reference holds a number of at most ten digits, not {number}")
    return f"+++{ogm_vcs.format(f'{number:010d}{check_digits(number):02d}')}+++"


def parse_structured_reference(text: str | None) -> int | None:
    """The number inside a structured reference as people type it ("+++123/4567/89002+++",
    "***123/4567/89002***", "123456789002"), or None when it is not one or its check digits are wrong."""
    match = _REFERENCE.match(text or "")
    if match is None:
        return None
    digits = "".join(match.groups())
    try:
        ogm_vcs.validate(digits)
    except ValidationError:
        return None
    return int(digits[:10])


def is_structured_reference(text: str | None) -> bool:
    return parse_structured_reference(text) is not None
