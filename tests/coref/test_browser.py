"""The coref view in a real headless browser (Debian's chromium + chromium-driver, selenium).

Skips with the reason where Chromium, its driver or selenium is missing; `.ci/run` installs
them. Set SPACY_TRANSFER_SCREENSHOTS to a folder to keep the screenshots (the README's
picture, docs/images/coref_view.png, comes from this test).
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
import spacy

from spacy_transfer.coref import render_coref
from spacy_transfer.coref.view.serve import make_docs_app, make_server, make_visualizer_app

from .test_resolve import ALICE, with_clusters

TEXT = "Emma met Mr. Knightley at the gate. He told her that the Westons had arrived, " "and she hurried to greet them."
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM or not DRIVER:
        pytest.skip("Chromium or chromedriver not found: apt-get install -y chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1000,640",
        "--disable-dev-shm-usage",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def serve():
    servers = []

    def start(app):
        server = make_server(app, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def screenshot(driver, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("SPACY_TRANSFER_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert driver.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
    return path


def active_clusters(driver):
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, ".coref-mention.coref-active")
    return sorted({e.get_attribute("data-cluster") for e in found}), len(found)


def test_coref_view_hover_highlights_the_chain(browser, serve, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    doc = with_clusters(spacy.blank("en")(ALICE), [["Alice", "her"], ["Bob", "he", "his"]])
    doc.cats = {"books": 0.8}
    browser.get(serve(make_docs_app(render_coref(doc, page=True, jupyter=False, resolved=True))))
    mentions = browser.find_elements(By.CSS_SELECTOR, ".coref-mention[data-cluster]")
    assert [m.get_attribute("data-cluster") for m in mentions] == ["1", "2", "1", "2", "2"]
    assert active_clusters(browser) == ([], 0)
    ActionChains(browser).move_to_element(mentions[1]).perform()  # "Bob"
    assert active_clusters(browser) == (["2"], 3)
    ActionChains(browser).move_to_element(mentions[2]).perform()  # "her"
    assert active_clusters(browser) == (["1"], 2)
    mentions[0].click()  # pinned: stays while the pointer moves elsewhere
    ActionChains(browser).move_to_element(mentions[3]).perform()
    assert active_clusters(browser) == (["1"], 2)
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Alice gave Bob Alice's book because Bob had lost Bob's." in page
    assert "books 0.80" in page
    screenshot(browser, tmp_path, "coref_view_docs.png")


def submit(browser, selector: str) -> None:
    """Click the form's button and wait until the answer page shows `selector`: the click
    returns before the new page has loaded. The old page is recognised by a mark on its
    <html> element rather than by an element reference: asking Chrome about a node of a page
    being replaced can fail with an inspector error instead of the stale-element answer."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script("document.documentElement.dataset.oldPage = 'yes'")
    browser.find_element(By.ID, "submit").click()
    new_page_has = (
        "return document.readyState === 'complete'"
        " && document.documentElement.dataset.oldPage === undefined"
        " && document.querySelector(arguments[0]) !== null"
    )
    wait = WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,))
    wait.until(lambda driver: driver.execute_script(new_page_has, selector))


def test_coref_visualizer_in_the_browser(browser, serve, coref_nlp, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(serve(make_visualizer_app(coref_nlp, max_length=2000)))
    browser.find_element(By.ID, "text").send_keys(TEXT)
    submit(browser, ".coref-doc")
    mentions = browser.find_elements(By.CSS_SELECTOR, ".coref-mention[data-cluster]")
    doc = coref_nlp(TEXT)
    expected = [str(c.i + 1) for c in doc._.coref_clusters for _ in c]
    assert sorted(m.get_attribute("data-cluster") for m in mentions) == sorted(expected)
    assert doc._.coref_resolved in browser.find_element(By.CLASS_NAME, "coref-resolved").text
    he = next(m for m in mentions if m.text.startswith("He"))
    ActionChains(browser).move_to_element(he).perform()
    cluster = he.get_attribute("data-cluster")
    assert active_clusters(browser) == ([cluster], expected.count(cluster))
    screenshot(browser, tmp_path, "coref_view.png")
    # Bad input gets a message on the page, not a broken one.
    browser.find_element(By.ID, "text").clear()
    submit(browser, ".coref-message")
    assert "Paste some text" in browser.find_element(By.CLASS_NAME, "coref-message").text
