"""The world under construction: accounts, events, shared pools and the writer.

``World`` is what every builder (benign population, look-alike groups, planted
operations) receives.  It makes account and event records in the canonical
schema, picks the address/device/agent an account uses for each event, and
keeps the few shared pools builders draw on (popular posts to reply to, the
VPN exits, a carrier's NAT addresses).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from opwatch.simulate import identity as idn
from opwatch.simulate.clock import DAY, Clock, Zone, iso
from opwatch.simulate.config import Evasion, WorldConfig
from opwatch.simulate.writer import WorldWriter

AI = "ai-service"
SOCIAL = "social"
MODELS = ("gpt-4o-mini", "gpt-4o", "o3-mini", "gpt-4.1")
#: offsets the services' logs are written in (per log shard; unrelated to where people are,
#: so the written offset never leaks an account's true time zone)
_LOG_OFFSETS = {AI: (0.0, 0.0, -8.0, 1.0), SOCIAL: (0.0, 0.0, 1.0, -5.0, 5.5)}
#: account-id prefixes per source
_PREFIX = {AI: "u_", SOCIAL: "s_"}


@dataclass
class SimAccount:
    """An account while it is being simulated (not written as such)."""

    account_id: str
    source: str
    offset: float  # true UTC offset (hours)
    country: str
    langs: tuple[str, ...]
    name: str
    created_at: float
    write_offset: float  # offset its timestamps are written in (a log convention)
    ips: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    rotate_ip: float = 0.0  # share of events from a fresh address
    model: str = "gpt-4o-mini"
    followers: int = 0
    conversations: int = 0

    @property
    def lang(self) -> str:
        return self.langs[0]


@dataclass
class Post:
    """A social post others can reply to or repost (kept in bounded pools)."""

    event_id: str
    account_id: str
    t: float
    text: str
    lang: str
    urls: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()


class World:
    """Shared state of one simulation run."""

    def __init__(self, config: WorldConfig, seed: int, clock: Clock, writer: WorldWriter) -> None:
        self.config = config
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = clock
        self.writer = writer
        self.evasion: Evasion = config.resolved_evasion()
        self._account_ids = {s: idn.IdMaker(self.rng, p) for s, p in _PREFIX.items()}
        self._event_ids = {AI: idn.IdMaker(self.rng, "ai-"), SOCIAL: idn.IdMaker(self.rng, "po-")}
        self._conv_ids = idn.IdMaker(self.rng, "c_")
        self.anchors: list[Post] = []  # popular posts, kept for the whole run
        self.recent: list[Post] = []  # bounded reservoir of ordinary posts
        self.viral: list[Post] = []
        self.vpn_exits = [idn.random_ip(self.rng) for _ in range(6)]
        self.vpn_exits += idn.subnet_ips(self.rng, 6)

    # -- ids ---------------------------------------------------------------------------
    def new_conversation(self) -> str:
        return self._conv_ids()

    def sub_rng(self, name: str) -> random.Random:
        """An independent generator for one builder, stable for a given seed."""
        return random.Random(f"{self.seed}:{name}")

    # -- accounts ---------------------------------------------------------------------------
    def new_account(
        self,
        rng: random.Random,
        source: str,
        zone: Zone,
        *,
        created_at: float | None = None,
        email: str | None = None,
        name: str | None = None,
        signup_ip: str | None = None,
        payment: str | None = None,
        phone: str | None = None,
        followers: int | None = None,
        attributes: dict[str, Any] | None = None,
        operation: str | None = None,
        group: str | None = None,
        hold: bool = False,
        agent_kind: str = "browser",
    ) -> SimAccount:
        """Make, record and return an account; ``hold`` defers writing it (operations, groups)."""
        name = name or idn.person_name(rng)
        if created_at is None:
            # most accounts are months or years old; some are new, as people keep joining
            age_days = (rng.uniform(0.5, 45) if rng.random() < 0.12
                        else min(rng.paretovariate(0.9) * 40, 4000))
            created_at = self.clock.start - age_days * DAY
        acct = SimAccount(
            account_id=self._account_ids[source](),
            source=source,
            offset=zone.offset,
            country=zone.country,
            langs=zone.langs,
            name=name,
            created_at=created_at,
            write_offset=rng.choice(_LOG_OFFSETS[source]),
        )
        acct.ips = [signup_ip or idn.random_ip(rng)] + [
            idn.random_ip(rng) for _ in range(rng.choice((0, 0, 1, 1, 2)))
        ]
        acct.devices = [idn.device_id(rng) for _ in range(rng.choice((1, 1, 1, 2)))]
        acct.agents = [idn.user_agent(rng, agent_kind)]
        if rng.random() < 0.3:
            acct.agents.append(idn.user_agent(rng, "mobile"))
        acct.model = rng.choice(MODELS)
        if followers is None:
            followers = int(min(rng.paretovariate(1.1) * 20, 2_000_000)) if source == SOCIAL else 0
        acct.followers = followers
        domain = email.split("@", 1)[1] if email else rng.choice(idn.MAIL_DOMAINS)
        email = email or idn.email_for(rng, name, domain)
        record = {
            "account_id": acct.account_id,
            "source": source,
            "created_at": iso(created_at, 0.0),
            "email": email,
            "email_domain": domain,
            "phone": phone if phone is not None else (
                idn.phone(rng, zone.country) if rng.random() < 0.7 else None),
            "payment_fingerprint": (payment or (idn.payment_fingerprint(rng)
                                                if rng.random() < 0.35 else None))
            if source == AI else None,
            "signup_ip": acct.ips[0],
            "country": zone.country,
            "display_name": name if source == AI else idn.handle(rng, name),
            "followers": followers if source == SOCIAL else None,
            "attributes": attributes if attributes is not None else (
                {"plan": rng.choice(("free", "free", "free", "plus", "team"))} if source == AI
                else {"verified": followers > 50_000, "bio": rng.random() < 0.7}),
        }
        truth = {"account_id": acct.account_id, "source": source, "operation": operation,
                 "group": group, "utc_offset": zone.offset}
        if hold:
            self.writer.hold(record, truth)
        else:
            self.writer.account(record, truth)
        return acct

    # -- events -------------------------------------------------------------------------------
    def _infra(self, rng: random.Random, acct: SimAccount) -> tuple[str, str, str]:
        if acct.rotate_ip and rng.random() < acct.rotate_ip:
            ip = idn.random_ip(rng)
        else:
            ip = rng.choice(acct.ips)
        return ip, rng.choice(acct.agents), rng.choice(acct.devices)

    def prompt(
        self,
        rng: random.Random,
        acct: SimAccount,
        t: float,
        text: str,
        response: str,
        conversation_id: str,
        lang: str,
        attributes: dict[str, Any] | None = None,
    ) -> str:
        """Write one AI-service prompt/completion event and return its id."""
        ip, ua, dev = self._infra(rng, acct)
        eid = self._event_ids[AI]()
        self.writer.event({
            "event_id": eid, "source": AI, "account_id": acct.account_id,
            "timestamp": iso(t, acct.write_offset), "kind": "prompt", "text": text,
            "response": response, "conversation_id": conversation_id, "reply_to": None,
            "repost_of": None, "urls": [], "hashtags": [], "mentions": [], "ip": ip,
            "user_agent": ua, "device_id": dev, "model": acct.model, "lang": lang,
            "attributes": attributes or {},
        })
        return eid

    def post(
        self,
        rng: random.Random,
        acct: SimAccount,
        t: float,
        text: str,
        lang: str,
        *,
        kind: str = "post",
        reply_to: Post | None = None,
        repost_of: Post | None = None,
        urls: tuple[str, ...] = (),
        hashtags: tuple[str, ...] = (),
        mentions: tuple[str, ...] = (),
        engagement: tuple[int, int, int] | None = None,
    ) -> Post:
        """Write one social event (post, reply or repost) and return it as a Post."""
        ip, ua, dev = self._infra(rng, acct)
        eid = self._event_ids[SOCIAL]()
        if engagement is None:
            reach = max(acct.followers, 1)
            likes = int(rng.paretovariate(1.3) * reach ** 0.5 * 0.3) - 1
            engagement = (max(likes, 0), max(int(likes * rng.uniform(0, 0.3)), 0),
                          max(int(likes * rng.uniform(0, 0.15)), 0))
        self.writer.event({
            "event_id": eid, "source": SOCIAL, "account_id": acct.account_id,
            "timestamp": iso(t, acct.write_offset), "kind": kind, "text": text,
            "response": None, "conversation_id": None,
            "reply_to": reply_to.event_id if reply_to else None,
            "repost_of": repost_of.event_id if repost_of else None,
            "urls": list(urls), "hashtags": list(hashtags), "mentions": list(mentions),
            "ip": ip, "user_agent": ua, "device_id": dev, "model": None, "lang": lang,
            "attributes": {"engagement": {"likes": engagement[0], "shares": engagement[1],
                                          "replies": engagement[2]}},
        })
        return Post(eid, acct.account_id, t, text, lang, urls, hashtags)

    # -- pools of posts --------------------------------------------------------------------------
    def remember(self, rng: random.Random, post: Post, cap: int = 3000) -> None:
        """Keep ``post`` in the bounded reservoir of ordinary posts."""
        if len(self.recent) < cap:
            self.recent.append(post)
        else:
            self.recent[rng.randrange(cap)] = post

    def target_before(self, rng: random.Random, t: float, anchors_only: bool = False) -> Post | None:
        """A post made before ``t`` to reply to or repost (popular posts preferred)."""
        for _ in range(8):
            pool = self.anchors if anchors_only or not self.recent or rng.random() < 0.6 \
                else self.recent
            if not pool:
                return None
            p = rng.choice(pool)
            if p.t < t - 60:
                return p
        return None
