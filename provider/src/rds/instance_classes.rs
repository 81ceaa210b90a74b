//! Memory and vCPU of the Amazon RDS DB instance classes a metastore runs on.
//!
//! The parameter rules need the size of the instance to check absolute values
//! (a 70 GiB buffer pool does not fit a 16 GiB instance) and to size the few
//! parameters RDS cannot express as a formula. The table covers the burstable
//! classes `db.t3` / `db.t4g` (`micro` to `2xlarge`) and the general-purpose and
//! memory-optimized classes RDS for MySQL and PostgreSQL sell today, each in
//! every size RDS offers: `db.m5` / `db.r5` (Intel, to `24xlarge`), `db.m6g` /
//! `db.r6g` and `db.m7g` / `db.r7g` (Graviton2/3, to `16xlarge`), `db.m6i` /
//! `db.r6i` (Intel, to `32xlarge`), `db.m7i` / `db.r7i` (Intel, to `48xlarge`)
//! and `db.m8g` / `db.r8g` (Graviton4, to `48xlarge`). Sources: "DB instance
//! class types" and "Hardware specifications for DB instance classes" in the
//! Amazon RDS User Guide. Every non-burstable size has the EC2 vCPU count of its
//! size name (large 2, xlarge 4, ... 48xlarge 192) and the memory ratio of its
//! kind: 4 GiB per vCPU for `m`, 8 GiB per vCPU for `r`.
//!
//! Note that RDS's `DBInstanceClassMemory` formula variable is somewhat *lower*
//! than the nominal memory listed here (RDS subtracts what the OS and its own
//! agents reserve), so the nominal figure is an upper bound.
//!
//! Pure logic: no I/O.

use std::sync::LazyLock;

use thiserror::Error;

/// One RDS DB instance class, e.g. `db.r6g.large`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceClass {
    /// Full class name, e.g. `db.r6g.large`.
    pub name: &'static str,
    /// Instance class type without the `db.` prefix, e.g. `r6g`.
    pub family: &'static str,
    /// Size, e.g. `large`.
    pub size: &'static str,
    /// Nominal memory in GiB.
    pub memory_gib: u32,
    /// Number of vCPUs.
    pub vcpu: u32,
    /// True for the burstable-performance types (`db.t3`, `db.t4g`).
    pub burstable: bool,
}

impl InstanceClass {
    /// Nominal memory in bytes.
    pub fn memory_bytes(&self) -> u64 {
        u64::from(self.memory_gib) << 30
    }
}

/// The burstable classes: their memory does not follow a per-vCPU ratio.
/// (name, type, size, memory GiB, vCPU)
const BURSTABLE: [(&str, &str, &str, u32, u32); 12] = [
    ("db.t3.micro", "t3", "micro", 1, 2),
    ("db.t3.small", "t3", "small", 2, 2),
    ("db.t3.medium", "t3", "medium", 4, 2),
    ("db.t3.large", "t3", "large", 8, 2),
    ("db.t3.xlarge", "t3", "xlarge", 16, 4),
    ("db.t3.2xlarge", "t3", "2xlarge", 32, 8),
    ("db.t4g.micro", "t4g", "micro", 1, 2),
    ("db.t4g.small", "t4g", "small", 2, 2),
    ("db.t4g.medium", "t4g", "medium", 4, 2),
    ("db.t4g.large", "t4g", "large", 8, 2),
    ("db.t4g.xlarge", "t4g", "xlarge", 16, 4),
    ("db.t4g.2xlarge", "t4g", "2xlarge", 32, 8),
];

/// vCPUs of each non-burstable size, in size order.
const SIZE_VCPU: [(&str, u32); 10] = [
    ("large", 2),
    ("xlarge", 4),
    ("2xlarge", 8),
    ("4xlarge", 16),
    ("8xlarge", 32),
    ("12xlarge", 48),
    ("16xlarge", 64),
    ("24xlarge", 96),
    ("32xlarge", 128),
    ("48xlarge", 192),
];

