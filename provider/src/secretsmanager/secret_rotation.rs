//! Resource `logexaminer_secret_rotation`: turns on Secrets Manager rotation of a database secret with the
//! LogExaminer rotation function (crate `rotation-lambda`), after a preflight that catches what would make
//! every rotation fail, and offers a manual rollback.
//!
//! - Create/update: preflight ([`preflight`]: the function exists, its resource policy lets
//!   `secretsmanager.amazonaws.com` invoke it, the secret is RDS-shaped JSON, `masterarn` present and readable
//!   for alternating users, the notification topic exists), then the tags the function reads
//!   (`logexaminer:rotation-strategy`, `logexaminer:rotation-notification-topic`), then `RotateSecret` with the
//!   schedule (`automatically_after_days` XOR `schedule_expression`, switching between them in one apply,
//!   plus `duration`) and `RotateImmediately = rotate_immediately` (default false: Secrets Manager then only
//!   runs the function's testSecret).
//! - Read: `DescribeSecret` — function, schedule, dates, and `last_rotation_status` derived from the labels.
//!   Rotation turned off or the secret deleted removes the resource from state.
//! - `rollback_trigger`: changing it invokes the function synchronously with
//!   `{"Action":"rollback","SecretId":...}` (AWSCURRENT back to AWSPREVIOUS *and* the database password to
//!   match); the function's error becomes the diagnostic.
//! - Delete: `CancelRotateSecret` and the tags removed. Import: by secret ARN (or name).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::types::{RotationRulesType, Tag};
use serde::{Deserialize, Serialize};
use tfplugin::schema::{check, int_between, one_of};
use tfplugin::{
    ApplyError, ApplyRequest, ApplyResult, AttrPath, Attribute, Block, Config, Ctx, DiagResult,
    Diagnostic, Diagnostics, Plan, Resource, Schema, Value,
};

use crate::ProviderData;
use crate::errors::{Action, chain, failed};

/// The resource type name.
pub const TYPE_NAME: &str = "logexaminer_secret_rotation";
/// The tag the function reads the strategy from (same as `rotation_lambda::strategy::STRATEGY_TAG`).
pub const STRATEGY_TAG: &str = "logexaminer:rotation-strategy";
/// The tag the function reads its notification topic from (same as `rotation_lambda::notify::TOPIC_TAG`).
pub const TOPIC_TAG: &str = "logexaminer:rotation-notification-topic";
/// The principal that must be allowed to invoke the function.
pub const SECRETS_MANAGER_PRINCIPAL: &str = "secretsmanager.amazonaws.com";

/// The resource.
pub struct SecretRotation;

/// State and planned values; field names are the attribute names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Secret ARN or name.
    pub secret_id: String,
    /// The rotation function.
    pub rotation_function_arn: String,
    /// Days between rotations.
    pub automatically_after_days: Option<i64>,
    /// `rate()` or `cron()` schedule.
    pub schedule_expression: Option<String>,
    /// Rotation window, e.g. `3h`.
    pub duration: Option<String>,
    /// `single_user` or `alternating_users`.
    pub strategy: Option<String>,
    /// SNS topic for the function's notices about this secret.
    pub notification_topic_arn: Option<String>,
    /// Rotate when the configuration is applied.
    pub rotate_immediately: Option<bool>,
    /// Changing it runs a manual rollback.
    pub rollback_trigger: Option<String>,
    /// Last successful rotation (RFC 3339).
    pub last_rotated_date: Option<String>,
    /// Next scheduled rotation (RFC 3339).
    pub next_rotation_date: Option<String>,
    /// `succeeded`, `pending`, `never_rotated`.
    pub last_rotation_status: Option<String>,
    /// The secret's ARN.
    pub secret_arn: Option<String>,
    /// The secret's ARN.
    pub id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Pure checks
// ---------------------------------------------------------------------------------------------

/// Checks a Lambda function ARN (`arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`).
pub fn check_function_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = parts.len() >= 7
        && parts.len() <= 8
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "lambda"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5] == "function"
        && !parts[6].is_empty();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{arn:?} is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)."
        ))
    }
}

/// Checks an SNS topic ARN.
pub fn check_topic_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() == 6 && parts[0] == "arn" && parts[2] == "sns" && !parts[5].is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{arn:?} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)."
        ))
    }
}

