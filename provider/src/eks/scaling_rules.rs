//! Pure rules of `logexaminer_eks_node_group_scaling`: no I/O.
//!
//! EKS refuses a node group whose `minSize` exceeds its current `desiredSize` ("Minimum capacity N can't be
//! greater than desired size M", UpdateNodegroupConfig) or whose `desiredSize` exceeds `maxSize`, and the
//! cluster autoscaler changes `desiredSize` all the time. Configuring the *current* desired size, clamped into
//! the new `[min_size, max_size]`, gives a plan that is empty while the autoscaler works and that moves the
//! size exactly as far as a changed bound requires.

/// The desired size to configure: the node group's current desired size (or `initial` when the node group
/// does not exist yet) clamped into `[min, max]`. With `min > max` (refused at validation) `min` wins.
pub fn desired_size(current: Option<i64>, initial: i64, min: i64, max: i64) -> i64 {
    current.unwrap_or(initial).min(max).max(min)
}

/// How a node group is named: exactly, or by the prefix Terraform completes with a unique suffix
/// (`node_group_name_prefix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameMatch<'a> {
    /// `node_group_name`.
    Exact(&'a str),
    /// `node_group_name_prefix`.
    Prefix(&'a str),
}

impl NameMatch<'_> {
    /// Whether `name` is the node group meant. A prefix matches the names Terraform generates from it: the
    /// prefix followed by an 18-digit UTC timestamp and an 8-digit hexadecimal counter, so `lx-spark-` does
    /// not also match `lx-spark-gpu-2024...`.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NameMatch::Exact(n) => name == *n,
            NameMatch::Prefix(p) => name.strip_prefix(p).is_some_and(|rest| {
                rest.len() == 26
                    && rest.bytes().take(18).all(|b| b.is_ascii_digit())
                    && rest
                        .bytes()
                        .skip(18)
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            }),
        }
    }
}

/// Of the node groups `names` (with their creation times, RFC 3339 or epoch text that sorts by time), the
/// one meant by `m`: the newest when several match (a `create_before_destroy` replacement in flight, whose
/// successor carries on the old one's size).
pub fn pick<'n>(m: &NameMatch<'_>, names: &'n [(String, String)]) -> Option<&'n str> {
    names
        .iter()
        .filter(|(n, _)| m.matches(n))
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
        .map(|(n, _)| n.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desired_size_follows_the_bounds_and_otherwise_keeps_the_current_size() {
        // (current, initial, min, max, want)
        let cases = [
            (None, 0, 0, 50, 0),    // new group: the initial size
            (None, 2, 2, 10, 2),    // new group
            (None, 1, 3, 10, 3),    // initial below min
            (Some(7), 2, 2, 10, 7), // the autoscaler's size is kept: no diff
            (Some(7), 2, 9, 10, 9), // min raised above it: follows the floor
            (Some(7), 2, 2, 5, 5),  // max lowered below it: follows the ceiling
            (Some(0), 0, 0, 50, 0), // scaled to zero
            (Some(60), 0, 0, 50, 50),
            (Some(3), 0, 5, 4, 5), // inconsistent bounds (refused elsewhere): min wins
        ];
        for (current, initial, min, max, want) in cases {
            assert_eq!(
                desired_size(current, initial, min, max),
                want,
                "{current:?} {initial} [{min}, {max}]"
            );
        }
    }

    #[test]
    fn prefixes_match_only_terraform_generated_names() {
        let p = NameMatch::Prefix("lx-spark-");
        assert!(p.matches("lx-spark-20261208024500123400000001"));
        assert!(p.matches("lx-spark-2026120802450012340000001f"));
        assert!(!p.matches("lx-spark-gpu-20261208024500123400000001"));
        assert!(!p.matches("lx-spark-"));
        assert!(!p.matches("lx-spark-2026120802450012340000000"));
        assert!(!p.matches("lx-spark-2026120802450012340000000x"));
        let e = NameMatch::Exact("lx-system");
        assert!(e.matches("lx-system"));
        assert!(!e.matches("lx-system-1a"));
    }

    #[test]
    fn the_newest_match_wins() {
        let names = vec![
            (
                "lx-spark-20260101000000000000000001".to_owned(),
                "2026-01-01T00:00:00Z".to_owned(),
            ),
            (
                "lx-spark-20261201000000000000000002".to_owned(),
                "2026-12-01T00:00:00Z".to_owned(),
            ),
            ("lx-system".to_owned(), "2026-12-02T00:00:00Z".to_owned()),
        ];
        assert_eq!(
            pick(&NameMatch::Prefix("lx-spark-"), &names),
            Some("lx-spark-20261201000000000000000002")
        );
        assert_eq!(
            pick(&NameMatch::Exact("lx-system"), &names),
            Some("lx-system")
        );
        assert_eq!(pick(&NameMatch::Exact("lx-other"), &names), None);
    }
}
