//! Action `logexaminer_check_login`: proves that the credentials in an RDS-shaped Secrets Manager
//! secret log in to their database and that the user holds the privileges the configuration
//! expects, without printing the password. Also used by the rotation actions to prove AWSCURRENT
//! after they finish.
//!
//! - Reads `AWSCURRENT` of the secret (host, port, dbname, username, password, engine).
//! - Connects as that user with the TLS rules of `logexaminer_db_user` (`verify-full` by default,
//!   the Amazon RDS CAs built in, `ca_bundle_pem` replacing them).
//! - With `grant` blocks (the same blocks as `logexaminer_db_user`), reads the user's own grants
//!   (as the user: no admin involved) and fails when one is missing; grants beyond the blocks are a
//!   warning.

use async_trait::async_trait;
use metastore_sql::client::{Client, ConnectOptions, Inspect};
use metastore_sql::grant::{self, GrantContext, Grantee};
use metastore_sql::secret_shape::RdsSecret;
use metastore_sql::tls::{self, TlsFinding, TlsMode};
use serde::Deserialize;
use tfplugin::{
    Action, AttrPath, Attribute, Block, Config, Ctx, Diagnostic, Diagnostics, NestedBlock,
    Progress, Schema,
};

use super::db_user::GrantBlock;
use super::secret;
use super::user_rules as rules;
use crate::ProviderData;
use crate::errors::chain;

/// The action type name.
pub const TYPE_NAME: &str = "logexaminer_check_login";

/// How to connect with a secret's credentials (the `logexaminer_db_user` endpoint TLS settings).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LoginTls {
    /// `verify-full` (default), `require` or `disable`.
    pub tls: Option<String>,
    /// CA bundle replacing the built-in Amazon RDS CAs.
    pub ca_bundle_pem: Option<String>,
    /// Allow `tls = "disable"` to a host that is not a loopback address.
    pub allow_plaintext: Option<bool>,
    /// Connect timeout in seconds (default 10).
    pub connect_timeout: Option<i64>,
}

/// The TLS attributes, shared by the actions that prove a login.
pub fn tls_attributes(block: Block) -> Block {
    block
        .attr(
            Attribute::string("tls")
                .validate(tfplugin::schema::one_of(&["verify-full", "require", "disable"]))
                .describe("TLS to the database: `verify-full` (default; the Amazon RDS CAs are built in), `require` (encrypted, certificate not checked) or `disable` (only to loopback addresses unless `allow_plaintext`)."),
        )
        .attr(Attribute::string("ca_bundle_pem").describe("PEM certificates that `verify-full` trusts instead of the built-in Amazon RDS CAs."))
        .attr(Attribute::bool("allow_plaintext").describe("Allow `tls = \"disable\"` to a host that is not a loopback address."))
        .attr(
            Attribute::number("connect_timeout")
                .validate(tfplugin::schema::int_between(1, 300))
                .describe("Seconds to wait for the connection and login (default 10)."),
        )
}

/// The TLS rules as diagnostics at `base` (values that are unknown are judged at invoke time).
pub fn tls_diagnostics(t: &LoginTls, host: Option<&str>, base: &AttrPath) -> Diagnostics {
    let mut d = Diagnostics::new();
    if let Some(pem) = &t.ca_bundle_pem
        && let Err(e) = tls::check_ca_bundle(pem)
    {
        d.push(
            Diagnostic::error("Invalid ca_bundle_pem", format!("ca_bundle_pem {e}."))
                .at(base.clone().attr("ca_bundle_pem")),
        );
    }
    let mode = t
        .tls
        .as_deref()
        .and_then(TlsMode::parse)
        .unwrap_or(TlsMode::DEFAULT);
    let findings = tls::check_settings(tls::TlsSettings {
        mode,
        host: host.unwrap_or("127.0.0.1"),
        ca_bundle_given: t.ca_bundle_pem.is_some(),
        allow_plaintext: t.allow_plaintext.unwrap_or(false) || host.is_none(),
    });
    for f in findings {
        match f {
            TlsFinding::RequireUnverified => d.push(
                Diagnostic::warning(
                    "tls = \"require\" does not check the server certificate",
                    "Whoever answers on the secret's host receives the user's login. Use tls = \"verify-full\" (the default).",
                )
                .at(base.clone().attr("tls")),
            ),
            TlsFinding::CaBundleWithoutVerifyFull => d.push(
                Diagnostic::error(
                    "ca_bundle_pem needs tls = \"verify-full\"",
                    "ca_bundle_pem is only used to verify the server certificate; set tls = \"verify-full\" or remove it.",
                )
                .at(base.clone().attr("ca_bundle_pem")),
            ),
            TlsFinding::PlaintextToRemoteHost => d.push(
                Diagnostic::error(
                    "tls = \"disable\" to a host that is not a loopback address",
                    "The password would cross the network in clear text. Use tls = \"verify-full\", or set allow_plaintext = true on a trusted network.",
                )
                .at(base.clone().attr("tls")),
            ),
        }
    }
    d
}

