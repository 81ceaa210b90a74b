//! The rules behind the `logexaminer_db_parameter_profile` data source.
//!
//! Given an RDS parameter group family (`mysql8.0`, `postgres16`, ...), a workload
//! (`hive_metastore` by default), an instance class and optional overrides,
//! [`profile`] returns the parameters to put in an `aws_db_parameter_group`, each
//! with the `apply_method` RDS accepts for it, plus warnings. Memory-relative
//! values use RDS formulas such as `{DBInstanceClassMemory*3/4}` so they follow
//! the instance when it is resized.
//!
//! Overrides are validated before they replace the profile's values: parameters
//! the family does not have (the query cache variables MySQL 8.0 removed, with
//! the replacement where there is one), byte- and page-valued parameters given as
//! percentages or with `my.cnf` / `postgresql.conf` unit suffixes, values out of
//! range or larger than the instance, enum values, the syntax of RDS formulas and
//! functions, and combinations MySQL refuses (statement-based binary logging under
//! READ-COMMITTED, a collation of another character set). Overrides that are legal
//! but worse for the workload produce warnings.
//!
//! `docs-src/db_parameter_profile.md` holds the rule table with its sources.
//!
//! Pure logic: no I/O, no async; the output is sorted by parameter name and
//! deterministic.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::instance_classes::{self, InstanceClass};

// ---------------------------------------------------------------------------
// Families and workloads
// ---------------------------------------------------------------------------

/// The database engine behind a [`Family`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// RDS for MySQL.
    Mysql,
    /// RDS for PostgreSQL.
    Postgres,
}

impl Engine {
    /// Human name, e.g. `MySQL`.
    pub fn display_name(self) -> &'static str {
        match self {
            Engine::Mysql => "MySQL",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// An RDS DB parameter group family this profile supports.
///
/// Aurora families are deliberately not supported: Aurora splits parameters
/// between DB cluster parameter groups and DB parameter groups and manages its
/// redo log and storage itself, while this profile targets `aws_db_parameter_group`
/// for RDS DB instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Family {
    /// `mysql8.0`
    Mysql80,
    /// `mysql8.4`
    Mysql84,
    /// `postgres14`
    Postgres14,
    /// `postgres15`
    Postgres15,
    /// `postgres16`
    Postgres16,
    /// `postgres17`
    Postgres17,
}

impl Family {
    /// Every supported family, in the order the error messages list them.
    pub const ALL: [Family; 6] = [
        Family::Mysql80,
        Family::Mysql84,
        Family::Postgres14,
        Family::Postgres15,
        Family::Postgres16,
        Family::Postgres17,
    ];

    /// The family name as RDS spells it, e.g. `mysql8.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Mysql80 => "mysql8.0",
            Family::Mysql84 => "mysql8.4",
            Family::Postgres14 => "postgres14",
            Family::Postgres15 => "postgres15",
            Family::Postgres16 => "postgres16",
            Family::Postgres17 => "postgres17",
        }
    }

    /// The engine of this family.
    pub fn engine(self) -> Engine {
        match self {
            Family::Mysql80 | Family::Mysql84 => Engine::Mysql,
            _ => Engine::Postgres,
        }
    }

    /// `(major, minor)` of the engine release series: `(8, 0)`, `(8, 4)`, `(16, 0)`.
    pub fn series(self) -> (u32, u32) {
        match self {
            Family::Mysql80 => (8, 0),
            Family::Mysql84 => (8, 4),
            Family::Postgres14 => (14, 0),
            Family::Postgres15 => (15, 0),
            Family::Postgres16 => (16, 0),
            Family::Postgres17 => (17, 0),
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn supported_families() -> String {
    Family::ALL
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a family name was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FamilyError {
    /// An Aurora family (`aurora-mysql8.0`, `aurora-postgresql16`, ...).
    #[error(
        "`{family}` is an Aurora family. Aurora keeps most of these parameters in a DB \
         cluster parameter group (aws_rds_cluster_parameter_group) and manages its redo log \
         and storage itself, so this profile, which targets aws_db_parameter_group for RDS DB \
         instances, does not cover it. Supported families: {}",
        supported_families()
    )]
    Aurora {
        /// The family as given.
        family: String,
    },
    /// Anything else that is not supported.
    #[error(
        "`{family}` is not a supported parameter group family{hint}. Supported families: {}",
        supported_families()
    )]
    Unsupported {
        /// The family as given.
        family: String,
        /// A correction (`; did you mean ...`) or an explanation, possibly empty.
        hint: String,
    },
}

impl FromStr for Family {
    type Err = FamilyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(f) = Family::ALL.iter().find(|f| f.as_str() == s) {
            return Ok(*f);
        }
        let norm = s.trim().to_ascii_lowercase();
        if norm.starts_with("aurora") {
            return Err(FamilyError::Aurora {
                family: s.to_string(),
            });
        }
        let hint = if let Some(f) = Family::ALL.iter().find(|f| f.as_str() == norm) {
            format!("; did you mean `{f}`? (family names are lower case, without blanks)")
        } else if [
            "mysql",
            "postgres",
            "mariadb",
            "oracle",
            "sqlserver",
            "db2",
            "custom",
        ]
        .iter()
        .any(|p| norm.starts_with(p))
        {
            " (this profile covers only the families listed below)".to_string()
        } else {
            match Family::ALL
                .iter()
                .map(|f| (instance_classes::levenshtein(&norm, f.as_str()), *f))
                .min()
            {
                Some((d, f)) if d <= 3 => format!("; did you mean `{f}`?"),
                _ => String::new(),
            }
        };
        Err(FamilyError::Unsupported {
            family: s.to_string(),
            hint,
        })
    }
}

/// What the database is for; selects the workload-specific rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Workload {
    /// Backing database of an Apache Hive Metastore (the default).
    #[default]
    HiveMetastore,
    /// Only the workload-neutral rules: TLS, memory sizing, logging, timeouts.
    General,
}

impl Workload {
    /// Every workload.
    pub const ALL: [Workload; 2] = [Workload::HiveMetastore, Workload::General];

    /// The name used in configuration, e.g. `hive_metastore`.
    pub fn as_str(self) -> &'static str {
        match self {
            Workload::HiveMetastore => "hive_metastore",
            Workload::General => "general",
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A workload name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "`{workload}` is not a known workload{hint}. Known workloads: hive_metastore (the default), general"
)]
pub struct WorkloadError {
    /// The workload as given.
    pub workload: String,
    /// A correction (`; did you mean ...`), possibly empty.
    pub hint: String,
}

impl FromStr for Workload {
    type Err = WorkloadError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(w) = Workload::ALL.iter().find(|w| w.as_str() == s) {
            return Ok(*w);
        }
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let hint = match Workload::ALL.iter().find(|w| w.as_str() == norm) {
            Some(w) => format!("; did you mean `{w}`?"),
            None if norm.contains("hive") || norm.contains("metastore") => {
                "; did you mean `hive_metastore`?".to_string()
            }
            None => String::new(),
        };
        Err(WorkloadError {
            workload: s.to_string(),
            hint,
        })
    }
}

// ---------------------------------------------------------------------------
// Input and output
// ---------------------------------------------------------------------------

/// How RDS applies a parameter change to running instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApplyMethod {
    /// `immediate`: only accepted for dynamic parameters.
    #[serde(rename = "immediate")]
    Immediate,
    /// `pending-reboot`: required for static parameters, accepted for all.
    #[serde(rename = "pending-reboot")]
    PendingReboot,
}

impl ApplyMethod {
    /// The value for `aws_db_parameter_group`'s `apply_method`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyMethod::Immediate => "immediate",
            ApplyMethod::PendingReboot => "pending-reboot",
        }
    }
}

impl fmt::Display for ApplyMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parameter of the profile, ready for an `aws_db_parameter_group` `parameter` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    /// Parameter name as RDS spells it.
    pub name: String,
    /// Value: an integer, a word, or an RDS formula / function.
    pub value: String,
    /// How RDS applies a change of it.
    pub apply_method: ApplyMethod,
}

/// The computed profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Parameters, sorted by name.
    pub parameters: Vec<Parameter>,
    /// Human-readable warnings (one line each), in a stable order.
    pub warnings: Vec<String>,
    /// The same warnings as structured findings (severity [`Severity::Warning`]) with
    /// the attribute they concern, in the same order, for warning diagnostics.
    pub diagnostics: Vec<Finding>,
}

/// The data source's inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInput {
    /// Parameter group family, e.g. `mysql8.0`.
    pub family: String,
    /// Workload name; `None` means `hive_metastore`.
    pub workload: Option<String>,
    /// DB instance class, e.g. `db.r6g.large`.
    pub instance_class: String,
    /// Engine version, e.g. `8.0.36` or `16.3`; selects version-dependent rules.
    pub engine_version: Option<String>,
    /// Parameter name to value. An empty value removes the parameter from the profile.
    pub overrides: BTreeMap<String, String>,
}

/// Severity of a [`Finding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// The profile cannot be produced.
    Error,
    /// The profile is produced but something deserves attention.
    Warning,
}

/// One step of the attribute path a [`Finding`] points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PathStep {
    /// An attribute by name, e.g. `overrides`.
    Attr(String),
    /// A map key, e.g. `query_cache_size` in `overrides["query_cache_size"]`.
    Key(String),
}

/// A problem or remark about the input, pointing at the attribute concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Attribute path, e.g. `[Attr("overrides"), Key("query_cache_size")]`.
    pub path: Vec<PathStep>,
    /// One-line summary.
    pub summary: String,
    /// Explanation and fix.
    pub detail: String,
}

impl Finding {
    fn new(
        severity: Severity,
        path: Vec<PathStep>,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            path,
            summary: summary.into(),
            detail: detail.into(),
        }
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The path rendered like Terraform does, e.g. `overrides["query_cache_size"]`.
    pub fn path_string(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                PathStep::Attr(a) if out.is_empty() => out.push_str(a),
                PathStep::Attr(a) => {
                    out.push('.');
                    out.push_str(a);
                }
                PathStep::Key(k) => out.push_str(&format!("[{k:?}]")),
            }
        }
        out
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path_string();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}", self.summary)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

fn attr(name: &str) -> Vec<PathStep> {
    vec![PathStep::Attr(name.to_string())]
}

fn override_path(name: &str) -> Vec<PathStep> {
    vec![
        PathStep::Attr("overrides".to_string()),
        PathStep::Key(name.to_string()),
    ]
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

/// Computes the parameter profile for `input`.
///
/// On success the parameters are sorted by name and the warnings are in a stable
/// order. On failure every finding is returned (errors and the warnings gathered
/// so far), each pointing at the attribute concerned, e.g.
/// `overrides["query_cache_size"]`.
pub fn profile(input: &ProfileInput) -> Result<Profile, Vec<Finding>> {
    let mut findings = Vec::new();

    let family = match input.family.parse::<Family>() {
        Ok(f) => Some(f),
        Err(e) => {
            findings.push(Finding::new(
                Severity::Error,
                attr("family"),
                "Unsupported parameter group family",
                e.to_string(),
            ));
            None
        }
    };
    let workload = match input.workload.as_deref() {
        None => Some(Workload::HiveMetastore),
        Some(w) => match w.parse::<Workload>() {
            Ok(w) => Some(w),
            Err(e) => {
                findings.push(Finding::new(
                    Severity::Error,
                    attr("workload"),
                    "Unknown workload",
                    e.to_string(),
                ));
                None
            }
        },
    };
    let class = match instance_classes::lookup(&input.instance_class) {
        Ok(c) => Some(c),
        Err(e) => {
            findings.push(Finding::new(
                Severity::Error,
                attr("instance_class"),
                "Unknown DB instance class",
                e.to_string(),
            ));
            None
        }
    };
    let (Some(family), Some(workload)) = (family, workload) else {
        return Err(findings);
    };
    let version = match input.engine_version.as_deref() {
        None => None,
        Some(v) => match parse_engine_version(family, v) {
            Ok(v) => Some(v),
            Err(detail) => {
                findings.push(Finding::new(
                    Severity::Error,
                    attr("engine_version"),
                    "Engine version does not fit the family",
                    detail,
                ));
                None
            }
        },
    };

    let ctx = Ctx {
        family,
        workload,
        class,
        version,
        version_given: input.engine_version.is_some(),
    };
    let mut eff = base_profile(&ctx, &input.overrides, &mut findings);
    apply_overrides(&ctx, &input.overrides, &mut eff, &mut findings);
    cross_checks(&ctx, &input.overrides, &mut eff, &mut findings);

    if findings.iter().any(Finding::is_error) {
        return Err(findings);
    }
    let parameters = eff
        .into_iter()
        .map(|(name, e)| Parameter {
            name,
            value: e.value,
            apply_method: e.apply,
        })
        .collect();
    Ok(Profile {
        parameters,
        warnings: findings.iter().map(Finding::to_string).collect(),
        diagnostics: findings,
    })
}

/// Everything the rules need to know about the request.
struct Ctx {
    family: Family,
    workload: Workload,
    class: Option<&'static InstanceClass>,
    version: Option<EngineVersion>,
    version_given: bool,
}

impl Ctx {
    fn engine(&self) -> Engine {
        self.family.engine()
    }

    fn hive(&self) -> bool {
        self.workload == Workload::HiveMetastore
    }

    /// True when the redo log is sized by `innodb_redo_log_capacity` (MySQL 8.0.30+).
    fn redo_capacity(&self) -> bool {
        match self.family {
            Family::Mysql84 => true,
            Family::Mysql80 => self
                .version
                .and_then(|v| v.patch)
                .is_none_or(|p| p >= REDO_CAPACITY_SINCE_PATCH),
            _ => false,
        }
    }

    fn env(&self) -> Option<Env> {
        self.class.map(|c| Env {
            memory: i128::from(c.memory_bytes()),
            vcpu: i128::from(c.vcpu),
        })
    }
}

/// One parameter of the effective profile.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    value: String,
    apply: ApplyMethod,
}

type Effective = BTreeMap<String, Entry>;

// ---------------------------------------------------------------------------
// Engine versions
// ---------------------------------------------------------------------------

/// MySQL 8.0 patch release that introduced `innodb_redo_log_capacity`.
const REDO_CAPACITY_SINCE_PATCH: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EngineVersion {
    major: u32,
    minor: Option<u32>,
    patch: Option<u32>,
}

fn parse_engine_version(family: Family, raw: &str) -> Result<EngineVersion, String> {
    let example = match family.engine() {
        Engine::Mysql => format!("{}.{}.36", family.series().0, family.series().1),
        Engine::Postgres => format!("{}.4", family.series().0),
    };
    if raw.to_ascii_lowercase().contains("aurora") {
        return Err(format!(
            "`{raw}` is an Aurora engine version; Aurora families are not supported by this \
             profile. Give an RDS {} version such as {example}.",
            family.engine().display_name()
        ));
    }
    let parts: Vec<&str> = raw.split('.').collect();
    let nums: Option<Vec<u32>> = parts
        .iter()
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse::<u32>().ok()
            } else {
                None
            }
        })
        .collect();
    let bad_format = || {
        format!(
            "`{raw}` is not an engine version of the form {}; for example {example}",
            match family.engine() {
                Engine::Mysql => "8.0 or 8.0.36",
                Engine::Postgres => "16 or 16.4",
            }
        )
    };
    let Some(nums) = nums else {
        return Err(bad_format());
    };
    let (want_major, want_minor) = family.series();
    match family.engine() {
        Engine::Mysql => {
            let (major, minor, patch) = match nums.as_slice() {
                [a, b] => (*a, *b, None),
                [a, b, c] => (*a, *b, Some(*c)),
                _ => return Err(bad_format()),
            };
            if (major, minor) != (want_major, want_minor) {
                return Err(format!(
                    "engine_version `{raw}` is MySQL {major}.{minor}, but family is `{family}`; \
                     use the mysql{major}.{minor} family or a {want_major}.{want_minor}.x version"
                ));
            }
            Ok(EngineVersion {
                major,
                minor: Some(minor),
                patch,
            })
        }
        Engine::Postgres => {
            let (major, minor) = match nums.as_slice() {
                [a] => (*a, None),
                [a, b] => (*a, Some(*b)),
                _ => return Err(bad_format()),
            };
            if major != want_major {
                return Err(format!(
                    "engine_version `{raw}` is PostgreSQL {major}, but family is `{family}`; use \
                     the postgres{major} family or a {want_major}.x version"
                ));
            }
            Ok(EngineVersion {
                major,
                minor,
                patch: None,
            })
        }
    }
}

// ---------------------------------------------------------------------------
// The profile itself
// ---------------------------------------------------------------------------

/// Cap on MySQL `max_connections` for a Hive Metastore: each metastore process
/// opens at most two pools of `datanucleus.connectionPool.maxPoolSize` (default 10)
/// connections, so 1000 leaves room for dozens of metastores plus tooling.
const HIVE_MYSQL_MAX_CONNECTIONS_CAP: u32 = 1000;
/// RDS's default divisor for MySQL `max_connections`: the default value is
/// `{DBInstanceClassMemory/12582880}`, i.e. about 12 MiB of instance memory per connection
/// (Amazon RDS User Guide, "Maximum number of database connections", MySQL row of the
/// default-value table:
/// <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections>).
const MYSQL_CONNECTION_DIVISOR: u64 = 12_582_880;
/// RDS's default divisor for PostgreSQL `max_connections`:
/// `LEAST({DBInstanceClassMemory/9531392},5000)` (same RDS User Guide page).
const POSTGRES_CONNECTION_DIVISOR: u64 = 9_531_392;
/// Longest `long_query_time` MySQL accepts, in seconds (one year).
const MYSQL_LONG_QUERY_TIME_MAX: u64 = 31_536_000;
/// Largest redo log the profile asks for (MySQL's `innodb_dedicated_server` cap).
const REDO_CAP_BYTES: u64 = 16 << 30;
/// Instances up to this much memory get a half-memory buffer pool.
const SMALL_MYSQL_GIB: u32 = 4;

fn put(eff: &mut Effective, name: &str, value: impl Into<String>, apply: ApplyMethod) {
    eff.insert(
        name.to_string(),
        Entry {
            value: value.into(),
            apply,
        },
    );
}

/// Redo log size: half a GiB per vCPU, at most 16 GiB (the sizing MySQL's
/// `innodb_dedicated_server` applies and RDS documents for MySQL 8.4).
fn redo_capacity_bytes(class: &InstanceClass) -> u64 {
    (u64::from(class.vcpu) * (512 << 20)).min(REDO_CAP_BYTES)
}

