//! Test-only links from the stand-in to real servers, for a stack whose other provider (ours)
//! talks to what hashicorp/aws created. Both are off unless a test sets their variable.
//!
//! - `AWS_STANDIN_RDS_SERVER` names a JSON file `{"host", "port", "admin_user", "admin_password"}`
//!   of a throwaway MySQL-family server the test started. Every `aws_db_instance` (primary and
//!   replicas) then reports that `address` and `port`, and creating a primary with `password_wo`
//!   does what RDS does at creation: it creates the master user (`username`, with all privileges)
//!   with that password and the `db_name` database, through the `mariadb` client (password through
//!   `MYSQL_PWD`, SQL through stdin: neither ever on a command line). Deleting the primary drops
//!   the master user. A `password_wo` given on update is not applied (the modules generate the
//!   master password once; RDS applies it again only when `password_wo_version` changes).
//! - `AWS_STANDIN_FORWARD_ENDPOINT` is a moto URL (`http://127.0.0.1:PORT`).
//!   `aws_secretsmanager_secret` and `aws_secretsmanager_secret_version` are then created in moto
//!   as well (`CreateSecret`, `PutSecretValue` with `secret_string_wo` or `secret_string`), with
//!   moto's ARN and version ID in state, so that our provider finds the secret the modules wrote;
//!   deleting the secret deletes it in moto (`ForceDeleteWithoutRecovery`). Deleting a version
//!   that is AWSCURRENT leaves it, as hashicorp/aws does (Secrets Manager refuses to remove the
//!   current version's stage).
//!   `aws_iam_role`, `aws_lambda_function` (its local `filename` package, without `VpcConfig`: the
//!   stand-in's subnets and security groups are not in moto), `aws_lambda_permission` and
//!   `aws_sns_topic` are created in moto too (with moto's ARNs in state), through boto3 run by the
//!   python `AWS_STANDIN_FORWARD_PYTHON` names (the rig's venv), and deleted with their resource.
//!
//! The Secrets Manager calls are plain HTTP/1.1 to 127.0.0.1 without a signature (moto does not check it; the
//! `Authorization` header only carries the region and service moto routes by).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value as Json, json};
use tfplugin::Value;

const TIMEOUT: Duration = Duration::from_secs(30);

/// The test database server of `AWS_STANDIN_RDS_SERVER`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RdsServer {
    pub(crate) host: String,
    pub(crate) port: u16,
    admin_user: String,
    admin_password: String,
}

/// The server named by `AWS_STANDIN_RDS_SERVER`, if set; `Err` when the file is unreadable.
pub(crate) fn rds_server() -> Result<Option<RdsServer>, String> {
    let Some(path) = std::env::var_os("AWS_STANDIN_RDS_SERVER").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    let text = std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    parse_rds_server(&text).map(Some).ok_or_else(|| {
        format!(
            "{}: expected {{host, port, admin_user, admin_password}}",
            path.display()
        )
    })
}

fn parse_rds_server(text: &[u8]) -> Option<RdsServer> {
    let j: Json = serde_json::from_slice(text).ok()?;
    Some(RdsServer {
        host: j.get("host")?.as_str()?.to_string(),
        port: u16::try_from(j.get("port")?.as_u64()?).ok()?,
        admin_user: j.get("admin_user")?.as_str()?.to_string(),
        admin_password: j.get("admin_password")?.as_str()?.to_string(),
    })
}

