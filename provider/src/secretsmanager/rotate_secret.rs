//! Actions `logexaminer_rotate_secret` and `logexaminer_rollback_secret`: day-2 operations on a
//! secret rotated by the LogExaminer function, run with `terraform apply -invoke=...` or from a
//! resource's `action_trigger`.
//!
//! - Rotate: refuses up front (changing nothing) when the secret has no rotation function or a
//!   rotation is in progress; then `RotateSecret` (immediately) and follows the staging labels
//!   ([`super::rotation_progress`]) with progress lines until the new version is AWSCURRENT
//!   (rotated), AWSPENDING left it without AWSCURRENT moving (rolled back, with the reason the
//!   function recorded), or the timeout. Optionally proves that AWSCURRENT logs in.
//! - Rollback: refuses without AWSPREVIOUS or during a rotation; invokes the function with
//!   `{"Action":"rollback"}` (AWSCURRENT back to AWSPREVIOUS and the database password to match),
//!   then checks the labels moved. Optionally proves the login.
//!
//! No secret value is read except by the optional login proof, and none is printed.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::{
    Action, AttrPath, Attribute, Block, Config, Ctx, Diagnostic, Diagnostics, Progress, Schema,
};

use super::rotation_progress::{
    self as rp, CURRENT, OUTCOME_TAG, PENDING, PREVIOUS, Refusal, RotationState, Stages,
};
use super::secret_rotation::{self, function_error_message, rollback_payload};
use crate::ProviderData;
use crate::config::parse_duration;
use crate::db::check_login::{self, LoginTls};
use crate::errors::chain;

/// Type name of the rotate action.
pub const ROTATE: &str = "logexaminer_rotate_secret";
/// Type name of the rollback action.
pub const ROLLBACK: &str = "logexaminer_rollback_secret";

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// Configuration of both actions.
#[derive(Debug, Deserialize)]
pub struct DayTwoConfig {
    /// Secret ARN or name.
    pub secret_id: String,
    /// How long to wait, e.g. `10m`.
    pub timeout: Option<String>,
    /// Prove afterwards that AWSCURRENT logs in.
    pub check_login: Option<bool>,
    /// TLS mode for the login proof.
    pub tls: Option<String>,
    /// CA bundle for the login proof.
    pub ca_bundle_pem: Option<String>,
    /// Plaintext to a remote host for the login proof.
    pub allow_plaintext: Option<bool>,
    /// Connect timeout of the login proof.
    pub connect_timeout: Option<i64>,
}

impl DayTwoConfig {
    fn timeout(&self) -> Duration {
        self.timeout
            .as_deref()
            .and_then(parse_duration)
            .unwrap_or(DEFAULT_TIMEOUT)
    }
    fn login_tls(&self) -> LoginTls {
        LoginTls {
            tls: self.tls.clone(),
            ca_bundle_pem: self.ca_bundle_pem.clone(),
            allow_plaintext: self.allow_plaintext,
            connect_timeout: self.connect_timeout,
        }
    }
}

fn schema(description: &str) -> Schema {
    Schema::new(check_login::tls_attributes(
        Block::new(description)
            .attr(Attribute::string("secret_id").required().describe("ARN or name of the secret."))
            .attr(
                Attribute::string("timeout")
                    .validate(tfplugin::schema::check(
                        "a duration such as 90s, 10m or 1h",
                        "A duration: a number followed by s, m or h.",
                        |v| match v.as_str() {
                            Some(s) if parse_duration(s).is_none() => Err(format!(
                                "{s:?} is not a duration; write e.g. \"90s\", \"10m\" or \"1h\"."
                            )),
                            _ => Ok(()),
                        },
                    ))
                    .describe("How long to wait for the outcome (default `10m`). The diagnostic on timeout says what was still awaited."),
            )
            .attr(Attribute::bool("check_login").describe("Afterwards, prove that AWSCURRENT logs in to its database (with the TLS settings below); the password is never printed.")),
    ))
}

