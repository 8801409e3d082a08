//! A real browser (Debian's headless Chromium, driven through chromedriver) opens a link, meets
//! the error summary, fills the form in and sends it; the answers are then in the database.
//!
//! With `MEND_AXE_JS` naming a copy of axe-core's `axe.min.js` (`npm pack axe-core`), each page
//! is also checked against WCAG 2.1 A and AA and axe's best practices, and must pass cleanly.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};
use mend_core::Answer;
use serde_json::json;

use crate::helpers::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    // chromedriver says when it is ready; wait for that line rather than for a fixed time.
    let ready = lines.by_ref().take(20).map_while(Result::ok).any(|line| line.contains("started successfully"));
    assert!(ready, "chromedriver did not report that it started");
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Driver { child, url: format!("http://127.0.0.1:{port}") }
}

async fn connect(driver: &Driver, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                format!("--user-data-dir={}", profile.display()),
            ],
            // A phone's width: desktop Chromium will not make a window narrower than about 500 px.
            "mobileEmulation": { "deviceMetrics": { "width": 360, "height": 780, "pixelRatio": 2.0 } }
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

/// Whether the browser is there; without it the test passes with a clear note, unless
/// `MEND_REQUIRE_BROWSER=1` demands it.
fn browser_installed() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert_ne!(
        std::env::var("MEND_REQUIRE_BROWSER").as_deref(),
        Ok("1"),
        "MEND_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install -y chromium chromium-driver"
    );
    println!("SKIPPED: chromium not installed");
    eprintln!("SKIPPED: chromium not installed");
    false
}

/// Saves a screenshot when `MEND_SCREENSHOTS` names a folder, for a person to look at.
async fn screenshot(browser: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("MEND_SCREENSHOTS") {
        let png = browser.screenshot().await.expect("a screenshot");
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).expect("the screenshot is saved");
    }
}

#[test]
fn the_real_form_fits_a_phone_and_passes_the_checker() {
    if !browser_installed() {
        return;
    }
    let program = std::sync::Arc::new(mend_core::Program::embedded().expect("the embedded content is valid"));
    let app = spawn_app_with(|config| {
        config.program = std::sync::Arc::clone(&program);
        config.secrets_policy = Some("In this practice, secrets are handled as follows.".into());
    });
    let invited = invite_couple(&app, ["Zoë Núñez", "Łukasz"]);
    let link = app.link(&invited.tokens[0]);
    let profile = tempfile::tempdir().unwrap();
    let driver = start_driver();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let browser = connect(&driver, profile.path()).await;
        browser.goto(&link).await.unwrap();
        assert_eq!(script(&browser, "return window.innerWidth").await, json!(360));
        assert_eq!(
            script(&browser, "return document.documentElement.scrollWidth <= window.innerWidth").await,
            json!(true),
            "no sideways scrolling at 360 px"
        );
        assert_eq!(accessibility_problems(&browser).await, Vec::<String>::new(), "the real form");
        for (n, question) in ["q-breach", "q-commitment", "q-phq2_interest", "q-self_harm_thoughts", "q-secrets_policy"]
            .iter()
            .enumerate()
        {
            script(
                &browser,
                &format!("document.getElementById('{question}').closest('.field').scrollIntoView(); return 0"),
            )
            .await;
            screenshot(&browser, &format!("form-360-{n}")).await;
        }
        // Enter in a field keeps the unfinished form rather than sending it.
        let first_field = script(&browser, "return document.querySelector('.intake input[type=text]').id").await;
        let first_field = first_field.as_str().expect("the form has a text field").to_owned();
        type_into(&browser, &first_field, "Zoë\u{E007}").await;
        wait_for(&browser, Locator::Id("saved-title")).await;
        assert!(browser.find(Locator::Css(".error-summary")).await.is_err(), "saved, not sent with errors");

        click(&browser, "button[value=send]").await;
        wait_for(&browser, Locator::Css(".error-summary")).await;
        assert_eq!(accessibility_problems(&browser).await, Vec::<String>::new(), "the real form with errors");
        screenshot(&browser, "errors-360").await;
        browser.close().await.expect("the browser closes");
    });
}

