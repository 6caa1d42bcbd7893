"""The words a checklist item is answered with, where the program itself tests for them.

The full answer list of each item lives in its form file (``forms/<id>.toml``); the program
only ever asks whether an item says a problem was found or not, with these two words.
"""

from __future__ import annotations

from enum import StrEnum


class CheckAnswer(StrEnum):
    FOUND = "发现问题"
    NOT_FOUND = "未发现问题"


FOUND = CheckAnswer.FOUND
NOT_FOUND = CheckAnswer.NOT_FOUND