/// PostgreSQL `work_mem` for the Hive profile, in kB: 1/2048 of the memory,
/// between the 4 MiB default and 16 MiB.
fn hive_work_mem_kb(class: &InstanceClass) -> u64 {
    (class.memory_bytes() / 2_097_152).clamp(4096, 16384)
}

fn base_profile(
    ctx: &Ctx,
    overrides: &BTreeMap<String, String>,
    findings: &mut Vec<Finding>,
) -> Effective {
    use ApplyMethod::{Immediate, PendingReboot};
    let mut eff = Effective::new();
    match ctx.engine() {
        Engine::Mysql => {
            let small = ctx.class.is_some_and(|c| c.memory_gib <= SMALL_MYSQL_GIB);
            let pool = if small {
                "{DBInstanceClassMemory/2}"
            } else {
                "{DBInstanceClassMemory*3/4}"
            };
            put(&mut eff, "innodb_buffer_pool_size", pool, PendingReboot);
            if let (true, Some(c)) = (small, ctx.class)
                && !overrides.contains_key("innodb_buffer_pool_size")
            {
                findings.push(Finding::new(
                    Severity::Warning,
                    attr("instance_class"),
                    "Half-memory InnoDB buffer pool on a small instance",
                    format!(
                        "{} has {} GiB of memory, so innodb_buffer_pool_size is \
                             {{DBInstanceClassMemory/2}} instead of 3/4, the sizing MySQL's \
                             innodb_dedicated_server uses from 1 to 4 GiB; this leaves room for \
                             per-connection buffers. Override it to change that.",
                        c.name, c.memory_gib
                    ),
                ));
            }
            let connections = if ctx.hive() {
                format!(
                    "LEAST({{DBInstanceClassMemory/{MYSQL_CONNECTION_DIVISOR}}},{HIVE_MYSQL_MAX_CONNECTIONS_CAP})"
                )
            } else {
                format!("{{DBInstanceClassMemory/{MYSQL_CONNECTION_DIVISOR}}}")
            };
            put(&mut eff, "max_connections", connections, Immediate);
            put(&mut eff, "require_secure_transport", "1", Immediate);
            if let Some(c) = ctx.class {
                let redo = redo_capacity_bytes(c);
                if ctx.redo_capacity() {
                    put(
                        &mut eff,
                        "innodb_redo_log_capacity",
                        redo.to_string(),
                        PendingReboot,
                    );
                } else {
                    // Two log files (innodb_log_files_in_group defaults to 2).
                    put(
                        &mut eff,
                        "innodb_log_file_size",
                        (redo / 2).to_string(),
                        PendingReboot,
                    );
                }
            }
            if ctx.family == Family::Mysql80 && !ctx.version_given {
                findings.push(Finding::new(
                    Severity::Warning,
                    attr("engine_version"),
                    "Assuming MySQL 8.0.30 or later",
                    "engine_version is not set, so the redo log is sized with \
                     innodb_redo_log_capacity, which exists from MySQL 8.0.30. For 8.0.29 and \
                     older set engine_version and the profile uses innodb_log_file_size instead.",
                ));
            }
            if ctx.hive() {
                put(&mut eff, "character_set_server", "utf8mb4", Immediate);
                put(&mut eff, "collation_server", "utf8mb4_bin", Immediate);
                put(
                    &mut eff,
                    "transaction_isolation",
                    "READ-COMMITTED",
                    Immediate,
                );
                put(&mut eff, "binlog_format", "ROW", PendingReboot);
                put(&mut eff, "log_bin_trust_function_creators", "1", Immediate);
            }
        }
        Engine::Postgres => {
            put(
                &mut eff,
                "shared_buffers",
                "{DBInstanceClassMemory/32768}",
                PendingReboot,
            );
            put(
                &mut eff,
                "max_connections",
                "LEAST({DBInstanceClassMemory/9531392},5000)",
                PendingReboot,
            );
            put(&mut eff, "rds.force_ssl", "1", Immediate);
            put(
                &mut eff,
                "effective_cache_size",
                "{DBInstanceClassMemory*3/32768}",
                Immediate,
            );
            put(
                &mut eff,
                "maintenance_work_mem",
                "GREATEST({DBInstanceClassMemory*1024/63963136},65536)",
                Immediate,
            );
            put(&mut eff, "log_min_duration_statement", "1000", Immediate);
            put(
                &mut eff,
                "idle_in_transaction_session_timeout",
                "600000",
                Immediate,
            );
            put(&mut eff, "password_encryption", "scram-sha-256", Immediate);
            if let (true, Some(c)) = (ctx.hive(), ctx.class) {
                put(
                    &mut eff,
                    "work_mem",
                    hive_work_mem_kb(c).to_string(),
                    Immediate,
                );
            }
        }
    }
    eff
}

// ---------------------------------------------------------------------------
// Knowledge about parameters
// ---------------------------------------------------------------------------

/// What values a parameter takes.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A MySQL size in bytes. `formula`: RDS accepts formulas for it.
    /// `memory_bound`: must be smaller than the instance memory.
    Bytes {
        min: i128,
        max: i128,
        formula: bool,
        memory_bound: bool,
    },
    /// A PostgreSQL memory size counted in units of `unit` bytes (kB or 8 kB pages).
    PgMemory { unit: i128, min: i128, max: i128 },
    /// A plain count.
    Count { min: i128, max: i128 },
    /// Milliseconds.
    Millis { min: i128, max: i128 },
    /// Seconds with an optional fraction (microsecond resolution), e.g. MySQL `long_query_time`.
    Seconds { max: u64 },
    /// `0` or `1` (`ON`/`OFF`/`TRUE`/`FALSE` are normalised).
    Bool,
    /// One of the listed words (matched case-insensitively, output as listed).
    Enum(&'static [&'static str]),
    /// A MySQL character set name.
    Charset,
    /// A MySQL collation name.
    Collation,
}

#[derive(Debug, Clone, Copy)]
struct Spec {
    name: &'static str,
    engine: Engine,
    kind: Kind,
    apply: ApplyMethod,
}

const fn spec(name: &'static str, engine: Engine, kind: Kind, apply: ApplyMethod) -> Spec {
    Spec {
        name,
        engine,
        kind,
        apply,
    }
}

const I32_MAX: i128 = i32::MAX as i128;
const I64_MAX: i128 = i64::MAX as i128;

const MYSQL_ISOLATION: &[&str] = &[
    "READ-UNCOMMITTED",
    "READ-COMMITTED",
    "REPEATABLE-READ",
    "SERIALIZABLE",
];
const PG_ISOLATION: &[&str] = &[
    "serializable",
    "repeatable read",
    "read committed",
    "read uncommitted",
];

/// Parameters whose values the rules understand. `apply` is `immediate` only for
/// parameters that are dynamic in the engine and in RDS; see the docs for sources.
static SPECS: &[Spec] = &[
    // MySQL
    spec(
        "binlog_format",
        Engine::Mysql,
        Kind::Enum(&["ROW", "STATEMENT", "MIXED", "OFF"]),
        ApplyMethod::PendingReboot,
    ),
    spec(
        "character_set_server",
        Engine::Mysql,
        Kind::Charset,
        ApplyMethod::Immediate,
    ),
    spec(
        "collation_server",
        Engine::Mysql,
        Kind::Collation,
        ApplyMethod::Immediate,
    ),
    spec(
        "innodb_buffer_pool_size",
        Engine::Mysql,
        Kind::Bytes {
            min: 5 << 20,
            max: I64_MAX,
            formula: true,
            memory_bound: true,
        },
        ApplyMethod::PendingReboot,
    ),
    spec(
        "innodb_dedicated_server",
        Engine::Mysql,
        Kind::Bool,
        ApplyMethod::PendingReboot,
    ),
    spec(
        "innodb_log_file_size",
        Engine::Mysql,
        Kind::Bytes {
            min: 4 << 20,
            max: 256 << 30,
            formula: false,
            memory_bound: false,
        },
        ApplyMethod::PendingReboot,
    ),
    spec(
        "innodb_redo_log_capacity",
        Engine::Mysql,
        Kind::Bytes {
            min: 8 << 20,
            max: 128 << 30,
            formula: true,
            memory_bound: false,
        },
        ApplyMethod::PendingReboot,
    ),
    spec(
        "log_bin_trust_function_creators",
        Engine::Mysql,
        Kind::Bool,
        ApplyMethod::Immediate,
    ),
    spec(
        "lower_case_table_names",
        Engine::Mysql,
        Kind::Enum(&["0", "1"]),
        ApplyMethod::PendingReboot,
    ),
    spec(
        "max_allowed_packet",
        Engine::Mysql,
        Kind::Bytes {
            min: 1024,
            max: 1 << 30,
            formula: true,
            memory_bound: true,
        },
        ApplyMethod::Immediate,
    ),
    spec(
        "max_connections",
        Engine::Mysql,
        Kind::Count {
            min: 1,
            max: 100_000,
        },
        ApplyMethod::Immediate,
    ),
    spec(
        "require_secure_transport",
        Engine::Mysql,
        Kind::Bool,
        ApplyMethod::Immediate,
    ),
    // Dynamic in MySQL 8.0 and 8.4 (MySQL reference manual, server system variables:
    // "Dynamic: Yes"), so RDS applies them immediately.
    spec(
        "long_query_time",
        Engine::Mysql,
        Kind::Seconds {
            max: MYSQL_LONG_QUERY_TIME_MAX,
        },
        ApplyMethod::Immediate,
    ),
    spec(
        "slow_query_log",
        Engine::Mysql,
        Kind::Bool,
        ApplyMethod::Immediate,
    ),
    spec(
        "transaction_isolation",
        Engine::Mysql,
        Kind::Enum(MYSQL_ISOLATION),
        ApplyMethod::Immediate,
    ),
    // PostgreSQL
    spec(
        "default_transaction_isolation",
        Engine::Postgres,
        Kind::Enum(PG_ISOLATION),
        ApplyMethod::Immediate,
    ),
    spec(
        "effective_cache_size",
        Engine::Postgres,
        Kind::PgMemory {
            unit: 8192,
            min: 1,
            max: I32_MAX,
        },
        ApplyMethod::Immediate,
    ),
    spec(
        "idle_in_transaction_session_timeout",
        Engine::Postgres,
        Kind::Millis {
            min: 0,
            max: I32_MAX,
        },
        ApplyMethod::Immediate,
    ),
    spec(
        "idle_session_timeout",
        Engine::Postgres,
        Kind::Millis {
            min: 0,
            max: I32_MAX,
        },
        ApplyMethod::Immediate,
    ),
    spec(
        "log_min_duration_statement",
        Engine::Postgres,
        Kind::Millis {
            min: -1,
            max: I32_MAX,
        },
        ApplyMethod::Immediate,
    ),
    spec(
        "maintenance_work_mem",
        Engine::Postgres,
        Kind::PgMemory {
            unit: 1024,
            min: 1024,
            max: I32_MAX,
        },
        ApplyMethod::Immediate,
    ),
    spec(
        "max_connections",
        Engine::Postgres,
        Kind::Count {
            min: 1,
            max: 262_143,
        },
        ApplyMethod::PendingReboot,
    ),
    spec(
        "password_encryption",
        Engine::Postgres,
        Kind::Enum(&["md5", "scram-sha-256"]),
        ApplyMethod::Immediate,
    ),
    spec(
        "rds.force_ssl",
        Engine::Postgres,
        Kind::Bool,
        ApplyMethod::Immediate,
    ),
    spec(
        "shared_buffers",
        Engine::Postgres,
        Kind::PgMemory {
            unit: 8192,
            min: 16,
            max: 1_073_741_823,
        },
        ApplyMethod::PendingReboot,
    ),
    spec(
        "statement_timeout",
        Engine::Postgres,
        Kind::Millis {
            min: 0,
            max: I32_MAX,
        },
        ApplyMethod::Immediate,
    ),
    spec(
        "work_mem",
        Engine::Postgres,
        Kind::PgMemory {
            unit: 1024,
            min: 64,
            max: I32_MAX,
        },
        ApplyMethod::Immediate,
    ),
];

fn find_spec(engine: Engine, name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.engine == engine && s.name == name)
}

/// A parameter an engine release removed.
#[derive(Debug, Clone, Copy)]
struct Removed {
    name: &'static str,
    engine: Engine,
    /// First release series without it: `(8, 0)`, `(8, 4)`, `(16, 0)`.
    gone_in: (u32, u32),
    /// The release that removed it, for the message.
    release: &'static str,
    /// What replaces it, if anything.
    replacement: Option<&'static str>,
    /// Why / what to do instead.
    note: &'static str,
}

const fn removed(
    name: &'static str,
    engine: Engine,
    gone_in: (u32, u32),
    release: &'static str,
    replacement: Option<&'static str>,
    note: &'static str,
) -> Removed {
    Removed {
        name,
        engine,
        gone_in,
        release,
        replacement,
        note,
    }
}

const QUERY_CACHE_NOTE: &str = "MySQL 8.0 has no query cache at all; drop the override, \
                                the InnoDB buffer pool caches data and indexes";

/// Removed parameters (MySQL 8.0 removals apply to 8.4 as well).
static REMOVED: &[Removed] = &[
    removed(
        "query_cache_size",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0.3",
        None,
        QUERY_CACHE_NOTE,
    ),
    removed(
        "query_cache_type",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0.3",
        None,
        QUERY_CACHE_NOTE,
    ),
    removed(
        "query_cache_limit",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0.3",
        None,
        QUERY_CACHE_NOTE,
    ),
    removed(
        "query_cache_min_res_unit",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0.3",
        None,
        QUERY_CACHE_NOTE,
    ),
    removed(
        "query_cache_wlock_invalidate",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0.3",
        None,
        QUERY_CACHE_NOTE,
    ),
    removed(
        "tx_isolation",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0.3",
        Some("transaction_isolation"),
        "same values, e.g. READ-COMMITTED",
    ),
    removed(
        "tx_read_only",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0.3",
        Some("transaction_read_only"),
        "same values",
    ),
    removed(
        "innodb_file_format",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "Barracuda is the only file format",
    ),
    removed(
        "innodb_file_format_check",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "Barracuda is the only file format",
    ),
    removed(
        "innodb_file_format_max",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "Barracuda is the only file format",
    ),
    removed(
        "innodb_large_prefix",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "large index key prefixes (up to 3072 bytes with the DYNAMIC row format) are always on",
    ),
    removed(
        "innodb_support_xa",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "two-phase commit support for XA transactions is always on",
    ),
    removed(
        "innodb_locks_unsafe_for_binlog",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        Some("transaction_isolation"),
        "READ-COMMITTED gives the same relaxed gap locking",
    ),
    removed(
        "innodb_undo_logs",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        Some("innodb_rollback_segments"),
        "",
    ),
    removed(
        "innodb_checksums",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        Some("innodb_checksum_algorithm"),
        "",
    ),
    removed(
        "log_warnings",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        Some("log_error_verbosity"),
        "",
    ),
    removed(
        "information_schema_stats",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        Some("information_schema_stats_expiry"),
        "",
    ),
    removed(
        "old_passwords",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "the old password hashing and the PASSWORD() function are gone",
    ),
    removed("secure_auth", Engine::Mysql, (8, 0), "MySQL 8.0", None, ""),
    removed(
        "sync_frm",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "there are no .frm files with the transactional data dictionary",
    ),
    removed(
        "date_format",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "it was unused",
    ),
    removed(
        "datetime_format",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "it was unused",
    ),
    removed(
        "time_format",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "it was unused",
    ),
    removed(
        "max_tmp_tables",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "it was unused",
    ),
    removed(
        "metadata_locks_cache_size",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "",
    ),
    removed(
        "metadata_locks_hash_instances",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "",
    ),
    removed(
        "multi_range_count",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "",
    ),
    removed(
        "show_compatibility_56",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "",
    ),
    removed(
        "ignore_builtin_innodb",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "",
    ),
    removed(
        "log_builtin_as_identified_by_password",
        Engine::Mysql,
        (8, 0),
        "MySQL 8.0",
        None,
        "",
    ),
    // Deprecated in 8.0, removed by 8.4.
    removed(
        "default_authentication_plugin",
        Engine::Mysql,
        (8, 4),
        "MySQL 8.4",
        Some("authentication_policy"),
        "",
    ),
    removed(
        "expire_logs_days",
        Engine::Mysql,
        (8, 4),
        "MySQL 8.2",
        Some("binlog_expire_logs_seconds"),
        "",
    ),
    removed(
        "binlog_transaction_dependency_tracking",
        Engine::Mysql,
        (8, 4),
        "MySQL 8.4",
        None,
        "WRITESET dependency tracking is built in",
    ),
    removed(
        "avoid_temporal_upgrade",
        Engine::Mysql,
        (8, 4),
        "MySQL 8.4",
        None,
        "",
    ),
    removed(
        "master_info_repository",
        Engine::Mysql,
        (8, 4),
        "MySQL 8.3",
        None,
        "replication metadata always lives in tables",
    ),
    removed(
        "relay_log_info_repository",
        Engine::Mysql,
        (8, 4),
        "MySQL 8.3",
        None,
        "replication metadata always lives in tables",
    ),
    removed(
        "log_bin_use_v1_row_events",
        Engine::Mysql,
        (8, 4),
        "MySQL 8.3",
        None,
        "",
    ),
    removed(
        "transaction_write_set_extraction",
        Engine::Mysql,
        (8, 4),
        "MySQL 8.3",
        None,
        "",
    ),
    // PostgreSQL
    removed(
        "checkpoint_segments",
        Engine::Postgres,
        (9, 5),
        "PostgreSQL 9.5",
        Some("max_wal_size"),
        "",
    ),
    removed(
        "sql_inheritance",
        Engine::Postgres,
        (10, 0),
        "PostgreSQL 10",
        None,
        "",
    ),
    removed(
        "default_with_oids",
        Engine::Postgres,
        (12, 0),
        "PostgreSQL 12",
        None,
        "",
    ),
    removed(
        "wal_keep_segments",
        Engine::Postgres,
        (13, 0),
        "PostgreSQL 13",
        Some("wal_keep_size"),
        "it is in megabytes rather than segments",
    ),
    removed(
        "operator_precedence_warning",
        Engine::Postgres,
        (14, 0),
        "PostgreSQL 14",
        None,
        "",
    ),
    removed(
        "stats_temp_directory",
        Engine::Postgres,
        (15, 0),
        "PostgreSQL 15",
        None,
        "cumulative statistics live in shared memory",
    ),
    removed(
        "vacuum_defer_cleanup_age",
        Engine::Postgres,
        (16, 0),
        "PostgreSQL 16",
        None,
        "use hot_standby_feedback or a replication slot",
    ),
    removed(
        "promote_trigger_file",
        Engine::Postgres,
        (16, 0),
        "PostgreSQL 16",
        None,
        "",
    ),
    removed(
        "force_parallel_mode",
        Engine::Postgres,
        (16, 0),
        "PostgreSQL 16",
        Some("debug_parallel_query"),
        "",
    ),
    removed(
        "old_snapshot_threshold",
        Engine::Postgres,
        (17, 0),
        "PostgreSQL 17",
        None,
        "",
    ),
    removed(
        "db_user_namespace",
        Engine::Postgres,
        (17, 0),
        "PostgreSQL 17",
        None,
        "",
    ),
];