/// Sizes `large` to `16xlarge`: the Graviton2/3 types.
const TO_16X: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
];
/// Sizes `large` to `24xlarge`: db.m5, db.r5.
const TO_24X: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
];
/// Sizes `large` to `32xlarge`: db.m6i, db.r6i.
const TO_32X: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
    "32xlarge",
];
/// Sizes `large` to `48xlarge`, without `32xlarge`: db.m7i, db.r7i, db.m8g, db.r8g.
const TO_48X: &[&str] = &[
    "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
    "48xlarge",
];

/// The general-purpose and memory-optimized types: (type, GiB per vCPU, sizes RDS sells).
const FAMILIES: [(&str, u32, &[&str]); 12] = [
    ("m5", 4, TO_24X),
    ("m6g", 4, TO_16X),
    ("m6i", 4, TO_32X),
    ("m7g", 4, TO_16X),
    ("m7i", 4, TO_48X),
    ("m8g", 4, TO_48X),
    ("r5", 8, TO_24X),
    ("r6g", 8, TO_16X),
    ("r6i", 8, TO_32X),
    ("r7g", 8, TO_16X),
    ("r7i", 8, TO_48X),
    ("r8g", 8, TO_48X),
];

/// Every instance class this module knows, grouped by type, smallest first. Built once from the
/// tables above; the names live for the whole process.
static CLASSES: LazyLock<Vec<InstanceClass>> = LazyLock::new(|| {
    let mut out: Vec<InstanceClass> = BURSTABLE
        .iter()
        .map(|&(name, family, size, memory_gib, vcpu)| InstanceClass {
            name,
            family,
            size,
            memory_gib,
            vcpu,
            burstable: true,
        })
        .collect();
    for &(family, gib_per_vcpu, sizes) in &FAMILIES {
        for &size in sizes {
            let vcpu = SIZE_VCPU
                .iter()
                .find(|(s, _)| *s == size)
                .map_or(0, |(_, v)| *v);
            let name: &'static str = Box::leak(format!("db.{family}.{size}").into_boxed_str());
            out.push(InstanceClass {
                name,
                family,
                size,
                memory_gib: vcpu * gib_per_vcpu,
                vcpu,
                burstable: false,
            });
        }
    }
    out
});

/// How many suggestions an unknown-class error carries at most.
const MAX_SUGGESTIONS: usize = 3;

/// Why an instance class name was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InstanceClassError {
    /// The text is not of the form `db.<type>.<size>`.
    #[error("`{input}` is not a DB instance class name: {reason}")]
    Malformed {
        /// The text as given.
        input: String,
        /// What is wrong with it, with a corrected name when one is obvious.
        reason: String,
    },
    /// Well formed, but not a class this table knows.
    #[error(
        "`{input}` is not a DB instance class this provider knows{}{}",
        sizes_text(.family_sizes),
        suggestion_text(.suggestions)
    )]
    Unknown {
        /// The text as given.
        input: String,
        /// The known sizes of the same type when the type itself is known.
        family_sizes: Vec<&'static str>,
        /// The nearest known names, closest first.
        suggestions: Vec<&'static str>,
    },
}

fn sizes_text(sizes: &[&'static str]) -> String {
    if sizes.is_empty() {
        let types: Vec<String> = families().iter().map(|f| format!("db.{f}")).collect();
        format!(" (types covered: {})", types.join(", "))
    } else {
        format!(" (known sizes of this type: {})", sizes.join(", "))
    }
}

fn suggestion_text(suggestions: &[&'static str]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => {
            let quoted: Vec<String> = many.iter().map(|s| format!("`{s}`")).collect();
            format!("; did you mean one of {}?", quoted.join(", "))
        }
    }
}

/// All known instance classes, grouped by type, smallest first.
pub fn all() -> &'static [InstanceClass] {
    CLASSES.as_slice()
}

/// The instance class types (`t3`, `r6g`, ...) the table covers, in table order.
pub fn families() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for c in all() {
        if !out.contains(&c.family) {
            out.push(c.family);
        }
    }
    out
}

fn find(name: &str) -> Option<&'static InstanceClass> {
    all().iter().find(|c| c.name == name)
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn malformed(input: &str, reason: impl Into<String>) -> InstanceClassError {
    InstanceClassError::Malformed {
        input: input.to_string(),
        reason: reason.into(),
    }
}

