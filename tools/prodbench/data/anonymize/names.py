"""Person-name and location detection from lexicons plus context cues.

A run of capitalised words is a person name when it contains a known first name (or a
title such as "Dr." precedes it, or a cue such as "my name is" / "Dear" / "Regards,"
introduces it). Lower-case chat text ("hi im john smith") is covered by the cues plus
the lexicon. A run that matches the gazetteer is a location unless a person cue says
otherwise. Common English words are only taken as names in a clear context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from prodbench.data.anonymize.fastpath import token_plan
from prodbench.data.anonymize.lexicon import Lexicon, _norm, load_lexicon
from prodbench.data.anonymize.types import LOCATION, PERSON, Finding

_norm = lru_cache(maxsize=1 << 16)(_norm)  # performance only: words repeat

TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "madam", "mme", "mlle",
          "herr", "frau", "señor", "señora", "sr", "sra", "monsieur", "madame", "signor", "signora", "sig",
          "sig.ra", "dott", "pan", "pani", "fru", "heer", "mevrouw", "mevr", "dhr", "κ", "κος", "κα",
          "г-н", "г-жа", "úr", "srta", "doña"}
# "my name is" in other languages: whatever follows is a name, even in lower case
FOREIGN_NAMING_CUES = (
    "ich heiße", "ich heisse", "mein name ist", "je m'appelle", "mon nom est", "me llamo", "mi nombre es",
    "mi chiamo", "il mio nome è", "mijn naam is", "ik heet", "meu nome é", "o meu nome é", "jag heter",
    "mitt namn är", "jeg heter", "jeg hedder", "mitt navn er", "nimeni on", "nazywam się", "mam na imię",
    "jmenuji se", "a nevem", "nevem", "benim adım", "adım", "με λένε", "ονομάζομαι", "меня зовут",
)
# "I am" / "this is" in other languages: a known first name after them, even in lower case
FOREIGN_SELF_CUES = ("ich bin", "hier ist", "je suis", "c'est", "soy", "sono", "ik ben", "hier is", "sou", "eu sou",
                     "jag är", "jeg er", "olen", "jestem", "tu", "jsem", "vagyok", "ben", "είμαι", "я")
FOREIGN_SIGN_OFFS = (
    "mvh", "med vänlig hälsning", "hälsningar", "hilsen", "venlig hilsen", "terveisin", "groetjes", "groet",
    "met vriendelijke groet", "grüße", "gruß", "viele grüße", "liebe grüße", "lg", "mit freundlichen grüßen",
    "cordialement", "bien à vous", "saludos", "un saludo", "atentamente", "cordiali saluti", "saluti",
    "distinti saluti", "atenciosamente", "abraços", "pozdrawiam", "z poważaniem", "s pozdravem", "üdvözlettel",
    "saygılarımla", "με εκτίμηση", "с уважением", "hallo", "hola", "bonjour", "ciao", "hoi", "hej", "olá",
    "cześć", "dobrý den", "merhaba", "γεια σας", "здравствуйте", "liebe", "lieber", "chère", "cher",
    "estimado", "estimada", "gentile", "caro", "cara", "beste", "prezado", "prezada", "szia",
)
PERSON_CUES = (
    "my name is", "my name's", "name is", "name:", "i am", "i'm", "im", "this is", "call me", "dear",
    "hi", "hello", "hey", "thanks", "thank you", "regards", "sincerely", "cheers", "best", "contact",
    "ask", "called", "named", "customer", "client", "colleague", "manager", "boss", "wife", "husband",
    "son", "daughter", "mother", "father", "brother", "sister", "friend", "partner", "cc", "from", "by",
    "with", "for", "to", "signed", "attn", "attention", "user", "employee", "tenant", "patient",
    "assigned to", "owner", "accountant", "cfo", "ceo", "spoke with", "talked to", "per",
    *FOREIGN_NAMING_CUES, *FOREIGN_SELF_CUES, *FOREIGN_SIGN_OFFS, "prepared by", "ask for", "pregunta por",
    "my wife", "my husband", "my partner", "my son", "my daughter", "my colleague", "me and", "reply to",
    "keys with",
)
LOCATION_CUES = ("in", "at", "near", "from", "to", "live in", "based in", "located in", "moved to",
                 "office in", "city of", "visit", "visiting", "around", "outside", "downtown")
_CUE_RE = re.compile(
    r"(?i)(?:^|[\s,(\"'])(" + "|".join(sorted(map(re.escape, PERSON_CUES), key=len, reverse=True))
    + r")[\s,:]*$"
)
_LOC_CUE_RE = re.compile(
    r"(?i)(?:^|[\s,(])(" + "|".join(sorted(map(re.escape, LOCATION_CUES), key=len, reverse=True)) + r")\s+$"
)
# cues strong enough to take an unknown capitalised word (or a lower-case known name) as a name
STRONG_CUES = {"my name is", "my name's", "name is", "name:", "call me", "dear", "regards", "sincerely",
               "signed", "attn", "attention", "named", "called", "spoke with", "talked to", "cheers",
               "i'm", "i am", "im", "this is", "hi", "hello", "hey", "thanks", "thank you",
               *FOREIGN_NAMING_CUES, *FOREIGN_SELF_CUES, *FOREIGN_SIGN_OFFS, "prepared by"}


def _sentence_initial(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“‘(*-":
        i -= 1
    return i < 0 or text[i] in ".!?\n:;"


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)]


def _strip_possessive(text: str, start: int, end: int) -> int:
    word = text[start:end]
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            return end - 2
    return end


def _joinable(text: str, start: int, end: int, next_start: int) -> bool:
    """Two tokens belong to one name run if only a space (or an initial's dot) separates them."""
    gap = text[end:next_start]
    return gap == " " or (gap == ". " and end - start == 1)


PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "le", "la", "al", "el", "bin",
             "ibn", "ten", "ter", "dos", "das", "y", "zu"}


