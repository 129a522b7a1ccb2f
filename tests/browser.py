"""Headless Chromium for the map tests: JavaScript errors, network requests and screenshots.

Uses Debian's ``chromium`` and ``chromedriver`` through selenium. When they are missing the browser
tests are skipped, unless ``KZGEO_REQUIRE_BROWSER=1`` (set by CI), where a missing browser fails.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,900",
)


def _find_chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def require_browser() -> str:
    """The Chromium binary; skip the test (or fail under ``KZGEO_REQUIRE_BROWSER=1``) when absent."""
    chromium = _find_chromium()
    missing = []
    if chromium is None:
        missing.append("chromium")
    if not Path(CHROMEDRIVER).exists():
        missing.append("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium")
    if missing:
        message = (
            f"browser tests need {', '.join(missing)} (Debian: apt-get install chromium chromium-driver)"
        )
        if os.environ.get("KZGEO_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return chromium


class Page:
    """A page opened in headless Chromium, with its console errors and network requests."""

    def __init__(self, driver):
        self.driver = driver

    def open(self, path: Path, *, settle_js: str = "return !!window.L") -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver.get_log("performance")  # drop what the browser fetched before the page
        self.driver.get_log("browser")
        self.driver.get(Path(path).resolve().as_uri())
        WebDriverWait(self.driver, 30).until(lambda d: d.execute_script(settle_js))

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def js_errors(self) -> list[str]:
        """Console messages at level SEVERE: uncaught exceptions, failed loads."""
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def requests(self) -> list[str]:
        """URLs of every request the page sent, from Chromium's performance log."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def screenshot(self, dest: Path) -> Path:
        self.driver.save_screenshot(str(dest))
        return dest


@contextmanager
def chromium_page():
    """Start headless Chromium with a throw-away profile; yield a :class:`Page`."""
    chromium = require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kzgeo-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.get("about:blank")
    try:
        yield Page(driver)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
