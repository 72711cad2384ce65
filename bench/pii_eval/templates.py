"""Sentence templates for the independent PII corpus (written for this corpus, not taken from the detector).

Slots: ``{%slot%}``, ``{%slot2%}`` (a second person), ``{%slot:lower%}`` / ``{%slot:upper%}`` (forced case).
name / first / last / pname (name with particle) / tname (title + surname; the title is not gold) /
user (user name from the person's name) -> PERSON; email; phone (international) / lphone (local format) ->
PHONE; addr (street + number) / faddr (street, postal code, town) / postal -> ADDRESS; city -> LOCATION;
iban; card / maestro -> CREDIT_CARD; dl / idno -> ID_NUMBER; ssn; dob -> DATE_OF_BIRTH; ip -> IP_ADDRESS;
``{%filler%}`` -> several KB of PII-free text (long documents).

``lang`` is the template's language: ``any`` templates (English or language-neutral: code, CSV) are used
with every locale; the others only with locales of that language. The dev/heldout split of templates is
made in ``make_corpus.template_split`` (every third template of a language group, sorted by id, is held out).
"""

from __future__ import annotations

_T = [
    # ---- support tickets / chat (English, used with every locale) -------------------------------------------
    ("any-chat-01", "any", "chat", "hi im {%name:lower%}, my order never arrived. can you check? phone {%lphone%}"),
    ("any-chat-02", "any", "chat", "Hello, this is {%first%}. I moved to {%faddr%} last month, please update my "
     "delivery address before the next shipment."),
    ("any-chat-03", "any", "chat", "Can you rewrite this more politely: \"{%first%}, you still owe me the money "
     "for the concert tickets, send it to {%iban%} by Friday.\""),
    ("any-chat-04", "any", "chat", "My driver's license number is {%dl%} and it expires next year. Which "
     "documents do I need to rent a car abroad?"),
    ("any-chat-05", "any", "chat", "Phone: {%lphone%}\nName: {%name%}\nIssue: the app crashes when I upload a "
     "photo larger than 10 MB."),
    ("any-chat-06", "any", "chat", "pls call me back on {%lphone%}, ask for {%first:lower%}. thx"),
    ("any-chat-07", "any", "chat", "I was charged twice on card {%card%}. The second charge should be refunded."),
    ("any-chat-08", "any", "chat", "Translate into English: {%name%}, {%addr%}, {%postal%} {%city%}. Tel. "
     "{%phone%}"),
    ("any-chat-09", "any", "chat", "my maestro card {%maestro%} gets declined at the checkout, is it supported?"),
    ("any-chat-10", "any", "chat", "Summarise the complaint from {%tname%} (customer since 2019) about the "
     "late delivery to {%city%}."),
    ("any-chat-11", "any", "chat", "Please fix the grammar: me and {%first%} {%pname2%} was going to the "
     "meeting but it got cancelled."),
    ("any-chat-12", "any", "chat", "Write a short birthday message for my colleague {%first%}; she was born "
     "on {%dob%} so she turns a round number."),
    ("any-chat-13", "any", "chat", "I can't log in. Account e-mail: {%email%}. Last login from {%ip%}."),
    ("any-chat-14", "any", "chat", "Is this a valid IBAN? {%iban%}"),
    ("any-chat-15", "any", "chat", "NAME: {%name:upper%}\nADDRESS: {%faddr%}\nPHONE: {%lphone%}\n\nFill in the "
     "customs form for this parcel, contents: two books."),
    ("any-chat-16", "any", "chat", "draft a reply to {%first:lower%} saying we will ship to {%addr%} on monday"),
    ("any-chat-17", "any", "chat", "Passport number {%idno%}, issued 2018. Do I need a visa for a 10 day trip?"),
    ("any-chat-18", "any", "chat", "SSN {%ssn%} was entered in the wrong field of the W-2 form, how do I "
     "correct it?"),
    ("any-chat-19", "any", "chat", "The courier says the postcode {%postal%} does not match the town {%city%}. "
     "Which one is wrong?"),
    ("any-chat-20", "any", "chat", "Customer {%name%} ({%email%}, {%phone%}) wants to cancel the yearly plan. "
     "Write the confirmation e-mail."),
    ("any-chat-21", "any", "chat", "Thanks {%first%}! I'll forward it to {%name2%} in accounting."),
    ("any-chat-22", "any", "chat", "my wife {%first:lower%} and i live at {%addr:lower%}, can we both be on the "
     "lease?"),
    ("any-chat-23", "any", "chat", "ID card no. {%idno%} - the scan is blurry, can you read the expiry date?"),
    ("any-chat-24", "any", "chat", "Whatsapp {%lphone%} or email {%email%}, whichever is easier. - {%first%}"),
    # ---- pasted e-mails / letters --------------------------------------------------------------------------
    ("any-mail-01", "any", "email", "Summarise this email:\n\nFrom: {%name%} <{%email%}>\nTo: support\n"
     "Subject: Refund\n\nHello,\nI returned the jacket on Monday but have not received my refund yet. My "
     "account is {%iban%}.\n\nKind regards,\n{%name%}\n{%lphone%}"),
    ("any-mail-02", "any", "email", "Reply to this for me:\n> Hi,\n> the invoice should go to {%faddr%}, not the "
     "old office. Please also cc {%email2%}.\n> Best, {%first%}"),
    ("any-mail-03", "any", "email", "Make this email shorter:\nDear {%tname%},\nThank you for your "
     "application. We would like to invite you to an interview. Please confirm by calling {%phone%}.\n"
     "Sincerely,\n{%name2%}"),
    ("any-mail-04", "any", "email", "-----Original Message-----\nFrom: {%email%}\nSent: Tuesday\nSubject: "
     "keys\n\nhey, left the keys with {%first2%} at {%addr%}. call me {%lphone%}\n{%first:lower%}\n\n"
     "What is the tone of this message?"),
    ("any-mail-05", "any", "email", "Extract name, phone and address as JSON:\n\n{%name:upper%}\n{%faddr%}\n"
     "{%phone%}"),
    ("any-mail-06", "any", "email", "Classify the urgency: \"Our tenant {%name%} at {%addr%}, {%city%} reports "
     "a water leak in the bathroom. Reach her on {%lphone%}.\""),
    # ---- code ----------------------------------------------------------------------------------------------
    ("any-code-01", "any", "code", "Why does this fail?\n\n```python\nimport pandas as pd\ndf = "
     "pd.read_csv('/home/{%user%}/projects/sales/q3.csv')\nprint(df.groupby('region').sum())\n```\n\n"
     "FileNotFoundError: [Errno 2] No such file or directory: '/home/{%user%}/projects/sales/q3.csv'"),
    ("any-code-02", "any", "code", "```js\nconst customer = {\n  name: \"{%name%}\",\n  email: \"{%email%}\",\n"
     "  phone: \"{%phone%}\",\n};\nsendWelcome(customer);\n```\nwhy is sendWelcome never called?"),
    ("any-code-03", "any", "code", "```sql\nINSERT INTO customers (full_name, email, phone, city) VALUES\n"
     "  ('{%name%}', '{%email%}', '{%lphone%}', '{%city%}'),\n  ('{%name2%}', '{%email2%}', '{%lphone2%}', "
     "'{%city2%}');\n```\nThe second row gives a duplicate key error, why?"),
    ("any-code-04", "any", "code", "# TODO({%user%}): remove the hard-coded test account before release\n"
     "TEST_USER = \"{%email%}\"\nTEST_CARD = \"{%card%}\"\n\nRefactor this into environment variables."),
    ("any-code-05", "any", "code", "PS C:\\Users\\{%user%}\\source\\repos\\Billing> dotnet test\nerror MSB1009: "
     "Project file does not exist.\n\nwhat am I doing wrong"),
    ("any-code-06", "any", "code", "git log output:\ncommit 3f9e2a1\nAuthor: {%name%} <{%email%}>\nDate:   Tue "
     "Mar 4 10:12:03 2025 +0100\n\n    fix rounding in invoice totals\n\nWrite a changelog entry."),
    ("any-code-07", "any", "code", "```yaml\nowner:\n  name: {%name%}\n  phone: \"{%phone%}\"\n  address: "
     "\"{%addr%}\"\nreplicas: 3\n```\nValidate this YAML."),
    ("any-code-08", "any", "code", "Traceback (most recent call last):\n  File \"/Users/{%user%}/dev/app/"
     "main.py\", line 42, in <module>\n    send(to=\"{%email%}\")\nsmtplib.SMTPRecipientsRefused"),
    ("any-code-09", "any", "code", "def test_signup():\n    # reported by {%first%} {%last%}\n    user = "
     "signup(\"{%first:lower%}\", \"{%email%}\")\n    assert user.iban == \"{%iban%}\""),
    ("any-code-10", "any", "code", "scp backup.tar.gz {%user%}@{%ip%}:/srv/backups/\nPermission denied "
     "(publickey). How do I fix this?"),
    # ---- CSV / tables ---------------------------------------------------------------------------------------
    ("any-csv-01", "any", "csv", "Convert to a markdown table:\nname,email,phone,city\n{%name%},{%email%},"
     "{%lphone%},{%city%}\n{%name2%},{%email2%},{%lphone2%},{%city2%}\n{%name3%},{%email3%},{%lphone3%},"
     "{%city3%}"),
    ("any-csv-02", "any", "csv", "Find the duplicate rows:\nid;last_name;first_name;postcode;street\n1;"
     "{%last:upper%};{%first%};{%postal%};{%addr%}\n2;{%last2:upper%};{%first2%};{%postal2%};{%addr2%}\n3;"
     "{%last:upper%};{%first%};{%postal%};{%addr%}"),
    ("any-csv-03", "any", "csv", "customer\tcard\texpiry\n{%name%}\t{%card%}\t09/27\n{%name2%}\t{%maestro2%}\t"
     "11/26\nWhich cards are expired as of today?"),
    ("any-csv-04", "any", "csv", "| Employee | Date of birth | Phone |\n|---|---|---|\n| {%name%} | {%dob%} | "
     "{%lphone%} |\n| {%name2%} | {%dob2%} | {%lphone2%} |\nSort by age."),
    # ---- long documents -------------------------------------------------------------------------------------
    ("any-long-01", "any", "longdoc", "Summarise the following meeting notes in five bullet points.\n\n"
     "{%filler%}\n\nAction item: {%first%} sends the revised budget to {%email%} by Thursday."),
    ("any-long-02", "any", "longdoc", "Proofread this report.\n\nPrepared by {%name%}, {%faddr%}\n\n"
     "{%filler%}"),
    ("any-long-03", "any", "longdoc", "{%filler%}\n\nIf anything is unclear, contact {%tname%} on {%lphone%}. "
     "Please translate the text above into plain English."),
    ("any-long-04", "any", "longdoc", "Here is the incident log, find the root cause.\n\n{%filler%}\n\n"
     "Escalated by {%first:lower%} ({%phone%}); payment account {%iban%}."),
    # ---- German -------------------------------------------------------------------------------------------
    ("de-01", "de", "chat", "Hallo, ich bin {%name%} und wohne in der {%addr%}, {%postal%} {%city%}. Meine "
     "Bestellung ist nicht angekommen."),
    ("de-02", "de", "chat", "Bitte ruf mich unter {%lphone%} zurück. Gruß, {%first%}"),
    ("de-03", "de", "email", "Sehr geehrte {%tname%},\nanbei die Rechnung. Bitte überweisen Sie den Betrag "
     "auf {%iban%}.\nMit freundlichen Grüßen\n{%name2%}"),
    ("de-04", "de", "chat", "Meine Führerscheinnummer ist {%dl%}, geboren am {%dob%}. Reicht das für die "
     "Anmeldung?"),
    ("de-05", "de", "chat", "kannst du das kürzen: {%first:lower%} {%last:lower%} hat angerufen, Tel. "
     "{%lphone%}, es geht um die Wohnung in {%city%}"),
    ("de-06", "de", "chat", "Kunde: {%pname%}, Karte {%card%}, E-Mail {%email%}. Warum wurde die Zahlung "
     "abgelehnt?"),
    # ---- French -------------------------------------------------------------------------------------------
    ("fr-01", "fr", "chat", "Bonjour, je m'appelle {%name%}, j'habite au {%addr%}, {%postal%} {%city%}. "
     "Pouvez-vous corriger mon adresse ?"),
    ("fr-02", "fr", "chat", "Rappelez-moi au {%lphone%} svp, c'est {%first:lower%}"),
    ("fr-03", "fr", "email", "Madame, Monsieur,\nveuillez trouver ci-joint mon RIB : {%iban%}.\nCordialement,\n"
     "{%pname%}"),
    ("fr-04", "fr", "chat", "Mon numéro de permis de conduire est {%dl%}. Il est encore valable ?"),
    ("fr-05", "fr", "chat", "Résume : {%tname%} ({%email%}) se plaint d'un double prélèvement sur la carte "
     "{%card%}."),
    # ---- Spanish ------------------------------------------------------------------------------------------
    ("es-01", "es", "chat", "Hola, soy {%name%}. Mi teléfono es {%lphone%} y vivo en {%addr%}, {%postal%} "
     "{%city%}."),
    ("es-02", "es", "chat", "Mi DNI es {%idno%} y mi fecha de nacimiento {%dob%}, ¿qué más necesitan?"),
    ("es-03", "es", "email", "Estimada {%tname%}:\nle confirmamos el cargo en la tarjeta {%card%}.\nUn saludo,\n"
     "{%pname2%}"),
    ("es-04", "es", "chat", "llámame al {%lphone%}, pregunta por {%first:lower%}"),
    ("es-05", "es", "chat", "Transferencia a {%iban%} a nombre de {%name:upper%}, ¿cuándo llega?"),
    # ---- Italian ------------------------------------------------------------------------------------------
    ("it-01", "it", "chat", "Buongiorno, sono {%name%}, abito in {%addr%}, {%postal%} {%city%}. Il pacco non è "
     "arrivato."),
    ("it-02", "it", "chat", "Il mio numero di patente è {%dl%}, nato il {%dob%}."),
    ("it-03", "it", "email", "Gentile {%tname%},\nla preghiamo di richiamarci al {%lphone%}.\nCordiali saluti,\n"
     "{%first2%}"),
    # ---- Dutch --------------------------------------------------------------------------------------------
    ("nl-01", "nl", "chat", "Hoi, ik ben {%pname%} en woon op {%addr%}, {%postal%} {%city%}."),
    ("nl-02", "nl", "chat", "Bel me even op {%lphone%}, groetjes {%first%}"),
    ("nl-03", "nl", "email", "Beste {%first%},\nhet bedrag is overgemaakt naar {%iban%}.\nMet vriendelijke "
     "groet,\n{%name2%}"),
    ("nl-04", "nl", "chat", "mijn rijbewijsnummer is {%dl%}, klopt dat formaat?"),
    # ---- Portuguese ---------------------------------------------------------------------------------------
    ("pt-01", "pt", "chat", "Olá, meu nome é {%name%}, moro na {%addr%}, {%postal%} {%city%}."),
    ("pt-02", "pt", "chat", "Me liga no {%lphone%}, é a {%first:lower%}"),
    ("pt-03", "pt", "chat", "Meu CPF é {%idno%} e o cartão {%card%}, por que a compra foi recusada?"),
    ("pt-04", "pt", "email", "Prezado {%tname%},\nsegue o IBAN para o reembolso: {%iban%}.\nAtenciosamente,\n"
     "{%pname2%}"),
    # ---- Nordic / others ----------------------------------------------------------------------------------
    ("sv-01", "sv", "chat", "Hej, jag heter {%name%} och bor på {%addr%}, {%postal%} {%city%}."),
    ("sv-02", "sv", "chat", "Ring mig på {%lphone%}, mvh {%first%}"),
    ("sv-03", "sv", "chat", "Mitt personnummer är {%idno%}, varför fungerar inte BankID?"),
    ("no-01", "no", "chat", "Hei, jeg heter {%name%} og bor i {%addr%}, {%postal%} {%city%}. Ring meg på "
     "{%lphone%}."),
    ("no-02", "no", "chat", "hilsen {%first:lower%}, tlf {%lphone%}"),
    ("no-03", "no", "chat", "Kontonummer {%iban%}, eier {%name:upper%}"),
    ("pl-01", "pl", "chat", "Dzień dobry, nazywam się {%name%}, mieszkam przy {%addr%}, {%postal%} {%city%}."),
    ("pl-02", "pl", "chat", "Proszę o kontakt pod numerem {%lphone%}. {%first%}"),
    ("pl-03", "pl", "chat", "Numer konta: {%iban%}, odbiorca {%name%}"),
    ("hu-01", "hu", "chat", "Jó napot, {%name%} vagyok, a címem {%postal%} {%city%}, {%addr%}."),
    ("hu-02", "hu", "chat", "Hívjon a {%lphone%} számon. Üdv, {%first%}"),
    ("hu-03", "hu", "chat", "Számlaszám: {%iban%}, név: {%name:upper%}"),
    ("el-01", "el", "chat", "Γεια σας, είμαι ο/η {%name%} και μένω στην {%addr%}, {%postal%} {%city%}."),
    ("el-02", "el", "chat", "Καλέστε με στο {%lphone%}. {%first%}"),
    ("el-03", "el", "chat", "IBAN: {%iban%}, δικαιούχος {%name%}"),
]

