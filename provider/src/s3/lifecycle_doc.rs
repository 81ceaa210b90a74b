//! Pure model of a bucket's S3 lifecycle configuration and intelligent-tiering configurations,
//! and the mapping between them and a [`TierPolicy`]. No I/O: the resource converts between
//! these types and the AWS SDK, reads, calls the functions here, and writes.
//!
//! # Ownership
//!
//! The resource owns exactly the lifecycle rules whose ID parses as `logexaminer:<name>:<n>`
//! ([`parse_rule_id`]) and the intelligent-tiering configurations whose ID is
//! `logexaminer-<name>` ([`parse_tiering_config_id`]), where `<name>` is a valid tier set or
//! intelligent-tiering name (letters, digits, `.`, `_`, `-`). Every other rule and
//! configuration is foreign: [`merge`] and [`remove_owned`] keep foreign rules byte for byte and
//! in their order, and [`tiering_changes`] never touches foreign configurations. An ID that
//! starts with the prefix but does not parse is foreign too: the resource never deletes what it
//! cannot attribute to itself.
//!
//! Intelligent-tiering IDs use `-` rather than `:`: the ID travels in the query string
//! (`PUT /?intelligent-tiering&id=<id>`) and the S3 console accepts only letters, digits, `.`,
//! `-` and `_` in configuration names, at most 64 of them. The API reference documents no
//! character set, so the resource keeps to the console's.
//!
//! # Rules per tier set
//!
//! A tier set becomes rule `logexaminer:<name>:0` holding its filter and every action. S3
//! rejects `AbortIncompleteMultipartUpload` in a rule whose filter has tags or object sizes
//! (uploads have neither yet), so when a tier set with such a filter also sets
//! `abort_incomplete_multipart_days`, the abort moves to a second rule `logexaminer:<name>:1`
//! with a prefix-only filter. No other case produces more than one rule.
//!
//! # Drift
//!
//! [`tier_sets_from_rules`] and [`tierings_from_configs`] rebuild the model from what is on the
//! bucket. A tier set (or intelligent-tiering block) is rebuilt only if rendering the rebuilt
//! model gives back the same rules (compared with [`same_rule`]); otherwise (a disabled rule, a
//! date-based action, an extra rule with our prefix, an unknown storage class) it is left out,
//! so the plan shows it as missing and apply writes it again.

use std::collections::BTreeMap;

use super::tier_rules::{
    Filter, IntelligentTiering, MAX_TIER_SET_NAME_LEN, MAX_TIERING_NAME_LEN, MinimumObjectSize,
    NoncurrentTransition, StorageClass, TierPolicy, TierSet, TieringFilter, Transition, Val,
    valid_name,
};

/// Prefix of the lifecycle rule IDs the resource owns: `logexaminer:<name>:<n>`.
pub const RULE_ID_PREFIX: &str = "logexaminer:";

/// Prefix of the intelligent-tiering configuration IDs the resource owns: `logexaminer-<name>`.
pub const IT_ID_PREFIX: &str = "logexaminer-";

/// Longest lifecycle rule ID S3 accepts.
pub const MAX_RULE_ID_LEN: usize = 255;

/// Longest intelligent-tiering configuration ID the resource writes (the S3 console's limit
/// for configuration names).
pub const MAX_IT_ID_LEN: usize = 64;

/// Most rules one lifecycle configuration may hold.
pub const MAX_RULES: usize = 1000;

/// Rule number of a tier set's main rule.
pub const MAIN_RULE: u32 = 0;

/// Rule number of the prefix-only rule that carries a tier set's abort of multipart uploads
/// when its filter has tags or object sizes.
pub const ABORT_RULE: u32 = 1;

/// Why a policy cannot be rendered yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocError {
    /// A value needed to render the policy is not known yet.
    #[error("{path} is not known yet")]
    Unknown {
        /// Attribute path.
        path: String,
    },
    /// A required value is not set.
    #[error("{path} is required")]
    Missing {
        /// Attribute path.
        path: String,
    },
    /// A storage class is not a lifecycle transition target.
    #[error("{path}: {value:?} is not an S3 lifecycle storage class")]
    StorageClass {
        /// Attribute path.
        path: String,
        /// The value given.
        value: String,
    },
    /// A name cannot be part of an ID.
    #[error("{path}: {name:?} cannot be used in an S3 rule or configuration ID")]
    Name {
        /// Attribute path.
        path: String,
        /// The name given.
        name: String,
    },
    /// Two tier sets, or two intelligent-tiering blocks, share a name.
    #[error("{path}: the name {name:?} is used twice")]
    DuplicateName {
        /// Attribute path of the second use.
        path: String,
        /// The name.
        name: String,
    },
    /// A tier set has no action.
    #[error("{path}: the tier set has no transition, expiration or abort")]
    NoAction {
        /// Attribute path.
        path: String,
    },
    /// A tier set only aborts multipart uploads but filters by tags or size.
    #[error("{path}: incomplete multipart uploads cannot be selected by tags or object size")]
    AbortFilter {
        /// Attribute path.
        path: String,
    },
    /// An intelligent-tiering block has no archive tier.
    #[error("{path}: set archive_access_days, deep_archive_access_days or both")]
    NoTier {
        /// Attribute path.
        path: String,
    },
    /// The merged configuration has too many rules.
    #[error("the lifecycle configuration would have {count} rules; S3 allows at most {MAX_RULES}")]
    TooManyRules {
        /// Rules after the merge.
        count: usize,
    },
}

/// Status of a lifecycle rule or intelligent-tiering configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RuleStatus {
    /// Active.
    #[default]
    Enabled,
    /// Kept but not applied.
    Disabled,
}

impl RuleStatus {
    /// The S3 API value.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Enabled => "Enabled",
            RuleStatus::Disabled => "Disabled",
        }
    }
}

/// An S3 tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// The `Filter` element of a lifecycle rule, in the shapes S3 accepts: one predicate, or
/// several under `And`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleFilter {
    /// Key prefix (empty: every object).
    Prefix(String),
    /// One tag.
    Tag(Tag),
    /// Objects larger than this many bytes.
    ObjectSizeGreaterThan(i64),
    /// Objects smaller than this many bytes.
    ObjectSizeLessThan(i64),
    /// Several predicates, all of which must hold.
    And(AndFilter),
}

/// The `And` element of a lifecycle rule filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AndFilter {
    /// Key prefix.
    pub prefix: Option<String>,
    /// Tags, in the order S3 returned them.
    pub tags: Vec<Tag>,
    /// Objects larger than this many bytes.
    pub object_size_greater_than: Option<i64>,
    /// Objects smaller than this many bytes.
    pub object_size_less_than: Option<i64>,
}

/// A `Transition` element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleTransition {
    /// Days after creation.
    pub days: Option<i64>,
    /// Date (ISO 8601, as S3 returned it) instead of days.
    pub date: Option<String>,
    /// Target storage class, as S3 spells it.
    pub storage_class: String,
}

/// A `NoncurrentVersionTransition` element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleNoncurrentTransition {
    /// Days after the version became noncurrent.
    pub noncurrent_days: Option<i64>,
    /// Newer noncurrent versions kept out of the transition.
    pub newer_noncurrent_versions: Option<i64>,
    /// Target storage class.
    pub storage_class: String,
}

