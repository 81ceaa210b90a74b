//! Databases: least-privilege metastore users whose passwords live only in Secrets Manager.
//!
//! - `db_user.rs`: resource `logexaminer_db_user` (schema, planning, CRUD, import);
//! - `user_rules.rs`: its pure rules (grant blocks, import IDs with parameters, secret names, tags);
//! - `db_credentials.rs`: ephemeral resource `logexaminer_db_credentials` (reads an RDS-shaped secret);
//! - `secret.rs`: Secrets Manager calls with typed errors.
//!
//! SQL, catalog parsing and the database connection itself live in the shared crate `metastore-sql`
//! (feature `client`), which the secret rotation Lambda uses too.

pub mod db_credentials;
pub mod db_user;
pub mod secret;
pub mod user_rules;
