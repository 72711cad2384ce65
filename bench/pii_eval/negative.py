"""PII-free prompts for counting false alterations (``negative_dev.jsonl`` / ``negative_heldout.jsonl``).

Realistic prompts with no personal data: code (Python, JS, SQL, shell, configs with loopback,
private and documentation IPs: 127.0.0.1, 10.0.0.1, 192.0.2.x, 198.51.100.x, 203.0.113.x), maths,
acronyms (RAM, PI, JUDGE, API), product names, capitalised common words (Ring, Will, May), version
strings, commit hashes, UUIDs, dates in changelogs, file paths without user names. Written for this
corpus; the fill-in vocabularies below contain no person names, no addresses and no contact data.
"""

from __future__ import annotations

import hashlib
import random
import uuid

IDENT = ["user_count", "total_price", "parse_config", "load_items", "retry_limit", "max_workers", "cache_dir",
         "order_id", "is_valid", "handle_request", "build_index", "row_count", "timeout_ms", "queue_size",
         "fetchData", "renderList", "isReady", "maxRetries", "itemCount", "onSubmit", "getToken", "baseUrl"]
TABLES = ["orders", "products", "invoices", "sessions", "events", "inventory", "shipments", "payments"]
COLS = ["id", "created_at", "status", "amount", "sku", "quantity", "region", "currency", "updated_at"]
PATHS = ["/usr/local/bin/python3", "/etc/nginx/nginx.conf", "/var/log/syslog", "./src/main.rs", "src/app/page.tsx",
         "/opt/app/config.yaml", "~/.bashrc", "/tmp/build/output.o", "C:\\Program Files\\Git\\bin\\bash.exe",
         "/srv/data/exports/2024-q3.parquet", "./node_modules/.bin/eslint", "/etc/ssh/sshd_config",
         "/var/lib/postgresql/16/main", "docs/index.md", "tests/test_parser.py", "~/projects/shop/Makefile"]
LOCAL_IPS = ["127.0.0.1", "0.0.0.0", "10.0.0.1", "10.0.0.12", "192.168.1.1", "192.168.0.254", "172.16.0.5",
             "192.0.2.10", "192.0.2.44", "198.51.100.7", "203.0.113.25", "::1", "localhost"]
ACRONYMS = ["RAM", "PI", "JUDGE", "API", "CPU", "GPU", "SQL", "JSON", "HTTP", "TLS", "DNS", "CSV", "PDF", "ROI",
            "KPI", "SLA", "GDPR", "VAT", "UTC", "ETA", "FAQ", "CRM", "ERP", "OCR", "NLP", "LLM", "RAID", "NASA",
            "MAX", "MIN", "AVG", "ASAP", "TODO", "FIXME", "README", "HTML", "CSS", "ISO", "USB", "SSD"]
PRODUCTS = ["Excel", "PowerPoint", "Photoshop", "Kubernetes", "PostgreSQL", "Redis", "Docker", "Terraform",
            "Slack", "Jira", "Figma", "Notion", "Tableau", "Salesforce", "Shopify", "Stripe", "Grafana", "Kafka",
            "Android Studio", "Visual Studio Code", "iPhone 15", "Galaxy Tab", "Kindle", "ThinkPad", "Raspberry Pi",
            "Arduino", "Ring doorbell", "Apple Watch", "PlayStation 5", "Nintendo Switch"]
COMMON_CAPS = ["Ring", "Will", "May", "Mark", "Bill", "Grant", "Summer", "Rose", "Faith", "Hope", "Joy", "Page",
               "Case", "Long", "Young", "King", "Bank", "Chase", "Art", "Frank", "Pat", "Ray", "Rich", "Major",
               "Dean", "Jack", "Price", "Hall", "Wood", "Green", "Brown", "White", "Lane", "Park", "Hill", "Cook",
               "Baker", "Miller", "Bell", "Carter", "Mason", "Hunter", "Justice", "Sage", "Amber", "Ruby", "Crystal",
               "Dawn", "Eve", "Max", "Sterling", "Victor", "Angel", "Sky", "Stone", "Storm", "River", "Brook"]
TOPICS = ["binary search", "quicksort", "a REST API", "dependency injection", "event sourcing", "the CAP theorem",
          "eventual consistency", "garbage collection", "a bloom filter", "gradient descent", "TCP handshakes",
          "OAuth scopes", "database indexing", "rate limiting", "circuit breakers", "memoization"]
