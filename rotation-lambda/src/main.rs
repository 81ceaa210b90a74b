//! `bootstrap`: the rotation function's entry point on the Lambda custom runtime (`provided.al2023`).
//!
//! Reads the settings once, then hands every event to the rotator; the function's answer is a small JSON
//! report, and a failure's message names the database's own error (never a secret).

use std::time::{Duration, SystemTime};

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = rotation_lambda::Config::from_lookup(|k| std::env::var(k).ok())?;
    let rotator = rotation_lambda::build(config).await?;
    let rotator = &rotator;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let remaining = event
            .context
            .deadline()
            .duration_since(SystemTime::now())
            .ok()
            .filter(|d| *d > Duration::ZERO);
        let report = rotator.handle_payload(&event.payload, remaining).await?;
        Ok::<Value, Error>(serde_json::to_value(report)?)
    }))
    .await
}
