//! Data source `logexaminer_s3_tier_cost`: the monthly cost estimate of a proposed tier policy
//! (the `tier_set` and `intelligent_tiering` blocks of `logexaminer_s3_tier_policy`, without a
//! bucket), with its breakdown, for comparing policies in `terraform console`. Pure
//! computation over the dated us-east-1 price table of [`super::tier_cost`]: no AWS calls, no
//! credentials needed.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin::{Attribute, Block, Config, Ctx, DataSource, DiagResult, Diagnostics, Schema, Type};

use super::tier_cost::{
    CostEstimate, EstimateError, PRICES_AS_OF, US_EAST_1, estimate, estimate_tier_set,
};
use super::tier_policy::{
    cents, check_policy, estimate_diagnostic, estimate_input_attrs, intelligent_tiering_block,
    minimum_object_size_attr, policy_from_config, tier_set_block,
};
use super::tier_rules::{IntelligentTiering, TierPolicy, TierSet, Val};
use crate::ProviderData;

/// The data source type name.
pub const TYPE_NAME: &str = "logexaminer_s3_tier_cost";

/// The data source.
pub struct TierCost;

/// One line of the breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownLine {
    /// What the line is for, e.g. `tier_set raw: GLACIER storage`.
    pub item: String,
    /// USD per month, rounded to the cent.
    pub monthly_cost: f64,
}

/// The model; field names are the attribute names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Lifecycle rule families.
    #[serde(default)]
    pub tier_set: Vec<TierSet>,
    /// Intelligent-tiering archive configurations.
    #[serde(default)]
    pub intelligent_tiering: Vec<IntelligentTiering>,
    /// Minimum object size setting assumed for the bucket.
    pub transition_default_minimum_object_size: Option<String>,
    /// Object size in KB.
    pub assumed_object_size_kb: i64,
    /// Days objects are kept.
    pub retention_days: Option<i64>,
    /// USD per month per TB ingested per month.
    pub estimated_monthly_cost_per_tb: Option<f64>,
    /// What the estimate is made of.
    pub breakdown: Option<Vec<BreakdownLine>>,
    /// The estimate of each tier set alone, by name.
    pub tier_set_costs: Option<BTreeMap<String, f64>>,
    /// Region of the prices.
    pub price_region: Option<String>,
    /// Date of the prices.
    pub prices_as_of: Option<String>,
    /// An identifier of the inputs.
    pub id: Option<String>,
}

impl Model {
    /// The policy model of the inputs.
    pub fn policy(&self) -> TierPolicy {
        TierPolicy {
            tier_set: Val::Known(self.tier_set.clone()),
            intelligent_tiering: Val::Known(self.intelligent_tiering.clone()),
            transition_default_minimum_object_size: Val::from_option(
                self.transition_default_minimum_object_size.clone(),
            ),
            assumed_object_size_kb: Val::Known(self.assumed_object_size_kb),
            retention_days: Val::from_option(self.retention_days),
            ..TierPolicy::default()
        }
    }
}

fn breakdown(e: &CostEstimate) -> Vec<BreakdownLine> {
    e.breakdown
        .iter()
        .map(|(item, usd)| BreakdownLine {
            item: item.clone(),
            monthly_cost: cents(*usd),
        })
        .collect()
}

/// Fills the computed attributes of `m`.
pub fn compute(mut m: Model) -> DiagResult<Model> {
    let policy = m.policy();
    let diags = check_policy(&policy);
    if diags.has_errors() {
        return Err(diags);
    }
    let total = estimate(&policy, m.assumed_object_size_kb, m.retention_days)
        .map_err(|e| Diagnostics::from(estimate_diagnostic(&e)))?;
    let mut per_set = BTreeMap::new();
    for (i, ts) in m.tier_set.iter().enumerate() {
        let name = ts.name.known().cloned().unwrap_or_else(|| format!("#{i}"));
        match estimate_tier_set(&policy, i, m.assumed_object_size_kb, m.retention_days) {
            Ok(e) => {
                per_set.insert(name, cents(e.monthly_cost_per_tb));
            }
            Err(EstimateError::SizeExcluded { .. }) => {}
            Err(e) => return Err(estimate_diagnostic(&e).into()),
        }
    }
    m.estimated_monthly_cost_per_tb = Some(cents(total.monthly_cost_per_tb));
    m.breakdown = Some(breakdown(&total));
    m.tier_set_costs = Some(per_set);
    m.price_region = Some(US_EAST_1.region.to_owned());
    m.prices_as_of = Some(PRICES_AS_OF.to_owned());
    m.id = Some(format!(
        "{}/{}/{}kb/{}",
        US_EAST_1.region,
        PRICES_AS_OF,
        m.assumed_object_size_kb,
        m.retention_days
            .map_or_else(|| "no-retention".to_owned(), |d| format!("{d}d"))
    ));
    Ok(m)
}