LANGS = ["Python", "JavaScript", "TypeScript", "Go", "Rust", "Java", "C#", "Kotlin", "Ruby", "PHP", "SQL", "Bash"]

TEMPLATES = [
    "```python\ndef {i1}({i2}):\n    return [x for x in {i2} if x > {n}]\n```\nWhat is the time complexity?",
    "Why does `{i1} = {i2} + 1` raise UnboundLocalError inside my function?",
    "```js\nconst {i1} = await fetch('http://{ip}:{port}/api/v1/{t}');\nconsole.log({i1}.status);\n```\n"
    "It prints 502, what does that mean?",
    "```sql\nSELECT {c1}, COUNT(*) FROM {t} WHERE {c2} > {n} GROUP BY {c1} ORDER BY 2 DESC;\n```\nCan this use an index?",
    "```sql\nCREATE INDEX idx_{t}_{c1} ON {t} ({c1}, {c2});\n```\nIs the column order right for range queries on {c2}?",
    "$ docker run -p {port}:{port} -e DB_HOST={ip} app:{ver}\nError: connection refused. What should I check?",
    "```yaml\nserver:\n  host: {ip}\n  port: {port}\nredis:\n  url: redis://{ip}:6379/0\nworkers: {n}\n```\nWhat is wrong with this config?",
    "nginx config:\n```\nupstream backend {{ server {ip}:{port}; }}\nserver {{ listen 80; location / {{ proxy_pass http://backend; }} }}\n```\nAdd HTTPS.",
    "My script reads `{path}` but fails with permission denied. How do I fix the permissions?",
    "Explain the difference between `{path}` and `{path2}`.",
    "bash: `find {dir} -name '*.log' -mtime +{n} -delete` - is this safe to put in cron?",
    "Compute the integral of x^{n2} * e^x from 0 to 1.",
    "Solve for x: {n}x + {n2} = {n3}. Show the steps.",
    "What is {n} choose {n2}?",
    "Prove that the square root of {p} is irrational.",
    "If a train travels {n} km in {n2} hours, what is its average speed in m/s?",
    "Estimate PI with a Monte Carlo simulation in {lang}.",
    "How much RAM do I need to run {prod} with {n} users?",
    "What does {a1} stand for in the context of {a2}?",
    "Is {a1} the same as {a2}? My manager keeps mixing them up.",
    "The JUDGE step in our eval pipeline returns a score between 0 and {n}; how should I calibrate it?",
    "Compare {prod} and {prod2} for a small team.",
    "My {prod} keeps disconnecting from Wi-Fi after the {ver} update.",
    "Write a haiku about {cw} and {topic}.",
    "{cw} is a great name for a product that does {topic}, right? Give me five alternatives.",
    "Will the {prod} {ver} release support {a1}?",
    "May I use {prod} for commercial work under its licence?",
    "Explain {topic} to a beginner using an example in {lang}.",
    "Write unit tests in {lang} for a function that implements {topic}.",
    "Changelog:\n## {ver} - {date}\n- Fixed {a1} leak in the {i1} module\n- Bumped {prod} to {ver2}\n\n"
    "## {ver2} - {date2}\n- Initial release\n\nRewrite this in a friendlier tone.",
    "git bisect says the first bad commit is {sha}. How do I see what changed in it?",
    "Revert commit {sha7} without losing the later commits on main.",
    "Our request ids look like {uuid}. Is UUIDv4 safe to expose in URLs?",
    "sha256 of the release tarball is {sha256}; how do I verify it on {os}?",
    "pip install {pkg}=={ver} fails with 'no matching distribution'. Why?",
    "Upgrade from {prod} {ver} to {ver2}: what are the breaking changes?",
    "Convert this date format: {date} to ISO week number.",
    "The meeting is on {date} at {hh}:00 UTC. What time is that in UTC+{n2}?",
    "Ring buffer vs. linked list for a queue of {n} elements: which is faster?",
    "In chess, why is the King safer after castling?",
    "Summarise the plot of a story where Hope and Faith are virtues personified.",
    "Draft a product description for the {prod} with {n} GB of {a1}.",
    "Give me a regex that matches version strings like {ver} and {ver2}.",
    "Why is `ping {ip}` working but `curl http://{ip}:{port}` is not?",
    "Set up port forwarding from {ip}:{port} to the container on port {port2}.",
    "What's the subnet mask for 10.0.0.0/{cidr} and how many hosts does it allow?",
    "My .env has DATABASE_URL=postgres://localhost:5432/{t} - why does the app connect to the wrong database?",
    "kubectl get pods shows CrashLoopBackOff for {t}-worker-{n}. Where do I start?",
    "Translate into French: \"The {cw} button opens the settings page.\"",
    "Table of {t}: {c1}, {c2}, {c3}. Write a pandas groupby that sums {c2} per {c1}.",
    "Refactor this: `if {i1} == True: return True else: return False`",
    "What is the big-O of inserting into a heap of size {n}?",
    "In {lang}, how do I read {path} line by line?",
    "TODO: rename {i1} to {i2} across the codebase. Which IDE feature does this safely?",
    "Mark the following statements as true or false: the {a1} is volatile; the {a2} is a protocol.",
    "Grant read access on table {t} to the reporting role in PostgreSQL.",
    "Bill of materials for a {prod} project: list the parts.",
    "Price elasticity: if price rises by {n2}% and demand falls by {n}%, what is the elasticity?",
    "Summer sale: write three subject lines for a newsletter about {prod}.",
]