#[test]
fn leave_this_page_takes_the_form_out_of_the_history() {
    if !browser_installed() {
        return;
    }
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë", "Sam"]);
    let link = app.link(&invited.tokens[0]);
    let before = app.url("/healthz");
    // The button leads to a search page; here it leads to a page of this server, so that the
    // test needs no network. The script reads the link's own address when it is pressed.
    let elsewhere = app.url("/static/intake.css");
    let profile = tempfile::tempdir().unwrap();
    let driver = start_driver();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let browser = connect(&driver, profile.path()).await;
        browser.goto(&before).await.unwrap();
        browser.goto(&link).await.unwrap();
        let plain = script(&browser, "return document.querySelector('a.exit').getAttribute('href')").await;
        assert!(plain.as_str().is_some_and(|href| href.starts_with("https://")), "a plain link without the script");
        script(&browser, &format!("document.querySelector('a.exit').href = '{elsewhere}'; return 0")).await;
        click(&browser, "a.exit").await;
        let mut left = false;
        for _ in 0..50 {
            if browser.current_url().await.unwrap().as_str() == elsewhere {
                left = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(left, "the button leaves the form");
        // Back goes to the page before the form: the form, with the partner's name, is not in the
        // history for whoever picks the phone up.
        browser.back().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let after = browser.current_url().await.unwrap();
        assert_eq!(after.as_str(), before, "Back skips the form");
        browser.close().await.expect("the browser closes");
    });
}

#[test]
fn the_checkin_fits_a_phone_passes_the_checker_and_asks_more_after_a_positive_screen() {
    if !browser_installed() {
        return;
    }
    let app = crate::checkin::spawn_shipped();
    let (couple, tokens) = crate::checkin::checkin_couple(&app, time::Duration::days(4));
    let link = crate::checkin::checkin_url(&app, &tokens[0]);
    let profile = tempfile::tempdir().unwrap();
    let driver = start_driver();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let browser = connect(&driver, profile.path()).await;
        browser.goto(&link).await.unwrap();
        assert_eq!(
            script(&browser, "return document.documentElement.scrollWidth <= window.innerWidth").await,
            json!(true),
            "no sideways scrolling at 360 px"
        );
        assert_eq!(accessibility_problems(&browser).await, Vec::<String>::new(), "the check-in");
        screenshot(&browser, "checkin-360-0").await;
        for id in ["q-afraid_of_partner", "q-hurt_or_threatened", "q-controlled", "q-gad7_1", "q-gad7_2"] {
            click(&browser, &format!("label[for={id}-2]")).await;
        }
        click(&browser, "label[for=q-monitored]").await;
        click(&browser, "label[for=q-self_harm_thoughts]").await;
        for trust in ["boundaries", "honest", "best_interest", "promises", "safety"] {
            click(&browser, &format!("label[for=q-trust_{trust}-3]")).await;
        }
        // Little interest and low mood on more than half the days: a positive PHQ-2 (4 of 6), so
        // the page comes back asking the rest of the PHQ-9, with nothing stored yet.
        click(&browser, "label[for=q-phq9_1-3]").await;
        click(&browser, "label[for=q-phq9_2-3]").await;
        let scale = script(
            &browser,
            "return getComputedStyle(document.querySelector('label[for=q-trust_honest-3]')).backgroundColor",
        )
        .await;
        assert_eq!(scale, json!("rgb(11, 12, 12)"), "a chosen scale value shows as filled");
        screenshot(&browser, "checkin-360-answered").await;
        click(&browser, "button[value=send]").await;
        wait_for(&browser, Locator::Id("q-phq9_9")).await;
        assert_eq!(accessibility_problems(&browser).await, Vec::<String>::new(), "the check-in asking more");
        screenshot(&browser, "checkin-360-1").await;
        browser.close().await.expect("the browser closes");
    });
    let record = app.store().couple_record(&couple, &app.program.questionnaire).unwrap();
    assert!(record.partners[0].checkins.is_empty(), "nothing is stored until the further questions are answered");
}

#[test]
fn a_partner_fills_in_the_form_in_a_real_browser() {
    if !browser_installed() {
        return;
    }
    let app = spawn_app();
    let invited = invite_couple(&app, ["Zoë Núñez", "Łukasz"]);
    let link = app.link(&invited.tokens[0]);
    let profile = tempfile::tempdir().unwrap();
    let driver = start_driver();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let browser = connect(&driver, profile.path()).await;
        let outcome = fill_in_and_send(&browser, &link).await;
        browser.close().await.expect("the browser closes");
        outcome
    });

    let stored = stored_answers(&app, &invited.couple);
    let answers = &stored["Zoë Núñez"];
    assert_eq!(answers["nickname"], Answer::Text("Zoë".into()));
    assert_eq!(answers["found_out"], Answer::Text("discovered".into()));
    assert_eq!(answers["found_out_how"], Answer::Text("A note in a coat pocket".into()));
    assert_eq!(answers["worries"], Answer::Choices(vec!["sleep".into(), "children".into()]));
    assert_eq!(answers["commitment"], Answer::Number(7));
    assert_eq!(answers["afraid"], Answer::Text("no".into()));
    assert_eq!(answers["secrets_agreement"], Answer::Text("yes".into()));
}