#[async_trait]
impl DataSource<ProviderData> for TierCost {
    type Model = Model;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let line = Type::object([("item", Type::String), ("monthly_cost", Type::Number)]);
        let block = Block::new(
            "Estimates what a proposed S3 tier policy costs per month, without a bucket: the same `tier_set` and `intelligent_tiering` blocks as `logexaminer_s3_tier_policy`, validated by the same rules, priced with the dated us-east-1 list prices below. Compare policies in `terraform console`. Pure computation: no AWS calls, no credentials needed.",
        )
        .block(tier_set_block())
        .block(intelligent_tiering_block())
        .attr(minimum_object_size_attr(
            "The bucket's `transition_default_minimum_object_size` to assume: `all_storage_classes_128K` (the default) or `varies_by_storage_class`.",
        ));
        let block = estimate_input_attrs(block, true)
            .attr(
                Attribute::number("estimated_monthly_cost_per_tb")
                    .computed()
                    .describe("Estimated USD per month, at steady state, for 1 TB ingested per month of objects of `assumed_object_size_kb`, split evenly across the tier sets that admit that size; rounded to the cent."),
            )
            .attr(
                Attribute::new("breakdown", Type::list(line))
                    .computed()
                    .describe("What the estimate is made of: `{item, monthly_cost}` objects (USD per month, rounded to the cent), each item prefixed with `tier_set <name>:`."),
            )
            .attr(
                Attribute::new("tier_set_costs", Type::map(Type::Number))
                    .computed()
                    .describe("The estimate of each tier set alone (the whole terabyte going through it), by name; tier sets whose size filter excludes the assumed size are left out."),
            )
            .attr(Attribute::string("price_region").computed().describe("Region of the price table (`us-east-1`)."))
            .attr(Attribute::string("prices_as_of").computed().describe("Month the prices were taken from the AWS price list (YYYY-MM)."))
            .attr(Attribute::string("id").computed().describe("`<region>/<prices_as_of>/<size>kb/<retention>`."));
        Schema::new(block)
    }

    async fn validate(&self, config: &Config) -> Diagnostics {
        match policy_from_config(config) {
            Some(policy) => check_policy(&policy),
            None => Diagnostics::new(),
        }
    }

    async fn read(&self, _ctx: &Ctx<ProviderData>, m: Model) -> DiagResult<Model> {
        compute(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::tier_rules::{Filter, Rule, Transition};
    use tfplugin::{AttrPath, model};

    const POLICY_DOC: &str = include_str!("../../../docs-src/s3_tier_policy.md");
    const COST_DOC: &str = include_str!("../../../docs-src/s3_tier_cost.md");

    fn tr(days: i64, class: &str) -> Transition {
        Transition {
            days: days.into(),
            storage_class: class.into(),
        }
    }

    fn model_of(sets: Vec<TierSet>, size_kb: i64) -> Model {
        Model {
            tier_set: sets,
            assumed_object_size_kb: size_kb,
            ..Model::default()
        }
    }

    fn set(name: &str, prefix: &str, transitions: Vec<Transition>, expire: i64) -> TierSet {
        TierSet {
            name: name.into(),
            filter: Val::Known(Filter {
                prefix: prefix.into(),
                ..Filter::default()
            }),
            transition: Val::Known(transitions),
            noncurrent_transition: Val::Known(vec![]),
            expiration_days: expire.into(),
            ..TierSet::default()
        }
    }

    #[test]
    fn documented_example_costs_what_the_docs_say() {
        // docs: 1 MB objects, STANDARD_IA at 30, GLACIER at 90, expiring at 365: about 127.63.
        let m = compute(model_of(
            vec![set(
                "raw",
                "raw/",
                vec![tr(30, "STANDARD_IA"), tr(90, "GLACIER")],
                365,
            )],
            1024,
        ))
        .expect("computes");
        assert_eq!(m.estimated_monthly_cost_per_tb, Some(127.63));
        assert!(POLICY_DOC.contains("127.63") && COST_DOC.contains("127.63"));
        let lines = m.breakdown.expect("breakdown");
        assert!(lines.iter().all(|l| l.item.starts_with("tier_set raw: ")));
        assert!(lines.len() >= 4, "{lines:?}");
        assert_eq!(m.tier_set_costs.expect("per set").get("raw"), Some(&127.63));
        assert_eq!(m.prices_as_of.as_deref(), Some(PRICES_AS_OF));
        assert_eq!(m.price_region.as_deref(), Some("us-east-1"));
    }

    #[test]
    fn comparing_policies_and_small_objects() {
        let warm = compute(model_of(
            vec![set("a", "", vec![tr(30, "STANDARD_IA")], 365)],
            1024,
        ))
        .expect("computes");
        let cold = compute(model_of(
            vec![set(
                "a",
                "",
                vec![tr(30, "STANDARD_IA"), tr(120, "DEEP_ARCHIVE")],
                365,
            )],
            1024,
        ))
        .expect("computes");
        let (w, c) = (
            warm.estimated_monthly_cost_per_tb.expect("w"),
            cold.estimated_monthly_cost_per_tb.expect("c"),
        );
        assert!(c < w, "deep archive is cheaper to keep: {c} vs {w}");
        // 64 KB objects never transition with the default minimum size: all Standard.
        let small = compute(model_of(
            vec![set("a", "", vec![tr(30, "STANDARD_IA")], 365)],
            64,
        ))
        .expect("computes");
        let lines = small.breakdown.expect("lines");
        assert!(
            lines.iter().all(|l| !l.item.contains("STANDARD_IA")),
            "{lines:?}"
        );
    }

    #[test]
    fn invalid_policies_and_missing_lifetime_are_errors_on_their_path() {
        let bad = compute(model_of(
            vec![set(
                "a",
                "",
                vec![tr(1, "INTELLIGENT_TIERING"), tr(30, "STANDARD_IA")],
                365,
            )],
            1024,
        ))
        .expect_err("invalid transition");
        let e = bad.iter().find(|d| d.is_error()).expect("error");
        assert_eq!(
            e.path,
            Some(
                AttrPath::attribute("tier_set")
                    .index(0)
                    .attr("transition")
                    .index(1)
                    .attr("storage_class")
            )
        );
        let mut no_life = set("a", "", vec![tr(30, "STANDARD_IA")], 365);
        no_life.expiration_days = Val::Null;
        let err = compute(model_of(vec![no_life.clone()], 1024)).expect_err("no lifetime");
        assert_eq!(
            err.iter()
                .find(|d| d.is_error())
                .and_then(|d| d.path.clone()),
            Some(AttrPath::attribute("assumed_object_size_kb"))
        );
        let mut with_retention = model_of(vec![no_life], 1024);
        with_retention.retention_days = Some(365);
        assert!(compute(with_retention).is_ok());
    }

    #[test]
    fn schema_round_trips_the_model() {
        let schema = TierCost.schema();
        assert!(schema.block.undocumented("").is_empty());
        let m = compute(model_of(
            vec![set("a", "raw/", vec![tr(30, "STANDARD_IA")], 365)],
            1024,
        ))
        .expect("computes");
        let v = model::to_value(&m, &schema.value_type()).expect("encodes");
        let back: Model = model::from_value(&v).expect("decodes");
        assert_eq!(back, m);
    }

    #[test]
    fn both_pages_document_every_rule_and_the_prices() {
        for (page, text) in [("s3_tier_policy", POLICY_DOC), ("s3_tier_cost", COST_DOC)] {
            for rule in Rule::ALL {
                assert!(
                    text.contains(&format!("| `{}` |", rule.id())),
                    "{page}: rule {} missing from the rule table",
                    rule.id()
                );
            }
            assert!(text.contains(PRICES_AS_OF), "{page}: price date");
            for price in [
                US_EAST_1.standard,
                US_EAST_1.standard_ia,
                US_EAST_1.onezone_ia,
                US_EAST_1.glacier_ir,
                US_EAST_1.glacier,
                US_EAST_1.deep_archive,
                US_EAST_1.it_monitoring_per_1000_objects,
                US_EAST_1.transition_to_glacier_ir,
                US_EAST_1.transition_to_glacier,
                US_EAST_1.transition_to_deep_archive,
            ] {
                assert!(
                    text.contains(&format!("| {price} ")),
                    "{page}: price {price} missing"
                );
            }
        }
        // The two pages share the rule table verbatim.
        let table = |t: &str| -> String {
            t.lines()
                .filter(|l| {
                    l.starts_with("| `") && (l.contains("| error |") || l.contains("| warning |"))
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(table(POLICY_DOC), table(COST_DOC));
    }
}
