//! Secrets Manager calls for database users: create, write, read, describe, tag and delete secrets, and
//! `GetRandomPassword`. Errors are typed ([`SecretError::NotFound`], [`SecretError::Exists`]) so callers can
//! treat a missing secret as gone; messages carry the service's code and message, never a secret value
//! (the SDK's inputs and outputs print secret strings as redacted, and nothing here formats them).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::types::Tag;
use metastore_sql::Secret;

/// A failed Secrets Manager call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret does not exist (or is scheduled for deletion, for reads).
    #[error("the secret does not exist{}", detail(.0))]
    NotFound(String),
    /// A secret with that name exists already.
    #[error("a secret with that name already exists{}", detail(.0))]
    Exists(String),
    /// The secret's value is not what was expected (not a JSON object with the needed fields).
    #[error("the secret's value {0}")]
    Shape(String),
    /// Any other failure: the service's error code and message, or the transport error.
    #[error("{0}")]
    Other(String),
}

fn detail(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" ({s})")
    }
}

fn classify<E, R>(err: SdkError<E, R>) -> SecretError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = err.code().map(str::to_owned);
    let message = err.message().map(str::to_owned).unwrap_or_default();
    match code.as_deref() {
        Some("ResourceNotFoundException") => SecretError::NotFound(message),
        Some("ResourceExistsException") => SecretError::Exists(message),
        Some(c) => SecretError::Other(format!("{c}: {message}")),
        None => SecretError::Other(crate::errors::chain(&err)),
    }
}

/// Where a secret was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The secret's ARN.
    pub arn: String,
    /// The version holding the value (AWSCURRENT).
    pub version_id: String,
}

/// What `DescribeSecret` says about a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// KMS key, when not the account's default key.
    pub kms_key_id: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// True when the secret is scheduled for deletion.
    pub deleted: bool,
    /// The version labelled AWSCURRENT.
    pub current_version: Option<String>,
}

fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// `CreateSecret` with the value, description, KMS key and tags.
pub async fn create(
    client: &Client,
    name: &str,
    description: &str,
    kms_key_id: Option<&str>,
    tags: &BTreeMap<String, String>,
    value: &Secret,
) -> Result<Created, SecretError> {
    let mut req = client
        .create_secret()
        .name(name)
        .description(description)
        .secret_string(value.expose());
    if let Some(k) = kms_key_id {
        req = req.kms_key_id(k);
    }
    if !tags.is_empty() {
        req = req.set_tags(Some(tag_list(tags)));
    }
    let out = req.send().await.map_err(classify)?;
    Ok(Created {
        arn: out.arn().unwrap_or_default().to_owned(),
        version_id: out.version_id().unwrap_or_default().to_owned(),
    })
}

/// `PutSecretValue`: a new AWSCURRENT version. Returns its version ID.
pub async fn put(client: &Client, arn: &str, value: &Secret) -> Result<String, SecretError> {
    let out = client
        .put_secret_value()
        .secret_id(arn)
        .secret_string(value.expose())
        .send()
        .await
        .map_err(classify)?;
    Ok(out.version_id().unwrap_or_default().to_owned())
}

/// `GetSecretValue` of AWSCURRENT (or of `version_id` / `version_stage`): the secret string and its version.
pub async fn get(
    client: &Client,
    arn: &str,
    version_id: Option<&str>,
    version_stage: Option<&str>,
) -> Result<(Secret, String), SecretError> {
    let mut req = client.get_secret_value().secret_id(arn);
    if let Some(v) = version_id {
        req = req.version_id(v);
    }
    if let Some(s) = version_stage {
        req = req.version_stage(s);
    }
    let out = req.send().await.map_err(|e| match classify(e) {
        // Reading a secret scheduled for deletion fails with InvalidRequestException.
        SecretError::Other(m)
            if m.starts_with("InvalidRequestException") && m.contains("delet") =>
        {
            SecretError::NotFound(m)
        }
        other => other,
    })?;
    let value = out
        .secret_string()
        .ok_or_else(|| SecretError::Shape("is binary, not a JSON string".to_owned()))?;
    Ok((
        Secret::new(value),
        out.version_id().unwrap_or_default().to_owned(),
    ))
}

/// The IDs of every version of the secret, those without a staging label too (`IncludeDeprecated`; Secrets
/// Manager API reference, ListSecretVersionIds: versions without labels are kept until the service cleans
/// them up), at most `limit`.
pub async fn version_ids(
    client: &Client,
    arn: &str,
    limit: usize,
) -> Result<Vec<String>, SecretError> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .list_secret_version_ids()
            .secret_id(arn)
            .include_deprecated(true)
            .max_results(100)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(classify)?;
        ids.extend(
            out.versions()
                .iter()
                .filter_map(|v| v.version_id().map(str::to_owned)),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() || ids.len() >= limit {
            ids.truncate(limit);
            return Ok(ids);
        }
    }
}

/// `DescribeSecret`.
pub async fn describe(client: &Client, arn: &str) -> Result<SecretInfo, SecretError> {
    let out = client
        .describe_secret()
        .secret_id(arn)
        .send()
        .await
        .map_err(classify)?;
    let current = out
        .version_ids_to_stages()
        .and_then(|m: &HashMap<String, Vec<String>>| {
            m.iter()
                .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
                .map(|(v, _)| v.clone())
        });
    Ok(SecretInfo {
        arn: out.arn().unwrap_or(arn).to_owned(),
        name: out.name().unwrap_or_default().to_owned(),
        kms_key_id: out.kms_key_id().map(str::to_owned),
        tags: out
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                ))
            })
            .collect(),
        deleted: out.deleted_date().is_some(),
        current_version: current,
    })
}