async fn validate_common(config: &Config) -> Diagnostics {
    let known = |name: &str| config.is_known(&AttrPath::attribute(name));
    if !(known("tls") && known("ca_bundle_pem") && known("allow_plaintext")) {
        return Diagnostics::new();
    }
    match config.model::<LoginTls>() {
        Ok(c) => check_login::tls_diagnostics(&c, None, &AttrPath::root()),
        Err(d) => d,
    }
}

/// All versions with their labels, deprecated ones (no label) included.
async fn stages(sm: &aws_sdk_secretsmanager::Client, secret: &str) -> Result<Stages, String> {
    let mut out = Stages::new();
    let mut token: Option<String> = None;
    loop {
        let resp = sm
            .list_secret_version_ids()
            .secret_id(secret)
            .include_deprecated(true)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| chain(&e))?;
        for v in resp.versions() {
            if let Some(id) = v.version_id() {
                out.insert(id.to_owned(), v.version_stages().to_vec());
            }
        }
        match resp.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => return Ok(out),
        }
    }
}

fn refusal(r: &Refusal, secret: &str) -> Diagnostics {
    let (summary, detail) = r.explain(secret);
    Diagnostic::error(summary, detail)
        .at(AttrPath::attribute("secret_id"))
        .into()
}

fn aws_error(summary: &str, e: String) -> Diagnostics {
    Diagnostic::error(summary, e).into()
}

/// What both actions start from: the provider data, a Secrets Manager client, and where the secret
/// stands (its ARN, function, labels and tags).
struct Start<'a> {
    data: &'a ProviderData,
    sm: aws_sdk_secretsmanager::Client,
    described: secret_rotation::Described,
    labels: Stages,
}

async fn settled<'a>(ctx: &'a Ctx<ProviderData>, secret: &str) -> Result<Start<'a>, Diagnostics> {
    let data = ctx.data()?;
    let sm = data.secretsmanager().await?;
    let described = secret_rotation::describe(&sm, secret)
        .await
        .map_err(|e| aws_error("Cannot describe the secret", e))?
        .ok_or_else(|| {
            Diagnostics::from(
                Diagnostic::error(
                    "Secret not found",
                    format!("No secret {secret:?} (or it is scheduled for deletion)."),
                )
                .at(AttrPath::attribute("secret_id")),
            )
        })?;
    let labels = stages(&sm, &described.arn)
        .await
        .map_err(|e| aws_error("Cannot list the secret's versions", e))?;
    Ok(Start {
        data,
        sm,
        described,
        labels,
    })
}

async fn prove_login(
    data: &ProviderData,
    c: &DayTwoConfig,
    arn: &str,
    progress: &Progress,
) -> Diagnostics {
    if c.check_login != Some(true) {
        return Diagnostics::new();
    }
    match check_login::prove(data, arn, &c.login_tls(), None, &AttrPath::root()).await {
        Ok(proof) => {
            progress
                .report(format!("AWSCURRENT logs in as {}", proof.who))
                .await;
            Diagnostics::new()
        }
        Err(d) => d,
    }
}

fn state_words(s: &RotationState) -> &'static str {
    match s {
        RotationState::Waiting => "waiting for the function's createSecret step",
        RotationState::Pending => {
            "new version pending: setSecret, testSecret and finishSecret running"
        }
        RotationState::Rotated => "rotated",
        RotationState::RolledBack => "rolled back",
        RotationState::Superseded { .. } => "superseded",
    }
}

/// The rotate action.
pub struct RotateSecret;

