"""Downloading API v2 pages from ClinicalTrials.gov: the only module that opens a socket.

Only `online_update` calls it, and only when the user allowed the app to contact
clinicaltrials.gov (`online_setting`); httpx is imported inside `download`, so no other command
even loads an HTTP client (tests/test_offline.py proves both).

Why it is shaped like this:
- timeouts on every request, and bounded retries: a 429 or 503 waits what `Retry-After` asks
  (capped by `FetchPolicy.max_wait`), a 5xx or a dropped connection backs off exponentially;
- a polite rate: at least `min_interval` seconds between two requests;
- a redirect is followed only on the same scheme, host and port - another host is refused, so a
  compromised mirror or captive portal cannot slip in someone else's data;
- every page is checked before it is kept (HTTP 200, a JSON content type, a complete JSON object
  with a `studies` list); a truncated or wrong page is retried, then fails the update;
- pages are kept in a cache folder (`page-RRR-PPPP.json`) with the position reached in a hidden
  `.state.json`, so an interrupted download resumes where it stopped, and the folder is handed
  to the importer (which reads a folder of API v2 pages, skipping hidden files) only when every
  page is in. The database is not touched here at all.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from directory_app.core.storage.atomic import atomic_write_text

#: (pages downloaded so far, message). May raise to cancel; the download stops at once.
ProgressFn = Callable[[int, str], None]
USER_AGENT = "directory-app (offline stem cell center directory; update of public records)"
STATE = ".state.json"


class FetchError(Exception):
    """The download could not be completed; the message is one line a user can act on."""


@dataclass
class FetchPolicy:
    """Timeouts, retries and pacing; tests shorten the waits, nothing else changes."""

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0
    max_wait: float = 120.0
    min_interval: float = 1.5
    max_redirects: int = 5
    sleep: Callable[[float], None] = field(default=time.sleep)


def cache_key(api_base: str, requests: Sequence[dict[str, str]]) -> str:
    """One cache folder per exact set of requests, so a resumed download is the same one."""
    blob = json.dumps([api_base.rstrip("/"), list(requests)], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delay-seconds, or an HTTP date (RFC 9110) counted
    from `now` (epoch seconds; default the clock). None when it is neither."""
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _check_page(body: bytes, content_type: str) -> dict[str, Any]:
    """The page as a dict, or FetchError saying in a few words what is wrong with it."""
    if "json" not in content_type.lower():
        raise FetchError(f"the registry answered with {content_type or 'no content type'}, "
                         "not JSON")  # fmt: skip
    try:
        page = json.loads(body)
    except ValueError:
        raise FetchError("the registry's page was cut off or is not valid JSON") from None
    if not isinstance(page, dict) or not isinstance(page.get("studies"), list):
        raise FetchError("the registry's page has no list of studies")
    token = page.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise FetchError("the registry's page has a malformed nextPageToken")
    return page


class _Session:
    """One httpx client with the policy's pacing, retries and same-host redirects."""

    def __init__(self, api_base: str, policy: FetchPolicy) -> None:
        import httpx

        self.httpx = httpx
        self.policy = policy
        self.origin = _origin(api_base)
        self.client = httpx.Client(
            timeout=policy.timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )
        self.last_request = 0.0

    def close(self) -> None:
        self.client.close()

    def _pace(self) -> None:
        wait = self.last_request + self.policy.min_interval - time.monotonic()
        if wait > 0:
            self.policy.sleep(wait)
        self.last_request = time.monotonic()

    def _get_once(self, url: str, params: dict[str, str] | None) -> Any:
        """One GET, following same-origin redirects; FetchError for another host."""
        for _ in range(self.policy.max_redirects + 1):
            self._pace()
            response = self.client.get(url, params=params)
            if not response.is_redirect:
                return response
            target = str(response.next_request.url) if response.next_request else ""
            if not target or _origin(target) != self.origin:
                host = urlsplit(target).hostname or "an unknown address"
                raise FetchError(f"the registry redirected to another host ({host}); refused")
            url, params = target, None
        raise FetchError("the registry redirected too many times")

    def get_page(self, url: str, params: dict[str, str]) -> dict[str, Any]:
        """A checked page, retrying what may pass; FetchError once the retries are spent."""
        policy, last = self.policy, "no answer"
        for attempt in range(policy.retries + 1):
            wait = policy.backoff * (2**attempt)
            try:
                response = self._get_once(url, params)
            except self.httpx.TransportError as exc:
                last = f"the connection failed ({type(exc).__name__})"
            else:
                code = response.status_code
                if code == 200:
                    try:
                        return _check_page(
                            response.content, response.headers.get("content-type", "")
                        )
                    except FetchError as exc:
                        last = str(exc)
                elif code in (429, 503) or code >= 500:
                    last = f"the registry answered HTTP {code}"
                    asked = _retry_after(response.headers.get("retry-after"))
                    if asked is not None:
                        wait = asked
                else:
                    raise FetchError(f"the registry answered HTTP {code} for {response.url}")
            if attempt < policy.retries:
                policy.sleep(min(wait, policy.max_wait))
        raise FetchError(f"{last}, after {policy.retries + 1} tries")


def _load_state(folder: Path) -> dict[str, Any]:
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"request": 0, "page": 0, "token": None, "complete": False}
    return state if isinstance(state, dict) else {"request": 0, "page": 0, "token": None}


def download(
    api_base: str,
    requests: Sequence[dict[str, str]],
    folder: Path,
    *,
    policy: FetchPolicy | None = None,
    progress: ProgressFn | None = None,
) -> tuple[Path, int]:
    """Fetch every page of every request into `folder` (resuming what is there); returns the
    folder and the number of pages in it. FetchError (one line) when it cannot complete."""
    policy = policy or FetchPolicy()
    folder.mkdir(parents=True, exist_ok=True)
    state = _load_state(folder)
    url = f"{api_base.rstrip('/')}/studies"
    session = _Session(api_base, policy)
    try:
        while not state.get("complete"):
            r, p = int(state["request"]), int(state["page"])
            if r >= len(requests):
                state["complete"] = True
                break
            params = dict(requests[r])
            if state.get("token"):
                params["pageToken"] = str(state["token"])
            if progress:
                progress(_count(folder), f"request {r + 1} of {len(requests)}, page {p + 1}")
            page = session.get_page(url, params)
            name = f"page-{r:03d}-{p:04d}.json"
            atomic_write_text(folder / name, json.dumps({"studies": page["studies"]}))
            token = page.get("nextPageToken")
            if token:
                state.update(page=p + 1, token=token)
            else:
                state.update(request=r + 1, page=0, token=None)
            atomic_write_text(folder / STATE, json.dumps(state))
        atomic_write_text(folder / STATE, json.dumps(state))
    finally:
        session.close()
    return folder, _count(folder)


def _count(folder: Path) -> int:
    return sum(1 for _ in folder.glob("page-*.json"))
