//! Resource `logexaminer_s3_tier_policy`: one validated hot/warm/cold/archive policy per
//! bucket, written as the bucket's lifecycle rules `logexaminer:<name>:<n>` and
//! intelligent-tiering configurations `logexaminer-<name>`, next to whatever other rules and
//! configurations the bucket has, plus a computed monthly cost estimate.
//!
//! - Schema and model first, then CRUD and import, then the helpers shared with the
//!   `logexaminer_s3_tier_cost` data source (policy blocks, validation, estimate).
//! - Validation is [`super::tier_rules::validate`], run at validate and plan time on possibly
//!   partially known configuration; each finding becomes a diagnostic on its attribute path.
//! - Apply renders the policy with [`super::lifecycle_doc`] and writes it with
//!   [`super::api::write_owned_rules`] (read-modify-write of the whole lifecycle document,
//!   foreign rules kept, races detected and merged again).
//! - Read rebuilds the tier sets and intelligent-tiering blocks from what the bucket holds, so
//!   out-of-band changes show in the plan; equivalent spellings and order keep the prior
//!   state's, so that only real changes do.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin::schema::{check, length_between};
use tfplugin::{
    ApplyError, ApplyRequest, ApplyResult, AttrPath, Attribute, Block, Config, Ctx, DiagResult,
    Diagnostic, Diagnostics, NestedBlock, Nesting, Number, Plan, Resource, Schema, Type, Value,
};

use super::api::{ApiError, BucketApi, LifecycleStore, WriteSettings, write_owned_rules};
use super::lifecycle_doc::{
    ItConfig, LifecycleDocument, desired_rules, desired_tiering_configs, order_tier_sets_like,
    order_tierings_like, owned_tiering_config, tier_sets_from_rules, tiering_changes,
    tierings_from_configs,
};
use super::tier_cost::{EstimateError, estimate_from_inputs};
use super::tier_rules::{
    self, Finding, IntelligentTiering, MinimumObjectSize, PathStep, Severity, TierPolicy, TierSet,
    Val,
};
use crate::ProviderData;
use crate::errors::{Action, failed};

/// The resource type name.
pub const TYPE_NAME: &str = "logexaminer_s3_tier_policy";

/// The resource.
pub struct TierPolicyResource;

/// The state (and planned values) of one `logexaminer_s3_tier_policy`; field names are the
/// attribute names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Bucket name.
    pub bucket: String,
    /// Account ID that must own the bucket.
    pub expected_bucket_owner: Option<String>,
    /// Lifecycle rule families.
    #[serde(default)]
    pub tier_set: Vec<TierSet>,
    /// Intelligent-tiering archive configurations.
    #[serde(default)]
    pub intelligent_tiering: Vec<IntelligentTiering>,
    /// Bucket-wide `TransitionDefaultMinimumObjectSize`.
    pub transition_default_minimum_object_size: Option<String>,
    /// Estimate input: object size in KB.
    pub assumed_object_size_kb: Option<i64>,
    /// Estimate input: days objects are kept.
    pub retention_days: Option<i64>,
    /// USD per month per TB ingested per month.
    pub estimated_monthly_cost_per_tb: Option<f64>,
    /// The bucket name.
    pub id: Option<String>,
}

