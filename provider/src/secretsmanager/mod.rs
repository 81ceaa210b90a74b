//! Secrets Manager rotation with the LogExaminer rotation function (crate `rotation-lambda`).
//!
//! - `secret_rotation.rs`: the `logexaminer_secret_rotation` resource (preflight, schedule, rollback trigger);
//! - `rotation_function_package.rs`: the `logexaminer_rotation_function_package` data source (the function's
//!   zip embedded in the provider);
//! - `rotate_secret.rs`: the `logexaminer_rotate_secret` and `logexaminer_rollback_secret` actions (day-2
//!   rotation and rollback with progress), over the pure label rules in `rotation_progress.rs`.

pub mod rotate_secret;
pub mod rotation_function_package;
pub mod rotation_progress;
pub mod secret_rotation;
