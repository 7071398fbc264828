"""The benign background: ordinary AI-service users and social-platform users.

People live in a realistic mix of time zones, write in their own languages,
act in their local waking hours and vary widely in volume (heavy-tailed: most
do a little, a few a lot).  A few popular accounts (outlets, public figures)
write the posts that everyone replies to and reposts.  Benign people also ask
alarming-sounding but harmless questions, get code help, translate, and polish
their own résumé — the everyday traffic that look-alike rules must not flag.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from opwatch.simulate import identity as idn
from opwatch.simulate.clock import Zone, pick_zone
from opwatch.simulate.text import LANGS, benign_post, benign_prompt
from opwatch.simulate.world import AI, SOCIAL, SimAccount, World

_NEWS_DOMAINS = ("dailyledger.news", "metro-tribune.com", "lanacion-hoy.com", "worldwire.org",
                 "techbeat.io", "sportscentral.tv", "elpais-diario.es", "berliner-blatt.de",
                 "lemonde-matin.fr", "folha-do-dia.br", "novosti-24.ru", "xinwen-daily.cn")
_SECTIONS = ("world", "sport", "tech", "culture", "science", "local", "economy", "travel")


def heavy_tail(rng: random.Random, mean: float, cap: int = 400) -> int:
    """A count with the given mean from a Pareto law (alpha 1.6), at least 1."""
    xm = mean * 0.6 / 1.6
    return max(1, min(cap, int(rng.paretovariate(1.6) * xm + 0.5)))


def article_url(rng: random.Random) -> str:
    slug = "-".join(rng.choice(("new", "report", "city", "plan", "study", "record", "why",
                                "how", "season", "market", "festival", "rules", "data"))
                    for _ in range(3))
    return f"https://{rng.choice(_NEWS_DOMAINS)}/{rng.choice(_SECTIONS)}/{slug}-{rng.randint(1000, 99999)}"


def person_langs(rng: random.Random, zone: Zone) -> tuple[str, ...]:
    """A person's languages: their zone's, sometimes English or a migrant language too."""
    langs = list(zone.langs)
    if rng.random() < 0.08:
        langs.insert(0, rng.choice(LANGS))
    if "en" not in langs and rng.random() < 0.25:
        langs.append("en")
    return tuple(dict.fromkeys(langs))


def ai_activity(world: World, rng: random.Random, acct: SimAccount, n_events: int,
                topics: tuple[str, ...] | None = None, when: Callable[[], float] | None = None) -> None:
    """Write ``n_events`` prompts of ``acct`` as conversations of 1-5 turns."""
    left = n_events
    while left > 0:
        turns = min(left, 1 + int(rng.expovariate(0.8)))
        t = when() if when else world.clock.human(rng, acct.offset)
        lang = rng.choice(acct.langs) if rng.random() < 0.3 else acct.lang
        topic = rng.choice(topics) if topics else None
        conv = world.new_conversation()
        for _ in range(turns):
            text, response, topic = benign_prompt(rng, lang, topic)
            world.prompt(rng, acct, world.clock.clamp(t), text, response, conv, lang)
            t += rng.uniform(30, 900)
        left -= turns


def social_activity(world: World, rng: random.Random, acct: SimAccount, n_events: int,
                    when: Callable[[], float] | None = None) -> None:
    """Write ``n_events`` posts, replies and reposts of ``acct``."""
    for _ in range(n_events):
        t = when() if when else world.clock.human(rng, acct.offset, weekend_factor=1.0)
        lang = rng.choice(acct.langs) if rng.random() < 0.2 else acct.lang
        r = rng.random()
        if r < 0.2:
            target = world.target_before(rng, t)
            if target is not None:
                world.post(rng, acct, t, target.text, target.lang, kind="repost",
                           repost_of=target, urls=target.urls, hashtags=target.hashtags)
                continue
        if r < 0.45:
            target = world.target_before(rng, t)
            if target is not None:
                text, tags = benign_post(rng, lang)
                world.post(rng, acct, t, text, lang, kind="reply", reply_to=target,
                           hashtags=tags, mentions=(target.account_id,))
                continue
        text, tags = benign_post(rng, lang)
        urls: tuple[str, ...] = ()
        if rng.random() < 0.15:
            urls = (article_url(rng),)
        post = world.post(rng, acct, t, text, lang, urls=urls, hashtags=tags)
        if rng.random() < 0.2:
            world.remember(rng, post)


def make_anchors(world: World, n: int) -> list[SimAccount]:
    """Popular accounts (outlets, public figures) whose posts others react to."""
    rng = world.sub_rng("anchors")
    out = []
    for i in range(n):
        zone = pick_zone(rng)
        acct = world.new_account(rng, SOCIAL, zone, followers=int(rng.uniform(2e4, 3e6)),
                                 name=f"{rng.choice(('Daily', 'Metro', 'World', 'City'))} "
                                      f"{rng.choice(('News', 'Wire', 'Voice', 'Post'))}"
                                 if i % 3 == 0 else None)
        for _ in range(rng.randint(15, 50)):
            t = world.clock.human(rng, acct.offset)
            text, tags = benign_post(rng, acct.lang)
            urls = (article_url(rng),) if i % 3 == 0 else ()
            post = world.post(rng, acct, t, text, acct.lang, urls=urls, hashtags=tags)
            world.anchors.append(post)
        out.append(acct)
    world.anchors.sort(key=lambda p: p.t)
    return out


def benign_account(world: World, rng: random.Random) -> None:
    """One ordinary account and all its activity, written straight away."""
    zone = pick_zone(rng)
    source = AI if rng.random() < world.config.ai_share else SOCIAL
    mobile = rng.random() < 0.35
    acct = world.new_account(rng, source, zone, agent_kind="mobile" if mobile else "browser")
    acct.langs = person_langs(rng, zone)
    if source == AI and rng.random() < 0.05:
        acct.agents.append(idn.user_agent(rng, "api"))  # developers call the API too
    n = heavy_tail(rng, world.config.mean_events)
    if source == AI:
        ai_activity(world, rng, acct, n)
    else:
        social_activity(world, rng, acct, n)


def make_population(world: World, n: int, progress: Callable[[int], None] | None = None) -> None:
    """Stream ``n`` benign accounts, releasing held-back accounts evenly among them."""
    rng = world.sub_rng("population")
    for i in range(n):
        benign_account(world, rng)
        world.writer.release_some(rng, n - i)
        if progress and (i + 1) % 500 == 0:
            progress(500)
    if progress:
        progress(n % 500)