TEMPLATES: list[dict] = [{"id": i, "lang": lang, "kind": kind, "text": text} for i, lang, kind, text in _T]

# PII-free sentences for long documents ("{n}" becomes a number). No names, places or contact data.
FILLER: list[str] = [
    "The release was postponed by {n} days because the migration script failed on the staging database.",
    "We agreed to keep the current pricing for existing customers until the end of the quarter.",
    "Average response time in the support queue went from {n} minutes to about half of that after the new triage rules.",
    "The team discussed whether the export should default to CSV or to a spreadsheet format.",
    "Load tests showed that the API handles {n} requests per second before latency rises sharply.",
    "Several tickets mention that the password reset link expires too quickly.",
    "The mobile app now caches the product catalogue, which reduces data usage noticeably.",
    "Finance asked for a monthly breakdown of refunds by reason code.",
    "A rollback plan was written and reviewed before the deployment window opened.",
    "Most complaints this week concerned delayed parcels rather than damaged goods.",
    "The onboarding survey had a completion rate of {n} percent, lower than last year.",
    "Dark mode will ship behind a feature flag and be enabled gradually.",
    "The warehouse scanner firmware needs an update before the holiday peak.",
    "Customers on the annual plan can now switch to monthly billing without contacting support.",
    "We saw {n} failed logins from automated scripts and tightened the rate limits.",
    "The legal review of the new terms of service is still pending.",
    "Translations for the checkout page are complete except for two minor strings.",
    "Storage costs grew because old log files were never deleted; a retention policy of {n} days was proposed.",
    "The design team shared three options for the new dashboard layout.",
    "A bug in the discount calculation rounded prices up instead of to the nearest cent.",
    "Nightly backups completed successfully on every day of the reporting period.",
    "The search index is rebuilt every {n} minutes, which explains the short delay for new products.",
    "Feedback from the beta group was mostly positive, with requests for keyboard shortcuts.",
    "Next sprint focuses on accessibility fixes and better error messages.",
    "The invoice template was updated to show tax amounts per line item.",
    "Two integrations with shipping carriers were retired because they had no active users.",
    "Support agents asked for canned replies covering the most common delivery questions.",
    "The incident started shortly after a configuration change and was resolved within {n} minutes.",
    "Monitoring alerts will be routed to the on-call rotation instead of the shared inbox.",
    "We need a clearer definition of an active user before comparing quarters.",
]
