//! Model and validation rules of the `logexaminer_s3_tier_policy` resource and the
//! `logexaminer_s3_tier_cost` data source. Pure logic: no I/O, no AWS SDK, no protocol types.
//!
//! # Partially known configuration
//!
//! Terraform validates configuration before every value is known (`terraform validate` treats
//! every variable as unknown; values computed from other resources stay unknown until apply).
//! Every value of the model is therefore a [`Val`]: `Null` (not set), `Unknown` (set, value not
//! known yet) or `Known`. The validator skips every check whose outcome depends on an unknown
//! value, so it never reports an error that a later, fully known configuration would not have.
//!
//! The model derives `Deserialize`, but JSON-like data cannot carry "unknown". The caller
//! deserializes the configuration with unknown values written as `null`, then calls
//! [`TierPolicy::mark_unknown`] once for each attribute path that was unknown.
//!
//! # Nested blocks
//!
//! `tier_set`, `transition`, `noncurrent_transition` and `intelligent_tiering` are lists of
//! blocks. `filter` is a block of at most one element. It is read from an object, from a list of
//! zero or one object, or from `null`, and it is written as a list of zero or one object.
//! Diagnostic paths address it as `filter[0]`, as Terraform does for a list-nested block.
//!
//! # Rules
//!
//! [`validate`] applies every [`Rule`]. Each [`Finding`] names its rule, carries the attribute
//! path it concerns, and its detail gives the reason and a valid alternative.
//! `docs/resources/s3_tier_policy.md` gives the rule table with the sources of each rule.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::lifecycle_doc::{IT_ID_PREFIX, MAX_IT_ID_LEN, MAX_RULE_ID_LEN, RULE_ID_PREFIX};

/// Longest tier set name: `logexaminer:<name>:<n>` with a one-digit `n` must fit the 255
/// characters S3 allows for a lifecycle rule ID.
pub const MAX_TIER_SET_NAME_LEN: usize = MAX_RULE_ID_LEN - RULE_ID_PREFIX.len() - 2;

/// Longest intelligent-tiering block name: `logexaminer-<name>` must fit the 64 characters of an
/// S3 configuration ID.
pub const MAX_TIERING_NAME_LEN: usize = MAX_IT_ID_LEN - IT_ID_PREFIX.len();

/// Objects smaller than this many bytes (128 KB) are not transitioned by default, are billed as
/// 128 KB in STANDARD_IA, ONEZONE_IA and GLACIER_IR, and are never auto-tiered by
/// INTELLIGENT_TIERING.
pub const SMALL_OBJECT_BYTES: i64 = 128 * 1024;

/// Largest S3 object, 5 TiB, in KB: the upper bound of `assumed_object_size_kb`.
pub const MAX_OBJECT_SIZE_KB: i64 = 5 * 1024 * 1024 * 1024;

/// Minimum days in a STANDARD_IA or ONEZONE_IA transition, and minimum days objects stay in one
/// of those classes before the next transition of the same rule.
pub const IA_MINIMUM_DAYS: i64 = 30;

/// Smallest and largest `archive_access_days` of an intelligent-tiering configuration.
pub const ARCHIVE_ACCESS_DAYS: (i64, i64) = (90, 730);

/// Smallest and largest `deep_archive_access_days` of an intelligent-tiering configuration.
pub const DEEP_ARCHIVE_ACCESS_DAYS: (i64, i64) = (180, 730);

/// Longest S3 key prefix in a lifecycle filter, in bytes.
pub const MAX_PREFIX_BYTES: usize = 1024;

/// Longest S3 tag key and tag value, in characters.
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// Longest S3 tag value, in characters.
pub const MAX_TAG_VALUE_CHARS: usize = 256;

// ---------------------------------------------------------------------------------------------
// Val: Null / Unknown / Known
// ---------------------------------------------------------------------------------------------

/// A configuration value that may be absent or not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Val<T> {
    /// Not set in the configuration (Terraform `null`).
    #[default]
    Null,
    /// Set, but its value is not known yet (for example computed from another resource).
    Unknown,
    /// Set and known.
    Known(T),
}

impl<T> From<T> for Val<T> {
    fn from(value: T) -> Self {
        Val::Known(value)
    }
}

impl From<&str> for Val<String> {
    fn from(value: &str) -> Self {
        Val::Known(value.to_owned())
    }
}

impl<T> Val<T> {
    /// `Null` for `None`, `Known` for `Some`.
    pub fn from_option(value: Option<T>) -> Self {
        value.map_or(Val::Null, Val::Known)
    }

    /// The value if it is known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Val::Known(value) => Some(value),
            Val::Null | Val::Unknown => None,
        }
    }

    /// Whether the value is `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    /// Whether the value is `Unknown`.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Unknown)
    }

    /// Borrows the value.
    pub fn as_ref(&self) -> Val<&T> {
        match self {
            Val::Null => Val::Null,
            Val::Unknown => Val::Unknown,
            Val::Known(value) => Val::Known(value),
        }
    }

    /// Maps a known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Val<U> {
        match self {
            Val::Null => Val::Null,
            Val::Unknown => Val::Unknown,
            Val::Known(value) => Val::Known(f(value)),
        }
    }
}

impl<T> Val<Vec<T>> {
    /// The known elements of a list; empty when the list is `Null` or `Unknown`.
    pub fn items(&self) -> &[T] {
        match self {
            Val::Known(items) => items,
            Val::Null | Val::Unknown => &[],
        }
    }
}

impl<T: Serialize> Serialize for Val<T> {
    /// `Null` as `null`, `Known` as the value. `Unknown` cannot be serialized and is an error.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Null => serializer.serialize_none(),
            Val::Known(value) => serializer.serialize_some(value),
            Val::Unknown => Err(ser::Error::custom("an unknown value cannot be serialized")),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Val<T> {
    /// `null` (or a missing field, with `#[serde(default)]`) is `Null`; anything else is
    /// `Known`. Unknown values are marked afterwards with [`TierPolicy::mark_unknown`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(Val::from_option)
    }
}

/// Reads a block of at most one element from an object, a list of zero or one object, or null.
fn de_single_block<'de, D, T>(deserializer: D) -> Result<Val<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct BlockVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for BlockVisitor<T> {
        type Value = Val<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a block object, a list of at most one block object, or null")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Val::Null)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Val::Null)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let Some(first) = seq.next_element::<T>()? else {
                return Ok(Val::Null);
            };
            if seq.next_element::<de::IgnoredAny>()?.is_some() {
                return Err(de::Error::invalid_length(2, &"at most one block"));
            }
            Ok(Val::Known(first))
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Val::Known)
        }
    }

    deserializer.deserialize_any(BlockVisitor(PhantomData))
}

/// Writes a block of at most one element as a list of zero or one object.
fn ser_single_block<S: Serializer, T: Serialize>(
    value: &Val<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Val::Null => serializer.serialize_seq(Some(0))?.end(),
        Val::Known(block) => {
            let mut seq = serializer.serialize_seq(Some(1))?;
            seq.serialize_element(block)?;
            seq.end()
        }
        Val::Unknown => Err(ser::Error::custom("an unknown block cannot be serialized")),
    }
}

/// Writes a list of blocks; a `Null` list is written as an empty list.
fn ser_blocks<S: Serializer, T: Serialize>(
    value: &Val<Vec<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Val::Null => serializer.serialize_seq(Some(0))?.end(),
        Val::Known(items) => items.serialize(serializer),
        Val::Unknown => Err(ser::Error::custom(
            "an unknown block list cannot be serialized",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

/// The configuration of one `logexaminer_s3_tier_policy` (or `logexaminer_s3_tier_cost`).
/// Field names are the Terraform attribute names; attributes not listed here (`id`,
/// `estimated_monthly_cost_per_tb`) are ignored when deserializing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TierPolicy {
    /// Bucket name.
    pub bucket: Val<String>,
    /// Account ID that must own the bucket (12 digits).
    pub expected_bucket_owner: Val<String>,
    /// Lifecycle rule families, each rendered as one or two lifecycle rules.
    #[serde(serialize_with = "ser_blocks")]
    pub tier_set: Val<Vec<TierSet>>,
    /// Intelligent-tiering archive configurations of the bucket.
    #[serde(serialize_with = "ser_blocks")]
    pub intelligent_tiering: Val<Vec<IntelligentTiering>>,
    /// `all_storage_classes_128K` or `varies_by_storage_class`; `Null` means the S3 default
    /// (`all_storage_classes_128K`).
    pub transition_default_minimum_object_size: Val<String>,
    /// Object size assumed by the cost estimate, in KB (1024 bytes).
    pub assumed_object_size_kb: Val<i64>,
    /// Days the objects are kept when no expiration removes them earlier (cost estimate input).
    pub retention_days: Val<i64>,
}

/// One `tier_set` block: a family of lifecycle rules sharing one filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TierSet {
    /// Name, part of the lifecycle rule IDs `logexaminer:<name>:<n>`.
    pub name: Val<String>,
    /// Which objects the rules apply to; `Null` means every object in the bucket.
    #[serde(
        deserialize_with = "de_single_block",
        serialize_with = "ser_single_block"
    )]
    pub filter: Val<Filter>,
    /// Transitions of current versions, ordered by `days`.
    #[serde(serialize_with = "ser_blocks")]
    pub transition: Val<Vec<Transition>>,
    /// Transitions of noncurrent versions, ordered by `noncurrent_days`.
    #[serde(serialize_with = "ser_blocks")]
    pub noncurrent_transition: Val<Vec<NoncurrentTransition>>,
    /// Days after creation when current versions expire.
    pub expiration_days: Val<i64>,
    /// Days after becoming noncurrent when noncurrent versions are deleted.
    pub noncurrent_expiration_days: Val<i64>,
    /// Days after initiation when incomplete multipart uploads are aborted.
    pub abort_incomplete_multipart_days: Val<i64>,
}

/// The `filter` block of a tier set. All conditions must hold (logical AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// Key prefix; `Null` or empty matches every key.
    pub prefix: Val<String>,
    /// Tags an object must carry, all of them.
    pub tags: Val<BTreeMap<String, String>>,
    /// Objects must be larger than this many bytes.
    pub object_size_greater_than: Val<i64>,
    /// Objects must be smaller than this many bytes.
    pub object_size_less_than: Val<i64>,
}

/// A `transition` block (current versions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Transition {
    /// Days after object creation.
    pub days: Val<i64>,
    /// Target storage class, as S3 spells it (`STANDARD_IA`, `GLACIER`, ...).
    pub storage_class: Val<String>,
}

/// A `noncurrent_transition` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoncurrentTransition {
    /// Days after the version became noncurrent.
    pub noncurrent_days: Val<i64>,
    /// Number of newer noncurrent versions to keep out of this transition (1 to 100).
    pub newer_noncurrent_versions: Val<i64>,
    /// Target storage class.
    pub storage_class: Val<String>,
}

/// An `intelligent_tiering` block: one S3 Intelligent-Tiering archive configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntelligentTiering {
    /// Name, part of the configuration ID `logexaminer-<name>`.
    pub name: Val<String>,
    /// Which objects the configuration applies to; `Null` means every object.
    #[serde(
        deserialize_with = "de_single_block",
        serialize_with = "ser_single_block"
    )]
    pub filter: Val<TieringFilter>,
    /// Days without access before objects move to the Archive Access tier (90 to 730).
    pub archive_access_days: Val<i64>,
    /// Days without access before objects move to the Deep Archive Access tier (180 to 730).
    pub deep_archive_access_days: Val<i64>,
}

/// The `filter` block of an intelligent-tiering configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TieringFilter {
    /// Key prefix; `Null` or empty matches every key.
    pub prefix: Val<String>,
    /// Tags an object must carry, all of them.
    pub tags: Val<BTreeMap<String, String>>,
}

// ---------------------------------------------------------------------------------------------
// Unknown marking, completeness, canonical form
// ---------------------------------------------------------------------------------------------

/// One step of a Terraform attribute path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An attribute or block name.
    Attr(String),
    /// A list element.
    Index(i64),
    /// A map element.
    Key(String),
}

/// Formats a path the way Terraform shows it, e.g. `tier_set[1].transition[0].storage_class`.
pub fn format_path(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Attr(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            PathStep::Key(k) => out.push_str(&format!("[{k:?}]")),
        }
    }
    out
}

/// A path given to [`TierPolicy::mark_unknown`] does not fit the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot mark {path} unknown: {reason}")]
pub struct MarkUnknownError {
    /// The path, formatted.
    pub path: String,
    /// Why it does not fit.
    pub reason: &'static str,
}

type Mark = Result<(), &'static str>;

fn split_attr(path: &[PathStep]) -> Result<(&str, &[PathStep]), &'static str> {
    match path.split_first() {
        Some((PathStep::Attr(name), rest)) => Ok((name.as_str(), rest)),
        Some(_) => Err("expected an attribute name"),
        None => Err("empty path"),
    }
}

fn mark_leaf<T>(value: &mut Val<T>, rest: &[PathStep]) -> Mark {
    if !rest.is_empty() {
        return Err("the path continues past a single value");
    }
    *value = Val::Unknown;
    Ok(())
}

fn mark_map<T>(value: &mut Val<T>, rest: &[PathStep]) -> Mark {
    match rest {
        [] | [PathStep::Key(_)] => {
            *value = Val::Unknown;
            Ok(())
        }
        _ => Err("a map element has no attributes"),
    }
}

fn mark_list<T>(
    list: &mut Val<Vec<T>>,
    rest: &[PathStep],
    inner: fn(&mut T, &[PathStep]) -> Mark,
) -> Mark {
    let Some((first, tail)) = rest.split_first() else {
        *list = Val::Unknown;
        return Ok(());
    };
    let PathStep::Index(i) = first else {
        return Err("expected a list index");
    };
    match list {
        Val::Unknown => Ok(()),
        Val::Null => Err("the list is null"),
        Val::Known(items) => {
            let item = usize::try_from(*i)
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or("list index out of range")?;
            if tail.is_empty() {
                // A whole element unknown: treat the list as unknown, which only skips checks.
                *list = Val::Unknown;
                return Ok(());
            }
            inner(item, tail)
        }
    }
}

fn mark_block<T>(
    block: &mut Val<T>,
    rest: &[PathStep],
    inner: fn(&mut T, &[PathStep]) -> Mark,
) -> Mark {
    let rest = match rest {
        [PathStep::Index(0), tail @ ..] => tail,
        [PathStep::Index(_), ..] => return Err("a single block only has element 0"),
        other => other,
    };
    if rest.is_empty() {
        *block = Val::Unknown;
        return Ok(());
    }
    match block {
        Val::Unknown => Ok(()),
        Val::Null => Err("the block is null"),
        Val::Known(inner_block) => inner(inner_block, rest),
    }
}