/// Clicks an element as a person would, once it is scrolled to the middle of the screen: at the
/// top, the banner that keeps "Leave this page" in reach would take the click.
async fn click(browser: &Client, css: &str) {
    let element = browser.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    let argument = serde_json::to_value(&element).expect("an element is sent as JSON");
    browser
        .execute("arguments[0].scrollIntoView({ block: 'center' }); return 0", vec![argument])
        .await
        .unwrap_or_else(|e| panic!("scroll to {css}: {e}"));
    element.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Waits for an element of the page a click is loading. Chromium may answer a look that comes
/// while the page is being replaced with "aborted by navigation"; that look is made again, a
/// bounded number of times.
async fn wait_for(browser: &Client, locator: Locator<'_>) {
    for _ in 0..20 {
        match browser.wait().for_element(locator).await {
            Ok(_) => return,
            Err(error) if error.to_string().contains("aborted by navigation") => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(error) => panic!("{locator:?}: {error}"),
        }
    }
    panic!("{locator:?}: the page kept navigating");
}

async fn type_into(browser: &Client, id: &str, text: &str) {
    browser.find(Locator::Id(id)).await.unwrap().send_keys(text).await.unwrap();
}

async fn script(browser: &Client, code: &str) -> serde_json::Value {
    browser.execute(code, Vec::new()).await.expect("the script runs")
}

/// The accessibility problems axe-core finds on the current page, if `MEND_AXE_JS` is set.
async fn accessibility_problems(browser: &Client) -> Vec<String> {
    let Some(path) = std::env::var_os("MEND_AXE_JS") else { return Vec::new() };
    let axe = std::fs::read_to_string(&path).expect("MEND_AXE_JS names a readable axe.min.js");
    browser.execute(&axe, Vec::new()).await.expect("axe-core loads");
    let found = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })
               .then(r => done({
                 passed: r.passes.length,
                 problems: r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')),
               }))
               .catch(e => done({ passed: 0, problems: ['axe failed: ' + e] }));",
            Vec::new(),
        )
        .await
        .expect("axe-core runs");
    let passed = found["passed"].as_u64().unwrap_or(0);
    assert!(passed > 10, "axe-core checked the page ({passed} rules passed)");
    serde_json::from_value(found["problems"].clone()).expect("a list of problems")
}

async fn fill_in_and_send(browser: &Client, link: &str) {
    if std::env::var_os("MEND_AXE_JS").is_none() {
        println!("note: set MEND_AXE_JS to axe-core's axe.min.js to check the pages with it as well");
    }
    browser.goto(link).await.unwrap();
    assert_eq!(browser.title().await.unwrap(), "Before we meet");
    assert_eq!(script(browser, "return window.innerWidth").await, json!(360));
    assert_eq!(accessibility_problems(browser).await, Vec::<String>::new(), "the form");
    assert_eq!(
        script(browser, "return document.documentElement.scrollWidth <= window.innerWidth").await,
        json!(true),
        "no sideways scrolling at 360 px"
    );
    let follow_up = browser.find(Locator::Id("q-found_out_how")).await.unwrap();
    assert!(!follow_up.is_displayed().await.unwrap(), "the script hides a follow-up that does not apply yet");

    // Sending too early brings the error summary, focused, linking to the first field.
    click(browser, "button[value=send]").await;
    wait_for(browser, Locator::Css(".error-summary")).await;
    assert!(browser.title().await.unwrap().starts_with("Error: "));
    assert_eq!(script(browser, "return document.activeElement.className").await, json!("error-summary"));
    assert_eq!(accessibility_problems(browser).await, Vec::<String>::new(), "the form with errors");
    click(browser, ".error-summary a[href='#q-nickname']").await;
    assert_eq!(
        script(browser, "return document.activeElement.id").await,
        json!("q-nickname"),
        "the link moves focus to the field"
    );

    type_into(browser, "q-nickname", "Zoë").await;
    click(browser, "label[for='q-found_out-2']").await;
    let follow_up = browser.find(Locator::Id("q-found_out_how")).await.unwrap();
    assert!(follow_up.is_displayed().await.unwrap(), "choosing 'discovered' reveals the follow-up");
    type_into(browser, "q-found_out_how", "A note in a coat pocket").await;
    click(browser, "label[for='q-worries']").await;
    click(browser, "label[for='q-worries-3']").await;
    click(browser, "label[for='q-commitment-8']").await;
    click(browser, "label[for='q-afraid-2']").await;
    click(browser, "label[for='q-secrets_agreement']").await;
    click(browser, "button[value=send]").await;

    browser
        .wait()
        .for_element(Locator::XPath("//h1[contains(., 'Your answers have been sent')]"))
        .await
        .expect("the thank-you page");
    assert_eq!(browser.current_url().await.unwrap().path(), "/thanks");
    assert_eq!(accessibility_problems(browser).await, Vec::<String>::new(), "the thank-you page");
}