/// Looks up an instance class by its exact name, e.g. `db.r6g.large`.
///
/// A malformed name yields [`InstanceClassError::Malformed`] (with the fix when
/// one is obvious: missing `db.` prefix, upper case, stray blanks); a well-formed
/// but unknown one yields [`InstanceClassError::Unknown`] with the nearest known
/// names.
pub fn lookup(name: &str) -> Result<&'static InstanceClass, InstanceClassError> {
    if let Some(c) = find(name) {
        return Ok(c);
    }
    if name.trim().is_empty() {
        return Err(malformed(
            name,
            "it is empty; expected db.<type>.<size>, e.g. db.r6g.large",
        ));
    }
    if name.trim() != name {
        let fixed = name.trim();
        return Err(malformed(
            name,
            match find(fixed) {
                Some(c) => format!(
                    "it has leading or trailing blanks; did you mean `{}`?",
                    c.name
                ),
                None => "it has leading or trailing blanks".to_string(),
            },
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower != name {
        if let Some(c) = find(&lower).or_else(|| find(&format!("db.{lower}"))) {
            return Err(malformed(
                name,
                format!(
                    "instance class names are lower case; did you mean `{}`?",
                    c.name
                ),
            ));
        }
        return Err(malformed(
            name,
            "instance class names are lower case, e.g. db.r6g.large",
        ));
    }
    if name == "db.serverless" {
        return Err(malformed(
            name,
            "db.serverless is the Aurora Serverless v2 class, whose memory varies with its \
             capacity; this profile targets RDS DB instances with a fixed class",
        ));
    }
    let Some(rest) = name.strip_prefix("db.") else {
        return Err(malformed(
            name,
            match find(&format!("db.{name}")) {
                Some(c) => format!("it lacks the `db.` prefix; did you mean `{}`?", c.name),
                None => "expected db.<type>.<size>, e.g. db.r6g.large (RDS class names start with \
                     `db.`)"
                    .to_string(),
            },
        ));
    };
    let parts: Vec<&str> = rest.split('.').collect();
    let (family, size) = match parts.as_slice() {
        [family, size] if is_token(family) && is_token(size) => (*family, *size),
        _ => {
            return Err(malformed(
                name,
                "expected exactly three dot-separated parts, db.<type>.<size>, e.g. db.r6g.large",
            ));
        }
    };
    if !family.starts_with(|c: char| c.is_ascii_lowercase())
        || !family.contains(|c: char| c.is_ascii_digit())
    {
        return Err(malformed(
            name,
            format!(
                "`{family}` is not an instance class type; types are a letter and a \
                 generation, e.g. r6g, m5, t4g"
            ),
        ));
    }

    let family_sizes: Vec<&'static str> = all()
        .iter()
        .filter(|c| c.family == family)
        .map(|c| c.size)
        .collect();
    let candidates: Vec<&'static InstanceClass> = if family_sizes.is_empty() {
        all().iter().collect()
    } else {
        all().iter().filter(|c| c.family == family).collect()
    };
    let wanted_rank = size_rank(size);
    let mut scored: Vec<(usize, usize, usize, &'static str)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            // A known size of a known type: rank by how far apart the sizes are.
            let size_distance = match (family_sizes.is_empty(), wanted_rank, size_rank(c.size)) {
                (false, Some(w), Some(have)) => w.abs_diff(have),
                _ => 0,
            };
            // Same size in another type is the likeliest intent when the type is unknown.
            let bonus = usize::from(family_sizes.is_empty() && c.size != size);
            (size_distance, levenshtein(name, c.name) + bonus, i, c.name)
        })
        .collect();
    scored.sort();
    let suggestions = scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, _, _, n)| n)
        .collect();
    Err(InstanceClassError::Unknown {
        input: name.to_string(),
        family_sizes,
        suggestions,
    })
}

/// EC2 size names from smallest to largest.
const SIZE_ORDER: [&str; 15] = [
    "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
    "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal",
];

fn size_rank(size: &str) -> Option<usize> {
    SIZE_ORDER.iter().position(|s| *s == size)
}

