//! `logexaminer_db_credentials`: an ephemeral resource that reads a database secret (the RDS-shaped JSON
//! `logexaminer_db_user` writes, an RDS-managed master secret with only `username` and `password`, or any
//! secret in that shape) and exposes its fields as ephemeral values: for provider blocks and write-only
//! attributes, never stored in plan or state.

use async_trait::async_trait;
use metastore_sql::RdsSecret;
use serde::{Deserialize, Serialize};
use tfplugin::{
    AttrPath, Attribute, Block, Config, Ctx, DiagResult, Diagnostic, Diagnostics,
    EphemeralResource, Opened, Schema,
};

use super::secret::{self, SecretError};
use crate::config::ProviderData;
use crate::errors::{Action, failed};

/// The ephemeral resource.
pub struct DbCredentials;

/// Model (field names are attribute names).
#[derive(Serialize, Deserialize)]
pub struct Model {
    /// Secret ARN or name.
    pub secret_id: String,
    /// Version stage.
    pub version_stage: Option<String>,
    /// Version ID.
    pub version_id: Option<String>,
    /// Engine as written in the secret.
    pub engine: Option<String>,
    /// Host.
    pub host: Option<String>,
    /// Port.
    pub port: Option<i64>,
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Database.
    pub dbname: Option<String>,
    /// Admin secret ARN.
    pub masterarn: Option<String>,
}

/// The schema.
pub fn schema() -> Schema {
    Schema::new(
        Block::new("Reads database credentials from a Secrets Manager secret (the RDS-shaped JSON `engine, host, port, username, password, dbname` that `logexaminer_db_user` writes, or an RDS-managed master secret with only `username` and `password`) as ephemeral values, which Terraform never writes to plan or state. Use them in provider blocks or write-only attributes such as `admin_password_wo`.")
            .attr(Attribute::string("secret_id").required().describe("ARN or name of the secret."))
            .attr(Attribute::string("version_stage").describe("Staging label to read (default `AWSCURRENT`)."))
            .attr(Attribute::string("version_id").optional_computed().describe("Version to read; set to the version read."))
            .attr(Attribute::string("engine").computed().describe("`engine` field as written (`mysql`, `mariadb`, `postgres`, `aurora-postgresql`, ...); null for master secrets without it."))
            .attr(Attribute::string("host").computed().describe("`host` field."))
            .attr(Attribute::number("port").computed().describe("`port` field."))
            .attr(Attribute::string("username").computed().describe("`username` field."))
            .attr(Attribute::string("password").computed().sensitive().describe("`password` field (ephemeral and sensitive)."))
            .attr(Attribute::string("dbname").computed().describe("`dbname` field."))
            .attr(Attribute::string("masterarn").computed().describe("`masterarn` field: the admin secret, when the secret names one.")),
    )
}

#[async_trait]
impl EphemeralResource<ProviderData> for DbCredentials {
    type Model = Model;

    fn type_name(&self) -> &'static str {
        "logexaminer_db_credentials"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Config) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Ok(m) = config.model::<Model>()
            && m.version_id.is_some()
            && m.version_stage.is_some()
        {
            d.push(
                Diagnostic::error(
                    "Conflicting versions",
                    "Set at most one of version_id and version_stage.",
                )
                .at(AttrPath::attribute("version_stage")),
            );
        }
        d
    }

    async fn open(&self, ctx: &Ctx<ProviderData>, mut m: Model) -> DiagResult<Opened<Model>> {
        let client = ctx.data()?.secretsmanager().await?;
        let fail = |e: &dyn std::fmt::Display| -> Diagnostics {
            failed(
                Action::Reading,
                "Secrets Manager",
                "secret",
                &m.secret_id,
                e,
            )
            .into()
        };
        let (value, version) = secret::get(
            &client,
            &m.secret_id,
            m.version_id.as_deref(),
            m.version_stage.as_deref(),
        )
        .await
        .map_err(|e: SecretError| fail(&e))?;
        match RdsSecret::from_json(value.expose()) {
            Ok(s) => {
                m.engine = Some(s.engine);
                m.host = Some(s.host);
                m.port = Some(i64::from(s.port));
                m.username = Some(s.username);
                m.password = Some(s.password.expose().to_owned());
                m.dbname = s.dbname;
                m.masterarn = s.masterarn;
            }
            Err(_) => {
                let (username, password) =
                    secret::parse_credentials(&value).map_err(|e| fail(&e))?;
                m.username = Some(username);
                m.password = Some(password.expose().to_owned());
            }
        }
        m.version_id = Some(version);
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
    fn every_attribute_is_described() {
        assert!(schema().block.undocumented("").is_empty());
        let pw = schema().block.attribute("password").map(|a| a.sensitive);
        assert_eq!(pw, Some(true));
    }
}
