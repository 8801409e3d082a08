//! A partner's browser, reduced to what the intake form needs: open the link, keep the page's
//! hidden fields, send the answers, and see the redirect rather than follow it.

use std::time::Duration;

use ureq::Agent;

use crate::answers::IntakeAnswers;
use crate::form;

/// One HTTP reply, as the journey looks at it.
#[derive(Debug)]
pub(crate) struct Page {
    /// The status code.
    pub(crate) status: u16,
    /// The `Location` header, for redirects.
    pub(crate) location: Option<String>,
    /// The body as text.
    pub(crate) body: String,
}

/// A browser that never follows redirects, so the journey sees the 303 itself.
#[derive(Debug)]
pub(crate) struct Browser {
    agent: Agent,
}

impl Browser {
    /// A fresh browser.
    pub(crate) fn new() -> Self {
        let agent = Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        Self { agent }
    }

    /// Opens a link, as a partner does when they tap it.
    pub(crate) fn open(&self, url: &str) -> Page {
        let response = self.agent.get(url).call().unwrap_or_else(|e| panic!("GET {url} failed: {e}"));
        read(response)
    }

    /// Sends the form on `page` (opened from `url`) with `answers` and the page's own hidden
    /// fields, by pressing "Send my answers".
    ///
    /// The body is urlencoded with a checkbox group's values as repeated fields, and the
    /// `Origin` header says the post comes from the page itself, as a browser's does.
    pub(crate) fn send(&self, url: &str, page: &Page, answers: &IntakeAnswers) -> Page {
        let hidden = form::hidden_inputs(&page.body);
        assert!(
            hidden.iter().any(|(name, value)| name == "_csrf" && !value.is_empty()),
            "the form at {url} has no hidden _csrf value"
        );
        let mut fields = hidden;
        fields.extend(answers.form_fields());
        fields.push(("_action".to_owned(), "send".to_owned()));
        let response = self
            .agent
            .post(url)
            .header("Origin", origin_of(url))
            .send_form(fields.iter().map(|(name, value)| (name.as_str(), value.as_str())))
            .unwrap_or_else(|e| panic!("POST {url} failed: {e}"));
        read(response)
    }

    /// A partner's whole turn: open their link, fill in every answer, send, and land on the
    /// thank-you page.
    pub(crate) fn fill_in_intake(&self, link: &str, partner: &str, answers: &IntakeAnswers) {
        let form = self.open(link);
        assert_eq!(form.status, 200, "{partner}'s link opens the form");
        self.send(link, &form, answers).assert_sent(partner);
    }

    /// Both partners of a couple with a lies breach send steady intakes through `server`: `hurt`
    /// as the partner who was hurt, `broke_trust` as the one who broke it, each by their own link
    /// from `mend invite --format json`.
    pub(crate) fn both_send_intakes(
        &self,
        server: &crate::server::IntakeServer,
        links: &[serde_json::Value],
        hurt: &str,
        broke_trust: &str,
    ) {
        use crate::answers::Role;
        for (name, role) in [(hurt, Role::Hurt), (broke_trust, Role::BrokeTrust)] {
            let link = server.local(crate::mend::link_for(links, name));
            self.fill_in_intake(&link, name, &IntakeAnswers::steady(name, role, "lies"));
        }
    }
}

impl Page {
    /// Fails the journey unless this is the redirect to the thank-you page that follows a
    /// stored intake; when the form came back instead, the message lists its problems.
    pub(crate) fn assert_sent(&self, who: &str) {
        assert!(
            self.status == 303 && self.location.as_deref() == Some("/thanks"),
            "{who}'s answers were not accepted: status {}, location {:?}; problems listed on the page: {}",
            self.status,
            self.location,
            error_summary(&self.body)
        );
    }
}

fn read(response: ureq::http::Response<ureq::Body>) -> Page {
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = response.into_body().read_to_string().expect("the reply is text");
    Page { status, location, body }
}

/// `http://127.0.0.1:PORT` from a URL on that server.
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let end = url[after_scheme..].find('/').map_or(url.len(), |at| at + after_scheme);
    url[..end].to_owned()
}

/// The error summary of a form that came back, as plain text (tags dropped).
fn error_summary(html: &str) -> String {
    let Some(start) = html.find("error-summary__list") else { return "none".to_owned() };
    // Skip the rest of the list's own tag, so only its items remain.
    let list = &html[start..];
    let list = &list[list.find('>').map_or(0, |end| end + 1)..];
    let list = &list[..list.find("</ul>").unwrap_or(list.len())];
    let mut text = String::new();
    let mut in_tag = false;
    for c in list.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
