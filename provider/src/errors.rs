//! The one place that formats failures as diagnostics, in the form
//! "<action> <service> <resource> (<id>): <cause>" with a fixed set of actions.
//! Secrets never reach these messages: callers pass identifiers, not values.

use std::fmt;

use tfplugin::Diagnostic;

/// What the provider was doing when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Create.
    Creating,
    /// Read.
    Reading,
    /// Update.
    Updating,
    /// Delete.
    Deleting,
    /// Import.
    Importing,
    /// Waiting for a change to settle.
    WaitingFor,
    /// Undoing a partial create.
    RollingBack,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Creating => "creating",
            Action::Reading => "reading",
            Action::Updating => "updating",
            Action::Deleting => "deleting",
            Action::Importing => "importing",
            Action::WaitingFor => "waiting for",
            Action::RollingBack => "rolling back",
        })
    }
}

/// An error diagnostic "<action> <service> <resource> (<id>): <cause>".
pub fn failed(
    action: Action,
    service: &str,
    resource: &str,
    id: &str,
    cause: impl fmt::Display,
) -> Diagnostic {
    let summary = format!("{action} {service} {resource} ({id})");
    Diagnostic::error(summary.clone(), format!("{summary}: {cause}"))
}

/// Renders an error and its whole `source()` chain on one line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format() {
        let d = failed(
            Action::Creating,
            "S3",
            "tier policy",
            "logs-bucket",
            "AccessDenied",
        );
        assert_eq!(d.summary, "creating S3 tier policy (logs-bucket)");
        assert_eq!(
            d.detail,
            "creating S3 tier policy (logs-bucket): AccessDenied"
        );
    }
}