fn find_removed(engine: Engine, name: &str) -> Option<&'static Removed> {
    REMOVED
        .iter()
        .find(|r| r.engine == engine && r.name == name)
}

fn other_engine(engine: Engine) -> Engine {
    match engine {
        Engine::Mysql => Engine::Postgres,
        Engine::Postgres => Engine::Mysql,
    }
}

/// Names this module knows for `engine` (specs, removed parameters, profile names).
fn known_to(engine: Engine, name: &str) -> bool {
    find_spec(engine, name).is_some() || find_removed(engine, name).is_some()
}

// ---------------------------------------------------------------------------
// Overrides
// ---------------------------------------------------------------------------

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
        && name.starts_with(|c: char| c.is_ascii_lowercase())
}

fn apply_overrides(
    ctx: &Ctx,
    overrides: &BTreeMap<String, String>,
    eff: &mut Effective,
    findings: &mut Vec<Finding>,
) {
    let engine = ctx.engine();
    for (name, raw) in overrides {
        let path = override_path(name);
        let err = |summary: String, detail: String| {
            Finding::new(Severity::Error, override_path(name), summary, detail)
        };
        let warn = |summary: String, detail: String| {
            Finding::new(Severity::Warning, override_path(name), summary, detail)
        };

        // The name.
        if !valid_name(name) {
            let lower = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
            let detail = if !lower.is_empty() && lower != *name && valid_name(&lower) {
                format!(
                    "RDS {} parameter names are lower case with underscores; did you mean \
                     `{lower}`?",
                    engine.display_name()
                )
            } else {
                "a parameter name is made of lower-case letters, digits, `_`, `.` and `-`, \
                 starting with a letter"
                    .to_string()
            };
            findings.push(err(format!("`{name}` is not a parameter name"), detail));
            continue;
        }
        if name.contains('-') {
            let underscored = name.replace('-', "_");
            if known_to(engine, &underscored) {
                findings.push(err(
                    format!("`{name}` is spelled with dashes"),
                    format!(
                        "my.cnf accepts dashes, but the RDS parameter is named `{underscored}`"
                    ),
                ));
                continue;
            }
        }
        if let Some(r) = find_removed(engine, name) {
            if ctx.family.series() >= r.gone_in {
                let mut detail = format!(
                    "{} removed `{name}`, so family `{}` has no such parameter",
                    r.release, ctx.family
                );
                if let Some(rep) = r.replacement {
                    detail.push_str(&format!("; use `{rep}` instead"));
                }
                if !r.note.is_empty() {
                    detail.push_str(&format!(" ({})", r.note));
                }
                detail.push('.');
                findings.push(err(
                    format!("`{name}` does not exist in {}", ctx.family),
                    detail,
                ));
                continue;
            }
            let mut detail = format!(
                "`{name}` is deprecated in {} and removed in {}",
                ctx.family, r.release
            );
            if let Some(rep) = r.replacement {
                detail.push_str(&format!("; prefer `{rep}`"));
            }
            detail.push('.');
            findings.push(warn(format!("`{name}` is deprecated"), detail));
        }
        let other = other_engine(engine);
        if find_spec(engine, name).is_none()
            && find_removed(engine, name).is_none()
            && known_to(other, name)
        {
            findings.push(err(
                format!(
                    "`{name}` is a {} parameter, not a {} one",
                    other.display_name(),
                    engine.display_name()
                ),
                format!(
                    "family `{}` is {}; remove this override or use a {} family",
                    ctx.family,
                    engine.display_name(),
                    other.display_name()
                ),
            ));
            continue;
        }
        if name.starts_with("aurora_") || name.starts_with("apg_") {
            findings.push(err(
                format!("`{name}` is an Aurora parameter"),
                format!(
                    "Aurora-specific parameters do not exist in the RDS family `{}`",
                    ctx.family
                ),
            ));
            continue;
        }

        // The value.
        if raw.is_empty() {
            if eff.remove(name).is_some() {
                findings.push(warn(
                    format!("`{name}` removed from the profile"),
                    "the override is empty, so the parameter is left out and RDS's default \
                     applies"
                        .to_string(),
                ));
            } else {
                findings.push(warn(
                    format!("Empty override for `{name}` has no effect"),
                    "an empty value removes a parameter from the profile, but the profile does \
                     not set this one"
                        .to_string(),
                ));
            }
            continue;
        }
        if raw.trim() != raw {
            findings.push(err(
                format!("The value of `{name}` has leading or trailing blanks"),
                format!("write {:?} without the blanks", raw.trim()),
            ));
            continue;
        }

        match find_spec(engine, name) {
            Some(spec) => match check_value(ctx, spec, raw) {
                Ok(checked) => {
                    for (summary, detail) in checked.warnings {
                        findings.push(warn(summary, detail));
                    }
                    eff.insert(
                        name.clone(),
                        Entry {
                            value: checked.value,
                            apply: spec.apply,
                        },
                    );
                }
                Err((summary, detail)) => findings.push(err(summary, detail)),
            },
            None => {
                // Not in the rule table: check formula syntax, pass the value through.
                if looks_like_expression(raw) {
                    match parse_expr(raw) {
                        Ok(expr) => {
                            if let Some((s, d)) = boolean_variable_misuse(name, &expr) {
                                findings.push(err(s, d));
                                continue;
                            }
                        }
                        Err(detail) => {
                            findings.push(err(format!("Invalid RDS formula in `{name}`"), detail));
                            continue;
                        }
                    }
                }
                findings.push(Finding::new(
                    Severity::Warning,
                    path.clone(),
                    format!("`{name}` is not in the rule table"),
                    format!(
                        "the value is passed through unvalidated with apply_method \
                         pending-reboot (accepted for static and dynamic parameters alike); RDS \
                         rejects it at apply time if family `{}` has no such parameter",
                        ctx.family
                    ),
                ));
                eff.insert(
                    name.clone(),
                    Entry {
                        value: raw.clone(),
                        apply: ApplyMethod::PendingReboot,
                    },
                );
            }
        }
    }
}

/// A checked override value and the warnings it earned.
struct Checked {
    value: String,
    warnings: Vec<(String, String)>,
}

/// Summary and detail of an error.
type Issue = (String, String);

fn check_value(ctx: &Ctx, spec: &Spec, raw: &str) -> Result<Checked, Issue> {
    let name = spec.name;
    let mut warnings = Vec::new();
    let value = match spec.kind {
        Kind::Bytes {
            min,
            max,
            formula,
            memory_bound,
        } => check_bytes(
            ctx,
            name,
            raw,
            min,
            max,
            formula,
            memory_bound,
            &mut warnings,
        )?,
        Kind::PgMemory { unit, min, max } => {
            check_pg_memory(ctx, name, raw, unit, min, max, &mut warnings)?
        }
        Kind::Count { min, max } => check_count(ctx, name, raw, min, max, &mut warnings)?,
        Kind::Millis { min, max } => check_millis(name, raw, min, max)?,
        Kind::Seconds { max } => check_seconds(name, raw, max)?,
        Kind::Bool => check_bool(name, raw)?,
        Kind::Enum(values) => check_enum(name, raw, values)?,
        Kind::Charset => check_identifier(name, raw, "character set")?,
        Kind::Collation => check_identifier(name, raw, "collation")?,
    };
    version_gates(ctx, name)?;
    workload_warnings(ctx, name, &value, &mut warnings);
    if let Some(w) = connection_memory_warning(ctx, name, &value) {
        warnings.push(w);
    }
    Ok(Checked { value, warnings })
}

fn version_gates(ctx: &Ctx, name: &str) -> Result<(), Issue> {
    if ctx.engine() != Engine::Mysql {
        return Ok(());
    }
    if name == "innodb_redo_log_capacity" && !ctx.redo_capacity() {
        return Err((
            "`innodb_redo_log_capacity` needs MySQL 8.0.30 or later".to_string(),
            "engine_version is older than 8.0.30, where the redo log is sized with \
             innodb_log_file_size (bytes per file; two files by default); override that instead"
                .to_string(),
        ));
    }
    Ok(())
}

