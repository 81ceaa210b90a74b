//! The secret tag in which the rotation function records how a rotation ended badly, read by the
//! provider's `logexaminer_rotate_secret` action to say why a rotation was rolled back.
//!
//! Value: `<outcome> <version> <step>: <reason>`, made of the characters Secrets Manager allows in tag
//! values (letters, digits, spaces and `_ . : / = + - @`, at most 256 characters; Secrets Manager API
//! reference, "Tag"). The reason is the text of the function's notice, which never holds a secret value.

/// The tag key.
pub const OUTCOME_TAG: &str = "logexaminer:last-rotation-outcome";

/// Makes a tag value of free text: disallowed characters become spaces, long text is cut on a
/// character boundary with `...`.
pub fn tag_value(text: &str) -> String {
    let out: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " _.:/=+-@".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    if out.chars().count() > 256 {
        out.chars().take(253).collect::<String>() + "..."
    } else {
        out
    }
}

/// The tag value for a rotation to `version` that ended with `outcome` at `step` because of `reason`.
pub fn outcome_tag(outcome: &str, version: &str, step: &str, reason: &str) -> String {
    tag_value(&format!("{outcome} {version} {step}: {reason}"))
}

/// The step and reason recorded for the rotation to `version`, if the tag is about that version.
pub fn recorded_reason(tag: Option<&str>, version: &str) -> Option<String> {
    let mut parts = tag?.splitn(3, ' ');
    let _outcome = parts.next()?;
    (parts.next()? == version).then(|| parts.next().unwrap_or_default().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_only_allowed_characters_and_length() {
        assert_eq!(tag_value("a\"b'c;d(e)"), "a b c d e ");
        let v = tag_value(&"x".repeat(300));
        assert_eq!(v.chars().count(), 256);
        assert!(v.ends_with("..."));
    }

    #[test]
    fn the_reason_is_found_only_for_its_version() {
        let tag = outcome_tag(
            "RotationRolledBack",
            "v2",
            "testSecret",
            "Access denied for user 'hive'@'%'",
        );
        assert_eq!(
            recorded_reason(Some(&tag), "v2").as_deref(),
            Some("testSecret: Access denied for user  hive @   ")
        );
        assert_eq!(recorded_reason(Some(&tag), "v9"), None);
        assert_eq!(recorded_reason(None, "v2"), None);
    }
}