/// One lifecycle rule, with every field S3 has, so that foreign rules survive a
/// read-modify-write unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleRule {
    /// Rule ID (S3 fills one in when a writer leaves it out).
    pub id: Option<String>,
    /// Enabled or disabled.
    pub status: RuleStatus,
    /// Deprecated top-level `Prefix` element (rules written before `Filter` existed).
    pub legacy_prefix: Option<String>,
    /// The `Filter` element.
    pub filter: Option<RuleFilter>,
    /// Transitions of current versions.
    pub transitions: Vec<RuleTransition>,
    /// Transitions of noncurrent versions.
    pub noncurrent_transitions: Vec<RuleNoncurrentTransition>,
    /// `Expiration.Days`.
    pub expiration_days: Option<i64>,
    /// `Expiration.Date`.
    pub expiration_date: Option<String>,
    /// `Expiration.ExpiredObjectDeleteMarker`.
    pub expired_object_delete_marker: Option<bool>,
    /// `NoncurrentVersionExpiration.NoncurrentDays`.
    pub noncurrent_expiration_days: Option<i64>,
    /// `NoncurrentVersionExpiration.NewerNoncurrentVersions`.
    pub noncurrent_expiration_newer_versions: Option<i64>,
    /// `AbortIncompleteMultipartUpload.DaysAfterInitiation`.
    pub abort_incomplete_multipart_days: Option<i64>,
}

/// A bucket's whole lifecycle configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleDocument {
    /// The rules, in order.
    pub rules: Vec<LifecycleRule>,
    /// `TransitionDefaultMinimumObjectSize` of the configuration (bucket-wide).
    pub transition_default_minimum_object_size: Option<String>,
}

/// A filter reduced to its conditions, whatever shape S3 stored it in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterParts {
    /// Key prefix, empty for every key.
    pub prefix: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Objects larger than this many bytes.
    pub object_size_greater_than: Option<i64>,
    /// Objects smaller than this many bytes.
    pub object_size_less_than: Option<i64>,
}

impl LifecycleRule {
    /// The rule's conditions, from `Filter` or the legacy `Prefix`.
    pub fn filter_parts(&self) -> FilterParts {
        let mut parts = FilterParts::default();
        match &self.filter {
            None => parts.prefix = self.legacy_prefix.clone().unwrap_or_default(),
            Some(RuleFilter::Prefix(p)) => parts.prefix = p.clone(),
            Some(RuleFilter::Tag(t)) => {
                parts.tags.insert(t.key.clone(), t.value.clone());
            }
            Some(RuleFilter::ObjectSizeGreaterThan(n)) => parts.object_size_greater_than = Some(*n),
            Some(RuleFilter::ObjectSizeLessThan(n)) => parts.object_size_less_than = Some(*n),
            Some(RuleFilter::And(and)) => {
                parts.prefix = and.prefix.clone().unwrap_or_default();
                for t in &and.tags {
                    parts.tags.insert(t.key.clone(), t.value.clone());
                }
                parts.object_size_greater_than = and.object_size_greater_than;
                parts.object_size_less_than = and.object_size_less_than;
            }
        }
        parts
    }

    /// Whether the rule has at least one action (S3 rejects a rule without one).
    pub fn has_action(&self) -> bool {
        !self.transitions.is_empty()
            || !self.noncurrent_transitions.is_empty()
            || self.expiration_days.is_some()
            || self.expiration_date.is_some()
            || self.expired_object_delete_marker == Some(true)
            || self.noncurrent_expiration_days.is_some()
            || self.noncurrent_expiration_newer_versions.is_some()
            || self.abort_incomplete_multipart_days.is_some()
    }
}