def _extends_run(word: str, lex: Lexicon, loose: bool) -> bool:
    """Whether ``word`` continues a name run (capitalised name part, initial, or known name)."""
    low = _norm(word)
    if word[:1].isupper() and (low not in lex.common_words or low in lex.last_names):
        return True
    if len(word) == 1 and word.isupper():  # middle initial
        return True
    return loose and (low in lex.last_names or low in lex.first_names) and low not in lex.common_words


SURNAME_SUFFIXES = ("ova", "ov", "ev", "eva", "ski", "ska", "sky", "son", "sen", "sson", "ez", "ini", "elli",
                    "ić", "ic", "escu", "oglu", "ian", "yan", "aki", "shi", "moto", "wicz", "enko", "uk", "berg",
                    "stein", "mann", "field", "worth", "ford", "ton", "ley", "poulos", "idis", "kumar", "nathan")


DETERMINERS = {"the", "a", "an", "our", "your", "my", "their", "his", "her", "its", "this", "that", "these",
               "those"}
NOT_BEFORE_PERSON = DETERMINERS | {"use", "using", "via", "in", "on", "into"}
PERSON_VERBS = {"called", "phoned", "said", "says", "asked", "asks", "wrote", "writes", "wants", "needs", "sent",
                "emailed", "paid", "left", "joined", "is", "was", "has", "had", "will", "would", "can", "could",
                "approved", "signed", "complained", "reported", "requested", "mentioned", "told", "thinks"}


def _person_context(text: str, toks: list[tuple[int, int, str]], i: int, run: list[int], cue: str | None) -> bool:
    """Context that makes an unknown capitalised pair a person: a cue before, a verb or comma after,
    and no determiner right before ("the Release Notes", "use Google Sheets" are not people)."""
    if i > 0 and _norm(toks[i - 1][2]) in NOT_BEFORE_PERSON:
        return False
    if cue is not None and cue not in ("for", "to", "with", "by", "from"):
        return True
    after = run[-1] + 1
    following = text[toks[run[-1]][1]: toks[run[-1]][1] + 2]
    if following[:1] in (",", ")", "(", "'", "’") or following.startswith((" (", " <", " -")):
        return True
    return after < len(toks) and _norm(toks[after][2]) in PERSON_VERBS


COMPANY_SUFFIXES = {"ltd", "limited", "inc", "llc", "llp", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "plc",
                    "corp", "corporation", "co", "company", "group", "holdings", "srl", "spa", "oy", "ab", "as",
                    "kg", "ug", "pty", "lp", "bank", "labs", "technologies", "solutions", "partners"}