fn workload_warnings(ctx: &Ctx, name: &str, value: &str, out: &mut Vec<(String, String)>) {
    let hive = ctx.hive();
    match (ctx.engine(), name, value) {
        (Engine::Mysql, "transaction_isolation", v) if hive && v != "READ-COMMITTED" => {
            let why = if v == "READ-UNCOMMITTED" {
                "it lets the metastore read uncommitted rows (dirty reads) of other metastore \
                 transactions"
            } else {
                "InnoDB then takes gap and next-key locks on the metastore's range scans, which \
                 multiplies lock waits and deadlocks between concurrent metastore operations; \
                 READ-COMMITTED is the isolation level recommended for Hive Metastore databases \
                 on MySQL"
            };
            out.push((
                format!("transaction_isolation {v} is worse for a Hive Metastore"),
                format!("{why}."),
            ));
        }
        (Engine::Mysql, "binlog_format", "OFF") => out.push((
            "binlog_format OFF turns off binary logging".to_string(),
            "read replicas and point-in-time restore rely on the binary log".to_string(),
        )),
        (Engine::Mysql, "log_bin_trust_function_creators", "0") if hive => out.push((
            "log_bin_trust_function_creators 0 can break metastore schema scripts".to_string(),
            "with binary logging on (automated backups enabled), MySQL refuses to create stored \
             functions or triggers for users without SUPER, which the RDS master user lacks"
                .to_string(),
        )),
        (Engine::Mysql, "require_secure_transport", "0")
        | (Engine::Postgres, "rds.force_ssl", "0") => out.push((
            format!("{name} 0 allows unencrypted connections"),
            "clients can then send credentials and metadata in clear text; keep 1".to_string(),
        )),
        (Engine::Mysql, "lower_case_table_names", _) => out.push((
            "lower_case_table_names only takes effect when the instance is created".to_string(),
            "from MySQL 8.0 the server fixes it when it initialises the data directory: attach \
             this parameter group when creating the DB instance. Changing it on an existing \
             instance (or restoring a snapshot with another value) fails; read replicas must \
             use the same value."
                .to_string(),
        )),
        (Engine::Mysql, "character_set_server", "utf8" | "utf8mb3") => out.push((
            format!("character_set_server {value} is deprecated"),
            "utf8mb3 (which `utf8` aliases) stores at most 3 bytes per character and is \
             deprecated in MySQL 8; use utf8mb4"
                .to_string(),
        )),
        (Engine::Mysql, "collation_server", v) if hive && v.ends_with("_ci") => out.push((
            format!("collation_server {v} compares case-insensitively"),
            "Hive's MySQL schema declares its name columns latin1_bin (case-sensitive); the \
             tables it creates without an explicit character set inherit the server collation \
             and would treat names differing only in case as duplicates. utf8mb4_bin keeps \
             Hive's semantics"
                .to_string(),
        )),
        (Engine::Mysql, "max_connections", v) if hive => {
            if let Ok(n) = v.parse::<i128>()
                && n < 100
            {
                out.push((
                    format!("max_connections {n} is tight for a Hive Metastore"),
                    "each metastore process opens up to two pools of \
                         datanucleus.connectionPool.maxPoolSize (default 10) connections"
                        .to_string(),
                ));
            }
        }
        (Engine::Postgres, "password_encryption", "md5") => out.push((
            "password_encryption md5 is weaker than scram-sha-256".to_string(),
            "MD5 password hashes are replayable and deprecated by PostgreSQL; keep \
             scram-sha-256 (supported by the PostgreSQL JDBC driver since 42.2)"
                .to_string(),
        )),
        (Engine::Postgres, "idle_in_transaction_session_timeout", "0") => out.push((
            "idle_in_transaction_session_timeout 0 disables the timeout".to_string(),
            "a leaked transaction then holds its locks and blocks vacuum indefinitely".to_string(),
        )),
        (Engine::Postgres, "log_min_duration_statement", "0") => out.push((
            "log_min_duration_statement 0 logs every statement".to_string(),
            "that is a lot of log volume for a busy database; -1 disables, a positive value \
             logs only slower statements"
                .to_string(),
        )),
        (Engine::Postgres, "default_transaction_isolation", v)
            if hive && (v == "serializable" || v == "repeatable read") =>
        {
            out.push((
                format!("default_transaction_isolation {v} is worse for a Hive Metastore"),
                "Hive's metastore is written for read committed (PostgreSQL's default); under \
                 higher levels concurrent metastore writes abort with serialization failures"
                    .to_string(),
            ));
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Value checks by kind
// ---------------------------------------------------------------------------

fn unit_text(unit: i128) -> &'static str {
    match unit {
        1 => "bytes",
        1024 => "kB",
        8192 => "8 kB pages",
        _ => "units",
    }
}

#[allow(clippy::too_many_arguments)]
fn check_bytes(
    ctx: &Ctx,
    name: &str,
    raw: &str,
    min: i128,
    max: i128,
    formula: bool,
    memory_bound: bool,
    warnings: &mut Vec<(String, String)>,
) -> Result<String, Issue> {
    let example = if memory_bound {
        " or a formula such as {DBInstanceClassMemory*3/4}".to_string()
    } else {
        String::new()
    };
    let pct_hint = |r: Ratio| -> String {
        if memory_bound {
            format!(
                " For {} of the instance memory write {}.",
                r.percent_text(),
                memory_formula(r, 1)
            )
        } else {
            String::new()
        }
    };
    match parse_value(raw) {
        Parsed::Int(v) => {
            if v < min {
                if memory_bound && (1..=100).contains(&v) {
                    return Err((
                        format!("{name} is in bytes"),
                        format!(
                            "RDS reads \"{raw}\" as {raw} bytes, below the minimum of {}. The \
                             value is a number of bytes{example}.{}",
                            human_bytes(min),
                            pct_hint(Ratio::new(v, 100))
                        ),
                    ));
                }
                return Err((
                    format!("{name} is below its minimum"),
                    format!(
                        "{raw} bytes is less than the minimum of {min} bytes ({}); the value is \
                         in bytes{example}",
                        human_bytes(min)
                    ),
                ));
            }
            if v > max {
                return Err((
                    format!("{name} is above its maximum"),
                    format!(
                        "{raw} bytes is more than the maximum of {max} bytes ({})",
                        human_bytes(max)
                    ),
                ));
            }
            if memory_bound {
                memory_check_bytes(ctx, name, v, raw, warnings)?;
            }
            Ok(v.to_string())
        }
        Parsed::Expr(expr) => {
            if !formula {
                return Err((
                    format!("{name} takes a plain integer"),
                    format!(
                        "RDS accepts only an integer number of bytes for {name}, not a formula \
                         or function"
                    ),
                ));
            }
            check_expr_vars(ctx, name, &expr, warnings)?;
            if let Some(env) = ctx.env()
                && let Some(upper) = expr.upper_bound(&env)
            {
                if upper < min {
                    return Err((
                        format!("{name} formula is below the minimum"),
                        format!(
                            "{raw} comes to at most {} on {}, less than the minimum of {}",
                            human_bytes(upper),
                            class_name(ctx),
                            human_bytes(min)
                        ),
                    ));
                }
                if memory_bound {
                    memory_check_formula(ctx, name, raw, &expr, upper, 1, warnings)?;
                }
            }
            Ok(raw.to_string())
        }
        Parsed::Percent(r) => Err((
            format!("{name} does not take a percentage"),
            format!(
                "RDS parameter values are integers (bytes for {name}){example}; \"{raw}\" is \
                 rejected.{}",
                pct_hint(r)
            ),
        )),
        Parsed::Decimal(r) => Err((
            format!("{name} takes an integer number of bytes"),
            if memory_bound && r.num < r.den {
                format!(
                    "\"{raw}\" is a fraction; RDS formulas use integer operators, so for {} of \
                     the instance memory write {}.",
                    r.percent_text(),
                    memory_formula(r, 1)
                )
            } else {
                format!("\"{raw}\" is not an integer; give a whole number of bytes{example}")
            },
        )),
        Parsed::WithUnit(number, unit) => match byte_unit(&unit) {
            Some(mult) => {
                let bytes = number.times(mult);
                let exact = match bytes {
                    Some(b) => format!("\"{raw}\" is {b} bytes"),
                    None => format!("\"{raw}\" is not a whole number of bytes"),
                };
                Err((
                    format!("{name} does not take unit suffixes"),
                    format!(
                        "RDS parameter groups take a plain number of bytes, not the K/M/G \
                         suffixes of my.cnf: {exact}.{}",
                        if memory_bound {
                            " A formula such as {DBInstanceClassMemory*3/4} follows the \
                             instance size."
                        } else {
                            ""
                        }
                    ),
                ))
            }
            None => Err((
                format!("{name} is a size in bytes"),
                format!("\"{raw}\" has the unit `{unit}`; give a whole number of bytes{example}"),
            )),
        },
        Parsed::FormulaError(detail) => Err((format!("Invalid RDS formula in {name}"), detail)),
        Parsed::Text => Err((
            format!("{name} takes a number of bytes"),
            format!("\"{raw}\" is not a number; give a whole number of bytes{example}"),
        )),
    }
}

fn class_name(ctx: &Ctx) -> &'static str {
    ctx.class.map_or("this instance class", |c| c.name)
}

/// Error at or above the instance memory; warning above 85 % of it (buffer pool only).
fn memory_check_bytes(
    ctx: &Ctx,
    name: &str,
    bytes: i128,
    raw: &str,
    warnings: &mut Vec<(String, String)>,
) -> Result<(), Issue> {
    let (Some(env), Some(class)) = (ctx.env(), ctx.class) else {
        return Ok(());
    };
    if bytes >= env.memory {
        return Err((
            format!("{name} exceeds the instance memory"),
            format!(
                "{raw} bytes ({}) is not less than the {} GiB of {}, and the memory RDS leaves \
                 to the database (DBInstanceClassMemory) is lower still. Use a formula such as \
                 {{DBInstanceClassMemory*3/4}}, which follows the instance size.",
                human_bytes(bytes),
                class.memory_gib,
                class.name
            ),
        ));
    }
    if name == "innodb_buffer_pool_size" && bytes * 100 > env.memory * 85 {
        warnings.push((
            format!("{name} leaves little memory"),
            format!(
                "{} is more than 85 % of the {} GiB of {}; connections, temporary tables and \
                 the OS need the rest. A formula such as {{DBInstanceClassMemory*3/4}} follows \
                 the instance size.",
                human_bytes(bytes),
                class.memory_gib,
                class.name
            ),
        ));
    }
    Ok(())
}

fn memory_check_formula(
    ctx: &Ctx,
    name: &str,
    raw: &str,
    expr: &Expr,
    upper_units: i128,
    unit: i128,
    warnings: &mut Vec<(String, String)>,
) -> Result<(), Issue> {
    let (Some(env), Some(class)) = (ctx.env(), ctx.class) else {
        return Ok(());
    };
    let bytes = upper_units.saturating_mul(unit);
    let share = match expr.memory_share() {
        Some(r) => {
            let r = r.times_ratio(unit);
            if r.den == 1 && r.num >= 2 {
                format!(
                    "asks for {} times the memory available to the database",
                    r.num
                )
            } else {
                format!(
                    "asks for {} of the memory available to the database",
                    r.percent_text()
                )
            }
        }
        None => format!("comes to up to {} on {}", human_bytes(bytes), class.name),
    };
    if bytes >= env.memory {
        let mut detail = format!(
            "{raw} {share}: not less than the {} GiB of {}.",
            class.memory_gib, class.name
        );
        if unit > 1 && upper_units < env.memory {
            detail.push_str(&format!(
                " {name} is counted in {}, so a formula must divide by {unit} as well: 25 % of \
                 the memory is {}.",
                unit_text(unit),
                memory_formula(Ratio::new(1, 4), unit)
            ));
        } else {
            detail.push_str(&format!(
                " For 3/4 of the memory write {}.",
                memory_formula(Ratio::new(3, 4), unit)
            ));
        }
        return Err((format!("{name} exceeds the instance memory"), detail));
    }
    if name == "innodb_buffer_pool_size" && bytes * 100 > env.memory * 85 {
        warnings.push((
            format!("{name} leaves little memory"),
            format!(
                "{raw} {share}; above 85 % little is left for connections and temporary \
                 tables. RDS's default is {{DBInstanceClassMemory*3/4}}."
            ),
        ));
    }
    Ok(())
}

fn check_pg_memory(
    ctx: &Ctx,
    name: &str,
    raw: &str,
    unit: i128,
    min: i128,
    max: i128,
    warnings: &mut Vec<(String, String)>,
) -> Result<String, Issue> {
    let units = unit_text(unit);
    // Only the cache sizes are naturally a share of memory; the per-operation sizes
    // (work_mem, maintenance_work_mem) are better given as a fixed number of kB.
    let share_param = matches!(name, "shared_buffers" | "effective_cache_size");
    let pct_hint = |r: Ratio| {
        if share_param {
            format!(
                "For {} of the instance memory write {}.",
                r.percent_text(),
                memory_formula(r, unit)
            )
        } else {
            format!("Give a fixed size in {units}, e.g. 65536 for 64 MiB.")
        }
    };
    let value = match parse_value(raw) {
        Parsed::Int(v) => {
            if v < min || v > max {
                return Err((
                    format!("{name} is out of range"),
                    format!(
                        "{name} is counted in {units} and must be between {min} and {max}; \
                         \"{raw}\" is not"
                    ),
                ));
            }
            pg_memory_limits(ctx, name, raw, v.saturating_mul(unit), warnings)?;
            v.to_string()
        }
        Parsed::Expr(expr) => {
            check_expr_vars(ctx, name, &expr, warnings)?;
            if let Some(env) = ctx.env()
                && let Some(upper) = expr.upper_bound(&env)
            {
                if upper < min {
                    return Err((
                        format!("{name} formula is below the minimum"),
                        format!(
                            "{raw} comes to at most {upper} {units} on {}, less than the \
                                 minimum of {min}",
                            class_name(ctx)
                        ),
                    ));
                }
                if name == "effective_cache_size" {
                    pg_memory_limits(ctx, name, raw, upper.saturating_mul(unit), warnings)?;
                } else {
                    memory_check_formula(ctx, name, raw, &expr, upper, unit, warnings)?;
                    pg_memory_limits(ctx, name, raw, upper.saturating_mul(unit), warnings)?;
                }
            }
            raw.to_string()
        }
        Parsed::Percent(r) => {
            return Err((
                format!("{name} does not take a percentage"),
                format!(
                    "RDS takes an integer in {units} for {name}, or a formula; \"{raw}\" is \
                     rejected. {}",
                    pct_hint(r)
                ),
            ));
        }
        Parsed::Decimal(r) => {
            return Err((
                format!("{name} takes an integer"),
                if share_param && r.num < r.den {
                    format!("\"{raw}\" is a fraction. {}", pct_hint(r))
                } else {
                    format!("\"{raw}\" is not an integer; {name} is counted in {units}")
                },
            ));
        }
        Parsed::WithUnit(number, u) => {
            let detail = match pg_memory_unit(&u).and_then(|m| number.times(m)) {
                Some(bytes) => {
                    let converted = bytes / unit;
                    let rounding = if bytes % unit == 0 {
                        String::new()
                    } else {
                        " (rounded down)".to_string()
                    };
                    format!(
                        "RDS takes a plain integer in {name}'s own unit ({units}), not the unit \
                         suffixes of postgresql.conf: \"{raw}\" is {converted}{rounding}."
                    )
                }
                None => {
                    format!("\"{raw}\" has the unit `{u}`; {name} is an integer counted in {units}")
                }
            };
            return Err((format!("{name} does not take unit suffixes"), detail));
        }
        Parsed::FormulaError(detail) => {
            return Err((format!("Invalid RDS formula in {name}"), detail));
        }
        Parsed::Text => {
            return Err((
                format!("{name} takes an integer"),
                format!("\"{raw}\" is not a number; {name} is counted in {units}"),
            ));
        }
    };
    Ok(value)
}

/// PostgreSQL memory limits: errors at the instance memory, warnings where the
/// PostgreSQL documentation advises against the size.
fn pg_memory_limits(
    ctx: &Ctx,
    name: &str,
    raw: &str,
    bytes: i128,
    warnings: &mut Vec<(String, String)>,
) -> Result<(), Issue> {
    let (Some(env), Some(class)) = (ctx.env(), ctx.class) else {
        return Ok(());
    };
    let of_class = format!("the {} GiB of {}", class.memory_gib, class.name);
    match name {
        "effective_cache_size" if bytes > env.memory => warnings.push((
            format!("{name} is larger than the instance memory"),
            format!(
                "{raw} is {} of planner cache estimate, more than {of_class}; the planner will \
                 favour index scans too much",
                human_bytes(bytes)
            ),
        )),
        "effective_cache_size" => {}
        _ if bytes >= env.memory => {
            return Err((
                format!("{name} exceeds the instance memory"),
                format!("{raw} is {}, not less than {of_class}", human_bytes(bytes)),
            ));
        }
        "shared_buffers" if bytes * 10 > env.memory * 4 => warnings.push((
            format!("{name} is above 40 % of memory"),
            format!(
                "{} of {of_class}; PostgreSQL relies on the OS cache as well and rarely gains \
                 from shared_buffers above 40 % of RAM",
                human_bytes(bytes)
            ),
        )),
        "work_mem" | "maintenance_work_mem" if bytes * 4 > env.memory => warnings.push((
            format!("{name} is above 25 % of memory"),
            format!(
                "{} of {of_class}; every sort or hash (work_mem) or every maintenance and \
                 autovacuum worker (maintenance_work_mem) may use this much at once",
                human_bytes(bytes)
            ),
        )),
        _ => {}
    }
    Ok(())
}

fn check_count(
    ctx: &Ctx,
    name: &str,
    raw: &str,
    min: i128,
    max: i128,
    warnings: &mut Vec<(String, String)>,
) -> Result<String, Issue> {
    match parse_value(raw) {
        Parsed::Int(v) if (min..=max).contains(&v) => Ok(v.to_string()),
        Parsed::Int(_) => Err((
            format!("{name} is out of range"),
            format!("{name} must be between {min} and {max}; \"{raw}\" is not"),
        )),
        Parsed::Expr(expr) => {
            check_expr_vars(ctx, name, &expr, warnings)?;
            if let Some(upper) = ctx.env().and_then(|env| expr.upper_bound(&env))
                && upper < min
            {
                return Err((
                    format!("{name} formula is below the minimum"),
                    format!(
                        "{raw} comes to at most {upper} on {}, less than {min}",
                        class_name(ctx)
                    ),
                ));
            }
            Ok(raw.to_string())
        }
        Parsed::FormulaError(detail) => Err((format!("Invalid RDS formula in {name}"), detail)),
        _ => Err((
            format!("{name} takes a whole number"),
            format!(
                "\"{raw}\" is not a whole number; give an integer between {min} and {max} or a \
                 formula such as {{DBInstanceClassMemory/12582880}}"
            ),
        )),
    }
}

/// A decimal number of seconds from 0 to `max`, at most six decimals (MySQL keeps microseconds).
fn check_seconds(name: &str, raw: &str, max: u64) -> Result<String, Issue> {
    let bad = || {
        (
            format!("{name} takes seconds"),
            format!(
                "\"{raw}\" is not a number of seconds; give a value from 0 to {max}, with at most \
                 six decimals (e.g. 2 or 0.5)"
            ),
        )
    };
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |d: &str| d.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 6 || raw.ends_with('.') {
        return Err(bad());
    }
    let secs: u64 = whole.parse().map_err(|_| bad())?;
    let over = secs > max || (secs == max && frac.chars().any(|c| c != '0'));
    if over {
        return Err((
            format!("{name} is out of range"),
            format!("{name} must be between 0 and {max} seconds; \"{raw}\" is not"),
        ));
    }
    Ok(raw.to_string())
}

/// How many connections the instance class holds at the engine's per-connection memory, as
/// RDS's own default for `max_connections` counts them (see [`MYSQL_CONNECTION_DIVISOR`] and
/// [`POSTGRES_CONNECTION_DIVISOR`]). The nominal class memory is used; the
/// `DBInstanceClassMemory` RDS substitutes is somewhat smaller, so this errs on the generous side.
fn connections_held(engine: Engine, class: &InstanceClass) -> u64 {
    let divisor = match engine {
        Engine::Mysql => MYSQL_CONNECTION_DIVISOR,
        Engine::Postgres => POSTGRES_CONNECTION_DIVISOR,
    };
    class.memory_bytes() / divisor
}

/// Warning for a whole-number `max_connections` larger than the instance class can hold.
fn connection_memory_warning(ctx: &Ctx, name: &str, value: &str) -> Option<(String, String)> {
    if name != "max_connections" {
        return None;
    }
    let class = ctx.class?;
    let n: u64 = value.parse().ok()?;
    let held = connections_held(ctx.engine(), class);
    if n <= held {
        return None;
    }
    let formula = match ctx.engine() {
        Engine::Mysql => format!("{{DBInstanceClassMemory/{MYSQL_CONNECTION_DIVISOR}}}"),
        Engine::Postgres => {
            format!("LEAST({{DBInstanceClassMemory/{POSTGRES_CONNECTION_DIVISOR}}},5000)")
        }
    };
    Some((
        format!("max_connections {n} is more than {} can hold", class.name),
        format!(
            "RDS sizes {} connections at the memory its default {formula} assumes for each; \
             {} has {} GiB, enough for about {held} connections. With {n} open at once the \
             instance risks running out of memory: use a larger instance class, or a formula \
             such as LEAST({{DBInstanceClassMemory/{}}},{n}) that follows the class.",
            ctx.engine().display_name(),
            class.name,
            class.memory_gib,
            match ctx.engine() {
                Engine::Mysql => MYSQL_CONNECTION_DIVISOR,
                Engine::Postgres => POSTGRES_CONNECTION_DIVISOR,
            },
        ),
    ))
}

fn check_millis(name: &str, raw: &str, min: i128, max: i128) -> Result<String, Issue> {
    match parse_value(raw) {
        Parsed::Int(v) if (min..=max).contains(&v) => Ok(v.to_string()),
        Parsed::Int(_) => Err((
            format!("{name} is out of range"),
            format!("{name} is in milliseconds between {min} and {max}; \"{raw}\" is not"),
        )),
        Parsed::WithUnit(number, unit) => {
            let detail = match time_unit_ms(&unit).and_then(|m| number.times(m)) {
                Some(ms) => format!(
                    "RDS takes a plain integer in milliseconds for {name}, not the unit \
                     suffixes of postgresql.conf: \"{raw}\" is {ms}"
                ),
                None => format!("\"{raw}\" has the unit `{unit}`; {name} is in milliseconds"),
            };
            Err((format!("{name} does not take unit suffixes"), detail))
        }
        Parsed::FormulaError(detail) => Err((format!("Invalid RDS formula in {name}"), detail)),
        _ => Err((
            format!("{name} takes milliseconds"),
            format!("\"{raw}\" is not a whole number of milliseconds"),
        )),
    }
}

fn check_bool(name: &str, raw: &str) -> Result<String, Issue> {
    match raw.to_ascii_lowercase().as_str() {
        "1" | "on" | "true" => Ok("1".to_string()),
        "0" | "off" | "false" => Ok("0".to_string()),
        _ => Err((
            format!("{name} takes 0 or 1"),
            format!("\"{raw}\" is not a boolean; RDS stores {name} as 0 or 1"),
        )),
    }
}

fn squash(s: &str) -> String {
    s.to_ascii_lowercase()
        .chars()
        .map(|c| if c == '-' || c == '_' { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_enum(name: &str, raw: &str, values: &[&str]) -> Result<String, Issue> {
    if let Some(v) = values.iter().find(|v| v.eq_ignore_ascii_case(raw)) {
        return Ok((*v).to_string());
    }
    let quoted = values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(v) = values.iter().find(|v| squash(v) == squash(raw)) {
        return Err((
            format!("{name} value is misspelled"),
            format!("did you mean \"{v}\"? Allowed values: {quoted}"),
        ));
    }
    Err((
        format!("{name} does not accept \"{raw}\""),
        format!("allowed values: {quoted}"),
    ))
}

fn check_identifier(name: &str, raw: &str, what: &str) -> Result<String, Issue> {
    let lower = raw.to_ascii_lowercase();
    let ok = lower.starts_with(|c: char| c.is_ascii_lowercase())
        && lower
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(lower)
    } else {
        Err((
            format!("{name} is not a {what} name"),
            format!("\"{raw}\" is not a MySQL {what} name such as utf8mb4 / utf8mb4_bin"),
        ))
    }
}

/// Variables used where they make no sense.
fn check_expr_vars(
    ctx: &Ctx,
    name: &str,
    expr: &Expr,
    warnings: &mut Vec<(String, String)>,
) -> Result<(), Issue> {
    if let Some(issue) = boolean_variable_misuse(name, expr) {
        return Err(issue);
    }
    for var in expr.vars() {
        match var {
            Var::EndPointPort => {
                return Err((
                    format!("{name} formula uses EndPointPort"),
                    "EndPointPort is the port number of the instance, not a size or count"
                        .to_string(),
                ));
            }
            Var::AllocatedStorage => warnings.push((
                format!("{name} formula uses AllocatedStorage"),
                "AllocatedStorage is the size of the data volume, not memory; the value will \
                 change with the storage, not with the instance class"
                    .to_string(),
            )),
            Var::DbInstanceVcpu if ctx.engine() == Engine::Mysql => warnings.push((
                format!("{name} formula uses DBInstanceVCPU"),
                "the RDS documentation has described DBInstanceVCPU as supported only for \
                 PostgreSQL; RDS may reject it for MySQL"
                    .to_string(),
            )),
            _ => {}
        }
    }
    Ok(())
}

fn boolean_variable_misuse(name: &str, expr: &Expr) -> Option<Issue> {
    expr.vars()
        .into_iter()
        .find(|v| matches!(v, Var::TrueIfReplica | Var::DbInstanceClassHugePagesDefault))
        .map(|v| {
            (
                format!("{name} formula uses {}", v.as_str()),
                format!(
                    "{} is a Boolean (0 or 1), not a quantity{}",
                    v.as_str(),
                    if v == Var::DbInstanceClassHugePagesDefault {
                        ", and RDS supports it only for Oracle"
                    } else {
                        ""
                    }
                ),
            )
        })
}

// ---------------------------------------------------------------------------
// Value syntax: numbers, units, RDS formulas and functions
// ---------------------------------------------------------------------------

/// An exact non-negative rational, kept reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ratio {
    num: i128,
    den: i128,
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

impl Ratio {
    fn new(num: i128, den: i128) -> Self {
        let g = gcd(num, den);
        Ratio {
            num: num / g,
            den: den / g,
        }
    }

    /// `self * m` when it is a whole number.
    fn times(self, m: i128) -> Option<i128> {
        let p = self.num.checked_mul(m)?;
        (p % self.den == 0).then_some(p / self.den)
    }

    fn times_ratio(self, m: i128) -> Ratio {
        Ratio::new(self.num.saturating_mul(m), self.den)
    }

    /// `75 %`, `62.5 %`, `1/3`.
    fn percent_text(self) -> String {
        let hundred = Ratio::new(self.num.saturating_mul(100), self.den);
        if hundred.den == 1 {
            format!("{} %", hundred.num)
        } else if hundred.den <= 10 && 10 % hundred.den == 0 {
            let tenths = hundred.num * (10 / hundred.den);
            format!("{}.{} %", tenths / 10, tenths % 10)
        } else {
            format!("{}/{}", self.num, self.den)
        }
    }
}

/// `{DBInstanceClassMemory*n/d}` for a share `r` of memory in units of `unit` bytes.
fn memory_formula(r: Ratio, unit: i128) -> String {
    let f = Ratio::new(r.num, r.den.saturating_mul(unit));
    if f.num == 1 {
        format!("{{DBInstanceClassMemory/{}}}", f.den)
    } else if f.den == 1 {
        format!("{{DBInstanceClassMemory*{}}}", f.num)
    } else {
        format!("{{DBInstanceClassMemory*{}/{}}}", f.num, f.den)
    }
}

fn human_bytes(b: i128) -> String {
    const UNITS: [(i128, &str); 4] = [
        (1 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    for (size, name) in UNITS {
        if b >= size {
            let tenths = b * 10 / size;
            return if tenths % 10 == 0 {
                format!("{} {name}", tenths / 10)
            } else {
                format!("{}.{} {name}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{b} bytes")
}

/// MySQL option-file size suffixes (binary multiples).
fn byte_unit(unit: &str) -> Option<i128> {
    let u = unit.to_ascii_lowercase();
    let base = u.trim_end_matches("ib").trim_end_matches('b');
    Some(match base {
        "" if u == "b" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return None,
    })
}

/// postgresql.conf memory units (PostgreSQL's are binary multiples).
fn pg_memory_unit(unit: &str) -> Option<i128> {
    match unit.to_ascii_lowercase().as_str() {
        "b" => Some(1),
        "kb" | "k" | "kib" => Some(1 << 10),
        "mb" | "m" | "mib" => Some(1 << 20),
        "gb" | "g" | "gib" => Some(1 << 30),
        "tb" | "t" | "tib" => Some(1 << 40),
        _ => None,
    }
}

/// postgresql.conf time units, in milliseconds.
fn time_unit_ms(unit: &str) -> Option<i128> {
    match unit.to_ascii_lowercase().as_str() {
        "us" => None,
        "ms" => Some(1),
        "s" | "sec" | "secs" | "second" | "seconds" => Some(1000),
        "min" | "mins" | "minute" | "minutes" => Some(60_000),
        "h" | "hour" | "hours" => Some(3_600_000),
        "d" | "day" | "days" => Some(86_400_000),
        _ => None,
    }
}

/// What a value looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Parsed {
    /// A whole number.
    Int(i128),
    /// A valid RDS formula or function.
    Expr(Expr),
    /// `70%`.
    Percent(Ratio),
    /// `0.75`.
    Decimal(Ratio),
    /// `8G`, `16MB`, `5s`.
    WithUnit(Ratio, String),
    /// Looks like a formula but is not a valid one.
    FormulaError(String),
    /// Anything else.
    Text,
}

/// Largest integer accepted anywhere (keeps arithmetic far from overflow).
const MAX_LITERAL: i128 = 1_000_000_000_000_000_000_000;

fn looks_like_expression(raw: &str) -> bool {
    raw.contains(['{', '}'])
        || raw.split('(').next().is_some_and(|head| {
            raw.contains('(')
                && head.trim().chars().all(|c| c.is_ascii_alphabetic())
                && !head.trim().is_empty()
        })
}

fn parse_value(raw: &str) -> Parsed {
    if looks_like_expression(raw) {
        return match parse_expr(raw) {
            Ok(e) => Parsed::Expr(e),
            Err(d) => Parsed::FormulaError(d),
        };
    }
    let s = raw.trim();
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, s),
    };
    let int_len = body.bytes().take_while(u8::is_ascii_digit).count();
    if int_len == 0 {
        return Parsed::Text;
    }
    let (int_part, rest) = body.split_at(int_len);
    let (frac_part, rest) = match rest.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return Parsed::Text;
            }
            r.split_at(n)
        }
        None => ("", rest),
    };
    if int_part.len() + frac_part.len() > 24 {
        return Parsed::Text;
    }
    let digits = format!("{int_part}{frac_part}");
    let Ok(mantissa) = digits.parse::<i128>() else {
        return Parsed::Text;
    };
    let scale = 10_i128.pow(u32::try_from(frac_part.len()).unwrap_or(0));
    let number = Ratio::new(sign * mantissa, scale);
    let unit = rest.trim_start();
    if unit.is_empty() {
        if frac_part.is_empty() {
            if mantissa > MAX_LITERAL {
                return Parsed::Text;
            }
            return Parsed::Int(sign * mantissa);
        }
        return Parsed::Decimal(number);
    }
    if unit == "%" {
        return Parsed::Percent(Ratio::new(number.num, number.den.saturating_mul(100)));
    }
    if unit.chars().all(|c| c.is_ascii_alphabetic()) {
        return Parsed::WithUnit(number, unit.to_string());
    }
    Parsed::Text
}

/// An RDS formula variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    AllocatedStorage,
    DbInstanceClassHugePagesDefault,
    DbInstanceClassMemory,
    DbInstanceVcpu,
    EndPointPort,
    TrueIfReplica,
}

impl Var {
    const ALL: [Var; 6] = [
        Var::AllocatedStorage,
        Var::DbInstanceClassHugePagesDefault,
        Var::DbInstanceClassMemory,
        Var::DbInstanceVcpu,
        Var::EndPointPort,
        Var::TrueIfReplica,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Var::AllocatedStorage => "AllocatedStorage",
            Var::DbInstanceClassHugePagesDefault => "DBInstanceClassHugePagesDefault",
            Var::DbInstanceClassMemory => "DBInstanceClassMemory",
            Var::DbInstanceVcpu => "DBInstanceVCPU",
            Var::EndPointPort => "EndPointPort",
            Var::TrueIfReplica => "TrueIfReplica",
        }
    }
}

