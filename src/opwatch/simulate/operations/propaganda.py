"""Planted operation: Spanish articles and English comments, generated then posted.

Modelled on public reports of influence operations that used an AI service to
write long-form articles in one language and short comments in another, then
published them the same day through batches of fresh social accounts with few
followers.  Throwaway accounts on the AI service each hold one conversation.
Themes are about a fictional country so no real debate is modelled.
"""

from __future__ import annotations

from opwatch.simulate.config import OperationConfig
from opwatch.simulate.operations.infra import Crew, make_crew
from opwatch.simulate.world import AI, SOCIAL, SimAccount, World

_THEMES = (
    ("la concesión minera en Valdoria", "the Valdoria mining deal"),
    ("la ayuda exterior a Valdoria", "foreign aid to Valdoria"),
    ("el precio de la energía en Valdoria", "energy prices in Valdoria"),
    ("el referéndum de Valdoria", "the Valdoria referendum"),
    ("las bases extranjeras en Valdoria", "foreign bases in Valdoria"),
)
_CLAIMS = ("it only benefits foreign companies", "the opposition is lying to voters",
           "the media hides the real costs", "ordinary families will pay the price")
_ES_OPEN = ("Mientras el gobierno celebra {tema}, el pueblo paga las consecuencias.",
            "Nadie quiere hablar de {tema}, pero la verdad es cada vez más grave.",
            "Los datos sobre {tema} demuestran lo que muchos ya sospechaban.")
_ES_BODY = ("Expertos independientes advierten que los beneficios se quedan fuera del país.",
            "Las familias trabajadoras ya sienten la subida de los precios.",
            "Los grandes medios guardan silencio sobre este tema tan importante.",
            "Es importante que la ciudadanía conozca la verdad antes de decidir.",
            "Cada semana aparecen nuevos documentos que confirman la crisis.",
            "Los responsables prometieron transparencia, pero no han cumplido.")
_ES_CLOSE = ("Es hora de exigir respuestas.", "El pueblo merece saber la verdad.",
             "No podemos permitir que esto continúe.")
_EN_COMMENTS = ("This is exactly what people have been saying about {theme} for months.",
                "Finally someone tells the truth about {theme}.",
                "Why is nobody talking about {theme}? Really important.",
                "The government must answer for {theme}. People deserve better.",
                "Great article, shows how bad {theme} really is.",
                "I agree, {theme} is a disaster for ordinary people.",
                "Share this before it gets taken down. {theme} matters.",
                "Thanks for explaining {theme}, the big media never will.")
_SITE = "noticias-valdoria.info"
_FILLER = (("Buenos días a todos", "es"), ("Qué semana tan larga", "es"),
           ("Good morning everyone", "en"), ("Nice weather today", "en"))


def _article(crew: Crew, tema: str) -> str:
    rng = crew.rng
    body = rng.sample(_ES_BODY, 3)
    return " ".join([rng.choice(_ES_OPEN).format(tema=tema), *body, rng.choice(_ES_CLOSE)])


def _comments(crew: Crew, theme: str, k: int) -> list[str]:
    return [c.format(theme=theme) for c in crew.rng.sample(_EN_COMMENTS, k)]


def _post_article(world: World, crew: Crew, poster: SimAccount, t: float, article: str) -> None:
    rng = crew.rng
    slug = f"{rng.randint(10000, 99999)}"
    breakout = rng.random() < 0.05
    engagement = ((rng.randint(80, 900), rng.randint(20, 300), rng.randint(5, 60)) if breakout
                  else (rng.randint(0, 4), rng.randint(0, 2), rng.randint(0, 1)))
    world.post(rng, poster, t, crew.reuse(article, "es"), "es",
               urls=(f"https://{_SITE}/{slug}",), hashtags=("Valdoria",), engagement=engagement)


def build(world: World, name: str, cfg: OperationConfig) -> None:
    crew = make_crew(world, name, cfg, country="RU", claimed_country="MX", langs=("es", "en"))
    rng = crew.rng
    writers = crew.accounts(AI, cfg.size)
    posters = crew.accounts(SOCIAL, cfg.social_size, followers=(0, 60))
    # posters look a little alive: a few bland posts of their own
    for acct in posters:
        for _ in range(rng.randint(0, 3)):
            text, lang = rng.choice(_FILLER)
            world.post(rng, acct, crew.when(), text, lang, engagement=(rng.randint(0, 2), 0, 0))
    for acct in writers:
        conv = world.new_conversation()
        turns = cfg.activity if cfg.has("one_conversation") else cfg.activity * 2
        t = crew.when()
        for _ in range(max(2, int(rng.gauss(turns, 2)))):
            tema, theme = rng.choice(_THEMES)
            if not cfg.has("one_conversation") and rng.random() < 0.3:
                conv, t = world.new_conversation(), crew.when()
            if rng.random() < 0.5:
                prompt = (f"Write a {rng.choice((300, 400, 500))}-word article in Spanish for a "
                          f"Latin American news site about {theme}. Argue that "
                          f"{rng.choice(_CLAIMS)}. Sound like a local journalist.")
                article = _article(crew, tema)
                world.prompt(rng, acct, world.clock.clamp(t), prompt, article, conv, "en")
                if posters and cfg.has("generated_then_posted"):
                    _post_article(world, crew, rng.choice(posters), crew.same_day_later(t), article)
            else:
                k = rng.randint(4, 8)
                prompt = (f"Write {k} short comments in English from different ordinary people "
                          f"reacting to news about {theme}. Vary the style, no hashtags.")
                comments = _comments(crew, theme, k)
                response = "\n".join(f"{i + 1}. {c}" for i, c in enumerate(comments))
                world.prompt(rng, acct, world.clock.clamp(t), prompt, response, conv, "en")
                if posters and cfg.has("generated_then_posted"):
                    when = crew.same_day_later(t)
                    for c, poster in zip(comments, rng.sample(posters, min(k, len(posters))),
                                         strict=False):
                        tp = crew.jitter(when + rng.uniform(0, 1800))
                        target = world.target_before(rng, tp, anchors_only=True)
                        world.post(rng, poster, tp, crew.reuse(c, "en"), "en",
                                   kind="reply" if target else "post", reply_to=target,
                                   engagement=(rng.randint(0, 3), 0, 0))
            t += rng.uniform(120, 900)