/// Edit distance (insertions, deletions, substitutions) between two strings.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_classes_have_their_published_sizes() {
        let cases: &[(&str, u32, u32, bool)] = &[
            ("db.t3.micro", 1, 2, true),
            ("db.t3.medium", 4, 2, true),
            ("db.t3.2xlarge", 32, 8, true),
            ("db.t4g.small", 2, 2, true),
            ("db.t4g.xlarge", 16, 4, true),
            ("db.m5.large", 8, 2, false),
            ("db.m5.8xlarge", 128, 32, false),
            ("db.m6g.4xlarge", 64, 16, false),
            ("db.m6i.2xlarge", 32, 8, false),
            ("db.m7g.xlarge", 16, 4, false),
            ("db.r5.large", 16, 2, false),
            ("db.r6g.large", 16, 2, false),
            ("db.r6i.4xlarge", 128, 16, false),
            ("db.r7g.8xlarge", 256, 32, false),
            ("db.r7g.16xlarge", 512, 64, false),
            ("db.m5.24xlarge", 384, 96, false),
            ("db.r6i.32xlarge", 1024, 128, false),
            ("db.m7i.48xlarge", 768, 192, false),
            ("db.r7i.12xlarge", 384, 48, false),
            ("db.m8g.large", 8, 2, false),
            ("db.m8g.48xlarge", 768, 192, false),
            ("db.r8g.large", 16, 2, false),
            ("db.r8g.12xlarge", 384, 48, false),
            ("db.r8g.48xlarge", 1536, 192, false),
        ];
        for (name, gib, vcpu, burst) in cases {
            let c = lookup(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(c.name, *name);
            assert_eq!(c.memory_gib, *gib, "{name} memory");
            assert_eq!(c.vcpu, *vcpu, "{name} vcpu");
            assert_eq!(c.burstable, *burst, "{name} burstable");
            assert_eq!(c.memory_bytes(), u64::from(*gib) * 1024 * 1024 * 1024);
            assert_eq!(format!("db.{}.{}", c.family, c.size), c.name);
        }
    }

    #[test]
    fn table_is_consistent() {
        assert_eq!(
            all().len(),
            12 + 8 + 7 + 9 + 7 + 9 + 9 + 8 + 7 + 9 + 7 + 9 + 9
        );
        assert_eq!(
            families(),
            vec![
                "t3", "t4g", "m5", "m6g", "m6i", "m7g", "m7i", "m8g", "r5", "r6g", "r6i", "r7g",
                "r7i", "r8g"
            ]
        );
        for c in all().iter().filter(|c| !c.burstable) {
            assert!(c.vcpu >= 2, "{}: no vCPU count for its size", c.name);
        }
        for c in all() {
            assert_eq!(format!("db.{}.{}", c.family, c.size), c.name);
            let per_vcpu = c.memory_gib / c.vcpu;
            match c.family.as_bytes()[0] {
                b'm' => assert_eq!(per_vcpu, 4, "{}", c.name),
                b'r' => assert_eq!(per_vcpu, 8, "{}", c.name),
                b't' => assert!(c.burstable, "{}", c.name),
                _ => panic!("unexpected type {}", c.family),
            }
            assert_eq!(all().iter().filter(|o| o.name == c.name).count(), 1);
        }
    }

    #[test]
    fn malformed_names_are_explained() {
        let cases: &[(&str, &str)] = &[
            ("", "it is empty"),
            ("   ", "it is empty"),
            (" db.r6g.large", "did you mean `db.r6g.large`?"),
            ("db.r6g.large\n", "leading or trailing blanks"),
            (
                "r6g.large",
                "lacks the `db.` prefix; did you mean `db.r6g.large`?",
            ),
            ("DB.R6G.LARGE", "lower case; did you mean `db.r6g.large`?"),
            ("R6G.Large", "lower case; did you mean `db.r6g.large`?"),
            ("Db.Foo.Bar", "instance class names are lower case"),
            ("rds.r6g.large", "RDS class names start with `db.`"),
            ("db.r6g", "exactly three dot-separated parts"),
            ("db.r6g.large.extra", "exactly three dot-separated parts"),
            ("db..large", "exactly three dot-separated parts"),
            ("db.r6g_large", "exactly three dot-separated parts"),
            ("db.large.r6g", "`large` is not an instance class type"),
            ("db.6g.large", "`6g` is not an instance class type"),
            ("db.serverless", "Aurora Serverless v2"),
        ];
        for (input, expect) in cases {
            match lookup(input) {
                Err(e @ InstanceClassError::Malformed { .. }) => {
                    let msg = e.to_string();
                    assert!(msg.contains(expect), "{input:?}: {msg}");
                    assert!(msg.contains("is not a DB instance class name"), "{msg}");
                }
                other => panic!("{input:?}: expected Malformed, got {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_names_suggest_the_nearest_known_ones() {
        // (input, expected family sizes listed?, expected first suggestion, must be in suggestions)
        let cases: &[(&str, bool, &str, &[&str])] = &[
            ("db.r6g.medium", true, "db.r6g.large", &["db.r6g.large"]),
            (
                "db.r6g.24xlarge",
                true,
                "db.r6g.16xlarge",
                &["db.r6g.16xlarge"],
            ),
            ("db.r6g.xlarg", true, "db.r6g.xlarge", &["db.r6g.xlarge"]),
            ("db.t3.nano", true, "db.t3.micro", &["db.t3.micro"]),
            ("db.r6gd.large", false, "db.r6g.large", &["db.r6g.large"]),
            (
                "db.r9g.large",
                false,
                "db.r6g.large",
                &["db.r6g.large", "db.r7g.large"],
            ),
            ("db.m6gx.large", false, "db.m6g.large", &["db.m6g.large"]),
            (
                "db.t4.micro",
                false,
                "db.t3.micro",
                &["db.t3.micro", "db.t4g.micro"],
            ),
        ];
        for (input, sizes, first, contains) in cases {
            match lookup(input) {
                Err(
                    ref e @ InstanceClassError::Unknown {
                        ref family_sizes,
                        ref suggestions,
                        ..
                    },
                ) => {
                    assert_eq!(
                        !family_sizes.is_empty(),
                        *sizes,
                        "{input}: {family_sizes:?}"
                    );
                    assert!(suggestions.len() <= MAX_SUGGESTIONS);
                    assert_eq!(suggestions.first(), Some(first), "{input}: {suggestions:?}");
                    for c in *contains {
                        assert!(
                            suggestions.contains(c),
                            "{input}: {suggestions:?} lacks {c}"
                        );
                    }
                    let msg = e.to_string();
                    assert!(msg.contains("did you mean"), "{msg}");
                    assert!(msg.contains(first), "{msg}");
                }
                other => panic!("{input:?}: expected Unknown, got {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_size_lists_the_sizes_of_the_type() {
        let err = lookup("db.r6g.medium").expect_err("unknown");
        let msg = err.to_string();
        assert!(
            msg.contains(
                "known sizes of this type: large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge"
            ),
            "{msg}"
        );
    }

    #[test]
    fn unknown_type_lists_the_covered_types() {
        let msg = lookup("db.x2g.large").expect_err("unknown").to_string();
        assert!(
            msg.contains(
                "(types covered: db.t3, db.t4g, db.m5, db.m6g, db.m6i, db.m7g, db.m7i, db.m8g, \
                 db.r5, db.r6g, db.r6i, db.r7g, db.r7i, db.r8g)"
            ),
            "{msg}"
        );
    }

    #[test]
    fn suggestions_are_deterministic() {
        let a = lookup("db.x2g.large").expect_err("unknown");
        let b = lookup("db.x2g.large").expect_err("unknown");
        assert_eq!(a, b);
    }

    #[test]
    fn levenshtein_distances() {
        let cases: &[(&str, &str, usize)] = &[
            ("", "", 0),
            ("abc", "", 3),
            ("", "abc", 3),
            ("kitten", "sitting", 3),
            ("db.r6g.large", "db.r6g.large", 0),
            ("db.r6g.large", "db.r7g.large", 1),
            ("db.r6g.xlarg", "db.r6g.xlarge", 1),
        ];
        for (a, b, d) in cases {
            assert_eq!(levenshtein(a, b), *d, "{a} vs {b}");
        }
    }
}
