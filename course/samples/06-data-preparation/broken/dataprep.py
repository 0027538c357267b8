"""A submission that does not import: a syntax error in the first function."""

import re

EMAIL_MASK = "|||EMAIL_ADDRESS|||"


def mask_emails(text: str) -> tuple[str, int]
    pattern = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    return pattern.subn(EMAIL_MASK, text)
