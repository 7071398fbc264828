"""Planted operation: a scam centre writing and translating chat scripts.

Modelled on public reports of task and investment scams whose operators used an
AI service to translate chat scripts into many languages and to draft friendly
openers and replies to doubtful targets, from a shared office address range in
the business hours of their country, with freshly made throwaway accounts.
"""

from __future__ import annotations

from opwatch.simulate.config import OperationConfig
from opwatch.simulate.operations.infra import Crew, make_crew
from opwatch.simulate.world import AI, World

#: the same short script line in several languages (the translation "responses")
_SCRIPTS: tuple[dict[str, str], ...] = (
    {"zh": "你好，我是做线上兼职的，每天只需要点赞几个视频就能赚一百到三百元。",
     "en": "Hi, I do online part-time work: just like a few videos a day and earn 100 to 300 dollars.",
     "es": "Hola, hago trabajo en línea: solo das like a unos videos al día y ganas de 100 a 300 dólares.",
     "pt": "Oi, faço trabalho online: é só curtir alguns vídeos por dia e ganhar de 100 a 300 dólares.",
     "fr": "Bonjour, je fais un travail en ligne : il suffit d'aimer quelques vidéos par jour pour gagner 100 à 300 dollars.",
     "ru": "Привет, у меня подработка онлайн: ставишь лайки нескольким видео в день и получаешь от 100 до 300 долларов.",
     "ar": "مرحبا، أعمل عبر الإنترنت: فقط أعجب ببعض الفيديوهات يوميا واربح من 100 إلى 300 دولار."},
    {"zh": "我叔叔在交易所工作，他有内部消息，这个币下周一定会涨。",
     "en": "My uncle works at the exchange and has inside information: this coin will rise next week for sure.",
     "es": "Mi tío trabaja en el exchange y tiene información interna: esta moneda subirá seguro la próxima semana.",
     "pt": "Meu tio trabalha na corretora e tem informação interna: essa moeda vai subir com certeza semana que vem.",
     "fr": "Mon oncle travaille à la plateforme et a des infos internes : cette crypto va monter la semaine prochaine.",
     "ru": "Мой дядя работает на бирже, у него инсайд: эта монета точно вырастет на следующей неделе.",
     "ar": "عمي يعمل في منصة التداول ولديه معلومات داخلية: هذه العملة سترتفع الأسبوع القادم بالتأكيد."},
    {"zh": "先充值一点点试试，第一单我带你做，保证不会亏。",
     "en": "Start with a small deposit to try it, I'll guide you through the first order, you won't lose.",
     "es": "Empieza con un depósito pequeño para probar, te guío en la primera orden, no vas a perder.",
     "pt": "Comece com um depósito pequeno para testar, eu te guio na primeira ordem, você não vai perder.",
     "fr": "Commence par un petit dépôt pour essayer, je te guide pour le premier ordre, tu ne perdras pas.",
     "ru": "Начни с небольшого депозита, первую сделку сделаем вместе, ты не потеряешь.",
     "ar": "ابدأ بإيداع صغير للتجربة، سأرشدك في الطلب الأول ولن تخسر."},
)
_LANG_NAMES_ZH = {"en": "英语", "es": "西班牙语", "pt": "葡萄牙语", "fr": "法语", "ru": "俄语", "ar": "阿拉伯语"}
_OBJECTIONS = ("is this a scam?", "I don't have money right now", "my bank blocked the transfer",
               "why do I need to pay a fee to withdraw?")


def _prompt(crew: Crew) -> tuple[str, str, str]:
    rng = crew.rng
    script = rng.choice(_SCRIPTS)
    target = rng.choice(tuple(_LANG_NAMES_ZH))
    kind = rng.choices(("translate", "opener", "objection"), weights=(6, 2, 2))[0]
    if kind == "translate":
        text = f"把下面的聊天话术翻译成{_LANG_NAMES_ZH[target]}，语气要亲切自然：{script['zh']}"
        return text, crew.reuse(script[target], target), "zh"
    if kind == "opener":
        text = (f"Write a warm first message to someone I just met on a {rng.choice(('dating app', 'language exchange app', 'messaging group'))}. "
                f"Casually mention I earn extra from {rng.choice(('crypto trading', 'gold trading', 'an online job'))}. "
                f"Make it sound natural in {rng.choice(('English', 'Spanish', 'German', 'French'))}.")
        return text, crew.reuse(script["en"], "en"), "en"
    text = (f"The person I'm chatting with says: \"{rng.choice(_OBJECTIONS)}\". "
            "Write a calm, friendly reply that keeps them talking.")
    return text, "I understand your worry, many friends felt the same at first. Let me show you my own results.", "en"


def build(world: World, name: str, cfg: OperationConfig) -> None:
    crew = make_crew(world, name, cfg, country="KH", langs=("zh", "en"))
    rng = crew.rng
    for acct in crew.accounts(AI, cfg.size):
        n = max(2, int(rng.gauss(cfg.activity, cfg.activity / 3)))
        left = n
        while left > 0:
            conv = world.new_conversation()
            t = crew.when()
            for _ in range(min(left, rng.randint(1, 5))):
                text, reply, lang = _prompt(crew)
                world.prompt(rng, acct, world.clock.clamp(t), text, reply, conv, lang)
                t += rng.uniform(30, 600)
                left -= 1
