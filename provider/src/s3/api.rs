//! S3 finders and writers of the tier policy: the bucket's lifecycle configuration and its
//! intelligent-tiering configurations over aws-sdk-s3, converted to and from the pure model
//! of [`super::lifecycle_doc`].
//!
//! - [`BucketApi`] wraps one bucket (and its optional expected owner). Finders return
//!   `Ok(None)` when the configuration does not exist and the typed [`ApiError::NoSuchBucket`]
//!   when the bucket itself is gone; deleting what is already absent succeeds.
//! - [`write_owned_rules`] is the read-modify-write of the whole lifecycle document. S3 has no
//!   conditional write (`If-Match`) for lifecycle configurations, so the writer narrows and
//!   then detects races itself: it re-reads just before writing and starts again if the
//!   document changed since it was read (a foreign rule appeared that the write would drop),
//!   and after writing it reads until S3 shows exactly what was written (S3 propagates
//!   lifecycle changes with a delay). A document that is neither the old one nor ours means
//!   another writer wrote after us: the merge starts again from that document, keeping its
//!   foreign rules. The number of attempts is bounded.
//! - The conversions between SDK shapes and the model (`*_from_sdk`, `*_to_sdk`) are pure and
//!   unit-tested; foreign rules survive them unchanged.

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types as sdk;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use super::lifecycle_doc::{
    AndFilter, DocError, ItConfig, LifecycleDocument, LifecycleRule, RuleFilter,
    RuleNoncurrentTransition, RuleStatus, RuleTransition, Tag, merge_document, owned, same_rule,
};
use super::tier_rules::MinimumObjectSize;

/// S3 error code of a missing bucket.
pub const NO_SUCH_BUCKET: &str = "NoSuchBucket";
/// S3 error code of a bucket without lifecycle configuration.
pub const NO_SUCH_LIFECYCLE: &str = "NoSuchLifecycleConfiguration";
/// S3 error code of a missing intelligent-tiering configuration.
pub const NO_SUCH_CONFIGURATION: &str = "NoSuchConfiguration";

/// A failed S3 call or an S3 answer this provider cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The bucket does not exist.
    #[error("the bucket {bucket:?} does not exist")]
    NoSuchBucket {
        /// Bucket name.
        bucket: String,
    },
    /// S3 refused or failed a call.
    #[error("{operation}: {message}")]
    Service {
        /// The S3 operation, e.g. `PutBucketLifecycleConfiguration`.
        operation: &'static str,
        /// The S3 error code, when S3 answered with one.
        code: Option<String>,
        /// The error code and message, or the transport error.
        message: String,
    },
    /// A value cannot be sent to S3 (out of the range of the API's integer, bad date).
    #[error("{0}")]
    Invalid(String),
    /// Another writer changed the lifecycle configuration during every attempt.
    #[error(
        "another writer changed the bucket's lifecycle configuration during each of {attempts} \
         read-modify-write attempts; the rules of this resource may not be in place, try again"
    )]
    Raced {
        /// Attempts made.
        attempts: u32,
    },
    /// S3 did not show the written lifecycle configuration in time.
    #[error(
        "S3 did not show the written lifecycle configuration within {0:?}; it may still be \
         propagating, run apply again to check"
    )]
    NotPropagated(Duration),
    /// The merged document cannot be written.
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl ApiError {
    /// Whether the error says the bucket does not exist.
    pub fn is_no_such_bucket(&self) -> bool {
        matches!(self, ApiError::NoSuchBucket { .. })
    }
}

/// Turns an SDK error into an [`ApiError`]: a missing bucket becomes the typed
/// [`ApiError::NoSuchBucket`], anything else keeps its code and message (never credentials:
/// S3 error messages do not carry them).
fn classify<E, R>(operation: &'static str, bucket: &str, err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let code = err.code().map(str::to_owned);
    if code.as_deref() == Some(NO_SUCH_BUCKET) {
        return ApiError::NoSuchBucket {
            bucket: bucket.to_owned(),
        };
    }
    let message = match (err.code(), err.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_owned(),
        _ => crate::errors::chain(&err),
    };
    ApiError::Service {
        operation,
        code,
        message,
    }
}

fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.code()
}

fn to_i32(what: &str, v: i64) -> Result<i32, ApiError> {
    i32::try_from(v).map_err(|_| ApiError::Invalid(format!("{what} {v} is out of range")))
}

// ---------------------------------------------------------------------------------------------
// Conversions: lifecycle rules
// ---------------------------------------------------------------------------------------------

fn tag_from_sdk(t: &sdk::Tag) -> Tag {
    Tag {
        key: t.key().to_owned(),
        value: t.value().to_owned(),
    }
}

fn tag_to_sdk(t: &Tag) -> Result<sdk::Tag, ApiError> {
    sdk::Tag::builder()
        .key(&t.key)
        .value(&t.value)
        .build()
        .map_err(|e| ApiError::Invalid(format!("tag {:?}: {e}", t.key)))
}

fn date_text(d: &DateTime) -> String {
    d.fmt(Format::DateTime).unwrap_or_else(|_| d.to_string())
}

fn date_from_text(s: &str) -> Result<DateTime, ApiError> {
    DateTime::from_str(s, Format::DateTime)
        .map_err(|e| ApiError::Invalid(format!("date {s:?}: {e}")))
}

