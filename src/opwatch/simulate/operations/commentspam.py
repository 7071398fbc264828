"""Planted operation: automated comment spam that posts model refusals verbatim.

Modelled on public reports of bot networks (such as the one found by posts
containing "as an AI language model") that call a model through its API on a
fixed schedule, get a batch of comments back, and post the batch from many
freshly made accounts within minutes — refusals and all.  The subject is a
fictional candidate and token so no real debate is modelled.
"""

from __future__ import annotations

from opwatch.simulate.clock import HOUR
from opwatch.simulate.config import OperationConfig
from opwatch.simulate.operations.infra import Crew, make_crew
from opwatch.simulate.world import AI, SOCIAL, World

_SUBJECTS = (("Mayor Ortega", "LennForward"), ("the ZENT token", "ZENTtoMoon"),
             ("Port Lenn's new stadium plan", "LennForward"))
_COMMENTS = (
    "{s} is the only one who actually delivers. Proud to support!",
    "Can't wait to see what {s} does next, absolutely the right choice.",
    "Everyone I know is behind {s}. Let's go!",
    "Finally real leadership. {s} gets it.",
    "Best decision this year: backing {s}.",
    "Who else thinks {s} is changing everything?",
    "So much negativity online but {s} keeps winning. Love it.",
    "If you haven't looked into {s} yet, do it today.",
    "{s} is proof that hard work pays off.",
    "Amazing news about {s} today!!",
    "Let the haters talk, {s} is the future.",
    "Just read about {s}, impressive stuff.",
)
_REFUSALS = (
    "As an AI language model, I cannot create content that promotes {s} in a misleading way.",
    "As an AI language model, I don't have personal opinions about {s}.",
    "I'm sorry, but I can't write fake supportive comments about {s}.",
    "As an AI language model, I am unable to generate engagement content for {s}.",
)


def _batch(crew: Crew, subject: str, k: int) -> list[str]:
    rng = crew.rng
    out = []
    for _ in range(k):
        if crew.cfg.has("refusals") and rng.random() < 0.12:
            out.append(rng.choice(_REFUSALS).format(s=subject))
        else:
            out.append(rng.choice(_COMMENTS).format(s=subject))
    return out


def build(world: World, name: str, cfg: OperationConfig) -> None:
    crew = make_crew(world, name, cfg, country="US", langs=("en",))
    rng = crew.rng
    drivers = crew.accounts(AI, cfg.size)
    bots = crew.accounts(SOCIAL, cfg.social_size, followers=(0, 25))
    if not bots:
        return
    every_h = 6.0 if cfg.has("bursts") else 1.5
    times = world.clock.bursts(rng, every_h, world.evasion.jitter_s)
    per_burst = max(1, len(bots) * 3 // 5) if cfg.has("bursts") else max(1, len(bots) // 8)
    for t0 in times:
        subject, tag = rng.choice(_SUBJECTS)
        k = min(len(bots), max(1, int(rng.gauss(per_burst, per_burst / 6))))
        comments = _batch(crew, subject, k)
        if drivers:
            driver = rng.choice(drivers)
            prompt = (f"Generate {k} short enthusiastic social media comments supporting "
                      f"{subject}. Each under 25 words, casual tone, different wording.")
            response = "\n".join(f"{i + 1}. {c}" for i, c in enumerate(comments))
            # made minutes before posting, or stockpiled days ahead without that tell
            lead = (rng.uniform(60, 600) if cfg.has("generated_then_posted")
                    else rng.uniform(1.5, 3.0) * 86400)
            world.prompt(rng, driver, world.clock.clamp(t0 - lead), prompt,
                         response, world.new_conversation(), "en")
        posted_by = rng.sample(bots, k)
        for comment, bot in zip(comments, posted_by, strict=True):
            if comment.startswith(("As an AI", "I'm sorry")) \
                    and rng.random() < world.evasion.scrub_refusals:
                continue  # the operator caught this one before posting
            spread = 600.0 if cfg.has("bursts") else every_h * HOUR
            tp = crew.jitter(t0 + rng.uniform(0, spread))
            target = world.target_before(rng, tp, anchors_only=True)
            text = comment if comment.startswith(("As an AI", "I'm sorry")) \
                else crew.reuse(comment, "en")
            tags = (tag,) if rng.random() < 0.7 else ()
            world.post(rng, bot, tp, text, "en", kind="reply" if target else "post",
                       reply_to=target, hashtags=tags,
                       engagement=(rng.randint(0, 2), 0, 0))
