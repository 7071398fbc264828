"""Benign look-alike groups: coordinated-looking crowds that are not operations.

Each group shares one thing a naive detector keys on — a campus address and an
assignment done at the same time, a mobile carrier's few NAT addresses, a
popular VPN exit, a viral link shared by hundreds within hours, China business
hours, or a grassroots campaign's petition link and hashtag written in each
person's own words — while otherwise behaving like ordinary, long-lived people.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from opwatch.simulate import identity as idn
from opwatch.simulate.benign import ai_activity, heavy_tail, social_activity
from opwatch.simulate.clock import DAY, HOUR, Zone, pick_zone
from opwatch.simulate.text import fill
from opwatch.simulate.world import AI, SOCIAL, SimAccount, World

_ASSIGNMENT = ("Assignment {k} (CS 101): write a Python function that returns the n-th "
               "Fibonacci number using memoization, then explain its time complexity in "
               "two sentences.")
_STUDENT_PREFIX = ("", "", "help me with this:", "can you explain how to start this?",
                   "I don't get this one", "hw due tonight:", "what does memoization mean here?")


def _members(world: World, rng: random.Random, group: str, n: int, source: str | Callable[[], str],
             zone: Zone | Callable[[], Zone], **kw: object) -> list[SimAccount]:
    out = []
    for _ in range(n):
        src = source() if callable(source) else source
        z = zone() if callable(zone) else zone
        acct = world.new_account(rng, src, z, group=group, hold=True, **kw)  # type: ignore[arg-type]
        out.append(acct)
    return out


def _background(world: World, rng: random.Random, acct: SimAccount, when: Callable[[], float] | None = None) -> None:
    n = heavy_tail(rng, world.config.mean_events)
    if acct.source == AI:
        ai_activity(world, rng, acct, n, when=when)
    else:
        social_activity(world, rng, acct, n, when=when)


def university_class(world: World, rng: random.Random, n: int) -> None:
    zone = Zone(-5, "US", ("en",), 1.0)
    campus = idn.subnet_ips(rng, 3)
    members = []
    for _ in range(n):
        name = idn.person_name(rng)
        members.append(world.new_account(
            rng, AI, zone, name=name, email=idn.email_for(rng, name, "northfield.edu"),
            signup_ip=rng.choice(campus), created_at=world.clock.start - rng.uniform(20, 400) * DAY,
            group="university-class", hold=True))
    days = world.clock.office_days(zone.offset)
    lectures = [d + 1 * HOUR for d in days[1::2][:3]]  # a few lecture mornings, 10:00
    for acct in members:
        acct.ips = [campus[0], rng.choice(campus)] + acct.ips[1:]
        _background(world, rng, acct)
        for k, t0 in enumerate(lectures, start=3):
            if rng.random() < 0.15:
                continue  # skipped class
            conv = world.new_conversation()
            t = t0 + rng.uniform(2, 50) * 60
            text = " ".join(p for p in (rng.choice(_STUDENT_PREFIX), _ASSIGNMENT.format(k=k)) if p)
            acct_ips, acct.ips = acct.ips, [campus[0]]
            world.prompt(rng, acct, t, text, "Here's a memoized version using a dictionary; "
                         "each value is computed once, so it runs in linear time.", conv, "en")
            acct.ips = acct_ips


def carrier_nat(world: World, rng: random.Random, n: int) -> None:
    zone = Zone(-3, "BR", ("pt",), 1.0)
    pool = idn.subnet_ips(rng, 5) + idn.subnet_ips(rng, 4)
    members = _members(world, rng, "carrier-nat", n, lambda: rng.choice((AI, SOCIAL)), zone,
                       agent_kind="mobile", signup_ip=rng.choice(pool))
    for acct in members:
        acct.ips = rng.sample(pool, 3)
        _background(world, rng, acct)


def vpn_exit(world: World, rng: random.Random, n: int) -> None:
    members = _members(world, rng, "vpn-exit", n, lambda: rng.choice((AI, SOCIAL)),
                       lambda: pick_zone(rng))
    for acct in members:
        acct.ips = rng.sample(world.vpn_exits, 2) + acct.ips[:1]
        _background(world, rng, acct)


_VIRAL_REACTIONS = ("wow, {adj2}", "everyone needs to see this", "this made my day", "ok this is {adj2}",
                    "can't stop watching this", "sending this to my {relative}", "{adj2}!!",
                    "not me crying at this", "the ending though", "how is this real")


def viral_link(world: World, rng: random.Random, n: int) -> None:
    origin_zone = Zone(0, "GB", ("en",), 1.0)
    origin = world.new_account(rng, SOCIAL, origin_zone, followers=1_800_000, name="Daily Wonder")
    viral = []
    for i in range(3):
        t = world.clock.start + (2 + 4 * i) * DAY + rng.uniform(8, 20) * HOUR
        url = f"https://vid.example-video.com/watch?v={rng.getrandbits(40):010x}"
        post = world.post(rng, origin, t, f"You have to watch this to the end {('🐶', '🎻', '🌋')[i]}",
                          "en", urls=(url,), engagement=(rng.randint(50_000, 400_000),
                                                         rng.randint(10_000, 90_000), rng.randint(2000, 9000)))
        viral.append(post)
        world.anchors.append(post)
    world.viral.extend(viral)
    members = _members(world, rng, "viral-link", n, SOCIAL, lambda: pick_zone(rng))
    for acct in members:
        _background(world, rng, acct)
        for post in rng.sample(viral, rng.choice((1, 1, 2))):
            t = world.clock.clamp(post.t + rng.expovariate(1 / (5 * HOUR)) + 60)
            if rng.random() < 0.5:
                world.post(rng, acct, t, post.text, "en", kind="repost", repost_of=post, urls=post.urls)
            else:
                lang = acct.lang if acct.lang in ("en",) else "en"
                text = fill(rng.choice(_VIRAL_REACTIONS), lang, rng)
                world.post(rng, acct, t, text, lang, urls=post.urls)


def china_hours(world: World, rng: random.Random, n: int) -> None:
    zones = (Zone(8, "CN", ("zh", "en"), 1), Zone(8, "TW", ("zh",), 1), Zone(8, "SG", ("en", "zh"), 1))
    members = _members(world, rng, "china-hours", n, AI, lambda: rng.choice(zones))
    for acct in members:
        n_events = heavy_tail(rng, world.config.mean_events * 1.5)
        offset = acct.offset

        def office(offset: float = offset) -> float:
            return world.clock.office(rng, offset)

        ai_activity(world, rng, acct, n_events, topics=("code", "translate", "email", "study"),
                    when=office)


_PETITION = "https://petitions.example.org/p/save-riverside-park"
_PETITION_TAG = "SaveRiversidePark"
_PET_OPEN = ("Just signed:", "Signed it.", "Done, signed!", "I signed the petition today.",
             "Added my name.", "My whole family signed.", "Signed on the bus this morning.")
_PET_WHY = ("My kids learned to ride bikes in that park.", "We walk the dog there every day.",
            "It's the only green space left in our part of town.",
            "I proposed to my wife under those trees.", "The herons nest there every spring.",
            "Our running club meets there on Sundays.", "Parking lots won't make us happier.",
            "The council never asked residents.", "My grandmother planted one of those oaks.",
            "Where will the kids play after school?")
_PET_CALL = ("Please sign and share.", "Takes one minute.", "Neighbours, add your names!",
             "Meeting at the town hall on Thursday.", "", "", "We're close to 10k.")


def grassroots(world: World, rng: random.Random, n: int) -> None:
    zone = Zone(0, "GB", ("en",), 1.0)
    members = _members(world, rng, "grassroots", n, SOCIAL, zone)
    start = world.clock.start + 5 * DAY
    for acct in members:
        acct.followers = max(acct.followers, rng.randint(30, 900))
        _background(world, rng, acct)
        for _ in range(rng.choice((1, 1, 2, 3))):
            t = world.clock.clamp(start + rng.expovariate(1 / (1.5 * DAY)))
            # people post in their own waking hours, not at an instant
            t = world.clock.clamp(t - (t % DAY) + (world.clock.human(rng, acct.offset) % DAY))
            parts = [rng.choice(_PET_OPEN), rng.choice(_PET_WHY), rng.choice(_PET_CALL)]
            if rng.random() < 0.3:
                parts[1], parts[2] = parts[2], parts[1]
            text = " ".join(p for p in parts if p)
            world.post(rng, acct, t, text, "en", urls=(_PETITION,) if rng.random() < 0.85 else (),
                       hashtags=(_PETITION_TAG,) if rng.random() < 0.8 else ())


GROUP_BUILDERS: dict[str, Callable[[World, random.Random, int], None]] = {
    "university-class": university_class,
    "carrier-nat": carrier_nat,
    "vpn-exit": vpn_exit,
    "viral-link": viral_link,
    "china-hours": china_hours,
    "grassroots": grassroots,
}