fn mark_policy(p: &mut TierPolicy, path: &[PathStep]) -> Mark {
    let (head, rest) = split_attr(path)?;
    match head {
        "bucket" => mark_leaf(&mut p.bucket, rest),
        "expected_bucket_owner" => mark_leaf(&mut p.expected_bucket_owner, rest),
        "transition_default_minimum_object_size" => {
            mark_leaf(&mut p.transition_default_minimum_object_size, rest)
        }
        "assumed_object_size_kb" => mark_leaf(&mut p.assumed_object_size_kb, rest),
        "retention_days" => mark_leaf(&mut p.retention_days, rest),
        "tier_set" => mark_list(&mut p.tier_set, rest, mark_tier_set),
        "intelligent_tiering" => mark_list(&mut p.intelligent_tiering, rest, mark_tiering),
        _ => Ok(()),
    }
}

fn mark_tier_set(t: &mut TierSet, path: &[PathStep]) -> Mark {
    let (head, rest) = split_attr(path)?;
    match head {
        "name" => mark_leaf(&mut t.name, rest),
        "filter" => mark_block(&mut t.filter, rest, mark_filter),
        "transition" => mark_list(&mut t.transition, rest, mark_transition),
        "noncurrent_transition" => mark_list(
            &mut t.noncurrent_transition,
            rest,
            mark_noncurrent_transition,
        ),
        "expiration_days" => mark_leaf(&mut t.expiration_days, rest),
        "noncurrent_expiration_days" => mark_leaf(&mut t.noncurrent_expiration_days, rest),
        "abort_incomplete_multipart_days" => {
            mark_leaf(&mut t.abort_incomplete_multipart_days, rest)
        }
        _ => Ok(()),
    }
}

fn mark_filter(f: &mut Filter, path: &[PathStep]) -> Mark {
    let (head, rest) = split_attr(path)?;
    match head {
        "prefix" => mark_leaf(&mut f.prefix, rest),
        "tags" => mark_map(&mut f.tags, rest),
        "object_size_greater_than" => mark_leaf(&mut f.object_size_greater_than, rest),
        "object_size_less_than" => mark_leaf(&mut f.object_size_less_than, rest),
        _ => Ok(()),
    }
}

fn mark_transition(t: &mut Transition, path: &[PathStep]) -> Mark {
    let (head, rest) = split_attr(path)?;
    match head {
        "days" => mark_leaf(&mut t.days, rest),
        "storage_class" => mark_leaf(&mut t.storage_class, rest),
        _ => Ok(()),
    }
}

fn mark_noncurrent_transition(t: &mut NoncurrentTransition, path: &[PathStep]) -> Mark {
    let (head, rest) = split_attr(path)?;
    match head {
        "noncurrent_days" => mark_leaf(&mut t.noncurrent_days, rest),
        "newer_noncurrent_versions" => mark_leaf(&mut t.newer_noncurrent_versions, rest),
        "storage_class" => mark_leaf(&mut t.storage_class, rest),
        _ => Ok(()),
    }
}

fn mark_tiering(t: &mut IntelligentTiering, path: &[PathStep]) -> Mark {
    let (head, rest) = split_attr(path)?;
    match head {
        "name" => mark_leaf(&mut t.name, rest),
        "filter" => mark_block(&mut t.filter, rest, mark_tiering_filter),
        "archive_access_days" => mark_leaf(&mut t.archive_access_days, rest),
        "deep_archive_access_days" => mark_leaf(&mut t.deep_archive_access_days, rest),
        _ => Ok(()),
    }
}

fn mark_tiering_filter(f: &mut TieringFilter, path: &[PathStep]) -> Mark {
    let (head, rest) = split_attr(path)?;
    match head {
        "prefix" => mark_leaf(&mut f.prefix, rest),
        "tags" => mark_map(&mut f.tags, rest),
        _ => Ok(()),
    }
}

fn known_val<T>(v: &Val<T>) -> bool {
    !v.is_unknown()
}

fn known_list<T>(v: &Val<Vec<T>>, each: impl Fn(&T) -> bool) -> bool {
    known_val(v) && v.items().iter().all(each)
}

fn known_block<T>(v: &Val<T>, inner: impl Fn(&T) -> bool) -> bool {
    match v {
        Val::Unknown => false,
        Val::Null => true,
        Val::Known(b) => inner(b),
    }
}

impl TierPolicy {
    /// Marks the value at `path` as unknown. Paths naming attributes this model does not hold
    /// (`id`, `estimated_monthly_cost_per_tb`) are accepted and ignored. A path into a list
    /// element needs the list to be known; a whole element (`tier_set[0]`) marks the whole list
    /// and a map element (`tags["k"]`) the whole map. Marking more than needed only skips checks.
    pub fn mark_unknown(&mut self, path: &[PathStep]) -> Result<(), MarkUnknownError> {
        mark_policy(self, path).map_err(|reason| MarkUnknownError {
            path: format_path(path),
            reason,
        })
    }

    /// Whether no value anywhere in the policy is unknown.
    pub fn is_fully_known(&self) -> bool {
        known_val(&self.bucket)
            && known_val(&self.expected_bucket_owner)
            && known_val(&self.transition_default_minimum_object_size)
            && known_val(&self.assumed_object_size_kb)
            && known_val(&self.retention_days)
            && known_list(&self.tier_set, TierSet::is_fully_known)
            && known_list(
                &self.intelligent_tiering,
                IntelligentTiering::is_fully_known,
            )
    }

    /// The transition default minimum object size in force: `None` when unknown or not a valid
    /// setting, the S3 default when `Null`.
    pub fn minimum_object_size(&self) -> Option<MinimumObjectSize> {
        match &self.transition_default_minimum_object_size {
            Val::Null => Some(MinimumObjectSize::default()),
            Val::Unknown => None,
            Val::Known(s) => s.parse().ok(),
        }
    }
}

impl TierSet {
    /// Whether no value in the tier set is unknown.
    pub fn is_fully_known(&self) -> bool {
        known_val(&self.name)
            && known_block(&self.filter, |f| {
                known_val(&f.prefix)
                    && known_val(&f.tags)
                    && known_val(&f.object_size_greater_than)
                    && known_val(&f.object_size_less_than)
            })
            && known_list(&self.transition, |t| {
                known_val(&t.days) && known_val(&t.storage_class)
            })
            && known_list(&self.noncurrent_transition, |t| {
                known_val(&t.noncurrent_days)
                    && known_val(&t.newer_noncurrent_versions)
                    && known_val(&t.storage_class)
            })
            && known_val(&self.expiration_days)
            && known_val(&self.noncurrent_expiration_days)
            && known_val(&self.abort_incomplete_multipart_days)
    }

    /// The same tier set with equivalent spellings made equal: an empty prefix or tag map is
    /// `Null`, a filter without conditions is `Null`, a `Null` block list is an empty list.
    /// Two tier sets with equal canonical forms render the same lifecycle rules.
    pub fn canonical(&self) -> TierSet {
        let filter = match &self.filter {
            Val::Known(f) => {
                let c = f.canonical();
                if c == Filter::default() {
                    Val::Null
                } else {
                    Val::Known(c)
                }
            }
            other => other.clone(),
        };
        TierSet {
            filter,
            transition: canonical_list(&self.transition),
            noncurrent_transition: canonical_list(&self.noncurrent_transition),
            ..self.clone()
        }
    }
}

impl Filter {
    /// The filter with an empty prefix or tag map written as `Null`.
    pub fn canonical(&self) -> Filter {
        Filter {
            prefix: canonical_prefix(&self.prefix),
            tags: canonical_tags(&self.tags),
            ..self.clone()
        }
    }
}

impl IntelligentTiering {
    /// Whether no value in the block is unknown.
    pub fn is_fully_known(&self) -> bool {
        known_val(&self.name)
            && known_block(&self.filter, |f| known_val(&f.prefix) && known_val(&f.tags))
            && known_val(&self.archive_access_days)
            && known_val(&self.deep_archive_access_days)
    }

    /// The block with an empty prefix, tag map or filter written as `Null`.
    pub fn canonical(&self) -> IntelligentTiering {
        let filter = match &self.filter {
            Val::Known(f) => {
                let c = TieringFilter {
                    prefix: canonical_prefix(&f.prefix),
                    tags: canonical_tags(&f.tags),
                };
                if c == TieringFilter::default() {
                    Val::Null
                } else {
                    Val::Known(c)
                }
            }
            other => other.clone(),
        };
        IntelligentTiering {
            filter,
            ..self.clone()
        }
    }
}

fn canonical_list<T: Clone>(list: &Val<Vec<T>>) -> Val<Vec<T>> {
    match list {
        Val::Null => Val::Known(Vec::new()),
        other => other.clone(),
    }
}

fn canonical_prefix(prefix: &Val<String>) -> Val<String> {
    match prefix {
        Val::Known(p) if p.is_empty() => Val::Null,
        other => other.clone(),
    }
}

fn canonical_tags(tags: &Val<BTreeMap<String, String>>) -> Val<BTreeMap<String, String>> {
    match tags {
        Val::Known(t) if t.is_empty() => Val::Null,
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Storage classes and the transition graph
// ---------------------------------------------------------------------------------------------

/// An S3 storage class that lifecycle rules deal with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StorageClass {
    /// S3 Standard: where objects start.
    Standard,
    /// S3 Standard-Infrequent Access.
    StandardIa,
    /// S3 Intelligent-Tiering.
    IntelligentTiering,
    /// S3 One Zone-Infrequent Access.
    OnezoneIa,
    /// S3 Glacier Instant Retrieval.
    GlacierIr,
    /// S3 Glacier Flexible Retrieval (API name `GLACIER`).
    Glacier,
    /// S3 Glacier Deep Archive.
    DeepArchive,
}

/// A string is not an S3 storage class name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an S3 storage class")]
pub struct ParseStorageClassError(pub String);

impl StorageClass {
    /// Every class, in order of falling storage price.
    pub const ALL: [StorageClass; 7] = [
        StorageClass::Standard,
        StorageClass::IntelligentTiering,
        StorageClass::StandardIa,
        StorageClass::OnezoneIa,
        StorageClass::GlacierIr,
        StorageClass::Glacier,
        StorageClass::DeepArchive,
    ];

    /// The classes a lifecycle transition may name.
    pub const TRANSITION_TARGETS: [StorageClass; 6] = [
        StorageClass::StandardIa,
        StorageClass::IntelligentTiering,
        StorageClass::OnezoneIa,
        StorageClass::GlacierIr,
        StorageClass::Glacier,
        StorageClass::DeepArchive,
    ];

    /// The S3 API name.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageClass::Standard => "STANDARD",
            StorageClass::StandardIa => "STANDARD_IA",
            StorageClass::IntelligentTiering => "INTELLIGENT_TIERING",
            StorageClass::OnezoneIa => "ONEZONE_IA",
            StorageClass::GlacierIr => "GLACIER_IR",
            StorageClass::Glacier => "GLACIER",
            StorageClass::DeepArchive => "DEEP_ARCHIVE",
        }
    }

    /// The classes S3 lifecycle can move objects to from this class (S3 user guide,
    /// "Supported lifecycle transitions", current version).
    pub fn successors(self) -> &'static [StorageClass] {
        use StorageClass::*;
        match self {
            Standard => &[
                StandardIa,
                IntelligentTiering,
                OnezoneIa,
                GlacierIr,
                Glacier,
                DeepArchive,
            ],
            StandardIa => &[
                IntelligentTiering,
                OnezoneIa,
                GlacierIr,
                Glacier,
                DeepArchive,
            ],
            IntelligentTiering => &[OnezoneIa, GlacierIr, Glacier, DeepArchive],
            OnezoneIa => &[Glacier, DeepArchive],
            GlacierIr => &[Glacier, DeepArchive],
            Glacier => &[DeepArchive],
            DeepArchive => &[],
        }
    }

    /// Whether S3 lifecycle supports moving objects from `self` to `to`.
    pub fn can_transition_to(self, to: StorageClass) -> bool {
        self.successors().contains(&to)
    }

    /// Minimum storage duration in days: leaving the class earlier (by expiration, deletion or
    /// transition) is billed as if the objects had stayed this long.
    pub fn minimum_storage_days(self) -> i64 {
        match self {
            StorageClass::StandardIa | StorageClass::OnezoneIa => 30,
            StorageClass::GlacierIr | StorageClass::Glacier => 90,
            StorageClass::DeepArchive => 180,
            StorageClass::Standard | StorageClass::IntelligentTiering => 0,
        }
    }

    /// Minimum billable object size in KB (smaller objects are billed as this size).
    pub fn minimum_billable_kb(self) -> i64 {
        match self {
            StorageClass::StandardIa | StorageClass::OnezoneIa | StorageClass::GlacierIr => 128,
            _ => 0,
        }
    }

    /// STANDARD_IA or ONEZONE_IA.
    pub fn is_infrequent_access(self) -> bool {
        matches!(self, StorageClass::StandardIa | StorageClass::OnezoneIa)
    }

    /// GLACIER or DEEP_ARCHIVE: archived objects with per-object metadata overhead, the only
    /// targets small objects reach under `varies_by_storage_class`.
    pub fn is_archive(self) -> bool {
        matches!(self, StorageClass::Glacier | StorageClass::DeepArchive)
    }

    /// Smallest `days` a transition to this class may have.
    pub fn minimum_transition_days(self) -> i64 {
        if self.is_infrequent_access() {
            IA_MINIMUM_DAYS
        } else {
            0
        }
    }

    /// Position in [`StorageClass::ALL`]: lower is more expensive to store.
    fn rank(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

impl fmt::Display for StorageClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StorageClass {
    type Err = ParseStorageClassError;

    /// Parses the exact S3 API name (upper case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StorageClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| ParseStorageClassError(s.to_owned()))
    }
}

/// `transition_default_minimum_object_size` of the bucket's lifecycle configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MinimumObjectSize {
    /// Objects under 128 KB never transition (unless a rule's size filter says otherwise).
    #[default]
    AllStorageClasses128K,
    /// Objects under 128 KB transition to GLACIER and DEEP_ARCHIVE only.
    VariesByStorageClass,
}

impl MinimumObjectSize {
    /// The S3 API value.
    pub fn as_str(self) -> &'static str {
        match self {
            MinimumObjectSize::AllStorageClasses128K => "all_storage_classes_128K",
            MinimumObjectSize::VariesByStorageClass => "varies_by_storage_class",
        }
    }

    /// Whether an object under 128 KB, with no size filter of its own, transitions to `class`.
    pub fn small_objects_reach(self, class: StorageClass) -> bool {
        match self {
            MinimumObjectSize::AllStorageClasses128K => false,
            MinimumObjectSize::VariesByStorageClass => class.is_archive(),
        }
    }
}

