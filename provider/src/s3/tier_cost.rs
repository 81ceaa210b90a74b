//! Monthly cost estimate of a tier policy, for the computed `estimated_monthly_cost_per_tb` of
//! `logexaminer_s3_tier_policy` and the `logexaminer_s3_tier_cost` data source. Pure
//! arithmetic over a documented price table ([`US_EAST_1`], prices as of [`PRICES_AS_OF`]).
//!
//! # Model
//!
//! One tier set is modelled at steady state under a constant ingest of 1 TB (1024 GB) per
//! month of objects of `assumed_object_size_kb` KB each, that is `2^30 / size_kb` objects per
//! month, uploaded to STANDARD and never read. A month is [`DAYS_PER_MONTH`] days.
//!
//! * Lifetime: objects live `L = min(expiration_days, retention_days)` days (whichever is set;
//!   one of them must be). Deletion at `retention_days` before the expiration is the user's
//!   own delete, billed like an expiration.
//! * Path: objects start in STANDARD and take each transition whose `days` is below `L`, in
//!   the order given (the policy is assumed to have passed [`super::tier_rules::validate`]).
//! * Objects under 128 KB: when the tier set's filter has no `object_size_greater_than`, the
//!   bucket's `transition_default_minimum_object_size` applies: with
//!   `all_storage_classes_128K` (the default) they take no transition at all and stay in
//!   STANDARD; with `varies_by_storage_class` they take only the transitions to GLACIER and
//!   DEEP_ARCHIVE. A size filter overrides the default and lets them take every transition.
//! * Storage: at steady state the GB stored in a class equal the ingest per day times the
//!   days objects spend there, so a class where objects spend `t` days costs
//!   `1024 * t / 30 * price` per month. Objects under 128 KB in STANDARD_IA, ONEZONE_IA and
//!   GLACIER_IR are billed as 128 KB (the volume is multiplied by `128 / size_kb`).
//! * Minimum storage duration: leaving a class (by transition or deletion) after `t` days,
//!   below its minimum `m` (STANDARD_IA and ONEZONE_IA 30, GLACIER_IR and GLACIER 90,
//!   DEEP_ARCHIVE 180), adds `m - t` days of that class, as its own breakdown line.
//! * Archive overhead: each object in GLACIER or DEEP_ARCHIVE (and in the Archive Access or
//!   Deep Archive Access tier of INTELLIGENT_TIERING) adds 8 KB at the STANDARD price and
//!   32 KB at the archive price for the days it stays archived.
//! * INTELLIGENT_TIERING: objects are never accessed, so counted from their arrival in the
//!   class they sit in the Frequent Access tier for days 0-30, Infrequent Access for 30-90 and
//!   Archive Instant Access from 90. When an `intelligent_tiering` block covers the tier set
//!   (its prefix is a prefix of the tier set's and its tags are among the tier set's; the first
//!   such block counts), objects move to Archive Access at `archive_access_days` and to Deep
//!   Archive Access at `deep_archive_access_days`. Objects of 128 KB and more pay the
//!   monitoring fee per object and month; smaller ones stay in Frequent Access and pay none.
//! * Requests: every transition taken costs one lifecycle transition request per object, at
//!   the price of the target class. INTELLIGENT_TIERING tier moves are free.
//! * Left out: ingest PUTs, reads, retrievals, data transfer, noncurrent versions, incomplete
//!   multipart uploads, and volume discounts (every price is the first-tier price).
//!
//! A whole policy assumes the ingest is split evenly across the tier sets whose size filter
//! admits the assumed object size: its cost is the average of theirs, and every breakdown
//! line is prefixed with `tier_set <name>: ` and weighted accordingly.

use std::collections::BTreeMap;

use super::tier_rules::{
    MAX_OBJECT_SIZE_KB, MinimumObjectSize, SMALL_OBJECT_BYTES, StorageClass, TierPolicy, TierSet,
    Val,
};

/// When the prices of [`US_EAST_1`] were taken from the public AWS S3 pricing page.
pub const PRICES_AS_OF: &str = "2026-06";

/// Days in the model's month.
pub const DAYS_PER_MONTH: f64 = 30.0;

/// GB in a TB (S3 bills binary units).
pub const GB_PER_TB: f64 = 1024.0;

/// KB in a GB.
pub const KB_PER_GB: f64 = 1024.0 * 1024.0;

/// Per-object metadata of an archived object billed at the STANDARD price, in KB.
pub const ARCHIVE_OVERHEAD_STANDARD_KB: f64 = 8.0;

/// Per-object index data of an archived object billed at the archive price, in KB.
pub const ARCHIVE_OVERHEAD_ARCHIVE_KB: f64 = 32.0;

/// Days without access after which INTELLIGENT_TIERING moves objects to Infrequent Access.
pub const IT_INFREQUENT_AFTER_DAYS: i64 = 30;

/// Days without access after which INTELLIGENT_TIERING moves objects to Archive Instant Access.
pub const IT_ARCHIVE_INSTANT_AFTER_DAYS: i64 = 90;

