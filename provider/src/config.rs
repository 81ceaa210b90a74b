//! Provider configuration, modelled on hashicorp/aws, on aws-config's default
//! credential chain. Nothing here does network I/O: AWS clients are built on
//! first use (so `terraform validate` and pure data sources need no
//! credentials), and credentials are checked once, on first use, unless
//! `skip_credentials_validation` is set.
//!
//! Endpoints: `endpoints { s3 = ... }` wins, then the standard `AWS_ENDPOINT_URL_<SERVICE>`
//! and `AWS_ENDPOINT_URL` variables (read by aws-config itself).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_runtime::env_config::file::{
    EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles,
};
use serde::Deserialize;
use tfplugin::schema::{check, length_between};
use tfplugin::{
    Attribute, Block, Config, DiagResult, Diagnostic, NestedBlock, Nesting, Schema, Type, Value,
};
use tokio::sync::OnceCell;

/// Services whose endpoints can be overridden.
pub const SERVICES: &[&str] = &[
    "s3",
    "secretsmanager",
    "rds",
    "sns",
    "lambda",
    "eks",
    "sts",
    "iam",
    "cloudwatch",
];

/// The provider configuration schema.
pub fn schema() -> Schema {
    let mut endpoints = Block::new(
        "Custom service endpoints (e.g. a local emulator). Each overrides `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL`.",
    );
    for s in SERVICES {
        endpoints = endpoints.attr(
            Attribute::string(s)
                .describe(&format!(
                    "Endpoint URL for {s}, e.g. `http://127.0.0.1:5000`."
                ))
                .validate(url_validator()),
        );
    }
    Schema::new(
        Block::new("The LogExaminer provider manages what the hashicorp/aws provider lacks for the LogExaminer platform: metastore database users, rotation, S3 tier policies and RDS parameter profiles. Credentials come from the standard AWS chain (environment, shared files, SSO, web identity, instance metadata).")
            .attr(Attribute::string("region").describe("AWS region, e.g. `us-east-1`. Defaults to `AWS_REGION` / the profile's region.").validate(check("Invalid region", "An AWS region name such as `us-east-1`.", |v| match v.as_str() {
                Some(r) if is_region(r) => Ok(()),
                Some(r) => Err(format!("{r:?} is not an AWS region name (expected something like \"us-east-1\").")),
                None => Ok(()),
            })))
            .attr(Attribute::string("profile").describe("Named profile from the shared config/credentials files."))
            .attr(Attribute::new("shared_config_files", Type::list(Type::String)).describe("Paths of shared config files (default `~/.aws/config`)."))
            .attr(Attribute::new("shared_credentials_files", Type::list(Type::String)).describe("Paths of shared credentials files (default `~/.aws/credentials`)."))
            .attr(Attribute::bool("s3_use_path_style").describe("Use path-style S3 addressing (`http://host/bucket`), needed by most S3 emulators."))
            .attr(Attribute::bool("skip_credentials_validation").describe("Do not check credentials with STS GetCallerIdentity before the first AWS call."))
            .block(
                NestedBlock::new(
                    "assume_role",
                    Nesting::List,
                    Block::new("Assume an IAM role with STS before making calls.")
                        .attr(Attribute::string("role_arn").required().describe("ARN of the role to assume.").validate(check("Invalid ARN", "An IAM role ARN.", |v| match v.as_str() {
                            Some(a) if a.starts_with("arn:") && a.contains(":iam::") && a.contains(":role/") => Ok(()),
                            Some(a) => Err(format!("{a:?} is not an IAM role ARN (arn:aws:iam::123456789012:role/name).")),
                            None => Ok(()),
                        })))
                        .attr(Attribute::string("session_name").describe("Session name (2-64 characters).").validate(length_between(2, 64)))
                        .attr(Attribute::string("external_id").describe("External ID the role's trust policy requires.").validate(length_between(2, 1224)))
                        .attr(Attribute::string("duration").describe("Session duration as a Go-style duration such as `1h` or `15m` (15m to 12h).").validate(check("Invalid duration", "A duration from 15m to 12h such as `1h30m`.", |v| match v.as_str() {
                            Some(s) => match parse_duration(s) {
                                Some(d) if (900..=43_200).contains(&d.as_secs()) => Ok(()),
                                Some(_) => Err(format!("{s:?} is outside 15m..12h.")),
                                None => Err(format!("{s:?} is not a duration like \"1h\" or \"45m\".")),
                            },
                            None => Ok(()),
                        }))),
                )
                .items(0, 1),
            )
            .block(NestedBlock::new("endpoints", Nesting::List, endpoints).items(0, 1))
            .block(
                NestedBlock::new(
                    "default_tags",
                    Nesting::List,
                    Block::new("Tags added to every taggable object this provider creates.")
                        .attr(Attribute::new("tags", Type::map(Type::String)).describe("Tags; a resource's own tags win on conflict.")),
                )
                .items(0, 1),
            ),
    )
}