def _company_follows(text: str, toks: list[tuple[int, int, str]], run: list[int]) -> bool:
    """Whether the run ends with, or is directly followed by, a company suffix."""
    last = _norm(toks[run[-1]][2])
    if last in COMPANY_SUFFIXES and len(run) > 1:
        return True
    nxt = run[-1] + 1
    return nxt < len(toks) and _norm(toks[nxt][2]) in COMPANY_SUFFIXES and \
        text[toks[run[-1]][1]: toks[nxt][0]] in (" ", ", ")


# relations that name the next word even in lower-case chat ("my wife anke and i", "me and jo")
RELATION_CUES = {"my wife", "my husband", "my partner", "my son", "my daughter", "my colleague", "me and",
                 "reply to", "keys with"}
NAMING_CUES = {"my name is", "my name's", "name is", "name:", "call me", *FOREIGN_NAMING_CUES}
SIGN_OFF_CUES = {"thanks", "thank you", "regards", "cheers", "best", "sincerely", "dear", "hi", "hello", "hey",
                 *FOREIGN_SIGN_OFFS}


def _ends_clause(text: str, end: int) -> bool:
    """Whether a name ends the clause (end of text, newline, or punctuation right after it)."""
    rest = text[end: end + 2]
    return not rest.strip() or rest[:1] in ",.!?;:\n)" or rest.startswith("\n")


def _ends_product_name(text: str, toks: list[tuple[int, int, str]], i: int, lex: Lexicon) -> bool:
    """Whether token ``i`` closes a run of capitalised non-name words ("Galaxy Tab", "Apple Pencil")."""
    if i == 0 or not _joinable(text, toks[i - 1][0], toks[i - 1][1], toks[i][0]):
        return False
    prev = toks[i - 1][2]
    low = _norm(prev)
    return prev[:1].isupper() and low not in lex.common_words and low not in lex.first_names \
        and low not in TITLES and low not in PERSON_CUES


def _ends_line(text: str, end: int) -> bool:
    """Whether only spaces follow ``end`` up to the end of the line (a signature: "mvh sigrun")."""
    newline = text.find("\n", end)
    return not text[end: len(text) if newline < 0 else newline].strip()


def _glued(text: str, start: int, end: int) -> bool:
    """Whether a word touches digits or underscores ("echo24", "id_mike"): a code, not a name."""
    before = text[start - 1: start] if start else ""
    after = text[end: end + 1]
    return any(c.isdigit() or c == "_" for c in before + after)


def initial_common(words: list[str], lex: Lexicon) -> bool:
    """Whether the first word of a run is a common word (then the run is likely not a name)."""
    return words[0] in lex.common_words


def _surname_like(word: str, lex: Lexicon) -> bool:
    """A lower-case word that is a known surname or looks like one (and is not a common word)."""
    low = _norm(word)
    if low in lex.common_words or len(low) < 3:
        return False
    return low in lex.last_names or low.endswith(SURNAME_SUFFIXES)


