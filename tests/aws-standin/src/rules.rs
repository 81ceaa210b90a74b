//! The table of fake-value rules: which value the stand-in invents for an attribute
//! left unknown at apply (or at data source read), per resource type and attribute.
//!
//! Rules are data: a type pattern, an attribute pattern and a [`Fake`]. The first
//! matching rule wins, so specific rules come before generic ones. Templates are
//! rendered by [`crate::fakes`]; their placeholders are listed there.
//!
//! Patterns (both fields): `a|b` alternatives; `*` anything; `x*` prefix; `*x` suffix.
//! An attribute pattern containing a `.` matches the attribute's whole dotted path
//! inside the resource (block and attribute names, no indexes, e.g.
//! `resources.autoscaling_groups.name`); one without matches the attribute's own name
//! at any depth.

/// How to invent a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fake {
    /// Templates tried in order; the first whose references are all known and non-empty
    /// wins (converted to the attribute's type). When none renders, the type's default applies.
    Text(&'static [&'static str]),
    /// A collection holding exactly these strings.
    Strings(&'static [&'static str]),
    /// The empty collection (or empty string): for computed lists AWS leaves empty.
    Empty,
    /// `tags_all`: the provider's `default_tags` merged with the resource's `tags`.
    TagsAll,
    /// `aws_iam_policy_document.json`: the document rendered from the configuration.
    PolicyJson,
    /// `aws_iam_policy_document.minified_json`.
    PolicyJsonMinified,
}

/// One rule of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    /// Resource or data source types the rule applies to.
    pub(crate) types: &'static str,
    /// Attribute names or dotted paths the rule applies to.
    pub(crate) attr: &'static str,
    /// The value to invent.
    pub(crate) fake: Fake,
}

const fn r(types: &'static str, attr: &'static str, fake: Fake) -> Rule {
    Rule { types, attr, fake }
}

const fn t(types: &'static str, attr: &'static str, templates: &'static [&'static str]) -> Rule {
    Rule {
        types,
        attr,
        fake: Fake::Text(templates),
    }
}

/// Resource types whose `id` is their bucket name.
const S3_BUCKET_CHILDREN: &str = "aws_s3_bucket_ownership_controls|aws_s3_bucket_policy|aws_s3_bucket_public_access_block|aws_s3_bucket_versioning|aws_s3_bucket_server_side_encryption_configuration|aws_s3_bucket_lifecycle_configuration|aws_s3_bucket_logging|aws_s3_bucket_acl|aws_s3_bucket_cors_configuration|aws_s3_bucket_notification|aws_s3_bucket_replication_configuration|aws_s3_bucket_website_configuration|aws_s3_bucket_intelligent_tiering_configuration|aws_s3_bucket_object_lock_configuration|aws_s3_bucket_request_payment_configuration|aws_s3_bucket_accelerate_configuration";

/// ARN of an EC2 object: `arn:<partition>:ec2:<region>:<account>:<kind>/<id>`.
macro_rules! ec2_arn {
    ($kind:literal) => {
        concat!("arn:{partition}:ec2:{region}:{account}:", $kind, "/{id}")
    };
}

