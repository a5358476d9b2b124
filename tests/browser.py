"""Playwright helpers for the browser tests: one Chromium per session, a context per page.

Debian's Chromium (/usr/bin/chromium) is used as it is: `playwright install` is never needed.
Pages are opened with a locale (its Accept-Language and navigator.language), each in a fresh
context (a fresh profile: no cookies, no storage). Screenshots go to
test-artifacts/screenshots/<test-name>/<nn>-<step>.png under the repository root.

Gradio specifics the helpers hide:
* `elem_id` lands on a component's wrapper; a textbox's field is the `textarea` or `input`
  inside it, a button's id is on the `<button>` itself;
* a hidden step of a `gr.Walkthrough` stays in the DOM: "visible" is what counts.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Request,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCALES = {"fr": "fr-FR", "en": "en-US"}
# Gradio answers in a few hundred ms; a live check (DNS, TLS, login…) can take seconds.
CHECK_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (.ci/install-system-packages installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:120] or "test"


class Screenshots:
    """Numbered screenshots of one test: <nn>-<step>.png."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        if folder.exists():  # a re-run replaces the previous run's pictures
            for old in folder.glob("*.png"):
                old.unlink()

    def take(self, page: Page, step: str) -> Path:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.count:02d}-{_safe(step)}.png"
        with contextlib.suppress(Exception):  # a picture never fails a test
            page.screenshot(path=str(path), full_page=True, timeout=15_000)
        return path


# Copies every fetch() body and EventSource message as the page receives it: Gradio streams its
# results (server-sent events) on a response that stays open, which Playwright cannot read.
_TEE_SCRIPT = """
(() => {
  const seen = (window.__captured = []);
  const fetchOriginal = window.fetch;
  window.fetch = async (...args) => {
    const response = await fetchOriginal(...args);
    try {
      const copy = response.clone();
      const entry = {url: copy.url, text: ""};
      seen.push(entry);
      if (copy.body) {
        const reader = copy.body.getReader();
        const decoder = new TextDecoder();
        (async () => {
          for (;;) {
            const {done, value} = await reader.read();
            if (done) break;
            entry.text += decoder.decode(value, {stream: true});
          }
        })().catch(() => {});
      }
    } catch (error) {}
    return response;
  };
  const EventSourceOriginal = window.EventSource;
  if (EventSourceOriginal) {
    window.EventSource = class extends EventSourceOriginal {
      constructor(...args) {
        super(...args);
        const entry = {url: String(args[0]), text: ""};
        seen.push(entry);
        this.addEventListener("message", (event) => { entry.text += event.data + "\\n"; });
      }
    };
  }
})();
"""


@dataclass
class Captured:
    """What a page received, as text (what a leak check scans): the bodies of finished
    responses (documents, scripts, XHR, fetch) and, copied inside the page, every fetch()
    stream and EventSource message, including those still open."""

    finished: list[Request] = field(default_factory=list)
    bodies: dict[int, tuple[str, str]] = field(default_factory=dict)  # id(request) → body
    streams: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    page: Page | None = None

    def listen(self, page: Page) -> None:
        """Call before the page loads anything."""
        self.page = page
        page.add_init_script(_TEE_SCRIPT)
        page.on("requestfinished", lambda request: self.finished.append(request))

    def read(self) -> list[tuple[str, str]]:
        """(url, body) of everything received so far. Call while the page is still open
        (after each step if it navigates: a document's copies go with it)."""
        for request in list(self.finished):
            key = id(request)
            if key in self.bodies:
                continue
            body = ""
            try:
                response = request.response()
                if response is not None and request.resource_type not in ("image", "font"):
                    body = response.body().decode("utf-8", "replace")
            except Exception as error:
                self.unreadable.append(f"{request.url}: {type(error).__name__}")
            self.bodies[key] = (request.url, body)
        if self.page is not None and not self.page.is_closed():
            with contextlib.suppress(Exception):
                copies = self.page.evaluate("window.__captured || []")
                self.streams = [(c["url"], c["text"]) for c in copies]
        return [*self.bodies.values(), *self.streams]