/// A MySQL string literal (quotes and backslashes escaped).
fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A MySQL identifier in backquotes.
fn sql_ident(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

/// The SQL RDS runs in effect when it creates an instance: master user and database.
fn create_master_sql(user: &str, password: &str, db_name: Option<&str>) -> String {
    let u = format!("{}@'%'", sql_str(user));
    let mut sql = format!(
        "CREATE USER IF NOT EXISTS {u};\nALTER USER {u} IDENTIFIED BY {};\nGRANT ALL PRIVILEGES ON *.* TO {u} WITH GRANT OPTION;\n",
        sql_str(password)
    );
    if let Some(db) = db_name {
        sql.push_str(&format!(
            "CREATE DATABASE IF NOT EXISTS {};\n",
            sql_ident(db)
        ));
    }
    sql
}

impl RdsServer {
    /// Runs `sql` as the admin; `secret` is blanked out of any error text.
    fn exec(&self, sql: &str, secret: Option<&str>) -> Result<(), String> {
        let mut child = Command::new("mariadb")
            .arg("--no-defaults")
            .arg("--protocol=TCP")
            .arg(format!("--host={}", self.host))
            .arg(format!("--port={}", self.port))
            .arg(format!("--user={}", self.admin_user))
            .args(["--batch", "--connect-timeout=10"])
            .env("MYSQL_PWD", &self.admin_password)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("running the mariadb client: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(sql.as_bytes())
                .map_err(|e| format!("writing to the mariadb client: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("running the mariadb client: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let mut err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if let Some(s) = secret.filter(|s| !s.is_empty()) {
            err = err.replace(s, "***");
        }
        Err(format!("the test database refused ({}): {err}", out.status))
    }

    /// Creates the master user and database of a new primary (`planned` and `config` of an
    /// `aws_db_instance`). Replicas and instances without `password_wo` create nothing.
    pub(crate) fn create_master(&self, planned: &Value, config: &Value) -> Result<(), String> {
        if planned.attr("replicate_source_db").as_str().is_some() {
            return Ok(());
        }
        let (Some(user), Some(password)) = (
            planned.attr("username").as_str(),
            config.attr("password_wo").as_str(),
        ) else {
            return Ok(());
        };
        let sql = create_master_sql(user, password, planned.attr("db_name").as_str());
        self.exec(&sql, Some(password))
    }

    /// Drops the master user of a deleted primary.
    pub(crate) fn drop_master(&self, prior: &Value) -> Result<(), String> {
        if prior.attr("replicate_source_db").as_str().is_some() {
            return Ok(());
        }
        match prior.attr("username").as_str() {
            Some(user) => self.exec(
                &format!("DROP USER IF EXISTS {}@'%';\n", sql_str(user)),
                None,
            ),
            None => Ok(()),
        }
    }
}

/// The moto URL of `AWS_STANDIN_FORWARD_ENDPOINT`, as host:port, if set.
pub(crate) fn forward_endpoint() -> Result<Option<String>, String> {
    match std::env::var("AWS_STANDIN_FORWARD_ENDPOINT") {
        Ok(u) if !u.is_empty() => u
            .strip_prefix("http://")
            .map(|hp| Some(hp.trim_end_matches('/').to_string()))
            .ok_or_else(|| {
                format!("AWS_STANDIN_FORWARD_ENDPOINT must be http://HOST:PORT, not {u}")
            }),
        _ => Ok(None),
    }
}

/// One Secrets Manager call (JSON 1.1 protocol) to moto at `hostport` in `region`.
fn secretsmanager(hostport: &str, region: &str, op: &str, body: &Json) -> Result<Json, String> {
    let body = body.to_string();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: secretsmanager.{op}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/{region}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream =
        TcpStream::connect(hostport).map_err(|e| format!("connecting to {hostport}: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| format!("secretsmanager.{op}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("secretsmanager.{op}: {e}"))?;
    let (status, body) =
        split_response(&raw).ok_or_else(|| format!("secretsmanager.{op}: malformed answer"))?;
    if status != 200 {
        // The answer names the error, never the secret string we sent.
        return Err(format!(
            "secretsmanager.{op}: HTTP {status}: {}",
            error_text(body)
        ));
    }
    serde_json::from_slice(body).map_err(|e| format!("secretsmanager.{op}: {e}"))
}

/// Status and body of an HTTP/1.1 answer with `Content-Length` or read to close.
fn split_response(raw: &[u8]) -> Option<(u16, &[u8])> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, &raw[end + 4..]))
}

fn error_text(body: &[u8]) -> String {
    serde_json::from_slice::<Json>(body)
        .ok()
        .map(|j| {
            format!(
                "{} {}",
                j.get("__type").and_then(Json::as_str).unwrap_or(""),
                j.get("message")
                    .or_else(|| j.get("Message"))
                    .and_then(Json::as_str)
                    .unwrap_or("")
            )
        })
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect())
}

/// Creates a planned `aws_secretsmanager_secret` in moto and puts moto's ARN into `planned`.
pub(crate) fn create_secret(
    hostport: &str,
    region: &str,
    planned: &mut Value,
) -> Result<(), String> {
    let Some(name) = planned.attr("name").as_str().map(str::to_string) else {
        return Err("forwarding aws_secretsmanager_secret needs a known name".into());
    };
    let mut req = json!({ "Name": name });
    if let Some(d) = planned.attr("description").as_str() {
        req["Description"] = json!(d);
    }
    let out = secretsmanager(hostport, region, "CreateSecret", &req)?;
    let arn = out
        .get("ARN")
        .and_then(Json::as_str)
        .ok_or("CreateSecret returned no ARN")?
        .to_string();
    for attr in ["arn", "id"] {
        planned.set(
            &tfplugin::AttrPath::attribute(attr),
            Value::String(arn.clone()),
        );
    }
    Ok(())
}

/// Puts a planned `aws_secretsmanager_secret_version`'s value into moto and its version ID into `planned`.
pub(crate) fn put_secret_value(
    hostport: &str,
    region: &str,
    planned: &mut Value,
    config: &Value,
) -> Result<(), String> {
    let secret = planned
        .attr("secret_id")
        .as_str()
        .ok_or("forwarding aws_secretsmanager_secret_version needs a known secret_id")?
        .to_string();
    let value = config
        .attr("secret_string_wo")
        .as_str()
        .or_else(|| config.attr("secret_string").as_str())
        .ok_or(
            "forwarding aws_secretsmanager_secret_version needs secret_string_wo or secret_string",
        )?;
    let out = secretsmanager(
        hostport,
        region,
        "PutSecretValue",
        &json!({ "SecretId": secret, "SecretString": value }),
    )?;
    let version = out
        .get("VersionId")
        .and_then(Json::as_str)
        .ok_or("PutSecretValue returned no VersionId")?
        .to_string();
    planned.set(
        &tfplugin::AttrPath::attribute("arn"),
        Value::String(secret.clone()),
    );
    planned.set(
        &tfplugin::AttrPath::attribute("version_id"),
        Value::String(version.clone()),
    );
    planned.set(
        &tfplugin::AttrPath::attribute("id"),
        Value::String(format!("{secret}|{version}")),
    );
    Ok(())
}

/// Deletes an `aws_secretsmanager_secret` from moto (an absent secret is already gone).
pub(crate) fn delete_secret(hostport: &str, region: &str, prior: &Value) -> Result<(), String> {
    let Some(arn) = prior.attr("arn").as_str() else {
        return Ok(());
    };
    match secretsmanager(
        hostport,
        region,
        "DeleteSecret",
        &json!({ "SecretId": arn, "ForceDeleteWithoutRecovery": true }),
    ) {
        Err(e) if e.contains("ResourceNotFoundException") => Ok(()),
        other => other.map(|_| ()),
    }
}

/// One AWS API call to moto through boto3 (`AWS_STANDIN_FORWARD_PYTHON`, the rig's venv python),
/// for the services whose protocols are not worth speaking by hand here (IAM, Lambda, SNS). `args`
/// are boto3's keyword arguments; a Lambda `Code.ZipFilePath` is read from that file. Returns the
/// response without `ResponseMetadata`; `Err` carries boto3's error (which names the error code).
fn boto3(
    hostport: &str,
    region: &str,
    service: &str,
    op: &str,
    args: &Json,
) -> Result<Json, String> {
    const SCRIPT: &str = r#"
import boto3, json, sys
service, op, args = json.loads(sys.stdin.read())
c = boto3.client(service, endpoint_url=sys.argv[1], region_name=sys.argv[2],
                 aws_access_key_id="test", aws_secret_access_key="test")
if "ZipFilePath" in args.get("Code", {}):
    with open(args["Code"].pop("ZipFilePath"), "rb") as f:
        args["Code"]["ZipFile"] = f.read()
try:
    r = getattr(c, op)(**args)
except Exception as e:
    sys.stderr.write(f"{service}.{op}: {e}")
    sys.exit(1)
r.pop("ResponseMetadata", None)
print(json.dumps(r, default=str))
"#;
    let python = std::env::var_os("AWS_STANDIN_FORWARD_PYTHON")
        .filter(|p| !p.is_empty())
        .ok_or("AWS_STANDIN_FORWARD_PYTHON must name a python with boto3 to forward IAM, Lambda and SNS")?;
    let mut child = Command::new(python)
        .args(["-c", SCRIPT, &format!("http://{hostport}"), region])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running boto3: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(json!([service, op, args]).to_string().as_bytes())
            .map_err(|e| format!("writing to boto3: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("running boto3: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{service}.{op}: {e}"))
}

fn set_str(v: &mut Value, attr: &str, s: &str) {
    v.set(
        &tfplugin::AttrPath::attribute(attr),
        Value::String(s.to_string()),
    );
}

/// A map attribute of strings as JSON.
fn str_map(v: &Value) -> Json {
    match v {
        Value::Map(m) | Value::Object(m) => Json::Object(
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), json!(s))))
                .collect(),
        ),
        _ => json!({}),
    }
}