/// `ListSecrets` filtered to the secrets tagged `key` = `value` (deleted ones included, so a secret scheduled
/// for deletion is found too): their ARNs.
pub async fn find_tagged(
    client: &Client,
    key: &str,
    value: &str,
) -> Result<Vec<String>, SecretError> {
    use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = client
            .list_secrets()
            .include_planned_deletion(true)
            .filters(
                Filter::builder()
                    .key(FilterNameStringType::TagKey)
                    .values(key)
                    .build(),
            )
            .filters(
                Filter::builder()
                    .key(FilterNameStringType::TagValue)
                    .values(value)
                    .build(),
            );
        if let Some(t) = &token {
            req = req.next_token(t);
        }
        let page = req.send().await.map_err(classify)?;
        for entry in page.secret_list() {
            let tagged = entry
                .tags()
                .iter()
                .any(|t| t.key() == Some(key) && t.value() == Some(value));
            if let (true, Some(arn)) = (tagged, entry.arn()) {
                out.push(arn.to_owned());
            }
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// `RestoreSecret`: cancels a scheduled deletion.
pub async fn restore(client: &Client, arn: &str) -> Result<(), SecretError> {
    client
        .restore_secret()
        .secret_id(arn)
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// Brings the secret's tags from `old` to `new` (`TagResource` / `UntagResource`).
pub async fn retag(
    client: &Client,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), SecretError> {
    let removed: Vec<String> = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let changed: BTreeMap<String, String> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !removed.is_empty() {
        client
            .untag_resource()
            .secret_id(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(classify)?;
    }
    if !changed.is_empty() {
        client
            .tag_resource()
            .secret_id(arn)
            .set_tags(Some(tag_list(&changed)))
            .send()
            .await
            .map_err(classify)?;
    }
    Ok(())
}

/// `UpdateSecret` with a new KMS key (`None`: the account's default `aws/secretsmanager` key).
pub async fn set_kms_key(
    client: &Client,
    arn: &str,
    kms_key_id: Option<&str>,
) -> Result<(), SecretError> {
    client
        .update_secret()
        .secret_id(arn)
        .kms_key_id(kms_key_id.unwrap_or("alias/aws/secretsmanager"))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

/// `DeleteSecret`: with a recovery window of `recovery_window_in_days` (7-30), or at once without recovery
/// when it is 0. A secret that does not exist counts as deleted.
pub async fn delete(
    client: &Client,
    arn: &str,
    recovery_window_in_days: i64,
) -> Result<(), SecretError> {
    let mut req = client.delete_secret().secret_id(arn);
    req = if recovery_window_in_days == 0 {
        req.force_delete_without_recovery(true)
    } else {
        req.recovery_window_in_days(recovery_window_in_days)
    };
    match req.send().await.map_err(classify) {
        Ok(_) | Err(SecretError::NotFound(_)) => Ok(()),
        // Deleting a secret already scheduled for deletion.
        Err(SecretError::Other(m))
            if m.starts_with("InvalidRequestException") && m.contains("delet") =>
        {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// `GetRandomPassword` of `length` characters without `/ @ " ' \` and spaces, with every character class.
pub async fn random_password(client: &Client, length: i64) -> Result<Secret, SecretError> {
    let out = client
        .get_random_password()
        .password_length(length)
        .exclude_characters(metastore_sql::password::AWS_EXCLUDE_CHARACTERS)
        .include_space(false)
        .require_each_included_type(true)
        .send()
        .await
        .map_err(classify)?;
    out.random_password()
        .map(Secret::new)
        .ok_or_else(|| SecretError::Other("GetRandomPassword returned no password".to_owned()))
}

/// Admin credentials from a secret that holds at least `username` and `password` (the RDS-managed master
/// secret has only those two; an RDS-shaped secret has more).
pub fn parse_credentials(value: &Secret) -> Result<(String, Secret), SecretError> {
    let json: serde_json::Value = serde_json::from_str(value.expose())
        .map_err(|_| SecretError::Shape("is not JSON".to_owned()))?;
    let field = |name: &str| {
        json.get(name)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    match (field("username"), field("password")) {
        (Some(u), Some(p)) => Ok((u.to_owned(), Secret::new(p))),
        _ => Err(SecretError::Shape(
            "has no \"username\" and \"password\" string fields".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_from_rds_master_and_rds_shaped_secrets() {
        let master = Secret::new(r#"{"username":"postgres","password":"p-0123456789"}"#);
        let (u, p) = parse_credentials(&master).expect("master");
        assert_eq!(u, "postgres");
        assert_eq!(p.expose(), "p-0123456789");
        let shaped = Secret::new(
            r#"{"engine":"mysql","host":"h","port":3306,"username":"admin","password":"x-1","dbname":"m"}"#,
        );
        assert_eq!(parse_credentials(&shaped).expect("shaped").0, "admin");
        for bad in [
            "not json",
            r#"{"username":"a"}"#,
            r#"{"username":"","password":"x"}"#,
            r#"{"username":1,"password":"x"}"#,
        ] {
            let e = parse_credentials(&Secret::new(bad)).expect_err(bad);
            assert!(matches!(e, SecretError::Shape(_)), "{bad}: {e:?}");
            assert!(
                !e.to_string().contains('x') || !bad.contains("\"x\""),
                "{e}"
            );
        }
    }

    #[test]
    fn errors_read_clearly() {
        assert_eq!(
            SecretError::NotFound("Secrets Manager can't find the specified secret.".into())
                .to_string(),
            "the secret does not exist (Secrets Manager can't find the specified secret.)"
        );
        assert_eq!(
            SecretError::Exists(String::new()).to_string(),
            "a secret with that name already exists"
        );
    }
}