/// `{Var}`, `{Var*m}`, `{Var/d}`, `{Var*m/d}`, or the log form `{log(Var/d)*m}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Formula {
    var: Var,
    mul: i128,
    div: i128,
    log: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Greatest,
    Least,
    Sum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    Int(i128),
    Formula(Formula),
}

/// A valid RDS formula or function call.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Formula(Formula),
    Call(Func, Vec<Arg>),
}

/// What the formula variables are worth for one instance class (upper bounds).
#[derive(Debug, Clone, Copy)]
struct Env {
    memory: i128,
    vcpu: i128,
}

impl Formula {
    fn upper_bound(&self, env: &Env) -> Option<i128> {
        let base = match self.var {
            Var::DbInstanceClassMemory => env.memory,
            Var::DbInstanceVcpu => env.vcpu,
            _ => return None,
        };
        if self.log {
            // log base 2 of (base / div), times mul; only used for range checks.
            let x = base / self.div;
            if x <= 0 {
                return Some(0);
            }
            let log2 = i128::from(127 - x.leading_zeros());
            return log2.checked_mul(self.mul);
        }
        base.checked_mul(self.mul).map(|p| p / self.div)
    }
}

impl Arg {
    fn upper_bound(&self, env: &Env) -> Option<i128> {
        match self {
            Arg::Int(v) => Some(*v),
            Arg::Formula(f) => f.upper_bound(env),
        }
    }
}

impl Expr {
    /// An upper bound of the value on the instance described by `env`, if it can
    /// be computed (RDS's `DBInstanceClassMemory` is below the nominal memory).
    fn upper_bound(&self, env: &Env) -> Option<i128> {
        match self {
            Expr::Formula(f) => f.upper_bound(env),
            Expr::Call(Func::Greatest, args) => args
                .iter()
                .map(|a| a.upper_bound(env))
                .collect::<Option<Vec<_>>>()
                .and_then(|v| v.into_iter().max()),
            // LEAST is at most its smallest known argument.
            Expr::Call(Func::Least, args) => args.iter().filter_map(|a| a.upper_bound(env)).min(),
            Expr::Call(Func::Sum, args) => args
                .iter()
                .map(|a| a.upper_bound(env))
                .try_fold(0_i128, |acc, v| acc.checked_add(v?)),
        }
    }

    /// The share of memory of a lone linear memory formula.
    fn memory_share(&self) -> Option<Ratio> {
        match self {
            Expr::Formula(Formula {
                var: Var::DbInstanceClassMemory,
                mul,
                div,
                log: false,
            }) => Some(Ratio::new(*mul, *div)),
            _ => None,
        }
    }

    fn vars(&self) -> Vec<Var> {
        match self {
            Expr::Formula(f) => vec![f.var],
            Expr::Call(_, args) => args
                .iter()
                .filter_map(|a| match a {
                    Arg::Formula(f) => Some(f.var),
                    Arg::Int(_) => None,
                })
                .collect(),
        }
    }
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> &'a str {
        self.skip_ws();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn integer(&mut self, what: &str) -> Result<i128, String> {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.s[start..self.pos];
        if self.peek() == Some('.') {
            return Err(format!(
                "{what} must be a whole number: RDS formulas use integer operators, so write a \
                 share such as 0.75 as *3/4"
            ));
        }
        if digits.is_empty() {
            return Err(match self.peek() {
                Some(c) => format!("expected a whole number for {what}, found `{c}`"),
                None => format!("expected a whole number for {what}, found the end of the value"),
            });
        }
        match digits.parse::<i128>() {
            Ok(v) if v <= MAX_LITERAL => Ok(v),
            _ => Err(format!("{what} `{digits}` is too large")),
        }
    }
}

const VARIABLES_TEXT: &str = "AllocatedStorage, DBInstanceClassMemory, DBInstanceVCPU, \
                              EndPointPort, TrueIfReplica, DBInstanceClassHugePagesDefault";

fn parse_var(c: &mut Cursor<'_>) -> Result<Var, String> {
    let name = c.ident();
    if name.is_empty() {
        return Err(match c.peek() {
            Some(ch) => format!("expected a formula variable inside the braces, found `{ch}`"),
            None => "expected a formula variable inside the braces".to_string(),
        });
    }
    if let Some(v) = Var::ALL.iter().find(|v| v.as_str() == name) {
        return Ok(*v);
    }
    if let Some(v) = Var::ALL
        .iter()
        .find(|v| v.as_str().eq_ignore_ascii_case(name))
    {
        return Err(format!(
            "formula variable names are case-sensitive: write `{}`, not `{name}`",
            v.as_str()
        ));
    }
    Err(format!(
        "`{name}` is not an RDS formula variable; the variables are {VARIABLES_TEXT}"
    ))
}

/// Parses `{...}` starting at the cursor.
fn parse_braced(c: &mut Cursor<'_>) -> Result<Formula, String> {
    if !c.eat('{') {
        return Err("a formula starts with `{`".to_string());
    }
    c.skip_ws();
    let checkpoint = c.pos;
    let word = c.ident();
    if word == "log" && c.eat('(') {
        let var = parse_var(c)?;
        if !c.eat('/') {
            return Err("a log expression reads {log(Variable/Integer)*Integer}".to_string());
        }
        let div = nonzero(c.integer("the divisor")?, "divide by")?;
        if !c.eat(')') {
            return Err("a log expression reads {log(Variable/Integer)*Integer}".to_string());
        }
        let mul = if c.eat('*') {
            nonzero(c.integer("the multiplier")?, "multiply by")?
        } else {
            1
        };
        close_brace(c)?;
        return Ok(Formula {
            var,
            mul,
            div,
            log: true,
        });
    }
    c.pos = checkpoint;
    let var = parse_var(c)?;
    let mut mul = 1;
    let mut div = 1;
    if c.eat('*') {
        mul = nonzero(c.integer("the multiplier")?, "multiply by")?;
    }
    if c.eat('/') {
        div = nonzero(c.integer("the divisor")?, "divide by")?;
        if c.eat('*') {
            return Err(
                "RDS formulas read {Variable*Integer/Integer}: put the multiplication first, \
                 e.g. {DBInstanceClassMemory*3/4}"
                    .to_string(),
            );
        }
    }
    close_brace(c)?;
    Ok(Formula {
        var,
        mul,
        div,
        log: false,
    })
}

fn nonzero(v: i128, what: &str) -> Result<i128, String> {
    if v == 0 {
        Err(format!("a formula cannot {what} 0"))
    } else {
        Ok(v)
    }
}

fn close_brace(c: &mut Cursor<'_>) -> Result<(), String> {
    if c.eat('}') {
        return Ok(());
    }
    Err(match c.peek() {
        Some(op @ ('+' | '-' | '%' | '^')) => format!(
            "RDS formulas support only `*` and `/` between a variable and integers, not `{op}`; \
             GREATEST, LEAST and SUM combine formulas"
        ),
        Some(ch) => format!("expected `}}` to close the formula, found `{ch}`"),
        None => "the formula is missing its closing `}`".to_string(),
    })
}

fn parse_expr(raw: &str) -> Result<Expr, String> {
    if raw.contains(char::is_whitespace) {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        return Err(format!(
            "RDS formulas are written without blanks; write `{compact}`"
        ));
    }
    let mut c = Cursor { s: raw, pos: 0 };
    c.skip_ws();
    let expr = if c.peek() == Some('{') {
        Expr::Formula(parse_braced(&mut c)?)
    } else {
        let name = if c.peek().is_some_and(|ch| ch.is_ascii_alphabetic()) {
            c.ident()
        } else {
            ""
        };
        if name.is_empty() {
            return Err(
                "a formula must be the whole value: {Variable*Integer/Integer}, or a function \
                 GREATEST(...), LEAST(...), SUM(...) of integers and formulas"
                    .to_string(),
            );
        }
        let func = match name.to_ascii_uppercase().as_str() {
            "GREATEST" => Func::Greatest,
            "LEAST" => Func::Least,
            "SUM" => Func::Sum,
            "IF" => {
                return Err("RDS supports the IF function only for Oracle".to_string());
            }
            "LOG" => {
                return Err(
                    "a log expression goes inside braces: {log(DBInstanceClassMemory/Integer)*Integer}"
                        .to_string(),
                );
            }
            _ if Var::ALL
                .iter()
                .any(|v| v.as_str().eq_ignore_ascii_case(name)) =>
            {
                return Err(format!("formula variables go inside braces: {{{name}}}"));
            }
            _ => {
                return Err(format!(
                    "`{name}` is not an RDS parameter function; the functions are GREATEST, \
                     LEAST and SUM"
                ));
            }
        };
        if !c.eat('(') {
            return Err(format!("expected `(` after {name}"));
        }
        let mut args = Vec::new();
        loop {
            c.skip_ws();
            match c.peek() {
                Some(',' | ')') => {
                    return Err(format!("{name} has an empty argument"));
                }
                Some('{') => args.push(Arg::Formula(parse_braced(&mut c)?)),
                Some(ch) if ch.is_ascii_digit() => args.push(Arg::Int(c.integer("an argument")?)),
                Some(ch) if ch.is_ascii_alphabetic() => {
                    let inner = c.ident();
                    return Err(if c.eat('(') {
                        format!(
                            "functions cannot be nested ({inner} inside {name}); arguments are \
                             integers or {{formulas}}"
                        )
                    } else {
                        format!(
                            "`{inner}` must be a {{formula}} in braces, e.g. {{{inner}}}, or an \
                             integer"
                        )
                    });
                }
                Some('-') => {
                    return Err(format!("{name} arguments cannot be negative"));
                }
                Some(ch) => return Err(format!("unexpected `{ch}` in the arguments of {name}")),
                None => return Err(format!("{name}( is missing its closing `)`")),
            }
            if c.eat(',') {
                continue;
            }
            if c.eat(')') {
                break;
            }
            return Err(match c.peek() {
                Some(ch) => format!("expected `,` or `)` in {name}(...), found `{ch}`"),
                None => format!("{name}( is missing its closing `)`"),
            });
        }
        Expr::Call(func, args)
    };
    c.skip_ws();
    let rest = c.rest();
    if rest.is_empty() {
        return Ok(expr);
    }
    if rest.chars().all(|ch| ch.is_ascii_alphabetic()) {
        return Err(format!(
            "remove the `{rest}` after the formula: a formula already yields the parameter's \
             own unit, and RDS rejects unit suffixes"
        ));
    }
    Err(format!(
        "unexpected `{rest}` after the formula; a formula or function must be the whole value"
    ))
}

// ---------------------------------------------------------------------------
// Checks across parameters
// ---------------------------------------------------------------------------

/// The collation MySQL would pair with a character set for the Hive profile.
fn bin_collation(charset: &str) -> String {
    match charset {
        "binary" => "binary".to_string(),
        "utf8" => "utf8mb3_bin".to_string(),
        cs => format!("{cs}_bin"),
    }
}

/// The character set a collation belongs to (by MySQL's naming convention).
fn collation_charset(collation: &str) -> &str {
    if collation == "binary" {
        return "binary";
    }
    collation.split('_').next().unwrap_or(collation)
}

fn same_charset(a: &str, b: &str) -> bool {
    let norm = |s: &str| if s == "utf8" { "utf8mb3" } else { s }.to_string();
    norm(a) == norm(b)
}