def find_names_and_places(text: str, lex: Lexicon | None = None) -> Iterator[Finding]:
    """Yield PERSON and LOCATION findings for ``text``."""
    lex = lex or load_lexicon()
    toks = _tokens(text)
    skip, may_cue = token_plan(text, toks, lex, PERSON_CUES, TOKEN_RE, _norm)  # exact shortcuts (fastpath.py)
    i = 0
    n = len(toks)
    while i < n:
        if skip[i]:
            i += 1
            continue
        start, end, word = toks[i]
        low = _norm(word.rstrip("'’s") if word.endswith(("'s", "’s")) else word)
        before = text[max(0, start - 30): start]
        cue_m = _CUE_RE.search(before) if may_cue[i] else None
        cue = cue_m.group(1).lower() if cue_m else None
        prev_title = i > 0 and _norm(toks[i - 1][2]) in TITLES and text[toks[i - 1][1]: start].strip() in ("", ".")
        cap = word[:1].isupper()

        if low in DETERMINERS:  # "The Ring doorbell": a determiner never starts a name ("the" is a surname too)
            i += 1
            continue
        if (low in lex.common_words or "'" in low or "’" in low) and i + 1 < n \
                and _norm(toks[i + 1][2]) in lex.first_names and toks[i + 1][2][:1].isupper():
            i += 1  # "I'm Jane Doe", "Will Jane ...": the name starts at the next token
            continue
        # collect a run of following capitalised tokens (or lexicon names after a strong cue)
        run = [i]
        j = i + 1
        while j < n and len(run) < 4 and _joinable(text, toks[j - 1][0], toks[j - 1][1], toks[j][0]):
            if cap and _norm(toks[j][2]) in PARTICLES and j + 1 < n and toks[j + 1][2][:1].isupper() \
                    and _joinable(text, toks[j][0], toks[j][1], toks[j + 1][0]) and len(run) < 3:
                run += [j, j + 1]  # "Joshua van Brunswijk", "Maria de Souza"
                j += 2
                continue
            if not _extends_run(toks[j][2], lex, loose=not cap or cue in STRONG_CUES):
                # "i'm marcus whitfield." - an unknown lower-case word closing a cued name
                w = _norm(toks[j][2])
                closes = text[toks[j][1]: toks[j][1] + 1] in ("", ".", ",", "!", "?", ")", "\n", ";")
                if not (cue in STRONG_CUES and not cap and closes and w not in lex.common_words
                        and _norm(toks[j - 1][2]) in lex.first_names and len(w) > 2):
                    break
            run.append(j)
            j += 1
        # a run of one-letter tokens or a trailing initial is not useful
        while len(run) > 1 and len(toks[run[-1]][2]) == 1:
            run.pop()
        words = [_norm(toks[k][2]) for k in run]
        run_start, run_end = toks[run[0]][0], _strip_possessive(text, toks[run[-1]][0], toks[run[-1]][1])

        is_first = low in lex.first_names or ("-" in low and any(p in lex.first_names for p in low.split("-")))
        is_last = low in lex.last_names
        common = low in lex.common_words
        place_hit = _place_match(text, toks, i, lex)
        initial = _sentence_initial(text, start)

        person = False
        score = 0.6
        if _not_a_name(text, toks, i, run, lex, cue, prev_title):
            after_det = i > 0 and _norm(toks[i - 1][2]) in DETERMINERS and word[:1].isupper()
            i = run[-1] + 1 if after_det else i + 1  # "a Monte Carlo run": skip the whole run
            continue
        place_only = bool(place_hit) and place_hit >= run[-1] + 1 and cue not in STRONG_CUES
        if place_only and not prev_title:
            pass
        elif prev_title and cap:
            person, score = True, 0.9
        elif cap and is_first and (len(run) > 1 or not (common or initial and place_hit)) and \
                (len(run) > 1 or not _ends_product_name(text, toks, i, lex)):
            person, score = True, 0.85 if len(run) > 1 else 0.65
        elif cap and len(run) > 1 and is_last and words[-1] in lex.last_names and not place_hit:
            person, score = True, 0.6
        elif cap and cue in STRONG_CUES and not common and not place_hit:
            person, score = True, 0.7
        elif cap and is_last and not common and not place_hit and not initial and cue in STRONG_CUES:
            person, score = True, 0.5
        elif not cap and cue in STRONG_CUES and is_first and not common:
            person, score = True, 0.7
        elif not cap and (cue in RELATION_CUES or cue in SIGN_OFF_CUES and _ends_line(text, end)) \
                and not common and low not in PERSON_CUES and not _glued(text, start, end) and len(low) > 2:
            person, score = True, 0.55  # "my wife anke and i", "mvh elzaby"
        elif not cap and cue in NAMING_CUES and not common and not _glued(text, start, end) and len(low) > 1:
            # "my name is kana saito": whatever follows an explicit naming cue (up to 2 words)
            run = [i] + ([i + 1] if i + 1 < n and _joinable(text, start, end, toks[i + 1][0])
                         and _norm(toks[i + 1][2]) not in lex.common_words
                         and not _glued(text, toks[i + 1][0], toks[i + 1][1]) else [])
            run_end = _strip_possessive(text, toks[run[-1]][0], toks[run[-1]][1])
            person, score = True, 0.6
        elif cap and cue in SIGN_OFF_CUES and (is_first or low in lex.common_first_names or not common) \
                and _ends_clause(text, run_end):
            # "Thanks, Crystal", "Dear Summer,": a sign-off or greeting names a person even if common
            person, score = True, 0.6
        elif not cap and is_first and not common and not place_hit and not _glued(text, start, end) and (
                cue is not None or (i + 1 < n and _surname_like(toks[i + 1][2], lex)
                                    and _joinable(text, start, end, toks[i + 1][0]))):
            # lower-case chat: "customer olga petrova", "ask priya raman"
            run = [i] + ([i + 1] if i + 1 < n and _surname_like(toks[i + 1][2], lex)
                         and _joinable(text, start, end, toks[i + 1][0])
                         and not _glued(text, toks[i + 1][0], toks[i + 1][1]) else [])
            run_end = _strip_possessive(text, toks[run[-1]][0], toks[run[-1]][1])
            person, score = True, 0.55
        elif cap and len(run) > 1 and any(w in lex.first_names for w in words[1:2]) and words[-1] in lex.last_names \
                and not common:
            person, score = True, 0.6

        if not person and cap and len(run) > 1 and not initial_common(words, lex) and \
                all(w not in lex.common_words and w.isalpha() for w in words) and \
                not (place_hit and place_hit >= run[-1] + 1) and not all(toks[k][2].isupper() for k in run) \
                and _person_context(text, toks, i, run, cue):
            # two or more unknown capitalised words in a row ("Sayuri Inoue", "Xiuying Xiong")
            person, score = True, 0.45
        if person and _company_follows(text, toks, run):
            person = False  # "Acme Ltd", "Jordan Smith GmbH": an organisation, not a person
        if person:
            yield Finding(run_start, run_end, PERSON, score, "names")
            i = run[-1] + 1
            continue
        if place_hit and (cap or _LOC_CUE_RE.search(before)):
            k_end = place_hit
            loc_cue = bool(_LOC_CUE_RE.search(before))
            after_determiner = i > 0 and _norm(toks[i - 1][2]) in DETERMINERS and k_end == i + 1
            if not (initial and common) and (cap or loc_cue) and not after_determiner:
                yield Finding(start, _strip_possessive(text, toks[k_end - 1][0], toks[k_end - 1][1]),
                              LOCATION, 0.8 if loc_cue else 0.6, "gazetteer")
                i = k_end
                continue
        i += 1


