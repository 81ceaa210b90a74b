//! Databases: least-privilege metastore users whose passwords live only in Secrets Manager.
//!
//! - `db_user.rs`: resource `logexaminer_db_user` (schema, planning, CRUD, import);
//! - `user_rules.rs`: its pure rules (grant blocks, import IDs with parameters, secret names, tags);
//! - `db_credentials.rs`: ephemeral resource `logexaminer_db_credentials` (reads an RDS-shaped secret);
//! - `password.rs`: ephemeral resource `logexaminer_password` (a generated write-only password);
//! - `check_login.rs`: action `logexaminer_check_login` (proves a secret's login and privileges);
//! - `secret.rs`: Secrets Manager calls with typed errors.
//!
//! SQL, catalog parsing and the database connection itself live in the shared crate `metastore-sql`
//! (feature `client`), which the secret rotation Lambda uses too.

pub mod check_login;
pub mod db_credentials;
pub mod db_user;
pub mod password;
pub mod secret;
pub mod user_rules;

#[cfg(test)]
mod import_proptests;
