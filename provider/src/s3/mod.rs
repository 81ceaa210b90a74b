//! S3: one validated hot/warm/cold/archive tier policy per bucket.
//!
//! - `tier_rules.rs`: the policy model and every validation rule (pure);
//! - `lifecycle_doc.rs`: the lifecycle / intelligent-tiering documents, ownership by rule-ID prefix, merge and drift (pure);
//! - `tier_cost.rs`: the dated us-east-1 price table and the cost model (pure);
//! - `api.rs`: S3 finders and writers (lifecycle and intelligent-tiering configurations,
//!   read-modify-write with race detection) over aws-sdk-s3;
//! - `tier_policy.rs`: resource `logexaminer_s3_tier_policy`;
//! - `tier_cost_data.rs`: data source `logexaminer_s3_tier_cost`.

pub mod api;
pub mod lifecycle_doc;
pub mod tier_cost;
pub mod tier_cost_data;
pub mod tier_policy;
pub mod tier_rules;
