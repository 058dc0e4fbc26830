"""HTTP for the producers' APIs: one `requests` Session with explicit (connect, read) timeouts,
retries with exponential backoff on 429 and 5xx that honour Retry-After (urllib3's `Retry`, not a
hand-written loop), an optional rate limit (SCB: so many calls per time window), and one clear
line when the producer cannot be reached."""

from __future__ import annotations

import errno
import socket
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from tqdm import tqdm
from urllib3.util.retry import Retry

TIMEOUT = (10.0, 120.0)  # seconds to connect, seconds between bytes of the answer
RETRIES = 2  # three attempts in all
BACKOFF = 1.0  # seconds before the first retry, doubled each time (Retry-After wins if given)
RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRY_AFTER_MAX = 120  # seconds: a longer Retry-After is cut to this, not slept through
USER_AGENT = "lansbok (open-data fetch)"


class FetchError(Exception):
    """A download that failed: one line for a person, nothing written."""


@dataclass(frozen=True)
class Download:
    """One response as served: the URL asked (with its query), the query, the body."""

    url: str
    query: dict
    body: bytes
    content_type: str


@dataclass
class RateLimit:
    """At most `calls` requests in any `window` seconds (a sliding window)."""

    calls: int
    window: float
    sent: deque = field(default_factory=deque)

    def wait(self) -> None:
        now = time.monotonic()
        while self.sent and now - self.sent[0] >= self.window:
            self.sent.popleft()
        if len(self.sent) >= self.calls:
            time.sleep(self.window - (now - self.sent[0]))
            self.sent.popleft()
        self.sent.append(time.monotonic())


class Client:
    """GET requests to one producer, with timeouts, retries and an optional rate limit."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float] = TIMEOUT,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        progress: bool | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.rate: RateLimit | None = None
        self.progress = progress  # None: a bar only on a terminal
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        retry = Retry(
            total=retries,
            connect=1,  # an address that refuses twice is not there: say so at once
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            backoff_factor=backoff,
            respect_retry_after_header=True,
            retry_after_max=RETRY_AFTER_MAX,
            raise_on_status=False,  # the last answer is reported below, with its status
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.session.close()

    def limit(self, calls: int, window: float) -> None:
        self.rate = RateLimit(calls, window)

    def url(self, path: str) -> str:
        return path if urlsplit(path).scheme else f"{self.base_url}/{path.lstrip('/')}"

    def get(self, path: str, query: dict | None = None) -> Download:
        """The body of a 200 answer; FetchError for anything else."""
        url = self.url(path)
        if self.rate:
            self.rate.wait()
        try:
            response = self.session.get(url, params=query, timeout=self.timeout)
        except requests.ConnectionError as exc:
            raise FetchError(
                f"cannot reach {urlsplit(url).netloc}: {_reason(exc)}; "
                "use --offline to re-import the snapshot"
            ) from None
        except requests.Timeout:
            raise FetchError(
                f"{urlsplit(url).netloc} did not answer within {self.timeout[1]:g} s "
                f"({shorten(url)}); try again later, or use --offline to re-import the snapshot"
            ) from None
        except requests.RequestException as exc:  # an address requests cannot use, and the like
            raise FetchError(f"{shorten(url)}: {exc}") from None
        if response.status_code != 200:
            retries = getattr(response.raw, "retries", None)
            attempts = len(retries.history) + 1 if retries else 1
            raise FetchError(
                f"{shorten(response.url)}: HTTP {response.status_code} {response.reason}"
                + (f" after {attempts} attempts" if attempts > 1 else "")
            )
        return Download(
            response.url,
            dict(query or {}),
            response.content,
            response.headers.get("Content-Type", ""),
        )

    def bar(self, total: int | None, label: str) -> tqdm:
        """A progress bar on stderr for a fetch of several requests."""
        return tqdm(
            total=total,
            desc=label,
            unit="anrop",
            file=sys.stderr,
            disable=None if self.progress is None else not self.progress,
            leave=False,
        )


def _reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words: the innermost cause urllib3 wrapped."""
    seen, cause = set(), exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            return "the host name does not resolve (no network, or no DNS)"
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == (
            errno.ECONNREFUSED
        ):
            return "connection refused"
        if isinstance(cause, TimeoutError | socket.timeout):
            return "the connection timed out"
        inner = getattr(cause, "reason", None)
        cause = inner if isinstance(inner, BaseException) else cause.__context__
    text = str(exc)
    if "Name or service not known" in text or "NameResolution" in text:
        return "the host name does not resolve (no network, or no DNS)"
    if "Connection refused" in text:
        return "connection refused"
    return type(exc).__name__


def shorten(url: str, limit: int = 160) -> str:
    """A URL for a message: a long query (hundreds of region codes) is cut."""
    return url if len(url) <= limit else url[: limit - 1] + "…"