/// Checks a Secrets Manager schedule: `rate(N days)` / `rate(N hours)` (4 hours to 1000 days) or a
/// six-field `cron(...)` expression.
pub fn check_schedule(expr: &str) -> Result<(), String> {
    let e = expr.trim();
    if let Some(inner) = e.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let mut words = inner.split_whitespace();
        let (Some(n), Some(unit), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!("{expr:?}: expected rate(N days) or rate(N hours)."));
        };
        let Ok(n) = n.parse::<u32>() else {
            return Err(format!("{expr:?}: {n:?} is not a whole number."));
        };
        let hours = match unit {
            "day" | "days" => n.saturating_mul(24),
            "hour" | "hours" => n,
            other => {
                return Err(format!(
                    "{expr:?}: unit {other:?} is not allowed; use days or hours."
                ));
            }
        };
        return if (4..=24_000).contains(&hours) {
            Ok(())
        } else {
            Err(format!(
                "{expr:?}: rotation must be every 4 hours to 1000 days."
            ))
        };
    }
    if let Some(inner) = e.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        let fields = inner.split_whitespace().count();
        return if fields == 6 {
            Ok(())
        } else {
            Err(format!(
                "{expr:?}: a cron() expression has 6 fields (minutes hours day-of-month month day-of-week year), found {fields}."
            ))
        };
    }
    Err(format!(
        "{expr:?} is neither rate(...) nor cron(...), e.g. rate(30 days) or cron(0 4 ? * SUN *)."
    ))
}

/// Checks a rotation window: `1h` to `24h`.
pub fn check_duration(d: &str) -> Result<(), String> {
    match d.strip_suffix('h').and_then(|n| n.parse::<u32>().ok()) {
        Some(n) if (1..=24).contains(&n) => Ok(()),
        _ => Err(format!("{d:?}: use whole hours from 1h to 24h, e.g. 3h.")),
    }
}

/// True when a Lambda resource policy (GetPolicy JSON) has an Allow statement for
/// `secretsmanager.amazonaws.com` on `lambda:InvokeFunction` (or `lambda:*` / `*`).
pub fn policy_allows_secrets_manager(policy: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(policy) else {
        return false;
    };
    let statements = match &doc["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        s @ serde_json::Value::Object(_) => vec![s.clone()],
        _ => vec![],
    };
    let has = |v: &serde_json::Value, want: &dyn Fn(&str) -> bool| match v {
        serde_json::Value::String(s) => want(s),
        serde_json::Value::Array(a) => a.iter().any(|x| x.as_str().is_some_and(want)),
        _ => false,
    };
    statements.iter().any(|s| {
        s["Effect"] == "Allow"
            && has(&s["Principal"]["Service"], &|p| {
                p == SECRETS_MANAGER_PRINCIPAL
            })
            && has(&s["Action"], &|a| {
                a == "lambda:InvokeFunction" || a == "lambda:*" || a == "*"
            })
    })
}

/// `last_rotation_status` from the labels and the last rotation date: `pending` when AWSPENDING sits on a
/// version other than AWSCURRENT's (a rotation running, or failed without cleaning up), `succeeded` after a
/// rotation, else `never_rotated`.
pub fn rotation_status(
    versions: &BTreeMap<String, Vec<String>>,
    last_rotated: Option<&str>,
) -> &'static str {
    let pending_elsewhere = versions.values().any(|stages| {
        stages.iter().any(|s| s == "AWSPENDING") && !stages.iter().any(|s| s == "AWSCURRENT")
    });
    if pending_elsewhere {
        "pending"
    } else if last_rotated.is_some() {
        "succeeded"
    } else {
        "never_rotated"
    }
}

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

fn validator(
    summary: &'static str,
    doc: &'static str,
    f: fn(&str) -> Result<(), String>,
) -> std::sync::Arc<dyn tfplugin::schema::Validator> {
    check(summary, doc, move |v| match v.as_str() {
        Some(s) => f(s),
        None => Ok(()),
    })
}

// ---------------------------------------------------------------------------------------------
// AWS
// ---------------------------------------------------------------------------------------------

fn not_found<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    matches!(
        e.code(),
        Some("ResourceNotFoundException" | "NotFound" | "NotFoundException")
    )
}

/// What `DescribeSecret` says about rotation.
pub(crate) struct Described {
    pub(crate) arn: String,
    pub(crate) enabled: bool,
    pub(crate) function: Option<String>,
    pub(crate) days: Option<i64>,
    pub(crate) schedule: Option<String>,
    pub(crate) duration: Option<String>,
    pub(crate) last_rotated: Option<String>,
    pub(crate) next_rotation: Option<String>,
    pub(crate) versions: BTreeMap<String, Vec<String>>,
    pub(crate) tags: BTreeMap<String, String>,
}

