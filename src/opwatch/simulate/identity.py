"""Identities and infrastructure of the synthetic world: ids, addresses, devices, names.

Ids are drawn from a keyed bijection of a counter, so they are unique without a
set in memory and do not reveal generation order.  Addresses, devices, user
agents, e-mail addresses, phone numbers and payment fingerprints are random but
shaped like the real thing (public IPv4 ranges, common browsers, mail domains).
"""

from __future__ import annotations

import random

_MASK = (1 << 48) - 1
_MULT = 0x9E3779B97F4B & _MASK | 1  # odd, so multiplication is a bijection mod 2**48


class IdMaker:
    """Unique, order-hiding ids: prefix + 12 hex digits of a keyed permutation."""

    def __init__(self, rng: random.Random, prefix: str) -> None:
        self.prefix = prefix
        self._key = rng.getrandbits(48)
        self._n = 0

    def __call__(self) -> str:
        self._n += 1
        v = ((self._n * _MULT) & _MASK) ^ self._key
        return f"{self.prefix}{v:012x}"


def random_ip(rng: random.Random) -> str:
    """A public-looking IPv4 address (private, loopback and multicast ranges avoided)."""
    while True:
        a = rng.randint(11, 223)
        if a not in (100, 127, 169, 172, 192, 198, 203):
            return f"{a}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def subnet_ips(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct addresses inside one random /24."""
    base = random_ip(rng).rsplit(".", 1)[0]
    hosts = rng.sample(range(2, 254), min(n, 252))
    return [f"{base}.{h}" for h in hosts]


def device_id(rng: random.Random) -> str:
    return f"dev-{rng.getrandbits(64):016x}"


def payment_fingerprint(rng: random.Random) -> str:
    return f"pm_{rng.getrandbits(64):016x}"


_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{m} Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
)
_MOBILE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{m} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; SM-S91{m}B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Pixel {m}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36",
)
_API = ("python-requests/2.{m}.0", "openai-python/1.{v}.0", "node-fetch/3.{m}", "curl/8.{m}.1")


def user_agent(rng: random.Random, kind: str = "browser") -> str:
    """A user agent of ``kind`` browser, mobile or api."""
    pool = {"browser": _BROWSERS, "mobile": _MOBILE, "api": _API}[kind]
    return rng.choice(pool).format(v=rng.randint(118, 126), m=rng.randint(1, 9))


_FIRST = ("Ana", "Luis", "Maria", "John", "Emma", "Liam", "Olivia", "Noah", "Sofia", "Mateo",
          "Wei", "Li", "Yan", "Hao", "Ivan", "Olga", "Dmitri", "Anya", "Pierre", "Claire",
          "Lukas", "Lena", "Jonas", "Mia", "Joao", "Beatriz", "Ahmed", "Fatima", "Omar", "Layla",
          "Priya", "Arjun", "Aisha", "Kwame", "Chinedu", "Yuki", "Kenji", "Minji", "Jisoo",
          "Lucas", "Chloe", "Diego", "Valentina", "Tom", "Grace", "Sam", "Nora", "Ravi", "Zara",
          "Hugo", "Ines", "Karim", "Sara", "Ethan", "Ava", "Felix", "Elena", "Tariq", "Mei")
_LAST = ("Garcia", "Smith", "Mueller", "Dubois", "Silva", "Wang", "Zhang", "Ivanov", "Kumar",
         "Okafor", "Hassan", "Tanaka", "Kim", "Rossi", "Novak", "Lopez", "Brown", "Martin",
         "Santos", "Chen", "Petrov", "Singh", "Mensah", "Ali", "Sato", "Park", "Fischer",
         "Moreau", "Costa", "Liu", "Sokolov", "Patel", "Adeyemi", "Nasser", "Suzuki", "Lee",
         "Weber", "Bernard", "Pereira", "Huang", "Volkov", "Gupta", "Ndlovu", "Haddad", "Ito")
MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com",
                "proton.me", "gmx.de", "yandex.ru", "qq.com", "163.com", "orange.fr",
                "uol.com.br", "mail.ru", "web.de", "aol.com")
#: short-lived mailbox domains of the kind operators register accounts with
THROWAWAY_DOMAINS = ("mailtemp.one", "inboxly.click", "quickbox.top", "tmpmails.xyz",
                     "fastmail-drop.site", "burnbox.cc")


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def handle(rng: random.Random, name: str) -> str:
    first, last = name.split(" ", 1)
    style = rng.randrange(4)
    if style == 0:
        return f"{first.lower()}{last.lower()}{rng.randint(1, 999)}"
    if style == 1:
        return f"{first.lower()}_{last[:3].lower()}"
    if style == 2:
        return f"{first[0].lower()}{last.lower()}{rng.randint(70, 99)}"
    return f"the{first.lower()}{rng.choice(('', 'x', 'io', 'hq'))}{rng.randint(1, 99)}"


def email_for(rng: random.Random, name: str, domain: str) -> str:
    first, last = name.lower().split(" ", 1)
    sep = rng.choice((".", "_", "", "-"))
    return f"{first}{sep}{last}{rng.randint(0, 9999) if rng.random() < 0.6 else ''}@{domain}"


def throwaway_email(rng: random.Random, domain: str) -> str:
    return f"{''.join(rng.choice('abcdefghijkmnpqrstuvwxyz23456789') for _ in range(10))}@{domain}"


_COUNTRY_CODES = {"US": "+1", "CA": "+1", "MX": "+52", "CO": "+57", "BR": "+55", "AR": "+54",
                  "GB": "+44", "PT": "+351", "DE": "+49", "FR": "+33", "ES": "+34", "NG": "+234",
                  "MA": "+212", "EG": "+20", "ZA": "+27", "RU": "+7", "SA": "+966", "KE": "+254",
                  "IN": "+91", "ID": "+62", "VN": "+84", "CN": "+86", "SG": "+65", "TW": "+886",
                  "JP": "+81", "KR": "+82", "AU": "+61", "NZ": "+64", "KH": "+855", "KP": "+850"}


def phone(rng: random.Random, country: str) -> str:
    return f"{_COUNTRY_CODES.get(country, '+1')}{rng.randint(10**8, 10**9 - 1)}"


def lookalike_phone(rng: random.Random, base: str) -> str:
    """A number differing from ``base`` only in its last two digits."""
    return f"{base[:-2]}{rng.randint(0, 99):02d}"
