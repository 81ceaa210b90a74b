//! Logs for Terraform: `tracing` events written to stderr as JSON lines in the
//! format go-plugin's hclog reads (`@level`, `@message`, `@module`, `@timestamp`
//! plus fields), so `TF_LOG=DEBUG` / `TF_LOG_PROVIDER=TRACE` show provider lines
//! with their levels. The level comes from `TF_LOG_PROVIDER`, else `TF_LOG`,
//! else warnings only.
//!
//! Fields named like secrets (`password`, `secret_string`, ...) are redacted here
//! as a last line of defence; code must not log secrets in the first place.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::Registry;

/// The hclog level name of `TF_LOG_PROVIDER`/`TF_LOG`, mapped to a tracing level.
pub fn level_from_env() -> Option<Level> {
    let raw = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("TF_LOG").ok().filter(|s| !s.is_empty()))?;
    Some(match raw.to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => Level::TRACE,
        "DEBUG" => Level::DEBUG,
        "INFO" => Level::INFO,
        "WARN" => Level::WARN,
        "ERROR" => Level::ERROR,
        "OFF" => return None,
        _ => Level::TRACE,
    })
}

struct HclogLayer {
    max: Level,
    module: &'static str,
}

const SECRET_NAMES: &[&str] = &["password", "secret", "token", "credential", "private_key"];

fn is_secret_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SECRET_NAMES.iter().any(|s| n.contains(s)) && !n.ends_with("_arn") && !n.ends_with("_id")
}

struct JsonVisitor {
    message: String,
    fields: Vec<(String, serde_json::Value)>,
}

impl Visit for JsonVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut s = String::new();
        let _ = write!(s, "{value:?}");
        self.put(field.name(), serde_json::Value::String(s));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field.name(), serde_json::Value::String(value.to_string()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field.name(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field.name(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field.name(), value.into());
    }
}

impl JsonVisitor {
    fn put(&mut self, name: &str, v: serde_json::Value) {
        if name == "message" {
            self.message = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
        } else if is_secret_field(name) {
            self.fields.push((name.to_string(), "(redacted)".into()));
        } else {
            self.fields.push((name.to_string(), v));
        }
    }
}

fn timestamp() -> String {
    let d = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, dd) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Transport libraries log every HTTP/2 frame at debug/trace; keep them at INFO so
/// `TF_LOG=TRACE` shows the provider, not 26,000 lines of framing per plan.
const NOISY: &[&str] = &[
    "h2",
    "hyper",
    "tower",
    "tonic",
    "rustls",
    "aws_smithy",
    "sqlx",
];

fn allowed(meta: &tracing::Metadata<'_>, max: Level) -> bool {
    let noisy = NOISY.iter().any(|n| meta.target().starts_with(n));
    let cap = if noisy && max > Level::INFO {
        Level::INFO
    } else {
        max
    };
    *meta.level() <= cap
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn enabled(&self, meta: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        allowed(meta, self.max)
    }
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        if !allowed(meta, self.max) {
            return;
        }
        let mut v = JsonVisitor {
            message: String::new(),
            fields: Vec::new(),
        };
        event.record(&mut v);
        let mut obj = serde_json::Map::new();
        let level = match *meta.level() {
            Level::TRACE => "trace",
            Level::DEBUG => "debug",
            Level::INFO => "info",
            Level::WARN => "warn",
            Level::ERROR => "error",
        };
        obj.insert("@level".into(), level.into());
        obj.insert("@message".into(), v.message.into());
        obj.insert("@module".into(), self.module.into());
        obj.insert("@timestamp".into(), timestamp().into());
        obj.insert("@caller".into(), meta.target().into());
        for (k, val) in v.fields {
            obj.insert(k, val);
        }
        let mut line = serde_json::Value::Object(obj).to_string();
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// Installs the global subscriber. `module` names the log source (e.g. `provider.logexaminer`).
pub fn init(module: &'static str) {
    let Some(max) = level_from_env().or(Some(Level::WARN)) else {
        return;
    };
    let subscriber = Registry::default().with(HclogLayer { max, module });
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_781), (2026, 11, 24));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn secret_fields_redacted() {
        assert!(is_secret_field("admin_password"));
        assert!(is_secret_field("secret_string"));
        assert!(!is_secret_field("secret_arn"));
        assert!(!is_secret_field("secret_version_id"));
        assert!(!is_secret_field("username"));
    }
}