/// Prices of one region, in USD. Storage per GB-month (first volume tier); requests per 1000.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    /// AWS region.
    pub region: &'static str,
    /// When the prices were taken (year-month).
    pub as_of: &'static str,
    /// S3 Standard, first 50 TB.
    pub standard: f64,
    /// Intelligent-Tiering Frequent Access tier, first 50 TB.
    pub it_frequent: f64,
    /// Intelligent-Tiering Infrequent Access tier.
    pub it_infrequent: f64,
    /// Intelligent-Tiering Archive Instant Access tier.
    pub it_archive_instant: f64,
    /// Intelligent-Tiering Archive Access tier.
    pub it_archive_access: f64,
    /// Intelligent-Tiering Deep Archive Access tier.
    pub it_deep_archive_access: f64,
    /// Intelligent-Tiering monitoring and automation, per 1000 objects (of 128 KB and more)
    /// per month.
    pub it_monitoring_per_1000_objects: f64,
    /// S3 Standard-Infrequent Access.
    pub standard_ia: f64,
    /// S3 One Zone-Infrequent Access.
    pub onezone_ia: f64,
    /// S3 Glacier Instant Retrieval.
    pub glacier_ir: f64,
    /// S3 Glacier Flexible Retrieval.
    pub glacier: f64,
    /// S3 Glacier Deep Archive.
    pub deep_archive: f64,
    /// Lifecycle transition requests into STANDARD_IA, per 1000.
    pub transition_to_standard_ia: f64,
    /// Lifecycle transition requests into INTELLIGENT_TIERING, per 1000.
    pub transition_to_intelligent_tiering: f64,
    /// Lifecycle transition requests into ONEZONE_IA, per 1000.
    pub transition_to_onezone_ia: f64,
    /// Lifecycle transition requests into GLACIER_IR, per 1000.
    pub transition_to_glacier_ir: f64,
    /// Lifecycle transition requests into GLACIER, per 1000.
    pub transition_to_glacier: f64,
    /// Lifecycle transition requests into DEEP_ARCHIVE, per 1000.
    pub transition_to_deep_archive: f64,
}

/// US East (N. Virginia) list prices as of [`PRICES_AS_OF`]. Sources in
/// `docs/resources/s3_tier_policy.md`.
pub const US_EAST_1: PriceTable = PriceTable {
    region: "us-east-1",
    as_of: PRICES_AS_OF,
    standard: 0.023,
    it_frequent: 0.023,
    it_infrequent: 0.0125,
    it_archive_instant: 0.004,
    it_archive_access: 0.0036,
    it_deep_archive_access: 0.00099,
    it_monitoring_per_1000_objects: 0.0025,
    standard_ia: 0.0125,
    onezone_ia: 0.01,
    glacier_ir: 0.004,
    glacier: 0.0036,
    deep_archive: 0.00099,
    transition_to_standard_ia: 0.01,
    transition_to_intelligent_tiering: 0.01,
    transition_to_onezone_ia: 0.01,
    transition_to_glacier_ir: 0.02,
    transition_to_glacier: 0.03,
    transition_to_deep_archive: 0.05,
};

impl PriceTable {
    /// Storage price of a class per GB-month (INTELLIGENT_TIERING: its Frequent Access tier).
    pub fn storage(&self, class: StorageClass) -> f64 {
        match class {
            StorageClass::Standard => self.standard,
            StorageClass::IntelligentTiering => self.it_frequent,
            StorageClass::StandardIa => self.standard_ia,
            StorageClass::OnezoneIa => self.onezone_ia,
            StorageClass::GlacierIr => self.glacier_ir,
            StorageClass::Glacier => self.glacier,
            StorageClass::DeepArchive => self.deep_archive,
        }
    }

    /// Price of 1000 lifecycle transition requests into a class (0 for STANDARD).
    pub fn transition(&self, class: StorageClass) -> f64 {
        match class {
            StorageClass::Standard => 0.0,
            StorageClass::IntelligentTiering => self.transition_to_intelligent_tiering,
            StorageClass::StandardIa => self.transition_to_standard_ia,
            StorageClass::OnezoneIa => self.transition_to_onezone_ia,
            StorageClass::GlacierIr => self.transition_to_glacier_ir,
            StorageClass::Glacier => self.transition_to_glacier,
            StorageClass::DeepArchive => self.transition_to_deep_archive,
        }
    }
}

/// The result of an estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct CostEstimate {
    /// USD per month for 1 TB ingested per month, at steady state.
    pub monthly_cost_per_tb: f64,
    /// What the total is made of, in USD per month; lines of zero are left out.
    pub breakdown: Vec<(String, f64)>,
}

/// Why an estimate cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EstimateError {
    /// A value the estimate needs is not known yet.
    #[error("{path} is not known yet")]
    Unknown {
        /// Attribute path.
        path: String,
    },
    /// A value the estimate needs is not set.
    #[error("{path} is required for the estimate")]
    Missing {
        /// Attribute path.
        path: String,
    },
    /// A storage class or setting is not valid.
    #[error("{path}: {value:?} is not valid")]
    Invalid {
        /// Attribute path.
        path: String,
        /// The value given.
        value: String,
    },
    /// The assumed object size is out of range.
    #[error("assumed_object_size_kb is {0}; it must be between 1 and {MAX_OBJECT_SIZE_KB}")]
    ObjectSize(i64),
    /// The retention is out of range.
    #[error("retention_days is {0}; it must be at least 1")]
    Retention(i64),
    /// Neither an expiration nor a retention bounds the objects' lifetime.
    #[error(
        "tier set {name}: set retention_days or expiration_days, the estimate needs a lifetime"
    )]
    NoLifetime {
        /// Tier set name or position.
        name: String,
    },
    /// The tier set's size filter excludes objects of the assumed size.
    #[error("tier set {name}: its object size filter excludes objects of {size_kb} KB")]
    SizeExcluded {
        /// Tier set name or position.
        name: String,
        /// The assumed size.
        size_kb: i64,
    },
    /// No tier set admits objects of the assumed size.
    #[error("no tier set admits objects of {size_kb} KB")]
    NoMatchingTierSet {
        /// The assumed size.
        size_kb: i64,
    },
    /// The policy has no tier set.
    #[error("the policy has no tier_set")]
    NoTierSet,
    /// A tier set index is out of range.
    #[error("there is no tier_set[{0}]")]
    NoSuchTierSet(usize),
}