/// The first element of a nested block list or set.
fn first(v: &Value) -> &Value {
    match v {
        Value::List(items) | Value::Set(items) => items.first().unwrap_or(&Value::Null),
        other => other,
    }
}

/// Creates (after the fakes filled names and ARNs) the IAM role, Lambda function, Lambda
/// permission or SNS topic in moto, with moto's ARN in state. The function gets no `VpcConfig`
/// (the subnets and security groups are the stand-in's, unknown to moto; the function runs on the
/// test machine anyway).
pub(crate) fn create_after_fill(
    hostport: &str,
    region: &str,
    ty: &str,
    planned: &mut Value,
) -> Result<(), String> {
    let s = |v: &Value, a: &str| v.attr(a).as_str().map(str::to_string);
    match ty {
        "aws_iam_role" => {
            let name = s(planned, "name").ok_or("aws_iam_role without a name")?;
            let mut args = json!({
                "RoleName": name,
                "AssumeRolePolicyDocument": s(planned, "assume_role_policy").unwrap_or_default(),
            });
            if let Some(p) = s(planned, "path") {
                args["Path"] = json!(p);
            }
            let out = boto3(hostport, region, "iam", "create_role", &args)?;
            if let Some(arn) = out["Role"]["Arn"].as_str() {
                set_str(planned, "arn", arn);
            }
        }
        "aws_lambda_function" => {
            let name = s(planned, "function_name").ok_or("aws_lambda_function without a name")?;
            let file = s(planned, "filename")
                .ok_or("forwarding aws_lambda_function needs a local filename package")?;
            let file = std::fs::canonicalize(&file)
                .map_err(|e| format!("the function package {file}: {e}"))?;
            let mut args = json!({
                "FunctionName": name,
                "Role": s(planned, "role").unwrap_or_default(),
                "Runtime": s(planned, "runtime").unwrap_or_default(),
                "Handler": s(planned, "handler").unwrap_or_default(),
                "Code": {"ZipFilePath": file.to_string_lossy()},
                "Environment": {"Variables": str_map(first(planned.attr("environment")).attr("variables"))},
            });
            for (attr, key) in [("timeout", "Timeout"), ("memory_size", "MemorySize")] {
                if let Some(n) = planned.attr(attr).as_number().and_then(|n| n.as_i64()) {
                    args[key] = json!(n);
                }
            }
            let out = boto3(hostport, region, "lambda", "create_function", &args)?;
            if let Some(arn) = out["FunctionArn"].as_str() {
                set_str(planned, "arn", arn);
            }
        }
        "aws_lambda_permission" => {
            let mut args = json!({
                "FunctionName": s(planned, "function_name").unwrap_or_default(),
                "StatementId": s(planned, "statement_id").unwrap_or_default(),
                "Action": s(planned, "action").unwrap_or_default(),
                "Principal": s(planned, "principal").unwrap_or_default(),
            });
            if let Some(a) = s(planned, "source_account") {
                args["SourceAccount"] = json!(a);
            }
            if let Some(a) = s(planned, "source_arn") {
                args["SourceArn"] = json!(a);
            }
            boto3(hostport, region, "lambda", "add_permission", &args)?;
        }
        "aws_sns_topic" => {
            let name = s(planned, "name").ok_or("aws_sns_topic without a name")?;
            let out = boto3(
                hostport,
                region,
                "sns",
                "create_topic",
                &json!({"Name": name}),
            )?;
            if let Some(arn) = out["TopicArn"].as_str() {
                set_str(planned, "arn", arn);
                set_str(planned, "id", arn);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Deletes what [`create_after_fill`] created (already gone is fine).
pub(crate) fn delete_forwarded(
    hostport: &str,
    region: &str,
    ty: &str,
    prior: &Value,
) -> Result<(), String> {
    let s = |a: &str| prior.attr(a).as_str().unwrap_or_default().to_string();
    let call = match ty {
        "aws_iam_role" => ("iam", "delete_role", json!({"RoleName": s("name")})),
        "aws_lambda_function" => (
            "lambda",
            "delete_function",
            json!({"FunctionName": s("function_name")}),
        ),
        "aws_lambda_permission" => (
            "lambda",
            "remove_permission",
            json!({"FunctionName": s("function_name"), "StatementId": s("statement_id")}),
        ),
        "aws_sns_topic" => ("sns", "delete_topic", json!({"TopicArn": s("arn")})),
        _ => return Ok(()),
    };
    match boto3(hostport, region, call.0, call.1, &call.2) {
        Err(e) if e.contains("NotFound") || e.contains("NoSuchEntity") => Ok(()),
        other => other.map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_sql_escapes_the_password_and_names() {
        let sql = create_master_sql("hive_admin", "a'b\\c", Some("hive`x"));
        assert!(sql.contains("IDENTIFIED BY 'a\\'b\\\\c';"), "{sql}");
        assert!(
            sql.contains("CREATE DATABASE IF NOT EXISTS `hive``x`;"),
            "{sql}"
        );
        assert!(
            sql.starts_with("CREATE USER IF NOT EXISTS 'hive_admin'@'%';"),
            "{sql}"
        );
        assert!(!create_master_sql("u", "p", None).contains("DATABASE"));
    }

    #[test]
    fn environment_variables_come_from_the_first_block() {
        let vars = Value::Map(
            [
                ("A".to_string(), Value::String("1".into())),
                ("B".to_string(), Value::Unknown),
            ]
            .into_iter()
            .collect(),
        );
        let env = Value::List(vec![Value::Object(
            [("variables".to_string(), vars)].into_iter().collect(),
        )]);
        assert_eq!(str_map(first(&env).attr("variables")), json!({"A": "1"}));
        assert_eq!(str_map(first(&Value::Null).attr("variables")), json!({}));
    }

    #[test]
    fn server_file_and_answers_parse() {
        let s = parse_rds_server(
            br#"{"host":"127.0.0.1","port":3307,"admin_user":"root","admin_password":"x"}"#,
        )
        .expect("parses");
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 3307));
        assert!(parse_rds_server(br#"{"host":"127.0.0.1","port":70000}"#).is_none());
        let raw = b"HTTP/1.1 400 BAD\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(split_response(raw), Some((400, &b"{}"[..])));
        assert_eq!(
            error_text(br#"{"__type":"ResourceNotFoundException","message":"gone"}"#),
            "ResourceNotFoundException gone"
        );
    }
}
