"""Entity types and the :class:`Finding` record returned by every detector."""

from __future__ import annotations

from dataclasses import dataclass

EMAIL = "EMAIL"
PHONE = "PHONE"
CREDIT_CARD = "CREDIT_CARD"
IBAN = "IBAN"
ID_NUMBER = "ID_NUMBER"  # other checksummed identifiers (EU VAT numbers, ...)
SSN = "SSN"
IP_ADDRESS = "IP_ADDRESS"
URL_CREDENTIALS = "URL_CREDENTIALS"
SECRET = "SECRET"  # API keys, tokens, private keys, high-entropy strings
ADDRESS = "ADDRESS"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
PERSON = "PERSON"
LOCATION = "LOCATION"

ENTITY_TYPES: tuple[str, ...] = (
    EMAIL,
    PHONE,
    CREDIT_CARD,
    IBAN,
    ID_NUMBER,
    SSN,
    IP_ADDRESS,
    URL_CREDENTIALS,
    SECRET,
    ADDRESS,
    DATE_OF_BIRTH,
    PERSON,
    LOCATION,
)

# When two findings overlap, the one whose type comes first here wins (ties broken by length).
PRIORITY: dict[str, int] = {t: i for i, t in enumerate(
    (URL_CREDENTIALS, SECRET, EMAIL, IBAN, CREDIT_CARD, SSN, ID_NUMBER, IP_ADDRESS, PHONE,
     DATE_OF_BIRTH, ADDRESS, PERSON, LOCATION)
)}


@dataclass(frozen=True, order=True)
class Finding:
    """One detected piece of personal data.

    The value itself is deliberately not stored: callers slice ``text[start:end]`` when
    they must replace it, and reports only ever show ``type`` and the position.

    Attributes:
        start: Offset of the first character in the scanned text.
        end: Offset one past the last character.
        type: Entity type, one of :data:`ENTITY_TYPES`.
        score: Detector confidence in [0, 1].
        detector: Name of the detector that produced the finding.
    """

    start: int
    end: int
    type: str
    score: float = 1.0
    detector: str = ""

    def as_dict(self) -> dict[str, object]:
        """JSON-serialisable form (no value)."""
        return {"type": self.type, "start": self.start, "end": self.end, "score": self.score,
                "detector": self.detector}
