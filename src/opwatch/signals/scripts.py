"""Writing systems that name one language: the script table both language guessers share.

Kana means Japanese even beside Han characters, so it comes first; Cyrillic and
Arabic script are left out because several languages write in them (the
language detector decides those; the policy rules' coarse guess maps them itself).
"""

from __future__ import annotations

import re

#: (ISO 639-1 code, characters of a script only that language writes), in the order to test
SINGLE_LANGUAGE_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("ka", re.compile(r"[\u10a0-\u10ff]")),
    ("hy", re.compile(r"[\u0530-\u058f]")),
)