impl fmt::Display for MinimumObjectSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MinimumObjectSize {
    type Err = ParseStorageClassError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            MinimumObjectSize::AllStorageClasses128K,
            MinimumObjectSize::VariesByStorageClass,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
        .ok_or_else(|| ParseStorageClassError(s.to_owned()))
    }
}

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The policy cannot be applied as written.
    Error,
    /// The policy works, but probably not as intended or at a cost the user may not expect.
    Warning,
}

/// The rules [`validate`] applies. `docs/resources/s3_tier_policy.md` lists their sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A storage class must be one of the S3 lifecycle transition targets.
    StorageClassName,
    /// Each transition must be an edge of the S3 lifecycle transition graph.
    TransitionGraph,
    /// Transition days must be strictly increasing within a tier set.
    IncreasingDays,
    /// Transitions to STANDARD_IA or ONEZONE_IA need at least 30 days.
    InfrequentAccessMinimumDays,
    /// Objects stay at least 30 days in STANDARD_IA/ONEZONE_IA before the next transition.
    DaysInInfrequentAccess,
    /// Expiration must come after the last transition.
    ExpirationAfterTransitions,
    /// Numbers, prefixes and tags must be within the ranges S3 accepts.
    ValueRange,
    /// `archive_access_days` must be 90 to 730.
    ArchiveAccessDays,
    /// `deep_archive_access_days` must be 180 to 730.
    DeepArchiveAccessDays,
    /// `archive_access_days` must be less than `deep_archive_access_days`.
    ArchiveBeforeDeepArchive,
    /// An intelligent-tiering block needs at least one archive tier.
    TieringNeedsTier,
    /// Tier set names and intelligent-tiering names must be unique.
    UniqueName,
    /// Names must fit the IDs they become part of.
    NameFormat,
    /// Two filters must not match the same objects.
    OverlappingFilters,
    /// `object_size_greater_than` must be below `object_size_less_than`.
    SizeRange,
    /// A tier set must do something.
    NoAction,
    /// Incomplete multipart uploads cannot be selected by tags or size.
    AbortFilter,
    /// `transition_default_minimum_object_size` must be a valid setting.
    MinimumObjectSizeSetting,
    /// `expected_bucket_owner` must be a 12-digit account ID.
    BucketOwner,
    /// `assumed_object_size_kb` and `retention_days` must be positive.
    EstimateInput,
    /// Warning: objects leave a class before its minimum storage duration.
    MinimumStorageDuration,
    /// Warning: objects under 128 KB will not transition.
    SmallObjectsStay,
    /// Warning: two tier sets abort multipart uploads under the same prefix with different days.
    SharedAbortRule,
}

impl Rule {
    /// Every rule, in documentation order.
    pub const ALL: [Rule; 23] = [
        Rule::StorageClassName,
        Rule::TransitionGraph,
        Rule::IncreasingDays,
        Rule::InfrequentAccessMinimumDays,
        Rule::DaysInInfrequentAccess,
        Rule::ExpirationAfterTransitions,
        Rule::ValueRange,
        Rule::ArchiveAccessDays,
        Rule::DeepArchiveAccessDays,
        Rule::ArchiveBeforeDeepArchive,
        Rule::TieringNeedsTier,
        Rule::UniqueName,
        Rule::NameFormat,
        Rule::OverlappingFilters,
        Rule::SizeRange,
        Rule::NoAction,
        Rule::AbortFilter,
        Rule::MinimumObjectSizeSetting,
        Rule::BucketOwner,
        Rule::EstimateInput,
        Rule::MinimumStorageDuration,
        Rule::SmallObjectsStay,
        Rule::SharedAbortRule,
    ];

    /// Stable identifier, used in the documentation's rule table.
    pub fn id(self) -> &'static str {
        match self {
            Rule::StorageClassName => "storage_class_name",
            Rule::TransitionGraph => "transition_graph",
            Rule::IncreasingDays => "increasing_days",
            Rule::InfrequentAccessMinimumDays => "ia_minimum_days",
            Rule::DaysInInfrequentAccess => "days_in_ia",
            Rule::ExpirationAfterTransitions => "expiration_after_transitions",
            Rule::ValueRange => "value_range",
            Rule::ArchiveAccessDays => "archive_access_days",
            Rule::DeepArchiveAccessDays => "deep_archive_access_days",
            Rule::ArchiveBeforeDeepArchive => "archive_before_deep_archive",
            Rule::TieringNeedsTier => "tiering_needs_tier",
            Rule::UniqueName => "unique_name",
            Rule::NameFormat => "name_format",
            Rule::OverlappingFilters => "overlapping_filters",
            Rule::SizeRange => "size_range",
            Rule::NoAction => "no_action",
            Rule::AbortFilter => "abort_filter",
            Rule::MinimumObjectSizeSetting => "minimum_object_size_setting",
            Rule::BucketOwner => "bucket_owner",
            Rule::EstimateInput => "estimate_input",
            Rule::MinimumStorageDuration => "minimum_storage_duration",
            Rule::SmallObjectsStay => "small_objects_stay",
            Rule::SharedAbortRule => "shared_abort_rule",
        }
    }

    /// Whether the rule produces errors or warnings.
    pub fn severity(self) -> Severity {
        match self {
            Rule::MinimumStorageDuration | Rule::SmallObjectsStay | Rule::SharedAbortRule => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }

    /// One-line statement of the rule.
    pub fn description(self) -> &'static str {
        match self {
            Rule::StorageClassName => {
                "storage_class is one of STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, \
                 GLACIER_IR, GLACIER, DEEP_ARCHIVE"
            }
            Rule::TransitionGraph => {
                "each transition (starting from STANDARD) is a transition S3 lifecycle supports"
            }
            Rule::IncreasingDays => "transition days are strictly increasing within a tier set",
            Rule::InfrequentAccessMinimumDays => {
                "transitions to STANDARD_IA or ONEZONE_IA happen at day 30 or later"
            }
            Rule::DaysInInfrequentAccess => {
                "the transition after a STANDARD_IA/ONEZONE_IA transition comes at least 30 days \
                 later"
            }
            Rule::ExpirationAfterTransitions => {
                "expiration days are greater than the days of every transition"
            }
            Rule::ValueRange => {
                "days >= 0 for transitions and >= 1 for expirations and aborts; \
                 newer_noncurrent_versions 1-100; sizes >= 0; prefix <= 1024 bytes; tag keys \
                 1-128 and values <= 256 characters"
            }
            Rule::ArchiveAccessDays => "archive_access_days is between 90 and 730",
            Rule::DeepArchiveAccessDays => "deep_archive_access_days is between 180 and 730",
            Rule::ArchiveBeforeDeepArchive => {
                "archive_access_days is less than deep_archive_access_days"
            }
            Rule::TieringNeedsTier => {
                "an intelligent_tiering block sets archive_access_days, deep_archive_access_days \
                 or both"
            }
            Rule::UniqueName => "tier set names are unique; intelligent_tiering names are unique",
            Rule::NameFormat => {
                "names use letters, digits, '.', '_' and '-' and fit the rule or configuration ID"
            }
            Rule::OverlappingFilters => {
                "no two tier sets (or intelligent_tiering blocks) match the same objects: \
                 prefixes that nest need tags with one key and different values, or disjoint \
                 size ranges"
            }
            Rule::SizeRange => "object_size_greater_than is below object_size_less_than - 1",
            Rule::NoAction => {
                "a tier set has a transition, an expiration or an abort of multipart uploads"
            }
            Rule::AbortFilter => {
                "a tier set that only aborts multipart uploads does not filter by tags or size"
            }
            Rule::MinimumObjectSizeSetting => {
                "transition_default_minimum_object_size is all_storage_classes_128K or \
                 varies_by_storage_class"
            }
            Rule::BucketOwner => "expected_bucket_owner is a 12-digit account ID",
            Rule::EstimateInput => {
                "assumed_object_size_kb is 1 to 5 TiB in KB; retention_days is at least 1"
            }
            Rule::MinimumStorageDuration => {
                "warning: objects leave STANDARD_IA/ONEZONE_IA (30 d), GLACIER_IR/GLACIER (90 d) \
                 or DEEP_ARCHIVE (180 d) before the minimum storage duration and are billed for \
                 it anyway"
            }
            Rule::SmallObjectsStay => {
                "warning: objects under 128 KB matched by a tier set never make (some of) its \
                 transitions"
            }
            Rule::SharedAbortRule => {
                "warning: abort rules cannot filter by tags or size, so two tier sets with nested \
                 prefixes abort the same uploads with different days"
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One problem found in a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The rule that found it.
    pub rule: Rule,
    /// The attribute path it concerns.
    pub path: Vec<PathStep>,
    /// Short statement, for the diagnostic summary.
    pub summary: String,
    /// What is wrong, why, and a valid alternative.
    pub detail: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{level} [{}] at {}: {}: {}",
            self.rule,
            format_path(&self.path),
            self.summary,
            self.detail
        )
    }
}

/// Whether `name` is usable as a tier set or intelligent-tiering name of at most `max_len`
/// characters: non-empty, letters, digits, `.`, `_` and `-` only.
pub fn valid_name(name: &str, max_len: usize) -> bool {
    !name.is_empty()
        && name.len() <= max_len
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Checks every [`Rule`] against a possibly partially known policy. Checks that depend on an
/// unknown value are skipped. The result is empty for a valid policy.
pub fn validate(policy: &TierPolicy) -> Vec<Finding> {
    let mut checker = Checker::default();
    checker.policy(policy);
    checker.out
}

fn at(base: &[PathStep], steps: &[PathStep]) -> Vec<PathStep> {
    base.iter().chain(steps).cloned().collect()
}

fn attr(name: &str) -> PathStep {
    PathStep::Attr(name.to_owned())
}

fn index(i: usize) -> PathStep {
    PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX))
}

/// One transition of a chain, current or noncurrent.
struct Step<'a> {
    days: &'a Val<i64>,
    class: &'a Val<String>,
}

/// What differs between the current and the noncurrent chain of a tier set.
struct ChainKind {
    list: &'static str,
    day_attr: &'static str,
    expiration_attr: &'static str,
}

const CURRENT: ChainKind = ChainKind {
    list: "transition",
    day_attr: "days",
    expiration_attr: "expiration_days",
};

const NONCURRENT: ChainKind = ChainKind {
    list: "noncurrent_transition",
    day_attr: "noncurrent_days",
    expiration_attr: "noncurrent_expiration_days",
};

/// A filter with every condition known; `prefix` is empty when unset.
struct FilterView<'a> {
    prefix: &'a str,
    tags: Option<&'a BTreeMap<String, String>>,
    greater_than: Option<i64>,
    less_than: Option<i64>,
}

fn known_or_absent<T>(v: &Val<T>) -> Option<Option<&T>> {
    match v {
        Val::Unknown => None,
        Val::Null => Some(None),
        Val::Known(x) => Some(Some(x)),
    }
}

fn tier_set_filter_view(filter: &Val<Filter>) -> Option<FilterView<'_>> {
    match filter {
        Val::Unknown => None,
        Val::Null => Some(FilterView {
            prefix: "",
            tags: None,
            greater_than: None,
            less_than: None,
        }),
        Val::Known(f) => Some(FilterView {
            prefix: known_or_absent(&f.prefix)?.map_or("", String::as_str),
            tags: known_or_absent(&f.tags)?,
            greater_than: known_or_absent(&f.object_size_greater_than)?.copied(),
            less_than: known_or_absent(&f.object_size_less_than)?.copied(),
        }),
    }
}

fn tiering_filter_view(filter: &Val<TieringFilter>) -> Option<FilterView<'_>> {
    match filter {
        Val::Unknown => None,
        Val::Null => Some(FilterView {
            prefix: "",
            tags: None,
            greater_than: None,
            less_than: None,
        }),
        Val::Known(f) => Some(FilterView {
            prefix: known_or_absent(&f.prefix)?.map_or("", String::as_str),
            tags: known_or_absent(&f.tags)?,
            greater_than: None,
            less_than: None,
        }),
    }
}