fn url_validator() -> std::sync::Arc<dyn tfplugin::schema::Validator> {
    check("Invalid endpoint URL", "An http(s) URL.", |v| {
        match v.as_str() {
            Some(u) if (u.starts_with("http://") || u.starts_with("https://")) && u.len() > 8 => {
                Ok(())
            }
            Some(u) => Err(format!("{u:?} is not an http(s) URL.")),
            None => Ok(()),
        }
    })
}

fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// Parses `1h30m`, `45m`, `900s`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut num = String::new();
    if s.is_empty() {
        return None;
    }
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    Some(Duration::from_secs(total))
}

#[derive(Debug, Deserialize, Default)]
struct AssumeRole {
    role_arn: String,
    session_name: Option<String>,
    external_id: Option<String>,
    duration: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct DefaultTags {
    tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize, Default)]
struct RawConfig {
    region: Option<String>,
    profile: Option<String>,
    shared_config_files: Option<Vec<String>>,
    shared_credentials_files: Option<Vec<String>>,
    s3_use_path_style: Option<bool>,
    skip_credentials_validation: Option<bool>,
    #[serde(default)]
    assume_role: Vec<AssumeRole>,
    #[serde(default)]
    endpoints: Vec<BTreeMap<String, Option<String>>>,
    #[serde(default)]
    default_tags: Vec<DefaultTags>,
}

/// Settings kept from configuration; clients are built from them on first use.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Region override.
    pub region: Option<String>,
    /// Profile name.
    pub profile: Option<String>,
    /// Shared config files.
    pub shared_config_files: Vec<String>,
    /// Shared credentials files.
    pub shared_credentials_files: Vec<String>,
    /// Path-style S3.
    pub s3_use_path_style: bool,
    /// Skip the STS check.
    pub skip_credentials_validation: bool,
    /// Role to assume.
    pub assume_role: Option<AssumeRoleSettings>,
    /// Endpoint overrides by service.
    pub endpoints: BTreeMap<String, String>,
    /// Default tags.
    pub default_tags: BTreeMap<String, String>,
}

/// The `assume_role` block.
#[derive(Debug, Clone, Default)]
pub struct AssumeRoleSettings {
    /// Role ARN.
    pub role_arn: String,
    /// Session name.
    pub session_name: Option<String>,
    /// External ID.
    pub external_id: Option<String>,
    /// Session duration.
    pub duration: Option<Duration>,
}

/// What every resource gets: settings and lazily built AWS clients.
pub struct ProviderData {
    /// The settings.
    pub settings: Settings,
    sdk: OnceCell<aws_config::SdkConfig>,
    verified: OnceCell<Result<(), String>>,
}

/// Builds [`ProviderData`] from the provider block (no I/O).
pub fn configure(config: Config) -> DiagResult<ProviderData> {
    let c: RawConfig = config.model()?;
    let duration = c
        .assume_role
        .first()
        .and_then(|a| a.duration.as_deref())
        .and_then(parse_duration);
    let settings = Settings {
        region: c.region,
        profile: c.profile,
        shared_config_files: c.shared_config_files.unwrap_or_default(),
        shared_credentials_files: c.shared_credentials_files.unwrap_or_default(),
        s3_use_path_style: c.s3_use_path_style.unwrap_or(false),
        skip_credentials_validation: c.skip_credentials_validation.unwrap_or(false),
        assume_role: c
            .assume_role
            .into_iter()
            .next()
            .map(|a| AssumeRoleSettings {
                role_arn: a.role_arn,
                session_name: a.session_name,
                external_id: a.external_id,
                duration,
            }),
        endpoints: c
            .endpoints
            .into_iter()
            .next()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect(),
        default_tags: c
            .default_tags
            .into_iter()
            .next()
            .and_then(|t| t.tags)
            .unwrap_or_default(),
    };
    Ok(ProviderData::new(settings))
}

impl ProviderData {
    /// Data for the given settings.
    pub fn new(settings: Settings) -> Self {
        ProviderData {
            settings,
            sdk: OnceCell::new(),
            verified: OnceCell::new(),
        }
    }

