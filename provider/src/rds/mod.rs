//! RDS: validated parameter profiles for the Hive Metastore database.
//!
//! - `parameter_profile.rs`: the `logexaminer_db_parameter_profile` data source (schema + read);
//! - `parameter_rules.rs`: the pure rule table (families, formulas, removed parameters);
//! - `instance_classes.rs`: memory/vCPU of RDS instance classes.

pub mod instance_classes;
pub mod parameter_profile;
pub mod parameter_rules;