/// What to estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole policy (ingest split evenly across the tier sets).
    Policy,
    /// One tier set, by position.
    TierSet(usize),
}

/// Estimate of the whole policy with the us-east-1 prices.
pub fn estimate(
    policy: &TierPolicy,
    assumed_object_size_kb: i64,
    retention_days: Option<i64>,
) -> Result<CostEstimate, EstimateError> {
    estimate_with(
        &US_EAST_1,
        policy,
        Scope::Policy,
        assumed_object_size_kb,
        retention_days,
    )
}

/// Estimate of one tier set (with the policy's intelligent-tiering blocks and minimum object
/// size setting) with the us-east-1 prices.
pub fn estimate_tier_set(
    policy: &TierPolicy,
    index: usize,
    assumed_object_size_kb: i64,
    retention_days: Option<i64>,
) -> Result<CostEstimate, EstimateError> {
    estimate_with(
        &US_EAST_1,
        policy,
        Scope::TierSet(index),
        assumed_object_size_kb,
        retention_days,
    )
}

/// Estimate of the whole policy from its own `assumed_object_size_kb` and `retention_days`:
/// `Ok(None)` when `assumed_object_size_kb` is not set (the computed cost is then null).
pub fn estimate_from_inputs(policy: &TierPolicy) -> Result<Option<CostEstimate>, EstimateError> {
    let size = match policy.assumed_object_size_kb {
        Val::Null => return Ok(None),
        Val::Unknown => {
            return Err(EstimateError::Unknown {
                path: "assumed_object_size_kb".to_owned(),
            });
        }
        Val::Known(kb) => kb,
    };
    let retention = match policy.retention_days {
        Val::Null => None,
        Val::Unknown => {
            return Err(EstimateError::Unknown {
                path: "retention_days".to_owned(),
            });
        }
        Val::Known(days) => Some(days),
    };
    estimate(policy, size, retention).map(Some)
}

