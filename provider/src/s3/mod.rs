//! S3: one validated hot/warm/cold/archive tier policy per bucket.
//!
//! - `tier_rules.rs`: the policy model and every validation rule (pure);
//! - `lifecycle_doc.rs`: the lifecycle / intelligent-tiering documents, ownership by rule-ID prefix, merge and drift (pure);
//! - `tier_cost.rs`: the dated us-east-1 price table and the cost model (pure).

pub mod lifecycle_doc;
pub mod tier_cost;
pub mod tier_rules;
