//! Secrets Manager rotation with the LogExaminer rotation function (crate `rotation-lambda`).
//!
//! - `secret_rotation.rs`: the `logexaminer_secret_rotation` resource (preflight, schedule, rollback trigger);
//! - `rotation_function_package.rs`: the `logexaminer_rotation_function_package` data source (the function's
//!   zip embedded in the provider).

pub mod rotation_function_package;
pub mod secret_rotation;
