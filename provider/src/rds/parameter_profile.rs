//! Data source `logexaminer_db_parameter_profile`: a validated RDS parameter list for a
//! workload (the Hive Metastore by default), ready for `aws_db_parameter_group`.
//! Pure computation: no AWS calls, no credentials needed.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin::{
    AttrPath, Attribute, Block, Config, Ctx, DataSource, DiagResult, Diagnostic, Diagnostics,
    Schema, Type,
};

use super::parameter_rules::{self, ProfileInput};
use crate::ProviderData;
use crate::rds::parameter_rules::{Finding, PathStep, Severity};

/// The data source.
pub struct ParameterProfile;

/// One parameter in the output.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParameterOut {
    /// Parameter name.
    pub name: String,
    /// Value (may be an RDS formula such as `{DBInstanceClassMemory*3/4}`).
    pub value: String,
    /// `immediate` or `pending-reboot`.
    pub apply_method: String,
}

/// The model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    family: String,
    workload: Option<String>,
    instance_class: String,
    engine_version: Option<String>,
    overrides: Option<BTreeMap<String, String>>,
    parameters: Option<Vec<ParameterOut>>,
    warnings: Option<Vec<String>>,
    id: Option<String>,
}

fn input(m: &Model) -> ProfileInput {
    ProfileInput {
        family: m.family.clone(),
        workload: m.workload.clone(),
        instance_class: m.instance_class.clone(),
        engine_version: m.engine_version.clone(),
        overrides: m.overrides.clone().unwrap_or_default(),
    }
}

/// A rule finding as a diagnostic on the attribute it is about.
fn finding_to_diagnostic(f: Finding) -> Diagnostic {
    let d = match f.severity {
        Severity::Error => Diagnostic::error(f.summary, f.detail),
        Severity::Warning => Diagnostic::warning(f.summary, f.detail),
    };
    let p = f.path.into_iter().fold(AttrPath::root(), |p, s| match s {
        PathStep::Attr(a) => p.attr(a),
        PathStep::Key(k) => p.key(k),
    });
    if p.is_root() { d } else { d.at(p) }
}

fn to_diags(findings: Vec<Finding>) -> Diagnostics {
    let mut d = Diagnostics::new();
    for f in findings {
        d.push(finding_to_diagnostic(f));
    }
    d
}

#[async_trait]
impl DataSource<ProviderData> for ParameterProfile {
    type Model = Model;

    fn type_name(&self) -> &'static str {
        "logexaminer_db_parameter_profile"
    }

    fn schema(&self) -> Schema {
        let param = Type::object([
            ("name", Type::String),
            ("value", Type::String),
            ("apply_method", Type::String),
        ]);
        Schema::new(
            Block::new("Computes a validated RDS DB parameter list for the Hive Metastore (MySQL 8.0/8.4, PostgreSQL 14-17), using RDS formula values where memory-relative. It rejects, at plan time and on the offending override, parameters the family does not have (e.g. `query_cache_size`, removed in MySQL 8.0), byte-valued parameters given as percentages, and values out of range. Pure computation: no AWS calls.")
                .attr(Attribute::string("family").required().describe("DB parameter group family: `mysql8.0`, `mysql8.4`, `postgres14`, `postgres15`, `postgres16` or `postgres17`. Aurora families are rejected: Aurora keeps these settings in a cluster parameter group."))
                .attr(Attribute::string("workload").describe("Workload profile; `hive_metastore` (default) or `general`."))
                .attr(Attribute::string("instance_class").required().describe("RDS instance class, e.g. `db.r6g.large`; used to check memory-relative values."))
                .attr(Attribute::string("engine_version").describe("Engine version such as `8.0.35`; picks `innodb_redo_log_capacity` (8.0.30+) or `innodb_log_file_size` (older)."))
                .attr(Attribute::new("overrides", Type::map(Type::String)).describe("Parameter values that replace the profile's (validated like the profile's own)."))
                .attr(Attribute::new("parameters", Type::list(param)).computed().describe("The parameters: a list of `{name, value, apply_method}` objects ready for `aws_db_parameter_group.parameter`."))
                .attr(Attribute::new("warnings", Type::list(Type::String)).computed().describe("Advice that does not block (e.g. an override that is worse for Hive)."))
                .attr(Attribute::string("id").computed().describe("`<family>/<workload>/<instance_class>`.")),
        )
    }

    async fn validate(&self, config: &Config) -> Diagnostics {
        let Ok(m) = config.model::<Model>() else {
            return Diagnostics::new();
        };
        // Only check when everything the rules need is known.
        if !config.value().is_fully_known() {
            return Diagnostics::new();
        }
        match parameter_rules::profile(&input(&m)) {
            Ok(_) => Diagnostics::new(),
            Err(f) => to_diags(f),
        }
    }

    async fn read(&self, _ctx: &Ctx<ProviderData>, mut m: Model) -> DiagResult<Model> {
        let p = parameter_rules::profile(&input(&m)).map_err(to_diags)?;
        m.parameters = Some(
            p.parameters
                .into_iter()
                .map(|x| ParameterOut {
                    name: x.name,
                    value: x.value,
                    apply_method: x.apply_method.as_str().to_string(),
                })
                .collect(),
        );
        m.warnings = Some(p.warnings);
        m.id = Some(format!(
            "{}/{}/{}",
            m.family,
            m.workload
                .clone()
                .unwrap_or_else(|| "hive_metastore".into()),
            m.instance_class
        ));
        if m.parameters.as_ref().is_some_and(Vec::is_empty) {
            return Err(
                Diagnostic::error("Empty profile", "The profile produced no parameters.").into(),
            );
        }
        Ok(m)
    }
}