/// The rules, most specific first.
pub(crate) static RULES: &[Rule] = &[
    // ---- Data sources --------------------------------------------------------------------------
    t("aws_region", "id|name|region", &["{region}"]),
    t("aws_region", "endpoint", &["ec2.{region}.amazonaws.com"]),
    t("aws_region", "description", &["{region}"]),
    t("aws_partition", "id|partition", &["{partition}"]),
    t("aws_partition", "dns_suffix", &["amazonaws.com"]),
    t("aws_partition", "reverse_dns_prefix", &["com.amazonaws"]),
    t("aws_caller_identity", "id|account_id", &["{account}"]),
    t("aws_caller_identity", "user_id", &["AIDA{HEX:17}"]),
    r("aws_iam_policy_document", "json", Fake::PolicyJson),
    r(
        "aws_iam_policy_document",
        "minified_json",
        Fake::PolicyJsonMinified,
    ),
    t("aws_iam_policy_document", "id", &["{digits:10}"]),
    // ---- Generated names (name_prefix & co.) ---------------------------------------------------
    t(
        "aws_s3_bucket",
        "bucket",
        &["{attr:bucket_prefix}{stamp}", "terraform-{stamp}"],
    ),
    t(
        "aws_db_instance",
        "identifier",
        &["{attr:identifier_prefix}{stamp}", "terraform-{stamp}"],
    ),
    t(
        "aws_eks_node_group",
        "node_group_name",
        &["{attr:node_group_name_prefix}{stamp}", "terraform-{stamp}"],
    ),
    t("aws_default_security_group", "name", &["default"]),
    t(
        "aws_default_security_group",
        "description",
        &["default VPC security group"],
    ),
    t(
        "aws_kms_alias",
        "name",
        &["{attr:name_prefix}{stamp}", "alias/terraform-{stamp}"],
    ),
    // ---- IDs by resource type ------------------------------------------------------------------
    t("aws_vpc", "id", &["vpc-{hex:17}"]),
    t("aws_subnet", "id", &["subnet-{hex:17}"]),
    t(
        "aws_security_group|aws_default_security_group",
        "id",
        &["sg-{hex:17}"],
    ),
    t("aws_internet_gateway", "id", &["igw-{hex:17}"]),
    t("aws_egress_only_internet_gateway", "id", &["eigw-{hex:17}"]),
    t("aws_eip", "id", &["eipalloc-{hex:17}"]),
    t("aws_eip", "allocation_id", &["{attr:id}"]),
    t("aws_nat_gateway", "id", &["nat-{hex:17}"]),
    t(
        "aws_route_table|aws_default_route_table",
        "id",
        &["rtb-{hex:17}"],
    ),
    t("aws_route_table_association", "id", &["rtbassoc-{hex:17}"]),
    t("aws_route", "id", &["r-{attr:route_table_id}{digits:10}"]),
    t("aws_vpc_endpoint", "id", &["vpce-{hex:17}"]),
    t(
        "aws_vpc_security_group_ingress_rule|aws_vpc_security_group_egress_rule",
        "id",
        &["sgr-{hex:17}"],
    ),
    t(
        "aws_vpc_security_group_ingress_rule|aws_vpc_security_group_egress_rule",
        "security_group_rule_id",
        &["{attr:id}"],
    ),
    t(
        "aws_network_acl|aws_default_network_acl",
        "id",
        &["acl-{hex:17}"],
    ),
    t("aws_network_interface", "id", &["eni-{hex:17}"]),
    t("aws_flow_log", "id", &["fl-{hex:17}"]),
    t("aws_launch_template", "id", &["lt-{hex:17}"]),
    t("aws_instance", "id", &["i-{hex:17}"]),
    t("aws_kms_key", "id", &["{uuid}"]),
    t("aws_kms_key", "key_id", &["{attr:id}"]),
    t("aws_kms_alias", "id", &["{attr:name}"]),
    t("aws_s3_bucket", "id", &["{attr:bucket}"]),
    t(S3_BUCKET_CHILDREN, "id", &["{attr:bucket}"]),
    t(
        "aws_iam_role|aws_iam_policy|aws_iam_user|aws_iam_group|aws_iam_instance_profile",
        "id",
        &["{attr:name}"],
    ),
    t("aws_iam_role_policy", "id", &["{attr:role}:{attr:name}"]),
    t(
        "aws_iam_role_policy_attachment",
        "id",
        &["{attr:role}-{digits:26}"],
    ),
    t(
        "aws_db_parameter_group|aws_db_subnet_group|aws_db_option_group|aws_cloudwatch_log_group|aws_sns_topic_subscription",
        "id",
        &["{attr:name}"],
    ),
    t("aws_db_instance", "id", &["db-{HEX:26}"]),
    t("aws_db_instance", "resource_id", &["{attr:id}"]),
    t(
        "aws_eks_node_group",
        "id",
        &["{attr:cluster_name}:{attr:node_group_name}"],
    ),
    t(
        "aws_autoscaling_group_tag",
        "id",
        &["{attr:autoscaling_group_name},{attr:tag.0.key}"],
    ),
    t("aws_secretsmanager_secret", "id", &["{attr:arn}"]),
    t(
        "aws_secretsmanager_secret_version",
        "version_id",
        &["{uuid}"],
    ),
    t(
        "aws_secretsmanager_secret_version",
        "id",
        &["{attr:secret_id}|{attr:version_id}"],
    ),
    // ---- ARNs ----------------------------------------------------------------------------------
    t("aws_vpc", "arn", &[ec2_arn!("vpc")]),
    t("aws_subnet", "arn", &[ec2_arn!("subnet")]),
    t(
        "aws_security_group|aws_default_security_group",
        "arn",
        &[ec2_arn!("security-group")],
    ),
    t(
        "aws_internet_gateway",
        "arn",
        &[ec2_arn!("internet-gateway")],
    ),
    t("aws_eip", "arn", &[ec2_arn!("elastic-ip")]),
    t("aws_nat_gateway", "arn", &[ec2_arn!("natgateway")]),
    t(
        "aws_route_table|aws_default_route_table",
        "arn",
        &[ec2_arn!("route-table")],
    ),
    t("aws_vpc_endpoint", "arn", &[ec2_arn!("vpc-endpoint")]),
    t(
        "aws_vpc_security_group_ingress_rule|aws_vpc_security_group_egress_rule",
        "arn",
        &[ec2_arn!("security-group-rule")],
    ),
    t("aws_flow_log", "arn", &[ec2_arn!("vpc-flow-log")]),
    t("aws_launch_template", "arn", &[ec2_arn!("launch-template")]),
    t(
        "aws_network_acl|aws_default_network_acl",
        "arn",
        &[ec2_arn!("network-acl")],
    ),
    t(
        "aws_kms_key",
        "arn",
        &["arn:{partition}:kms:{region}:{account}:key/{attr:id}"],
    ),
    t(
        "aws_kms_alias",
        "arn",
        &["arn:{partition}:kms:{region}:{account}:{attr:name}"],
    ),
    t(
        "aws_kms_alias",
        "target_key_arn",
        &["arn:{partition}:kms:{region}:{account}:key/{attr:target_key_id}"],
    ),
    t(
        "aws_s3_bucket",
        "arn",
        &["arn:{partition}:s3:::{attr:bucket}"],
    ),
    t(
        "aws_iam_role",
        "arn",
        &["arn:{partition}:iam::{account}:role/{attr:name}"],
    ),
    t(
        "aws_iam_policy",
        "arn",
        &["arn:{partition}:iam::{account}:policy/{attr:name}"],
    ),
    t(
        "aws_db_instance",
        "arn",
        &["arn:{partition}:rds:{region}:{account}:db:{attr:identifier}"],
    ),
    t(
        "aws_db_parameter_group",
        "arn",
        &["arn:{partition}:rds:{region}:{account}:pg:{attr:name}"],
    ),
    t(
        "aws_db_subnet_group",
        "arn",
        &["arn:{partition}:rds:{region}:{account}:subgrp:{attr:name}"],
    ),
    t(
        "aws_cloudwatch_log_group",
        "arn",
        &["arn:{partition}:logs:{region}:{account}:log-group:{attr:name}"],
    ),
    t(
        "aws_eks_node_group",
        "arn",
        &[
            "arn:{partition}:eks:{region}:{account}:nodegroup/{attr:cluster_name}/{attr:node_group_name}/{uuid}",
        ],
    ),
    t(
        "aws_secretsmanager_secret",
        "arn",
        &["arn:{partition}:secretsmanager:{region}:{account}:secret:{attr:name}-{alnum:6}"],
    ),
    t(
        "aws_db_instance",
        "master_user_secret.secret_arn",
        &["arn:{partition}:secretsmanager:{region}:{account}:secret:rds!{attr:id}-{alnum:6}"],
    ),
    t(
        "aws_caller_identity",
        "arn",
        &["arn:{partition}:iam::{account}:user/standin"],
    ),
    // ---- Per-type details ----------------------------------------------------------------------
    t(
        "aws_eks_node_group",
        "resources.autoscaling_groups.name",
        &["eks-{attr:node_group_name}-{uuid}"],
    ),
    t(
        "aws_eks_node_group",
        "resources.remote_access_security_group_id",
        &[""],
    ),
    t("aws_eks_node_group", "status", &["ACTIVE"]),
    t("aws_eks_node_group", "version", &["1.33"]),
    t(
        "aws_eks_node_group",
        "release_version",
        &["1.33.0-20250101"],
    ),
    t(
        "aws_db_instance",
        "address",
        &["{attr:identifier}.c{hex:12}.{region}.rds.amazonaws.com"],
    ),
    t(
        "aws_db_instance",
        "endpoint",
        &["{attr:address}:{attr:port}"],
    ),
    t(
        "aws_db_instance",
        "engine_version_actual",
        &["{attr:engine_version}"],
    ),
    t("aws_db_instance", "status", &["available"]),
    t(
        "aws_db_instance",
        "master_user_secret.secret_status",
        &["active"],
    ),
    r("aws_db_instance", "listener_endpoint|replicas", Fake::Empty),
    t("aws_db_instance", "backup_window", &["03:00-03:30"]),
    t(
        "aws_db_instance",
        "maintenance_window",
        &["sun:04:00-sun:04:30"],
    ),
    t("aws_db_instance", "network_type", &["IPV4"]),
    t(
        "aws_db_instance",
        "license_model",
        &["general-public-license"],
    ),
    t("aws_db_instance", "storage_type", &["gp3"]),
    r(
        "aws_db_subnet_group",
        "supported_network_types",
        Fake::Strings(&["IPV4"]),
    ),
    r(
        "aws_nat_gateway",
        "regional_nat_gateway_address",
        Fake::Empty,
    ),
    t("aws_nat_gateway", "availability_mode", &["zonal"]),
    t("aws_nat_gateway", "public_ip", &["203.0.113.{octet}"]),
    t(
        "aws_nat_gateway|aws_eip",
        "private_ip",
        &["10.0.{octet}.{octet}"],
    ),
    t("aws_eip", "public_ip", &["198.51.100.{octet}"]),
    t(
        "aws_eip",
        "public_dns",
        &["ec2-198-51-100-1.{region}.compute.amazonaws.com"],
    ),
    t(
        "aws_launch_template",
        "latest_version|default_version",
        &["1"],
    ),
    t("aws_kms_key", "rotation_period_in_days", &["365"]),
    t("aws_cloudwatch_log_group", "log_group_class", &["STANDARD"]),
    t("aws_iam_role", "unique_id", &["AROA{HEX:17}"]),
    t("aws_iam_role", "create_date", &["2025-01-01T00:00:00Z"]),
    t(
        "aws_s3_bucket",
        "bucket_domain_name",
        &["{attr:bucket}.s3.amazonaws.com"],
    ),
    t(
        "aws_s3_bucket",
        "bucket_regional_domain_name",
        &["{attr:bucket}.s3.{region}.amazonaws.com"],
    ),
    t("aws_s3_bucket", "request_payer", &["BucketOwner"]),
    t("aws_s3_bucket", "hosted_zone_id", &["Z3AQBSTGFYJSTF"]),
    t(
        "aws_vpc_endpoint",
        "dns_entry.dns_name",
        &["{attr:id}-{hex:8}.vpce.{region}.amazonaws.com"],
    ),
    t("aws_vpc_endpoint", "state", &["available"]),
    t("aws_vpc_endpoint", "ip_address_type", &["ipv4"]),
    t("aws_vpc_endpoint", "service_region", &["{region}"]),
    t("aws_vpc_endpoint", "prefix_list_id", &["pl-{hex:8}"]),
    t("aws_vpc", "instance_tenancy", &["default"]),
    t(
        "aws_subnet",
        "private_dns_hostname_type_on_launch",
        &["ip-name"],
    ),
    t("aws_route", "state", &["active"]),
    t("aws_route", "origin", &["CreateRoute"]),
    // ---- Generic, by attribute name ------------------------------------------------------------
    r("*", "tags_all", Fake::TagsAll),
    t(
        "aws_*",
        "name",
        &["{attr:name_prefix}{stamp}", "terraform-{stamp}"],
    ),
    t("*", "ipv6*|*ipv6*", &[""]),
    t("*", "region|bucket_region", &["{region}"]),
    t("*", "owner_id|account_id|instance_owner_id", &["{account}"]),
    t("*", "availability_zone", &["{region}a"]),
    t("*", "availability_zone_id", &["{region}-az1"]),
    t("*", "*security_group_id", &["sg-{hex:17}"]),
    t("*", "*route_table_id", &["rtb-{hex:17}"]),
    t("*", "*network_acl_id", &["acl-{hex:17}"]),
    t("*", "dhcp_options_id", &["dopt-{hex:17}"]),
    t("*", "vpc_id", &["vpc-{hex:17}"]),
    t("*", "subnet_id", &["subnet-{hex:17}"]),
    t("*", "network_interface_id", &["eni-{hex:17}"]),
    t("*", "allocation_id", &["eipalloc-{hex:17}"]),
    t("*", "association_id", &["eipassoc-{hex:17}"]),
    t("*", "instance_id", &["i-{hex:17}"]),
    t("*", "hosted_zone_id", &["Z{HEX:13}"]),
    t(
        "*",
        "kms_key_id|*kms_key_id|kms_key_arn|*kms_key_arn",
        &["arn:{partition}:kms:{region}:{account}:key/{uuid}"],
    ),
    t("*", "cidr_block|*cidr_block", &["10.0.0.0/16"]),
    t("aws_*", "id", &["{type}-{hex:17}"]),
    t(
        "aws_*",
        "arn|*_arn",
        &["arn:{partition}:{type}:{region}:{account}:{attr:id}"],
    ),
];

