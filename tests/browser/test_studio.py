"""The character studio in a real browser: headless Chromium (Debian's) driven by
Selenium, against a real host. Creates a character, chats with it (the streamed reply
appears), tries the filter, generates avatars, and saves a screenshot to
``test-artifacts/studio.png``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from npcbridge.testing import running_host, scripted_engine

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                reason="needs Debian's chromium and chromium-driver")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait_for(driver, condition, timeout: float = 60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_create_a_character_chat_filter_and_portraits(browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with running_host(http=True, engine=scripted_engine(token_delay_ms=20)) as host:
        browser.get(host.http_url + "/")
        wait_for(browser, lambda d: "runtime" in d.find_element(By.ID, "server-line").text)

        form = browser.find_element(By.ID, "character-form")
        form.find_element(By.NAME, "name").send_keys("Greta")
        form.find_element(By.NAME, "persona").send_keys("A gruff dwarven blacksmith in Ironhold.")
        form.find_element(By.NAME, "knowledge").send_keys("Iron bars cost 5 gold each.")
        form.find_element(By.NAME, "actions").send_keys("open_door: open the forge door | Can you open the door?")
        browser.find_element(By.ID, "save-character").click()
        wait_for(browser, lambda d: [li.text for li in d.find_elements(By.CSS_SELECTOR, "#character-list li")] == ["Greta"])
        stored = host.client().list_characters()
        assert [c.name for c in stored] == ["Greta"] and stored[0].actions[0].name == "open_door"

        browser.find_element(By.ID, "say-text").send_keys("Hello there")
        browser.find_element(By.ID, "say-send").click()
        reply = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".msg.npc .timings") and
                         d.find_element(By.CSS_SELECTOR, ".msg.npc .text"))
        assert "Greta" in reply.text  # the scripted greeting, streamed word by word
        assert browser.find_element(By.CSS_SELECTOR, ".msg.npc .emotion").text
        assert "first word" in browser.find_element(By.CSS_SELECTOR, ".msg.npc .timings").text

        browser.find_element(By.CSS_SELECTOR, "nav button[data-tab=moderation]").click()
        browser.find_element(By.ID, "moderation-text").send_keys("you stupid idiot")
        browser.find_element(By.CSS_SELECTOR, "#moderation-form button").click()
        wait_for(browser, lambda d: '"flagged": true' in d.find_element(By.ID, "moderation-result").text)

        browser.find_element(By.CSS_SELECTOR, "nav button[data-tab=avatars]").click()
        assert not browser.find_element(By.ID, "character-form").is_displayed()  # one tab at a time
        count = browser.find_element(By.ID, "avatar-count")
        count.clear()
        count.send_keys("2")
        Select(browser.find_element(By.ID, "avatar-expression")).select_by_value("*")  # the gallery
        browser.find_element(By.ID, "avatar-generate").click()
        wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#gallery img")) == 14, timeout=120)
        rows = browser.find_elements(By.CSS_SELECTOR, "#gallery .gallery-row")
        assert len(rows) == 7 and "surprised" in rows[1].text and "neutral" in rows[-1].text  # newest on top
        loaded = browser.execute_script(
            "return [...document.querySelectorAll('#gallery img')].every(i => i.complete && i.naturalWidth > 0)")
        assert loaded
        ARTIFACTS.mkdir(exist_ok=True)
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(ARTIFACTS / "studio-avatars.png"))
        browser.find_element(By.CSS_SELECTOR, "nav button[data-tab=characters]").click()
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(ARTIFACTS / "studio.png"))
        assert (ARTIFACTS / "studio.png").stat().st_size > 10_000


def test_bad_input_shows_the_hosts_message(browser):
    from selenium.webdriver.common.by import By

    with running_host(http=True) as host:
        browser.get(host.http_url + "/")
        wait_for(browser, lambda d: "runtime" in d.find_element(By.ID, "server-line").text)
        form = browser.find_element(By.ID, "character-form")
        form.find_element(By.NAME, "name").send_keys("Bad")
        form.find_element(By.NAME, "actions").send_keys("not a valid name!: oops")
        browser.find_element(By.ID, "save-character").click()
        error = wait_for(browser, lambda d: d.find_element(By.ID, "error").is_displayed() and
                         d.find_element(By.ID, "error"))
        assert "INVALID_ARGUMENT" in error.text and "actions[0]" in error.text
        assert host.client().list_characters() == []