    /// Tags = default tags overlaid with the resource's own.
    pub fn merged_tags(&self, own: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
        let mut t = self.settings.default_tags.clone();
        if let Some(o) = own {
            t.extend(o.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        t
    }

    async fn base(&self) -> &aws_config::SdkConfig {
        self.sdk
            .get_or_init(|| async {
                let s = &self.settings;
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
                if let Some(r) = &s.region {
                    loader = loader.region(aws_config::Region::new(r.clone()));
                }
                if let Some(p) = &s.profile {
                    loader = loader.profile_name(p);
                }
                if !s.shared_config_files.is_empty() || !s.shared_credentials_files.is_empty() {
                    let mut files = ProfileFiles::builder();
                    for f in &s.shared_config_files {
                        files = files.with_file(ProfileFileKind::Config, f);
                    }
                    for f in &s.shared_credentials_files {
                        files = files.with_file(ProfileFileKind::Credentials, f);
                    }
                    loader = loader.profile_files(files.build());
                }
                let base = loader.load().await;
                match &s.assume_role {
                    Some(role) => {
                        let mut b =
                            aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
                                .session_name(
                                    role.session_name
                                        .clone()
                                        .unwrap_or_else(|| "terraform-provider-logexaminer".into()),
                                );
                        if let Some(x) = &role.external_id {
                            b = b.external_id(x.clone());
                        }
                        if let Some(d) = role.duration {
                            b = b.session_length(d);
                        }
                        let provider = b.configure(&base).build().await;
                        base.into_builder()
                            .credentials_provider(
                                aws_credential_types::provider::SharedCredentialsProvider::new(
                                    provider,
                                ),
                            )
                            .build()
                    }
                    None => base,
                }
            })
            .await
    }

    fn endpoint(&self, service: &str) -> Option<&String> {
        self.settings.endpoints.get(service)
    }

    /// Checks credentials once (STS GetCallerIdentity) unless skipped.
    pub async fn verify_credentials(&self) -> DiagResult<()> {
        if self.settings.skip_credentials_validation {
            return Ok(());
        }
        let r = self
            .verified
            .get_or_init(|| async {
                let base = self.base().await.clone();
                let mut b = aws_sdk_sts::config::Builder::from(&base);
                if let Some(e) = self.endpoint("sts") {
                    b = b.endpoint_url(e);
                }
                let sts = aws_sdk_sts::Client::from_conf(b.build());
                match sts.get_caller_identity().send().await {
                    Ok(_) => Ok(()),
                    Err(e) => Err(crate::errors::chain(&e)),
                }
            })
            .await;
        r.clone().map_err(|cause| {
            Diagnostic::error(
                "No valid AWS credentials",
                format!("The provider could not validate its AWS credentials with STS GetCallerIdentity: {cause}. Configure credentials (environment, profile, assume_role) or set skip_credentials_validation = true for emulators."),
            )
            .into()
        })
    }

    /// S3 client.
    pub async fn s3(&self) -> DiagResult<aws_sdk_s3::Client> {
        self.verify_credentials().await?;
        let mut b = aws_sdk_s3::config::Builder::from(self.base().await);
        if let Some(e) = self.endpoint("s3") {
            b = b.endpoint_url(e);
        }
        if self.settings.s3_use_path_style {
            b = b.force_path_style(true);
        }
        Ok(aws_sdk_s3::Client::from_conf(b.build()))
    }

    /// Secrets Manager client.
    pub async fn secretsmanager(&self) -> DiagResult<aws_sdk_secretsmanager::Client> {
        self.verify_credentials().await?;
        let mut b = aws_sdk_secretsmanager::config::Builder::from(self.base().await);
        if let Some(e) = self.endpoint("secretsmanager") {
            b = b.endpoint_url(e);
        }
        Ok(aws_sdk_secretsmanager::Client::from_conf(b.build()))
    }

    /// Lambda client.
    pub async fn lambda(&self) -> DiagResult<aws_sdk_lambda::Client> {
        self.verify_credentials().await?;
        let mut b = aws_sdk_lambda::config::Builder::from(self.base().await);
        if let Some(e) = self.endpoint("lambda") {
            b = b.endpoint_url(e);
        }
        Ok(aws_sdk_lambda::Client::from_conf(b.build()))
    }

    /// EKS client.
    pub async fn eks(&self) -> DiagResult<aws_sdk_eks::Client> {
        self.verify_credentials().await?;
        let mut b = aws_sdk_eks::config::Builder::from(self.base().await);
        if let Some(e) = self.endpoint("eks") {
            b = b.endpoint_url(e);
        }
        Ok(aws_sdk_eks::Client::from_conf(b.build()))
    }

    /// SNS client.
    pub async fn sns(&self) -> DiagResult<aws_sdk_sns::Client> {
        self.verify_credentials().await?;
        let mut b = aws_sdk_sns::config::Builder::from(self.base().await);
        if let Some(e) = self.endpoint("sns") {
            b = b.endpoint_url(e);
        }
        Ok(aws_sdk_sns::Client::from_conf(b.build()))
    }
}

/// Reads a string attribute from a value (helper for validators).
pub fn str_at<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.attr(name).as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("900s"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("1x"), None);
        assert_eq!(parse_duration("15"), None);
    }

    #[test]
    fn regions() {
        assert!(is_region("us-east-1"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("useast1"));
        assert!(!is_region("US-EAST-1"));
    }

    #[test]
    fn every_attribute_is_described() {
        assert!(
            schema().block.undocumented("").is_empty(),
            "{:?}",
            schema().block.undocumented("")
        );
    }
}