/// What a successful proof found.
#[derive(Debug, Clone)]
pub struct Proof {
    /// `user@host:port`.
    pub who: String,
    /// Grants present beyond the expected ones (statements that would revoke them).
    pub extra: Vec<String>,
}

/// Logs in with AWSCURRENT of `secret_id` and, when `grants` is given, checks the user's own
/// privileges. `base` is the attribute path the TLS settings live at (for diagnostics).
pub async fn prove(
    data: &ProviderData,
    secret_id: &str,
    t: &LoginTls,
    grants: Option<&[GrantBlock]>,
    base: &AttrPath,
) -> Result<Proof, Diagnostics> {
    let sm = data.secretsmanager().await?;
    let (value, _version) = secret::get(&sm, secret_id, None, Some("AWSCURRENT"))
        .await
        .map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Cannot read the secret",
                format!("Reading AWSCURRENT of {secret_id}: {}", chain(&e)),
            ))
        })?;
    let creds = RdsSecret::from_json(value.expose()).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Secret is not RDS-shaped",
            format!("AWSCURRENT of {secret_id} {e}"),
        ))
    })?;
    let engine = creds.engine().map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Unknown engine in the secret",
            format!("{secret_id}: {e}"),
        ))
    })?;
    let who = format!("{}@{}:{}", creds.username, creds.host, creds.port);
    let tls_diags = tls_diagnostics(t, Some(&creds.host), base);
    if tls_diags.has_errors() {
        return Err(tls_diags);
    }
    let opts = ConnectOptions {
        engine,
        host: creds.host.clone(),
        port: creds.port,
        database: creds.dbname.clone(),
        username: creds.username.clone(),
        password: creds.password.clone(),
        tls: t
            .tls
            .as_deref()
            .and_then(TlsMode::parse)
            .unwrap_or(TlsMode::DEFAULT),
        ca_bundle_pem: t.ca_bundle_pem.clone(),
        connect_timeout: rules::timeout(t.connect_timeout),
        lock_timeout: rules::lock_timeout(None),
    };
    let mut client = Client::connect(&opts).await.map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Login failed",
            format!("The credentials in AWSCURRENT of {secret_id} do not log in as {who}: {e}"),
        ))
    })?;
    let mut extra = Vec::new();
    if let Some(blocks) = grants {
        let server = client.server_info();
        let desired = rules::blocks_to_grants(&server, blocks).map_err(|errors| {
            Diagnostics(
                errors
                    .into_iter()
                    .map(|e| Diagnostic::error("Invalid grant", e).at(AttrPath::attribute("grant")))
                    .collect(),
            )
        })?;
        let host = engine.is_mysql_family().then_some("%");
        let grantee = Grantee::new(engine, &creds.username, host).map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Invalid user name in the secret",
                e.to_string(),
            ))
        })?;
        let (databases, schemas) = rules::inspected(&desired);
        let inspect = Inspect {
            databases,
            schemas,
            default_privilege_roles: Vec::new(),
        };
        let user = client.read_user(&grantee, &inspect).await.map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Cannot read the user's privileges",
                format!("As {who}: {e}"),
            ))
        })?;
        let Some(user) = user else {
            return Err(Diagnostic::error(
                "User not found",
                format!("{who} logged in but cannot see its own account."),
            )
            .into());
        };
        let ctx = GrantContext {
            server,
            grantee,
            default_privilege_roles: Vec::new(),
        };
        let pending = grant::diff(&desired, &user.grants, &ctx).map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Cannot compare privileges",
                e.to_string(),
            ))
        })?;
        let texts = rules::pending_texts(&pending);
        let (missing, more): (Vec<String>, Vec<String>) =
            texts.into_iter().partition(|t| !t.starts_with("REVOKE"));
        if !missing.is_empty() {
            client.close().await;
            return Err(Diagnostic::error(
                "Privileges missing",
                format!(
                    "{who} logs in but lacks privileges the configuration expects; these statements would restore them:\n  {}",
                    missing.join("\n  ")
                ),
            )
            .at(AttrPath::attribute("grant"))
            .into());
        }
        extra = more;
    }
    client.close().await;
    Ok(Proof { who, extra })
}