/// Estimate with any price table and scope.
pub fn estimate_with(
    prices: &PriceTable,
    policy: &TierPolicy,
    scope: Scope,
    assumed_object_size_kb: i64,
    retention_days: Option<i64>,
) -> Result<CostEstimate, EstimateError> {
    if !(1..=MAX_OBJECT_SIZE_KB).contains(&assumed_object_size_kb) {
        return Err(EstimateError::ObjectSize(assumed_object_size_kb));
    }
    if let Some(days) = retention_days
        && days < 1
    {
        return Err(EstimateError::Retention(days));
    }
    let context = Context::new(policy)?;
    let sets = match &policy.tier_set {
        Val::Unknown => {
            return Err(EstimateError::Unknown {
                path: "tier_set".to_owned(),
            });
        }
        other => other.items(),
    };
    let input = Input {
        size_kb: assumed_object_size_kb,
        retention_days,
    };
    match scope {
        Scope::TierSet(i) => {
            let ts = sets.get(i).ok_or(EstimateError::NoSuchTierSet(i))?;
            let lines = tier_set_lines(prices, &context, ts, i, &input)?;
            Ok(finish(lines))
        }
        Scope::Policy => {
            if sets.is_empty() {
                return Err(EstimateError::NoTierSet);
            }
            let mut per_set = Vec::new();
            for (i, ts) in sets.iter().enumerate() {
                match tier_set_lines(prices, &context, ts, i, &input) {
                    Ok(lines) => per_set.push((label(ts, i), lines)),
                    Err(EstimateError::SizeExcluded { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            if per_set.is_empty() {
                return Err(EstimateError::NoMatchingTierSet {
                    size_kb: assumed_object_size_kb,
                });
            }
            let weight = 1.0 / per_set.len() as f64;
            let mut lines = Lines::default();
            for (name, set_lines) in per_set {
                for (line, value) in set_lines.0 {
                    lines.add(format!("tier_set {name}: {line}"), value * weight);
                }
            }
            Ok(finish(lines))
        }
    }
}

fn finish(lines: Lines) -> CostEstimate {
    let breakdown: Vec<(String, f64)> = lines.0.into_iter().filter(|(_, v)| *v > 0.0).collect();
    CostEstimate {
        monthly_cost_per_tb: breakdown.iter().map(|(_, v)| v).sum(),
        breakdown,
    }
}

fn label(ts: &TierSet, i: usize) -> String {
    match &ts.name {
        Val::Known(n) => n.clone(),
        _ => format!("#{i}"),
    }
}

/// Breakdown lines in order of first use; adding to an existing line sums.
#[derive(Default)]
struct Lines(Vec<(String, f64)>);

impl Lines {
    fn add(&mut self, line: String, value: f64) {
        match self.0.iter_mut().find(|(l, _)| *l == line) {
            Some((_, v)) => *v += value,
            None => self.0.push((line, value)),
        }
    }
}

struct Input {
    size_kb: i64,
    retention_days: Option<i64>,
}

/// An intelligent-tiering block with known values.
struct Tiering {
    prefix: String,
    tags: BTreeMap<String, String>,
    archive_days: Option<i64>,
    deep_archive_days: Option<i64>,
}

/// Policy-wide inputs of every tier set's estimate.
struct Context {
    minimum_object_size: MinimumObjectSize,
    tierings: Vec<Tiering>,
}

fn known<T>(v: &Val<T>, path: impl FnOnce() -> String) -> Result<Option<&T>, EstimateError> {
    match v {
        Val::Known(x) => Ok(Some(x)),
        Val::Null => Ok(None),
        Val::Unknown => Err(EstimateError::Unknown { path: path() }),
    }
}

impl Context {
    fn new(policy: &TierPolicy) -> Result<Context, EstimateError> {
        let minimum_object_size =
            match known(&policy.transition_default_minimum_object_size, || {
                "transition_default_minimum_object_size".to_owned()
            })? {
                None => MinimumObjectSize::default(),
                Some(s) => s.parse().map_err(|_| EstimateError::Invalid {
                    path: "transition_default_minimum_object_size".to_owned(),
                    value: s.clone(),
                })?,
            };
        if policy.intelligent_tiering.is_unknown() {
            return Err(EstimateError::Unknown {
                path: "intelligent_tiering".to_owned(),
            });
        }
        let mut tierings = Vec::new();
        for (i, it) in policy.intelligent_tiering.items().iter().enumerate() {
            let p = |rest: &str| format!("intelligent_tiering[{i}]{rest}");
            let (prefix, tags) = match &it.filter {
                Val::Null => (String::new(), BTreeMap::new()),
                Val::Unknown => return Err(EstimateError::Unknown { path: p(".filter") }),
                Val::Known(f) => (
                    known(&f.prefix, || p(".filter[0].prefix"))?
                        .cloned()
                        .unwrap_or_default(),
                    known(&f.tags, || p(".filter[0].tags"))?
                        .cloned()
                        .unwrap_or_default(),
                ),
            };
            tierings.push(Tiering {
                prefix,
                tags,
                archive_days: known(&it.archive_access_days, || p(".archive_access_days"))?
                    .copied(),
                deep_archive_days: known(&it.deep_archive_access_days, || {
                    p(".deep_archive_access_days")
                })?
                .copied(),
            });
        }
        Ok(Context {
            minimum_object_size,
            tierings,
        })
    }

    /// The first intelligent-tiering block that covers every object of the tier set.
    fn tiering_for(&self, prefix: &str, tags: &BTreeMap<String, String>) -> Option<&Tiering> {
        self.tierings.iter().find(|t| {
            prefix.starts_with(&t.prefix) && t.tags.iter().all(|(k, v)| tags.get(k) == Some(v))
        })
    }
}

/// Steady-state GB stored for objects that spend `days` in a state.
fn volume_gb(days: f64) -> f64 {
    GB_PER_TB * days / DAYS_PER_MONTH
}

fn tier_set_lines(
    prices: &PriceTable,
    context: &Context,
    ts: &TierSet,
    index: usize,
    input: &Input,
) -> Result<Lines, EstimateError> {
    let p = |rest: &str| format!("tier_set[{index}]{rest}");
    let name = label(ts, index);

    let (prefix, tags, greater_than, less_than) = match &ts.filter {
        Val::Null => (String::new(), BTreeMap::new(), None, None),
        Val::Unknown => return Err(EstimateError::Unknown { path: p(".filter") }),
        Val::Known(f) => (
            known(&f.prefix, || p(".filter[0].prefix"))?
                .cloned()
                .unwrap_or_default(),
            known(&f.tags, || p(".filter[0].tags"))?
                .cloned()
                .unwrap_or_default(),
            known(&f.object_size_greater_than, || {
                p(".filter[0].object_size_greater_than")
            })?
            .copied(),
            known(&f.object_size_less_than, || {
                p(".filter[0].object_size_less_than")
            })?
            .copied(),
        ),
    };
    let size_bytes = input.size_kb.saturating_mul(1024);
    if greater_than.is_some_and(|g| size_bytes <= g) || less_than.is_some_and(|l| size_bytes >= l) {
        return Err(EstimateError::SizeExcluded {
            name,
            size_kb: input.size_kb,
        });
    }

    let expiration = known(&ts.expiration_days, || p(".expiration_days"))?.copied();
    let lifetime = match (expiration, input.retention_days) {
        (Some(e), Some(r)) => e.min(r),
        (Some(e), None) => e,
        (None, Some(r)) => r,
        (None, None) => return Err(EstimateError::NoLifetime { name }),
    };
    if lifetime < 1 {
        return Err(EstimateError::Invalid {
            path: p(".expiration_days"),
            value: lifetime.to_string(),
        });
    }

    if ts.transition.is_unknown() {
        return Err(EstimateError::Unknown {
            path: p(".transition"),
        });
    }
    let small = size_bytes < SMALL_OBJECT_BYTES && greater_than.is_none();
    let mut path: Vec<(i64, StorageClass)> = Vec::new();
    for (k, t) in ts.transition.items().iter().enumerate() {
        let day = *known(&t.days, || p(&format!(".transition[{k}].days")))?.ok_or_else(|| {
            EstimateError::Missing {
                path: p(&format!(".transition[{k}].days")),
            }
        })?;
        let class_path = || p(&format!(".transition[{k}].storage_class"));
        let class_name = known(&t.storage_class, class_path)?
            .ok_or_else(|| EstimateError::Missing { path: class_path() })?;
        let class: StorageClass = class_name.parse().map_err(|_| EstimateError::Invalid {
            path: class_path(),
            value: class_name.clone(),
        })?;
        if day >= lifetime || (small && !context.minimum_object_size.small_objects_reach(class)) {
            continue;
        }
        path.push((day, class));
    }

    let objects_per_month = GB_PER_TB * KB_PER_GB / input.size_kb as f64;
    let objects_stored = |days: f64| objects_per_month * days / DAYS_PER_MONTH;
    let mut lines = Lines::default();
    let tiering = context.tiering_for(&prefix, &tags);

    let mut segments = Vec::new();
    let (mut class, mut start) = (StorageClass::Standard, 0_i64);
    for &(day, next) in &path {
        segments.push((class, start, day.max(start)));
        class = next;
        start = day.max(start);
    }
    segments.push((class, start, lifetime));

    for (n, &(class, from, to)) in segments.iter().enumerate() {
        let days = to.saturating_sub(from).max(0);
        if n > 0 {
            lines.add(
                format!("transition requests to {class}"),
                objects_per_month / 1000.0 * prices.transition(class),
            );
        }
        if class == StorageClass::IntelligentTiering {
            intelligent_tiering_lines(
                prices,
                &mut lines,
                days,
                input.size_kb,
                tiering,
                &objects_stored,
            );
            continue;
        }
        let billable =
            (input.size_kb.max(class.minimum_billable_kb()) as f64) / input.size_kb as f64;
        let price = prices.storage(class);
        lines.add(
            format!("{class} storage"),
            volume_gb(days as f64) * billable * price,
        );
        let minimum = class.minimum_storage_days();
        if days < minimum {
            lines.add(
                format!("{class} minimum storage duration ({minimum} days)"),
                volume_gb((minimum - days) as f64) * billable * price,
            );
        }
        if class.is_archive() {
            archive_overhead_lines(
                prices,
                &mut lines,
                class.as_str(),
                price,
                objects_stored(days as f64),
            );
        }
    }
    Ok(lines)
}

fn archive_overhead_lines(
    prices: &PriceTable,
    lines: &mut Lines,
    what: &str,
    archive_price: f64,
    objects: f64,
) {
    lines.add(
        format!("{what} archive overhead (8 KB/object at STANDARD)"),
        objects * ARCHIVE_OVERHEAD_STANDARD_KB / KB_PER_GB * prices.standard,
    );
    lines.add(
        format!("{what} archive overhead (32 KB/object)"),
        objects * ARCHIVE_OVERHEAD_ARCHIVE_KB / KB_PER_GB * archive_price,
    );
}

fn intelligent_tiering_lines(
    prices: &PriceTable,
    lines: &mut Lines,
    days: i64,
    size_kb: i64,
    tiering: Option<&Tiering>,
    objects_stored: &dyn Fn(f64) -> f64,
) {
    if size_kb.saturating_mul(1024) < SMALL_OBJECT_BYTES {
        lines.add(
            "INTELLIGENT_TIERING frequent access (objects under 128 KB)".to_owned(),
            volume_gb(days as f64) * prices.it_frequent,
        );
        return;
    }
    let archive = tiering.and_then(|t| t.archive_days);
    let deep = tiering.and_then(|t| t.deep_archive_days);
    let instant_end = match (archive, deep) {
        (Some(a), Some(d)) => a.min(d),
        (Some(a), None) => a,
        (None, Some(d)) => d,
        (None, None) => i64::MAX,
    };
    let within = |from: i64, to: i64| to.min(days).saturating_sub(from.min(days)).max(0) as f64;
    let tiers = [
        (
            "INTELLIGENT_TIERING frequent access",
            within(0, IT_INFREQUENT_AFTER_DAYS),
            prices.it_frequent,
        ),
        (
            "INTELLIGENT_TIERING infrequent access",
            within(IT_INFREQUENT_AFTER_DAYS, IT_ARCHIVE_INSTANT_AFTER_DAYS),
            prices.it_infrequent,
        ),
        (
            "INTELLIGENT_TIERING archive instant access",
            within(IT_ARCHIVE_INSTANT_AFTER_DAYS, instant_end),
            prices.it_archive_instant,
        ),
    ];
    for (line, tier_days, price) in tiers {
        lines.add(line.to_owned(), volume_gb(tier_days) * price);
    }
    if let Some(a) = archive {
        let tier_days = within(a, deep.unwrap_or(i64::MAX));
        lines.add(
            "INTELLIGENT_TIERING archive access".to_owned(),
            volume_gb(tier_days) * prices.it_archive_access,
        );
        archive_overhead_lines(
            prices,
            lines,
            "INTELLIGENT_TIERING archive access",
            prices.it_archive_access,
            objects_stored(tier_days),
        );
    }
    if let Some(d) = deep {
        let tier_days = within(d, i64::MAX);
        lines.add(
            "INTELLIGENT_TIERING deep archive access".to_owned(),
            volume_gb(tier_days) * prices.it_deep_archive_access,
        );
        archive_overhead_lines(
            prices,
            lines,
            "INTELLIGENT_TIERING deep archive access",
            prices.it_deep_archive_access,
            objects_stored(tier_days),
        );
    }
    lines.add(
        "INTELLIGENT_TIERING monitoring".to_owned(),
        objects_stored(days as f64) / 1000.0 * prices.it_monitoring_per_1000_objects,
    );
}

#[cfg(test)]
mod tests {
    use super::super::tier_rules::{Filter, IntelligentTiering, TieringFilter, Transition};
    use super::*;

    fn tr(days: i64, class: &str) -> Transition {
        Transition {
            days: days.into(),
            storage_class: class.into(),
        }
    }

    fn set(name: &str, transitions: Vec<Transition>, expiration: Option<i64>) -> TierSet {
        TierSet {
            name: name.into(),
            transition: Val::Known(transitions),
            expiration_days: Val::from_option(expiration),
            ..TierSet::default()
        }
    }

    fn policy(sets: Vec<TierSet>) -> TierPolicy {
        TierPolicy {
            bucket: "b".into(),
            tier_set: Val::Known(sets),
            ..TierPolicy::default()
        }
    }

    fn line(estimate: &CostEstimate, name: &str) -> f64 {
        estimate
            .breakdown
            .iter()
            .find(|(l, _)| l == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no line {name:?} in {:#?}", estimate.breakdown))
    }

    fn close(got: f64, want: f64, what: &str) {
        assert!((got - want).abs() < 0.01, "{what}: got {got}, want {want}");
    }

    struct Case {
        name: &'static str,
        policy: fn() -> TierPolicy,
        size_kb: i64,
        retention: Option<i64>,
        total: f64,
        lines: &'static [(&'static str, f64)],
    }

    // Every figure is worked out by hand in the comment above it.
    // vol(d) = 1024 GB * d / 30; objects per month N = 2^30 / size_kb.
    const CASES: &[Case] = &[
        // STANDARD for 30 days: 1024 * 30/30 * 0.023 = 23.552.
        Case {
            name: "STANDARD only",
            policy: || policy(vec![set("s", vec![], Some(30))]),
            size_kb: 1024,
            retention: None,
            total: 23.552,
            lines: &[("STANDARD storage", 23.552)],
        },
        // STANDARD 30 d: 23.552; STANDARD_IA 60 d: 1024*2*0.0125 = 25.6;
        // GLACIER 275 d: 1024*275/30*0.0036 = 33.792;
        // overhead: N = 1048576, stored = N*275/30 = 9611946.67 objects;
        //   8 KB: 73.333 GB * 0.023 = 1.68667; 32 KB: 293.333 GB * 0.0036 = 1.056;
        // requests: 1048.576 * 0.01 = 10.48576 and 1048.576 * 0.03 = 31.45728.
        // Total 127.62971.
        Case {
            name: "STANDARD_IA then GLACIER, expire at 365",
            policy: || {
                policy(vec![set(
                    "s",
                    vec![tr(30, "STANDARD_IA"), tr(90, "GLACIER")],
                    Some(365),
                )])
            },
            size_kb: 1024,
            retention: None,
            total: 127.62971,
            lines: &[
                ("STANDARD storage", 23.552),
                ("STANDARD_IA storage", 25.6),
                ("GLACIER storage", 33.792),
                (
                    "GLACIER archive overhead (8 KB/object at STANDARD)",
                    1.68667,
                ),
                ("GLACIER archive overhead (32 KB/object)", 1.056),
                ("transition requests to STANDARD_IA", 10.48576),
                ("transition requests to GLACIER", 31.45728),
            ],
        },
        // DEEP_ARCHIVE at 30, expire at 90: DA 60 d: 1024*2*0.00099 = 2.02752;
        // minimum 180 d: 120 more days: 1024*4*0.00099 = 4.05504;
        // overhead: stored N*60/30 = 2097152 objects: 16 GB*0.023 = 0.368, 64 GB*0.00099 = 0.06336;
        // requests 1048.576*0.05 = 52.4288. Total 23.552+2.02752+4.05504+0.368+0.06336+52.4288
        // = 82.49472.
        Case {
            name: "early deletion from DEEP_ARCHIVE",
            policy: || policy(vec![set("s", vec![tr(30, "DEEP_ARCHIVE")], Some(90))]),
            size_kb: 1024,
            retention: None,
            total: 82.49472,
            lines: &[
                ("DEEP_ARCHIVE storage", 2.02752),
                ("DEEP_ARCHIVE minimum storage duration (180 days)", 4.05504),
                (
                    "DEEP_ARCHIVE archive overhead (8 KB/object at STANDARD)",
                    0.368,
                ),
                ("DEEP_ARCHIVE archive overhead (32 KB/object)", 0.06336),
                ("transition requests to DEEP_ARCHIVE", 52.4288),
            ],
        },
        // 64 KB objects, default minimum size: no transition, STANDARD 60 d = 1024*2*0.023.
        Case {
            name: "small objects stay in STANDARD",
            policy: || policy(vec![set("s", vec![tr(30, "STANDARD_IA")], Some(60))]),
            size_kb: 64,
            retention: None,
            total: 47.104,
            lines: &[("STANDARD storage", 47.104)],
        },
        // 64 KB, varies_by_storage_class, GLACIER at 30, expire 120:
        // STANDARD 23.552; GLACIER 90 d: 1024*3*0.0036 = 11.0592;
        // N = 16777216, stored N*90/30 = 50331648: 8 KB -> 384 GB*0.023 = 8.832,
        // 32 KB -> 1536 GB*0.0036 = 5.5296; requests 16777.216*0.03 = 503.31648.
        // Total 552.28928.
        Case {
            name: "small objects archived with varies_by_storage_class",
            policy: || {
                let mut p = policy(vec![set("s", vec![tr(30, "GLACIER")], Some(120))]);
                p.transition_default_minimum_object_size = "varies_by_storage_class".into();
                p
            },
            size_kb: 64,
            retention: None,
            total: 552.28928,
            lines: &[
                ("GLACIER storage", 11.0592),
                ("GLACIER archive overhead (8 KB/object at STANDARD)", 8.832),
                ("GLACIER archive overhead (32 KB/object)", 5.5296),
                ("transition requests to GLACIER", 503.31648),
            ],
        },
        // 64 KB with a size filter (> 1024 bytes) overriding the default: STANDARD_IA at 30,
        // expire 60. IA billed as 128 KB: 1024*1*0.0125*2 = 25.6; STANDARD 23.552;
        // requests 16777.216*0.01 = 167.77216. Total 216.92416.
        Case {
            name: "small objects in STANDARD_IA billed as 128 KB",
            policy: || {
                let mut s = set("s", vec![tr(30, "STANDARD_IA")], Some(60));
                s.filter = Val::Known(Filter {
                    object_size_greater_than: 1024.into(),
                    ..Filter::default()
                });
                policy(vec![s])
            },
            size_kb: 64,
            retention: None,
            total: 216.92416,
            lines: &[
                ("STANDARD_IA storage", 25.6),
                ("transition requests to STANDARD_IA", 167.77216),
            ],
        },
        // INTELLIGENT_TIERING at 0, kept 365 days, archive 90 / deep 180 configured:
        // frequent 30 d: 23.552; infrequent 60 d: 25.6; archive instant: 0;
        // archive access 90 d: 1024*3*0.0036 = 11.0592; deep 185 d: 1024*185/30*0.00099 = 6.25152;
        // monitoring: N*365/30 = 12757674.67 objects /1000 * 0.0025 = 31.89419;
        // overhead archive: N*90/30 = 3145728 objects: 24 GB*0.023 = 0.552, 96 GB*0.0036 = 0.3456;
        // overhead deep: N*185/30 = 6466218.67: 49.333 GB*0.023 = 1.13467, 197.333 GB*0.00099
        // = 0.19536; request 10.48576. Total 111.07029.
        Case {
            name: "INTELLIGENT_TIERING with archive tiers",
            policy: || {
                let mut p = policy(vec![set("s", vec![tr(0, "INTELLIGENT_TIERING")], None)]);
                p.intelligent_tiering = Val::Known(vec![IntelligentTiering {
                    name: "all".into(),
                    archive_access_days: 90.into(),
                    deep_archive_access_days: 180.into(),
                    ..IntelligentTiering::default()
                }]);
                p
            },
            size_kb: 1024,
            retention: Some(365),
            total: 111.07029,
            lines: &[
                ("INTELLIGENT_TIERING frequent access", 23.552),
                ("INTELLIGENT_TIERING infrequent access", 25.6),
                ("INTELLIGENT_TIERING archive access", 11.0592),
                ("INTELLIGENT_TIERING deep archive access", 6.25152),
                ("INTELLIGENT_TIERING monitoring", 31.89419),
                (
                    "INTELLIGENT_TIERING archive access archive overhead (8 KB/object at STANDARD)",
                    0.552,
                ),
                (
                    "INTELLIGENT_TIERING archive access archive overhead (32 KB/object)",
                    0.3456,
                ),
                (
                    "INTELLIGENT_TIERING deep archive access archive overhead (8 KB/object at STANDARD)",
                    1.13467,
                ),
                (
                    "INTELLIGENT_TIERING deep archive access archive overhead (32 KB/object)",
                    0.19536,
                ),
                ("transition requests to INTELLIGENT_TIERING", 10.48576),
            ],
        },
        // Same without an archive configuration that covers the tier set (it covers "other/"):
        // frequent 23.552; infrequent 25.6; archive instant 275 d: 1024*275/30*0.004 = 37.54667;
        // monitoring 31.89419; request 10.48576. Total 129.07861.
        Case {
            name: "INTELLIGENT_TIERING without archive tiers",
            policy: || {
                let mut p = policy(vec![set("s", vec![tr(0, "INTELLIGENT_TIERING")], None)]);
                p.intelligent_tiering = Val::Known(vec![IntelligentTiering {
                    name: "other".into(),
                    filter: Val::Known(TieringFilter {
                        prefix: "other/".into(),
                        tags: Val::Null,
                    }),
                    archive_access_days: 90.into(),
                    ..IntelligentTiering::default()
                }]);
                p
            },
            size_kb: 1024,
            retention: Some(365),
            total: 129.07861,
            lines: &[("INTELLIGENT_TIERING archive instant access", 37.54667)],
        },
        // Retention 60 cuts an expiration of 365: GLACIER at 30 stays 30 d:
        // 1024*1*0.0036 = 3.6864, plus 60 d of minimum: 7.3728; overhead N*30/30 = 1048576
        // objects: 8 GB*0.023 = 0.184, 32 GB*0.0036 = 0.1152; requests 31.45728.
        // Total 23.552+3.6864+7.3728+0.184+0.1152+31.45728 = 66.36768.
        Case {
            name: "retention before expiration",
            policy: || policy(vec![set("s", vec![tr(30, "GLACIER")], Some(365))]),
            size_kb: 1024,
            retention: Some(60),
            total: 66.36768,
            lines: &[
                ("GLACIER storage", 3.6864),
                ("GLACIER minimum storage duration (90 days)", 7.3728),
            ],
        },
        // A transition after the lifetime never happens: STANDARD 100 d = 1024*100/30*0.023.
        Case {
            name: "transition after the lifetime",
            policy: || policy(vec![set("s", vec![tr(400, "GLACIER")], None)]),
            size_kb: 1024,
            retention: Some(100),
            total: 78.50667,
            lines: &[("STANDARD storage", 78.50667)],
        },
        // Two tier sets share the ingest: (23.552 + 47.104) / 2 = 35.328.
        Case {
            name: "policy average",
            policy: || policy(vec![set("a", vec![], Some(30)), set("b", vec![], Some(60))]),
            size_kb: 1024,
            retention: None,
            total: 35.328,
            lines: &[
                ("tier_set a: STANDARD storage", 11.776),
                ("tier_set b: STANDARD storage", 23.552),
            ],
        },
    ];

    #[test]
    fn hand_computed_estimates() {
        for case in CASES {
            let p = (case.policy)();
            let estimate = estimate(&p, case.size_kb, case.retention)
                .unwrap_or_else(|e| panic!("case {:?}: {e}", case.name));
            close(estimate.monthly_cost_per_tb, case.total, case.name);
            let sum: f64 = estimate.breakdown.iter().map(|(_, v)| v).sum();
            close(sum, estimate.monthly_cost_per_tb, case.name);
            for (name, value) in case.lines {
                let wanted = if case.name == "policy average" {
                    (*name).to_owned()
                } else {
                    format!("tier_set s: {name}")
                };
                close(line(&estimate, &wanted), *value, case.name);
            }
            if p.tier_set.items().len() == 1 {
                let single = estimate_tier_set(&p, 0, case.size_kb, case.retention)
                    .unwrap_or_else(|e| panic!("case {:?}: {e}", case.name));
                close(single.monthly_cost_per_tb, case.total, case.name);
                for (name, value) in case.lines {
                    close(line(&single, name), *value, case.name);
                }
            }
        }
    }

    #[test]
    fn size_filters_choose_the_tier_sets() {
        let mut big = set("big", vec![], Some(30));
        big.filter = Val::Known(Filter {
            object_size_greater_than: (1024 * 1024).into(),
            ..Filter::default()
        });
        let small = set("small", vec![], Some(60));
        let p = policy(vec![big, small]);
        // 512 KB objects only match "small": 47.104.
        let e = estimate(&p, 512, None).expect("estimates");
        close(e.monthly_cost_per_tb, 47.104, "small only");
        assert_eq!(e.breakdown.len(), 1);
        assert_eq!(
            estimate_tier_set(&p, 0, 512, None),
            Err(EstimateError::SizeExcluded {
                name: "big".to_owned(),
                size_kb: 512
            })
        );
        let only_big = policy(vec![p.tier_set.items()[0].clone()]);
        assert_eq!(
            estimate(&only_big, 512, None),
            Err(EstimateError::NoMatchingTierSet { size_kb: 512 })
        );
    }

    #[test]
    fn estimate_errors() {
        let p = policy(vec![set("s", vec![tr(30, "GLACIER")], None)]);
        let cases: Vec<(TierPolicy, i64, Option<i64>, EstimateError)> = vec![
            (p.clone(), 0, None, EstimateError::ObjectSize(0)),
            (p.clone(), 10, Some(0), EstimateError::Retention(0)),
            (
                p.clone(),
                10,
                None,
                EstimateError::NoLifetime {
                    name: "s".to_owned(),
                },
            ),
            (policy(vec![]), 10, Some(10), EstimateError::NoTierSet),
            (
                {
                    let mut q = p.clone();
                    if let Val::Known(sets) = &mut q.tier_set {
                        sets[0].transition = Val::Known(vec![tr(30, "FROZEN")]);
                    }
                    q
                },
                10,
                Some(100),
                EstimateError::Invalid {
                    path: "tier_set[0].transition[0].storage_class".to_owned(),
                    value: "FROZEN".to_owned(),
                },
            ),
            (
                {
                    let mut q = p.clone();
                    if let Val::Known(sets) = &mut q.tier_set {
                        sets[0].transition = Val::Known(vec![Transition {
                            days: Val::Unknown,
                            storage_class: "GLACIER".into(),
                        }]);
                    }
                    q
                },
                10,
                Some(100),
                EstimateError::Unknown {
                    path: "tier_set[0].transition[0].days".to_owned(),
                },
            ),
            (
                {
                    let mut q = p.clone();
                    q.transition_default_minimum_object_size = Val::Unknown;
                    q
                },
                10,
                Some(100),
                EstimateError::Unknown {
                    path: "transition_default_minimum_object_size".to_owned(),
                },
            ),
        ];
        for (policy, size, retention, want) in cases {
            assert_eq!(estimate(&policy, size, retention), Err(want));
        }
        assert_eq!(
            estimate_tier_set(&p, 3, 10, Some(10)),
            Err(EstimateError::NoSuchTierSet(3))
        );
    }

    #[test]
    fn estimate_from_policy_inputs() {
        let mut p = policy(vec![set("s", vec![], Some(30))]);
        assert_eq!(estimate_from_inputs(&p), Ok(None));
        p.assumed_object_size_kb = 1024.into();
        let e = estimate_from_inputs(&p).expect("estimates").expect("some");
        close(e.monthly_cost_per_tb, 23.552, "from inputs");
        p.retention_days = 15.into();
        let e = estimate_from_inputs(&p).expect("estimates").expect("some");
        close(e.monthly_cost_per_tb, 11.776, "retention 15");
        p.retention_days = Val::Unknown;
        assert_eq!(
            estimate_from_inputs(&p),
            Err(EstimateError::Unknown {
                path: "retention_days".to_owned()
            })
        );
    }

    #[test]
    fn extreme_numbers_do_not_panic() {
        for n in [i64::MIN, -1, 0, i64::MAX] {
            let mut s = set(
                "s",
                vec![tr(n, "GLACIER"), tr(i64::MAX, "DEEP_ARCHIVE")],
                Some(n),
            );
            s.filter = Val::Known(Filter {
                object_size_greater_than: n.into(),
                object_size_less_than: n.into(),
                ..Filter::default()
            });
            let p = policy(vec![
                s,
                set("t", vec![tr(n, "INTELLIGENT_TIERING")], Some(n)),
            ]);
            for size in [1, 64, MAX_OBJECT_SIZE_KB] {
                for retention in [Some(i64::MAX), None] {
                    if let Ok(e) = estimate(&p, size, retention) {
                        let total = e.monthly_cost_per_tb;
                        assert!(total.is_finite() && total >= 0.0, "{n} {size}: {total}");
                    }
                }
            }
            // A size the filters admit, with a lifetime: an estimate, and a sane one.
            let q = policy(vec![set("u", vec![tr(n, "GLACIER")], Some(400))]);
            if let Ok(e) = estimate(&q, 1024, None) {
                assert!(e.monthly_cost_per_tb.is_finite() && e.monthly_cost_per_tb >= 0.0);
            }
        }
    }

    #[test]
    fn price_table_is_dated_and_complete() {
        assert_eq!(US_EAST_1.region, "us-east-1");
        assert_eq!(US_EAST_1.as_of, PRICES_AS_OF);
        for class in StorageClass::ALL {
            assert!(US_EAST_1.storage(class) > 0.0, "{class}");
        }
        for class in StorageClass::TRANSITION_TARGETS {
            assert!(US_EAST_1.transition(class) > 0.0, "{class}");
        }
        assert_eq!(US_EAST_1.transition(StorageClass::Standard), 0.0);
        // Colder classes store for less.
        let prices: Vec<f64> = StorageClass::ALL
            .iter()
            .skip(1)
            .map(|c| US_EAST_1.storage(*c))
            .collect();
        assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{prices:?}");
    }
}
