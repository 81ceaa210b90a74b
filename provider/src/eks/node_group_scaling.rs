//! Data source `logexaminer_eks_node_group_scaling`: for each managed node group of a cluster, the desired
//! size to configure so that the group follows a raised `min_size` or a lowered `max_size` while the cluster
//! autoscaler owns its size, with no perpetual diff (see [`super::scaling_rules`]).
//!
//! AWS calls: EKS `ListNodegroups` and `DescribeNodegroup` (read only). A cluster or node group that does not
//! exist yet (the first plan of a new stack) is not an error: its initial `desired_size` is used.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};
use serde::{Deserialize, Serialize};
use tfplugin::schema::check;
use tfplugin::{
    AttrPath, Attribute, Block, Config, Ctx, DataSource, DiagResult, Diagnostic, Diagnostics,
    Schema, Type,
};

use super::scaling_rules::{NameMatch, desired_size, pick};
use crate::ProviderData;
use crate::errors::{Action, chain, failed};

/// The data source type name.
pub const TYPE_NAME: &str = "logexaminer_eks_node_group_scaling";

/// EKS limit of nodes per managed node group ("Amazon EKS service quotas").
const MAX_NODES: i64 = 450;

/// The data source.
pub struct NodeGroupScaling;

/// One node group as configured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupIn {
    /// `node_group_name`, when the group has a fixed name.
    pub name: Option<String>,
    /// `node_group_name_prefix`, when Terraform completes the name.
    pub name_prefix: Option<String>,
    /// Configured `min_size`.
    pub min_size: i64,
    /// Configured `max_size`.
    pub max_size: i64,
    /// Size at creation.
    pub desired_size: i64,
}

/// The model; field names are the attribute names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Cluster name.
    pub cluster_name: String,
    /// The node groups, by the caller's keys.
    pub node_groups: BTreeMap<String, GroupIn>,
    /// The desired size to configure, by key.
    pub desired_sizes: Option<BTreeMap<String, i64>>,
    /// The current desired size of the node groups that exist, by key.
    pub current_sizes: Option<BTreeMap<String, i64>>,
    /// The names of the node groups that exist, by key.
    pub node_group_names: Option<BTreeMap<String, String>>,
    /// The cluster name.
    pub id: Option<String>,
}

/// Bad input, with the attribute it is about.
fn check_groups(m: &Model) -> Diagnostics {
    let mut d = Diagnostics::new();
    for (key, g) in &m.node_groups {
        let at = AttrPath::attribute("node_groups").key(key.clone());
        match (&g.name, &g.name_prefix) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => d.push(
                Diagnostic::error(
                    "Node group needs a name or a name prefix",
                    format!("node_groups[\"{key}\"]: set exactly one of `name` (node_group_name) and `name_prefix` (node_group_name_prefix), the other null."),
                )
                .at(at.clone()),
            ),
        }
        if !(0..=MAX_NODES).contains(&g.min_size)
            || !(1..=MAX_NODES).contains(&g.max_size)
            || g.min_size > g.max_size
        {
            d.push(
                Diagnostic::error(
                    "Invalid node group size bounds",
                    format!(
                        "node_groups[\"{key}\"]: EKS needs 0 <= min_size <= max_size, 1 <= max_size <= {MAX_NODES}; got min_size {} and max_size {}.",
                        g.min_size, g.max_size
                    ),
                )
                .at(at.clone()),
            );
        }
        if g.desired_size < 0 {
            d.push(
                Diagnostic::error(
                    "Invalid desired size",
                    format!(
                        "node_groups[\"{key}\"]: desired_size must not be negative; got {}.",
                        g.desired_size
                    ),
                )
                .at(at.attr("desired_size")),
            );
        }
    }
    d
}

fn cluster_name_ok(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an EKS cluster name (1-100 letters, digits, '-' and '_', starting with a letter or digit)."
        ))
    }
}

fn not_found<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    matches!(e.code(), Some("ResourceNotFoundException"))
}

/// The node groups of `cluster` with their creation times; `None` when the cluster does not exist.
async fn list_groups(
    eks: &aws_sdk_eks::Client,
    cluster: &str,
) -> DiagResult<Option<Vec<(String, String)>>> {
    let mut names = Vec::new();
    let mut pages = eks
        .list_nodegroups()
        .cluster_name(cluster)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => names.extend(p.nodegroups().iter().cloned()),
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => {
                return Err(failed(
                    Action::Reading,
                    "EKS",
                    "node groups of cluster",
                    cluster,
                    chain(&e),
                )
                .into());
            }
        }
    }
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let created = match eks
            .describe_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(&n)
            .send()
            .await
        {
            Ok(r) => r
                .nodegroup()
                .and_then(|g| g.created_at())
                .map(|t| format!("{:020}", t.secs()))
                .unwrap_or_default(),
            Err(e) if not_found(&e) => continue,
            Err(e) => {
                return Err(failed(Action::Reading, "EKS", "node group", &n, chain(&e)).into());
            }
        };
        out.push((n, created));
    }
    Ok(Some(out))
}

async fn current_desired(
    eks: &aws_sdk_eks::Client,
    cluster: &str,
    name: &str,
) -> DiagResult<Option<i64>> {
    match eks
        .describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
    {
        Ok(r) => Ok(r
            .nodegroup()
            .and_then(|g| g.scaling_config())
            .and_then(|s| s.desired_size())
            .map(i64::from)),
        Err(e) if not_found(&e) => Ok(None),
        Err(e) => Err(failed(Action::Reading, "EKS", "node group", name, chain(&e)).into()),
    }
}