class Pages:
    """Opens pages in fresh contexts with a locale; closes them all at the end."""

    def __init__(self, browser: Browser, shots: Screenshots) -> None:
        self.browser = browser
        self.shots = shots
        self.contexts: list[BrowserContext] = []

    def open(
        self,
        url: str | None = None,
        *,
        lang: str = "fr",
        http_credentials: dict[str, str] | None = None,
        capture: Captured | None = None,
    ) -> Page:
        options: dict[str, Any] = {
            "locale": LOCALES[lang],
            "viewport": {"width": 1280, "height": 900},
        }
        if http_credentials is not None:
            options["http_credentials"] = http_credentials
        context = self.browser.new_context(**options)
        context.set_default_timeout(30_000)
        self.contexts.append(context)
        page = context.new_page()
        if capture is not None:
            capture.listen(page)
        if url is not None:
            page.goto(url, wait_until="domcontentloaded")
        return page

    def shot(self, page: Page, step: str) -> Path:
        return self.shots.take(page, step)

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):
                context.close()
        self.contexts.clear()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Screenshots:
    return Screenshots(SCREENSHOTS / _safe(request.node.name))


@pytest.fixture
def pages(browser: Browser, shots: Screenshots) -> Iterator[Pages]:
    """`pages.open(url, lang="en")` → a page in a fresh context; `pages.shot(page, "step")`."""
    opened = Pages(browser, shots)
    try:
        yield opened
    finally:
        opened.close()


# -- Gradio components ---------------------------------------------------------------------


def component(page: Page, elem_id: str) -> Locator:
    return page.locator(f"#{elem_id}")


def field_of(page: Page, elem_id: str) -> Locator:
    """The text field inside a Gradio textbox (textarea or input)."""
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def fill(page: Page, elem_id: str, value: str) -> None:
    box = field_of(page, elem_id)
    box.wait_for(state="visible")
    box.fill(value)
    # Gradio reads the value on input/blur; leave the field so a click elsewhere sees it.
    box.dispatch_event("change")
    box.blur()


def value_of(page: Page, elem_id: str) -> str:
    return field_of(page, elem_id).input_value()


def click(page: Page, elem_id: str) -> None:
    target = page.locator(f"button#{elem_id}, #{elem_id} button").first
    target.wait_for(state="visible")
    target.click()


def tick(page: Page, elem_id: str, checked: bool = True) -> None:
    box = page.locator(f"#{elem_id} input[type=checkbox]").first
    box.wait_for(state="visible")
    box.set_checked(checked)


def is_visible(page: Page, elem_id: str) -> bool:
    return component(page, elem_id).first.is_visible()


def text(page: Page, elem_id: str) -> str:
    return component(page, elem_id).first.inner_text()


def wait_visible(page: Page, elem_id: str, timeout_ms: float = 30_000) -> None:
    component(page, elem_id).first.wait_for(state="visible", timeout=timeout_ms)


def wait_text(
    page: Page,
    elem_id: str,
    predicate: Callable[[str], bool] | str,
    *,
    timeout_ms: float = CHECK_TIMEOUT_MS,
) -> str:
    """Wait until the component's visible text satisfies `predicate` (or contains a string)."""
    test = (lambda t: predicate in t) if isinstance(predicate, str) else predicate
    deadline = time.monotonic() + timeout_ms / 1000
    last = ""
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            last = component(page, elem_id).first.inner_text(timeout=2_000)
            if test(last):
                return last
        page.wait_for_timeout(200)
    raise AssertionError(f"#{elem_id} never matched; its text was:\n{last}")


# Gradio's status tracker while an event runs: a progress text, and the outputs marked
# "pending" (dimmed). Walkthrough steps not reached yet are "pending" too: not those.
_BUSY = ".progress-text, .eta-bar, .generating, .pending:not([class*=step])"


def wait_idle(page: Page, timeout_ms: float = CHECK_TIMEOUT_MS) -> None:
    """Wait until Gradio shows no pending event (no progress/loading status)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        pending = page.locator(_BUSY).count()
        if pending == 0:
            return
        page.wait_for_timeout(150)
    raise AssertionError("Gradio still busy")


def normalise(value: str) -> str:
    """Text as read on the page: Markdown renders no emphasis marks, collapsed spaces."""
    return re.sub(r"\s+", " ", value.replace("**", "").replace("`", "")).strip()


def contains(haystack: str, needle: str) -> bool:
    return normalise(needle) in normalise(haystack)


def code_text(page: Page, elem_id: str) -> str:
    """The text of a `gr.Code` block (CodeMirror lines, without the gutter's numbers)."""
    lines = page.locator(f"#{elem_id} .cm-content .cm-line")
    if lines.count():
        return "\n".join(lines.all_inner_texts())
    return text(page, elem_id)
