//! `logexaminer_password`: an ephemeral resource that generates a random database password on the
//! machine running Terraform (the alphabet of `metastore_sql::password`: letters, digits and `-._~`, safe
//! in SQL, URLs and every RDS engine's master password). The value is ephemeral: it goes into write-only
//! attributes such as `aws_db_instance.password_wo` and `aws_secretsmanager_secret_version.secret_string_wo`
//! and never into plan or state. Each open generates a new one, so pair it with a `*_wo_version` that the
//! user bumps to rotate.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin::{
    AttrPath, Attribute, Block, Config, Ctx, DiagResult, Diagnostic, Diagnostics,
    EphemeralResource, Opened, Schema,
};

use crate::config::ProviderData;
use metastore_sql::password::{DEFAULT_LENGTH, MAX_LENGTH, MIN_LENGTH, generate};

/// The ephemeral resource.
pub struct Password;

/// Model (field names are attribute names).
#[derive(Serialize, Deserialize)]
pub struct Model {
    /// Length.
    pub length: Option<i64>,
    /// The generated password.
    pub result: Option<String>,
}

/// The schema.
pub fn schema() -> Schema {
    Schema::new(
        Block::new("Generates a random database password as an ephemeral value, which Terraform never writes to plan or state: for write-only attributes such as `aws_db_instance.password_wo` and `aws_secretsmanager_secret_version.secret_string_wo`. Letters, digits and `-._~` only (at least one of each kind), accepted as an RDS master password by every engine. A new value on every open: pair it with a write-only version attribute.")
            .attr(Attribute::number("length").describe(&format!("Length, {MIN_LENGTH} to {MAX_LENGTH} (default {DEFAULT_LENGTH}). RDS master passwords: MySQL and MariaDB accept up to 41 characters, PostgreSQL up to 128.")))
            .attr(Attribute::string("result").computed().sensitive().describe("The password (ephemeral and sensitive).")),
    )
}

/// The length to generate, or why it is refused.
pub fn length_of(length: Option<i64>) -> Result<usize, String> {
    match length {
        None => Ok(DEFAULT_LENGTH),
        Some(n) => usize::try_from(n)
            .ok()
            .filter(|n| (MIN_LENGTH..=MAX_LENGTH).contains(n))
            .ok_or_else(|| format!("length {n} is out of range: use {MIN_LENGTH} to {MAX_LENGTH}")),
    }
}

#[async_trait]
impl EphemeralResource<ProviderData> for Password {
    type Model = Model;

    fn type_name(&self) -> &'static str {
        "logexaminer_password"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Config) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Ok(m) = config.model::<Model>()
            && let Err(e) = length_of(m.length)
        {
            d.push(
                Diagnostic::error("Invalid password length", e).at(AttrPath::attribute("length")),
            );
        }
        d
    }

    async fn open(&self, _ctx: &Ctx<ProviderData>, mut m: Model) -> DiagResult<Opened<Model>> {
        let length = length_of(m.length).map_err(|e| {
            Diagnostics::from(
                Diagnostic::error("Invalid password length", e).at(AttrPath::attribute("length")),
            )
        })?;
        let password = generate(length).map_err(|e| {
            Diagnostics::from(Diagnostic::error("Generating a password", e.to_string()))
        })?;
        m.result = Some(password.expose().to_owned());
        Ok(Opened {
            result: m,
            private: None,
            renew_at: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_is_described_and_the_result_is_sensitive() {
        assert!(schema().block.undocumented("").is_empty());
        let r = schema().block.attribute("result").map(|a| a.sensitive);
        assert_eq!(r, Some(true));
    }

    #[test]
    fn lengths() {
        assert_eq!(length_of(None), Ok(DEFAULT_LENGTH));
        assert_eq!(length_of(Some(41)), Ok(41));
        assert!(length_of(Some(8)).is_err_and(|e| e.contains("out of range")));
        assert!(length_of(Some(-1)).is_err());
        assert!(length_of(Some(5000)).is_err());
    }
}