#[async_trait]
impl Action<ProviderData> for RotateSecret {
    type Model = DayTwoConfig;
    fn type_name(&self) -> &'static str {
        ROTATE
    }
    fn schema(&self) -> Schema {
        schema(
            "Rotates a secret now with its configured LogExaminer rotation function and follows the rotation to its end, with progress: rotated (the new version ID is shown, never a value), rolled back (with the reason the function recorded) or failed; the apply fails unless it rotated. Refuses, changing nothing, when the secret has no rotation function or a rotation is already in progress. Run it with `terraform apply -invoke=action.logexaminer_rotate_secret.NAME`.",
        )
    }
    async fn validate(&self, config: &Config) -> Diagnostics {
        validate_common(config).await
    }
    async fn invoke(
        &self,
        ctx: &Ctx<ProviderData>,
        c: DayTwoConfig,
        progress: &Progress,
    ) -> Diagnostics {
        let Start {
            data,
            sm,
            described,
            labels,
        } = match settled(ctx, &c.secret_id).await {
            Ok(x) => x,
            Err(d) => return d,
        };
        let arn = described.arn.clone();
        let before = match rp::may_start(&labels, described.function.is_some()) {
            Ok(v) => v,
            Err(r) => return refusal(&r, &arn),
        };
        progress
            .report(format!(
                "Starting a rotation of {arn} (AWSCURRENT is version {before})"
            ))
            .await;
        let token = match sm
            .rotate_secret()
            .secret_id(&arn)
            .rotate_immediately(true)
            .send()
            .await
        {
            Ok(out) => out.version_id().unwrap_or_default().to_owned(),
            Err(e) => return aws_error("RotateSecret failed", chain(&e)),
        };
        if token.is_empty() {
            return aws_error(
                "RotateSecret returned no version",
                format!("Secrets Manager started no new version of {arn}."),
            );
        }
        progress
            .report(format!("Rotation to version {token} started"))
            .await;
        let deadline = Instant::now() + c.timeout();
        let mut last: Option<RotationState> = None;
        let mut wait = Duration::from_millis(200);
        loop {
            let labels = match stages(&sm, &arn).await {
                Ok(l) => l,
                Err(e) => return aws_error("Cannot list the secret's versions", e),
            };
            let state = rp::rotation_state(&labels, &before, &token);
            if last.as_ref() != Some(&state) {
                progress
                    .report(format!("{token}: {}", state_words(&state)))
                    .await;
                last = Some(state.clone());
            }
            match state {
                RotationState::Rotated => {
                    progress
                        .report(format!("Rotated: AWSCURRENT is now version {token}"))
                        .await;
                    return prove_login(data, &c, &arn, progress).await;
                }
                RotationState::RolledBack => {
                    let tags = secret_rotation::describe(&sm, &arn)
                        .await
                        .ok()
                        .flatten()
                        .map(|d| d.tags)
                        .unwrap_or_default();
                    let reason = rp::recorded_reason(tags.get(OUTCOME_TAG).map(String::as_str), &token)
                        .unwrap_or_else(|| "the function recorded no reason; see its notice on the SNS topic or its logs".into());
                    return Diagnostic::error(
                        "Rotation rolled back",
                        format!(
                            "The rotation of {arn} to version {token} was rolled back: {reason}. AWSCURRENT is still version {before} and the database password matches it."
                        ),
                    )
                    .into();
                }
                RotationState::Superseded { current } => {
                    return Diagnostic::error(
                        "Rotation superseded",
                        format!(
                            "While rotating {arn} to version {token}, AWSCURRENT moved to version {current} (another rotation or a manual change)."
                        ),
                    )
                    .into();
                }
                RotationState::Waiting | RotationState::Pending => {}
            }
            if Instant::now() >= deadline {
                let what = last.as_ref().map_or("the rotation", state_words);
                return Diagnostic::error(
                    "Rotation timed out",
                    format!(
                        "After {}, the rotation of {arn} to version {token} had not ended ({what}). Secrets Manager may still finish it; the next rotation is refused until AWSPENDING leaves version {token}.",
                        c.timeout
                            .clone()
                            .unwrap_or_else(|| "10m".into())
                    ),
                )
                .into();
            }
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = ctx.stopped() => {
                    return Diagnostic::error("Rotation no longer followed", format!("Terraform stopped; the rotation of {arn} to version {token} goes on in Secrets Manager.")).into();
                }
            }
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }
}