/// The filter S3 accepts for these conditions: `Prefix("")` when there are none, the single
/// predicate when there is one, `And` otherwise. An empty prefix is left out of `And`.
pub fn build_filter(
    prefix: &str,
    tags: &BTreeMap<String, String>,
    greater_than: Option<i64>,
    less_than: Option<i64>,
) -> RuleFilter {
    let count = usize::from(!prefix.is_empty())
        + tags.len()
        + usize::from(greater_than.is_some())
        + usize::from(less_than.is_some());
    let tag_list: Vec<Tag> = tags
        .iter()
        .map(|(k, v)| Tag {
            key: k.clone(),
            value: v.clone(),
        })
        .collect();
    match count {
        0 => RuleFilter::Prefix(String::new()),
        1 if !prefix.is_empty() => RuleFilter::Prefix(prefix.to_owned()),
        1 => {
            if let Some(tag) = tag_list.into_iter().next() {
                RuleFilter::Tag(tag)
            } else if let Some(n) = greater_than {
                RuleFilter::ObjectSizeGreaterThan(n)
            } else {
                RuleFilter::ObjectSizeLessThan(less_than.unwrap_or_default())
            }
        }
        _ => RuleFilter::And(AndFilter {
            prefix: (!prefix.is_empty()).then(|| prefix.to_owned()),
            tags: tag_list,
            object_size_greater_than: greater_than,
            object_size_less_than: less_than,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// IDs and ownership
// ---------------------------------------------------------------------------------------------

/// The ID of rule `n` of tier set `name`: `logexaminer:<name>:<n>`.
pub fn rule_id(name: &str, n: u32) -> String {
    format!("{RULE_ID_PREFIX}{name}:{n}")
}

/// The tier set name and rule number of an owned rule ID; `None` for a foreign ID.
pub fn parse_rule_id(id: &str) -> Option<(&str, u32)> {
    let rest = id.strip_prefix(RULE_ID_PREFIX)?;
    let (name, n) = rest.rsplit_once(':')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !valid_name(name, MAX_TIER_SET_NAME_LEN) {
        return None;
    }
    Some((name, n.parse().ok()?))
}

/// Whether the resource owns the lifecycle rule with this ID.
pub fn owned(rule_id: &str) -> bool {
    parse_rule_id(rule_id).is_some()
}

fn rule_owned(rule: &LifecycleRule) -> bool {
    rule.id.as_deref().is_some_and(owned)
}

/// The ID of intelligent-tiering block `name`: `logexaminer-<name>`.
pub fn tiering_config_id(name: &str) -> String {
    format!("{IT_ID_PREFIX}{name}")
}

/// The block name of an owned intelligent-tiering configuration ID; `None` for a foreign ID.
pub fn parse_tiering_config_id(id: &str) -> Option<&str> {
    let name = id.strip_prefix(IT_ID_PREFIX)?;
    valid_name(name, MAX_TIERING_NAME_LEN).then_some(name)
}

/// Whether the resource owns the intelligent-tiering configuration with this ID.
pub fn owned_tiering_config(id: &str) -> bool {
    parse_tiering_config_id(id).is_some()
}

// ---------------------------------------------------------------------------------------------
// Policy -> rules
// ---------------------------------------------------------------------------------------------

fn need<T>(v: &Val<T>, path: impl FnOnce() -> String) -> Result<&T, DocError> {
    match v {
        Val::Known(x) => Ok(x),
        Val::Unknown => Err(DocError::Unknown { path: path() }),
        Val::Null => Err(DocError::Missing { path: path() }),
    }
}

fn opt<T>(v: &Val<T>, path: impl FnOnce() -> String) -> Result<Option<&T>, DocError> {
    match v {
        Val::Known(x) => Ok(Some(x)),
        Val::Unknown => Err(DocError::Unknown { path: path() }),
        Val::Null => Ok(None),
    }
}

fn storage_class(v: &Val<String>, path: impl Fn() -> String) -> Result<String, DocError> {
    let s = need(v, &path)?;
    match s.parse::<StorageClass>() {
        Ok(c) if c != StorageClass::Standard => Ok(c.as_str().to_owned()),
        _ => Err(DocError::StorageClass {
            path: path(),
            value: s.clone(),
        }),
    }
}

/// The lifecycle rules of one tier set (`index` is its position, for error paths): rule 0,
/// plus rule 1 when the abort of multipart uploads must be split off (see the module docs).
pub fn rules_for_tier_set(ts: &TierSet, index: usize) -> Result<Vec<LifecycleRule>, DocError> {
    let p = |rest: &str| format!("tier_set[{index}]{rest}");
    let name = need(&ts.name, || p(".name"))?;
    if !valid_name(name, MAX_TIER_SET_NAME_LEN) {
        return Err(DocError::Name {
            path: p(".name"),
            name: name.clone(),
        });
    }
    let parts = match &ts.filter {
        Val::Null => FilterParts::default(),
        Val::Unknown => return Err(DocError::Unknown { path: p(".filter") }),
        Val::Known(f) => FilterParts {
            prefix: opt(&f.prefix, || p(".filter[0].prefix"))?
                .cloned()
                .unwrap_or_default(),
            tags: opt(&f.tags, || p(".filter[0].tags"))?
                .cloned()
                .unwrap_or_default(),
            object_size_greater_than: opt(&f.object_size_greater_than, || {
                p(".filter[0].object_size_greater_than")
            })?
            .copied(),
            object_size_less_than: opt(&f.object_size_less_than, || {
                p(".filter[0].object_size_less_than")
            })?
            .copied(),
        },
    };

    if ts.transition.is_unknown() {
        return Err(DocError::Unknown {
            path: p(".transition"),
        });
    }
    let mut transitions = Vec::new();
    for (k, t) in ts.transition.items().iter().enumerate() {
        transitions.push(RuleTransition {
            days: Some(*need(&t.days, || p(&format!(".transition[{k}].days")))?),
            date: None,
            storage_class: storage_class(&t.storage_class, || {
                p(&format!(".transition[{k}].storage_class"))
            })?,
        });
    }
    if ts.noncurrent_transition.is_unknown() {
        return Err(DocError::Unknown {
            path: p(".noncurrent_transition"),
        });
    }
    let mut noncurrent_transitions = Vec::new();
    for (k, t) in ts.noncurrent_transition.items().iter().enumerate() {
        let at = |attr: &str| p(&format!(".noncurrent_transition[{k}].{attr}"));
        noncurrent_transitions.push(RuleNoncurrentTransition {
            noncurrent_days: Some(*need(&t.noncurrent_days, || at("noncurrent_days"))?),
            newer_noncurrent_versions: opt(&t.newer_noncurrent_versions, || {
                at("newer_noncurrent_versions")
            })?
            .copied(),
            storage_class: storage_class(&t.storage_class, || at("storage_class"))?,
        });
    }
    let expiration = opt(&ts.expiration_days, || p(".expiration_days"))?.copied();
    let noncurrent_expiration = opt(&ts.noncurrent_expiration_days, || {
        p(".noncurrent_expiration_days")
    })?
    .copied();
    let abort = opt(&ts.abort_incomplete_multipart_days, || {
        p(".abort_incomplete_multipart_days")
    })?
    .copied();

    let narrowed = !parts.tags.is_empty()
        || parts.object_size_greater_than.is_some()
        || parts.object_size_less_than.is_some();
    let split = abort.is_some() && narrowed;
    let main = LifecycleRule {
        id: Some(rule_id(name, MAIN_RULE)),
        status: RuleStatus::Enabled,
        legacy_prefix: None,
        filter: Some(build_filter(
            &parts.prefix,
            &parts.tags,
            parts.object_size_greater_than,
            parts.object_size_less_than,
        )),
        transitions,
        noncurrent_transitions,
        expiration_days: expiration,
        expiration_date: None,
        expired_object_delete_marker: None,
        noncurrent_expiration_days: noncurrent_expiration,
        noncurrent_expiration_newer_versions: None,
        abort_incomplete_multipart_days: if split { None } else { abort },
    };
    if !main.has_action() {
        return Err(if split {
            DocError::AbortFilter { path: p(".filter") }
        } else {
            DocError::NoAction { path: p("") }
        });
    }
    let mut rules = vec![main];
    if split {
        rules.push(LifecycleRule {
            id: Some(rule_id(name, ABORT_RULE)),
            filter: Some(build_filter(&parts.prefix, &BTreeMap::new(), None, None)),
            abort_incomplete_multipart_days: abort,
            ..LifecycleRule::default()
        });
    }
    Ok(rules)
}

/// The lifecycle rules the policy wants, in tier set order. Fails when a value it needs is
/// unknown or invalid; run [`super::tier_rules::validate`] first for user-facing messages.
pub fn desired_rules(policy: &TierPolicy) -> Result<Vec<LifecycleRule>, DocError> {
    if policy.tier_set.is_unknown() {
        return Err(DocError::Unknown {
            path: "tier_set".to_owned(),
        });
    }
    let mut names = BTreeMap::new();
    let mut rules = Vec::new();
    for (i, ts) in policy.tier_set.items().iter().enumerate() {
        if let Val::Known(name) = &ts.name
            && names.insert(name.clone(), i).is_some()
        {
            return Err(DocError::DuplicateName {
                path: format!("tier_set[{i}].name"),
                name: name.clone(),
            });
        }
        rules.extend(rules_for_tier_set(ts, i)?);
    }
    Ok(rules)
}

// ---------------------------------------------------------------------------------------------
// Merging with what is on the bucket
// ---------------------------------------------------------------------------------------------

/// `existing` with its owned rules replaced by `desired` (which must all be owned). Foreign
/// rules stay unchanged and in order; the desired rules take the place of the first owned rule,
/// or go last when the bucket had none. Merging twice gives the same result.
pub fn merge(existing: &[LifecycleRule], desired: &[LifecycleRule]) -> Vec<LifecycleRule> {
    let mut out = Vec::with_capacity(existing.len() + desired.len());
    let mut placed = false;
    for rule in existing {
        if rule_owned(rule) {
            if !placed {
                out.extend_from_slice(desired);
                placed = true;
            }
        } else {
            out.push(rule.clone());
        }
    }
    if !placed {
        out.extend_from_slice(desired);
    }
    out
}

/// [`merge`] on a whole configuration. `minimum_object_size` replaces the bucket-wide
/// `TransitionDefaultMinimumObjectSize` when set and keeps the existing one when `None`. An
/// empty `rules` in the result means the caller deletes the lifecycle configuration (S3
/// rejects one without rules).
pub fn merge_document(
    existing: &LifecycleDocument,
    desired: &[LifecycleRule],
    minimum_object_size: Option<MinimumObjectSize>,
) -> Result<LifecycleDocument, DocError> {
    let rules = merge(&existing.rules, desired);
    if rules.len() > MAX_RULES {
        return Err(DocError::TooManyRules { count: rules.len() });
    }
    Ok(LifecycleDocument {
        rules,
        transition_default_minimum_object_size: minimum_object_size
            .map(|m| m.as_str().to_owned())
            .or_else(|| existing.transition_default_minimum_object_size.clone()),
    })
}

/// `existing` without the owned rules (what destroy writes back; delete the configuration when
/// this is empty).
pub fn remove_owned(existing: &[LifecycleRule]) -> Vec<LifecycleRule> {
    existing
        .iter()
        .filter(|r| !rule_owned(r))
        .cloned()
        .collect()
}

/// A rule in a form where equivalent spellings compare equal.
#[derive(PartialEq)]
struct RuleKey {
    id: Option<String>,
    status: RuleStatus,
    filter: FilterParts,
    transitions: Vec<(Option<i64>, Option<String>, String)>,
    noncurrent: Vec<(Option<i64>, Option<i64>, String)>,
    expiration_days: Option<i64>,
    expiration_date: Option<String>,
    delete_marker: bool,
    noncurrent_expiration_days: Option<i64>,
    noncurrent_expiration_newer_versions: Option<i64>,
    abort: Option<i64>,
}

fn rule_key(r: &LifecycleRule) -> RuleKey {
    let mut transitions: Vec<_> = r
        .transitions
        .iter()
        .map(|t| (t.days, t.date.clone(), t.storage_class.clone()))
        .collect();
    transitions.sort();
    let mut noncurrent: Vec<_> = r
        .noncurrent_transitions
        .iter()
        .map(|t| {
            (
                t.noncurrent_days,
                t.newer_noncurrent_versions,
                t.storage_class.clone(),
            )
        })
        .collect();
    noncurrent.sort();
    RuleKey {
        id: r.id.clone(),
        status: r.status,
        filter: r.filter_parts(),
        transitions,
        noncurrent,
        expiration_days: r.expiration_days,
        expiration_date: r.expiration_date.clone(),
        delete_marker: r.expired_object_delete_marker == Some(true),
        noncurrent_expiration_days: r.noncurrent_expiration_days,
        noncurrent_expiration_newer_versions: r.noncurrent_expiration_newer_versions,
        abort: r.abort_incomplete_multipart_days,
    }
}

/// Whether two rules mean the same: equal IDs, status and actions, and filters with equal
/// conditions whatever their shape (`Prefix` or `And`, tag order, legacy prefix).
pub fn same_rule(a: &LifecycleRule, b: &LifecycleRule) -> bool {
    rule_key(a) == rule_key(b)
}

fn same_rule_sets(a: &[&LifecycleRule], b: &[&LifecycleRule]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| same_rule(x, y)))
}

/// Whether the owned rules of `existing` are exactly `desired` (in any order): when they are
/// and the minimum object size matches, apply has nothing to write.
pub fn owned_rules_match(existing: &[LifecycleRule], desired: &[LifecycleRule]) -> bool {
    let owned: Vec<&LifecycleRule> = existing.iter().filter(|r| rule_owned(r)).collect();
    let desired: Vec<&LifecycleRule> = desired.iter().collect();
    same_rule_sets(&owned, &desired)
}

// ---------------------------------------------------------------------------------------------
// Rules -> policy (read, import, drift)
// ---------------------------------------------------------------------------------------------

fn filter_from_parts(parts: &FilterParts) -> Val<Filter> {
    if *parts == FilterParts::default() {
        return Val::Null;
    }
    Val::Known(Filter {
        prefix: if parts.prefix.is_empty() {
            Val::Null
        } else {
            Val::Known(parts.prefix.clone())
        },
        tags: if parts.tags.is_empty() {
            Val::Null
        } else {
            Val::Known(parts.tags.clone())
        },
        object_size_greater_than: Val::from_option(parts.object_size_greater_than),
        object_size_less_than: Val::from_option(parts.object_size_less_than),
    })
}

fn rebuild_tier_set(name: &str, rules: &[(u32, &LifecycleRule)]) -> TierSet {
    let main = rules
        .iter()
        .find(|(n, _)| *n == MAIN_RULE)
        .or_else(|| rules.first())
        .map(|(_, r)| *r);
    let mut transitions: Vec<&RuleTransition> =
        rules.iter().flat_map(|(_, r)| &r.transitions).collect();
    transitions.sort_by_key(|t| t.days);
    let mut noncurrent: Vec<&RuleNoncurrentTransition> = rules
        .iter()
        .flat_map(|(_, r)| &r.noncurrent_transitions)
        .collect();
    noncurrent.sort_by_key(|t| t.noncurrent_days);
    let first = |f: fn(&LifecycleRule) -> Option<i64>| {
        Val::from_option(rules.iter().find_map(|(_, r)| f(r)))
    };
    TierSet {
        name: Val::Known(name.to_owned()),
        filter: main.map_or(Val::Null, |r| filter_from_parts(&r.filter_parts())),
        transition: Val::Known(
            transitions
                .into_iter()
                .map(|t| Transition {
                    days: Val::from_option(t.days),
                    storage_class: Val::Known(t.storage_class.clone()),
                })
                .collect(),
        ),
        noncurrent_transition: Val::Known(
            noncurrent
                .into_iter()
                .map(|t| NoncurrentTransition {
                    noncurrent_days: Val::from_option(t.noncurrent_days),
                    newer_noncurrent_versions: Val::from_option(t.newer_noncurrent_versions),
                    storage_class: Val::Known(t.storage_class.clone()),
                })
                .collect(),
        ),
        expiration_days: first(|r| r.expiration_days),
        noncurrent_expiration_days: first(|r| r.noncurrent_expiration_days),
        abort_incomplete_multipart_days: first(|r| r.abort_incomplete_multipart_days),
    }
}

/// The tier sets the owned rules of `existing` express, in order of first appearance. A tier
/// set whose rules are not exactly what the resource would write for it is left out (see the
/// module docs), so that the difference shows in the plan.
pub fn tier_sets_from_rules(existing: &[LifecycleRule]) -> Vec<TierSet> {
    let mut groups: Vec<(&str, Vec<(u32, &LifecycleRule)>)> = Vec::new();
    for rule in existing {
        let Some((name, n)) = rule.id.as_deref().and_then(parse_rule_id) else {
            continue;
        };
        match groups.iter_mut().find(|(g, _)| *g == name) {
            Some((_, rules)) => rules.push((n, rule)),
            None => groups.push((name, vec![(n, rule)])),
        }
    }
    let mut out = Vec::new();
    for (name, rules) in groups {
        let tier_set = rebuild_tier_set(name, &rules);
        let Ok(rendered) = rules_for_tier_set(&tier_set, 0) else {
            continue;
        };
        let found: Vec<&LifecycleRule> = rules.iter().map(|(_, r)| *r).collect();
        let rendered: Vec<&LifecycleRule> = rendered.iter().collect();
        if same_rule_sets(&found, &rendered) {
            out.push(tier_set);
        }
    }
    out
}

fn order_by_name<T>(
    reference: Vec<Option<&str>>,
    found: Vec<T>,
    name: fn(&T) -> Option<&str>,
) -> Vec<T> {
    let mut rest: Vec<Option<T>> = found.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(rest.len());
    for wanted in reference.into_iter().flatten() {
        if let Some(slot) = rest
            .iter_mut()
            .find(|slot| slot.as_ref().is_some_and(|t| name(t) == Some(wanted)))
        {
            out.extend(slot.take());
        }
    }
    out.extend(rest.into_iter().flatten());
    out
}

/// `found` reordered like `reference` (prior state or configuration) by name; names not in
/// `reference` keep their order after the others. Keeps Read from reporting order-only drift.
pub fn order_tier_sets_like(reference: &[TierSet], found: Vec<TierSet>) -> Vec<TierSet> {
    let names = reference
        .iter()
        .map(|t| t.name.known().map(String::as_str))
        .collect();
    order_by_name(names, found, |t| t.name.known().map(String::as_str))
}

/// [`order_tier_sets_like`] for intelligent-tiering blocks.
pub fn order_tierings_like(
    reference: &[IntelligentTiering],
    found: Vec<IntelligentTiering>,
) -> Vec<IntelligentTiering> {
    let names = reference
        .iter()
        .map(|t| t.name.known().map(String::as_str))
        .collect();
    order_by_name(names, found, |t| t.name.known().map(String::as_str))
}

// ---------------------------------------------------------------------------------------------
// Intelligent-tiering configurations
// ---------------------------------------------------------------------------------------------

/// One S3 Intelligent-Tiering configuration of the bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItConfig {
    /// Configuration ID.
    pub id: String,
    /// Enabled or disabled.
    pub status: RuleStatus,
    /// Key prefix of the filter.
    pub prefix: Option<String>,
    /// Tags of the filter.
    pub tags: Vec<Tag>,
    /// `ARCHIVE_ACCESS` tiering days.
    pub archive_days: Option<i64>,
    /// `DEEP_ARCHIVE_ACCESS` tiering days.
    pub deep_archive_days: Option<i64>,
}

/// The configuration of one intelligent-tiering block (`index` is its position, for errors).
pub fn tiering_config(it: &IntelligentTiering, index: usize) -> Result<ItConfig, DocError> {
    let p = |rest: &str| format!("intelligent_tiering[{index}]{rest}");
    let name = need(&it.name, || p(".name"))?;
    if !valid_name(name, MAX_TIERING_NAME_LEN) {
        return Err(DocError::Name {
            path: p(".name"),
            name: name.clone(),
        });
    }
    let (prefix, tags) = match &it.filter {
        Val::Null => (None, Vec::new()),
        Val::Unknown => return Err(DocError::Unknown { path: p(".filter") }),
        Val::Known(f) => (
            opt(&f.prefix, || p(".filter[0].prefix"))?
                .filter(|s| !s.is_empty())
                .cloned(),
            opt(&f.tags, || p(".filter[0].tags"))?
                .map(|t| {
                    t.iter()
                        .map(|(k, v)| Tag {
                            key: k.clone(),
                            value: v.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
    };
    let archive_days = opt(&it.archive_access_days, || p(".archive_access_days"))?.copied();
    let deep_archive_days = opt(&it.deep_archive_access_days, || {
        p(".deep_archive_access_days")
    })?
    .copied();
    if archive_days.is_none() && deep_archive_days.is_none() {
        return Err(DocError::NoTier { path: p("") });
    }
    Ok(ItConfig {
        id: tiering_config_id(name),
        status: RuleStatus::Enabled,
        prefix,
        tags,
        archive_days,
        deep_archive_days,
    })
}

/// The intelligent-tiering configurations the policy wants, in block order.
pub fn desired_tiering_configs(policy: &TierPolicy) -> Result<Vec<ItConfig>, DocError> {
    if policy.intelligent_tiering.is_unknown() {
        return Err(DocError::Unknown {
            path: "intelligent_tiering".to_owned(),
        });
    }
    let mut out: Vec<ItConfig> = Vec::new();
    for (i, it) in policy.intelligent_tiering.items().iter().enumerate() {
        let config = tiering_config(it, i)?;
        if out.iter().any(|c| c.id == config.id) {
            return Err(DocError::DuplicateName {
                path: format!("intelligent_tiering[{i}].name"),
                name: it.name.known().cloned().unwrap_or_default(),
            });
        }
        out.push(config);
    }
    Ok(out)
}

/// Whether two configurations mean the same (empty and absent prefix alike, tags in any order).
pub fn same_tiering_config(a: &ItConfig, b: &ItConfig) -> bool {
    let norm = |c: &ItConfig| {
        let mut tags = c.tags.clone();
        tags.sort();
        (
            c.id.clone(),
            c.status,
            c.prefix.clone().unwrap_or_default(),
            tags,
            c.archive_days,
            c.deep_archive_days,
        )
    };
    norm(a) == norm(b)
}

/// The intelligent-tiering blocks the owned configurations of `existing` express, in the given
/// order. A configuration the resource would not write as it is (disabled, or not
/// representable) is left out, so that the plan shows it as missing.
pub fn tierings_from_configs(existing: &[ItConfig]) -> Vec<IntelligentTiering> {
    let mut out = Vec::new();
    for config in existing {
        let Some(name) = parse_tiering_config_id(&config.id) else {
            continue;
        };
        let tags: BTreeMap<String, String> = config
            .tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect();
        let prefix = config.prefix.clone().filter(|p| !p.is_empty());
        let filter = if prefix.is_none() && tags.is_empty() {
            Val::Null
        } else {
            Val::Known(TieringFilter {
                prefix: Val::from_option(prefix),
                tags: if tags.is_empty() {
                    Val::Null
                } else {
                    Val::Known(tags)
                },
            })
        };
        let block = IntelligentTiering {
            name: Val::Known(name.to_owned()),
            filter,
            archive_access_days: Val::from_option(config.archive_days),
            deep_archive_access_days: Val::from_option(config.deep_archive_days),
        };
        if tiering_config(&block, 0).is_ok_and(|c| same_tiering_config(&c, config)) {
            out.push(block);
        }
    }
    out
}

/// What apply must do to the bucket's intelligent-tiering configurations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TieringChanges {
    /// Configurations to put (new, or different from what is there).
    pub put: Vec<ItConfig>,
    /// IDs of owned configurations to delete.
    pub delete: Vec<String>,
}

impl TieringChanges {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.delete.is_empty()
    }
}

/// The puts and deletes that turn the owned configurations of `existing` into `desired`.
/// Foreign configurations are never touched.
pub fn tiering_changes(existing: &[ItConfig], desired: &[ItConfig]) -> TieringChanges {
    let put = desired
        .iter()
        .filter(|d| !existing.iter().any(|e| same_tiering_config(e, d)))
        .cloned()
        .collect();
    let delete = existing
        .iter()
        .filter(|e| owned_tiering_config(&e.id) && !desired.iter().any(|d| d.id == e.id))
        .map(|e| e.id.clone())
        .collect();
    TieringChanges { put, delete }
}

#[cfg(test)]
mod tests {
    use super::super::tier_rules::validate;
    use super::*;

    fn tr(days: i64, class: &str) -> Transition {
        Transition {
            days: days.into(),
            storage_class: class.into(),
        }
    }

    fn tag_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.to_owned(),
            value: v.to_owned(),
        }
    }

    fn policy() -> TierPolicy {
        TierPolicy {
            bucket: "b".into(),
            tier_set: Val::Known(vec![
                TierSet {
                    name: "app".into(),
                    filter: Val::Known(Filter {
                        prefix: "app/".into(),
                        object_size_greater_than: 131072.into(),
                        ..Filter::default()
                    }),
                    transition: Val::Known(vec![tr(30, "STANDARD_IA"), tr(90, "GLACIER")]),
                    noncurrent_transition: Val::Known(vec![NoncurrentTransition {
                        noncurrent_days: 30.into(),
                        newer_noncurrent_versions: 2.into(),
                        storage_class: "STANDARD_IA".into(),
                    }]),
                    expiration_days: 365.into(),
                    noncurrent_expiration_days: 90.into(),
                    abort_incomplete_multipart_days: 7.into(),
                },
                TierSet {
                    name: "audit".into(),
                    filter: Val::Known(Filter {
                        prefix: "audit/".into(),
                        tags: Val::Known(tag_map(&[("class", "audit")])),
                        ..Filter::default()
                    }),
                    transition: Val::Known(vec![tr(0, "DEEP_ARCHIVE")]),
                    expiration_days: 2555.into(),
                    ..TierSet::default()
                },
                TierSet {
                    name: "tmp".into(),
                    filter: Val::Known(Filter {
                        prefix: "tmp/".into(),
                        ..Filter::default()
                    }),
                    expiration_days: 1.into(),
                    abort_incomplete_multipart_days: 1.into(),
                    ..TierSet::default()
                },
            ]),
            intelligent_tiering: Val::Known(vec![
                IntelligentTiering {
                    name: "data".into(),
                    filter: Val::Known(TieringFilter {
                        prefix: "data/".into(),
                        tags: Val::Known(tag_map(&[("b", "2"), ("a", "1")])),
                    }),
                    archive_access_days: 90.into(),
                    deep_archive_access_days: 180.into(),
                },
                IntelligentTiering {
                    name: "all.deep".into(),
                    filter: Val::Known(TieringFilter {
                        prefix: "deep/".into(),
                        tags: Val::Null,
                    }),
                    archive_access_days: Val::Null,
                    deep_archive_access_days: 365.into(),
                },
            ]),
            transition_default_minimum_object_size: "varies_by_storage_class".into(),
            ..TierPolicy::default()
        }
    }

    fn foreign(id: &str) -> LifecycleRule {
        LifecycleRule {
            id: Some(id.to_owned()),
            status: RuleStatus::Disabled,
            legacy_prefix: Some("legacy/".to_owned()),
            filter: None,
            transitions: vec![RuleTransition {
                days: None,
                date: Some("2030-01-01T00:00:00Z".to_owned()),
                storage_class: "GLACIER".to_owned(),
            }],
            expired_object_delete_marker: Some(true),
            ..LifecycleRule::default()
        }
    }

    #[test]
    fn policy_under_test_is_valid() {
        assert_eq!(validate(&policy()), vec![]);
    }

    #[test]
    fn rule_ids_and_ownership() {
        let cases: &[(&str, Option<(&str, u32)>)] = &[
            ("logexaminer:app:0", Some(("app", 0))),
            ("logexaminer:app.v2_x-y:1", Some(("app.v2_x-y", 1))),
            ("logexaminer:a:b:0", None),
            ("logexaminer:app:", None),
            ("logexaminer:app:x", None),
            ("logexaminer:app:+1", None),
            ("logexaminer::0", None),
            ("logexaminer:app", None),
            ("Logexaminer:app:0", None),
            ("other-team-rule", None),
            ("", None),
        ];
        for (id, want) in cases {
            assert_eq!(parse_rule_id(id), *want, "{id}");
            assert_eq!(owned(id), want.is_some(), "{id}");
        }
        assert_eq!(rule_id("app", 1), "logexaminer:app:1");
        let longest = "a".repeat(MAX_TIER_SET_NAME_LEN);
        assert_eq!(rule_id(&longest, 0).len(), MAX_RULE_ID_LEN);
        assert!(owned(&rule_id(&longest, 0)));

        let it_cases: &[(&str, Option<&str>)] = &[
            ("logexaminer-data", Some("data")),
            ("logexaminer-all.deep", Some("all.deep")),
            ("logexaminer-", None),
            ("logexaminer-a:b", None),
            ("logexaminer:data", None),
            ("team-config", None),
        ];
        for (id, want) in it_cases {
            assert_eq!(parse_tiering_config_id(id), *want, "{id}");
            assert_eq!(owned_tiering_config(id), want.is_some(), "{id}");
        }
        let longest = "a".repeat(MAX_TIERING_NAME_LEN);
        assert_eq!(tiering_config_id(&longest).len(), MAX_IT_ID_LEN);
        assert!(
            tiering_config_id(&longest)
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        );
    }

    #[test]
    fn build_filter_shapes() {
        let none = BTreeMap::new();
        let one = tag_map(&[("k", "v")]);
        let cases: Vec<(RuleFilter, RuleFilter)> = vec![
            (
                build_filter("", &none, None, None),
                RuleFilter::Prefix(String::new()),
            ),
            (
                build_filter("p/", &none, None, None),
                RuleFilter::Prefix("p/".to_owned()),
            ),
            (
                build_filter("", &one, None, None),
                RuleFilter::Tag(tag("k", "v")),
            ),
            (
                build_filter("", &none, Some(5), None),
                RuleFilter::ObjectSizeGreaterThan(5),
            ),
            (
                build_filter("", &none, None, Some(9)),
                RuleFilter::ObjectSizeLessThan(9),
            ),
            (
                build_filter("p/", &one, None, Some(9)),
                RuleFilter::And(AndFilter {
                    prefix: Some("p/".to_owned()),
                    tags: vec![tag("k", "v")],
                    object_size_greater_than: None,
                    object_size_less_than: Some(9),
                }),
            ),
            (
                build_filter("", &tag_map(&[("b", "2"), ("a", "1")]), None, None),
                RuleFilter::And(AndFilter {
                    prefix: None,
                    tags: vec![tag("a", "1"), tag("b", "2")],
                    ..AndFilter::default()
                }),
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn desired_rules_of_the_policy() {
        let rules = desired_rules(&policy()).expect("renders");
        let expected = vec![
            LifecycleRule {
                id: Some("logexaminer:app:0".to_owned()),
                filter: Some(RuleFilter::And(AndFilter {
                    prefix: Some("app/".to_owned()),
                    object_size_greater_than: Some(131072),
                    ..AndFilter::default()
                })),
                transitions: vec![
                    RuleTransition {
                        days: Some(30),
                        date: None,
                        storage_class: "STANDARD_IA".to_owned(),
                    },
                    RuleTransition {
                        days: Some(90),
                        date: None,
                        storage_class: "GLACIER".to_owned(),
                    },
                ],
                noncurrent_transitions: vec![RuleNoncurrentTransition {
                    noncurrent_days: Some(30),
                    newer_noncurrent_versions: Some(2),
                    storage_class: "STANDARD_IA".to_owned(),
                }],
                expiration_days: Some(365),
                noncurrent_expiration_days: Some(90),
                ..LifecycleRule::default()
            },
            // The abort cannot share a filter with an object size: split off, prefix only.
            LifecycleRule {
                id: Some("logexaminer:app:1".to_owned()),
                filter: Some(RuleFilter::Prefix("app/".to_owned())),
                abort_incomplete_multipart_days: Some(7),
                ..LifecycleRule::default()
            },
            LifecycleRule {
                id: Some("logexaminer:audit:0".to_owned()),
                filter: Some(RuleFilter::And(AndFilter {
                    prefix: Some("audit/".to_owned()),
                    tags: vec![tag("class", "audit")],
                    ..AndFilter::default()
                })),
                transitions: vec![RuleTransition {
                    days: Some(0),
                    date: None,
                    storage_class: "DEEP_ARCHIVE".to_owned(),
                }],
                expiration_days: Some(2555),
                ..LifecycleRule::default()
            },
            // No narrowing filter: the abort stays in rule 0.
            LifecycleRule {
                id: Some("logexaminer:tmp:0".to_owned()),
                filter: Some(RuleFilter::Prefix("tmp/".to_owned())),
                expiration_days: Some(1),
                abort_incomplete_multipart_days: Some(1),
                ..LifecycleRule::default()
            },
        ];
        assert_eq!(rules, expected);
        assert!(rules.iter().all(|r| r.status == RuleStatus::Enabled));
    }

    #[test]
    fn desired_rules_refuses_what_it_cannot_render() {
        let path = |p: &str| p.to_owned();
        type Edit = fn(&mut TierPolicy);
        let cases: Vec<(&str, Edit, DocError)> = vec![
            (
                "unknown storage class value",
                |p| {
                    if let Val::Known(sets) = &mut p.tier_set
                        && let Val::Known(t) = &mut sets[0].transition
                    {
                        t[0].storage_class = Val::Unknown;
                    }
                },
                DocError::Unknown {
                    path: path("tier_set[0].transition[0].storage_class"),
                },
            ),
            (
                "unknown tier set list",
                |p| p.tier_set = Val::Unknown,
                DocError::Unknown {
                    path: path("tier_set"),
                },
            ),
            (
                "invalid storage class",
                |p| {
                    if let Val::Known(sets) = &mut p.tier_set {
                        sets[1].transition = Val::Known(vec![tr(0, "STANDARD")]);
                    }
                },
                DocError::StorageClass {
                    path: path("tier_set[1].transition[0].storage_class"),
                    value: "STANDARD".to_owned(),
                },
            ),
            (
                "duplicate names",
                |p| {
                    if let Val::Known(sets) = &mut p.tier_set {
                        sets[1].name = "app".into();
                    }
                },
                DocError::DuplicateName {
                    path: path("tier_set[1].name"),
                    name: "app".to_owned(),
                },
            ),
            (
                "bad name",
                |p| {
                    if let Val::Known(sets) = &mut p.tier_set {
                        sets[1].name = "a:b".into();
                    }
                },
                DocError::Name {
                    path: path("tier_set[1].name"),
                    name: "a:b".to_owned(),
                },
            ),
            (
                "no action",
                |p| {
                    if let Val::Known(sets) = &mut p.tier_set {
                        sets[2].expiration_days = Val::Null;
                        sets[2].abort_incomplete_multipart_days = Val::Null;
                    }
                },
                DocError::NoAction {
                    path: path("tier_set[2]"),
                },
            ),
            (
                "abort only, with tags",
                |p| {
                    if let Val::Known(sets) = &mut p.tier_set {
                        sets[1].transition = Val::Known(vec![]);
                        sets[1].expiration_days = Val::Null;
                        sets[1].abort_incomplete_multipart_days = 3.into();
                    }
                },
                DocError::AbortFilter {
                    path: path("tier_set[1].filter"),
                },
            ),
        ];
        for (name, edit, want) in cases {
            let mut p = policy();
            edit(&mut p);
            assert_eq!(desired_rules(&p), Err(want), "{name}");
        }
    }

    #[test]
    fn merge_keeps_foreign_rules_in_place_and_unchanged() {
        let desired = desired_rules(&policy()).expect("renders");
        let existing = vec![
            foreign("team-a-expire"),
            LifecycleRule {
                id: Some("logexaminer:old:0".to_owned()),
                expiration_days: Some(3),
                ..LifecycleRule::default()
            },
            foreign("logexaminer:not:ours"),
            LifecycleRule {
                id: None,
                expiration_days: Some(9),
                ..LifecycleRule::default()
            },
            LifecycleRule {
                id: Some("logexaminer:app:0".to_owned()),
                expiration_days: Some(5),
                ..LifecycleRule::default()
            },
        ];
        let merged = merge(&existing, &desired);
        let mut expected = vec![existing[0].clone()];
        expected.extend(desired.iter().cloned());
        expected.push(existing[2].clone());
        expected.push(existing[3].clone());
        assert_eq!(merged, expected);
        // Idempotent.
        assert_eq!(merge(&merged, &desired), merged);
        assert!(owned_rules_match(&merged, &desired));
        assert!(!owned_rules_match(&existing, &desired));
        // No owned rule yet: ours go last.
        let fresh = merge(&existing[..1], &desired);
        assert_eq!(fresh[0], existing[0]);
        assert_eq!(&fresh[1..], &desired[..]);
        // Destroy leaves exactly the foreign rules.
        assert_eq!(
            remove_owned(&merged),
            vec![
                existing[0].clone(),
                existing[2].clone(),
                existing[3].clone()
            ]
        );
        assert_eq!(remove_owned(&desired), vec![]);
    }

    #[test]
    fn merge_document_sets_or_keeps_the_minimum_object_size() {
        let existing = LifecycleDocument {
            rules: vec![foreign("x")],
            transition_default_minimum_object_size: Some("varies_by_storage_class".to_owned()),
        };
        let desired = desired_rules(&policy()).expect("renders");
        let kept = merge_document(&existing, &desired, None).expect("fits");
        assert_eq!(
            kept.transition_default_minimum_object_size.as_deref(),
            Some("varies_by_storage_class")
        );
        assert_eq!(kept.rules.len(), 1 + desired.len());
        let set = merge_document(
            &existing,
            &desired,
            Some(MinimumObjectSize::AllStorageClasses128K),
        )
        .expect("fits");
        assert_eq!(
            set.transition_default_minimum_object_size.as_deref(),
            Some("all_storage_classes_128K")
        );
        let crowded = LifecycleDocument {
            rules: (0..MAX_RULES).map(|i| foreign(&format!("f{i}"))).collect(),
            transition_default_minimum_object_size: None,
        };
        assert_eq!(
            merge_document(&crowded, &desired, None),
            Err(DocError::TooManyRules {
                count: MAX_RULES + desired.len()
            })
        );
    }

    fn canonical_sets(sets: &[TierSet]) -> Vec<TierSet> {
        sets.iter().map(TierSet::canonical).collect()
    }

    #[test]
    fn tier_sets_round_trip_through_rules() {
        let variants: Vec<fn(&mut TierPolicy)> = vec![
            |_| {},
            |p| {
                if let Val::Known(sets) = &mut p.tier_set {
                    sets[0].filter = Val::Known(Filter {
                        prefix: "".into(),
                        tags: Val::Known(tag_map(&[("k", "v"), ("a", "b")])),
                        object_size_greater_than: 10.into(),
                        object_size_less_than: 1_000_000.into(),
                    });
                }
            },
            |p| {
                if let Val::Known(sets) = &mut p.tier_set {
                    sets.truncate(1);
                    sets[0].filter = Val::Null;
                    sets[0].noncurrent_transition = Val::Null;
                    sets[0].noncurrent_expiration_days = Val::Null;
                }
            },
        ];
        for (n, edit) in variants.into_iter().enumerate() {
            let mut p = policy();
            edit(&mut p);
            let rules = desired_rules(&p).expect("renders");
            let existing = merge(&[foreign("a"), foreign("b")], &rules);
            let back = tier_sets_from_rules(&existing);
            assert_eq!(
                canonical_sets(&back),
                canonical_sets(p.tier_set.items()),
                "variant {n}"
            );
            // And the rebuilt model renders the same rules again.
            let again = TierPolicy {
                tier_set: Val::Known(back),
                ..TierPolicy::default()
            };
            assert!(owned_rules_match(
                &existing,
                &desired_rules(&again).expect("renders")
            ));
        }
    }

    #[test]
    fn rules_from_s3_in_other_shapes_read_back_the_same() {
        // S3 may return tags in another order and a prefix-only And; both mean the same.
        let p = policy();
        let mut rules = desired_rules(&p).expect("renders");
        if let Some(RuleFilter::And(and)) = &mut rules[2].filter {
            and.tags.reverse();
        }
        rules[1].filter = Some(RuleFilter::And(AndFilter {
            prefix: Some("app/".to_owned()),
            ..AndFilter::default()
        }));
        rules.reverse();
        let back = tier_sets_from_rules(&rules);
        let back = order_tier_sets_like(p.tier_set.items(), back);
        assert_eq!(canonical_sets(&back), canonical_sets(p.tier_set.items()));
    }

    #[test]
    fn drift_shows_in_the_rebuilt_model() {
        let p = policy();
        let rules = desired_rules(&p).expect("renders");
        let names = |sets: &[TierSet]| -> Vec<String> {
            sets.iter()
                .filter_map(|t| t.name.known().cloned())
                .collect()
        };

        // Changed out of band: the new value is read back.
        let mut changed = rules.clone();
        changed[0].expiration_days = Some(400);
        let back = tier_sets_from_rules(&changed);
        assert_eq!(back[0].expiration_days, Val::Known(400));
        assert_ne!(canonical_sets(&back), canonical_sets(p.tier_set.items()));

        // Deleted out of band: the tier set is missing.
        let deleted: Vec<LifecycleRule> = rules
            .iter()
            .filter(|r| r.id.as_deref() != Some("logexaminer:audit:0"))
            .cloned()
            .collect();
        assert_eq!(names(&tier_sets_from_rules(&deleted)), vec!["app", "tmp"]);

        // Disabled, given a date, or joined by a rule we would not write: left out.
        let mut disabled = rules.clone();
        disabled[3].status = RuleStatus::Disabled;
        assert_eq!(
            names(&tier_sets_from_rules(&disabled)),
            vec!["app", "audit"]
        );
        let mut dated = rules.clone();
        dated[2].transitions[0].days = None;
        dated[2].transitions[0].date = Some("2030-01-01T00:00:00Z".to_owned());
        assert_eq!(names(&tier_sets_from_rules(&dated)), vec!["app", "tmp"]);
        let mut extra = rules.clone();
        extra.push(LifecycleRule {
            id: Some("logexaminer:tmp:7".to_owned()),
            expiration_days: Some(2),
            ..LifecycleRule::default()
        });
        assert_eq!(names(&tier_sets_from_rules(&extra)), vec!["app", "audit"]);
        let mut marker = rules.clone();
        marker[3].expired_object_delete_marker = Some(true);
        assert_eq!(names(&tier_sets_from_rules(&marker)), vec!["app", "audit"]);

        // The abort rule gone: app is rebuilt without its abort, so the plan shows it.
        let no_abort: Vec<LifecycleRule> = rules
            .iter()
            .filter(|r| r.id.as_deref() != Some("logexaminer:app:1"))
            .cloned()
            .collect();
        let back = tier_sets_from_rules(&no_abort);
        assert_eq!(back[0].abort_incomplete_multipart_days, Val::Null);

        // A rule that only foreign writers know stays out of the model.
        assert_eq!(tier_sets_from_rules(&[foreign("team")]), vec![]);
    }

    #[test]
    fn same_rule_ignores_spelling() {
        let a = LifecycleRule {
            id: Some("x".to_owned()),
            legacy_prefix: Some("p/".to_owned()),
            expiration_days: Some(3),
            expired_object_delete_marker: Some(false),
            ..LifecycleRule::default()
        };
        let b = LifecycleRule {
            id: Some("x".to_owned()),
            filter: Some(RuleFilter::Prefix("p/".to_owned())),
            expiration_days: Some(3),
            ..LifecycleRule::default()
        };
        assert!(same_rule(&a, &b));
        let c = LifecycleRule {
            expiration_days: Some(4),
            ..b.clone()
        };
        assert!(!same_rule(&b, &c));
        let d = LifecycleRule {
            status: RuleStatus::Disabled,
            ..b.clone()
        };
        assert!(!same_rule(&b, &d));
    }

    #[test]
    fn tiering_configs_render_and_round_trip() {
        let p = policy();
        let configs = desired_tiering_configs(&p).expect("renders");
        assert_eq!(
            configs,
            vec![
                ItConfig {
                    id: "logexaminer-data".to_owned(),
                    status: RuleStatus::Enabled,
                    prefix: Some("data/".to_owned()),
                    tags: vec![tag("a", "1"), tag("b", "2")],
                    archive_days: Some(90),
                    deep_archive_days: Some(180),
                },
                ItConfig {
                    id: "logexaminer-all.deep".to_owned(),
                    status: RuleStatus::Enabled,
                    prefix: Some("deep/".to_owned()),
                    tags: vec![],
                    archive_days: None,
                    deep_archive_days: Some(365),
                },
            ]
        );
        let team = ItConfig {
            id: "team-archive".to_owned(),
            status: RuleStatus::Enabled,
            prefix: None,
            tags: vec![],
            archive_days: Some(180),
            deep_archive_days: None,
        };
        let mut existing = vec![team.clone()];
        existing.extend(configs.iter().rev().cloned());
        let back = order_tierings_like(
            p.intelligent_tiering.items(),
            tierings_from_configs(&existing),
        );
        let canon = |v: &[IntelligentTiering]| -> Vec<IntelligentTiering> {
            v.iter().map(IntelligentTiering::canonical).collect()
        };
        assert_eq!(canon(&back), canon(p.intelligent_tiering.items()));

        // Disabled out of band: left out, so the plan shows it.
        let mut disabled = configs.clone();
        disabled[0].status = RuleStatus::Disabled;
        let back = tierings_from_configs(&disabled);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].name, Val::Known("all.deep".to_owned()));
    }

    #[test]
    fn tiering_changes_touch_only_owned_configs() {
        let desired = desired_tiering_configs(&policy()).expect("renders");
        let team = ItConfig {
            id: "team-archive".to_owned(),
            archive_days: Some(180),
            ..ItConfig::default()
        };
        let stale = ItConfig {
            id: "logexaminer-old".to_owned(),
            archive_days: Some(90),
            ..ItConfig::default()
        };
        let mut drifted = desired[0].clone();
        drifted.deep_archive_days = Some(200);
        let existing = vec![team.clone(), stale, drifted, desired[1].clone()];
        let changes = tiering_changes(&existing, &desired);
        assert_eq!(
            changes,
            TieringChanges {
                put: vec![desired[0].clone()],
                delete: vec!["logexaminer-old".to_owned()],
            }
        );
        let converged = vec![team.clone(), desired[0].clone(), desired[1].clone()];
        assert!(tiering_changes(&converged, &desired).is_empty());
        // Destroy: desired is empty, the foreign configuration stays.
        assert_eq!(
            tiering_changes(&converged, &[]).delete,
            vec![
                "logexaminer-data".to_owned(),
                "logexaminer-all.deep".to_owned()
            ]
        );
    }

    #[test]
    fn tiering_config_errors() {
        let mut p = policy();
        if let Val::Known(list) = &mut p.intelligent_tiering {
            list[1].deep_archive_access_days = Val::Null;
        }
        assert_eq!(
            desired_tiering_configs(&p),
            Err(DocError::NoTier {
                path: "intelligent_tiering[1]".to_owned()
            })
        );
        let mut p = policy();
        if let Val::Known(list) = &mut p.intelligent_tiering {
            list[1].name = "data".into();
        }
        assert_eq!(
            desired_tiering_configs(&p),
            Err(DocError::DuplicateName {
                path: "intelligent_tiering[1].name".to_owned(),
                name: "data".to_owned()
            })
        );
        let mut p = policy();
        p.intelligent_tiering = Val::Unknown;
        assert_eq!(
            desired_tiering_configs(&p),
            Err(DocError::Unknown {
                path: "intelligent_tiering".to_owned()
            })
        );
    }

    #[test]
    fn order_like_reference() {
        let named = |n: &str| TierSet {
            name: n.into(),
            ..TierSet::default()
        };
        let reference = vec![named("c"), named("a")];
        let found = vec![named("a"), named("b"), named("c")];
        let ordered: Vec<String> = order_tier_sets_like(&reference, found)
            .iter()
            .filter_map(|t| t.name.known().cloned())
            .collect();
        assert_eq!(ordered, vec!["c", "a", "b"]);
    }
}
