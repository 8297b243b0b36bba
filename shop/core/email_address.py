"""What the shop accepts as an e-mail address: something@domain.tld without spaces, at most 254 characters.

Deliberately loose (the confirmation mail is the real check); one pattern for every form and service.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254