def _fill(rng: random.Random, template: str) -> str:
    ver = f"{rng.randrange(0, 12)}.{rng.randrange(0, 30)}.{rng.randrange(0, 20)}"
    ver2 = f"v{rng.randrange(1, 6)}.{rng.randrange(0, 10)}" + rng.choice(["", "-rc1", "-beta.2", ".0"])
    sha = hashlib.sha1(str(rng.random()).encode()).hexdigest()
    year = rng.randrange(2015, 2026)
    values = {
        "i1": rng.choice(IDENT), "i2": rng.choice(IDENT), "t": rng.choice(TABLES), "c1": rng.choice(COLS),
        "c2": rng.choice(COLS), "c3": rng.choice(COLS), "n": rng.randrange(2, 500), "n2": rng.randrange(2, 12),
        "n3": rng.randrange(20, 900), "p": rng.choice([2, 3, 5, 7, 11, 13]), "ip": rng.choice(LOCAL_IPS),
        "port": rng.choice([80, 443, 3000, 5000, 5432, 8000, 8080, 8443, 9000]), "port2": rng.choice([80, 8080, 3000]),
        "path": rng.choice(PATHS), "path2": rng.choice(PATHS), "dir": rng.choice(["/var/log", "/tmp", "./logs"]),
        "a1": rng.choice(ACRONYMS), "a2": rng.choice(ACRONYMS), "prod": rng.choice(PRODUCTS),
        "prod2": rng.choice(PRODUCTS), "cw": rng.choice(COMMON_CAPS), "topic": rng.choice(TOPICS),
        "lang": rng.choice(LANGS), "ver": ver, "ver2": ver2, "sha": sha, "sha7": sha[:7],
        "sha256": hashlib.sha256(sha.encode()).hexdigest(), "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "date": f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "date2": f"{year - 1}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "hh": rng.randrange(6, 20), "os": rng.choice(["Linux", "macOS", "Windows"]),
        "pkg": rng.choice(["numpy", "requests", "fastapi", "torch", "pydantic"]), "cidr": rng.choice([8, 16, 24]),
    }
    return template.format(**values)


def negative_split(template_id: str) -> str:
    """``dev`` or ``heldout`` for a negative template id, from a hash of the id (stable across runs).

    Every prompt of one template lands in the same half, so detector work on ``negative_dev``
    never sees the templates scored in ``negative_heldout``.
    """
    digest = hashlib.sha256(template_id.encode("utf-8")).digest()
    return "heldout" if digest[0] % 2 else "dev"


def generate_negative(seed: int, n: int) -> list[dict]:
    rng = random.Random(seed * 7919 + 1)
    rows = []
    for i in range(n):
        t = i % len(TEMPLATES)
        tid = f"neg-{t + 1:02d}"
        rows.append({"id": f"neg-{i + 1:06d}", "split": f"negative_{negative_split(tid)}", "template": tid,
                     "kind": "negative", "text": _fill(rng, TEMPLATES[t]), "spans": []})
    return rows
