"""The password policy, after NIST SP 800-63B 5.1.1.2: length, a list of known passwords,
and no composition rules.

A password must have at least ``MIN_LENGTH`` characters (``MAX_LENGTH`` at most, so a
long passphrase always fits), must not be one character repeated or only spaces, must
not be on the list of common and breached passwords (zxcvbn's offline list of 30,000,
from leaked password sets, shipped in the package: nothing is sent anywhere), and must
not be easy to guess from it: zxcvbn's estimate, given the person's own name and email,
must reach ``MIN_GUESSES`` (a password close to a listed one, a keyboard walk, a date,
a repeated word or the person's name falls below). No rule asks for digits or symbols.
"""

from __future__ import annotations

from functools import lru_cache

MIN_LENGTH = 12
MAX_LENGTH = 200
#: zxcvbn's "safely unguessable" threshold (its score 3): 10^8 guesses.
MIN_GUESSES = 10**8
#: zxcvbn's cost grows with length; a longer password is judged on its first part.
_ESTIMATE_CHARS = 64

TOO_SHORT, TOO_LONG, ONE_CHARACTER, LISTED, GUESSABLE = (
    "too_short", "too_long", "one_character", "listed", "guessable")


@lru_cache(maxsize=1)
def _listed() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def problem(password: str, *, context: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` is refused (one of the constants above), or None when it is fine.

    ``context``: words a guesser would try first for this person (name, email).
    """
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    if password.isspace() or len(set(password)) == 1:
        return ONE_CHARACTER
    folded = password.strip().lower()
    if folded in _listed() or folded.replace(" ", "") in _listed():
        return LISTED
    from zxcvbn import zxcvbn

    words = [w for item in context for w in str(item).replace("@", " ").replace(".", " ").split()
             if len(w) > 2]
    if zxcvbn(password[:_ESTIMATE_CHARS], user_inputs=words)["guesses"] < MIN_GUESSES:
        return GUESSABLE
    return None


#: Plain-English reasons (for the command line; the web form has translated ones).
ENGLISH = {
    TOO_SHORT: f"the password needs at least {MIN_LENGTH} characters",
    TOO_LONG: f"the password can have at most {MAX_LENGTH} characters",
    ONE_CHARACTER: "the password cannot be one character repeated or only spaces",
    LISTED: "that password is on the list of common and leaked passwords; choose another",
    GUESSABLE: "that password is too easy to guess (close to a common one, a pattern, or "
               "your name); a few unrelated words make a strong one",
}