/// The action.
pub struct CheckLogin;

/// The action's configuration.
#[derive(Debug, Deserialize)]
pub struct CheckLoginConfig {
    /// Secret ARN or name.
    pub secret_id: String,
    /// Expected privileges.
    #[serde(default)]
    pub grant: Option<Vec<GrantBlock>>,
    /// TLS mode.
    pub tls: Option<String>,
    /// CA bundle.
    pub ca_bundle_pem: Option<String>,
    /// Plaintext to a remote host.
    pub allow_plaintext: Option<bool>,
    /// Connect timeout (seconds).
    pub connect_timeout: Option<i64>,
}

impl CheckLoginConfig {
    /// The TLS settings.
    pub fn login_tls(&self) -> LoginTls {
        LoginTls {
            tls: self.tls.clone(),
            ca_bundle_pem: self.ca_bundle_pem.clone(),
            allow_plaintext: self.allow_plaintext,
            connect_timeout: self.connect_timeout,
        }
    }
}

/// The `grant` block of the action (the same as `logexaminer_db_user`'s).
pub fn grant_block() -> NestedBlock {
    super::db_user::grant_block()
}

#[async_trait]
impl Action<ProviderData> for CheckLogin {
    type Model = CheckLoginConfig;
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }
    fn schema(&self) -> Schema {
        Schema::new(
            tls_attributes(
                Block::new("Proves that the credentials in an RDS-shaped Secrets Manager secret (AWSCURRENT) log in to their database and, with `grant` blocks, that the user holds those privileges (read as the user itself; grants beyond them are a warning). The password is never printed. Use it from `lifecycle { action_trigger { ... } }` after a `logexaminer_db_user` is created or changed, or on demand with `terraform apply -invoke=action.logexaminer_check_login.NAME`.")
                    .attr(Attribute::string("secret_id").required().describe("ARN or name of the secret (e.g. `logexaminer_db_user.x.secret_arn`).")),
            )
            .block(grant_block()),
        )
    }
    async fn validate(&self, config: &Config) -> Diagnostics {
        let known = |name: &str| config.is_known(&AttrPath::attribute(name));
        if !(known("tls") && known("ca_bundle_pem") && known("allow_plaintext")) {
            return Diagnostics::new();
        }
        match config.model::<LoginTls>() {
            Ok(c) => tls_diagnostics(&c, None, &AttrPath::root()),
            Err(d) => d,
        }
    }
    async fn invoke(
        &self,
        ctx: &Ctx<ProviderData>,
        config: CheckLoginConfig,
        progress: &Progress,
    ) -> Diagnostics {
        let data = match ctx.data() {
            Ok(d) => d,
            Err(d) => return d,
        };
        progress
            .report(format!(
                "Logging in with AWSCURRENT of {}",
                config.secret_id
            ))
            .await;
        match prove(
            data,
            &config.secret_id,
            &config.login_tls(),
            config.grant.as_deref(),
            &AttrPath::root(),
        )
        .await
        {
            Ok(proof) => {
                let checked = if config.grant.is_some() {
                    " and holds the expected privileges"
                } else {
                    ""
                };
                progress
                    .report(format!("{} logs in{checked}", proof.who))
                    .await;
                let mut d = Diagnostics::new();
                if !proof.extra.is_empty() {
                    d.push(
                        Diagnostic::warning(
                            "More privileges than expected",
                            format!(
                                "{} holds privileges beyond the grant blocks; these statements would remove them:\n  {}",
                                proof.who,
                                proof.extra.join("\n  ")
                            ),
                        )
                        .at(AttrPath::attribute("grant")),
                    );
                }
                d
            }
            Err(d) => d,
        }
    }
}
