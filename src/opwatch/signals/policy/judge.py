"""The optional model judge: any OpenAI-compatible chat endpoint, given our policy text.

The judge reads the taxonomy's policy texts (definitions, examples,
counter-examples) as its system prompt and one event's text as the user
message, and must answer with JSON ``{"category", "confidence", "rationale"}``
- the bring-your-own-policy pattern of safety models such as gpt-oss-safeguard.
It works with vLLM, Ollama, llama.cpp's server or a hosted API.

Failures never lose events: each text gets a :class:`JudgeVerdict`, with
``error`` set when the endpoint timed out, refused, rate-limited past the retry
budget or replied with something unparseable; the offline layers' result
stands for that text. 429 replies honour ``Retry-After`` (capped); 5xx,
timeouts and malformed replies are retried with exponential backoff; after
``breaker`` texts in a row fail, the rest of the batch is skipped rather than
stalling the run.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from opwatch.signals.policy.combine import JudgeVerdict
from opwatch.signals.policy.taxonomy import Taxonomy

_JSON_OBJECT = re.compile(r"\{.*\}", re.S)


class JudgeReplyError(ValueError):
    """The endpoint answered, but not with a usable verdict."""


def endpoint_url(url: str) -> str:
    """Accept a base URL, a ``/v1`` URL or the full chat-completions URL."""
    u = url.rstrip("/")
    if u.endswith("/chat/completions"):
        return u
    if u.endswith("/v1"):
        return u + "/chat/completions"
    return u + "/v1/chat/completions"


class JudgeClient:
    """A chat-completions client that judges texts against the taxonomy."""

    def __init__(
        self,
        url: str,
        model: str,
        taxonomy: Taxonomy,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 30.0,
        workers: int = 4,
        breaker: int = 20,
        max_chars: int = 4000,
    ) -> None:
        self.url = endpoint_url(url)
        self.model = model
        self.taxonomy = taxonomy
        self.api_key = api_key if api_key is not None else os.environ.get("OPWATCH_JUDGE_API_KEY")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.workers = workers
        self.breaker = breaker
        self.max_chars = max_chars
        self._fails = 0
        self._lock = threading.Lock()
        self.system_prompt = self._system_prompt()

    def _system_prompt(self) -> str:
        ids = ", ".join(self.taxonomy.ids)
        return (
            "You are a trust-and-safety classifier. Classify the user's request to an AI "
            "service against this usage policy. Judge what the requester is trying to do, "
            "not which words appear: requests about one's own systems, defence, education "
            "and fiction are benign unless they ask for operational harm.\n\n"
            f"{self.taxonomy.policy_text()}\n\n"
            "Answer with one JSON object and nothing else: "
            f'{{"category": one of [{ids}], "confidence": a number from 0 to 1, '
            '"rationale": one short sentence}.'
        )

    def _body(self, text: str) -> bytes:
        return json.dumps(
            {
                "model": self.model,
                "temperature": 0,
                "max_tokens": 300,
                "messages": [
                    {"role": "system", "content": self.system_prompt},
                    {"role": "user", "content": "Request to classify:\n<<<\n" + text[: self.max_chars] + "\n>>>"},
                ],
            }
        ).encode("utf-8")

    def parse(self, payload: Any) -> JudgeVerdict:
        """Turn a chat-completions response body into a verdict, or raise JudgeReplyError."""
        try:
            content = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise JudgeReplyError("reply has no choices[0].message.content") from exc
        if not isinstance(content, str):
            raise JudgeReplyError("message content is not text")
        m = _JSON_OBJECT.search(content)
        if m is None:
            raise JudgeReplyError(f"no JSON object in reply: {content[:80]!r}")
        try:
            obj = json.loads(m.group(0))
        except json.JSONDecodeError as exc:
            raise JudgeReplyError(f"reply JSON does not parse: {exc}") from exc
        if not isinstance(obj, dict):
            raise JudgeReplyError("reply JSON is not an object")
        cat = str(obj.get("category", "")).strip().lower().replace(" ", "_").replace("-", "_")
        if cat not in self.taxonomy:
            raise JudgeReplyError(f"unknown category {obj.get('category')!r}")
        try:
            conf = float(obj.get("confidence", ""))
        except (TypeError, ValueError) as exc:
            raise JudgeReplyError(f"confidence is not a number: {obj.get('confidence')!r}") from exc
        if 1.0 < conf <= 100.0:
            conf /= 100.0
        if not 0.0 <= conf <= 1.0:
            raise JudgeReplyError(f"confidence out of range: {conf}")
        return JudgeVerdict(cat, conf, str(obj.get("rationale", ""))[:500])

    def _post(self, body: bytes) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            raw = resp.read()
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise JudgeReplyError(f"response body is not JSON: {raw[:60]!r}") from exc

    def judge_one(self, text: str) -> JudgeVerdict:
        """Judge one text; never raises for endpoint trouble (see ``error``)."""
        with self._lock:
            if self.breaker and self._fails >= self.breaker:
                return JudgeVerdict(None, 0.0, error="skipped: judge endpoint kept failing")
        body = self._body(text)
        last = "no attempt"
        for attempt in range(self.retries + 1):
            wait = self.backoff * (2**attempt)
            try:
                verdict = self.parse(self._post(body))
                with self._lock:
                    self._fails = 0
                return verdict
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
                if exc.code == 429:
                    ra = exc.headers.get("Retry-After") if exc.headers else None
                    try:
                        wait = min(float(ra), self.max_retry_after) if ra else wait
                    except ValueError:
                        pass
                elif exc.code < 500:
                    break  # a client error will not get better by retrying
            except JudgeReplyError as exc:
                last = f"malformed reply: {exc}"
            except TimeoutError:
                last = f"timed out after {self.timeout}s"
            except urllib.error.URLError as exc:
                reason = exc.reason
                last = f"timed out after {self.timeout}s" if isinstance(reason, TimeoutError) else f"unreachable: {reason}"
            except (ConnectionError, OSError) as exc:
                last = f"connection failed: {exc}"
            if attempt < self.retries:
                time.sleep(wait)
        with self._lock:
            self._fails += 1
        return JudgeVerdict(None, 0.0, error=f"judge failed after {self.retries + 1} tries: {last}")

    def judge(self, texts: Sequence[str]) -> list[JudgeVerdict]:
        """Judge many texts concurrently, in order; one verdict per text, always."""
        if not texts:
            return []
        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            return list(pool.map(self.judge_one, texts))