fn filter_from_sdk(f: &sdk::LifecycleRuleFilter) -> RuleFilter {
    if let Some(and) = f.and() {
        return RuleFilter::And(AndFilter {
            prefix: and.prefix().map(str::to_owned),
            tags: and.tags().iter().map(tag_from_sdk).collect(),
            object_size_greater_than: and.object_size_greater_than(),
            object_size_less_than: and.object_size_less_than(),
        });
    }
    if let Some(t) = f.tag() {
        return RuleFilter::Tag(tag_from_sdk(t));
    }
    if let Some(n) = f.object_size_greater_than() {
        return RuleFilter::ObjectSizeGreaterThan(n);
    }
    if let Some(n) = f.object_size_less_than() {
        return RuleFilter::ObjectSizeLessThan(n);
    }
    // `<Filter><Prefix/></Filter>` and the empty `<Filter/>` both match every object.
    RuleFilter::Prefix(f.prefix().unwrap_or_default().to_owned())
}

fn filter_to_sdk(f: &RuleFilter) -> Result<sdk::LifecycleRuleFilter, ApiError> {
    let b = sdk::LifecycleRuleFilter::builder();
    Ok(match f {
        RuleFilter::Prefix(p) => b.prefix(p).build(),
        RuleFilter::Tag(t) => b.tag(tag_to_sdk(t)?).build(),
        RuleFilter::ObjectSizeGreaterThan(n) => b.object_size_greater_than(*n).build(),
        RuleFilter::ObjectSizeLessThan(n) => b.object_size_less_than(*n).build(),
        RuleFilter::And(and) => {
            let mut a = sdk::LifecycleRuleAndOperator::builder()
                .set_prefix(and.prefix.clone())
                .set_object_size_greater_than(and.object_size_greater_than)
                .set_object_size_less_than(and.object_size_less_than);
            for t in &and.tags {
                a = a.tags(tag_to_sdk(t)?);
            }
            b.and(a.build()).build()
        }
    })
}