fn date(d: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    d.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

pub(crate) async fn describe(
    sm: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
) -> Result<Option<Described>, String> {
    match sm.describe_secret().secret_id(secret_id).send().await {
        Ok(out) => {
            if out.deleted_date().is_some() {
                return Ok(None);
            }
            let rules = out.rotation_rules();
            Ok(Some(Described {
                arn: out.arn().unwrap_or(secret_id).to_owned(),
                enabled: out.rotation_enabled().unwrap_or(false),
                function: out
                    .rotation_lambda_arn()
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned),
                days: rules
                    .and_then(RotationRulesType::automatically_after_days)
                    .filter(|d| *d > 0),
                schedule: rules
                    .and_then(RotationRulesType::schedule_expression)
                    .map(str::to_owned),
                duration: rules
                    .and_then(RotationRulesType::duration)
                    .map(str::to_owned),
                last_rotated: date(out.last_rotated_date()),
                next_rotation: date(out.next_rotation_date()),
                versions: out
                    .version_ids_to_stages()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
                tags: out
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                    .collect(),
            }))
        }
        Err(e) if not_found(&e) => Ok(None),
        Err(e) => Err(chain(&e)),
    }
}

/// The preflight: every failure a diagnostic on the attribute it is about. Nothing is changed.
pub async fn preflight(ctx: &Ctx<ProviderData>, s: &State) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let data = match ctx.data() {
        Ok(d) => d,
        Err(d) => return d,
    };
    let fn_path = AttrPath::attribute("rotation_function_arn");
    match data.lambda().await {
        Err(d) => diags.extend(d),
        Ok(lambda) => {
            match lambda
                .get_function()
                .function_name(&s.rotation_function_arn)
                .send()
                .await
            {
                Ok(_) => match lambda
                    .get_policy()
                    .function_name(&s.rotation_function_arn)
                    .send()
                    .await
                {
                    Ok(p) if p.policy().is_some_and(policy_allows_secrets_manager) => {}
                    Ok(_) => diags.push(no_permission(&s.rotation_function_arn, &fn_path)),
                    Err(e) if not_found(&e) => {
                        diags.push(no_permission(&s.rotation_function_arn, &fn_path))
                    }
                    Err(e) => diags.push(
                        Diagnostic::error(
                            "Cannot read the rotation function's resource policy",
                            format!(
                                "lambda:GetPolicy on {} failed: {}. The provider checks that Secrets Manager may invoke the function.",
                                s.rotation_function_arn,
                                chain(&e)
                            ),
                        )
                        .at(fn_path.clone()),
                    ),
                },
                Err(e) if not_found(&e) => diags.push(
                    Diagnostic::error(
                        "Rotation function not found",
                        format!(
                            "There is no Lambda function {} in this account and region. Deploy it first (module secret-rotation, or aws_lambda_function with the data source logexaminer_rotation_function_package).",
                            s.rotation_function_arn
                        ),
                    )
                    .at(fn_path.clone()),
                ),
                Err(e) => diags.push(
                    Diagnostic::error(
                        "Cannot check the rotation function",
                        format!(
                            "lambda:GetFunction on {} failed: {}",
                            s.rotation_function_arn,
                            chain(&e)
                        ),
                    )
                    .at(fn_path.clone()),
                ),
            }
        }
    }
    let secret_path = AttrPath::attribute("secret_id");
    match data.secretsmanager().await {
        Err(d) => diags.extend(d),
        Ok(sm) => {
            match sm
                .get_secret_value()
                .secret_id(&s.secret_id)
                .version_stage("AWSCURRENT")
                .send()
                .await
            {
                Ok(v) => {
                    let shape = v
                        .secret_string()
                        .ok_or_else(|| {
                            "the secret has a binary value, not database credentials JSON"
                                .to_owned()
                        })
                        .and_then(|t| {
                            metastore_sql::RdsSecret::from_json(t).map_err(|e| e.to_string())
                        });
                    match shape {
                        Err(e) => diags.push(
                            Diagnostic::error(
                                "Secret not usable for rotation",
                                format!(
                                    "The AWSCURRENT value of {}: {e}. The rotation function reads RDS-shaped JSON (engine, host, port, username, password, dbname), as logexaminer_db_user and RDS write it.",
                                    s.secret_id
                                ),
                            )
                            .at(secret_path.clone()),
                        ),
                        Ok(secret) => {
                            if s.strategy.as_deref() == Some("alternating_users") {
                                match secret.masterarn.as_deref().filter(|m| !m.is_empty()) {
                                    None => diags.push(
                                        Diagnostic::error(
                                            "Alternating users need masterarn",
                                            format!(
                                                "The secret {} has no \"masterarn\" field, the ARN of the secret with the admin credentials that creates and updates the clone user. Add it (logexaminer_db_user writes it when given admin_secret_arn) or use strategy = \"single_user\".",
                                                s.secret_id
                                            ),
                                        )
                                        .at(AttrPath::attribute("strategy")),
                                    ),
                                    Some(master) => {
                                        if let Err(e) =
                                            sm.describe_secret().secret_id(master).send().await
                                        {
                                            diags.push(
                                                Diagnostic::error(
                                                    "Admin secret not found",
                                                    format!(
                                                        "The secret's masterarn {master} cannot be read: {}",
                                                        chain(&e)
                                                    ),
                                                )
                                                .at(AttrPath::attribute("strategy")),
                                            );
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                Err(e) => diags.push(
                    Diagnostic::error(
                        "Secret not readable",
                        format!(
                            "secretsmanager:GetSecretValue on {} failed: {}",
                            s.secret_id,
                            chain(&e)
                        ),
                    )
                    .at(secret_path),
                ),
            }
        }
    }
    if let Some(topic) = &s.notification_topic_arn {
        match data.sns().await {
            Err(d) => diags.extend(d),
            Ok(sns) => {
                if let Err(e) = sns.get_topic_attributes().topic_arn(topic).send().await {
                    let detail = if not_found(&e) {
                        format!("There is no SNS topic {topic}.")
                    } else {
                        format!("sns:GetTopicAttributes on {topic} failed: {}", chain(&e))
                    };
                    diags.push(
                        Diagnostic::error("Notification topic not usable", detail)
                            .at(AttrPath::attribute("notification_topic_arn")),
                    );
                }
            }
        }
    }
    diags
}

fn no_permission(function: &str, path: &AttrPath) -> Diagnostic {
    Diagnostic::error(
        "Secrets Manager may not invoke the rotation function",
        format!(
            "The resource policy of {function} has no statement allowing {SECRETS_MANAGER_PRINCIPAL} to call lambda:InvokeFunction, so every rotation would fail. Add an aws_lambda_permission with principal = \"{SECRETS_MANAGER_PRINCIPAL}\" (the secret-rotation module does)."
        ),
    )
    .at(path.clone())
}

async fn put_tags(
    sm: &aws_sdk_secretsmanager::Client,
    arn: &str,
    desired: &State,
    current: &BTreeMap<String, String>,
) -> Result<(), String> {
    let mut want = vec![(STRATEGY_TAG, desired.strategy.clone())];
    want.push((TOPIC_TAG, desired.notification_topic_arn.clone()));
    let mut add = Vec::new();
    let mut remove = Vec::new();
    for (k, v) in want {
        match v {
            Some(v) if current.get(k) != Some(&v) => {
                add.push(Tag::builder().key(k).value(v).build());
            }
            None if current.contains_key(k) => remove.push(k.to_owned()),
            _ => {}
        }
    }
    if !add.is_empty() {
        sm.tag_resource()
            .secret_id(arn)
            .set_tags(Some(add))
            .send()
            .await
            .map_err(|e| chain(&e))?;
    }
    if !remove.is_empty() {
        sm.untag_resource()
            .secret_id(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(|e| chain(&e))?;
    }
    Ok(())
}

fn rules(s: &State) -> RotationRulesType {
    RotationRulesType::builder()
        .set_automatically_after_days(if s.schedule_expression.is_some() {
            None
        } else {
            s.automatically_after_days
        })
        .set_schedule_expression(s.schedule_expression.clone())
        .set_duration(s.duration.clone())
        .build()
}

async fn rotate(sm: &aws_sdk_secretsmanager::Client, s: &State) -> Result<(), String> {
    sm.rotate_secret()
        .secret_id(&s.secret_id)
        .rotation_lambda_arn(&s.rotation_function_arn)
        .rotation_rules(rules(s))
        .rotate_immediately(s.rotate_immediately.unwrap_or(false))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| chain(&e))
}

/// The manual rollback event for the function.
pub fn rollback_payload(secret_arn: &str) -> String {
    serde_json::json!({"Action": "rollback", "SecretId": secret_arn}).to_string()
}

/// The message of a failed invocation: the function's `errorMessage` when the payload is Lambda's error
/// JSON, else the payload itself.
pub fn function_error_message(payload: &str) -> String {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v["errorMessage"].as_str().map(str::to_owned))
        .unwrap_or_else(|| payload.to_owned())
}

/// Invokes the function with the rollback event; `Err` carries the function's own error message.
async fn invoke_rollback(ctx: &Ctx<ProviderData>, s: &State, arn: &str) -> DiagResult<()> {
    let lambda = ctx.data()?.lambda().await?;
    let payload = rollback_payload(arn);
    let out = lambda
        .invoke()
        .function_name(&s.rotation_function_arn)
        .invocation_type(aws_sdk_lambda::types::InvocationType::RequestResponse)
        .payload(aws_smithy_types::Blob::new(payload.into_bytes()))
        .send()
        .await
        .map_err(|e| {
            Diagnostic::error(
                "Rollback not started",
                format!(
                    "lambda:InvokeFunction on {} failed: {}",
                    s.rotation_function_arn,
                    chain(&e)
                ),
            )
            .at(AttrPath::attribute("rollback_trigger"))
        })?;
    if let Some(kind) = out.function_error() {
        let body = out
            .payload()
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
            .unwrap_or_default();
        let message = function_error_message(&body);
        return Err(Diagnostic::error(
            "Rollback failed",
            format!("The rotation function reported {kind}: {message}"),
        )
        .at(AttrPath::attribute("rollback_trigger"))
        .into());
    }
    Ok(())
}

fn fill(mut s: State, d: &Described) -> State {
    s.secret_arn = Some(d.arn.clone());
    s.id = Some(d.arn.clone());
    s.last_rotated_date = d.last_rotated.clone();
    s.next_rotation_date = d.next_rotation.clone();
    s.last_rotation_status =
        Some(rotation_status(&d.versions, d.last_rotated.as_deref()).to_owned());
    s
}

impl SecretRotation {
    async fn apply(
        &self,
        ctx: &Ctx<ProviderData>,
        prior: Option<&State>,
        desired: State,
        action: Action,
    ) -> ApplyResult<State> {
        let id = desired.secret_id.clone();
        let fail = |cause: String| -> ApplyError<State> {
            failed(action, "Secrets Manager", "secret rotation", &id, cause).into()
        };
        let sm = ctx.data()?.secretsmanager().await?;
        let schedule_changed = prior.is_none_or(|p| {
            p.rotation_function_arn != desired.rotation_function_arn
                || p.automatically_after_days != desired.automatically_after_days
                || p.schedule_expression != desired.schedule_expression
                || p.duration != desired.duration
                || p.strategy != desired.strategy
                || p.secret_id != desired.secret_id
        });
        if schedule_changed
            || prior.is_some_and(|p| p.notification_topic_arn != desired.notification_topic_arn)
        {
            let diags = preflight(ctx, &desired).await;
            if diags.has_errors() {
                return Err(diags.into());
            }
        }
        let before = describe(&sm, &desired.secret_id)
            .await
            .map_err(&fail)?
            .ok_or_else(|| fail("the secret does not exist".to_owned()))?;
        put_tags(&sm, &before.arn, &desired, &before.tags)
            .await
            .map_err(|e| fail(format!("tagging the secret: {e}")))?;
        if schedule_changed {
            rotate(&sm, &desired)
                .await
                .map_err(|e| fail(format!("RotateSecret: {e}")))?;
        }
        let mut state = desired.clone();
        let trigger_changed = prior.is_some_and(|p| p.rollback_trigger != desired.rollback_trigger)
            && desired.rollback_trigger.is_some();
        if trigger_changed && let Err(diags) = invoke_rollback(ctx, &desired, &before.arn).await {
            // Keep the old trigger in state so the next apply tries again.
            let after = describe(&sm, &before.arn).await.ok().flatten();
            let mut partial = desired.clone();
            partial.rollback_trigger = prior.and_then(|p| p.rollback_trigger.clone());
            let partial = match &after {
                Some(d) => fill(partial, d),
                None => partial,
            };
            return Err(ApplyError {
                diags,
                partial: Some(partial),
            });
        }
        let after = describe(&sm, &before.arn)
            .await
            .map_err(&fail)?
            .ok_or_else(|| fail("the secret disappeared".to_owned()))?;
        state = fill(state, &after);
        Ok(state)
    }
}

#[async_trait]
impl Resource<ProviderData> for SecretRotation {
    type State = State;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Turns on Secrets Manager rotation of a metastore database secret with the LogExaminer rotation function, which rolls the database back when a rotation step fails. Before changing anything it checks that the function exists, that Secrets Manager may invoke it, and that the secret has the shape the function needs. `rollback_trigger` runs a manual rollback that restores the previous password in Secrets Manager and in the database.")
                .attr(Attribute::string("secret_id").required().requires_replace().describe("ARN or name of the secret to rotate (RDS-shaped JSON, as `logexaminer_db_user` writes it)."))
                .attr(Attribute::string("rotation_function_arn").required().describe("ARN of the rotation function (deployed from `logexaminer_rotation_function_package`, e.g. by the secret-rotation module).").validate(validator("Invalid function ARN", "A Lambda function ARN.", check_function_arn)))
                .attr(Attribute::number("automatically_after_days").describe("Rotate every this many days (1-1000). Exactly one of this and `schedule_expression`.").validate(int_between(1, 1000)))
                .attr(Attribute::string("schedule_expression").describe("Rotation schedule: `rate(N days)`, `rate(N hours)` (at least 4 hours) or `cron(...)` with six fields. Exactly one of this and `automatically_after_days`; switching between them works in one apply.").validate(validator("Invalid schedule", "`rate(...)` or `cron(...)`.", check_schedule)))
                .attr(Attribute::string("duration").describe("Length of the rotation window, `1h` to `24h` (Secrets Manager's default without it: the whole day).").validate(validator("Invalid duration", "Whole hours such as `3h`.", check_duration)))
                .attr(Attribute::string("strategy").optional_computed().default("single_user").describe("`single_user` (the user changes its own password) or `alternating_users` (the admin from the secret's `masterarn` alternates between the user and `<user>_clone`). Written to the secret's `logexaminer:rotation-strategy` tag, which the function reads.").validate(one_of(&["single_user", "alternating_users"])))
                .attr(Attribute::string("notification_topic_arn").describe("SNS topic for the function's success, failure and rollback notices about this secret (overrides the function's `NOTIFY_TOPIC_ARN`); written to the secret's `logexaminer:rotation-notification-topic` tag.").validate(validator("Invalid topic ARN", "An SNS topic ARN.", check_topic_arn)))
                .attr(Attribute::bool("rotate_immediately").optional_computed().default(false).describe("Rotate as soon as rotation is turned on or its schedule changes. Default `false`: Secrets Manager only runs the function's testSecret step, and the first rotation happens on schedule."))
                .attr(Attribute::string("rollback_trigger").deprecated().describe("Deprecated: use the `logexaminer_rollback_secret` action (`terraform apply -invoke=action.logexaminer_rollback_secret.NAME`), which shows progress and refuses unsafe rollbacks. Any value; changing it (after creation) invokes the function with `{\"Action\":\"rollback\"}`: AWSCURRENT moves back to AWSPREVIOUS and the database password is set to match. A failing rollback keeps the old value in state, so the next apply retries."))
                .attr(Attribute::string("last_rotated_date").computed().describe("When the secret was last rotated (RFC 3339), if ever."))
                .attr(Attribute::string("next_rotation_date").computed().describe("When Secrets Manager will next rotate the secret (RFC 3339)."))
                .attr(Attribute::string("last_rotation_status").computed().describe("`succeeded` (rotated at least once, nothing pending), `pending` (a rotation is running, or failed and left AWSPENDING) or `never_rotated`."))
                .attr(Attribute::string("secret_arn").computed().use_state_for_unknown().describe("ARN of the secret."))
                .attr(Attribute::string("id").computed().use_state_for_unknown().describe("ARN of the secret.")),
        )
    }

    async fn validate(&self, config: &Config) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if !config
            .get(&AttrPath::attribute("rollback_trigger"))
            .is_null()
        {
            diags.push(
                Diagnostic::warning(
                    "rollback_trigger is deprecated",
                    "Roll back with the logexaminer_rollback_secret action instead: declare `action \"logexaminer_rollback_secret\" \"NAME\" { config { secret_id = ... } }` and run `terraform apply -invoke=action.logexaminer_rollback_secret.NAME`. It shows progress, refuses when there is nothing to roll back to or a rotation is in progress, and leaves no attribute to keep in step. rollback_trigger keeps working until the next major version.",
                )
                .at(AttrPath::attribute("rollback_trigger")),
            );
        }
        let days = config.get(&AttrPath::attribute("automatically_after_days"));
        let schedule = config.get(&AttrPath::attribute("schedule_expression"));
        if days.is_unknown() || schedule.is_unknown() {
            return diags;
        }
        match (days.is_null(), schedule.is_null()) {
            (true, true) => diags.push(Diagnostic::error(
                "Missing rotation schedule",
                "Set automatically_after_days or schedule_expression.",
            )),
            (false, false) => diags.push(
                Diagnostic::error(
                    "Conflicting rotation schedules",
                    "Set only one of automatically_after_days and schedule_expression.",
                )
                .at(AttrPath::attribute("schedule_expression")),
            ),
            _ => {}
        }
        diags
    }

    async fn modify_plan(&self, ctx: &Ctx<ProviderData>, plan: &mut Plan) -> Diagnostics {
        if plan.planned.is_null() {
            return Diagnostics::new();
        }
        // The preflight at plan time when everything it needs is known (at apply time it always runs).
        let known = [
            "secret_id",
            "rotation_function_arn",
            "strategy",
            "notification_topic_arn",
        ]
        .iter()
        .all(|a| plan.planned.get(&AttrPath::attribute(*a)).is_fully_known());
        let Ok(Some(desired)) =
            tfplugin::model::from_value_lenient::<State>(&plan.planned).map(Some)
        else {
            return Diagnostics::new();
        };
        let prior: Option<State> = plan.prior_model().ok().flatten();
        let relevant = prior.as_ref().is_none_or(|p| {
            p.rotation_function_arn != desired.rotation_function_arn
                || p.strategy != desired.strategy
                || p.notification_topic_arn != desired.notification_topic_arn
        });
        if prior.as_ref().is_some_and(|p| p != &desired) {
            for a in [
                "last_rotated_date",
                "next_rotation_date",
                "last_rotation_status",
            ] {
                plan.set(&AttrPath::attribute(a), Value::Unknown);
            }
        }
        if known && relevant {
            return preflight(ctx, &desired).await;
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &Ctx<ProviderData>,
        req: ApplyRequest<State>,
    ) -> ApplyResult<State> {
        self.apply(ctx, None, req.config, Action::Creating).await
    }

    async fn read(&self, ctx: &Ctx<ProviderData>, state: State) -> DiagResult<Option<State>> {
        let sm = ctx.data()?.secretsmanager().await?;
        let id = state
            .secret_arn
            .clone()
            .unwrap_or_else(|| state.secret_id.clone());
        let d = describe(&sm, &id).await.map_err(|e| {
            failed(
                Action::Reading,
                "Secrets Manager",
                "secret rotation",
                &id,
                e,
            )
        })?;
        let Some(d) = d else { return Ok(None) };
        if !d.enabled || d.function.is_none() {
            return Ok(None);
        }
        let mut s = state;
        if let Some(f) = &d.function {
            s.rotation_function_arn = f.clone();
        }
        match (&d.schedule, d.days) {
            (Some(expr), _) => {
                s.schedule_expression = Some(expr.clone());
                s.automatically_after_days = None;
            }
            (None, Some(days)) => {
                s.automatically_after_days = Some(days);
                s.schedule_expression = None;
            }
            (None, None) => {}
        }
        s.duration = d.duration.clone().or(s.duration);
        s.strategy = Some(
            d.tags
                .get(STRATEGY_TAG)
                .cloned()
                .unwrap_or_else(|| "single_user".to_owned()),
        );
        s.notification_topic_arn = d.tags.get(TOPIC_TAG).cloned();
        if s.rotate_immediately.is_none() {
            s.rotate_immediately = Some(false);
        }
        Ok(Some(fill(s, &d)))
    }

    async fn update(
        &self,
        ctx: &Ctx<ProviderData>,
        prior: State,
        req: ApplyRequest<State>,
    ) -> ApplyResult<State> {
        self.apply(ctx, Some(&prior), req.config, Action::Updating)
            .await
    }

    async fn delete(&self, ctx: &Ctx<ProviderData>, prior: State) -> DiagResult<()> {
        let sm = ctx.data()?.secretsmanager().await?;
        let id = prior
            .secret_arn
            .clone()
            .unwrap_or_else(|| prior.secret_id.clone());
        let err = |e: String| {
            failed(
                Action::Deleting,
                "Secrets Manager",
                "secret rotation",
                &id,
                e,
            )
        };
        match sm.cancel_rotate_secret().secret_id(&id).send().await {
            Ok(_) => {}
            Err(e) if not_found(&e) => return Ok(()),
            Err(e) => return Err(err(chain(&e)).into()),
        }
        match sm
            .untag_resource()
            .secret_id(&id)
            .tag_keys(STRATEGY_TAG)
            .tag_keys(TOPIC_TAG)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(e) => Err(err(chain(&e)).into()),
        }
    }

    async fn import(
        &self,
        _ctx: &Ctx<ProviderData>,
        id: &str,
        _identity: Option<&Value>,
    ) -> DiagResult<State> {
        let id = id.trim();
        if id.is_empty() {
            return Err(Diagnostic::error(
                "Invalid import ID",
                "Import with the secret's ARN, e.g. arn:aws:secretsmanager:eu-west-1:123456789012:secret:metastore/hive-AbCdEf.",
            )
            .into());
        }
        Ok(State {
            secret_id: id.to_owned(),
            secret_arn: Some(id.to_owned()),
            rotate_immediately: Some(false),
            ..State::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        for ok in [
            "arn:aws:lambda:eu-west-1:123456789012:function:rotate",
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:rotate:live",
        ] {
            assert_eq!(check_function_arn(ok), Ok(()), "{ok}");
        }
        for bad in [
            "rotate",
            "arn:aws:lambda:eu-west-1:1234:function:rotate",
            "arn:aws:sns:eu-west-1:123456789012:function:rotate",
            "arn:aws:lambda:eu-west-1:123456789012:layer:x",
        ] {
            assert!(check_function_arn(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_topic_arn("arn:aws:sns:eu-west-1:123456789012:rot"),
            Ok(())
        );
        assert!(check_topic_arn("arn:aws:sqs:eu-west-1:123456789012:rot").is_err());
    }

    #[test]
    fn schedules_and_durations() {
        let cases = [
            ("rate(30 days)", true),
            ("rate(1 day)", true),
            ("rate(4 hours)", true),
            ("rate(3 hours)", false),
            ("rate(1001 days)", false),
            ("rate(10 minutes)", false),
            ("rate(x days)", false),
            ("cron(0 4 ? * SUN *)", true),
            ("cron(0 4 * *)", false),
            ("every day", false),
        ];
        for (expr, ok) in cases {
            assert_eq!(check_schedule(expr).is_ok(), ok, "{expr}");
        }
        for (d, ok) in [
            ("1h", true),
            ("24h", true),
            ("0h", false),
            ("25h", false),
            ("3", false),
            ("90m", false),
        ] {
            assert_eq!(check_duration(d).is_ok(), ok, "{d}");
        }
    }

    #[test]
    fn resource_policies() {
        let allow = r#"{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn"}]}"#;
        assert!(policy_allows_secrets_manager(allow));
        let list = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":["events.amazonaws.com","secretsmanager.amazonaws.com"]},"Action":["lambda:*"]}}"#;
        assert!(policy_allows_secrets_manager(list));
        let other = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"lambda:InvokeFunction"}]}"#;
        assert!(!policy_allows_secrets_manager(other));
        let deny = allow.replace("Allow", "Deny");
        assert!(!policy_allows_secrets_manager(&deny));
        assert!(!policy_allows_secrets_manager("not json"));
    }

    #[test]
    fn statuses() {
        let v = |pairs: &[(&str, &[&str])]| -> BTreeMap<String, Vec<String>> {
            pairs
                .iter()
                .map(|(k, s)| ((*k).to_owned(), s.iter().map(|x| (*x).to_owned()).collect()))
                .collect()
        };
        assert_eq!(
            rotation_status(&v(&[("a", &["AWSCURRENT"])]), None),
            "never_rotated"
        );
        assert_eq!(
            rotation_status(
                &v(&[("a", &["AWSCURRENT", "AWSPENDING"])]),
                Some("2024-01-01T00:00:00Z")
            ),
            "succeeded"
        );
        assert_eq!(
            rotation_status(
                &v(&[("a", &["AWSCURRENT"]), ("b", &["AWSPENDING"])]),
                Some("x")
            ),
            "pending"
        );
    }

    #[test]
    fn rollback_event_and_function_errors() {
        let p: serde_json::Value = serde_json::from_str(&rollback_payload("arn:s")).expect("json");
        assert_eq!(
            p,
            serde_json::json!({"Action": "rollback", "SecretId": "arn:s"})
        );
        assert_eq!(
            function_error_message(
                r#"{"errorType":"&rotation_lambda::error::RotationError","errorMessage":"rollback of secret arn:s failed: cannot reach the database"}"#
            ),
            "rollback of secret arn:s failed: cannot reach the database"
        );
        assert_eq!(function_error_message("Task timed out"), "Task timed out");
    }

    #[test]
    fn state_written_by_0_1_0_still_reads() {
        // terraform.tfstate attributes of a logexaminer_secret_rotation written by provider 0.1.0 (before
        // rollback_trigger was deprecated): the schema version is unchanged, so Terraform passes it as is.
        let json = serde_json::json!({
            "automatically_after_days": null,
            "duration": "3h",
            "id": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:metastore/hive-AbCdEf",
            "last_rotated_date": null,
            "last_rotation_status": "never_rotated",
            "next_rotation_date": null,
            "notification_topic_arn": null,
            "rollback_trigger": "2026-11-30",
            "rotate_immediately": false,
            "rotation_function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:rot",
            "schedule_expression": "rate(30 days)",
            "secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:metastore/hive-AbCdEf",
            "secret_id": "metastore/hive",
            "strategy": "single_user"
        });
        let ty = SecretRotation.schema().value_type();
        let v = tfplugin::model::json_to_value(&json, &ty)
            .expect("old state decodes with today's schema");
        let st: State = tfplugin::model::from_value(&v).expect("model");
        assert_eq!(st.rollback_trigger.as_deref(), Some("2026-11-30"));
        assert_eq!(st.schedule_expression.as_deref(), Some("rate(30 days)"));
    }

    #[test]
    fn rules_send_one_schedule() {
        let s = State {
            automatically_after_days: Some(30),
            schedule_expression: Some("rate(10 days)".into()),
            duration: Some("3h".into()),
            ..State::default()
        };
        let r = rules(&s);
        assert_eq!(r.automatically_after_days(), None);
        assert_eq!(r.schedule_expression(), Some("rate(10 days)"));
        assert_eq!(r.duration(), Some("3h"));
        let s = State {
            automatically_after_days: Some(30),
            ..State::default()
        };
        assert_eq!(rules(&s).automatically_after_days(), Some(30));
    }
}