def _not_a_name(text: str, toks: list[tuple[int, int, str]], i: int, run: list[int], lex: Lexicon,
                cue: str | None, prev_title: bool) -> bool:
    """Runs that are not names whatever the lexicon says, unless a title or strong cue names them.

    * a title or a month/weekday abbreviation alone ("Dr.", "Mon", "Mar");
    * acronyms: ALL-CAPS tokens ("RAM", "PI", "JUDGE") unless two of them pair a known first
      name with a known surname ("JOHN SMITH");
    * a run right after a determiner ("a Monte Carlo simulation", "the Ring doorbell").
    """
    words = [toks[k][2] for k in run]
    if _norm(words[0]) in TITLES:  # the title itself; the name after it is found on the next token
        return True
    if prev_title or cue in STRONG_CUES:
        return False
    if all(w.isupper() and len(w) > 1 for w in words):
        # "SAMUELA MRAZ" is a name (a known first name and a surname partner); "RAM", "JUDGE" are not
        first, last = _norm(words[0]), _norm(words[-1])
        return not (len(run) > 1 and first in lex.first_names and last not in lex.common_words)
    return i > 0 and words[0][:1].isupper() and _norm(toks[i - 1][2]) in DETERMINERS and _joinable(text, toks[i - 1][0], toks[i - 1][1], toks[i][0])


def _place_match(text: str, toks: list[tuple[int, int, str]], i: int, lex: Lexicon) -> int:
    """Token index one past the longest gazetteer match starting at ``i`` (0 if none)."""
    if not toks[i][2][:1].isupper():
        return 0
    best = 0
    words: list[str] = []
    for k in range(i, min(len(toks), i + lex.max_place_words)):
        if k > i and text[toks[k - 1][1]: toks[k][0]] not in (" ", "-"):
            break
        w = toks[k][2]
        if w.endswith(("'s", "’s")):
            w = w[:-2]
        words.append(_norm(w))
        if " ".join(words) in lex.places:
            best = k + 1
    return best