/// A lifecycle rule as S3 returned it, in the model (every field kept).
pub fn rule_from_sdk(r: &sdk::LifecycleRule) -> LifecycleRule {
    let expiration = r.expiration();
    let noncurrent_expiration = r.noncurrent_version_expiration();
    #[allow(deprecated)] // the top-level Prefix of rules written before Filter existed
    let legacy_prefix = r.prefix().map(str::to_owned);
    LifecycleRule {
        id: r.id().map(str::to_owned),
        status: match r.status() {
            sdk::ExpirationStatus::Enabled => RuleStatus::Enabled,
            _ => RuleStatus::Disabled,
        },
        legacy_prefix,
        filter: r.filter().map(filter_from_sdk),
        transitions: r
            .transitions()
            .iter()
            .map(|t| RuleTransition {
                days: t.days().map(i64::from),
                date: t.date().map(date_text),
                storage_class: t
                    .storage_class()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect(),
        noncurrent_transitions: r
            .noncurrent_version_transitions()
            .iter()
            .map(|t| RuleNoncurrentTransition {
                noncurrent_days: t.noncurrent_days().map(i64::from),
                newer_noncurrent_versions: t.newer_noncurrent_versions().map(i64::from),
                storage_class: t
                    .storage_class()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect(),
        expiration_days: expiration.and_then(|e| e.days()).map(i64::from),
        expiration_date: expiration.and_then(|e| e.date()).map(date_text),
        expired_object_delete_marker: expiration.and_then(|e| e.expired_object_delete_marker()),
        noncurrent_expiration_days: noncurrent_expiration
            .and_then(|e| e.noncurrent_days())
            .map(i64::from),
        noncurrent_expiration_newer_versions: noncurrent_expiration
            .and_then(|e| e.newer_noncurrent_versions())
            .map(i64::from),
        abort_incomplete_multipart_days: r
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation())
            .map(i64::from),
    }
}

/// A rule of the model as the SDK sends it.
pub fn rule_to_sdk(r: &LifecycleRule) -> Result<sdk::LifecycleRule, ApiError> {
    let name = r.id.as_deref().unwrap_or("(no ID)");
    let mut b = sdk::LifecycleRule::builder()
        .set_id(r.id.clone())
        .status(match r.status {
            RuleStatus::Enabled => sdk::ExpirationStatus::Enabled,
            RuleStatus::Disabled => sdk::ExpirationStatus::Disabled,
        });
    match (&r.filter, &r.legacy_prefix) {
        (Some(f), _) => b = b.filter(filter_to_sdk(f)?),
        #[allow(deprecated)] // kept as S3 returned it, so the foreign rule stays unchanged
        (None, Some(p)) => b = b.prefix(p),
        // S3 wants a Filter or a Prefix: an empty prefix matches every object, as no filter does.
        (None, None) => b = b.filter(sdk::LifecycleRuleFilter::builder().prefix("").build()),
    }
    for t in &r.transitions {
        let days = t
            .days
            .map(|d| to_i32(&format!("rule {name}: transition days"), d))
            .transpose()?;
        let date = t.date.as_deref().map(date_from_text).transpose()?;
        b = b.transitions(
            sdk::Transition::builder()
                .set_days(days)
                .set_date(date)
                .storage_class(sdk::TransitionStorageClass::from(t.storage_class.as_str()))
                .build(),
        );
    }
    for t in &r.noncurrent_transitions {
        let days = t
            .noncurrent_days
            .map(|d| to_i32(&format!("rule {name}: noncurrent days"), d))
            .transpose()?;
        let newer = t
            .newer_noncurrent_versions
            .map(|d| to_i32(&format!("rule {name}: newer noncurrent versions"), d))
            .transpose()?;
        b = b.noncurrent_version_transitions(
            sdk::NoncurrentVersionTransition::builder()
                .set_noncurrent_days(days)
                .set_newer_noncurrent_versions(newer)
                .storage_class(sdk::TransitionStorageClass::from(t.storage_class.as_str()))
                .build(),
        );
    }
    if r.expiration_days.is_some()
        || r.expiration_date.is_some()
        || r.expired_object_delete_marker.is_some()
    {
        let days = r
            .expiration_days
            .map(|d| to_i32(&format!("rule {name}: expiration days"), d))
            .transpose()?;
        let date = r
            .expiration_date
            .as_deref()
            .map(date_from_text)
            .transpose()?;
        b = b.expiration(
            sdk::LifecycleExpiration::builder()
                .set_days(days)
                .set_date(date)
                .set_expired_object_delete_marker(r.expired_object_delete_marker)
                .build(),
        );
    }
    if r.noncurrent_expiration_days.is_some() || r.noncurrent_expiration_newer_versions.is_some() {
        let days = r
            .noncurrent_expiration_days
            .map(|d| to_i32(&format!("rule {name}: noncurrent expiration days"), d))
            .transpose()?;
        let newer = r
            .noncurrent_expiration_newer_versions
            .map(|d| to_i32(&format!("rule {name}: newer noncurrent versions"), d))
            .transpose()?;
        b = b.noncurrent_version_expiration(
            sdk::NoncurrentVersionExpiration::builder()
                .set_noncurrent_days(days)
                .set_newer_noncurrent_versions(newer)
                .build(),
        );
    }
    if let Some(d) = r.abort_incomplete_multipart_days {
        b = b.abort_incomplete_multipart_upload(
            sdk::AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(to_i32(&format!("rule {name}: abort days"), d)?)
                .build(),
        );
    }
    b.build()
        .map_err(|e| ApiError::Invalid(format!("rule {name}: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Conversions: intelligent-tiering configurations
// ---------------------------------------------------------------------------------------------

/// An intelligent-tiering configuration as S3 returned it, in the model.
pub fn tiering_from_sdk(c: &sdk::IntelligentTieringConfiguration) -> ItConfig {
    let (prefix, tags) = match c.filter() {
        None => (None, Vec::new()),
        Some(f) => match f.and() {
            Some(and) => (
                and.prefix().map(str::to_owned),
                and.tags().iter().map(tag_from_sdk).collect(),
            ),
            None => (
                f.prefix().map(str::to_owned),
                f.tag().map(tag_from_sdk).into_iter().collect(),
            ),
        },
    };
    let days = |tier: sdk::IntelligentTieringAccessTier| {
        c.tierings()
            .iter()
            .find(|t| *t.access_tier() == tier)
            .map(|t| i64::from(t.days()))
    };
    ItConfig {
        id: c.id().to_owned(),
        status: match c.status() {
            sdk::IntelligentTieringStatus::Enabled => RuleStatus::Enabled,
            _ => RuleStatus::Disabled,
        },
        prefix,
        tags,
        archive_days: days(sdk::IntelligentTieringAccessTier::ArchiveAccess),
        deep_archive_days: days(sdk::IntelligentTieringAccessTier::DeepArchiveAccess),
    }
}

/// A configuration of the model as the SDK sends it: no filter when it has no condition, the
/// single condition when it has one, `And` otherwise.
pub fn tiering_to_sdk(c: &ItConfig) -> Result<sdk::IntelligentTieringConfiguration, ApiError> {
    let prefix = c.prefix.clone().filter(|p| !p.is_empty());
    let conditions = usize::from(prefix.is_some()) + c.tags.len();
    let mut b = sdk::IntelligentTieringConfiguration::builder()
        .id(&c.id)
        .status(match c.status {
            RuleStatus::Enabled => sdk::IntelligentTieringStatus::Enabled,
            RuleStatus::Disabled => sdk::IntelligentTieringStatus::Disabled,
        });
    if conditions == 1 {
        let f = sdk::IntelligentTieringFilter::builder().set_prefix(prefix);
        let f = match c.tags.first() {
            Some(t) => f.tag(tag_to_sdk(t)?),
            None => f,
        };
        b = b.filter(f.build());
    } else if conditions > 1 {
        let mut and = sdk::IntelligentTieringAndOperator::builder().set_prefix(prefix);
        for t in &c.tags {
            and = and.tags(tag_to_sdk(t)?);
        }
        b = b.filter(
            sdk::IntelligentTieringFilter::builder()
                .and(and.build())
                .build(),
        );
    }
    let tiers = [
        (
            sdk::IntelligentTieringAccessTier::ArchiveAccess,
            c.archive_days,
        ),
        (
            sdk::IntelligentTieringAccessTier::DeepArchiveAccess,
            c.deep_archive_days,
        ),
    ];
    for (tier, days) in tiers {
        if let Some(d) = days {
            let tiering = sdk::Tiering::builder()
                .days(to_i32(&format!("configuration {}: days", c.id), d)?)
                .access_tier(tier)
                .build()
                .map_err(|e| ApiError::Invalid(format!("configuration {}: {e}", c.id)))?;
            b = b.tierings(tiering);
        }
    }
    b.build()
        .map_err(|e| ApiError::Invalid(format!("configuration {}: {e}", c.id)))
}

// ---------------------------------------------------------------------------------------------
// One bucket
// ---------------------------------------------------------------------------------------------

/// The lifecycle configuration of one bucket, as the read-modify-write sees it.
#[async_trait]
pub trait LifecycleStore: Send + Sync {
    /// The configuration, `None` when the bucket has none.
    async fn find_lifecycle(&self) -> Result<Option<LifecycleDocument>, ApiError>;
    /// Replaces the whole configuration (it must have at least one rule).
    async fn put_lifecycle(&self, doc: &LifecycleDocument) -> Result<(), ApiError>;
    /// Deletes the configuration (absent is success).
    async fn delete_lifecycle(&self) -> Result<(), ApiError>;
}

/// S3 calls on one bucket, with its optional expected owner sent on every call.
#[derive(Debug, Clone)]
pub struct BucketApi {
    client: Client,
    bucket: String,
    expected_owner: Option<String>,
}

impl BucketApi {
    /// Calls on `bucket` with `client`; `expected_owner` is the 12-digit account ID S3 checks.
    pub fn new(client: Client, bucket: &str, expected_owner: Option<String>) -> Self {
        BucketApi {
            client,
            bucket: bucket.to_owned(),
            expected_owner,
        }
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Every intelligent-tiering configuration of the bucket, foreign ones included.
    pub async fn list_tiering_configs(&self) -> Result<Vec<ItConfig>, ApiError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let resp = self
                .client
                .list_bucket_intelligent_tiering_configurations()
                .bucket(&self.bucket)
                .set_expected_bucket_owner(self.expected_owner.clone())
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    classify(
                        "ListBucketIntelligentTieringConfigurations",
                        &self.bucket,
                        e,
                    )
                })?;
            out.extend(
                resp.intelligent_tiering_configuration_list()
                    .iter()
                    .map(tiering_from_sdk),
            );
            match resp.next_continuation_token() {
                Some(t) if resp.is_truncated() == Some(true) && !t.is_empty() => {
                    token = Some(t.to_owned());
                }
                _ => return Ok(out),
            }
        }
    }

    /// Creates or replaces one intelligent-tiering configuration.
    pub async fn put_tiering_config(&self, c: &ItConfig) -> Result<(), ApiError> {
        let config = tiering_to_sdk(c)?;
        self.client
            .put_bucket_intelligent_tiering_configuration()
            .bucket(&self.bucket)
            .set_expected_bucket_owner(self.expected_owner.clone())
            .id(&c.id)
            .intelligent_tiering_configuration(config)
            .send()
            .await
            .map_err(|e| classify("PutBucketIntelligentTieringConfiguration", &self.bucket, e))?;
        tracing::info!(bucket = %self.bucket, id = %c.id, "put intelligent-tiering configuration");
        Ok(())
    }

    /// Deletes one intelligent-tiering configuration; absent is success.
    pub async fn delete_tiering_config(&self, id: &str) -> Result<(), ApiError> {
        match self
            .client
            .delete_bucket_intelligent_tiering_configuration()
            .bucket(&self.bucket)
            .set_expected_bucket_owner(self.expected_owner.clone())
            .id(id)
            .send()
            .await
        {
            Ok(_) => {
                tracing::info!(bucket = %self.bucket, id, "deleted intelligent-tiering configuration");
                Ok(())
            }
            Err(e) if error_code(&e) == Some(NO_SUCH_CONFIGURATION) => Ok(()),
            Err(e) => Err(classify(
                "DeleteBucketIntelligentTieringConfiguration",
                &self.bucket,
                e,
            )),
        }
    }
}

#[async_trait]
impl LifecycleStore for BucketApi {
    async fn find_lifecycle(&self) -> Result<Option<LifecycleDocument>, ApiError> {
        match self
            .client
            .get_bucket_lifecycle_configuration()
            .bucket(&self.bucket)
            .set_expected_bucket_owner(self.expected_owner.clone())
            .send()
            .await
        {
            Ok(out) => Ok(Some(LifecycleDocument {
                rules: out.rules().iter().map(rule_from_sdk).collect(),
                transition_default_minimum_object_size: out
                    .transition_default_minimum_object_size()
                    .map(|m| m.as_str().to_owned()),
            })),
            Err(e) if error_code(&e) == Some(NO_SUCH_LIFECYCLE) => Ok(None),
            Err(e) => Err(classify("GetBucketLifecycleConfiguration", &self.bucket, e)),
        }
    }

    async fn put_lifecycle(&self, doc: &LifecycleDocument) -> Result<(), ApiError> {
        let rules = doc
            .rules
            .iter()
            .map(rule_to_sdk)
            .collect::<Result<Vec<_>, _>>()?;
        let config = sdk::BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| ApiError::Invalid(format!("lifecycle configuration: {e}")))?;
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(&self.bucket)
            .set_expected_bucket_owner(self.expected_owner.clone())
            .lifecycle_configuration(config)
            .set_transition_default_minimum_object_size(
                doc.transition_default_minimum_object_size
                    .as_deref()
                    .map(sdk::TransitionDefaultMinimumObjectSize::from),
            )
            .send()
            .await
            .map_err(|e| classify("PutBucketLifecycleConfiguration", &self.bucket, e))?;
        tracing::info!(bucket = %self.bucket, rules = doc.rules.len(), "put lifecycle configuration");
        Ok(())
    }

    async fn delete_lifecycle(&self) -> Result<(), ApiError> {
        match self
            .client
            .delete_bucket_lifecycle()
            .bucket(&self.bucket)
            .set_expected_bucket_owner(self.expected_owner.clone())
            .send()
            .await
        {
            Ok(_) => {
                tracing::info!(bucket = %self.bucket, "deleted lifecycle configuration");
                Ok(())
            }
            Err(e) if error_code(&e) == Some(NO_SUCH_LIFECYCLE) => Ok(()),
            Err(e) => Err(classify("DeleteBucketLifecycle", &self.bucket, e)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Read-modify-write with race detection
// ---------------------------------------------------------------------------------------------

/// How [`write_owned_rules`] retries and waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSettings {
    /// Read-modify-write attempts before giving up on a racing writer.
    pub max_attempts: u32,
    /// Pause between reads while waiting, and before a new attempt.
    pub poll_interval: Duration,
    /// Consecutive reads that must show the written document (S3 propagates with a delay).
    pub consecutive_matches: u32,
    /// Longest wait for the written document to show.
    pub settle_timeout: Duration,
}

impl Default for WriteSettings {
    fn default() -> Self {
        WriteSettings {
            max_attempts: 5,
            poll_interval: Duration::from_millis(500),
            consecutive_matches: 2,
            settle_timeout: Duration::from_secs(120),
        }
    }
}

/// What [`write_owned_rules`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    /// The document as S3 shows it at the end (empty when the bucket has none).
    pub document: LifecycleDocument,
    /// Whether anything was written.
    pub wrote: bool,
    /// Read-modify-write attempts used.
    pub attempts: u32,
}

/// Whether two documents hold the same rules (each rule of one means the same as one of the
/// other, see [`same_rule`]), whatever their order and spelling.
pub fn same_rules(a: &LifecycleDocument, b: &LifecycleDocument) -> bool {
    a.rules.len() == b.rules.len()
        && a.rules
            .iter()
            .all(|x| b.rules.iter().any(|y| same_rule(x, y)))
        && b.rules
            .iter()
            .all(|y| a.rules.iter().any(|x| same_rule(x, y)))
}

fn foreign_ids(doc: &LifecycleDocument) -> Vec<String> {
    doc.rules
        .iter()
        .filter(|r| !r.id.as_deref().is_some_and(owned))
        .map(|r| r.id.clone().unwrap_or_default())
        .collect()
}

enum Settled {
    Done(LifecycleDocument),
    Raced(LifecycleDocument),
}

async fn settle<S: LifecycleStore + ?Sized>(
    store: &S,
    before: &LifecycleDocument,
    written: &LifecycleDocument,
    settings: &WriteSettings,
) -> Result<Settled, ApiError> {
    let deadline = Instant::now() + settings.settle_timeout;
    let mut matches = 0;
    loop {
        let now = store.find_lifecycle().await?.unwrap_or_default();
        if same_rules(&now, written) {
            matches += 1;
            if matches >= settings.consecutive_matches.max(1) {
                return Ok(Settled::Done(now));
            }
        } else if same_rules(&now, before) {
            // Not visible yet: S3 still serves the document from before the write.
            matches = 0;
        } else {
            return Ok(Settled::Raced(now));
        }
        if Instant::now() >= deadline {
            return Err(ApiError::NotPropagated(settings.settle_timeout));
        }
        tokio::time::sleep(settings.poll_interval).await;
    }
}

/// Makes the owned rules of the bucket's lifecycle configuration exactly `desired` (empty:
/// none), keeping every foreign rule, and sets the bucket-wide minimum object size when
/// `minimum_object_size` is given. Deletes the configuration when no rule is left (S3 rejects
/// an empty one). See the module docs for how races with other writers are handled.
pub async fn write_owned_rules<S: LifecycleStore + ?Sized>(
    store: &S,
    desired: &[LifecycleRule],
    minimum_object_size: Option<MinimumObjectSize>,
    settings: &WriteSettings,
) -> Result<WriteOutcome, ApiError> {
    let mut wrote = false;
    for attempt in 1..=settings.max_attempts.max(1) {
        let before = store.find_lifecycle().await?.unwrap_or_default();
        let merged = merge_document(&before, desired, minimum_object_size)?;
        let size_ok = minimum_object_size.is_none()
            || merged.rules.is_empty()
            || before.transition_default_minimum_object_size
                == merged.transition_default_minimum_object_size;
        if same_rules(&before, &merged) && size_ok {
            return Ok(WriteOutcome {
                document: before,
                wrote,
                attempts: attempt,
            });
        }
        // No If-Match on lifecycle configurations: read again right before writing, so that a
        // foreign rule written since our read is not dropped by our write.
        let recheck = store.find_lifecycle().await?.unwrap_or_default();
        if !same_rules(&recheck, &before) {
            tracing::warn!(
                attempt,
                "the lifecycle configuration changed while being merged; merging again"
            );
            tokio::time::sleep(settings.poll_interval).await;
            continue;
        }
        if merged.rules.is_empty() {
            store.delete_lifecycle().await?;
        } else {
            store.put_lifecycle(&merged).await?;
        }
        wrote = true;
        match settle(store, &before, &merged, settings).await? {
            Settled::Done(document) => {
                return Ok(WriteOutcome {
                    document,
                    wrote,
                    attempts: attempt,
                });
            }
            Settled::Raced(now) => {
                let kept = foreign_ids(&now);
                let lost: Vec<String> = foreign_ids(&before)
                    .into_iter()
                    .filter(|id| !kept.contains(id))
                    .collect();
                tracing::warn!(
                    attempt,
                    ?lost,
                    "another writer changed the lifecycle configuration after our write; merging again"
                );
            }
        }
    }
    Err(ApiError::Raced {
        attempts: settings.max_attempts.max(1),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;
    use crate::s3::lifecycle_doc::{build_filter, rule_id};

    fn foreign(id: &str, days: i64) -> LifecycleRule {
        LifecycleRule {
            id: Some(id.to_owned()),
            filter: Some(RuleFilter::Prefix("tmp/".to_owned())),
            expiration_days: Some(days),
            ..LifecycleRule::default()
        }
    }

    fn ours(name: &str, days: i64) -> LifecycleRule {
        LifecycleRule {
            id: Some(rule_id(name, 0)),
            filter: Some(RuleFilter::Prefix(format!("{name}/"))),
            transitions: vec![RuleTransition {
                days: Some(days),
                date: None,
                storage_class: "STANDARD_IA".to_owned(),
            }],
            expiration_days: Some(400),
            ..LifecycleRule::default()
        }
    }

    #[test]
    fn rules_round_trip_through_the_sdk_shapes() {
        let tags = BTreeMap::from([
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
        ]);
        let cases = vec![
            ("prefix", ours("logs", 30)),
            (
                "and with sizes and tags",
                LifecycleRule {
                    id: Some("team-x".to_owned()),
                    filter: Some(build_filter("p/", &tags, Some(10), Some(1000))),
                    noncurrent_transitions: vec![RuleNoncurrentTransition {
                        noncurrent_days: Some(30),
                        newer_noncurrent_versions: Some(3),
                        storage_class: "GLACIER".to_owned(),
                    }],
                    noncurrent_expiration_days: Some(90),
                    noncurrent_expiration_newer_versions: Some(2),
                    abort_incomplete_multipart_days: Some(7),
                    ..LifecycleRule::default()
                },
            ),
            (
                "single tag, disabled, dates",
                LifecycleRule {
                    id: Some("dated".to_owned()),
                    status: RuleStatus::Disabled,
                    filter: Some(RuleFilter::Tag(Tag {
                        key: "k".to_owned(),
                        value: "v".to_owned(),
                    })),
                    transitions: vec![RuleTransition {
                        days: None,
                        date: Some("2030-01-01T00:00:00Z".to_owned()),
                        storage_class: "DEEP_ARCHIVE".to_owned(),
                    }],
                    expiration_date: Some("2031-01-01T00:00:00Z".to_owned()),
                    ..LifecycleRule::default()
                },
            ),
            (
                "size only",
                LifecycleRule {
                    id: Some("big".to_owned()),
                    filter: Some(RuleFilter::ObjectSizeGreaterThan(131_072)),
                    expired_object_delete_marker: Some(true),
                    ..LifecycleRule::default()
                },
            ),
            (
                "legacy prefix",
                LifecycleRule {
                    id: Some("old".to_owned()),
                    legacy_prefix: Some("old/".to_owned()),
                    expiration_days: Some(10),
                    ..LifecycleRule::default()
                },
            ),
            (
                "unknown storage class survives",
                LifecycleRule {
                    id: Some("future".to_owned()),
                    filter: Some(RuleFilter::Prefix(String::new())),
                    transitions: vec![RuleTransition {
                        days: Some(5),
                        date: None,
                        storage_class: "FUTURE_CLASS".to_owned(),
                    }],
                    ..LifecycleRule::default()
                },
            ),
        ];
        for (name, rule) in cases {
            let sdk_rule = rule_to_sdk(&rule).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(rule_from_sdk(&sdk_rule), rule, "{name}");
        }
    }

    #[test]
    fn rules_without_filter_get_an_empty_prefix_and_out_of_range_days_fail() {
        let bare = LifecycleRule {
            id: Some("x".to_owned()),
            expiration_days: Some(1),
            ..LifecycleRule::default()
        };
        let back = rule_from_sdk(&rule_to_sdk(&bare).expect("converts"));
        assert_eq!(back.filter, Some(RuleFilter::Prefix(String::new())));
        let huge = LifecycleRule {
            expiration_days: Some(i64::from(i32::MAX) + 1),
            ..bare
        };
        assert!(matches!(rule_to_sdk(&huge), Err(ApiError::Invalid(_))));
        let bad_date = LifecycleRule {
            id: Some("d".to_owned()),
            expiration_date: Some("tomorrow".to_owned()),
            ..LifecycleRule::default()
        };
        assert!(matches!(rule_to_sdk(&bad_date), Err(ApiError::Invalid(_))));
    }

    #[test]
    fn tiering_configs_round_trip_in_each_filter_shape() {
        let tag = |k: &str, v: &str| Tag {
            key: k.to_owned(),
            value: v.to_owned(),
        };
        let cases = vec![
            ("no filter", None, vec![], Some(90), None),
            ("prefix", Some("logs/"), vec![], None, Some(180)),
            ("one tag", None, vec![tag("k", "v")], Some(90), Some(180)),
            (
                "and",
                Some("raw/"),
                vec![tag("a", "1"), tag("b", "2")],
                Some(120),
                None,
            ),
        ];
        for (name, prefix, tags, archive, deep) in cases {
            let c = ItConfig {
                id: "logexaminer-x".to_owned(),
                status: RuleStatus::Enabled,
                prefix: prefix.map(str::to_owned),
                tags,
                archive_days: archive,
                deep_archive_days: deep,
            };
            let s = tiering_to_sdk(&c).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(tiering_from_sdk(&s), c, "{name}");
        }
    }

    /// Plays another writer before a given find call.
    type FindHook = Box<dyn Fn(u32, &mut Option<LifecycleDocument>) + Send + Sync>;

    /// An in-memory store. `on_find` may play another writer before a given find call
    /// (1-based); `lag` reads after each write still show the document from before it, as S3
    /// may while a change propagates.
    struct FakeStore {
        doc: Mutex<Option<LifecycleDocument>>,
        stale: Mutex<Option<(u32, Option<LifecycleDocument>)>>,
        lag: u32,
        on_find: FindHook,
        finds: Mutex<u32>,
        puts: Mutex<u32>,
        deletes: Mutex<u32>,
    }

    impl FakeStore {
        fn new(
            doc: Option<LifecycleDocument>,
            on_find: impl Fn(u32, &mut Option<LifecycleDocument>) + Send + Sync + 'static,
        ) -> Self {
            FakeStore {
                doc: Mutex::new(doc),
                stale: Mutex::new(None),
                lag: 0,
                on_find: Box::new(on_find),
                finds: Mutex::new(0),
                puts: Mutex::new(0),
                deletes: Mutex::new(0),
            }
        }
        fn doc(&self) -> Option<LifecycleDocument> {
            self.doc.lock().expect("lock").clone()
        }
        fn count(m: &Mutex<u32>) -> u32 {
            *m.lock().expect("lock")
        }
        fn written(&self, new: Option<LifecycleDocument>) {
            let mut doc = self.doc.lock().expect("lock");
            if self.lag > 0 {
                *self.stale.lock().expect("lock") = Some((self.lag, doc.clone()));
            }
            *doc = new;
        }
    }

    #[async_trait]
    impl LifecycleStore for FakeStore {
        async fn find_lifecycle(&self) -> Result<Option<LifecycleDocument>, ApiError> {
            let n = {
                let mut f = self.finds.lock().expect("lock");
                *f += 1;
                *f
            };
            let mut stale = self.stale.lock().expect("lock");
            if let Some((left, old)) = stale.as_mut()
                && *left > 0
            {
                *left -= 1;
                return Ok(old.clone());
            }
            *stale = None;
            let mut doc = self.doc.lock().expect("lock");
            (self.on_find)(n, &mut doc);
            Ok(doc.clone())
        }
        async fn put_lifecycle(&self, doc: &LifecycleDocument) -> Result<(), ApiError> {
            assert!(!doc.rules.is_empty(), "S3 rejects an empty configuration");
            *self.puts.lock().expect("lock") += 1;
            self.written(Some(doc.clone()));
            Ok(())
        }
        async fn delete_lifecycle(&self) -> Result<(), ApiError> {
            *self.deletes.lock().expect("lock") += 1;
            self.written(None);
            Ok(())
        }
    }

    fn fast() -> WriteSettings {
        WriteSettings {
            max_attempts: 4,
            poll_interval: Duration::ZERO,
            consecutive_matches: 2,
            settle_timeout: Duration::from_secs(5),
        }
    }

    fn doc(rules: Vec<LifecycleRule>) -> Option<LifecycleDocument> {
        Some(LifecycleDocument {
            rules,
            transition_default_minimum_object_size: Some("all_storage_classes_128K".to_owned()),
        })
    }

    fn ids(d: &Option<LifecycleDocument>) -> Vec<String> {
        d.as_ref()
            .map(|d| {
                d.rules
                    .iter()
                    .map(|r| r.id.clone().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
    }

    #[test]
    fn writes_keep_foreign_rules_and_skip_when_nothing_changes() {
        let store = FakeStore::new(doc(vec![foreign("team-a", 3)]), |_, _| {});
        let want = [ours("logs", 30)];
        let out = rt()
            .block_on(write_owned_rules(&store, &want, None, &fast()))
            .expect("write");
        assert!(out.wrote);
        assert_eq!(out.attempts, 1);
        assert_eq!(ids(&store.doc()), ["team-a", "logexaminer:logs:0"]);
        // Second run: nothing to write.
        let out = rt()
            .block_on(write_owned_rules(&store, &want, None, &fast()))
            .expect("write");
        assert!(!out.wrote);
        assert_eq!(FakeStore::count(&store.puts), 1);
    }

    #[test]
    fn removing_the_last_owned_rule_deletes_the_configuration() {
        let store = FakeStore::new(doc(vec![ours("logs", 30)]), |_, _| {});
        let out = rt()
            .block_on(write_owned_rules(&store, &[], None, &fast()))
            .expect("write");
        assert!(out.wrote);
        assert_eq!(store.doc(), None);
        assert_eq!(FakeStore::count(&store.deletes), 1);
        assert_eq!(FakeStore::count(&store.puts), 0);
        // With a foreign rule left, the configuration is rewritten instead.
        let store = FakeStore::new(doc(vec![ours("logs", 30), foreign("team-a", 3)]), |_, _| {});
        rt().block_on(write_owned_rules(&store, &[], None, &fast()))
            .expect("write");
        assert_eq!(ids(&store.doc()), ["team-a"]);
        assert_eq!(FakeStore::count(&store.deletes), 0);
        // Nothing on the bucket and nothing wanted: no call but the read.
        let store = FakeStore::new(None, |_, _| {});
        let out = rt()
            .block_on(write_owned_rules(&store, &[], None, &fast()))
            .expect("write");
        assert!(!out.wrote);
    }

    #[test]
    fn a_rule_written_between_read_and_write_is_not_dropped() {
        // Find 1 is our read; before find 2 (the re-check) another team adds a rule.
        let store = FakeStore::new(doc(vec![foreign("team-a", 3)]), |n, d| {
            if n == 2
                && let Some(d) = d
            {
                d.rules.push(foreign("team-b", 9));
            }
        });
        let out = rt()
            .block_on(write_owned_rules(
                &store,
                &[ours("logs", 30)],
                None,
                &fast(),
            ))
            .expect("write");
        assert_eq!(out.attempts, 2);
        assert_eq!(
            ids(&store.doc()),
            ["team-a", "team-b", "logexaminer:logs:0"]
        );
    }

    #[test]
    fn a_writer_that_overwrites_us_after_our_write_is_merged_again() {
        // Find 3 is the first read after our write: another writer has replaced the document
        // with its own, dropping our rule and adding one.
        let store = FakeStore::new(doc(vec![foreign("team-a", 3)]), |n, d| {
            if n == 3 {
                *d = doc(vec![foreign("team-a", 3), foreign("team-c", 5)]);
            }
        });
        let out = rt()
            .block_on(write_owned_rules(
                &store,
                &[ours("logs", 30)],
                None,
                &fast(),
            ))
            .expect("write");
        assert_eq!(out.attempts, 2);
        assert_eq!(
            ids(&store.doc()),
            ["team-a", "team-c", "logexaminer:logs:0"]
        );
        assert_eq!(FakeStore::count(&store.puts), 2);
    }

    #[test]
    fn propagation_delay_is_waited_for() {
        // After the write, two reads still show the old document.
        let mut store = FakeStore::new(doc(vec![foreign("team-a", 3)]), |_, _| {});
        store.lag = 2;
        let out = rt()
            .block_on(write_owned_rules(
                &store,
                &[ours("logs", 30)],
                None,
                &fast(),
            ))
            .expect("write");
        assert_eq!(out.attempts, 1, "stale reads are not a race");
        assert_eq!(FakeStore::count(&store.puts), 1);
        // read + re-check + 2 stale reads + 2 consecutive matches
        assert_eq!(FakeStore::count(&store.finds), 6);
        assert_eq!(ids(&Some(out.document)), ["team-a", "logexaminer:logs:0"]);
    }

    #[test]
    fn a_write_that_never_shows_times_out() {
        let mut store = FakeStore::new(doc(vec![foreign("team-a", 3)]), |_, _| {});
        store.lag = u32::MAX;
        let settings = WriteSettings {
            settle_timeout: Duration::from_millis(20),
            poll_interval: Duration::from_millis(1),
            ..fast()
        };
        let err = rt()
            .block_on(write_owned_rules(
                &store,
                &[ours("logs", 30)],
                None,
                &settings,
            ))
            .expect_err("never visible");
        assert!(matches!(err, ApiError::NotPropagated(_)), "{err}");
    }

    #[test]
    fn a_writer_that_never_stops_racing_is_an_error() {
        let store = FakeStore::new(doc(vec![foreign("team-a", 3)]), |n, d| {
            // Every re-check sees a new foreign rule.
            if n % 2 == 0
                && let Some(d) = d
            {
                d.rules.push(foreign(&format!("team-{n}"), 1));
            }
        });
        let err = rt()
            .block_on(write_owned_rules(
                &store,
                &[ours("logs", 30)],
                None,
                &fast(),
            ))
            .expect_err("races every time");
        assert_eq!(err, ApiError::Raced { attempts: 4 });
        assert_eq!(
            FakeStore::count(&store.puts),
            0,
            "never wrote over a change"
        );
    }

    #[test]
    fn the_minimum_object_size_alone_triggers_a_write() {
        let store = FakeStore::new(doc(vec![ours("logs", 30)]), |_, _| {});
        let out = rt()
            .block_on(write_owned_rules(
                &store,
                &[ours("logs", 30)],
                Some(MinimumObjectSize::VariesByStorageClass),
                &fast(),
            ))
            .expect("write");
        assert!(out.wrote);
        assert_eq!(
            store
                .doc()
                .and_then(|d| d.transition_default_minimum_object_size),
            Some("varies_by_storage_class".to_owned())
        );
    }
}