/// True when `name` matches `pattern` (`a|b` alternatives, `*`, `x*`, `*x`).
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    pattern.split('|').any(|p| {
        if p == "*" {
            true
        } else if let Some(suffix) = p.strip_prefix('*') {
            if let Some(inner) = suffix.strip_suffix('*') {
                name.contains(inner)
            } else {
                name.ends_with(suffix)
            }
        } else if let Some(prefix) = p.strip_suffix('*') {
            name.starts_with(prefix)
        } else {
            p == name
        }
    })
}

/// True when the attribute pattern of a rule matches the attribute at dotted `path`.
fn matches_attr(pattern: &str, path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    pattern.split('|').any(|p| {
        if p.contains('.') {
            p == path
        } else {
            matches(p, last)
        }
    })
}

/// The first rule of `rules` for attribute `path` of `type_name`.
pub(crate) fn find_in<'a>(rules: &'a [Rule], type_name: &str, path: &str) -> Option<&'a Fake> {
    rules
        .iter()
        .find(|rule| matches(rule.types, type_name) && matches_attr(rule.attr, path))
        .map(|rule| &rule.fake)
}

/// The first rule of [`RULES`] for attribute `path` of `type_name`.
pub(crate) fn find(type_name: &str, path: &str) -> Option<&'static Fake> {
    find_in(RULES, type_name, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let cases = [
            ("*", "anything", true),
            ("aws_*", "aws_vpc", true),
            ("aws_*", "logexaminer_x", false),
            ("*_id", "vpc_id", true),
            ("*_id", "id", false),
            ("*ipv6*", "assign_ipv6_address", true),
            ("a|b|c", "b", true),
            ("a|b|c", "d", false),
            ("aws_vpc", "aws_vpc_endpoint", false),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(matches(pattern, name), want, "{pattern} vs {name}");
        }
    }

    #[test]
    fn attribute_patterns_use_the_last_segment_or_the_whole_path() {
        let cases = [
            ("name", "resources.autoscaling_groups.name", true),
            (
                "resources.autoscaling_groups.name",
                "resources.autoscaling_groups.name",
                true,
            ),
            (
                "autoscaling_groups.name",
                "resources.autoscaling_groups.name",
                false,
            ),
            ("secret_arn", "master_user_secret.secret_arn", true),
            ("*_arn", "arn", false),
        ];
        for (pattern, path, want) in cases {
            assert_eq!(matches_attr(pattern, path), want, "{pattern} vs {path}");
        }
    }

    #[test]
    fn first_match_wins() {
        let cases: [(&str, &str, Fake); 8] = [
            ("aws_vpc", "id", Fake::Text(&["vpc-{hex:17}"])),
            ("aws_subnet", "vpc_id", Fake::Text(&["vpc-{hex:17}"])),
            (
                "aws_s3_bucket_versioning",
                "id",
                Fake::Text(&["{attr:bucket}"]),
            ),
            (
                "aws_vpc",
                "default_security_group_id",
                Fake::Text(&["sg-{hex:17}"]),
            ),
            (
                "aws_eks_node_group",
                "resources.remote_access_security_group_id",
                Fake::Text(&[""]),
            ),
            ("aws_vpc", "ipv6_association_id", Fake::Text(&[""])),
            ("aws_db_instance", "listener_endpoint", Fake::Empty),
            ("aws_iam_policy_document", "json", Fake::PolicyJson),
        ];
        for (ty, path, want) in cases {
            assert_eq!(find(ty, path), Some(&want), "{ty}.{path}");
        }
        assert_eq!(find("logexaminer_thing", "status"), None);
    }
}
