"""What planted operations share: their accounts, infrastructure and tells.

Each operation turns on a subset of the generic tells named in
``OperationConfig.tells``; this module implements them once (batch creation,
throwaway mailboxes, VPN exits, a shared address range, shared devices and
payment cards, look-alike phone numbers, API clients, business-hours schedules,
jitter and paraphrased reuse) so the operation modules only write their story.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from opwatch.simulate import identity as idn
from opwatch.simulate.clock import DAY, HOUR, Zone
from opwatch.simulate.config import OperationConfig
from opwatch.simulate.paraphrase import paraphrase
from opwatch.simulate.world import SimAccount, World


@dataclass
class Crew:
    """The operator behind one operation: its config, generator and infrastructure."""

    name: str
    cfg: OperationConfig
    world: World
    rng: random.Random
    claimed_country: str
    langs: tuple[str, ...]
    ip_pool: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)
    mail_domains: tuple[str, ...] = ()
    phone_base: str = ""
    batch_start: float = 0.0

    @property
    def offset(self) -> float:
        return self.cfg.utc_offset

    # -- accounts ------------------------------------------------------------------------
    def accounts(self, source: str, n: int, followers: tuple[int, int] = (0, 80)) -> list[SimAccount]:
        """Make ``n`` held-back accounts of this operation on ``source``."""
        rng, cfg, world = self.rng, self.cfg, self.world
        zone = Zone(cfg.utc_offset, self.claimed_country, self.langs, 1.0)
        out = []
        t_batch = self.batch_start
        for _ in range(n):
            if cfg.has("batch_created"):
                t_batch += rng.uniform(20, 400)
                created = t_batch
            else:
                created = world.clock.start - rng.uniform(5, 400) * DAY
            domain = rng.choice(self.mail_domains)
            name = idn.person_name(rng)
            email = (idn.throwaway_email(rng, domain) if cfg.has("throwaway_email")
                     else idn.email_for(rng, name, domain))
            signup = self._address(rng)
            acct = world.new_account(
                rng, source, zone, created_at=created, email=email, name=name, signup_ip=signup,
                payment=rng.choice(self.payments) if self.payments else None,
                phone=idn.lookalike_phone(rng, self.phone_base)
                if cfg.has("lookalike_phones") else None,
                followers=rng.randint(*followers) if source == "social" else None,
                operation=self.name, hold=True,
                agent_kind="api" if cfg.has("api_client") else "browser",
            )
            acct.ips = [signup] + [self._address(rng) for _ in range(rng.randint(0, 2))]
            if self.devices:
                acct.devices = rng.sample(self.devices, k=min(len(self.devices), rng.randint(1, 2)))
            acct.rotate_ip = world.evasion.rotate_ip
            out.append(acct)
        return out

    def _address(self, rng: random.Random) -> str:
        pools: list[str] = []
        if self.cfg.has("shared_ip"):
            pools += self.ip_pool
        if self.cfg.has("vpn"):
            pools += self.world.vpn_exits
        return rng.choice(pools) if pools else idn.random_ip(rng)

    # -- time ------------------------------------------------------------------------------
    def when(self) -> float:
        """A moment this operator works: business hours, or a person's day in its zone."""
        if self.cfg.has("business_hours"):
            return self.world.clock.office(self.rng, self.offset)
        return self.world.clock.human(self.rng, self.offset, weekend_factor=0.5)

    def jitter(self, t: float) -> float:
        j = self.world.evasion.jitter_s
        return self.world.clock.clamp(t + (self.rng.uniform(-j, j) if j else 0.0))

    # -- text ----------------------------------------------------------------------------------
    def reuse(self, text: str, lang: str) -> str:
        """Text as reused by the operation: paraphrased with the evasion's probability."""
        ev = self.world.evasion
        if ev.paraphrase and self.rng.random() < ev.paraphrase:
            return paraphrase(text, self.rng, max(ev.paraphrase_strength, 0.1), lang)
        return text

    def same_day_later(self, t: float, lo_h: float = 0.5, hi_h: float = 7.0) -> float:
        """A moment later the same local day (generated-then-posted)."""
        local_midnight = ((t + self.offset * HOUR) // DAY + 1) * DAY - self.offset * HOUR
        later = t + self.rng.uniform(lo_h, hi_h) * HOUR
        if later >= local_midnight - 600:
            later = self.rng.uniform(t, max(t, local_midnight - 600))
        return self.world.clock.clamp(later)


def make_crew(world: World, name: str, cfg: OperationConfig, *, country: str,
              claimed_country: str | None = None, langs: tuple[str, ...] = ("en",)) -> Crew:
    """Set up the operator's infrastructure according to its tells."""
    rng = world.sub_rng(f"op:{name}")
    crew = Crew(name=name, cfg=cfg, world=world, rng=rng,
                claimed_country=claimed_country or country, langs=langs)
    crew.ip_pool = idn.subnet_ips(rng, 5) + [idn.random_ip(rng)]
    if cfg.has("shared_device"):
        crew.devices = [idn.device_id(rng) for _ in range(3)]
    if cfg.has("shared_payment"):
        crew.payments = [idn.payment_fingerprint(rng) for _ in range(2)]
    crew.mail_domains = (tuple(rng.sample(idn.THROWAWAY_DOMAINS, 2))
                         if cfg.has("throwaway_email") else idn.MAIL_DOMAINS)
    crew.phone_base = idn.phone(rng, country)
    crew.batch_start = world.clock.start - rng.uniform(1, 10) * DAY
    return crew
