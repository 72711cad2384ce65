"""Context-cued detectors: a cue word lifts the value that follows it (issue #11).

A bare 7-digit number or ``X134-4536-9281`` is nothing on its own; after "Phone:",
"call me at", "Führerscheinnummer ist" or "ID card no." it is personal data. Cues are
written per language (English, German, French, Spanish, Italian, Dutch, Portuguese, the
Nordic languages, Polish, Czech, Hungarian, Turkish, Greek, Russian). Also here: the user
name in a home-directory path or an ``scp user@host`` login, and street addresses whose
street word is not English ("Storgatan 12", "Bicskei út 643", "Via Roma 10") with the
postcode and town that follow.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from prodbench.data.anonymize.types import ADDRESS, ID_NUMBER, LOCATION, PERSON, PHONE, Finding

_GAP = r"[^\d\n]{0,24}?"  # words between a cue and its value ("is", "me at", "pod numerem")
PHONE_CUE_RE = re.compile(
    r"(?i)(?:\b(?:phone|tel|telephone|mobile|cell|fax|whatsapp|sms|call me|ring me|reach me|text me|"
    r"téléphone|portable|appelez-moi|telefon|handy|rufen sie mich|ruf mich|teléfono|móvil|llámame|llamame|"
    r"telefono|cellulare|chiamami|telefoon|mobiel|bel me|telefone|celular|ligue|ring mig|mobil|puhelin|puh|"
    r"soita|numerem|zadzwoń|telefonu|tel\.?\s*č|volejte|telefonszám|hívjon|hívj|ara|arayın|telefonum|"
    r"contact me|contact me on|me liga|liga|ligar|kontakt|kontaktujte|yhteys|bellen|chiama|rufnummer)\b"
    r"|καλέστε|τηλ|τηλέφωνο|телефон|звоните|позвоните)"
    + _GAP + r"(?<![\w-])(?P<value>\+?\(?\d[\d ()./-]{4,20}\d)(?![\d])"
)
ID_CUE_RE = re.compile(
    r"(?i)(?:\b(?:driver'?s? licen[cs]e|licen[cs]e|passport|id card|identity card|id number|id no|national id|"
    r"personal number|personnummer|personnr|henkilötunnus|cpr|ausweis\w*|führerschein\w*|reisepass\w*|"
    r"permis de conduire|carte d'identité|passeport|dni|nie|pasaporte|carnet de conducir|licencia|"
    r"patente|carta d'identità|passaporto|codice fiscale|rijbewijs\w*|paspoort\w*|bsn|"
    r"carteira de motorista|cnh|cpf|rg|passaporte|pesel|dowód osobisty|prawo jazdy|paszport|"
    r"rodné číslo|řidičský průkaz|občanský průkaz|személyi igazolvány|jogosítvány|útlevél|"
    r"tc kimlik|ehliyet|pasaport|körkort|kørekort|ajokortti|passi)\b"
    r"|ταυτότητα|διαβατήριο|δίπλωμα οδήγησης|паспорт|водительское удостоверение)"
    r"(?:\s*(?:number|numbers|no\.?|nr\.?|n[°º]|#|nummer|numéro|número|numero|numer|číslo|szám|"
    r"is|ist|est|es|è|é|er|är|on|je|is:|των|номер|mein\w*|my|mon|mi|mijn|meu|moje?)\b\.?|[\s:=#-]){1,6}"
    r"(?P<value>(?=[A-Z0-9./-]*\d[A-Z0-9./-]*\d)[A-Z0-9][A-Z0-9./-]{3,22}[A-Z0-9])(?![\w-]|[./]\w)"
)
HOME_USER_RE = re.compile(r"(?:/home/|/Users/|\b[A-Za-z]:[\\/]+Users[\\/]+)(?P<user>[^\\/\s:\"'`]+)")
LOGIN_RE = re.compile(
    r"(?:\b(?:scp|ssh|rsync|sftp)\b[^\n@]{0,80}?|TODO\(|FIXME\()"
    r"(?<![\w.-])(?P<user>[A-Za-z][\w.-]{1,31})(?:@(?:\d{1,3}\.){3}\d{1,3}|\))"
)
GENERIC_ACCOUNTS = {"user", "users", "admin", "administrator", "root", "public", "default", "shared", "runner",
                    "ubuntu", "ec2-user", "centos", "debian", "pi", "guest", "me", "you", "username", "deploy",
                    "git", "www-data", "nobody", "service", "app", "dev", "test", "ci", "build", "all users",
                    "default user", "$user", "%username%", "<user>", "...", "jenkins", "postgres", "vagrant"}
GLUED_STREET = (  # suffixes long enough to mark a street when glued to a name ("Storgatan", "Hauptstraße")
    r"(?:gatan|vägen|veien|vegen|vejen|gade|gaden|stræde|straße|strasse|gasse|allee|platz|straat|laan|gracht|"
    r"katu|kuja|polku|utca|ulice|sokak|sokağı|caddesi|dreef|steeg|singel|kade|weg|vej|vei|väg|"
    # Finnish, Estonian, Icelandic, Norwegian, Swedish, Danish, Dutch/Flemish, German, Croatian/Slovak
    r"tie|tien|väylä|raitti|kaari|tänav|puiestee|maantee|stræti|vegur|braut|gata|gate|gaten|veg|stien|"
    r"plassen|gränd|backe|stigen|torget|vænget|stien|steenweg|lei|kaai|dreef|gässli|zeile|graben|cesta)"
)
STREET_WORDS = (  # separate words after the name ("Bicskei út", "Masarykovo nám.", "Jana Pawła ul.")
    r"(?:gata|gatan|vägen|veien|vej|vei|plads|torv|allé|út|útja|tér|körút|utca|ulice|náměstí|nám\.|třída|"
    r"nábřeží|sokak|sokağı|caddesi|cad\.|bulvarı|ulica|aleja|plac|osiedle|straat|laan|weg|plein|gracht|"
    r"οδός|λεωφόρος|улица|проспект|переулок|köz|sor|sétány|fasor|rakpart|lépcső|dűlő|"
    r"аллея|шоссе|бульвар|площадь|набережная|проезд|тупик|вулиця|вул\.|провулок|площа|шосе|"
    r"cesta|trg|obala|put|námestie|nábrežie|tänav|mnt\.?|maantee|puiestee|gate|vei|veien|plass|vegur|"
    r"braut|stræti|street|road|avenue|parade|esplanade|crescent|terrace|drive|place)"
)
_CAP = r"[A-ZÀ-ÞĀ-ſΑ-ΩΆ-ΏА-ЯЁ][\w'.-]*"
STREET_RE = re.compile(
    # "Storgatan 12", "Bicskei út 643", "Masarykovo Nám. 500", "Οδός Αθηνάς 12", "Hauptstraße 5"
    rf"(?:\b(?:{_CAP}[ \t]+){{0,3}}(?:[A-ZÀ-ÞĀ-ſΑ-ΩА-Я][\w'-]*?{GLUED_STREET}|{_CAP}[ \t]+(?i:{STREET_WORDS}))"
    r"|(?i:\b(?:rue|avenue|boulevard|bd|chemin|allée|impasse|quai|place|via|viale|piazza|corso|largo|vicolo|"
    r"calle|avenida|paseo|plaza|camino|rua|travessa|praça|estrada|οδός|λεωφόρος|улица|ул\.|"
    r"rodovia|rotatória|alameda|viela|quadra|privada|cerrada|andador|calzada|circuito|prolongación|"
    r"retorno|аллея|вулиця|вул\.|провулок|бульвар|проспект|шоссе|шосе|площа|площадь|"
    # Czech/Slovak streets named by a preposition: "Na Stráňově 860", "U Panoramy 504", "Za Alejí 9"
    r"(?-i:Na|U|Za|Pod|Nad|Před|Pri|Při|K|Ke|V|Ve))"
    rf"(?:\s+(?:de|del|della|degli|dei|di|la|le|les|des|du|da|do|dos|das|d'|l')){{0,2}})(?:\s*{_CAP}){{1,4}})"
    r",?\s+\d{1,5}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)?\b"
)
LIVES_AT_RE = re.compile(
    r"(?i:\b(?:live at|lives at|living at|i live on|address is|address:\s*[\"']?|moved to|ship to|ship it to|"
    r"deliver to|delivered to|send it to|should go to|woon op|woont op|abito in|vivo en|"
    r"moro na|moro em|j'habite|j'habite au|wohne in der|wohne in|wohnt in|bor på|bor i|asun|mieszkam przy|"
    r"mieszkam na|bydlím v|bydlím na|lakom|lakcím|oturuyorum|μένω στην|μένω στο|живу на|живу по)\s+)"
    rf"(?P<value>(?:{_CAP}\s+){{1,4}}\d{{1,5}}[A-Za-z]?\b|\d{{1,5}}[A-Za-z]?,?(?:\s+{_CAP}){{2,4}})"
)
_TOWN = r"[A-ZÀ-ÞĀ-ſΑ-ΩΆ-ΏА-ЯЁ][\w'-]*"  # no dot: "Osthofen. Meine Bestellung" ends at the town
POSTAL_TOWN_RE = re.compile(
    rf"(?:,\s*|\s*\n\s*|\s+)(?P<code>(?:[A-Z]{{1,2}}-)?(?:\d{{3}}\s?\d{{2}}|\d{{5}}-\d{{3}}|\d{{4,6}}(?:\s[A-Z]{{2}})?|\d{{2}}-\d{{3}}|\d{{3}}-\d{{4}}))\s+"
    rf"(?P<town>{_TOWN}(?:[ -](?:(?:nad|pod|am|an|im|de|di|do|da|del|la|le|sur|sous|en|des)(?=[ -]){_TOWN}|{_TOWN})){{0,3}})"
)

POSTCODE_CUE_RE = re.compile(
    r"(?i:\b(?:post ?code|postal code|zip(?: code)?|plz|postleitzahl|code postal|cap|código postal|cep|"
    r"codice postale|postcode|postnummer|postnr|postinumero|kod pocztowy|psč|irányítószám|posta kodu|"
    r"ταχυδρομικός κώδικας|τ\.κ\.|индекс|почтовый индекс))"
    r"(?:\s+(?:is|ist|est|es|è|é|er|är|on|je|was))?[\s:]+"
    r"(?P<value>(?:[A-Z]{1,2}-)?(?:\d{3}\s\d{2}|\d{5}-\d{3}|\d{2}-\d{3}|\d{3,6}(?:\s[A-Z]{2})?|"
    r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}))\b"
)
TOWN_CUE_RE = re.compile(
    r"(?i:\b(?:the town|the city|the village|town of|city of|village of|la ville de|la ville|die stadt|"
    r"der ort|la ciudad de|la città di|de stad|de plaats|a cidade de|staden|byen|kaupunki|miasto|město|"
    r"város|şehir|η πόλη|город))\s+"
    rf"(?P<value>{_TOWN}(?:[ -](?:nad|pod|am|an|im|de|di|do|da|del|la|le|sur|sous|en|{_TOWN})){{0,3}})"
)


# a number next to an e-mail address in a contact tuple: "(jane@x.com, 2339668326)"
CONTACT_TUPLE_RE = re.compile(r"@[\w-]+(?:\.[\w-]+)+[,;][ \t]*(?P<value>\+?\(?\d[\d ()./-]{4,20}\d)(?![\d])")
# "contact Mr. Hald on 64 85 25 72", "reach Anna at +45 ...": a number after contact ... on/at
CONTACT_ON_RE = re.compile(
    r"(?i:\b(?:contact|reach|call|text|ring)\b[^\d\n]{0,30}?\b(?:on|at|via|under)[ \t]+)"
    r"(?P<value>\+?\(?\d[\d ()./-]{4,20}\d)(?![\d])"
)
# a line holding only a number, in a signature block under a name line: "Jussi Koski⏎6330726"
SIGNATURE_PHONE_RE = re.compile(
    r"(?m)^[ \t>]*[^\W\d_][^\d\n@]{1,60}\n(?:[^\n]{1,60}\n){0,2}[ \t>]*"
    r"(?P<value>\+?\(?\d[\d ()./-]{4,20}\d)[ \t]*$"
)


DATE_LIKE_RE = re.compile(r"\d{1,3}(?:\.\d{1,3}){1,3}|\d{1,4}[./-]\d{1,2}[./-]\d{2,4}")  # versions, dates
SIGN_OFF_NEAR_RE = re.compile(
    r"(?i)\b(?:regards|thanks|cheers|best|sincerely|grüße|gruß|saludos|cordialement|pozdrawiam|atenciosamente|"
    r"terveisin|hälsningar|hilsen|groet|groeten|saluti|üdv|üdvözlettel|s pozdravem|saygılarımla|"
    r"с уважением|με εκτίμηση|mvh)\b"
)


def find_cued_phones(text: str) -> Iterator[Finding]:
    """A number of 6-15 digits after a phone cue ("Phone: 5134263", "ring mig på 87 91 37"), next to
    an e-mail address in a contact tuple, or alone on a line in a signature block."""
    for rx in (CONTACT_TUPLE_RE, SIGNATURE_PHONE_RE, CONTACT_ON_RE):
        for m in rx.finditer(text):
            value = m.group("value")
            if not 6 <= sum(c.isdigit() for c in value) <= 15 or DATE_LIKE_RE.fullmatch(value):
                continue
            # a bare digit run ("6330726") only under a sign-off ("Kind regards," ⏎ name ⏎ number)
            if value.isdigit() and not SIGN_OFF_NEAR_RE.search(text, max(0, m.start("value") - 120), m.start("value")):
                continue
            yield Finding(m.start("value"), m.end("value"), PHONE, 0.65, "phone-context")
    for m in PHONE_CUE_RE.finditer(text):
        value = m.group("value")
        digits = sum(c.isdigit() for c in value)
        if 6 <= digits <= 15 and not re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", value):
            yield Finding(m.start("value"), m.end("value"), PHONE, 0.75, "phone-cue")


def find_cued_ids(text: str) -> Iterator[Finding]:
    """An identifier (5-24 characters, two digits or more) after an ID cue ("license number is ...")."""
    for m in ID_CUE_RE.finditer(text):
        yield Finding(m.start("value"), m.end("value"), ID_NUMBER, 0.75, "id-cue")


def find_account_names(text: str) -> Iterator[Finding]:
    """The user name in ``/home/<user>/``, ``C:\\Users\\<user>\\``, ``scp f <user>@<ip>:``, ``TODO(<user>)``."""
    for rx in (HOME_USER_RE, LOGIN_RE):
        for m in rx.finditer(text):
            if m.group("user").casefold() not in GENERIC_ACCOUNTS:
                yield Finding(m.start("user"), m.end("user"), PERSON, 0.8, "account-name")


def find_streets(text: str) -> Iterator[Finding]:
    """Street + house number with a non-English street word, or after "I live at", plus postcode and town."""
    for rx, group in ((STREET_RE, 0), (LIVES_AT_RE, "value")):
        for m in rx.finditer(text):
            yield Finding(m.start(group), m.end(group), ADDRESS, 0.8, "street")
            tail = POSTAL_TOWN_RE.match(text, m.end(group))
            if tail:  # "postcode town" after the street: the postcode is ADDRESS, the town LOCATION
                yield Finding(tail.start("code"), tail.end("code"), ADDRESS, 0.8, "street-postcode")
                yield Finding(tail.start("town"), tail.end(), LOCATION, 0.8, "street-town")
    for m in POSTCODE_CUE_RE.finditer(text):
        yield Finding(m.start("value"), m.end("value"), ADDRESS, 0.75, "postcode-cue")
    for m in TOWN_CUE_RE.finditer(text):
        yield Finding(m.start("value"), m.end("value"), LOCATION, 0.7, "town-cue")


CUE_DETECTORS = (find_cued_phones, find_cued_ids, find_account_names, find_streets)