fn cross_checks(
    ctx: &Ctx,
    overrides: &BTreeMap<String, String>,
    eff: &mut Effective,
    findings: &mut Vec<Finding>,
) {
    if ctx.engine() != Engine::Mysql {
        return;
    }
    let overridden = |n: &str| overrides.get(n).is_some_and(|v| !v.is_empty());

    // Character set and collation must agree, or mysqld refuses to start.
    let charset = eff
        .get("character_set_server")
        .map(|e| e.value.clone())
        .unwrap_or_else(|| "utf8mb4".to_string());
    if let Some(coll) = eff.get("collation_server").map(|e| e.value.clone()) {
        let coll_cs = collation_charset(&coll).to_string();
        if !same_charset(&coll_cs, &charset) {
            if overridden("character_set_server") && !overridden("collation_server") {
                let fixed = bin_collation(&charset);
                findings.push(Finding::new(
                    Severity::Warning,
                    override_path("character_set_server"),
                    "collation_server adjusted to the character set".to_string(),
                    format!(
                        "the profile's {coll} belongs to {coll_cs}, so collation_server is set \
                         to {fixed} to match character_set_server {charset}; override \
                         collation_server to choose another"
                    ),
                ));
                if let Some(e) = eff.get_mut("collation_server") {
                    e.value = fixed;
                }
            } else {
                findings.push(Finding::new(
                    Severity::Error,
                    override_path("collation_server"),
                    format!("collation_server {coll} does not belong to character set {charset}"),
                    format!(
                        "{coll} is a collation of {coll_cs}, but character_set_server is \
                         {charset}; MySQL rejects the pair and the instance would not start. \
                         Use a {charset}_... collation such as {}",
                        bin_collation(&charset)
                    ),
                ));
            }
        }
    }

    // Statement-based binary logging is impossible under READ-COMMITTED with InnoDB.
    let binlog = eff.get("binlog_format").map(|e| e.value.as_str());
    let isolation = eff
        .get("transaction_isolation")
        .map_or("REPEATABLE-READ", |e| e.value.as_str());
    if binlog == Some("STATEMENT") && matches!(isolation, "READ-COMMITTED" | "READ-UNCOMMITTED") {
        let at = if overridden("binlog_format") {
            "binlog_format"
        } else {
            "transaction_isolation"
        };
        findings.push(Finding::new(
            Severity::Error,
            override_path(at),
            format!("binlog_format STATEMENT cannot log {isolation} transactions"),
            format!(
                "InnoDB allows only row-based binary logging at {isolation}, so with binary \
                 logging on (it is whenever automated backups are enabled) every write would \
                 fail. Use binlog_format ROW or MIXED."
            ),
        ));
    }

    // innodb_log_file_size is ignored once innodb_redo_log_capacity is set.
    if overridden("innodb_log_file_size") && eff.contains_key("innodb_log_file_size") {
        if eff.contains_key("innodb_redo_log_capacity") {
            findings.push(Finding::new(
                Severity::Error,
                override_path("innodb_log_file_size"),
                "innodb_log_file_size has no effect here".to_string(),
                "from MySQL 8.0.30 innodb_redo_log_capacity sizes the redo log and MySQL ignores \
                 innodb_log_file_size; override innodb_redo_log_capacity (total bytes of redo) \
                 instead"
                    .to_string(),
            ));
        } else if ctx.redo_capacity() {
            findings.push(Finding::new(
                Severity::Warning,
                override_path("innodb_log_file_size"),
                "innodb_log_file_size is deprecated".to_string(),
                "from MySQL 8.0.30 the redo log is sized with innodb_redo_log_capacity".to_string(),
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// (family, version, major, minor, patch)
    type VersionCase = (Family, &'static str, u32, Option<u32>, Option<u32>);
    /// (family, overrides, override that gets the warning, expected text)
    type WarningCase = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
    );
    /// (overrides, override that gets the error if any)
    type BinlogCase = (
        &'static [(&'static str, &'static str)],
        Option<&'static str>,
    );

    fn input(family: &str, class: &str, overrides: &[(&str, &str)]) -> ProfileInput {
        ProfileInput {
            family: family.to_string(),
            workload: None,
            instance_class: class.to_string(),
            engine_version: None,
            overrides: overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn ok(i: &ProfileInput) -> Profile {
        profile(i).unwrap_or_else(|f| {
            panic!(
                "expected a profile, got:\n{}",
                f.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    fn errs(i: &ProfileInput) -> Vec<Finding> {
        match profile(i) {
            Ok(p) => panic!("expected errors, got {p:?}"),
            Err(f) => f,
        }
    }

    fn value<'a>(p: &'a Profile, name: &str) -> Option<&'a Parameter> {
        p.parameters.iter().find(|x| x.name == name)
    }

    fn table(p: &Profile) -> Vec<(String, String, &'static str)> {
        p.parameters
            .iter()
            .map(|x| (x.name.clone(), x.value.clone(), x.apply_method.as_str()))
            .collect()
    }

    fn owned(rows: &[(&str, &str, &'static str)]) -> Vec<(String, String, &'static str)> {
        rows.iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
            .collect()
    }

    // ----- families, workloads, versions -----

    #[test]
    fn family_parsing() {
        for f in Family::ALL {
            assert_eq!(f.as_str().parse::<Family>(), Ok(f));
            assert_eq!(f.to_string(), f.as_str());
        }
        let cases: &[(&str, &str)] = &[
            ("aurora-mysql8.0", "is an Aurora family"),
            ("aurora-postgresql15", "aws_rds_cluster_parameter_group"),
            ("aurora-postgresql16", "is an Aurora family"),
            ("MySQL8.0", "did you mean `mysql8.0`?"),
            ("mysql5.7", "covers only the families listed"),
            ("postgres13", "covers only the families listed"),
            ("mariadb10.11", "covers only the families listed"),
            ("mysq8.0", "did you mean `mysql8.0`?"),
            (
                "nonsense-family-name",
                "is not a supported parameter group family.",
            ),
        ];
        for (s, expect) in cases {
            let e = s.parse::<Family>().expect_err(s);
            let msg = e.to_string();
            assert!(msg.contains(expect), "{s}: {msg}");
            assert!(
                msg.contains(
                    "Supported families: mysql8.0, mysql8.4, postgres14, postgres15, postgres16, \
                     postgres17"
                ),
                "{s}: {msg}"
            );
        }
    }

    #[test]
    fn workload_parsing() {
        assert_eq!("hive_metastore".parse(), Ok(Workload::HiveMetastore));
        assert_eq!("general".parse(), Ok(Workload::General));
        assert_eq!(Workload::default(), Workload::HiveMetastore);
        let cases: &[(&str, &str)] = &[
            ("hive-metastore", "did you mean `hive_metastore`?"),
            ("Hive Metastore", "did you mean `hive_metastore`?"),
            ("hive", "did you mean `hive_metastore`?"),
            (
                "oltp",
                "Known workloads: hive_metastore (the default), general",
            ),
        ];
        for (s, expect) in cases {
            let e = s.parse::<Workload>().expect_err(s);
            assert!(e.to_string().contains(expect), "{s}: {e}");
        }
    }

    #[test]
    fn engine_versions() {
        let good: &[VersionCase] = &[
            (Family::Mysql80, "8.0.36", 8, Some(0), Some(36)),
            (Family::Mysql80, "8.0", 8, Some(0), None),
            (Family::Mysql84, "8.4.3", 8, Some(4), Some(3)),
            (Family::Postgres16, "16.3", 16, Some(3), None),
            (Family::Postgres14, "14", 14, None, None),
        ];
        for (f, v, major, minor, patch) in good {
            let got = parse_engine_version(*f, v).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(
                got,
                EngineVersion {
                    major: *major,
                    minor: *minor,
                    patch: *patch
                },
                "{v}"
            );
        }
        let bad: &[(Family, &str, &str)] = &[
            (
                Family::Mysql80,
                "8.4.3",
                "is MySQL 8.4, but family is `mysql8.0`",
            ),
            (
                Family::Mysql84,
                "8.0.36",
                "is MySQL 8.0, but family is `mysql8.4`",
            ),
            (
                Family::Postgres16,
                "15.4",
                "is PostgreSQL 15, but family is `postgres16`",
            ),
            (Family::Mysql80, "8", "of the form 8.0 or 8.0.36"),
            (Family::Mysql80, "v8.0.36", "of the form"),
            (Family::Mysql80, "8.0.x", "of the form"),
            (Family::Postgres15, "15.4.1", "of the form 16 or 16.4"),
            (
                Family::Mysql80,
                "8.0.mysql_aurora.3.05.2",
                "Aurora engine version",
            ),
        ];
        for (f, v, expect) in bad {
            let e = parse_engine_version(*f, v).expect_err(v);
            assert!(e.contains(expect), "{v}: {e}");
        }
    }

    #[test]
    fn input_errors_point_at_their_attribute() {
        let mut i = input("aurora-mysql8.0", "db.r6g.medium", &[]);
        i.workload = Some("etl".to_string());
        let f = errs(&i);
        let paths: Vec<String> = f.iter().map(Finding::path_string).collect();
        assert_eq!(paths, vec!["family", "workload", "instance_class"]);
        assert!(f.iter().all(Finding::is_error));
        assert!(
            f[2].detail.contains("did you mean one of `db.r6g.large`"),
            "{}",
            f[2].detail
        );

        let f = errs(&input("mysql8.0", "r6g.large", &[]));
        let f: Vec<Finding> = f.into_iter().filter(Finding::is_error).collect();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].path, attr("instance_class"));
        assert!(
            f[0].detail.contains("lacks the `db.` prefix"),
            "{}",
            f[0].detail
        );

        let mut i = input("postgres16", "db.r6g.large", &[]);
        i.engine_version = Some("15.2".to_string());
        let f = errs(&i);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].path_string(), "engine_version");
    }

    // ----- the profiles -----

    #[test]
    fn mysql80_hive_profile_on_r6g_large() {
        let mut i = input("mysql8.0", "db.r6g.large", &[]);
        i.engine_version = Some("8.0.36".to_string());
        let p = ok(&i);
        assert_eq!(
            table(&p),
            owned(&[
                ("binlog_format", "ROW", "pending-reboot"),
                ("character_set_server", "utf8mb4", "immediate"),
                ("collation_server", "utf8mb4_bin", "immediate"),
                (
                    "innodb_buffer_pool_size",
                    "{DBInstanceClassMemory*3/4}",
                    "pending-reboot"
                ),
                ("innodb_redo_log_capacity", "1073741824", "pending-reboot"),
                ("log_bin_trust_function_creators", "1", "immediate"),
                (
                    "max_connections",
                    "LEAST({DBInstanceClassMemory/12582880},1000)",
                    "immediate"
                ),
                ("require_secure_transport", "1", "immediate"),
                ("transaction_isolation", "READ-COMMITTED", "immediate"),
            ])
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(p.diagnostics.is_empty());
    }

    #[test]
    fn redo_log_parameter_follows_the_engine_version() {
        // (family, version, class, expected name, expected value)
        let cases: &[(&str, Option<&str>, &str, &str, &str)] = &[
            (
                "mysql8.0",
                Some("8.0.28"),
                "db.r6g.large",
                "innodb_log_file_size",
                "536870912",
            ),
            (
                "mysql8.0",
                Some("8.0.29"),
                "db.m5.2xlarge",
                "innodb_log_file_size",
                "2147483648",
            ),
            (
                "mysql8.0",
                Some("8.0.30"),
                "db.r6g.large",
                "innodb_redo_log_capacity",
                "1073741824",
            ),
            (
                "mysql8.0",
                Some("8.0"),
                "db.r6g.xlarge",
                "innodb_redo_log_capacity",
                "2147483648",
            ),
            (
                "mysql8.0",
                None,
                "db.r6g.4xlarge",
                "innodb_redo_log_capacity",
                "8589934592",
            ),
            (
                "mysql8.4",
                None,
                "db.r6g.8xlarge",
                "innodb_redo_log_capacity",
                "17179869184",
            ),
            (
                "mysql8.4",
                Some("8.4.3"),
                "db.t4g.micro",
                "innodb_redo_log_capacity",
                "1073741824",
            ),
        ];
        for (family, version, class, name, val) in cases {
            let mut i = input(family, class, &[]);
            i.engine_version = version.map(str::to_string);
            let p = ok(&i);
            let other = if *name == "innodb_log_file_size" {
                "innodb_redo_log_capacity"
            } else {
                "innodb_log_file_size"
            };
            assert_eq!(
                value(&p, name).map(|x| x.value.as_str()),
                Some(*val),
                "{i:?}"
            );
            assert!(value(&p, other).is_none(), "{i:?}");
            assert_eq!(
                value(&p, name).map(|x| x.apply_method),
                Some(ApplyMethod::PendingReboot)
            );
            let assumed = p
                .warnings
                .iter()
                .any(|w| w.contains("Assuming MySQL 8.0.30"));
            assert_eq!(assumed, *family == "mysql8.0" && version.is_none(), "{i:?}");
        }
    }

    #[test]
    fn small_mysql_instances_get_half_the_memory_for_the_buffer_pool() {
        let cases: &[(&str, &str, bool)] = &[
            ("db.t3.micro", "{DBInstanceClassMemory/2}", true),
            ("db.t4g.medium", "{DBInstanceClassMemory/2}", true),
            ("db.t3.large", "{DBInstanceClassMemory*3/4}", false),
            ("db.m5.large", "{DBInstanceClassMemory*3/4}", false),
        ];
        for (class, pool, warned) in cases {
            let mut i = input("mysql8.4", class, &[]);
            i.engine_version = Some("8.4.3".to_string());
            let p = ok(&i);
            assert_eq!(
                value(&p, "innodb_buffer_pool_size").map(|x| x.value.as_str()),
                Some(*pool)
            );
            assert_eq!(
                p.warnings.iter().any(|w| w.contains("Half-memory")),
                *warned,
                "{class}"
            );
        }
        // An explicit buffer pool silences the note.
        let p = ok(&input(
            "mysql8.4",
            "db.t3.micro",
            &[("innodb_buffer_pool_size", "{DBInstanceClassMemory*3/5}")],
        ));
        assert!(!p.warnings.iter().any(|w| w.contains("Half-memory")));
    }

    #[test]
    fn general_workload_drops_the_hive_choices() {
        let mut i = input("mysql8.4", "db.m6g.large", &[]);
        i.workload = Some("general".to_string());
        let p = ok(&i);
        assert_eq!(
            table(&p),
            owned(&[
                (
                    "innodb_buffer_pool_size",
                    "{DBInstanceClassMemory*3/4}",
                    "pending-reboot"
                ),
                ("innodb_redo_log_capacity", "1073741824", "pending-reboot"),
                (
                    "max_connections",
                    "{DBInstanceClassMemory/12582880}",
                    "immediate"
                ),
                ("require_secure_transport", "1", "immediate"),
            ])
        );
        let mut i = input("postgres16", "db.m6g.large", &[]);
        i.workload = Some("general".to_string());
        let p = ok(&i);
        assert!(value(&p, "work_mem").is_none());
        assert!(value(&p, "shared_buffers").is_some());
    }

    #[test]
    fn postgres_hive_profile() {
        for family in ["postgres14", "postgres15", "postgres16", "postgres17"] {
            let p = ok(&input(family, "db.r6g.large", &[]));
            assert_eq!(
                table(&p),
                owned(&[
                    (
                        "effective_cache_size",
                        "{DBInstanceClassMemory*3/32768}",
                        "immediate"
                    ),
                    ("idle_in_transaction_session_timeout", "600000", "immediate"),
                    ("log_min_duration_statement", "1000", "immediate"),
                    (
                        "maintenance_work_mem",
                        "GREATEST({DBInstanceClassMemory*1024/63963136},65536)",
                        "immediate"
                    ),
                    (
                        "max_connections",
                        "LEAST({DBInstanceClassMemory/9531392},5000)",
                        "pending-reboot"
                    ),
                    ("password_encryption", "scram-sha-256", "immediate"),
                    ("rds.force_ssl", "1", "immediate"),
                    (
                        "shared_buffers",
                        "{DBInstanceClassMemory/32768}",
                        "pending-reboot"
                    ),
                    ("work_mem", "8192", "immediate"),
                ]),
                "{family}"
            );
            assert!(p.warnings.is_empty(), "{family}: {:?}", p.warnings);
        }
    }

    #[test]
    fn postgres_work_mem_scales_with_the_class() {
        let cases: &[(&str, &str)] = &[
            ("db.t3.micro", "4096"),
            ("db.m5.large", "4096"),
            ("db.r5.large", "8192"),
            ("db.r6i.xlarge", "16384"),
            ("db.r7g.8xlarge", "16384"),
        ];
        for (class, kb) in cases {
            let p = ok(&input("postgres16", class, &[]));
            assert_eq!(
                value(&p, "work_mem").map(|x| x.value.as_str()),
                Some(*kb),
                "{class}"
            );
        }
    }

    #[test]
    fn every_profile_value_passes_its_own_validation() {
        for family in Family::ALL {
            for workload in Workload::ALL {
                for class in instance_classes::all() {
                    let mut i = input(family.as_str(), class.name, &[]);
                    i.workload = Some(workload.to_string());
                    let base = ok(&i);
                    // Feed every value back as an override: nothing may change or fail.
                    i.overrides = base
                        .parameters
                        .iter()
                        .map(|x| (x.name.clone(), x.value.clone()))
                        .collect();
                    let again = ok(&i);
                    let what = format!("{family} {workload} {}", class.name);
                    assert_eq!(again.parameters, base.parameters, "{what}");
                    // No new warnings (an explicit buffer pool only silences the small-class note).
                    for w in &again.warnings {
                        assert!(base.warnings.contains(w), "{what}: new warning {w}");
                    }
                }
            }
        }
    }

    #[test]
    fn output_is_sorted_and_deterministic() {
        let i = input(
            "mysql8.0",
            "db.r6g.large",
            &[
                ("wait_timeout", "600"),
                ("autocommit", "1"),
                ("innodb_lock_wait_timeout", "120"),
            ],
        );
        let a = ok(&i);
        let b = ok(&i);
        assert_eq!(a, b);
        let names: Vec<&str> = a.parameters.iter().map(|x| x.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }

    // ----- overrides: names -----

    #[test]
    fn removed_and_foreign_parameters_are_rejected() {
        // (family, name, value, expected words in summary+detail)
        let cases: &[(&str, &str, &str, &[&str])] = &[
            (
                "mysql8.0",
                "query_cache_size",
                "0",
                &[
                    "does not exist in mysql8.0",
                    "MySQL 8.0.3 removed",
                    "no query cache",
                ],
            ),
            (
                "mysql8.0",
                "query_cache_type",
                "0",
                &["does not exist in mysql8.0", "no query cache"],
            ),
            (
                "mysql8.4",
                "query_cache_limit",
                "1048576",
                &["does not exist in mysql8.4"],
            ),
            (
                "mysql8.0",
                "tx_isolation",
                "READ-COMMITTED",
                &["use `transaction_isolation` instead"],
            ),
            (
                "mysql8.0",
                "tx_read_only",
                "0",
                &["use `transaction_read_only` instead"],
            ),
            ("mysql8.0", "innodb_large_prefix", "1", &["always on"]),
            (
                "mysql8.0",
                "innodb_file_format",
                "Barracuda",
                &["only file format"],
            ),
            (
                "mysql8.0",
                "innodb_locks_unsafe_for_binlog",
                "1",
                &["`transaction_isolation`", "READ-COMMITTED"],
            ),
            ("mysql8.0", "log_warnings", "2", &["`log_error_verbosity`"]),
            (
                "mysql8.4",
                "default_authentication_plugin",
                "caching_sha2_password",
                &["MySQL 8.4 removed", "`authentication_policy`"],
            ),
            (
                "mysql8.4",
                "expire_logs_days",
                "7",
                &["`binlog_expire_logs_seconds`"],
            ),
            (
                "postgres15",
                "stats_temp_directory",
                "/tmp",
                &["PostgreSQL 15 removed"],
            ),
            (
                "postgres16",
                "vacuum_defer_cleanup_age",
                "0",
                &["PostgreSQL 16 removed"],
            ),
            (
                "postgres16",
                "force_parallel_mode",
                "off",
                &["`debug_parallel_query`"],
            ),
            (
                "postgres17",
                "old_snapshot_threshold",
                "-1",
                &["PostgreSQL 17 removed"],
            ),
            (
                "postgres14",
                "wal_keep_segments",
                "64",
                &["`wal_keep_size`"],
            ),
            (
                "postgres16",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory*3/4}",
                &["is a MySQL parameter, not a PostgreSQL one"],
            ),
            (
                "postgres16",
                "query_cache_size",
                "0",
                &["is a MySQL parameter"],
            ),
            (
                "mysql8.0",
                "shared_buffers",
                "{DBInstanceClassMemory/32768}",
                &["is a PostgreSQL parameter, not a MySQL one"],
            ),
            (
                "mysql8.0",
                "rds.force_ssl",
                "1",
                &["is a PostgreSQL parameter"],
            ),
            (
                "mysql8.0",
                "aurora_parallel_query",
                "ON",
                &["Aurora parameter"],
            ),
            (
                "postgres16",
                "apg_plan_mgmt.capture_plan_baselines",
                "off",
                &["Aurora parameter"],
            ),
            (
                "mysql8.0",
                "Max_Connections",
                "100",
                &["not a parameter name", "did you mean `max_connections`?"],
            ),
            (
                "mysql8.0",
                "innodb-buffer-pool-size",
                "{DBInstanceClassMemory*3/4}",
                &["spelled with dashes", "`innodb_buffer_pool_size`"],
            ),
            ("mysql8.0", "", "1", &["not a parameter name"]),
            (
                "mysql8.0",
                "max connections",
                "1",
                &["not a parameter name", "did you mean"],
            ),
            (
                "mysql8.0",
                "1abc",
                "1",
                &["not a parameter name", "starting with a letter"],
            ),
        ];
        for (family, name, val, words) in cases {
            let f = errs(&input(family, "db.r6g.large", &[(name, val)]));
            let errors: Vec<&Finding> = f.iter().filter(|x| x.is_error()).collect();
            assert_eq!(errors.len(), 1, "{family} {name}: {f:?}");
            let e = errors[0];
            assert_eq!(e.path, override_path(name), "{name}");
            assert_eq!(e.path_string(), format!("overrides[{name:?}]"));
            let text = format!("{} {}", e.summary, e.detail);
            for w in *words {
                assert!(text.contains(w), "{family} {name}: {text}");
            }
        }
    }

    #[test]
    fn deprecated_parameters_still_present_warn() {
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                "mysql8.0",
                "expire_logs_days",
                "7",
                "prefer `binlog_expire_logs_seconds`",
            ),
            (
                "mysql8.0",
                "default_authentication_plugin",
                "mysql_native_password",
                "prefer `authentication_policy`",
            ),
            (
                "postgres14",
                "stats_temp_directory",
                "pg_stat_tmp",
                "deprecated in postgres14",
            ),
        ];
        for (family, name, val, expect) in cases {
            let p = ok(&input(family, "db.r6g.large", &[(name, val)]));
            assert!(
                p.diagnostics
                    .iter()
                    .any(|d| d.path == override_path(name) && d.detail.contains(expect)),
                "{name}: {:?}",
                p.warnings
            );
            assert_eq!(value(&p, name).map(|x| x.value.as_str()), Some(*val));
        }
    }

    #[test]
    fn unknown_parameters_pass_through_with_a_warning() {
        let mut i = input(
            "mysql8.0",
            "db.r6g.large",
            &[("innodb_lock_wait_timeout", "120")],
        );
        i.engine_version = Some("8.0.36".to_string());
        let p = ok(&i);
        let x = value(&p, "innodb_lock_wait_timeout").expect("passed through");
        assert_eq!(x.value, "120");
        assert_eq!(x.apply_method, ApplyMethod::PendingReboot);
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].severity, Severity::Warning);
        assert!(
            p.warnings[0].starts_with("overrides[\"innodb_lock_wait_timeout\"]: "),
            "{}",
            p.warnings[0]
        );
        assert!(p.warnings[0].contains("not in the rule table"));

        // Their formulas are still syntax-checked.
        let cases: &[(&str, &str)] = &[
            ("{DBInstanceClassMemory*0.5}", "must be a whole number"),
            ("LEAST({DBInstanceClassMemory/256},)", "empty argument"),
            ("{DBInstanceClassMemory/256", "missing its closing `}`"),
            ("{TrueIfReplica*1024}", "is a Boolean"),
        ];
        for (val, expect) in cases {
            let f = errs(&input(
                "mysql8.0",
                "db.r6g.large",
                &[("max_binlog_cache_size", val)],
            ));
            let e = f.iter().find(|x| x.is_error()).expect("error");
            assert_eq!(e.path, override_path("max_binlog_cache_size"));
            assert!(e.detail.contains(expect), "{val}: {}", e.detail);
        }
        let p = ok(&input(
            "mysql8.0",
            "db.r6g.large",
            &[(
                "max_binlog_cache_size",
                "LEAST({DBInstanceClassMemory/256},10485760)",
            )],
        ));
        assert!(value(&p, "max_binlog_cache_size").is_some());
    }

    #[test]
    fn empty_override_removes_a_parameter() {
        let p = ok(&input(
            "mysql8.0",
            "db.r6g.large",
            &[("innodb_redo_log_capacity", "")],
        ));
        assert!(value(&p, "innodb_redo_log_capacity").is_none());
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("removed from the profile"))
        );

        let p = ok(&input(
            "mysql8.0",
            "db.r6g.large",
            &[("sort_buffer_size", "")],
        ));
        assert!(value(&p, "sort_buffer_size").is_none());
        assert!(p.warnings.iter().any(|w| w.contains("has no effect")));
    }

    // ----- overrides: values -----

    /// (family, class, name, value) -> expected error text fragments.
    #[test]
    fn invalid_values_are_explained() {
        let cases: &[(&str, &str, &str, &str, &[&str])] = &[
            // Bytes given as percentages or with units.
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "70",
                &["is in bytes", "70 bytes", "{DBInstanceClassMemory*7/10}"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "70%",
                &["does not take a percentage", "{DBInstanceClassMemory*7/10}"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "62.5%",
                &["62.5 %", "{DBInstanceClassMemory*5/8}"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "0.75",
                &["fraction", "{DBInstanceClassMemory*3/4}"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "8G",
                &["unit suffixes", "8589934592"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "512MB",
                &["536870912"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "1.5GiB",
                &["1610612736"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "1000000",
                &["below its minimum", "5 MiB"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "-1",
                &["below its minimum"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "lots",
                &["not a number"],
            ),
            // Larger than the instance.
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "17179869184",
                &["exceeds the instance memory", "16 GiB", "db.r6g.large"],
            ),
            (
                "mysql8.0",
                "db.t3.micro",
                "innodb_buffer_pool_size",
                "2147483648",
                &["exceeds the instance memory", "1 GiB of db.t3.micro"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory*5/4}",
                &["exceeds the instance memory", "125 %"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory}",
                &["100 %"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory/1000000000}",
                &["below the minimum"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory*3/4}MB",
                &["remove the `MB`"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{EndPointPort*1024}",
                &["port number"],
            ),
            // Formula syntax.
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory*0.75}",
                &["whole number", "*3/4"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{dbinstanceclassmemory*3/4}",
                &["case-sensitive", "`DBInstanceClassMemory`"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{InstanceMemory*3/4}",
                &["not an RDS formula variable"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory/4*3}",
                &["multiplication first"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory-1073741824}",
                &["only `*` and `/`", "not `-`"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory/0}",
                &["cannot divide by 0"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory*0}",
                &["cannot multiply by 0"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory*3/4",
                &["missing its closing `}`"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{}",
                &["expected a formula variable"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "0.75*{DBInstanceClassMemory}",
                &["must be the whole value"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "MAX({DBInstanceClassMemory/2},1073741824)",
                &["not an RDS parameter function", "GREATEST"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "IF({DBInstanceClassHugePagesDefault},1,2)",
                &["only for Oracle"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "GREATEST(LEAST({DBInstanceClassMemory/2},1),5)",
                &["cannot be nested"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "GREATEST(DBInstanceClassMemory,5)",
                &["in braces"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "GREATEST({DBInstanceClassMemory/2};5)",
                &["expected `,` or `)`"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "GREATEST({DBInstanceClassMemory/2},5",
                &["missing its closing `)`"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "GREATEST()",
                &["empty argument"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "GREATEST({DBInstanceClassMemory*2},1073741824)",
                &["exceeds the instance memory"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "log({DBInstanceClassMemory})",
                &["inside braces"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{ DBInstanceClassMemory * 3 / 4 }",
                &["without blanks", "`{DBInstanceClassMemory*3/4}`"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory} ",
                &["leading or trailing blanks"],
            ),
            // innodb_log_file_size takes only integers.
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_redo_log_capacity",
                "4G",
                &["4294967296"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_redo_log_capacity",
                "1048576",
                &["below its minimum", "8 MiB"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "innodb_redo_log_capacity",
                "274877906944",
                &["above its maximum", "128 GiB"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "max_connections",
                "0",
                &["out of range", "between 1 and 100000"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "max_connections",
                "lots",
                &["whole number"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "max_connections",
                "{DBInstanceClassMemory/1000000000000}",
                &["below the minimum"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "max_allowed_packet",
                "64M",
                &["67108864"],
            ),
            // Enums and booleans.
            (
                "mysql8.0",
                "db.r6g.large",
                "transaction_isolation",
                "READ COMMITTED",
                &["misspelled", "\"READ-COMMITTED\""],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "transaction_isolation",
                "read_committed",
                &["misspelled", "\"READ-COMMITTED\""],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "transaction_isolation",
                "SNAPSHOT",
                &["does not accept", "\"REPEATABLE-READ\""],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "binlog_format",
                "ROWS",
                &["does not accept", "\"MIXED\""],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "require_secure_transport",
                "yes",
                &["takes 0 or 1"],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "lower_case_table_names",
                "2",
                &["does not accept", "\"0\", \"1\""],
            ),
            (
                "mysql8.0",
                "db.r6g.large",
                "character_set_server",
                "utf-8",
                &["not a character set name"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "password_encryption",
                "sha256",
                &["does not accept", "\"scram-sha-256\""],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "default_transaction_isolation",
                "READ-COMMITTED",
                &["misspelled", "\"read committed\""],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "rds.force_ssl",
                "required",
                &["takes 0 or 1"],
            ),
            // PostgreSQL units.
            (
                "postgres16",
                "db.r6g.large",
                "shared_buffers",
                "25%",
                &[
                    "does not take a percentage",
                    "{DBInstanceClassMemory/32768}",
                ],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "shared_buffers",
                "4GB",
                &["unit suffixes", "8 kB pages", "524288"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "shared_buffers",
                "{DBInstanceClassMemory*3/4}",
                &[
                    "exceeds the instance memory",
                    "8 kB pages",
                    "{DBInstanceClassMemory/32768}",
                ],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "shared_buffers",
                "2097152",
                &["exceeds the instance memory", "16 GiB"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "shared_buffers",
                "8",
                &["out of range", "between 16 and"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "work_mem",
                "16MB",
                &["unit suffixes", "(kB)", "16384"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "work_mem",
                "0.5",
                &["not an integer"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "work_mem",
                "5%",
                &["does not take a percentage", "65536 for 64 MiB"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "maintenance_work_mem",
                "1GB",
                &["1048576"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "maintenance_work_mem",
                "20000000",
                &["exceeds the instance memory"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "effective_cache_size",
                "75%",
                &["{DBInstanceClassMemory*3/32768}"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "log_min_duration_statement",
                "5s",
                &["milliseconds", "5000"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "idle_in_transaction_session_timeout",
                "10min",
                &["600000"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "idle_in_transaction_session_timeout",
                "-5",
                &["out of range"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "max_connections",
                "300000",
                &["out of range"],
            ),
            (
                "postgres16",
                "db.r6g.large",
                "max_connections",
                "LEAST({DBInstanceClassMemory/9531392},5000",
                &["missing its closing `)`"],
            ),
        ];
        for (family, class, name, val, words) in cases {
            let f = errs(&input(family, class, &[(name, val)]));
            let errors: Vec<&Finding> = f.iter().filter(|x| x.is_error()).collect();
            assert_eq!(errors.len(), 1, "{name}={val}: {f:?}");
            let e = errors[0];
            assert_eq!(e.path, override_path(name), "{name}={val}");
            let text = format!("{} {}", e.summary, e.detail);
            for w in *words {
                assert!(text.contains(w), "{name}={val}: {text}");
            }
        }
    }

    #[test]
    fn valid_values_replace_the_profile_and_are_normalised() {
        // (family, name, given, stored, apply)
        let cases: &[(&str, &str, &str, &str, ApplyMethod)] = &[
            (
                "mysql8.0",
                "innodb_buffer_pool_size",
                "{DBInstanceClassMemory*7/10}",
                "{DBInstanceClassMemory*7/10}",
                ApplyMethod::PendingReboot,
            ),
            (
                "mysql8.0",
                "innodb_buffer_pool_size",
                "8589934592",
                "8589934592",
                ApplyMethod::PendingReboot,
            ),
            (
                "mysql8.0",
                "innodb_buffer_pool_size",
                "GREATEST({DBInstanceClassMemory/2},134217728)",
                "GREATEST({DBInstanceClassMemory/2},134217728)",
                ApplyMethod::PendingReboot,
            ),
            (
                "mysql8.0",
                "max_connections",
                "500",
                "500",
                ApplyMethod::Immediate,
            ),
            (
                "mysql8.0",
                "max_connections",
                "least({DBInstanceClassMemory/12582880},2000)",
                "least({DBInstanceClassMemory/12582880},2000)",
                ApplyMethod::Immediate,
            ),
            (
                "mysql8.0",
                "max_connections",
                "SUM({DBInstanceClassMemory/25165760},50)",
                "SUM({DBInstanceClassMemory/25165760},50)",
                ApplyMethod::Immediate,
            ),
            (
                "mysql8.0",
                "innodb_redo_log_capacity",
                "4294967296",
                "4294967296",
                ApplyMethod::PendingReboot,
            ),
            (
                "mysql8.0",
                "max_connections",
                "{log(DBInstanceClassMemory/8187281418)*1000}",
                "{log(DBInstanceClassMemory/8187281418)*1000}",
                ApplyMethod::Immediate,
            ),
            (
                "mysql8.0",
                "transaction_isolation",
                "read-committed",
                "READ-COMMITTED",
                ApplyMethod::Immediate,
            ),
            (
                "mysql8.0",
                "binlog_format",
                "mixed",
                "MIXED",
                ApplyMethod::PendingReboot,
            ),
            (
                "mysql8.0",
                "require_secure_transport",
                "ON",
                "1",
                ApplyMethod::Immediate,
            ),
            (
                "mysql8.0",
                "log_bin_trust_function_creators",
                "true",
                "1",
                ApplyMethod::Immediate,
            ),
            (
                "mysql8.0",
                "character_set_server",
                "UTF8MB4",
                "utf8mb4",
                ApplyMethod::Immediate,
            ),
            (
                "mysql8.0",
                "collation_server",
                "utf8mb4_0900_bin",
                "utf8mb4_0900_bin",
                ApplyMethod::Immediate,
            ),
            (
                "mysql8.0",
                "max_allowed_packet",
                "67108864",
                "67108864",
                ApplyMethod::Immediate,
            ),
            (
                "postgres16",
                "shared_buffers",
                "{DBInstanceClassMemory/40960}",
                "{DBInstanceClassMemory/40960}",
                ApplyMethod::PendingReboot,
            ),
            (
                "postgres16",
                "shared_buffers",
                "524288",
                "524288",
                ApplyMethod::PendingReboot,
            ),
            (
                "postgres16",
                "work_mem",
                "65536",
                "65536",
                ApplyMethod::Immediate,
            ),
            (
                "postgres16",
                "rds.force_ssl",
                "on",
                "1",
                ApplyMethod::Immediate,
            ),
            (
                "postgres16",
                "password_encryption",
                "SCRAM-SHA-256",
                "scram-sha-256",
                ApplyMethod::Immediate,
            ),
            (
                "postgres16",
                "log_min_duration_statement",
                "-1",
                "-1",
                ApplyMethod::Immediate,
            ),
            (
                "postgres16",
                "max_connections",
                "1000",
                "1000",
                ApplyMethod::PendingReboot,
            ),
            (
                "postgres16",
                "statement_timeout",
                "3600000",
                "3600000",
                ApplyMethod::Immediate,
            ),
            (
                "postgres16",
                "default_transaction_isolation",
                "Read Committed",
                "read committed",
                ApplyMethod::Immediate,
            ),
        ];
        for (family, name, given, stored, apply) in cases {
            let p = ok(&input(family, "db.r6g.large", &[(name, given)]));
            let x = value(&p, name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(x.value, *stored, "{name}={given}");
            assert_eq!(x.apply_method, *apply, "{name}={given}");
            assert!(
                !p.diagnostics
                    .iter()
                    .any(|d| d.summary.contains("not in the rule table"))
            );
        }
    }

    #[test]
    fn overrides_that_are_worse_produce_warnings() {
        // (family, overrides, expected warning fragment on that override's path)
        let cases: &[WarningCase] = &[
            (
                "mysql8.0",
                &[("transaction_isolation", "REPEATABLE-READ")],
                "transaction_isolation",
                "worse for a Hive Metastore",
            ),
            (
                "mysql8.0",
                &[("transaction_isolation", "SERIALIZABLE")],
                "transaction_isolation",
                "gap and next-key locks",
            ),
            (
                "mysql8.0",
                &[("transaction_isolation", "READ-UNCOMMITTED")],
                "transaction_isolation",
                "dirty reads",
            ),
            (
                "mysql8.0",
                &[("require_secure_transport", "0")],
                "require_secure_transport",
                "unencrypted",
            ),
            (
                "mysql8.0",
                &[("log_bin_trust_function_creators", "0")],
                "log_bin_trust_function_creators",
                "SUPER",
            ),
            (
                "mysql8.0",
                &[("binlog_format", "OFF")],
                "binlog_format",
                "point-in-time",
            ),
            (
                "mysql8.0",
                &[("lower_case_table_names", "1")],
                "lower_case_table_names",
                "only takes effect when the instance is created",
            ),
            (
                "mysql8.4",
                &[("lower_case_table_names", "0")],
                "lower_case_table_names",
                "read replicas must use the same value",
            ),
            (
                "mysql8.0",
                &[("max_connections", "40")],
                "max_connections",
                "datanucleus.connectionPool.maxPoolSize",
            ),
            (
                "mysql8.0",
                &[("collation_server", "utf8mb4_0900_ai_ci")],
                "collation_server",
                "case-insensitively",
            ),
            (
                "mysql8.0",
                &[
                    ("character_set_server", "utf8mb3"),
                    ("collation_server", "utf8mb3_bin"),
                ],
                "character_set_server",
                "deprecated",
            ),
            (
                "mysql8.0",
                &[("innodb_buffer_pool_size", "{DBInstanceClassMemory*9/10}")],
                "innodb_buffer_pool_size",
                "90 %",
            ),
            (
                "mysql8.0",
                &[("innodb_buffer_pool_size", "15032385536")],
                "innodb_buffer_pool_size",
                "more than 85 %",
            ),
            (
                "mysql8.0",
                &[("innodb_buffer_pool_size", "{AllocatedStorage/100}")],
                "innodb_buffer_pool_size",
                "size of the data volume",
            ),
            (
                "mysql8.0",
                &[("max_connections", "{DBInstanceVCPU*100}")],
                "max_connections",
                "only for PostgreSQL",
            ),
            (
                "postgres16",
                &[("rds.force_ssl", "0")],
                "rds.force_ssl",
                "unencrypted",
            ),
            (
                "postgres16",
                &[("password_encryption", "md5")],
                "password_encryption",
                "scram-sha-256",
            ),
            (
                "postgres16",
                &[("idle_in_transaction_session_timeout", "0")],
                "idle_in_transaction_session_timeout",
                "blocks vacuum",
            ),
            (
                "postgres16",
                &[("log_min_duration_statement", "0")],
                "log_min_duration_statement",
                "every statement",
            ),
            (
                "postgres16",
                &[("default_transaction_isolation", "serializable")],
                "default_transaction_isolation",
                "serialization failures",
            ),
            (
                "postgres16",
                &[("shared_buffers", "{DBInstanceClassMemory/16384}")],
                "shared_buffers",
                "above 40 %",
            ),
            (
                "postgres16",
                &[("work_mem", "8388608")],
                "work_mem",
                "above 25 %",
            ),
            (
                "postgres16",
                &[("effective_cache_size", "{DBInstanceClassMemory/4096}")],
                "effective_cache_size",
                "larger than the instance memory",
            ),
            (
                "postgres16",
                &[("max_connections", "{DBInstanceVCPU*100}")],
                "max_connections",
                "",
            ),
        ];
        for (family, ov, at, expect) in cases {
            let mut i = input(family, "db.r6g.large", ov);
            i.engine_version = None;
            let p = ok(&i);
            let hits: Vec<&Finding> = p
                .diagnostics
                .iter()
                .filter(|d| d.path == override_path(at))
                .collect();
            if expect.is_empty() {
                assert!(hits.is_empty(), "{at}: {hits:?}");
                continue;
            }
            assert!(
                hits.iter()
                    .any(|d| format!("{} {}", d.summary, d.detail).contains(expect)),
                "{at}: {:?}",
                p.warnings
            );
            assert!(hits.iter().all(|d| d.severity == Severity::Warning));
        }
    }

    #[test]
    fn general_workload_does_not_warn_about_hive_choices() {
        let mut i = input(
            "mysql8.0",
            "db.r6g.large",
            &[
                ("transaction_isolation", "REPEATABLE-READ"),
                ("max_connections", "40"),
            ],
        );
        i.workload = Some("general".to_string());
        i.engine_version = Some("8.0.36".to_string());
        let p = ok(&i);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(
            value(&p, "transaction_isolation").map(|x| x.value.as_str()),
            Some("REPEATABLE-READ")
        );
    }

    #[test]
    fn hostile_values_are_errors_not_panics() {
        let values = [
            "{\u{a0}DBInstanceClassMemory*3/4}",
            "{DBInstanceClassMemory\u{2003}*3/4}",
            "{DBInstanceClassMemory*3/4}\u{fe0f}",
            "{{DBInstanceClassMemory}}",
            "{DBInstanceClassMemory*99999999999999999999999999999999/4}",
            "{DBInstanceClassMemory*1000000000000000000000/1}",
            "GREATEST(",
            "LEAST(,)",
            "SUM({DBInstanceClassMemory}",
            "{log(DBInstanceClassMemory)*3}",
            "{log(DBInstanceClassMemory/0)}",
            "ΔΔΔ",
            "１２３",
            "-",
            "--5",
            "5%%",
            "99999999999999999999999999999999999999999",
            "0.000000000000000000000000001",
            "{",
            "}",
        ];
        for family in ["mysql8.0", "postgres16"] {
            let name = if family == "mysql8.0" {
                "innodb_buffer_pool_size"
            } else {
                "shared_buffers"
            };
            for v in values {
                let f = errs(&input(family, "db.r6g.large", &[(name, v)]));
                assert!(
                    f.iter()
                        .any(|x| x.is_error() && x.path == override_path(name)),
                    "{family} {v:?}: {f:?}"
                );
            }
        }
    }

    // ----- checks across parameters -----

    #[test]
    fn statement_binlog_under_read_committed_is_an_error() {
        let cases: &[BinlogCase] = &[
            (&[("binlog_format", "STATEMENT")], Some("binlog_format")),
            (
                &[
                    ("binlog_format", "STATEMENT"),
                    ("transaction_isolation", "READ-UNCOMMITTED"),
                ],
                Some("binlog_format"),
            ),
            (
                &[
                    ("binlog_format", "STATEMENT"),
                    ("transaction_isolation", "REPEATABLE-READ"),
                ],
                None,
            ),
            (&[("binlog_format", "MIXED")], None),
        ];
        for (ov, err_at) in cases {
            let i = input("mysql8.0", "db.r6g.large", ov);
            match (profile(&i), err_at) {
                (Ok(_), None) => {}
                (Err(f), Some(at)) => {
                    let e = f.iter().find(|x| x.is_error()).expect("error");
                    assert_eq!(e.path, override_path(at));
                    assert!(e.detail.contains("row-based"), "{}", e.detail);
                }
                (r, _) => panic!("{ov:?}: {r:?}"),
            }
        }
        // General workload: MySQL's default isolation is REPEATABLE-READ, so STATEMENT is allowed
        // until isolation is lowered.
        let mut i = input(
            "mysql8.0",
            "db.r6g.large",
            &[
                ("binlog_format", "STATEMENT"),
                ("transaction_isolation", "READ-COMMITTED"),
            ],
        );
        i.workload = Some("general".to_string());
        let f = errs(&i);
        assert_eq!(f.iter().filter(|x| x.is_error()).count(), 1);
    }

    #[test]
    fn charset_and_collation_must_agree() {
        // Charset alone: collation follows, with a warning.
        let p = ok(&input(
            "mysql8.0",
            "db.r6g.large",
            &[("character_set_server", "latin1")],
        ));
        assert_eq!(
            value(&p, "collation_server").map(|x| x.value.as_str()),
            Some("latin1_bin")
        );
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("collation_server adjusted"))
        );

        let p = ok(&input(
            "mysql8.0",
            "db.r6g.large",
            &[("character_set_server", "utf8")],
        ));
        assert_eq!(
            value(&p, "collation_server").map(|x| x.value.as_str()),
            Some("utf8mb3_bin")
        );

        // utf8 and utf8mb3 are the same character set.
        let p = ok(&input(
            "mysql8.0",
            "db.r6g.large",
            &[
                ("character_set_server", "utf8"),
                ("collation_server", "utf8mb3_general_ci"),
            ],
        ));
        assert_eq!(
            value(&p, "collation_server").map(|x| x.value.as_str()),
            Some("utf8mb3_general_ci")
        );

        // Mismatches are errors on collation_server.
        let cases: &[&[(&str, &str)]] = &[
            &[("collation_server", "latin1_swedish_ci")],
            &[
                ("character_set_server", "latin1"),
                ("collation_server", "utf8mb4_bin"),
            ],
        ];
        for ov in cases {
            let f = errs(&input("mysql8.0", "db.r6g.large", ov));
            let e = f.iter().find(|x| x.is_error()).expect("error");
            assert_eq!(e.path, override_path("collation_server"));
            assert!(e.detail.contains("would not start"), "{}", e.detail);
        }
    }

    #[test]
    fn redo_log_overrides_follow_the_version() {
        let mut i = input(
            "mysql8.0",
            "db.r6g.large",
            &[("innodb_redo_log_capacity", "4294967296")],
        );
        i.engine_version = Some("8.0.28".to_string());
        let f = errs(&i);
        assert!(f.iter().any(|x| x.is_error()
            && x.path == override_path("innodb_redo_log_capacity")
            && x.detail.contains("innodb_log_file_size")));

        let mut i = input(
            "mysql8.0",
            "db.r6g.large",
            &[("innodb_log_file_size", "1073741824")],
        );
        i.engine_version = Some("8.0.28".to_string());
        let p = ok(&i);
        assert_eq!(
            value(&p, "innodb_log_file_size").map(|x| x.value.as_str()),
            Some("1073741824")
        );

        let mut i = input(
            "mysql8.0",
            "db.r6g.large",
            &[("innodb_log_file_size", "1073741824")],
        );
        i.engine_version = Some("8.0.36".to_string());
        let f = errs(&i);
        let e = f.iter().find(|x| x.is_error()).expect("error");
        assert_eq!(e.path, override_path("innodb_log_file_size"));
        assert!(e.detail.contains("ignores"), "{}", e.detail);

        // Dropping the capacity makes the old parameter effective again (deprecated).
        let p = ok(&input(
            "mysql8.4",
            "db.r6g.large",
            &[
                ("innodb_log_file_size", "1073741824"),
                ("innodb_redo_log_capacity", ""),
            ],
        ));
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("innodb_log_file_size is deprecated"))
        );

        let f = errs(&input(
            "mysql8.0",
            "db.r6g.large",
            &[("innodb_log_file_size", "{DBInstanceClassMemory/8}")],
        ));
        assert!(
            f.iter()
                .any(|x| x.is_error() && x.summary.contains("plain integer"))
        );
    }

    // ----- helpers -----

    #[test]
    fn value_parsing() {
        let cases: &[(&str, Parsed)] = &[
            ("42", Parsed::Int(42)),
            ("-1", Parsed::Int(-1)),
            ("70%", Parsed::Percent(Ratio::new(7, 10))),
            ("62.5%", Parsed::Percent(Ratio::new(5, 8))),
            ("0.75", Parsed::Decimal(Ratio::new(3, 4))),
            ("8G", Parsed::WithUnit(Ratio::new(8, 1), "G".to_string())),
            (
                "16 MB",
                Parsed::WithUnit(Ratio::new(16, 1), "MB".to_string()),
            ),
            ("ROW", Parsed::Text),
            ("1.", Parsed::Text),
            ("1e9", Parsed::Text),
            ("5 s", Parsed::WithUnit(Ratio::new(5, 1), "s".to_string())),
            ("99999999999999999999999999", Parsed::Text),
        ];
        for (raw, want) in cases {
            assert_eq!(&parse_value(raw), want, "{raw}");
        }
    }

    #[test]
    fn formulas_evaluate_to_upper_bounds() {
        let env = Env {
            memory: 16 << 30,
            vcpu: 2,
        };
        let cases: &[(&str, Option<i128>)] = &[
            ("{DBInstanceClassMemory*3/4}", Some(12 << 30)),
            ("{DBInstanceClassMemory/32768}", Some(524_288)),
            ("{DBInstanceVCPU*512}", Some(1024)),
            ("LEAST({DBInstanceClassMemory/12582880},1000)", Some(1000)),
            ("LEAST({DBInstanceClassMemory/12582880},100000)", Some(1365)),
            (
                "GREATEST({DBInstanceClassMemory*1024/63963136},65536)",
                Some(275_036),
            ),
            ("SUM({DBInstanceVCPU},10)", Some(12)),
            ("LEAST({AllocatedStorage/1024},5)", Some(5)),
            ("GREATEST({AllocatedStorage/1024},5)", None),
            ("{EndPointPort}", None),
            ("{log(DBInstanceClassMemory/8187281418)*1000}", Some(1000)),
        ];
        for (raw, want) in cases {
            let expr = parse_expr(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(expr.upper_bound(&env), *want, "{raw}");
        }
    }

    #[test]
    fn ratios_and_suggested_formulas() {
        let cases: &[(Ratio, i128, &str, &str)] = &[
            (Ratio::new(3, 4), 1, "{DBInstanceClassMemory*3/4}", "75 %"),
            (
                Ratio::new(70, 100),
                1,
                "{DBInstanceClassMemory*7/10}",
                "70 %",
            ),
            (Ratio::new(1, 2), 1, "{DBInstanceClassMemory/2}", "50 %"),
            (
                Ratio::new(1, 4),
                8192,
                "{DBInstanceClassMemory/32768}",
                "25 %",
            ),
            (
                Ratio::new(3, 4),
                8192,
                "{DBInstanceClassMemory*3/32768}",
                "75 %",
            ),
            (Ratio::new(5, 8), 1, "{DBInstanceClassMemory*5/8}", "62.5 %"),
            (Ratio::new(1, 3), 1, "{DBInstanceClassMemory/3}", "1/3"),
            (Ratio::new(2, 1), 1, "{DBInstanceClassMemory*2}", "200 %"),
        ];
        for (r, unit, formula, pct) in cases {
            assert_eq!(memory_formula(*r, *unit), *formula);
            assert_eq!(r.percent_text(), *pct);
        }
        let bytes: &[(i128, &str)] = &[
            (512, "512 bytes"),
            (5 << 20, "5 MiB"),
            (1536 << 20, "1.5 GiB"),
            (16 << 30, "16 GiB"),
            (2 << 40, "2 TiB"),
        ];
        for (b, text) in bytes {
            assert_eq!(human_bytes(*b), *text);
        }
    }

    #[test]
    fn finding_rendering() {
        let f = Finding::new(
            Severity::Error,
            override_path("query_cache_size"),
            "Summary",
            "Detail",
        );
        assert_eq!(f.path_string(), "overrides[\"query_cache_size\"]");
        assert_eq!(
            f.to_string(),
            "overrides[\"query_cache_size\"]: Summary: Detail"
        );
        let g = Finding::new(Severity::Warning, vec![], "Only", "");
        assert_eq!(g.to_string(), "Only");
    }

    #[test]
    fn serde_shapes() {
        let p = Parameter {
            name: "max_connections".to_string(),
            value: "500".to_string(),
            apply_method: ApplyMethod::PendingReboot,
        };
        let json = serde_json::to_string(&p).expect("serialize");
        assert_eq!(
            json,
            r#"{"name":"max_connections","value":"500","apply_method":"pending-reboot"}"#
        );
        let back: Parameter = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, p);
        let i: ProfileInput = serde_json::from_str(
            r#"{"family":"mysql8.0","workload":null,"instance_class":"db.r6g.large",
                "engine_version":"8.0.36","overrides":{"max_connections":"500"}}"#,
        )
        .expect("input");
        assert_eq!(
            i.overrides.get("max_connections").map(String::as_str),
            Some("500")
        );
    }
    #[test]
    fn slow_query_log_and_long_query_time_apply_immediately() {
        for family in ["mysql8.0", "mysql8.4"] {
            let p = ok(&input(
                family,
                "db.r6g.large",
                &[("slow_query_log", "ON"), ("long_query_time", "0.5")],
            ));
            let slow = value(&p, "slow_query_log").expect("slow_query_log");
            assert_eq!(slow.value, "1", "{family}");
            assert_eq!(slow.apply_method, ApplyMethod::Immediate, "{family}");
            let long = value(&p, "long_query_time").expect("long_query_time");
            assert_eq!(long.value, "0.5", "{family}");
            assert_eq!(long.apply_method, ApplyMethod::Immediate, "{family}");
            assert!(
                !p.warnings
                    .iter()
                    .any(|w| w.contains("not in the rule table")),
                "{family}: {:?}",
                p.warnings
            );
        }
        let p = ok(&input(
            "mysql8.0",
            "db.r6g.large",
            &[("long_query_time", "10")],
        ));
        assert_eq!(
            value(&p, "long_query_time").map(|x| x.value.as_str()),
            Some("10")
        );
        let p = ok(&input(
            "mysql8.0",
            "db.r6g.large",
            &[("long_query_time", "31536000")],
        ));
        assert!(value(&p, "long_query_time").is_some());

        let cases: &[(&str, &str, &str)] = &[
            ("slow_query_log", "yes", "takes 0 or 1"),
            ("long_query_time", "-1", "takes seconds"),
            ("long_query_time", "2s", "takes seconds"),
            ("long_query_time", "0.1234567", "takes seconds"),
            ("long_query_time", "1.", "takes seconds"),
            ("long_query_time", "31536000.5", "out of range"),
            ("long_query_time", "31536001", "out of range"),
        ];
        for (name, val, expect) in cases {
            let f = errs(&input("mysql8.0", "db.r6g.large", &[(name, val)]));
            let e = f.iter().find(|x| x.is_error()).expect("error");
            assert_eq!(e.path, override_path(name), "{name}={val}");
            assert!(e.summary.contains(expect), "{name}={val}: {}", e.summary);
        }
    }

    #[test]
    fn max_connections_is_checked_against_the_class_memory() {
        // db.r6g.large: 16 GiB / 12582880 = 1365 connections at RDS's MySQL sizing.
        assert_eq!(
            connections_held(
                Engine::Mysql,
                instance_classes::lookup("db.r6g.large").expect("class")
            ),
            1365
        );
        let p = ok(&input(
            "mysql8.0",
            "db.r6g.large",
            &[("max_connections", "1000")],
        ));
        let x = value(&p, "max_connections").expect("max_connections");
        assert_eq!(
            (x.value.as_str(), x.apply_method),
            ("1000", ApplyMethod::Immediate)
        );
        assert!(
            !p.warnings.iter().any(|w| w.contains("can hold")),
            "{:?}",
            p.warnings
        );

        // db.t3.medium: 4 GiB holds about 341.
        let p = ok(&input(
            "mysql8.0",
            "db.t3.medium",
            &[("max_connections", "1000")],
        ));
        assert_eq!(
            value(&p, "max_connections").map(|x| x.value.as_str()),
            Some("1000")
        );
        let w = p
            .diagnostics
            .iter()
            .find(|d| d.summary.contains("can hold"))
            .expect("a memory warning");
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!(w.path, override_path("max_connections"));
        assert_eq!(
            w.summary,
            "max_connections 1000 is more than db.t3.medium can hold"
        );
        assert!(w.detail.contains("about 341 connections"), "{}", w.detail);
        assert!(
            w.detail.contains("{DBInstanceClassMemory/12582880}"),
            "{}",
            w.detail
        );

        // A formula follows the class: no warning.
        let p = ok(&input(
            "mysql8.0",
            "db.t3.medium",
            &[(
                "max_connections",
                "LEAST({DBInstanceClassMemory/12582880},1000)",
            )],
        ));
        assert!(!p.warnings.iter().any(|w| w.contains("can hold")));

        // PostgreSQL counts about 9 MiB a connection: 4 GiB holds about 450.
        let p = ok(&input(
            "postgres16",
            "db.t3.medium",
            &[("max_connections", "1000")],
        ));
        let w = p
            .diagnostics
            .iter()
            .find(|d| d.summary.contains("can hold"))
            .expect("a memory warning");
        assert!(w.detail.contains("about 450 connections"), "{}", w.detail);
        let p = ok(&input(
            "postgres16",
            "db.t3.medium",
            &[("max_connections", "400")],
        ));
        assert!(!p.warnings.iter().any(|w| w.contains("can hold")));
    }
}