#[async_trait]
impl DataSource<ProviderData> for NodeGroupScaling {
    type Model = Model;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let group = Type::object([
            ("name", Type::String),
            ("name_prefix", Type::String),
            ("min_size", Type::Number),
            ("max_size", Type::Number),
            ("desired_size", Type::Number),
        ]);
        Schema::new(
            Block::new("The desired size to give each EKS managed node group so that it follows a raised `min_size` (or a lowered `max_size`) while the cluster autoscaler owns its size: the node group's current desired size clamped into the configured bounds, or the initial `desired_size` for a node group (or cluster) that does not exist yet. Feed `desired_sizes` into `aws_eks_node_group.scaling_config.desired_size` instead of ignoring its changes: plans stay empty while the autoscaler works, and a raised floor is applied in one apply (EKS refuses a `min_size` above the current desired size). Reads EKS `ListNodegroups` and `DescribeNodegroup`; needs `eks:ListNodegroups` and `eks:DescribeNodegroup`.")
                .attr(Attribute::string("cluster_name").required().describe("Name of the EKS cluster. Must be known at plan time (a cluster's `name` is), so that the sizes are read during plan.").validate(check("Invalid cluster name", "An EKS cluster name.", |v| match v.as_str() {
                    Some(n) => cluster_name_ok(n),
                    None => Ok(()),
                })))
                .attr(Attribute::new("node_groups", Type::map(group)).required().describe("The node groups by keys you choose: `name` (the fixed `node_group_name`) or `name_prefix` (the `node_group_name_prefix`; the newest node group whose name is the prefix plus Terraform's unique suffix), the other null; `min_size`, `max_size` and `desired_size` (the size at creation) as configured."))
                .attr(Attribute::new("desired_sizes", Type::map(Type::Number)).computed().describe("The desired size to configure, by key: current desired size (or the initial `desired_size`) clamped into `[min_size, max_size]`."))
                .attr(Attribute::new("current_sizes", Type::map(Type::Number)).computed().describe("The current desired size of each node group that exists, by key."))
                .attr(Attribute::new("node_group_names", Type::map(Type::String)).computed().describe("The name of each node group that exists, by key."))
                .attr(Attribute::string("id").computed().describe("The cluster name.")),
        )
    }

    async fn validate(&self, config: &Config) -> Diagnostics {
        if !config.value().is_fully_known() {
            return Diagnostics::new();
        }
        match config.model::<Model>() {
            Ok(m) => check_groups(&m),
            Err(_) => Diagnostics::new(),
        }
    }

    async fn read(&self, ctx: &Ctx<ProviderData>, mut m: Model) -> DiagResult<Model> {
        let d = check_groups(&m);
        if d.has_errors() {
            return Err(d);
        }
        let eks = ctx.data()?.eks().await?;
        let listed = list_groups(&eks, &m.cluster_name).await?;
        let mut desired = BTreeMap::new();
        let mut current = BTreeMap::new();
        let mut names = BTreeMap::new();
        for (key, g) in &m.node_groups {
            let matcher = match (&g.name, &g.name_prefix) {
                (Some(n), _) => NameMatch::Exact(n),
                (None, Some(p)) => NameMatch::Prefix(p),
                (None, None) => continue,
            };
            let found = listed
                .as_deref()
                .and_then(|l| pick(&matcher, l))
                .map(str::to_owned);
            let now = match &found {
                Some(n) => current_desired(&eks, &m.cluster_name, n).await?,
                None => None,
            };
            if let (Some(n), Some(size)) = (found, now) {
                names.insert(key.clone(), n);
                current.insert(key.clone(), size);
            }
            let size = desired_size(now, g.desired_size, g.min_size, g.max_size);
            tracing::debug!(key = %key, current = ?now, desired = size, "node group size");
            desired.insert(key.clone(), size);
        }
        m.desired_sizes = Some(desired);
        m.current_sizes = Some(current);
        m.node_group_names = Some(names);
        m.id = Some(m.cluster_name.clone());
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: Option<&str>, prefix: Option<&str>, min: i64, max: i64) -> GroupIn {
        GroupIn {
            name: name.map(str::to_owned),
            name_prefix: prefix.map(str::to_owned),
            min_size: min,
            max_size: max,
            desired_size: min,
        }
    }

    #[test]
    fn bad_groups_are_named_with_their_key() {
        let mut m = Model {
            cluster_name: "lx".into(),
            ..Model::default()
        };
        m.node_groups
            .insert("ok".into(), group(Some("lx-ok"), None, 0, 5));
        m.node_groups
            .insert("both".into(), group(Some("a"), Some("b-"), 0, 5));
        m.node_groups
            .insert("neither".into(), group(None, None, 0, 5));
        m.node_groups
            .insert("bounds".into(), group(Some("c"), None, 6, 5));
        m.node_groups
            .insert("huge".into(), group(Some("d"), None, 0, 451));
        let d = check_groups(&m);
        let texts: Vec<String> = d.iter().map(|x| x.detail.clone()).collect();
        assert_eq!(texts.len(), 4, "{texts:?}");
        for key in ["both", "neither", "bounds", "huge"] {
            assert!(
                texts
                    .iter()
                    .any(|t| t.contains(&format!("node_groups[\"{key}\"]"))),
                "{key}: {texts:?}"
            );
        }
    }

    #[test]
    fn cluster_names_follow_eks_rules() {
        assert!(cluster_name_ok("logexaminer-prod_1").is_ok());
        for bad in ["", "-lx", "lx.prod", "lx prod", &"c".repeat(101)] {
            assert!(cluster_name_ok(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn schema_is_documented() {
        assert!(NodeGroupScaling.schema().block.undocumented("").is_empty());
    }
}
