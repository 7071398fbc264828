"""Planted operation: a deceptive-employment scheme run through many personas.

Modelled on public reports of schemes where a few operators use an AI service
to produce résumés, cover letters and interview answers for many invented
job-seekers, reach the service through VPNs, and share devices and payment
cards across accounts.  One account speaks for several personas — unlike
people who polish their own résumé.
"""

from __future__ import annotations

from opwatch.simulate import identity as idn
from opwatch.simulate.config import OperationConfig
from opwatch.simulate.operations.infra import Crew, make_crew
from opwatch.simulate.world import AI, World

_ROLES = ("senior full-stack developer", "DevOps engineer", "iOS developer",
          "blockchain engineer", "backend engineer (Node.js)", "data engineer",
          "React developer", "Android developer")
_STACK = ("React, Node.js, AWS", "Kubernetes, Terraform, GCP", "Swift, SwiftUI, Firebase",
          "Solidity, Rust, Go", "Python, Airflow, Snowflake", "Kotlin, Jetpack Compose")
_COMPANIES = ("a US fintech startup", "a healthcare SaaS company", "a remote-first agency",
              "a crypto exchange", "a logistics platform", "an e-commerce company")
_CITIES = ("Austin, TX", "Denver, CO", "Seattle, WA", "Atlanta, GA", "Phoenix, AZ",
           "Raleigh, NC", "Columbus, OH")
_QUESTIONS = ("Tell me about a time you handled a production outage.",
              "Why do you want to work remotely for us?",
              "Walk me through a system you designed from scratch.",
              "How do you handle disagreements with your manager?",
              "Can you turn on your camera for the interview?")
_TASKS = ("Write a one-page resume.", "Write a cover letter for {company}.",
          "Answer this interview question in first person: \"{question}\"",
          "Rewrite the LinkedIn summary to sound like a US native speaker.",
          "Reply to the recruiter and propose two times for a call.")


def _persona(crew: Crew) -> dict[str, str]:
    rng = crew.rng
    return {"name": idn.person_name(rng), "role": rng.choice(_ROLES), "stack": rng.choice(_STACK),
            "years": str(rng.randint(5, 12)), "city": rng.choice(_CITIES)}


def _prompt(crew: Crew, p: dict[str, str]) -> tuple[str, str]:
    rng = crew.rng
    task = rng.choice(_TASKS).format(company=rng.choice(_COMPANIES),
                                     question=rng.choice(_QUESTIONS))
    if crew.cfg.has("prompt_scaffold"):
        text = (f"Persona: {p['name']} | Role: {p['role']} | Years: {p['years']} | "
                f"Stack: {p['stack']} | Location: {p['city']}, USA\nTask: {task}")
    else:
        text = rng.choice((
            f"{task} The candidate is {p['name']}, a {p['role']} from {p['city']} with "
            f"{p['years']} years in {p['stack']}.",
            f"I need help for {p['name']} ({p['role']}, {p['stack']}). {task}",
        ))
    reply = rng.choice((
        f"{p['name']} — {p['role']}. {p['years']} years building products with {p['stack']}; "
        "led migrations, mentored engineers and improved reliability.",
        f"Dear Hiring Manager, I am excited to apply. As a {p['role']} with {p['years']} years "
        "of experience, I have delivered reliable systems for distributed teams.",
        "In my last role our payment service went down during a release; I rolled back, "
        "wrote the postmortem and added canary deploys.",
    ))
    return text, reply


def build(world: World, name: str, cfg: OperationConfig) -> None:
    crew = make_crew(world, name, cfg, country="KP", claimed_country="US", langs=("en",))
    rng = crew.rng
    for acct in crew.accounts(AI, cfg.size):
        personas = [_persona(crew) for _ in range(rng.randint(3, 8))]
        n = max(3, int(rng.gauss(cfg.activity, cfg.activity / 3)))
        left = n
        while left > 0:
            conv = world.new_conversation()
            persona = rng.choice(personas)
            t = crew.when()
            for _ in range(min(left, rng.randint(1, 3))):
                text, reply = _prompt(crew, persona)
                world.prompt(rng, acct, world.clock.clamp(t), text, reply, conv, "en")
                t += rng.uniform(60, 900)
                left -= 1