fn prefixes_nest(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Whether some object could match both filters.
fn filters_overlap(a: &FilterView<'_>, b: &FilterView<'_>) -> bool {
    if !prefixes_nest(a.prefix, b.prefix) {
        return false;
    }
    if let (Some(ta), Some(tb)) = (a.tags, b.tags)
        && ta.iter().any(|(k, v)| tb.get(k).is_some_and(|w| w != v))
    {
        return false;
    }
    let low = a
        .greater_than
        .unwrap_or(-1)
        .max(b.greater_than.unwrap_or(-1));
    let high = a
        .less_than
        .unwrap_or(i64::MAX)
        .min(b.less_than.unwrap_or(i64::MAX));
    low.saturating_add(1) < high
}

fn has_size_or_tags(f: &FilterView<'_>) -> bool {
    f.tags.is_some_and(|t| !t.is_empty()) || f.greater_than.is_some() || f.less_than.is_some()
}

fn describe_prefix(prefix: &str) -> String {
    if prefix.is_empty() {
        "every key".to_owned()
    } else {
        format!("prefix {prefix:?}")
    }
}

fn display_name(name: &Val<String>, list: &str, i: usize) -> String {
    match name {
        Val::Known(n) => format!("{n:?}"),
        _ => format!("{list}[{i}]"),
    }
}

/// The suggestion part of a transition-graph error.
fn graph_alternative(
    before_from: Option<(StorageClass, Option<i64>)>,
    from: StorageClass,
    from_day: Option<i64>,
    to: StorageClass,
    to_day: Option<i64>,
) -> String {
    if to == StorageClass::Standard {
        return "S3 lifecycle never moves objects back to STANDARD (objects start there); \
                remove this transition"
            .to_owned();
    }
    if from == to {
        return format!(
            "the objects are already in {to} at this point; remove this duplicate transition"
        );
    }
    if from.successors().is_empty() {
        return format!(
            "{from} is the last storage class; remove this transition or expire the objects \
             instead"
        );
    }
    let mut options = Vec::new();
    if let Some((before, before_day)) = before_from
        && before.can_transition_to(to)
        && to.can_transition_to(from)
    {
        let mut text = format!("use {to} first, then {from}");
        if let (Some(fd), Some(td)) = (from_day, to_day) {
            let after_before = before_day.map_or(0, |d| {
                d.saturating_add(if before.is_infrequent_access() {
                    IA_MINIMUM_DAYS
                } else {
                    1
                })
            });
            let first = fd.max(to.minimum_transition_days()).max(after_before);
            let gap = if to.is_infrequent_access() {
                IA_MINIMUM_DAYS
            } else {
                1
            };
            let second = td.max(first.saturating_add(gap));
            text.push_str(&format!(
                " (e.g. {to} at day {first}, then {from} at day {second})"
            ));
        }
        options.push(text);
    }
    let successors = from.successors();
    let colder = |c: &&StorageClass| c.rank() > to.rank();
    let alternative = successors
        .iter()
        .filter(colder)
        .find(|c| **c != StorageClass::OnezoneIa || to == StorageClass::OnezoneIa)
        .or_else(|| successors.iter().find(colder))
        .or_else(|| successors.first());
    if let Some(alt) = alternative {
        if options.is_empty() {
            options.push(format!("go to {alt} instead"));
        } else {
            options.push(format!("keep {from} and go to {alt} instead"));
        }
    }
    let mut text = options.join(", or ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text
}

fn join_classes(classes: &[StorageClass]) -> String {
    classes
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Default)]
struct Checker {
    out: Vec<Finding>,
}

impl Checker {
    fn push(
        &mut self,
        rule: Rule,
        path: Vec<PathStep>,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.out.push(Finding {
            severity: rule.severity(),
            rule,
            path,
            summary: summary.into(),
            detail: detail.into(),
        });
    }

    fn policy(&mut self, p: &TierPolicy) {
        if let Val::Known(owner) = &p.expected_bucket_owner
            && (owner.len() != 12 || !owner.chars().all(|c| c.is_ascii_digit()))
        {
            self.push(
                Rule::BucketOwner,
                vec![attr("expected_bucket_owner")],
                "Invalid expected bucket owner",
                format!("{owner:?} is not an AWS account ID: use the 12 digits of the account"),
            );
        }
        let mode = match &p.transition_default_minimum_object_size {
            Val::Null => Some(MinimumObjectSize::default()),
            Val::Unknown => None,
            Val::Known(s) => match s.parse::<MinimumObjectSize>() {
                Ok(m) => Some(m),
                Err(_) => {
                    self.push(
                        Rule::MinimumObjectSizeSetting,
                        vec![attr("transition_default_minimum_object_size")],
                        "Invalid transition default minimum object size",
                        format!(
                            "{s:?} is not a setting S3 knows: use \"all_storage_classes_128K\" \
                             or \"varies_by_storage_class\""
                        ),
                    );
                    None
                }
            },
        };
        if let Val::Known(kb) = p.assumed_object_size_kb
            && !(1..=MAX_OBJECT_SIZE_KB).contains(&kb)
        {
            self.push(
                Rule::EstimateInput,
                vec![attr("assumed_object_size_kb")],
                "Invalid assumed object size",
                format!(
                    "assumed_object_size_kb is {kb}: use a size between 1 and \
                         {MAX_OBJECT_SIZE_KB} KB (5 TiB, the largest S3 object)"
                ),
            );
        }
        if let Val::Known(days) = p.retention_days
            && days < 1
        {
            self.push(
                Rule::EstimateInput,
                vec![attr("retention_days")],
                "Invalid retention",
                format!("retention_days is {days}: use 1 or more days"),
            );
        }

        let sets = p.tier_set.items();
        for (i, ts) in sets.iter().enumerate() {
            self.tier_set(i, ts, mode);
        }
        self.unique_names(
            "tier_set",
            "tier set",
            sets.iter().map(|t| &t.name),
            "its lifecycle rule IDs",
        );
        self.tier_set_overlaps(sets);

        let tierings = p.intelligent_tiering.items();
        for (i, it) in tierings.iter().enumerate() {
            self.tiering(i, it);
        }
        self.unique_names(
            "intelligent_tiering",
            "intelligent_tiering",
            tierings.iter().map(|t| &t.name),
            "its configuration ID",
        );
        self.tiering_overlaps(tierings);
    }

    fn name(&mut self, base: &[PathStep], what: &str, name: &Val<String>, max_len: usize) {
        let Val::Known(name) = name else { return };
        if valid_name(name, max_len) {
            return;
        }
        let id = if what == "tier set" {
            format!("the lifecycle rule ID \"{RULE_ID_PREFIX}<name>:<n>\"")
        } else {
            format!("the intelligent-tiering configuration ID \"{IT_ID_PREFIX}<name>\"")
        };
        let problem = if name.is_empty() {
            "is empty".to_owned()
        } else if name.len() > max_len {
            format!("has {} characters", name.len())
        } else {
            let bad: String = name
                .chars()
                .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
                .take(3)
                .collect();
            format!("contains {bad:?}")
        };
        self.push(
            Rule::NameFormat,
            at(base, &[attr("name")]),
            format!("Invalid {what} name"),
            format!(
                "{what} name {name:?} {problem}: use 1 to {max_len} letters, digits, '.', '_' \
                 or '-', so that it fits {id}"
            ),
        );
    }

    fn unique_names<'a>(
        &mut self,
        list: &str,
        what: &str,
        names: impl Iterator<Item = &'a Val<String>>,
        used_in: &str,
    ) {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, name) in names.enumerate() {
            let Val::Known(name) = name else { continue };
            if let Some(first) = seen.get(name.as_str()) {
                self.push(
                    Rule::UniqueName,
                    vec![attr(list), index(i), attr("name")],
                    format!("Duplicate {what} name"),
                    format!(
                        "{list}[{first}] and {list}[{i}] are both named {name:?}; the name forms \
                         {used_in}, so it must be unique: rename one of them"
                    ),
                );
            } else {
                seen.insert(name, i);
            }
        }
    }

    fn range(
        &mut self,
        path: Vec<PathStep>,
        value: &Val<i64>,
        low: i64,
        high: Option<i64>,
        what: &str,
    ) {
        let Val::Known(v) = *value else { return };
        let ok = v >= low && high.is_none_or(|h| v <= h);
        if ok {
            return;
        }
        let allowed = match high {
            Some(h) => format!("between {low} and {h}"),
            None => format!("{low} or more"),
        };
        let name = path.last().map_or(String::new(), |s| match s {
            PathStep::Attr(a) => a.clone(),
            _ => String::new(),
        });
        self.push(
            Rule::ValueRange,
            path,
            format!("{name} out of range"),
            format!("{name} is {v}; {what} must be {allowed}"),
        );
    }

    fn prefix_and_tags(
        &mut self,
        base: &[PathStep],
        prefix: &Val<String>,
        tags: &Val<BTreeMap<String, String>>,
    ) {
        if let Val::Known(p) = prefix
            && p.len() > MAX_PREFIX_BYTES
        {
            self.push(
                Rule::ValueRange,
                at(base, &[attr("prefix")]),
                "prefix too long",
                format!(
                    "the prefix has {} bytes; S3 accepts at most {MAX_PREFIX_BYTES}",
                    p.len()
                ),
            );
        }
        if let Val::Known(tags) = tags {
            for (k, v) in tags {
                let keys = k.chars().count();
                if keys == 0 || keys > MAX_TAG_KEY_CHARS || v.chars().count() > MAX_TAG_VALUE_CHARS
                {
                    self.push(
                        Rule::ValueRange,
                        at(base, &[attr("tags"), PathStep::Key(k.clone())]),
                        "Invalid tag",
                        format!(
                            "tag {k:?} = {v:?}: S3 tag keys have 1 to {MAX_TAG_KEY_CHARS} \
                             characters and values at most {MAX_TAG_VALUE_CHARS}"
                        ),
                    );
                }
            }
        }
    }

    fn tier_set(&mut self, i: usize, ts: &TierSet, mode: Option<MinimumObjectSize>) {
        let base = vec![attr("tier_set"), index(i)];
        let label = display_name(&ts.name, "tier_set", i);
        self.name(&base, "tier set", &ts.name, MAX_TIER_SET_NAME_LEN);

        if let Val::Known(f) = &ts.filter {
            let fbase = at(&base, &[attr("filter"), PathStep::Index(0)]);
            self.prefix_and_tags(&fbase, &f.prefix, &f.tags);
            self.range(
                at(&fbase, &[attr("object_size_greater_than")]),
                &f.object_size_greater_than,
                0,
                None,
                "a size in bytes",
            );
            self.range(
                at(&fbase, &[attr("object_size_less_than")]),
                &f.object_size_less_than,
                1,
                None,
                "a size in bytes",
            );
            if let (Val::Known(gt), Val::Known(lt)) =
                (f.object_size_greater_than, f.object_size_less_than)
                && gt >= 0
                && gt.saturating_add(1) >= lt
            {
                self.push(
                    Rule::SizeRange,
                    at(&fbase, &[attr("object_size_less_than")]),
                    "Empty object size range",
                    format!(
                        "no object is larger than {gt} bytes and smaller than {lt} bytes: \
                             set object_size_less_than to at least {} or lower \
                             object_size_greater_than",
                        gt.saturating_add(2)
                    ),
                );
            }
        }

        let current: Vec<Step<'_>> = ts
            .transition
            .items()
            .iter()
            .map(|t| Step {
                days: &t.days,
                class: &t.storage_class,
            })
            .collect();
        self.chain(
            &base,
            &CURRENT,
            &current,
            ts.transition.is_unknown(),
            &ts.expiration_days,
        );
        for (k, t) in ts.noncurrent_transition.items().iter().enumerate() {
            self.range(
                at(
                    &base,
                    &[
                        attr("noncurrent_transition"),
                        index(k),
                        attr("newer_noncurrent_versions"),
                    ],
                ),
                &t.newer_noncurrent_versions,
                1,
                Some(100),
                "a number of versions",
            );
        }
        let noncurrent: Vec<Step<'_>> = ts
            .noncurrent_transition
            .items()
            .iter()
            .map(|t| Step {
                days: &t.noncurrent_days,
                class: &t.storage_class,
            })
            .collect();
        self.chain(
            &base,
            &NONCURRENT,
            &noncurrent,
            ts.noncurrent_transition.is_unknown(),
            &ts.noncurrent_expiration_days,
        );
        self.range(
            at(&base, &[attr("abort_incomplete_multipart_days")]),
            &ts.abort_incomplete_multipart_days,
            1,
            None,
            "a number of days",
        );

        // A tier set must act; S3 rejects a rule without an action.
        let lists_empty = matches!(&ts.transition, Val::Null)
            || matches!(&ts.transition, Val::Known(v) if v.is_empty());
        let nc_empty = matches!(&ts.noncurrent_transition, Val::Null)
            || matches!(&ts.noncurrent_transition, Val::Known(v) if v.is_empty());
        if lists_empty
            && nc_empty
            && ts.expiration_days.is_null()
            && ts.noncurrent_expiration_days.is_null()
            && ts.abort_incomplete_multipart_days.is_null()
        {
            self.push(
                Rule::NoAction,
                base.clone(),
                "Tier set does nothing",
                format!(
                    "tier set {label} has no transition, expiration or \
                     abort_incomplete_multipart_days; S3 rejects a lifecycle rule without an \
                     action: add one, or remove the tier set"
                ),
            );
        }

        // Aborts apply to uploads, which have neither tags nor a final size.
        let view = tier_set_filter_view(&ts.filter);
        if let (Some(view), Val::Known(_)) = (&view, &ts.abort_incomplete_multipart_days) {
            let only_abort = lists_empty
                && nc_empty
                && ts.expiration_days.is_null()
                && ts.noncurrent_expiration_days.is_null();
            if only_abort && has_size_or_tags(view) {
                self.push(
                    Rule::AbortFilter,
                    at(&base, &[attr("filter")]),
                    "Tags or size cannot select multipart uploads",
                    format!(
                        "tier set {label} only aborts incomplete multipart uploads, and S3 cannot \
                         select uploads by tags or object size: remove tags, \
                         object_size_greater_than and object_size_less_than from its filter (the \
                         abort then covers every upload under {})",
                        describe_prefix(view.prefix)
                    ),
                );
            }
        }

        self.small_objects(&base, ts, &label, mode);
    }

    fn chain(
        &mut self,
        base: &[PathStep],
        kind: &ChainKind,
        steps: &[Step<'_>],
        list_unknown: bool,
        expiration: &Val<i64>,
    ) {
        let mut complete = !list_unknown;
        // The class objects are in before each step, and the step that put them there.
        let mut from: Option<StorageClass> = Some(StorageClass::Standard);
        let mut from_day: Option<i64> = None;
        let mut before_from: Option<(StorageClass, Option<i64>)> = None;
        let mut max_day: Option<(usize, i64)> = None;

        for (k, step) in steps.iter().enumerate() {
            let p = at(base, &[attr(kind.list), index(k)]);
            let day = step.days.known().copied();
            let class = match step.class {
                Val::Known(s) => match s.parse::<StorageClass>() {
                    Ok(c) => Some(c),
                    Err(_) => {
                        let upper = s.to_uppercase();
                        let hint = if upper != *s && upper.parse::<StorageClass>().is_ok() {
                            format!(" (did you mean {upper}?)")
                        } else if s == "GLACIER_FLEXIBLE_RETRIEVAL" {
                            " (S3 calls Glacier Flexible Retrieval GLACIER)".to_owned()
                        } else {
                            String::new()
                        };
                        self.push(
                            Rule::StorageClassName,
                            at(&p, &[attr("storage_class")]),
                            "Unknown storage class",
                            format!(
                                "{s:?} is not an S3 lifecycle storage class{hint}: use one of {}",
                                join_classes(&StorageClass::TRANSITION_TARGETS)
                            ),
                        );
                        None
                    }
                },
                _ => None,
            };
            if day.is_none() || class.is_none() {
                complete = false;
            }

            if let Some(d) = day
                && d < 0
            {
                self.push(
                    Rule::ValueRange,
                    at(&p, &[attr(kind.day_attr)]),
                    format!("{} out of range", kind.day_attr),
                    format!(
                        "{} is {d}; a number of days must be 0 or more",
                        kind.day_attr
                    ),
                );
            }

            if let (Some(f), Some(t)) = (from, class)
                && !f.can_transition_to(t)
            {
                let supported = if f.successors().is_empty() {
                    format!("S3 supports no transition out of {f}")
                } else {
                    format!("from {f}, S3 supports {}", join_classes(f.successors()))
                };
                self.push(
                    Rule::TransitionGraph,
                    at(&p, &[attr("storage_class")]),
                    "Unsupported storage class transition",
                    format!(
                        "{f} -> {t} is not a supported S3 lifecycle transition ({supported}). \
                             {}.",
                        graph_alternative(before_from, f, from_day, t, day)
                    ),
                );
            }

            if let (Some((mk, md)), Some(d)) = (max_day, day)
                && d <= md
            {
                self.push(
                    Rule::IncreasingDays,
                    at(&p, &[attr(kind.day_attr)]),
                    "Transition days not increasing",
                    format!(
                        "{list}[{k}] is at day {d}, not after {list}[{mk}] at day {md}: \
                             transitions must be listed in order of strictly increasing {attr}; \
                             use {attr} = {} or more, or reorder the blocks",
                        md.saturating_add(1),
                        list = kind.list,
                        attr = kind.day_attr
                    ),
                );
            }

            if let (Some(t), Some(d)) = (class, day)
                && t.is_infrequent_access()
                && d < IA_MINIMUM_DAYS
            {
                self.push(
                    Rule::InfrequentAccessMinimumDays,
                    at(&p, &[attr(kind.day_attr)]),
                    format!("{t} transition too early"),
                    format!(
                        "{t} at day {d}: S3 only moves objects to {t} once they are at least \
                             {IA_MINIMUM_DAYS} days old; use {} = {IA_MINIMUM_DAYS} or more, or \
                             INTELLIGENT_TIERING / GLACIER_IR for an earlier transition",
                        kind.day_attr
                    ),
                );
            }

            if let (Some(f), Some(fd), Some(d)) = (from, from_day, day) {
                let stay = d.saturating_sub(fd);
                if stay > 0 && f.is_infrequent_access() && stay < IA_MINIMUM_DAYS {
                    let to = class.map_or("the next class".to_owned(), |c| c.to_string());
                    self.push(
                        Rule::DaysInInfrequentAccess,
                        at(&p, &[attr(kind.day_attr)]),
                        format!("Too soon after {f}"),
                        format!(
                            "the transition to {to} at day {d} comes {stay} days after the \
                             transition to {f} at day {fd}; S3 requires objects to stay at least \
                             {IA_MINIMUM_DAYS} days in {f} before the next transition of the \
                             same rule: use {} = {} or later",
                            kind.day_attr,
                            fd.saturating_add(IA_MINIMUM_DAYS)
                        ),
                    );
                } else if stay > 0 && !f.is_infrequent_access() && stay < f.minimum_storage_days() {
                    let to = class.map_or("the next class".to_owned(), |c| c.to_string());
                    self.push(
                        Rule::MinimumStorageDuration,
                        at(&p, &[attr(kind.day_attr)]),
                        format!("Early transition out of {f}"),
                        format!(
                            "objects move from {f} to {to} after {stay} days, but {f} bills at \
                             least {} days: each object is charged {} more days of {f}. Move \
                             them at day {} or later, or skip {f}",
                            f.minimum_storage_days(),
                            f.minimum_storage_days() - stay,
                            fd.saturating_add(f.minimum_storage_days())
                        ),
                    );
                }
            }

            if let Some(d) = day
                && max_day.is_none_or(|(_, md)| d > md)
            {
                max_day = Some((k, d));
            }
            before_from = from.map(|f| (f, from_day));
            from = class;
            from_day = day;
        }

        let Val::Known(e) = *expiration else { return };
        let exp_path = at(base, &[attr(kind.expiration_attr)]);
        if e < 1 {
            self.push(
                Rule::ValueRange,
                exp_path,
                format!("{} out of range", kind.expiration_attr),
                format!(
                    "{} is {e}; a number of days must be 1 or more",
                    kind.expiration_attr
                ),
            );
            return;
        }
        if let Some((mk, md)) = max_day
            && e <= md
        {
            self.push(
                Rule::ExpirationAfterTransitions,
                exp_path,
                "Expiration before a transition",
                format!(
                    "{} is {e}, not after {}[{mk}] at day {md}: S3 requires the expiration to \
                         come after every transition; use {} = {} or more, or move the \
                         transition earlier",
                    kind.expiration_attr,
                    kind.list,
                    kind.expiration_attr,
                    md.saturating_add(1)
                ),
            );
            return;
        }
        if !complete {
            return;
        }
        let (class, since) = match (from, from_day) {
            (Some(c), Some(d)) => (c, d),
            _ => (StorageClass::Standard, 0),
        };
        let stay = e.saturating_sub(since);
        let minimum = class.minimum_storage_days();
        if stay < minimum {
            self.push(
                Rule::MinimumStorageDuration,
                exp_path,
                format!("Early deletion from {class}"),
                format!(
                    "objects expire {stay} days after moving to {class} (day {since} -> day {e}), \
                     but {class} bills at least {minimum} days: each object is charged {} more \
                     days of {class}. Expire at day {} or later, or pick a class with a shorter \
                     minimum storage duration",
                    minimum - stay,
                    since.saturating_add(minimum)
                ),
            );
        }
    }

    fn small_objects(
        &mut self,
        base: &[PathStep],
        ts: &TierSet,
        label: &str,
        mode: Option<MinimumObjectSize>,
    ) {
        let Some(mode) = mode else { return };
        let greater_than = match &ts.filter {
            Val::Unknown => return,
            Val::Null => Val::Null,
            Val::Known(f) => f.object_size_greater_than,
        };
        // A size filter of the rule overrides the default minimum object size.
        if !greater_than.is_null() {
            return;
        }
        if let Val::Known(f) = &ts.filter
            && let Val::Known(lt) = f.object_size_less_than
            && lt <= 1
        {
            return;
        }
        let current = ts
            .transition
            .items()
            .iter()
            .map(|t| (&t.storage_class, CURRENT.list));
        let noncurrent = ts
            .noncurrent_transition
            .items()
            .iter()
            .map(|t| (&t.storage_class, NONCURRENT.list));
        let mut counters: BTreeMap<&str, usize> = BTreeMap::new();
        let mut skipped: Option<(Vec<PathStep>, StorageClass)> = None;
        for (class, list) in current.chain(noncurrent) {
            let k = counters.entry(list).or_insert(0);
            let position = *k;
            *k += 1;
            let Some(Ok(class)) = class.known().map(|s| s.parse::<StorageClass>()) else {
                continue;
            };
            if !mode.small_objects_reach(class) && skipped.is_none() {
                skipped = Some((at(base, &[attr(list), index(position)]), class));
            }
        }
        let Some((path, class)) = skipped else { return };
        let detail = match mode {
            MinimumObjectSize::AllStorageClasses128K => format!(
                "objects under 128 KB matched by tier set {label} never transition: \
                 transition_default_minimum_object_size is all_storage_classes_128K (the S3 \
                 default), so they stay in STANDARD until they expire. To move them too, set \
                 filter.object_size_greater_than below {SMALL_OBJECT_BYTES} bytes (a size filter \
                 overrides the default), or set transition_default_minimum_object_size = \
                 \"varies_by_storage_class\" (small objects then move to GLACIER and \
                 DEEP_ARCHIVE only)"
            ),
            MinimumObjectSize::VariesByStorageClass => format!(
                "objects under 128 KB matched by tier set {label} skip the transition to {class}: \
                 with varies_by_storage_class S3 moves small objects only to GLACIER and \
                 DEEP_ARCHIVE. To move them anyway, set filter.object_size_greater_than below \
                 {SMALL_OBJECT_BYTES} bytes (they are then billed as 128 KB in {class})"
            ),
        };
        self.push(
            Rule::SmallObjectsStay,
            path,
            "Objects under 128 KB will not transition",
            detail,
        );
    }

    fn tier_set_overlaps(&mut self, sets: &[TierSet]) {
        let views: Vec<Option<FilterView<'_>>> = sets
            .iter()
            .map(|t| tier_set_filter_view(&t.filter))
            .collect();
        for j in 0..sets.len() {
            for i in 0..j {
                let (Some(a), Some(b)) = (&views[i], &views[j]) else {
                    continue;
                };
                let a_name = display_name(&sets[i].name, "tier_set", i);
                let b_name = display_name(&sets[j].name, "tier_set", j);
                let path = if sets[j].filter.is_null() {
                    vec![attr("tier_set"), index(j)]
                } else {
                    vec![
                        attr("tier_set"),
                        index(j),
                        attr("filter"),
                        PathStep::Index(0),
                    ]
                };
                let common = if a.prefix.len() >= b.prefix.len() {
                    a.prefix
                } else {
                    b.prefix
                };
                if filters_overlap(a, b) {
                    self.push(
                        Rule::OverlappingFilters,
                        path,
                        "Tier sets overlap",
                        format!(
                            "tier sets {a_name} and {b_name} both match objects under {} and \
                             nothing tells them apart: S3 would apply both rules to those \
                             objects and their transitions and expirations would race. Use \
                             prefixes that do not nest, a tag with the same key and different \
                             values in each, or object size ranges that do not overlap; or merge \
                             them into one tier set",
                            describe_prefix(common)
                        ),
                    );
                    continue;
                }
                // Abort rules lose tags and sizes (see lifecycle_doc), so they may still collide.
                let (Val::Known(da), Val::Known(db)) = (
                    sets[i].abort_incomplete_multipart_days,
                    sets[j].abort_incomplete_multipart_days,
                ) else {
                    continue;
                };
                if da != db && prefixes_nest(a.prefix, b.prefix) {
                    self.push(
                        Rule::SharedAbortRule,
                        vec![
                            attr("tier_set"),
                            index(j),
                            attr("abort_incomplete_multipart_days"),
                        ],
                        "Abort days overlap",
                        format!(
                            "S3 cannot select multipart uploads by tags or size, so the aborts of \
                             tier sets {a_name} ({da} days) and {b_name} ({db} days) both apply to \
                             uploads under {} and the shorter one wins: use the same number of \
                             days in both, or set it in one of them only",
                            describe_prefix(common)
                        ),
                    );
                }
            }
        }
    }

    fn tiering(&mut self, i: usize, it: &IntelligentTiering) {
        let base = vec![attr("intelligent_tiering"), index(i)];
        self.name(&base, "intelligent_tiering", &it.name, MAX_TIERING_NAME_LEN);
        if let Val::Known(f) = &it.filter {
            let fbase = at(&base, &[attr("filter"), PathStep::Index(0)]);
            self.prefix_and_tags(&fbase, &f.prefix, &f.tags);
        }
        let (alow, ahigh) = ARCHIVE_ACCESS_DAYS;
        let (dlow, dhigh) = DEEP_ARCHIVE_ACCESS_DAYS;
        if let Val::Known(a) = it.archive_access_days
            && !(alow..=ahigh).contains(&a)
        {
            self.push(
                Rule::ArchiveAccessDays,
                at(&base, &[attr("archive_access_days")]),
                "archive_access_days out of range",
                format!(
                    "archive_access_days is {a}: S3 Intelligent-Tiering moves objects to the \
                         Archive Access tier after {alow} to {ahigh} days without access; use a \
                         value in that range ({alow} is the earliest)"
                ),
            );
        }
        if let Val::Known(d) = it.deep_archive_access_days
            && !(dlow..=dhigh).contains(&d)
        {
            self.push(
                Rule::DeepArchiveAccessDays,
                at(&base, &[attr("deep_archive_access_days")]),
                "deep_archive_access_days out of range",
                format!(
                    "deep_archive_access_days is {d}: S3 Intelligent-Tiering moves objects to \
                         the Deep Archive Access tier after {dlow} to {dhigh} days without \
                         access; use a value in that range ({dlow} is the earliest)"
                ),
            );
        }
        if let (Val::Known(a), Val::Known(d)) =
            (it.archive_access_days, it.deep_archive_access_days)
            && a >= d
        {
            self.push(
                Rule::ArchiveBeforeDeepArchive,
                at(&base, &[attr("deep_archive_access_days")]),
                "Deep archive not after archive",
                format!(
                    "deep_archive_access_days ({d}) must be greater than archive_access_days \
                         ({a}): objects reach the Archive Access tier first; use \
                         deep_archive_access_days = {} or more, or drop archive_access_days",
                    a.saturating_add(1).max(dlow)
                ),
            );
        }
        if it.archive_access_days.is_null() && it.deep_archive_access_days.is_null() {
            self.push(
                Rule::TieringNeedsTier,
                base,
                "No archive tier",
                "an intelligent_tiering block must set archive_access_days (90-730), \
                 deep_archive_access_days (180-730) or both; S3 requires at least one tier",
            );
        }
    }

    fn tiering_overlaps(&mut self, tierings: &[IntelligentTiering]) {
        let views: Vec<Option<FilterView<'_>>> = tierings
            .iter()
            .map(|t| tiering_filter_view(&t.filter))
            .collect();
        for j in 0..tierings.len() {
            for i in 0..j {
                let (Some(a), Some(b)) = (&views[i], &views[j]) else {
                    continue;
                };
                if !filters_overlap(a, b) {
                    continue;
                }
                let common = if a.prefix.len() >= b.prefix.len() {
                    a.prefix
                } else {
                    b.prefix
                };
                let path = if tierings[j].filter.is_null() {
                    vec![attr("intelligent_tiering"), index(j)]
                } else {
                    vec![
                        attr("intelligent_tiering"),
                        index(j),
                        attr("filter"),
                        PathStep::Index(0),
                    ]
                };
                self.push(
                    Rule::OverlappingFilters,
                    path,
                    "Intelligent-tiering configurations overlap",
                    format!(
                        "intelligent_tiering {} and {} both match objects under {}: S3 would \
                         apply two archive configurations to the same objects. Use prefixes \
                         that do not nest or a tag with the same key and different values in \
                         each; or merge them",
                        display_name(&tierings[i].name, "intelligent_tiering", i),
                        display_name(&tierings[j].name, "intelligent_tiering", j),
                        describe_prefix(common)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(days: i64, class: &str) -> Transition {
        Transition {
            days: days.into(),
            storage_class: class.into(),
        }
    }

    fn nc(days: i64, class: &str) -> NoncurrentTransition {
        NoncurrentTransition {
            noncurrent_days: days.into(),
            newer_noncurrent_versions: Val::Null,
            storage_class: class.into(),
        }
    }

    fn filter(prefix: &str) -> Val<Filter> {
        Val::Known(Filter {
            prefix: prefix.into(),
            object_size_greater_than: SMALL_OBJECT_BYTES.into(),
            ..Filter::default()
        })
    }

    fn tags(pairs: &[(&str, &str)]) -> Val<BTreeMap<String, String>> {
        Val::Known(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// A policy that passes every rule.
    fn base() -> TierPolicy {
        TierPolicy {
            bucket: "logs-bucket".into(),
            expected_bucket_owner: "123456789012".into(),
            tier_set: Val::Known(vec![
                TierSet {
                    name: "app".into(),
                    filter: filter("app/"),
                    transition: Val::Known(vec![
                        tr(30, "STANDARD_IA"),
                        tr(90, "GLACIER"),
                        tr(270, "DEEP_ARCHIVE"),
                    ]),
                    noncurrent_transition: Val::Known(vec![nc(30, "STANDARD_IA")]),
                    expiration_days: 730.into(),
                    noncurrent_expiration_days: 90.into(),
                    abort_incomplete_multipart_days: 7.into(),
                },
                TierSet {
                    name: "audit".into(),
                    filter: filter("audit/"),
                    transition: Val::Known(vec![tr(1, "DEEP_ARCHIVE")]),
                    expiration_days: 400.into(),
                    ..TierSet::default()
                },
            ]),
            intelligent_tiering: Val::Known(vec![IntelligentTiering {
                name: "archive".into(),
                filter: Val::Known(TieringFilter {
                    prefix: "it/".into(),
                    tags: Val::Null,
                }),
                archive_access_days: 90.into(),
                deep_archive_access_days: 180.into(),
            }]),
            transition_default_minimum_object_size: Val::Null,
            assumed_object_size_kb: 512.into(),
            retention_days: 365.into(),
        }
    }

    fn ts(p: &mut TierPolicy, i: usize) -> &mut TierSet {
        match &mut p.tier_set {
            Val::Known(sets) => &mut sets[i],
            _ => panic!("tier_set is not known"),
        }
    }

    fn it(p: &mut TierPolicy, i: usize) -> &mut IntelligentTiering {
        match &mut p.intelligent_tiering {
            Val::Known(blocks) => &mut blocks[i],
            _ => panic!("intelligent_tiering is not known"),
        }
    }

    fn transitions(p: &mut TierPolicy, i: usize) -> &mut Vec<Transition> {
        match &mut ts(p, i).transition {
            Val::Known(list) => list,
            _ => panic!("transition is not known"),
        }
    }

    fn filter_of(p: &mut TierPolicy, i: usize) -> &mut Filter {
        match &mut ts(p, i).filter {
            Val::Known(f) => f,
            _ => panic!("filter is not known"),
        }
    }

    /// One expected finding: rule, severity, path, words of summary + detail.
    type Expect = (Rule, Severity, &'static str, &'static [&'static str]);

    struct Case {
        name: &'static str,
        edit: fn(&mut TierPolicy),
        expect: &'static [Expect],
    }

    use Severity::{Error as E, Warning as W};

    const CASES: &[Case] = &[
        Case {
            name: "base policy is valid",
            edit: |_| {},
            expect: &[],
        },
        // storage_class_name
        Case {
            name: "storage class in lower case",
            edit: |p| transitions(p, 0)[1] = tr(90, "glacier"),
            expect: &[(
                Rule::StorageClassName,
                E,
                "tier_set[0].transition[1].storage_class",
                &[
                    "\"glacier\"",
                    "did you mean GLACIER?",
                    "STANDARD_IA, INTELLIGENT_TIERING",
                ],
            )],
        },
        Case {
            name: "storage class GLACIER_FLEXIBLE_RETRIEVAL",
            edit: |p| transitions(p, 0)[1] = tr(90, "GLACIER_FLEXIBLE_RETRIEVAL"),
            expect: &[(
                Rule::StorageClassName,
                E,
                "tier_set[0].transition[1].storage_class",
                &["S3 calls Glacier Flexible Retrieval GLACIER"],
            )],
        },
        // transition_graph
        Case {
            name: "issue 6: INTELLIGENT_TIERING then STANDARD_IA",
            edit: |p| {
                *transitions(p, 0) = vec![tr(1, "INTELLIGENT_TIERING"), tr(30, "STANDARD_IA")]
            },
            expect: &[(
                Rule::TransitionGraph,
                E,
                "tier_set[0].transition[1].storage_class",
                &[
                    "INTELLIGENT_TIERING -> STANDARD_IA is not a supported S3 lifecycle transition",
                    "from INTELLIGENT_TIERING, S3 supports ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE",
                    "Use STANDARD_IA first, then INTELLIGENT_TIERING",
                    "STANDARD_IA at day 30, then INTELLIGENT_TIERING at day 60",
                    "keep INTELLIGENT_TIERING and go to GLACIER_IR instead",
                ],
            )],
        },
        Case {
            name: "the proposed alternative is valid",
            edit: |p| {
                *transitions(p, 0) = vec![tr(30, "STANDARD_IA"), tr(60, "INTELLIGENT_TIERING")]
            },
            expect: &[],
        },
        Case {
            name: "ONEZONE_IA then GLACIER_IR",
            edit: |p| *transitions(p, 0) = vec![tr(30, "ONEZONE_IA"), tr(60, "GLACIER_IR")],
            expect: &[(
                Rule::TransitionGraph,
                E,
                "tier_set[0].transition[1].storage_class",
                &[
                    "ONEZONE_IA -> GLACIER_IR is not a supported",
                    "Go to GLACIER instead",
                ],
            )],
        },
        Case {
            name: "ONEZONE_IA then GLACIER is valid",
            edit: |p| *transitions(p, 0) = vec![tr(30, "ONEZONE_IA"), tr(120, "GLACIER")],
            expect: &[],
        },
        Case {
            name: "transition to STANDARD",
            edit: |p| transitions(p, 0)[0] = tr(30, "STANDARD"),
            expect: &[(
                Rule::TransitionGraph,
                E,
                "tier_set[0].transition[0].storage_class",
                &[
                    "STANDARD -> STANDARD",
                    "never moves objects back to STANDARD",
                ],
            )],
        },
        Case {
            name: "transition out of DEEP_ARCHIVE",
            edit: |p| transitions(p, 1).push(tr(300, "GLACIER")),
            expect: &[(
                Rule::TransitionGraph,
                E,
                "tier_set[1].transition[1].storage_class",
                &[
                    "DEEP_ARCHIVE -> GLACIER",
                    "S3 supports no transition out of DEEP_ARCHIVE",
                    "DEEP_ARCHIVE is the last storage class",
                ],
            )],
        },
        Case {
            name: "GLACIER back to GLACIER_IR",
            edit: |p| *transitions(p, 0) = vec![tr(0, "GLACIER"), tr(100, "GLACIER_IR")],
            expect: &[(
                Rule::TransitionGraph,
                E,
                "tier_set[0].transition[1].storage_class",
                &[
                    "GLACIER -> GLACIER_IR",
                    "Use GLACIER_IR first, then GLACIER (e.g. GLACIER_IR at day 0, then GLACIER at day 100)",
                    "keep GLACIER and go to DEEP_ARCHIVE instead",
                ],
            )],
        },
        Case {
            name: "noncurrent INTELLIGENT_TIERING then STANDARD_IA",
            edit: |p| {
                ts(p, 0).noncurrent_transition =
                    Val::Known(vec![nc(0, "INTELLIGENT_TIERING"), nc(30, "STANDARD_IA")]);
            },
            expect: &[(
                Rule::TransitionGraph,
                E,
                "tier_set[0].noncurrent_transition[1].storage_class",
                &["INTELLIGENT_TIERING -> STANDARD_IA"],
            )],
        },
        // increasing_days
        Case {
            name: "two transitions on the same day",
            edit: |p| transitions(p, 0)[1] = tr(30, "GLACIER"),
            expect: &[(
                Rule::IncreasingDays,
                E,
                "tier_set[0].transition[1].days",
                &[
                    "transition[1] is at day 30, not after transition[0] at day 30",
                    "strictly increasing days",
                ],
            )],
        },
        Case {
            name: "noncurrent days decreasing",
            edit: |p| {
                ts(p, 0).noncurrent_transition =
                    Val::Known(vec![nc(30, "STANDARD_IA"), nc(10, "GLACIER")]);
                ts(p, 0).noncurrent_expiration_days = 200.into();
            },
            expect: &[(
                Rule::IncreasingDays,
                E,
                "tier_set[0].noncurrent_transition[1].noncurrent_days",
                &["strictly increasing noncurrent_days"],
            )],
        },
        // ia_minimum_days
        Case {
            name: "STANDARD_IA at day 10",
            edit: |p| transitions(p, 0)[0] = tr(10, "STANDARD_IA"),
            expect: &[(
                Rule::InfrequentAccessMinimumDays,
                E,
                "tier_set[0].transition[0].days",
                &[
                    "STANDARD_IA at day 10",
                    "at least 30 days old",
                    "days = 30 or more",
                ],
            )],
        },
        Case {
            name: "noncurrent ONEZONE_IA at day 1",
            edit: |p| ts(p, 0).noncurrent_transition = Val::Known(vec![nc(1, "ONEZONE_IA")]),
            expect: &[(
                Rule::InfrequentAccessMinimumDays,
                E,
                "tier_set[0].noncurrent_transition[0].noncurrent_days",
                &["ONEZONE_IA at day 1"],
            )],
        },
        // days_in_ia
        Case {
            name: "GLACIER 15 days after STANDARD_IA",
            edit: |p| transitions(p, 0)[1] = tr(45, "GLACIER"),
            expect: &[(
                Rule::DaysInInfrequentAccess,
                E,
                "tier_set[0].transition[1].days",
                &[
                    "15 days after the transition to STANDARD_IA",
                    "stay at least 30 days in STANDARD_IA",
                    "days = 60 or later",
                ],
            )],
        },
        Case {
            name: "DEEP_ARCHIVE 30 days after ONEZONE_IA is valid",
            edit: |p| *transitions(p, 0) = vec![tr(30, "ONEZONE_IA"), tr(60, "DEEP_ARCHIVE")],
            expect: &[],
        },
        // expiration_after_transitions
        Case {
            name: "expiration before the last transition",
            edit: |p| ts(p, 0).expiration_days = 200.into(),
            expect: &[(
                Rule::ExpirationAfterTransitions,
                E,
                "tier_set[0].expiration_days",
                &[
                    "expiration_days is 200, not after transition[2] at day 270",
                    "expiration_days = 271 or more",
                ],
            )],
        },
        Case {
            name: "noncurrent expiration on the day of the noncurrent transition",
            edit: |p| ts(p, 0).noncurrent_expiration_days = 30.into(),
            expect: &[(
                Rule::ExpirationAfterTransitions,
                E,
                "tier_set[0].noncurrent_expiration_days",
                &["not after noncurrent_transition[0] at day 30"],
            )],
        },
        // value_range
        Case {
            name: "abort after 0 days",
            edit: |p| ts(p, 0).abort_incomplete_multipart_days = 0.into(),
            expect: &[(
                Rule::ValueRange,
                E,
                "tier_set[0].abort_incomplete_multipart_days",
                &["is 0", "1 or more"],
            )],
        },
        Case {
            name: "negative transition days",
            edit: |p| transitions(p, 1)[0] = tr(-1, "DEEP_ARCHIVE"),
            expect: &[(
                Rule::ValueRange,
                E,
                "tier_set[1].transition[0].days",
                &["days is -1", "0 or more"],
            )],
        },
        Case {
            name: "newer_noncurrent_versions 101",
            edit: |p| {
                if let Val::Known(list) = &mut ts(p, 0).noncurrent_transition {
                    list[0].newer_noncurrent_versions = 101.into();
                }
            },
            expect: &[(
                Rule::ValueRange,
                E,
                "tier_set[0].noncurrent_transition[0].newer_noncurrent_versions",
                &["between 1 and 100"],
            )],
        },
        Case {
            name: "negative object_size_greater_than",
            edit: |p| filter_of(p, 1).object_size_greater_than = (-5).into(),
            expect: &[(
                Rule::ValueRange,
                E,
                "tier_set[1].filter[0].object_size_greater_than",
                &["is -5"],
            )],
        },
        Case {
            name: "tag key too long",
            edit: |p| {
                filter_of(p, 1).tags =
                    Val::Known(BTreeMap::from([("k".repeat(129), "v".to_owned())]))
            },
            expect: &[(
                Rule::ValueRange,
                E,
                "tier_set[1].filter[0].tags[\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"]",
                &["1 to 128 characters"],
            )],
        },
        Case {
            name: "expiration 0",
            edit: |p| {
                *transitions(p, 1) = vec![];
                ts(p, 1).expiration_days = 0.into();
            },
            expect: &[(
                Rule::ValueRange,
                E,
                "tier_set[1].expiration_days",
                &["expiration_days is 0", "1 or more"],
            )],
        },
        // archive_access_days / deep_archive_access_days / archive_before_deep_archive
        Case {
            name: "archive_access_days 60",
            edit: |p| it(p, 0).archive_access_days = 60.into(),
            expect: &[(
                Rule::ArchiveAccessDays,
                E,
                "intelligent_tiering[0].archive_access_days",
                &["archive_access_days is 60", "90 to 730"],
            )],
        },
        Case {
            name: "archive_access_days 730 with no deep archive is valid",
            edit: |p| {
                it(p, 0).archive_access_days = 730.into();
                it(p, 0).deep_archive_access_days = Val::Null;
            },
            expect: &[],
        },
        Case {
            name: "deep_archive_access_days 800",
            edit: |p| it(p, 0).deep_archive_access_days = 800.into(),
            expect: &[(
                Rule::DeepArchiveAccessDays,
                E,
                "intelligent_tiering[0].deep_archive_access_days",
                &["deep_archive_access_days is 800", "180 to 730"],
            )],
        },
        Case {
            name: "deep_archive_access_days 150",
            edit: |p| {
                it(p, 0).archive_access_days = Val::Null;
                it(p, 0).deep_archive_access_days = 150.into();
            },
            expect: &[(
                Rule::DeepArchiveAccessDays,
                E,
                "intelligent_tiering[0].deep_archive_access_days",
                &["is 150"],
            )],
        },
        Case {
            name: "archive after deep archive",
            edit: |p| {
                it(p, 0).archive_access_days = 200.into();
                it(p, 0).deep_archive_access_days = 180.into();
            },
            expect: &[(
                Rule::ArchiveBeforeDeepArchive,
                E,
                "intelligent_tiering[0].deep_archive_access_days",
                &[
                    "deep_archive_access_days (180) must be greater than archive_access_days (200)",
                    "201 or more",
                ],
            )],
        },
        // tiering_needs_tier
        Case {
            name: "intelligent_tiering without a tier",
            edit: |p| {
                it(p, 0).archive_access_days = Val::Null;
                it(p, 0).deep_archive_access_days = Val::Null;
            },
            expect: &[(
                Rule::TieringNeedsTier,
                E,
                "intelligent_tiering[0]",
                &["archive_access_days (90-730), deep_archive_access_days (180-730) or both"],
            )],
        },
        // unique_name
        Case {
            name: "duplicate tier set names",
            edit: |p| ts(p, 1).name = "app".into(),
            expect: &[(
                Rule::UniqueName,
                E,
                "tier_set[1].name",
                &[
                    "tier_set[0] and tier_set[1] are both named \"app\"",
                    "lifecycle rule IDs",
                ],
            )],
        },
        Case {
            name: "duplicate intelligent_tiering names",
            edit: |p| {
                if let Val::Known(list) = &mut p.intelligent_tiering {
                    let mut second = list[0].clone();
                    second.filter = Val::Known(TieringFilter {
                        prefix: "other/".into(),
                        tags: Val::Null,
                    });
                    list.push(second);
                }
            },
            expect: &[(
                Rule::UniqueName,
                E,
                "intelligent_tiering[1].name",
                &["both named \"archive\"", "configuration ID"],
            )],
        },
        // name_format
        Case {
            name: "tier set name with a space",
            edit: |p| ts(p, 0).name = "app logs".into(),
            expect: &[(
                Rule::NameFormat,
                E,
                "tier_set[0].name",
                &[
                    "contains \" \"",
                    "letters, digits",
                    "\"logexaminer:<name>:<n>\"",
                ],
            )],
        },
        Case {
            name: "tier set name with a colon",
            edit: |p| ts(p, 0).name = "a:b".into(),
            expect: &[(Rule::NameFormat, E, "tier_set[0].name", &["contains \":\""])],
        },
        Case {
            name: "tier set name of 242 characters",
            edit: |p| ts(p, 0).name = Val::Known("a".repeat(242)),
            expect: &[(
                Rule::NameFormat,
                E,
                "tier_set[0].name",
                &["has 242 characters", "1 to 241"],
            )],
        },
        Case {
            name: "tier set name of 241 characters is valid",
            edit: |p| ts(p, 0).name = Val::Known("a".repeat(241)),
            expect: &[],
        },
        Case {
            name: "empty tier set name",
            edit: |p| ts(p, 0).name = "".into(),
            expect: &[(Rule::NameFormat, E, "tier_set[0].name", &["is empty"])],
        },
        Case {
            name: "intelligent_tiering name of 53 characters",
            edit: |p| it(p, 0).name = Val::Known("x".repeat(53)),
            expect: &[(
                Rule::NameFormat,
                E,
                "intelligent_tiering[0].name",
                &["has 53 characters", "1 to 52", "\"logexaminer-<name>\""],
            )],
        },
        Case {
            name: "intelligent_tiering name of 52 characters is valid",
            edit: |p| it(p, 0).name = Val::Known("x".repeat(52)),
            expect: &[],
        },
        // overlapping_filters
        Case {
            name: "nested prefixes",
            edit: |p| filter_of(p, 1).prefix = "app/logs/".into(),
            expect: &[(
                Rule::OverlappingFilters,
                E,
                "tier_set[1].filter[0]",
                &[
                    "tier sets \"app\" and \"audit\" both match objects under prefix \"app/logs/\"",
                    "race",
                    "merge",
                ],
            )],
        },
        Case {
            name: "two tier sets without a filter",
            edit: |p| {
                ts(p, 0).filter = Val::Null;
                ts(p, 1).filter = Val::Null;
                p.transition_default_minimum_object_size = "varies_by_storage_class".into();
                *transitions(p, 0) = vec![tr(30, "GLACIER"), tr(120, "DEEP_ARCHIVE")];
                ts(p, 0).noncurrent_transition = Val::Known(vec![nc(0, "GLACIER")]);
            },
            expect: &[(
                Rule::OverlappingFilters,
                E,
                "tier_set[1]",
                &["both match objects under every key"],
            )],
        },
        Case {
            name: "nested prefixes told apart by a tag",
            edit: |p| {
                filter_of(p, 1).prefix = "app/logs/".into();
                filter_of(p, 0).tags = tags(&[("tier", "hot")]);
                filter_of(p, 1).tags = tags(&[("tier", "cold")]);
            },
            expect: &[],
        },
        Case {
            name: "nested prefixes with tags of different keys",
            edit: |p| {
                filter_of(p, 1).prefix = "app/logs/".into();
                filter_of(p, 0).tags = tags(&[("team", "a")]);
                filter_of(p, 1).tags = tags(&[("tier", "cold")]);
            },
            expect: &[(
                Rule::OverlappingFilters,
                E,
                "tier_set[1].filter[0]",
                &["race"],
            )],
        },
        Case {
            name: "nested prefixes told apart by size",
            edit: |p| {
                filter_of(p, 1).prefix = "app/logs/".into();
                filter_of(p, 0).object_size_less_than = 1_000_000.into();
                filter_of(p, 1).object_size_greater_than = 999_999.into();
            },
            expect: &[],
        },
        Case {
            name: "nested intelligent_tiering prefixes",
            edit: |p| {
                if let Val::Known(list) = &mut p.intelligent_tiering {
                    let mut second = list[0].clone();
                    second.name = "deep".into();
                    second.filter = Val::Known(TieringFilter {
                        prefix: "it/deep/".into(),
                        tags: Val::Null,
                    });
                    list.push(second);
                }
            },
            expect: &[(
                Rule::OverlappingFilters,
                E,
                "intelligent_tiering[1].filter[0]",
                &["\"archive\" and \"deep\" both match objects under prefix \"it/deep/\""],
            )],
        },
        // size_range
        Case {
            name: "empty size range",
            edit: |p| {
                filter_of(p, 1).object_size_greater_than = 1000.into();
                filter_of(p, 1).object_size_less_than = 1001.into();
            },
            expect: &[(
                Rule::SizeRange,
                E,
                "tier_set[1].filter[0].object_size_less_than",
                &[
                    "no object is larger than 1000 bytes and smaller than 1001 bytes",
                    "at least 1002",
                ],
            )],
        },
        Case {
            name: "size range of one byte is valid",
            edit: |p| {
                filter_of(p, 1).object_size_greater_than = 1000.into();
                filter_of(p, 1).object_size_less_than = 1002.into();
            },
            expect: &[],
        },
        // no_action
        Case {
            name: "tier set without action",
            edit: |p| {
                *transitions(p, 1) = vec![];
                ts(p, 1).expiration_days = Val::Null;
            },
            expect: &[(
                Rule::NoAction,
                E,
                "tier_set[1]",
                &[
                    "tier set \"audit\" has no transition, expiration or abort_incomplete_multipart_days",
                ],
            )],
        },
        Case {
            name: "tier set that only aborts uploads is valid",
            edit: |p| {
                *transitions(p, 1) = vec![];
                ts(p, 1).expiration_days = Val::Null;
                ts(p, 1).abort_incomplete_multipart_days = 3.into();
                filter_of(p, 1).object_size_greater_than = Val::Null;
            },
            expect: &[],
        },
        // abort_filter
        Case {
            name: "abort-only tier set with tags",
            edit: |p| {
                *transitions(p, 1) = vec![];
                ts(p, 1).expiration_days = Val::Null;
                ts(p, 1).abort_incomplete_multipart_days = 3.into();
                filter_of(p, 1).object_size_greater_than = Val::Null;
                filter_of(p, 1).tags = tags(&[("k", "v")]);
            },
            expect: &[(
                Rule::AbortFilter,
                E,
                "tier_set[1].filter",
                &[
                    "cannot select uploads by tags or object size",
                    "every upload under prefix \"audit/\"",
                ],
            )],
        },
        // minimum_object_size_setting, bucket_owner, estimate_input
        Case {
            name: "invalid minimum object size setting",
            edit: |p| p.transition_default_minimum_object_size = "128K".into(),
            expect: &[(
                Rule::MinimumObjectSizeSetting,
                E,
                "transition_default_minimum_object_size",
                &["\"128K\"", "all_storage_classes_128K"],
            )],
        },
        Case {
            name: "short bucket owner",
            edit: |p| p.expected_bucket_owner = "12345".into(),
            expect: &[(
                Rule::BucketOwner,
                E,
                "expected_bucket_owner",
                &["\"12345\"", "12 digits"],
            )],
        },
        Case {
            name: "object size 0",
            edit: |p| p.assumed_object_size_kb = 0.into(),
            expect: &[(Rule::EstimateInput, E, "assumed_object_size_kb", &["is 0"])],
        },
        Case {
            name: "retention 0",
            edit: |p| p.retention_days = 0.into(),
            expect: &[(
                Rule::EstimateInput,
                E,
                "retention_days",
                &["retention_days is 0"],
            )],
        },
        // minimum_storage_duration
        Case {
            name: "expiration 30 days after DEEP_ARCHIVE",
            edit: |p| ts(p, 0).expiration_days = 300.into(),
            expect: &[(
                Rule::MinimumStorageDuration,
                W,
                "tier_set[0].expiration_days",
                &[
                    "30 days after moving to DEEP_ARCHIVE (day 270 -> day 300)",
                    "150 more days",
                    "day 450",
                ],
            )],
        },
        Case {
            name: "leaving GLACIER after 30 days",
            edit: |p| transitions(p, 0)[2] = tr(120, "DEEP_ARCHIVE"),
            expect: &[(
                Rule::MinimumStorageDuration,
                W,
                "tier_set[0].transition[2].days",
                &[
                    "from GLACIER to DEEP_ARCHIVE after 30 days",
                    "60 more days",
                    "day 180",
                ],
            )],
        },
        Case {
            name: "noncurrent expiration 10 days after STANDARD_IA",
            edit: |p| ts(p, 0).noncurrent_expiration_days = 40.into(),
            expect: &[(
                Rule::MinimumStorageDuration,
                W,
                "tier_set[0].noncurrent_expiration_days",
                &["10 days after moving to STANDARD_IA", "20 more days"],
            )],
        },
        Case {
            name: "expiration in STANDARD has no minimum",
            edit: |p| {
                *transitions(p, 1) = vec![];
                ts(p, 1).expiration_days = 1.into();
            },
            expect: &[],
        },
        // small_objects_stay
        Case {
            name: "small objects with the default setting",
            edit: |p| filter_of(p, 0).object_size_greater_than = Val::Null,
            expect: &[(
                Rule::SmallObjectsStay,
                W,
                "tier_set[0].transition[0]",
                &[
                    "objects under 128 KB matched by tier set \"app\" never transition",
                    "all_storage_classes_128K",
                    "varies_by_storage_class",
                ],
            )],
        },
        Case {
            name: "small objects with varies_by_storage_class",
            edit: |p| {
                filter_of(p, 0).object_size_greater_than = Val::Null;
                p.transition_default_minimum_object_size = "varies_by_storage_class".into();
            },
            expect: &[(
                Rule::SmallObjectsStay,
                W,
                "tier_set[0].transition[0]",
                &[
                    "skip the transition to STANDARD_IA",
                    "only to GLACIER and DEEP_ARCHIVE",
                ],
            )],
        },
        Case {
            name: "varies_by_storage_class with archive targets only",
            edit: |p| {
                filter_of(p, 1).object_size_greater_than = Val::Null;
                p.transition_default_minimum_object_size = "varies_by_storage_class".into();
            },
            expect: &[],
        },
        Case {
            name: "noncurrent transitions of small objects",
            edit: |p| {
                filter_of(p, 1).object_size_greater_than = Val::Null;
                *transitions(p, 1) = vec![];
                ts(p, 1).noncurrent_transition = Val::Known(vec![nc(30, "GLACIER_IR")]);
                ts(p, 1).expiration_days = Val::Null;
            },
            expect: &[(
                Rule::SmallObjectsStay,
                W,
                "tier_set[1].noncurrent_transition[0]",
                &["never transition"],
            )],
        },
        // shared_abort_rule
        Case {
            name: "tag-separated tier sets abort the same uploads with different days",
            edit: |p| {
                filter_of(p, 1).prefix = "app/logs/".into();
                filter_of(p, 0).tags = tags(&[("tier", "hot")]);
                filter_of(p, 1).tags = tags(&[("tier", "cold")]);
                ts(p, 1).abort_incomplete_multipart_days = 3.into();
            },
            expect: &[(
                Rule::SharedAbortRule,
                W,
                "tier_set[1].abort_incomplete_multipart_days",
                &[
                    "\"app\" (7 days) and \"audit\" (3 days)",
                    "under prefix \"app/logs/\"",
                    "shorter one wins",
                ],
            )],
        },
        Case {
            name: "same abort days in both is valid",
            edit: |p| {
                filter_of(p, 1).prefix = "app/logs/".into();
                filter_of(p, 0).tags = tags(&[("tier", "hot")]);
                filter_of(p, 1).tags = tags(&[("tier", "cold")]);
                ts(p, 1).abort_incomplete_multipart_days = 7.into();
            },
            expect: &[],
        },
    ];

    #[test]
    fn every_rule_table() {
        for case in CASES {
            let mut policy = base();
            (case.edit)(&mut policy);
            let findings = validate(&policy);
            let got: Vec<(Rule, Severity, String)> = findings
                .iter()
                .map(|f| (f.rule, f.severity, format_path(&f.path)))
                .collect();
            let want: Vec<(Rule, Severity, String)> = case
                .expect
                .iter()
                .map(|(r, s, p, _)| (*r, *s, (*p).to_owned()))
                .collect();
            assert_eq!(got, want, "case {:?}: {findings:#?}", case.name);
            for ((rule, severity, _, words), finding) in case.expect.iter().zip(&findings) {
                assert_eq!(rule.severity(), *severity, "case {:?}", case.name);
                let text = format!("{} {}", finding.summary, finding.detail);
                for word in *words {
                    assert!(
                        text.contains(word),
                        "case {:?}: {word:?} not in {text:?}",
                        case.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_rule_has_an_invalid_case_and_its_severity() {
        for rule in Rule::ALL {
            let case = CASES.iter().find(|c| c.expect.iter().any(|e| e.0 == rule));
            assert!(case.is_some(), "no invalid case for {rule}");
            assert!(!rule.description().is_empty());
        }
        let ids: std::collections::BTreeSet<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), Rule::ALL.len());
        assert_eq!(Rule::SmallObjectsStay.severity(), Severity::Warning);
        assert_eq!(Rule::TransitionGraph.severity(), Severity::Error);
    }

    /// The exact policy of issue 6, as Terraform would hand it over (blocks as lists, numbers
    /// as JSON numbers, an `id` the model ignores).
    #[test]
    fn issue_6_example_is_rejected_with_rule_and_alternative() {
        let json = r#"{
            "id": null,
            "bucket": "logs",
            "expected_bucket_owner": null,
            "tier_set": [{
                "name": "logs",
                "filter": [],
                "transition": [
                    {"days": 1, "storage_class": "INTELLIGENT_TIERING"},
                    {"days": 30, "storage_class": "STANDARD_IA"}
                ],
                "noncurrent_transition": [],
                "expiration_days": 365,
                "noncurrent_expiration_days": null,
                "abort_incomplete_multipart_days": null
            }],
            "intelligent_tiering": [],
            "transition_default_minimum_object_size": null,
            "estimated_monthly_cost_per_tb": null
        }"#;
        let policy: TierPolicy = serde_json::from_str(json).expect("valid JSON");
        let findings = validate(&policy);
        let errors: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{findings:#?}");
        let error = errors[0];
        assert_eq!(error.rule, Rule::TransitionGraph);
        assert_eq!(
            format_path(&error.path),
            "tier_set[0].transition[1].storage_class"
        );
        assert!(error.detail.contains(
            "INTELLIGENT_TIERING -> STANDARD_IA is not a supported S3 lifecycle transition"
        ));
        assert!(
            error
                .detail
                .contains("Use STANDARD_IA first, then INTELLIGENT_TIERING")
        );
        assert!(error.detail.contains("go to GLACIER_IR instead"));
        // The small objects of this policy never move either (no size filter, S3 default).
        assert!(findings.iter().any(|f| f.rule == Rule::SmallObjectsStay));
        assert_eq!(
            error.to_string().split(':').next(),
            Some("error [transition_graph] at tier_set[0].transition[1].storage_class")
        );
    }

    #[test]
    fn transition_graph_matches_the_s3_user_guide() {
        use StorageClass::*;
        let supported: &[(StorageClass, &[StorageClass])] = &[
            (
                Standard,
                &[
                    StandardIa,
                    IntelligentTiering,
                    OnezoneIa,
                    GlacierIr,
                    Glacier,
                    DeepArchive,
                ],
            ),
            (
                StandardIa,
                &[
                    IntelligentTiering,
                    OnezoneIa,
                    GlacierIr,
                    Glacier,
                    DeepArchive,
                ],
            ),
            (
                IntelligentTiering,
                &[OnezoneIa, GlacierIr, Glacier, DeepArchive],
            ),
            (OnezoneIa, &[Glacier, DeepArchive]),
            (GlacierIr, &[Glacier, DeepArchive]),
            (Glacier, &[DeepArchive]),
            (DeepArchive, &[]),
        ];
        for (from, targets) in supported {
            for to in StorageClass::ALL {
                assert_eq!(
                    from.can_transition_to(to),
                    targets.contains(&to),
                    "{from} -> {to}"
                );
            }
        }
        for c in StorageClass::ALL {
            assert!(!c.can_transition_to(Standard), "{c} -> STANDARD");
        }
        assert!(!IntelligentTiering.can_transition_to(StandardIa));
        assert!(!OnezoneIa.can_transition_to(GlacierIr));
    }

    #[test]
    fn storage_class_parse_and_display() {
        for c in StorageClass::ALL {
            assert_eq!(c.to_string().parse::<StorageClass>(), Ok(c));
        }
        assert_eq!(
            "Glacier".parse::<StorageClass>(),
            Err(ParseStorageClassError("Glacier".to_owned()))
        );
        let minimums: Vec<(StorageClass, i64, i64)> = StorageClass::ALL
            .iter()
            .map(|c| (*c, c.minimum_storage_days(), c.minimum_billable_kb()))
            .collect();
        use StorageClass::*;
        assert_eq!(
            minimums,
            vec![
                (Standard, 0, 0),
                (IntelligentTiering, 0, 0),
                (StandardIa, 30, 128),
                (OnezoneIa, 30, 128),
                (GlacierIr, 90, 128),
                (Glacier, 90, 0),
                (DeepArchive, 180, 0),
            ]
        );
        assert_eq!(
            "varies_by_storage_class".parse::<MinimumObjectSize>(),
            Ok(MinimumObjectSize::VariesByStorageClass)
        );
        assert_eq!(
            MinimumObjectSize::default().to_string(),
            "all_storage_classes_128K"
        );
    }

    #[test]
    fn format_path_like_terraform() {
        let path = vec![
            attr("tier_set"),
            PathStep::Index(1),
            attr("filter"),
            PathStep::Index(0),
            attr("tags"),
            PathStep::Key("team".to_owned()),
        ];
        assert_eq!(format_path(&path), "tier_set[1].filter[0].tags[\"team\"]");
        assert_eq!(format_path(&[]), "");
    }

    fn path(text: &str) -> Vec<PathStep> {
        // "a.b[1].c" -> steps; enough for the tests.
        let mut out = Vec::new();
        for part in text.split('.') {
            let mut pieces = part.split('[');
            if let Some(name) = pieces.next() {
                out.push(attr(name));
            }
            for index in pieces {
                let inner = index.trim_end_matches(']');
                match inner.parse::<i64>() {
                    Ok(i) => out.push(PathStep::Index(i)),
                    Err(_) => out.push(PathStep::Key(inner.trim_matches('"').to_owned())),
                }
            }
        }
        out
    }

    /// Checks that would fail on the known value are skipped while it is unknown.
    #[test]
    fn unknown_values_skip_dependent_checks() {
        struct UnknownCase {
            name: &'static str,
            edit: fn(&mut TierPolicy),
            unknown: &'static [&'static str],
        }
        let cases = [
            UnknownCase {
                name: "storage class of the issue example",
                edit: |p| {
                    *transitions(p, 0) = vec![tr(1, "INTELLIGENT_TIERING"), tr(30, "STANDARD_IA")]
                },
                unknown: &["tier_set[0].transition[0].storage_class"],
            },
            UnknownCase {
                name: "prefix that would nest",
                edit: |p| filter_of(p, 1).prefix = "app/logs/".into(),
                unknown: &["tier_set[1].filter[0].prefix"],
            },
            UnknownCase {
                name: "prefix of a filter addressed without the block index",
                edit: |p| filter_of(p, 1).prefix = "app/logs/".into(),
                unknown: &["tier_set[1].filter.prefix"],
            },
            UnknownCase {
                name: "tags that would not tell apart",
                edit: |p| {
                    filter_of(p, 1).prefix = "app/logs/".into();
                    filter_of(p, 0).tags = tags(&[("team", "a")]);
                },
                unknown: &["tier_set[1].filter[0].tags[\"team\"]"],
            },
            UnknownCase {
                name: "whole filter block",
                edit: |p| filter_of(p, 1).prefix = "app/logs/".into(),
                unknown: &["tier_set[1].filter"],
            },
            UnknownCase {
                name: "transition list of a tier set with no other action",
                edit: |p| {
                    *transitions(p, 1) = vec![];
                    ts(p, 1).expiration_days = Val::Null;
                },
                unknown: &["tier_set[1].transition"],
            },
            UnknownCase {
                name: "expiration before a transition",
                edit: |p| ts(p, 0).expiration_days = 200.into(),
                unknown: &["tier_set[0].expiration_days"],
            },
            UnknownCase {
                name: "day of the last transition, so no early-deletion warning",
                edit: |p| ts(p, 0).expiration_days = 300.into(),
                unknown: &["tier_set[0].transition[2].days"],
            },
            UnknownCase {
                name: "minimum object size setting",
                edit: |p| filter_of(p, 0).object_size_greater_than = Val::Null,
                unknown: &["transition_default_minimum_object_size"],
            },
            UnknownCase {
                name: "archive days",
                edit: |p| {
                    it(p, 0).archive_access_days = 200.into();
                },
                unknown: &["intelligent_tiering[0].deep_archive_access_days"],
            },
            UnknownCase {
                name: "tier set name",
                edit: |p| ts(p, 1).name = "app".into(),
                unknown: &["tier_set[1].name"],
            },
            UnknownCase {
                name: "whole tier set list",
                edit: |p| ts(p, 1).name = "app".into(),
                unknown: &["tier_set"],
            },
        ];
        for case in cases {
            let mut policy = base();
            (case.edit)(&mut policy);
            assert!(
                !validate(&policy).is_empty(),
                "case {:?} should fail while known",
                case.name
            );
            for p in case.unknown {
                policy.mark_unknown(&path(p)).expect("path fits");
            }
            assert!(!policy.is_fully_known(), "case {:?}", case.name);
            assert_eq!(validate(&policy), vec![], "case {:?}", case.name);
        }
    }

    #[test]
    fn mark_unknown_rejects_paths_that_do_not_fit() {
        let cases: &[(&str, &str)] = &[
            ("tier_set[5].name", "list index out of range"),
            (
                "tier_set[0].name.x",
                "the path continues past a single value",
            ),
            (
                "tier_set[0].filter[1].prefix",
                "a single block only has element 0",
            ),
            (
                "tier_set[1].filter[0].tags[\"a\"].b",
                "a map element has no attributes",
            ),
        ];
        for (p, reason) in cases {
            let mut policy = base();
            let err = policy.mark_unknown(&path(p)).expect_err(p);
            assert_eq!(err.reason, *reason, "{p}");
            assert_eq!(err.path, *p);
        }
        let mut whole_element = base();
        assert_eq!(whole_element.mark_unknown(&path("tier_set[0]")), Ok(()));
        assert_eq!(whole_element.tier_set, Val::Unknown);
        let mut policy = base();
        assert_eq!(
            policy.mark_unknown(&path("estimated_monthly_cost_per_tb")),
            Ok(())
        );
        assert_eq!(policy.mark_unknown(&path("id")), Ok(()));
        assert!(policy.is_fully_known());
        let mut null_filter = base();
        ts(&mut null_filter, 0).filter = Val::Null;
        assert_eq!(
            null_filter
                .mark_unknown(&path("tier_set[0].filter[0].prefix"))
                .map_err(|e| e.reason),
            Err("the block is null")
        );
    }

    #[test]
    fn deserializes_terraform_shapes() {
        let as_list = r#"{"bucket":"b","tier_set":[{"name":"a","filter":[{"prefix":"x/","tags":{"k":"v"},"object_size_greater_than":131072,"object_size_less_than":null}],"transition":[{"days":30,"storage_class":"STANDARD_IA"}],"expiration_days":400}],"intelligent_tiering":[{"name":"i","filter":{"prefix":"y/"},"archive_access_days":90}]}"#;
        let policy: TierPolicy = serde_json::from_str(as_list).expect("list-shaped filter");
        let expected = TierPolicy {
            bucket: "b".into(),
            tier_set: Val::Known(vec![TierSet {
                name: "a".into(),
                filter: Val::Known(Filter {
                    prefix: "x/".into(),
                    tags: tags(&[("k", "v")]),
                    object_size_greater_than: SMALL_OBJECT_BYTES.into(),
                    object_size_less_than: Val::Null,
                }),
                transition: Val::Known(vec![tr(30, "STANDARD_IA")]),
                expiration_days: 400.into(),
                ..TierSet::default()
            }]),
            intelligent_tiering: Val::Known(vec![IntelligentTiering {
                name: "i".into(),
                filter: Val::Known(TieringFilter {
                    prefix: "y/".into(),
                    tags: Val::Null,
                }),
                archive_access_days: 90.into(),
                deep_archive_access_days: Val::Null,
            }]),
            ..TierPolicy::default()
        };
        assert_eq!(policy, expected);
        assert!(policy.is_fully_known());

        let two_filters = r#"{"tier_set":[{"name":"a","filter":[{},{}]}]}"#;
        assert!(serde_json::from_str::<TierPolicy>(two_filters).is_err());
        let null_filter = r#"{"tier_set":[{"name":"a","filter":null}]}"#;
        let policy: TierPolicy = serde_json::from_str(null_filter).expect("null filter");
        assert_eq!(policy.tier_set.items()[0].filter, Val::Null);

        // Through serde_json::Value too (arbitrary_precision numbers).
        let value: serde_json::Value = serde_json::from_str(as_list).expect("json");
        let policy: TierPolicy = serde_json::from_value(value).expect("from value");
        assert_eq!(policy, expected);
    }

    #[test]
    fn serializes_blocks_as_lists_and_round_trips() {
        let policy = base();
        let json = serde_json::to_value(&policy).expect("serializes");
        assert_eq!(json["tier_set"][0]["filter"][0]["prefix"], "app/");
        assert_eq!(
            json["tier_set"][1]["noncurrent_transition"],
            serde_json::json!([])
        );
        assert_eq!(json["expected_bucket_owner"], "123456789012");
        assert!(json["transition_default_minimum_object_size"].is_null());
        let back: TierPolicy = serde_json::from_value(json).expect("deserializes");
        let canon = |p: &TierPolicy| -> Vec<TierSet> {
            p.tier_set.items().iter().map(TierSet::canonical).collect()
        };
        assert_eq!(canon(&back), canon(&policy));

        let mut unknown = base();
        unknown.bucket = Val::Unknown;
        assert!(serde_json::to_value(&unknown).is_err());
    }

    #[test]
    fn canonical_forms() {
        let a = TierSet {
            name: "a".into(),
            filter: Val::Known(Filter {
                prefix: "".into(),
                tags: Val::Known(BTreeMap::new()),
                ..Filter::default()
            }),
            transition: Val::Null,
            expiration_days: 10.into(),
            ..TierSet::default()
        };
        let b = TierSet {
            name: "a".into(),
            filter: Val::Null,
            transition: Val::Known(vec![]),
            noncurrent_transition: Val::Known(vec![]),
            expiration_days: 10.into(),
            ..TierSet::default()
        };
        assert_eq!(a.canonical(), b.canonical());
        let it = IntelligentTiering {
            name: "i".into(),
            filter: Val::Known(TieringFilter {
                prefix: "".into(),
                tags: Val::Null,
            }),
            archive_access_days: 90.into(),
            ..IntelligentTiering::default()
        };
        assert_eq!(it.canonical().filter, Val::Null);
    }

    #[test]
    fn extreme_numbers_do_not_panic() {
        for n in [i64::MIN, -1, 0, i64::MAX] {
            let mut p = base();
            *transitions(&mut p, 0) = vec![
                tr(n, "STANDARD_IA"),
                tr(i64::MAX, "GLACIER"),
                tr(n, "GLACIER_IR"),
            ];
            ts(&mut p, 0).expiration_days = n.into();
            ts(&mut p, 0).noncurrent_expiration_days = n.into();
            filter_of(&mut p, 1).object_size_greater_than = n.into();
            filter_of(&mut p, 1).object_size_less_than = n.into();
            it(&mut p, 0).archive_access_days = n.into();
            it(&mut p, 0).deep_archive_access_days = n.into();
            p.assumed_object_size_kb = n.into();
            assert!(!validate(&p).is_empty());
        }
    }

    #[test]
    fn minimum_object_size_of_policy() {
        let mut p = base();
        assert_eq!(
            p.minimum_object_size(),
            Some(MinimumObjectSize::AllStorageClasses128K)
        );
        p.transition_default_minimum_object_size = "varies_by_storage_class".into();
        assert_eq!(
            p.minimum_object_size(),
            Some(MinimumObjectSize::VariesByStorageClass)
        );
        p.transition_default_minimum_object_size = Val::Unknown;
        assert_eq!(p.minimum_object_size(), None);
    }
}