impl State {
    /// The policy model of this state, for rendering and estimating.
    pub fn policy(&self) -> TierPolicy {
        TierPolicy {
            bucket: Val::Known(self.bucket.clone()),
            expected_bucket_owner: Val::from_option(self.expected_bucket_owner.clone()),
            tier_set: Val::Known(self.tier_set.clone()),
            intelligent_tiering: Val::Known(self.intelligent_tiering.clone()),
            transition_default_minimum_object_size: Val::from_option(
                self.transition_default_minimum_object_size.clone(),
            ),
            assumed_object_size_kb: Val::from_option(self.assumed_object_size_kb),
            retention_days: Val::from_option(self.retention_days),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Schema (the policy blocks are shared with the data source)
// ---------------------------------------------------------------------------------------------

fn whole_number() -> std::sync::Arc<dyn tfplugin::schema::Validator> {
    check("Not a whole number", "A whole number.", |v| {
        match v.as_number() {
            Some(n) if n.as_i64().is_none() => Err(format!("{n} is not a whole number.")),
            _ => Ok(()),
        }
    })
}

fn int(name: &str, description: &str) -> Attribute {
    Attribute::number(name)
        .describe(description)
        .validate(whole_number())
}

const STORAGE_CLASSES: &str = "`STANDARD_IA`, `INTELLIGENT_TIERING`, `ONEZONE_IA`, `GLACIER_IR`, `GLACIER` (S3 Glacier Flexible Retrieval) or `DEEP_ARCHIVE`";

/// The `tier_set` block.
pub(crate) fn tier_set_block() -> NestedBlock {
    let filter = Block::new(
        "Which objects the tier set applies to; all conditions must hold. Without a filter the tier set applies to every object of the bucket.",
    )
    .attr(Attribute::string("prefix").describe("Key prefix, e.g. `raw/` (at most 1024 bytes)."))
    .attr(
        Attribute::new("tags", Type::map(Type::String))
            .describe("Tags an object must all carry (keys 1-128, values up to 256 characters)."),
    )
    .attr(int(
        "object_size_greater_than",
        "Only objects larger than this many bytes. A size filter also overrides `transition_default_minimum_object_size`, so objects under 128 KB it admits make every transition.",
    ))
    .attr(int(
        "object_size_less_than",
        "Only objects smaller than this many bytes.",
    ));
    let transition = Block::new(
        "A transition of current versions. List them in order of strictly increasing `days`; each must be a transition S3 supports from the class before it (objects start in `STANDARD`).",
    )
    .attr(int("days", "Days after object creation.").required())
    .attr(
        Attribute::string("storage_class")
            .required()
            .describe(&format!("Target storage class: {STORAGE_CLASSES}.")),
    );
    let noncurrent = Block::new(
        "A transition of noncurrent versions (versioned buckets), in order of strictly increasing `noncurrent_days`.",
    )
    .attr(int("noncurrent_days", "Days after the version became noncurrent.").required())
    .attr(int(
        "newer_noncurrent_versions",
        "Number of newer noncurrent versions (1-100) kept out of this transition.",
    ))
    .attr(
        Attribute::string("storage_class")
            .required()
            .describe(&format!("Target storage class: {STORAGE_CLASSES}.")),
    );
    NestedBlock::new(
        "tier_set",
        Nesting::List,
        Block::new(
            "A family of lifecycle rules sharing one filter: the rule `logexaminer:<name>:0` (plus `logexaminer:<name>:1` carrying the abort of multipart uploads when the filter has tags or sizes).",
        )
        .attr(
            Attribute::string("name")
                .required()
                .describe("Unique name, part of the rule IDs: letters, digits, `.`, `_`, `-` (at most 241)."),
        )
        .block(NestedBlock::new("filter", Nesting::List, filter).items(0, 1))
        .block(NestedBlock::new("transition", Nesting::List, transition))
        .block(NestedBlock::new("noncurrent_transition", Nesting::List, noncurrent))
        .attr(int(
            "expiration_days",
            "Days after creation when current versions expire; after the last transition.",
        ))
        .attr(int(
            "noncurrent_expiration_days",
            "Days after becoming noncurrent when noncurrent versions are deleted.",
        ))
        .attr(int(
            "abort_incomplete_multipart_days",
            "Days after initiation when incomplete multipart uploads are aborted.",
        )),
    )
    .items(1, 0)
}

/// The `intelligent_tiering` block.
pub(crate) fn intelligent_tiering_block() -> NestedBlock {
    let filter = Block::new(
        "Which objects the configuration applies to; without a filter, every object in the INTELLIGENT_TIERING class.",
    )
    .attr(Attribute::string("prefix").describe("Key prefix."))
    .attr(Attribute::new("tags", Type::map(Type::String)).describe("Tags an object must all carry."));
    NestedBlock::new(
        "intelligent_tiering",
        Nesting::List,
        Block::new(
            "An S3 Intelligent-Tiering archive configuration `logexaminer-<name>`: objects in INTELLIGENT_TIERING that are not accessed move to the Archive Access and/or Deep Archive Access tiers.",
        )
        .attr(
            Attribute::string("name")
                .required()
                .describe("Unique name, part of the configuration ID: letters, digits, `.`, `_`, `-` (at most 52)."),
        )
        .block(NestedBlock::new("filter", Nesting::List, filter).items(0, 1))
        .attr(int(
            "archive_access_days",
            "Days without access before objects move to the Archive Access tier (90-730).",
        ))
        .attr(int(
            "deep_archive_access_days",
            "Days without access before objects move to the Deep Archive Access tier (180-730, after `archive_access_days`).",
        )),
    )
}

/// `transition_default_minimum_object_size`, described for the resource or the data source.
pub(crate) fn minimum_object_size_attr(description: &str) -> Attribute {
    Attribute::string("transition_default_minimum_object_size").describe(description)
}

/// The estimate inputs shared by the resource and the data source.
pub(crate) fn estimate_input_attrs(block: Block, size_required: bool) -> Block {
    let size = int(
        "assumed_object_size_kb",
        "Estimate input: the typical object size in KB (1024 bytes), 1 to 5 TiB.",
    );
    block
        .attr(if size_required { size.required() } else { size })
        .attr(int(
            "retention_days",
            "Estimate input: days objects are kept when no `expiration_days` removes them earlier. The estimate needs this or `expiration_days` on every tier set.",
        ))
}

// ---------------------------------------------------------------------------------------------
// Validation and estimate (shared with the data source)
// ---------------------------------------------------------------------------------------------

fn rule_path(path: &AttrPath) -> Vec<PathStep> {
    path.steps()
        .iter()
        .map(|s| match s {
            tfplugin::PathStep::Attr(a) => PathStep::Attr(a.clone()),
            tfplugin::PathStep::Index(i) => PathStep::Index(*i),
            tfplugin::PathStep::Key(k) => PathStep::Key(k.clone()),
        })
        .collect()
}

fn attr_path(path: &[PathStep]) -> AttrPath {
    path.iter().fold(AttrPath::root(), |p, s| match s {
        PathStep::Attr(a) => p.attr(a.clone()),
        PathStep::Index(i) => p.index(*i),
        PathStep::Key(k) => p.key(k.clone()),
    })
}

/// The policy of a (possibly partially known) configuration: unknown values marked as such,
/// so that checks depending on them are skipped. `None` when the configuration cannot be read
/// as a policy (schema validation reports why) or an unknown value cannot be placed.
pub(crate) fn policy_from_config(config: &Config) -> Option<TierPolicy> {
    let mut policy: TierPolicy = config.model().ok()?;
    for path in config.value().unknown_paths() {
        if let Err(e) = policy.mark_unknown(&rule_path(&path)) {
            tracing::debug!(%e, "policy checks skipped");
            return None;
        }
    }
    Some(policy)
}

/// A rule finding as a diagnostic on its attribute, naming the rule.
pub(crate) fn finding_diagnostic(f: &Finding) -> Diagnostic {
    let detail = format!(
        "{}\n\nRule `{}`: {}.",
        f.detail,
        f.rule.id(),
        f.rule.description()
    );
    let d = match f.severity {
        Severity::Error => Diagnostic::error(f.summary.clone(), detail),
        Severity::Warning => Diagnostic::warning(f.summary.clone(), detail),
    };
    if f.path.is_empty() {
        d
    } else {
        d.at(attr_path(&f.path))
    }
}

/// Every rule of [`tier_rules::validate`], then (when the policy is valid and fully known)
/// whether the estimate can be made.
pub(crate) fn check_policy(policy: &TierPolicy) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for f in tier_rules::validate(policy) {
        diags.push(finding_diagnostic(&f));
    }
    if diags.has_errors() || !policy.is_fully_known() {
        return diags;
    }
    match estimate_from_inputs(policy) {
        Ok(_)
        | Err(
            EstimateError::Unknown { .. }
            | EstimateError::ObjectSize(_)
            | EstimateError::Retention(_),
        ) => {}
        Err(e) => diags.push(estimate_diagnostic(&e)),
    }
    diags
}

/// An estimate that cannot be made, on `assumed_object_size_kb` (the input that asks for it).
pub(crate) fn estimate_diagnostic(e: &EstimateError) -> Diagnostic {
    Diagnostic::error(
        "Cannot estimate the monthly cost",
        format!(
            "{e}. The estimate models the policy for objects of assumed_object_size_kb; set \
             retention_days (or expiration_days on every tier set) and make sure a tier set \
             admits objects of that size, or remove assumed_object_size_kb."
        ),
    )
    .at(match e {
        EstimateError::Retention(_) => AttrPath::attribute("retention_days"),
        _ => AttrPath::attribute("assumed_object_size_kb"),
    })
}

/// USD rounded to the cent.
pub(crate) fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

/// The estimate of a fully known policy, `None` when not asked for or not computable.
fn estimate_of(policy: &TierPolicy) -> Option<f64> {
    if tier_rules::validate(policy)
        .iter()
        .any(|f| f.severity == Severity::Error)
    {
        return None;
    }
    match estimate_from_inputs(policy) {
        Ok(Some(e)) => Some(cents(e.monthly_cost_per_tb)),
        _ => None,
    }
}

/// The planned `estimated_monthly_cost_per_tb`: null without `assumed_object_size_kb`,
/// unknown while an input is unknown or the policy is invalid, else the estimate.
fn planned_cost(policy: &TierPolicy) -> Value {
    match policy.assumed_object_size_kb {
        Val::Null => Value::Null,
        _ if !policy.is_fully_known() => Value::Unknown,
        _ => match estimate_of(policy) {
            Some(usd) => Value::Number(Number::from(usd)),
            None => Value::Unknown,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Read helpers
// ---------------------------------------------------------------------------------------------

fn keep_prior_tier_set(prior: &[TierSet], found: TierSet) -> TierSet {
    let canonical = found.canonical();
    prior
        .iter()
        .find(|p| p.name == found.name && p.canonical() == canonical)
        .cloned()
        .unwrap_or(found)
}

fn keep_prior_tiering(
    prior: &[IntelligentTiering],
    found: IntelligentTiering,
) -> IntelligentTiering {
    let canonical = found.canonical();
    prior
        .iter()
        .find(|p| p.name == found.name && p.canonical() == canonical)
        .cloned()
        .unwrap_or(found)
}

/// The state the bucket's configuration expresses, given the prior state (whose order,
/// spelling and estimate inputs are kept) and what S3 returned.
pub fn state_from_bucket(
    prior: &State,
    lifecycle: Option<&LifecycleDocument>,
    tierings: &[ItConfig],
) -> State {
    let rules = lifecycle.map(|d| d.rules.as_slice()).unwrap_or_default();
    let tier_set = order_tier_sets_like(&prior.tier_set, tier_sets_from_rules(rules))
        .into_iter()
        .map(|t| keep_prior_tier_set(&prior.tier_set, t))
        .collect();
    let intelligent_tiering =
        order_tierings_like(&prior.intelligent_tiering, tierings_from_configs(tierings))
            .into_iter()
            .map(|t| keep_prior_tiering(&prior.intelligent_tiering, t))
            .collect();
    let mut state = State {
        tier_set,
        intelligent_tiering,
        transition_default_minimum_object_size: lifecycle
            .and_then(|d| d.transition_default_minimum_object_size.clone()),
        id: Some(prior.bucket.clone()),
        ..prior.clone()
    };
    state.estimated_monthly_cost_per_tb = estimate_of(&state.policy());
    state
}

/// Reads the bucket; `Ok(None)` when the bucket is gone.
async fn read_bucket(api: &BucketApi, prior: &State) -> Result<Option<State>, ApiError> {
    let lifecycle = match api.find_lifecycle().await {
        Ok(doc) => doc,
        Err(e) if e.is_no_such_bucket() => return Ok(None),
        Err(e) => return Err(e),
    };
    let tierings = match api.list_tiering_configs().await {
        Ok(t) => t,
        Err(e) if e.is_no_such_bucket() => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(state_from_bucket(
        prior,
        lifecycle.as_ref(),
        &tierings,
    )))
}

async fn bucket_api(ctx: &Ctx<ProviderData>, state: &State) -> DiagResult<BucketApi> {
    let client = ctx.data()?.s3().await?;
    Ok(BucketApi::new(
        client,
        &state.bucket,
        state.expected_bucket_owner.clone(),
    ))
}

/// The diagnostic for an S3 failure, on the attribute the failing part concerns.
fn s3_failure(action: Action, bucket: &str, path: AttrPath, e: &ApiError) -> Diagnostic {
    let path = if e.is_no_such_bucket() {
        AttrPath::attribute("bucket")
    } else {
        path
    };
    failed(action, "S3", "tier policy", bucket, e).at(path)
}

/// The `transition_default_minimum_object_size` the configuration sets (`None`: keep the
/// bucket's).
fn configured_minimum_size(config: &Value) -> Result<Option<MinimumObjectSize>, Diagnostic> {
    let attr = "transition_default_minimum_object_size";
    match config.attr(attr).as_str() {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            Diagnostic::error(
                "Invalid transition default minimum object size",
                format!("{s:?}: use \"all_storage_classes_128K\" or \"varies_by_storage_class\""),
            )
            .at(AttrPath::attribute(attr))
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------------------------

impl TierPolicyResource {
    async fn apply(
        &self,
        ctx: &Ctx<ProviderData>,
        req: ApplyRequest<State>,
        action: Action,
    ) -> ApplyResult<State> {
        let mut state = req.config;
        let bucket = state.bucket.clone();
        let policy = state.policy();
        let render_failed = |path: &str, e: &dyn std::fmt::Display| {
            failed(action, "S3", "tier policy", &bucket, e).at(AttrPath::attribute(path))
        };
        let desired = desired_rules(&policy).map_err(|e| render_failed("tier_set", &e))?;
        let desired_tierings = desired_tiering_configs(&policy)
            .map_err(|e| render_failed("intelligent_tiering", &e))?;
        let minimum_size = configured_minimum_size(&req.config_value)?;
        let api = bucket_api(ctx, &state).await?;

        let outcome = write_owned_rules(&api, &desired, minimum_size, &WriteSettings::default())
            .await
            .map_err(|e| s3_failure(action, &bucket, AttrPath::attribute("tier_set"), &e))?;
        tracing::info!(
            bucket = %bucket,
            rules = desired.len(),
            wrote = outcome.wrote,
            attempts = outcome.attempts,
            "lifecycle rules in place"
        );

        if let Err((path, e)) = apply_tierings(&api, &desired_tierings).await {
            // The lifecycle rules are written: record what the bucket really holds, so the
            // next plan shows what is left to do.
            let partial = read_bucket(&api, &state).await.ok().flatten();
            return Err(ApplyError {
                diags: s3_failure(action, &bucket, path, &e).into(),
                partial,
            });
        }

        state.id = Some(bucket.clone());
        if req
            .planned
            .attr("transition_default_minimum_object_size")
            .is_unknown()
        {
            state.transition_default_minimum_object_size = outcome
                .document
                .transition_default_minimum_object_size
                .clone();
        }
        if req
            .planned
            .attr("estimated_monthly_cost_per_tb")
            .is_unknown()
        {
            state.estimated_monthly_cost_per_tb = estimate_of(&state.policy());
        }
        Ok(state)
    }
}

/// Puts the wanted intelligent-tiering configurations that differ from the bucket's and
/// deletes the owned ones no longer wanted. On failure, the path of the block concerned.
async fn apply_tierings(api: &BucketApi, desired: &[ItConfig]) -> Result<(), (AttrPath, ApiError)> {
    let whole = || AttrPath::attribute("intelligent_tiering");
    let existing = api.list_tiering_configs().await.map_err(|e| (whole(), e))?;
    let changes = tiering_changes(&existing, desired);
    for c in &changes.put {
        let path = desired
            .iter()
            .position(|d| d.id == c.id)
            .map_or_else(whole, |i| {
                whole().index(i64::try_from(i).unwrap_or(i64::MAX))
            });
        api.put_tiering_config(c).await.map_err(|e| (path, e))?;
    }
    for id in &changes.delete {
        api.delete_tiering_config(id)
            .await
            .map_err(|e| (whole(), e))?;
    }
    Ok(())
}

#[async_trait]
impl Resource<ProviderData> for TierPolicyResource {
    type State = State;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "One validated hot/warm/cold/archive policy for an S3 bucket: lifecycle transitions and expirations (`tier_set`) and Intelligent-Tiering archive configurations (`intelligent_tiering`), checked at plan time against the S3 rules, with a monthly cost estimate. The resource manages only the lifecycle rules whose ID starts with `logexaminer:` and the intelligent-tiering configurations whose ID starts with `logexaminer-`; every other rule and configuration on the bucket is left as it is. Use one `logexaminer_s3_tier_policy` per bucket, and do not combine it with `aws_s3_bucket_lifecycle_configuration` on the same bucket (that resource replaces every rule).",
        )
        .attr(
            Attribute::string("bucket")
                .required()
                .requires_replace()
                .validate(length_between(3, 63))
                .describe("Name of the bucket; changing it moves the policy to another bucket."),
        )
        .attr(
            Attribute::string("expected_bucket_owner")
                .requires_replace()
                .describe("Account ID (12 digits) expected to own the bucket; S3 refuses every call otherwise."),
        )
        .block(tier_set_block())
        .block(intelligent_tiering_block())
        .attr(
            minimum_object_size_attr(
                "`all_storage_classes_128K` (objects under 128 KB do not transition; the S3 default) or `varies_by_storage_class` (they transition to `GLACIER` and `DEEP_ARCHIVE` only). Bucket-wide: it applies to the other lifecycle rules of the bucket too. When not set, the bucket's setting is kept and shown here.",
            )
            .optional_computed()
            .use_state_for_unknown(),
        );
        let block = estimate_input_attrs(block, false)
            .attr(
                Attribute::number("estimated_monthly_cost_per_tb")
                    .computed()
                    .describe("Estimated USD per month, at steady state, for 1 TB ingested per month of objects of `assumed_object_size_kb` (us-east-1 list prices of the date given below, rounded to the cent); null without `assumed_object_size_kb`. Known at plan time."),
            )
            .attr(
                Attribute::string("id")
                    .computed()
                    .use_state_for_unknown()
                    .describe("The bucket name."),
            );
        Schema::new(block)
    }

    async fn validate(&self, config: &Config) -> Diagnostics {
        match policy_from_config(config) {
            Some(policy) => check_policy(&policy),
            None => Diagnostics::new(),
        }
    }

    async fn modify_plan(&self, _ctx: &Ctx<ProviderData>, plan: &mut Plan) -> Diagnostics {
        let cost_path = AttrPath::attribute("estimated_monthly_cost_per_tb");
        let Some(mut policy) = policy_from_config(&plan.config) else {
            plan.set(&cost_path, Value::Unknown);
            return Diagnostics::new();
        };
        // The estimate uses the setting in force: the configured one, else the bucket's.
        if policy.transition_default_minimum_object_size.is_null()
            && let Some(s) = plan
                .planned
                .attr("transition_default_minimum_object_size")
                .as_str()
        {
            policy.transition_default_minimum_object_size = Val::Known(s.to_owned());
        }
        plan.set(&cost_path, planned_cost(&policy));
        if plan.is_create()
            && let Val::Known(bucket) = &policy.bucket
        {
            plan.set(&AttrPath::attribute("id"), Value::from(bucket.as_str()));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &Ctx<ProviderData>,
        req: ApplyRequest<State>,
    ) -> ApplyResult<State> {
        self.apply(ctx, req, Action::Creating).await
    }

    async fn read(&self, ctx: &Ctx<ProviderData>, state: State) -> DiagResult<Option<State>> {
        let api = bucket_api(ctx, &state).await?;
        match read_bucket(&api, &state).await {
            Ok(Some(s)) => Ok(Some(s)),
            Ok(None) => {
                tracing::warn!(bucket = %state.bucket, "bucket is gone; removing the tier policy from state");
                Ok(None)
            }
            Err(e) => Err(s3_failure(
                Action::Reading,
                &state.bucket,
                AttrPath::attribute("bucket"),
                &e,
            )
            .into()),
        }
    }

    async fn update(
        &self,
        ctx: &Ctx<ProviderData>,
        _prior: State,
        req: ApplyRequest<State>,
    ) -> ApplyResult<State> {
        self.apply(ctx, req, Action::Updating).await
    }

    async fn delete(&self, ctx: &Ctx<ProviderData>, prior: State) -> DiagResult<()> {
        let api = bucket_api(ctx, &prior).await?;
        let fail = |path: &str, e: &ApiError| {
            s3_failure(
                Action::Deleting,
                &prior.bucket,
                AttrPath::attribute(path),
                e,
            )
        };
        match write_owned_rules(&api, &[], None, &WriteSettings::default()).await {
            Ok(_) => {}
            Err(e) if e.is_no_such_bucket() => return Ok(()),
            Err(e) => return Err(fail("tier_set", &e).into()),
        }
        let tierings = match api.list_tiering_configs().await {
            Ok(t) => t,
            Err(e) if e.is_no_such_bucket() => return Ok(()),
            Err(e) => return Err(fail("intelligent_tiering", &e).into()),
        };
        for c in tierings.iter().filter(|c| owned_tiering_config(&c.id)) {
            api.delete_tiering_config(&c.id)
                .await
                .map_err(|e| fail("intelligent_tiering", &e))?;
        }
        Ok(())
    }

    async fn import(
        &self,
        ctx: &Ctx<ProviderData>,
        id: &str,
        _identity: Option<&Value>,
    ) -> DiagResult<State> {
        let (bucket, owner) = match id.split_once(',') {
            Some((b, o)) => (b.trim(), Some(o.trim().to_owned())),
            None => (id.trim(), None),
        };
        if bucket.is_empty() {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!(
                    "{id:?}: import with the bucket name, or `<bucket>,<expected_bucket_owner>`."
                ),
            )
            .into());
        }
        let prior = State {
            bucket: bucket.to_owned(),
            expected_bucket_owner: owner,
            id: Some(bucket.to_owned()),
            ..State::default()
        };
        let api = bucket_api(ctx, &prior).await?;
        match read_bucket(&api, &prior).await {
            Ok(Some(s)) if s.tier_set.is_empty() && s.intelligent_tiering.is_empty() => {
                Err(Diagnostic::error(
                    "Nothing to import",
                    format!(
                        "The bucket {bucket:?} has no lifecycle rule with an ID \
                         logexaminer:<name>:<n> and no intelligent-tiering configuration with \
                         an ID logexaminer-<name> that this resource could manage. Create the \
                         resource instead of importing it."
                    ),
                )
                .into())
            }
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Diagnostic::error(
                "Cannot import",
                format!("The bucket {bucket:?} does not exist."),
            )
            .into()),
            Err(e) => Err(s3_failure(Action::Importing, bucket, AttrPath::root(), &e).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::s3::lifecycle_doc::{RuleFilter, desired_rules as render};
    use crate::s3::tier_rules::{Filter, Transition};
    use tfplugin::model;

    fn tr(days: i64, class: &str) -> Transition {
        Transition {
            days: days.into(),
            storage_class: class.into(),
        }
    }

    fn state() -> State {
        State {
            bucket: "logs".to_owned(),
            tier_set: vec![
                TierSet {
                    name: "raw".into(),
                    filter: Val::Known(Filter {
                        prefix: "raw/".into(),
                        ..Filter::default()
                    }),
                    transition: Val::Known(vec![tr(30, "STANDARD_IA"), tr(120, "GLACIER")]),
                    noncurrent_transition: Val::Known(vec![]),
                    expiration_days: 400.into(),
                    ..TierSet::default()
                },
                TierSet {
                    name: "tmp".into(),
                    filter: Val::Known(Filter {
                        prefix: "tmp/".into(),
                        ..Filter::default()
                    }),
                    transition: Val::Known(vec![]),
                    noncurrent_transition: Val::Known(vec![]),
                    expiration_days: 7.into(),
                    ..TierSet::default()
                },
            ],
            intelligent_tiering: vec![IntelligentTiering {
                name: "cold".into(),
                archive_access_days: 90.into(),
                ..IntelligentTiering::default()
            }],
            assumed_object_size_kb: Some(1024),
            ..State::default()
        }
    }

    fn doc_of(s: &State) -> LifecycleDocument {
        LifecycleDocument {
            rules: render(&s.policy()).expect("renders"),
            transition_default_minimum_object_size: Some("all_storage_classes_128K".to_owned()),
        }
    }

    #[test]
    fn schema_matches_the_model_and_every_attribute_is_described() {
        let schema = TierPolicyResource.schema();
        assert!(
            schema.block.undocumented("").is_empty(),
            "{:?}",
            schema.block.undocumented("")
        );
        let mut s = state();
        s.estimated_monthly_cost_per_tb = Some(12.5);
        s.id = Some("logs".to_owned());
        let v = model::to_value(&s, &schema.value_type()).expect("encodes");
        assert_eq!(
            v.get(
                &AttrPath::attribute("tier_set")
                    .index(0)
                    .attr("filter")
                    .index(0)
                    .attr("prefix")
            ),
            &Value::from("raw/")
        );
        let back: State = model::from_value(&v).expect("decodes");
        assert_eq!(back, s);
        // The validation model reads the same value.
        let p: TierPolicy = model::from_value(&v).expect("decodes as a policy");
        assert_eq!(p.tier_set.items().len(), 2);
    }

    #[test]
    fn read_keeps_order_and_spelling_and_reports_drift() {
        let mut prior = state();
        // Spelled differently from what S3 returns, but equivalent.
        prior.tier_set[1].filter = Val::Known(Filter {
            prefix: "tmp/".into(),
            tags: Val::Known(BTreeMap::new()),
            ..Filter::default()
        });
        prior.tier_set.swap(0, 1);
        let doc = doc_of(&prior);
        let its = desired_tiering_configs(&prior.policy()).expect("renders");
        let read = state_from_bucket(&prior, Some(&doc), &its);
        assert_eq!(read.tier_set, prior.tier_set, "no drift");
        assert_eq!(read.intelligent_tiering, prior.intelligent_tiering);
        assert_eq!(read.id.as_deref(), Some("logs"));
        assert_eq!(
            read.transition_default_minimum_object_size.as_deref(),
            Some("all_storage_classes_128K")
        );

        // Out-of-band change of our rule: shows as the new value.
        let mut changed = doc.clone();
        for r in &mut changed.rules {
            if r.id.as_deref() == Some("logexaminer:raw:0") {
                r.transitions[1].days = Some(150);
            }
        }
        let read = state_from_bucket(&prior, Some(&changed), &its);
        let raw = read
            .tier_set
            .iter()
            .find(|t| t.name.known().map(String::as_str) == Some("raw"))
            .expect("raw still there");
        assert_eq!(raw.transition.items()[1].days, Val::Known(150));

        // Out-of-band deletion: the tier set and block are missing.
        let mut deleted = doc.clone();
        deleted
            .rules
            .retain(|r| r.id.as_deref() != Some("logexaminer:tmp:0"));
        let read = state_from_bucket(&prior, Some(&deleted), &[]);
        assert_eq!(read.tier_set.len(), 1);
        assert!(read.intelligent_tiering.is_empty());

        // No lifecycle configuration at all.
        let read = state_from_bucket(&prior, None, &[]);
        assert!(read.tier_set.is_empty());
        assert_eq!(read.transition_default_minimum_object_size, None);
        assert_eq!(read.estimated_monthly_cost_per_tb, None);
    }

    #[test]
    fn foreign_rules_are_ignored_on_read() {
        let prior = state();
        let mut doc = doc_of(&prior);
        doc.rules.insert(
            0,
            crate::s3::lifecycle_doc::LifecycleRule {
                id: Some("team-archive".to_owned()),
                filter: Some(RuleFilter::Prefix("raw/".to_owned())),
                expiration_days: Some(3),
                ..Default::default()
            },
        );
        let read = state_from_bucket(&prior, Some(&doc), &[]);
        assert_eq!(read.tier_set, prior.tier_set);
    }

    #[test]
    fn planned_cost_is_null_unknown_or_the_estimate() {
        let mut p = state().policy();
        p.retention_days = Val::Null;
        let known = planned_cost(&p);
        let Value::Number(n) = &known else {
            panic!("expected a number, got {known:?}")
        };
        assert!(n.as_f64() > 0.0);
        assert_eq!(Some(n.as_f64()), estimate_of(&p));
        // Rounded to the cent.
        assert_eq!(n.as_f64(), cents(n.as_f64()));

        let mut unknown = p.clone();
        unknown.tier_set = Val::Unknown;
        assert_eq!(planned_cost(&unknown), Value::Unknown);

        let mut none = p.clone();
        none.assumed_object_size_kb = Val::Null;
        assert_eq!(planned_cost(&none), Value::Null);

        let mut invalid = p;
        if let Val::Known(sets) = &mut invalid.tier_set {
            sets[0].transition =
                Val::Known(vec![tr(1, "INTELLIGENT_TIERING"), tr(30, "STANDARD_IA")]);
        }
        assert_eq!(planned_cost(&invalid), Value::Unknown);
    }

    #[test]
    fn estimate_problems_are_reported_on_the_input() {
        let mut p = state().policy();
        if let Val::Known(sets) = &mut p.tier_set {
            sets[0].expiration_days = Val::Null;
        }
        let d = check_policy(&p);
        let errors: Vec<_> = d.iter().filter(|x| x.is_error()).collect();
        assert_eq!(errors.len(), 1, "{d}");
        assert_eq!(
            errors[0].path,
            Some(AttrPath::attribute("assumed_object_size_kb"))
        );
        assert!(errors[0].detail.contains("retention_days"), "{d}");
        p.retention_days = Val::Known(365);
        assert!(!check_policy(&p).has_errors());
    }

    #[test]
    fn findings_become_diagnostics_on_their_path_naming_the_rule() {
        let mut p = state().policy();
        if let Val::Known(sets) = &mut p.tier_set {
            sets[0].transition =
                Val::Known(vec![tr(1, "INTELLIGENT_TIERING"), tr(30, "STANDARD_IA")]);
        }
        let d = check_policy(&p);
        let e = d.iter().find(|x| x.is_error()).expect("an error");
        assert_eq!(
            e.path,
            Some(
                AttrPath::attribute("tier_set")
                    .index(0)
                    .attr("transition")
                    .index(1)
                    .attr("storage_class")
            )
        );
        assert!(
            e.detail.contains("INTELLIGENT_TIERING -> STANDARD_IA"),
            "{e}"
        );
        assert!(e.detail.contains("Rule `transition_graph`"), "{e}");
    }

    #[test]
    fn unknown_values_skip_checks_instead_of_failing() {
        let schema = TierPolicyResource.schema();
        let mut s = state();
        s.tier_set[0].transition =
            Val::Known(vec![tr(1, "INTELLIGENT_TIERING"), tr(30, "STANDARD_IA")]);
        let mut v = model::to_value(&s, &schema.value_type()).expect("encodes");
        let class = AttrPath::attribute("tier_set")
            .index(0)
            .attr("transition")
            .index(1)
            .attr("storage_class");
        let config = Config::new(v.clone());
        let policy = policy_from_config(&config).expect("a policy");
        assert!(check_policy(&policy).has_errors());
        assert!(v.set(&class, Value::Unknown));
        let policy = policy_from_config(&Config::new(v)).expect("a policy");
        assert!(!check_policy(&policy).has_errors());
        assert_eq!(planned_cost(&policy), Value::Unknown);
    }

    #[test]
    fn configured_minimum_size_reads_only_the_configuration() {
        let cfg = |v: Value| {
            Value::Object(BTreeMap::from([(
                "transition_default_minimum_object_size".to_owned(),
                v,
            )]))
        };
        assert_eq!(configured_minimum_size(&cfg(Value::Null)), Ok(None));
        assert_eq!(
            configured_minimum_size(&cfg(Value::from("varies_by_storage_class"))),
            Ok(Some(MinimumObjectSize::VariesByStorageClass))
        );
        assert!(configured_minimum_size(&cfg(Value::from("huge"))).is_err());
    }
}
