//! For programs that fill in the form as a browser would (`mend demo`): the name of the hidden
//! forgery-protection field and how to read its value from a served page.

/// The hidden field that carries the form's forgery-protection value.
pub const FORM_KEY_FIELD: &str = "_csrf";

/// The forgery-protection value in a form page as this server renders it
/// (`templates/form.html`), or `None` if the page is not a form.
pub fn form_key(page: &str) -> Option<String> {
    let marker = format!("name=\"{FORM_KEY_FIELD}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let length = page[start..].find('"')?;
    Some(page[start..start + length].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_read_from_the_rendered_field() {
        let page = r#"<form><input type="hidden" name="_csrf" value="k3y.v4lue"><input name="x"></form>"#;
        assert_eq!(form_key(page).as_deref(), Some("k3y.v4lue"));
        assert_eq!(form_key("<p>Thank you</p>"), None);
    }
}
