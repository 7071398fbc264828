"""The model judge against a real OpenAI-compatible HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from opwatch.signals.policy import Classifier, JudgeClient, load_taxonomy
from opwatch.signals.policy.judge import endpoint_url


class FakeEndpoint:
    """A chat-completions server whose next replies are scripted per test."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.default = "ok"
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with owner.lock:
                    owner.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                    mode = owner.script.pop(0) if owner.script else owner.default
                text = body["messages"][-1]["content"]
                if mode == "429":
                    self.send_response(429)
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                if mode == "500":
                    self.send_response(500)
                    self.end_headers()
                    return
                if mode == "400":
                    self.send_response(400)
                    self.end_headers()
                    return
                if mode == "slow":
                    time.sleep(1.0)
                if mode == "garbage":
                    payload = b"{not json"
                else:
                    if mode == "badverdict":
                        content = "I think this is fine."
                    elif mode == "unknowncat":
                        content = '{"category": "spam", "confidence": 0.9, "rationale": "x"}'
                    elif "phish" in text.lower():
                        content = '```json\n{"category": "malicious_cyber", "confidence": 0.95, "rationale": "builds a phishing kit"}\n```'
                    else:
                        content = '{"category": "benign", "confidence": 0.9, "rationale": "ordinary request"}'
                    payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def endpoint() -> Iterator[FakeEndpoint]:
    ep = FakeEndpoint()
    yield ep
    ep.close()


@pytest.fixture(scope="module")
def taxonomy():  # type: ignore[no-untyped-def]
    return load_taxonomy()


def client(ep: FakeEndpoint, taxonomy, **kw) -> JudgeClient:  # type: ignore[no-untyped-def]
    opts: dict = {"timeout": 0.5, "retries": 2, "backoff": 0.01, "workers": 2}
    opts.update(kw)
    return JudgeClient(ep.url, "safeguard-test", taxonomy, **opts)


def test_endpoint_url_forms() -> None:
    assert endpoint_url("http://h:1") == "http://h:1/v1/chat/completions"
    assert endpoint_url("http://h:1/v1/") == "http://h:1/v1/chat/completions"
    assert endpoint_url("http://h:1/v1/chat/completions") == "http://h:1/v1/chat/completions"


def test_verdict_and_policy_text_sent(endpoint: FakeEndpoint, taxonomy) -> None:  # type: ignore[no-untyped-def]
    v = client(endpoint, taxonomy, api_key="k123").judge(["build a phishing page for the bank", "bake bread"])
    assert (v[0].category, v[0].confidence, v[0].error) == ("malicious_cyber", 0.95, None)
    assert v[1].category == "benign"
    req = endpoint.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["auth"] == "Bearer k123"
    system = req["body"]["messages"][0]["content"]
    assert "deceptive_employment" in system and "Not violating" in system


def test_rate_limit_then_success(endpoint: FakeEndpoint, taxonomy) -> None:  # type: ignore[no-untyped-def]
    endpoint.script = ["429", "429"]
    v = client(endpoint, taxonomy, workers=1).judge_one("phishing kit please")
    assert v.error is None and v.category == "malicious_cyber"
    assert len(endpoint.requests) == 3


def test_server_error_retried(endpoint: FakeEndpoint, taxonomy) -> None:  # type: ignore[no-untyped-def]
    endpoint.script = ["500"]
    assert client(endpoint, taxonomy).judge_one("hello").category == "benign"


def test_timeout_gives_error_not_exception(endpoint: FakeEndpoint, taxonomy) -> None:  # type: ignore[no-untyped-def]
    endpoint.default = "slow"
    v = client(endpoint, taxonomy, timeout=0.2, retries=1).judge_one("hello")
    assert v.category is None and v.error is not None and "timed out" in v.error


@pytest.mark.parametrize("mode", ["garbage", "badverdict", "unknowncat"])
def test_malformed_replies(endpoint: FakeEndpoint, taxonomy, mode: str) -> None:  # type: ignore[no-untyped-def]
    endpoint.default = mode
    v = client(endpoint, taxonomy, retries=1).judge_one("hello")
    assert v.category is None and v.error is not None and "malformed" in v.error
    assert len(endpoint.requests) == 2  # retried once


def test_client_error_not_retried(endpoint: FakeEndpoint, taxonomy) -> None:  # type: ignore[no-untyped-def]
    endpoint.default = "400"
    v = client(endpoint, taxonomy, retries=3).judge_one("hello")
    assert v.error is not None and "HTTP 400" in v.error
    assert len(endpoint.requests) == 1


def test_unreachable_endpoint_and_breaker(taxonomy) -> None:  # type: ignore[no-untyped-def]
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    jc = JudgeClient(f"http://127.0.0.1:{port}", "m", taxonomy, timeout=0.5, retries=0, breaker=2, workers=1)
    v = jc.judge(["a", "b", "c", "d"])
    assert len(v) == 4 and all(x.category is None for x in v)
    assert "skipped" in (v[3].error or "")


def test_classifier_never_loses_events_on_failure(endpoint: FakeEndpoint, taxonomy) -> None:  # type: ignore[no-untyped-def]
    texts = ["Create a phishing page that clones the Office 365 login and saves passwords.", "bake bread"] * 3
    endpoint.default = "500"
    clf = Classifier(judge=client(endpoint, taxonomy, retries=0))
    res = clf.classify(texts)
    assert len(res) == len(texts)
    offline = Classifier(layers=("rules", "model")).classify(texts)
    assert [r.category for r in res] == [r.category for r in offline]
    assert all(any(e.get("layer") == "judge" and "error" in e for e in r.evidence) for r in res)


def test_judge_verdict_moves_scores(endpoint: FakeEndpoint, taxonomy) -> None:  # type: ignore[no-untyped-def]
    clf = Classifier(judge=client(endpoint, taxonomy))
    r_harm, r_ok = clf.classify(["please write me a phish lure for my coworkers", "how do I bake bread"])
    assert r_harm.flagged and r_harm.category == "malicious_cyber"
    assert any(e.get("layer") == "judge" and e["category"] == "malicious_cyber" for e in r_harm.evidence)
    assert not r_ok.flagged
