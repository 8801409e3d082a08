//! Reads the hidden inputs of an HTML page with plain string search, as a browser keeps them to
//! send back with the form.

/// Every `<input type="hidden">` on the page, as (name, value) in page order.
pub(crate) fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    input_tags(html)
        .filter(|tag| attribute(tag, "type").is_some_and(|kind| kind.eq_ignore_ascii_case("hidden")))
        .filter_map(|tag| {
            let name = attribute(tag, "name")?;
            Some((name, attribute(tag, "value").unwrap_or_default()))
        })
        .collect()
}

/// The text of each `<input …>` tag, from `<input` to the closing `>`.
fn input_tags(html: &str) -> impl Iterator<Item = &str> {
    html.match_indices("<input").filter_map(|(start, _)| {
        let rest = &html[start..];
        rest.find('>').map(|end| &rest[..=end])
    })
}

/// A double-quoted attribute's value, with the entities a template escapes turned back.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::hidden_inputs;

    fn check(html: &str, expected: &[(&str, &str)]) {
        let found = hidden_inputs(html);
        let found: Vec<(&str, &str)> = found.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(found, expected, "in {html:?}");
    }

    #[test]
    fn hidden_inputs_are_found_and_others_ignored() {
        check(r#"<input type="hidden" name="_csrf" value="abc-123">"#, &[("_csrf", "abc-123")]);
        check(r#"<input type="text" name="name" value="Zoë"><input type="hidden" name="a" value="1">"#, &[("a", "1")]);
        check(r#"<input name="b" type="HIDDEN" value="2" />"#, &[("b", "2")]);
        check(r#"<input type="hidden" name="c">"#, &[("c", "")]);
        check(r#"<input type="hidden" name="d" value="x&amp;y&quot;z">"#, &[("d", "x&y\"z")]);
        check(r#"<input type="radio" name="role" value="hurt"><p>no inputs here</p>"#, &[]);
    }
}