/// The rollback action.
pub struct RollbackSecret;

#[async_trait]
impl Action<ProviderData> for RollbackSecret {
    type Model = DayTwoConfig;
    fn type_name(&self) -> &'static str {
        ROLLBACK
    }
    fn schema(&self) -> Schema {
        schema(
            "Rolls a secret back to its previous password with its LogExaminer rotation function: AWSCURRENT moves back to the AWSPREVIOUS version and the database password is set to match (Secrets Manager's own manual rollback only moves the label). Refuses, changing nothing, when there is no AWSPREVIOUS version or a rotation is in progress. Replaces the deprecated `rollback_trigger` of `logexaminer_secret_rotation`.",
        )
    }
    async fn validate(&self, config: &Config) -> Diagnostics {
        validate_common(config).await
    }
    async fn invoke(
        &self,
        ctx: &Ctx<ProviderData>,
        c: DayTwoConfig,
        progress: &Progress,
    ) -> Diagnostics {
        let Start {
            data,
            sm,
            described,
            labels,
        } = match settled(ctx, &c.secret_id).await {
            Ok(x) => x,
            Err(d) => return d,
        };
        let arn = described.arn.clone();
        let (current, previous) = match rp::may_roll_back(&labels, described.function.is_some()) {
            Ok(x) => x,
            Err(r) => return refusal(&r, &arn),
        };
        let Some(function) = described.function.clone() else {
            return refusal(&Refusal::NoFunction, &arn);
        };
        progress
            .report(format!(
                "Rolling {arn} back: AWSCURRENT {current} -> AWSPREVIOUS {previous}, database password to match"
            ))
            .await;
        let lambda = match data.lambda().await {
            Ok(l) => l,
            Err(d) => return d,
        };
        let call = lambda
            .invoke()
            .function_name(&function)
            .invocation_type(aws_sdk_lambda::types::InvocationType::RequestResponse)
            .payload(aws_smithy_types::Blob::new(
                rollback_payload(&arn).into_bytes(),
            ));
        let out = tokio::time::timeout(c.timeout(), call.send()).await;
        let out = match out {
            Err(_) => {
                return Diagnostic::error(
                    "Rollback timed out",
                    format!(
                        "The rotation function {function} did not answer within {}.",
                        c.timeout.clone().unwrap_or_else(|| "10m".into())
                    ),
                )
                .into();
            }
            Ok(Err(e)) => {
                return aws_error(
                    "Rollback not started",
                    format!("lambda:InvokeFunction on {function} failed: {}", chain(&e)),
                );
            }
            Ok(Ok(o)) => o,
        };
        if let Some(kind) = out.function_error() {
            let body = out
                .payload()
                .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
                .unwrap_or_default();
            return Diagnostic::error(
                "Rollback failed",
                format!(
                    "The rotation function reported {kind}: {}",
                    function_error_message(&body)
                ),
            )
            .into();
        }
        let after = match stages(&sm, &arn).await {
            Ok(l) => l,
            Err(e) => return aws_error("Cannot list the secret's versions", e),
        };
        let now = rp::version_with(&after, CURRENT);
        if now.as_deref() != Some(previous.as_str()) {
            return Diagnostic::error(
                "Rollback did not move AWSCURRENT",
                format!(
                    "The function answered, but AWSCURRENT of {arn} is on {} instead of {previous}.",
                    now.unwrap_or_else(|| "no version".into())
                ),
            )
            .into();
        }
        if let Some(p) = rp::version_with(&after, PENDING).filter(|p| *p != previous) {
            progress
                .report(format!("Note: AWSPENDING remains on version {p}"))
                .await;
        }
        let prev_now = rp::version_with(&after, PREVIOUS).unwrap_or_default();
        progress
            .report(format!(
                "Rolled back: AWSCURRENT is version {previous} (AWSPREVIOUS {prev_now})"
            ))
            .await;
        prove_login(data, &c, &arn, progress).await
    }
}
