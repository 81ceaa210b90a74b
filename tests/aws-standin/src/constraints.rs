//! The table of AWS API constraints the stand-in enforces: what AWS refuses (or, for the
//! rows marked [`Outcome::Warn`], accepts but documents as broken) for the resource types our
//! modules use. One row a rule, each with the AWS document it comes from, the API operation
//! and the error code AWS answers with.
//!
//! Rows are checked at plan (PlanResourceChange) once the values they read are known, and
//! again at apply (values are all known then). Rows marked `cross` read other resources
//! from the [`World`] and run at apply only, like AWS, which sees the other objects only
//! when the API call is made.
//!
//! Messages: where AWS's text is known from its responses it is kept word for word
//! (`verbatim: true`); otherwise the message follows AWS's shape (code, then a sentence
//! naming the parameter) and the row says so. The diagnostic's summary has the shape of
//! hashicorp/aws's errors: `<action> <type>: operation error <Service>: <Operation>, https
//! response error StatusCode: 400, api error <Code>: <message>`.
//!
//! Pure: no I/O; every check is unit-tested below.

use tfplugin::{AttrPath, Diagnostic, Diagnostics, Value};

use crate::rules::matches;
use crate::world::World;

/// What AWS does with a configuration that breaks the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The API call fails with the row's code.
    Refuse,
    /// AWS accepts it, but its documentation says the result does not work (a warning).
    Warn,
}

/// When a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// PlanResourceChange.
    Plan,
    /// ApplyResourceChange (create or update).
    Apply,
}

/// One broken rule: where and AWS's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    /// The attribute that breaks the rule.
    pub(crate) path: AttrPath,
    /// AWS's message (after the code).
    pub(crate) message: String,
}

/// What a check sees.
pub(crate) struct Subject<'a> {
    /// The planned (or applied) value of the resource.
    pub(crate) value: &'a Value,
    /// The configuration: what the user set (the planned value also carries computed values,
    /// and on update the prior state's, which AWS would not see in the request).
    pub(crate) config: &'a Value,
    /// Every resource the stand-in holds (empty at plan).
    pub(crate) world: &'a World,
}

/// One row of the table.
pub(crate) struct Constraint {
    /// Stable name of the rule.
    pub(crate) id: &'static str,
    /// Resource types (pattern, as in [`crate::rules`]).
    pub(crate) types: &'static str,
    /// The AWS document and section the rule comes from.
    pub(crate) source: &'static str,
    /// `<Service>: <Operation>` of the refusing API call.
    pub(crate) operation: &'static str,
    /// AWS's error code (or Access Analyzer finding for warnings).
    pub(crate) code: &'static str,
    /// Whether the message is AWS's own text.
    pub(crate) verbatim: bool,
    /// Refused or warned.
    pub(crate) outcome: Outcome,
    /// Reads other resources (apply only).
    pub(crate) cross: bool,
    /// The check.
    pub(crate) check: fn(&Subject) -> Option<Violation>,
}

fn at(name: &str) -> AttrPath {
    AttrPath::attribute(name)
}

fn v(path: AttrPath, message: String) -> Option<Violation> {
    Some(Violation { path, message })
}

fn num(v: &Value) -> Option<i64> {
    v.as_number().and_then(|n| n.as_i64())
}

fn items(v: &Value) -> &[Value] {
    match v {
        Value::List(x) | Value::Set(x) => x,
        _ => &[],
    }
}

/// The first element of a single nested block (`scaling_config`, `rotation_rules`, ...).
fn block<'a>(v: &'a Value, name: &str) -> &'a Value {
    items(v.attr(name)).first().unwrap_or(&Value::Null)
}

fn set(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Bool(b) => *b,
        _ => true,
    }
}

// ---- RDS ---------------------------------------------------------------------------------------

fn rds_source<'a>(s: &'a Subject) -> Option<(&'a str, &'a crate::world::Record)> {
    let src = s.value.attr("replicate_source_db").as_str()?;
    let rec = s
        .world
        .find("aws_db_instance", "identifier", src)
        .or_else(|| s.world.find("aws_db_instance", "arn", src))?;
    Some((src, rec))
}

fn rds_replica_of_managed_password(s: &Subject) -> Option<Violation> {
    let (_, source) = rds_source(s)?;
    if source.bool("manage_master_user_password") != Some(true) {
        return None;
    }
    let engine = source.str("engine").unwrap_or("mysql");
    if engine.starts_with("sqlserver") {
        return None;
    }
    v(
        at("replicate_source_db"),
        format!(
            "Creating read replicas for source instance with engine {engine} where ManageMasterUserPassword is enabled is not supported."
        ),
    )
}

fn rds_replica_managed_password(s: &Subject) -> Option<Violation> {
    s.config.attr("replicate_source_db").as_str()?;
    if s.config.attr("manage_master_user_password").as_bool() == Some(true) {
        return v(
            at("manage_master_user_password"),
            "ManageMasterUserPassword isn't supported for read replica".to_string(),
        );
    }
    None
}

fn rds_replica_inherited(s: &Subject) -> Option<Violation> {
    s.config.attr("replicate_source_db").as_str()?;
    let engine = s.config.attr("engine").as_str().unwrap_or("");
    for (attr, param) in [
        ("username", "MasterUsername"),
        ("password", "MasterUserPassword"),
        ("db_name", "DBName"),
    ] {
        // Oracle replicas may name their database; every other engine inherits it.
        if attr == "db_name" && engine.starts_with("oracle") {
            continue;
        }
        if set(s.config.attr(attr)) {
            return v(
                at(attr),
                format!(
                    "The parameter {param} is not valid for a read replica: it is inherited from the source DB instance."
                ),
            );
        }
    }
    None
}

fn rds_multi_az_with_az(s: &Subject) -> Option<Violation> {
    if s.config.attr("multi_az").as_bool() == Some(true)
        && set(s.config.attr("availability_zone"))
        && s.config.attr("availability_zone").as_str().is_some()
    {
        return v(
            at("availability_zone"),
            "Requesting a specific availability zone is not valid for Multi-AZ instances."
                .to_string(),
        );
    }
    None
}

fn rds_monitoring_role(s: &Subject) -> Option<Violation> {
    let interval = num(s.config.attr("monitoring_interval"))?;
    if interval == 0 {
        return None;
    }
    if ![1, 5, 10, 15, 30, 60].contains(&interval) {
        return v(
            at("monitoring_interval"),
            format!(
                "Invalid value {interval} for MonitoringInterval. Valid values: 0, 1, 5, 10, 15, 30, 60."
            ),
        );
    }
    if set(s.config.attr("monitoring_role_arn"))
        || s.config.attr("monitoring_role_arn").is_unknown()
    {
        return None;
    }
    v(
        at("monitoring_role_arn"),
        "A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0."
            .to_string(),
    )
}

// ---- EC2 / VPC ---------------------------------------------------------------------------------

fn subnet_vpc<'a>(w: &'a World, subnet: &str) -> Option<&'a str> {
    w.find("aws_subnet", "id", subnet)?.str("vpc_id")
}

fn vpc_has_igw(w: &World, vpc: &str) -> bool {
    w.find("aws_internet_gateway", "vpc_id", vpc).is_some()
        || w.find("aws_internet_gateway_attachment", "vpc_id", vpc)
            .is_some()
}

fn public_nat(s: &Subject) -> bool {
    matches!(
        s.value.attr("connectivity_type").as_str(),
        None | Some("public")
    )
}

fn nat_without_igw(s: &Subject) -> Option<Violation> {
    if !public_nat(s) {
        return None;
    }
    let subnet = s.value.attr("subnet_id").as_str()?;
    let vpc = subnet_vpc(s.world, subnet)?;
    if vpc_has_igw(s.world, vpc) {
        return None;
    }
    v(
        at("subnet_id"),
        format!("Network {vpc} has no Internet gateway attached"),
    )
}

fn route_table_has_igw_route(w: &World, rtb: &str) -> bool {
    let igw = |gw: Option<&str>| gw.is_some_and(|g| g.starts_with("igw-"));
    let separate = w
        .of_type("aws_route")
        .any(|r| r.str("route_table_id") == Some(rtb) && igw(r.str("gateway_id")));
    let inline = w.find("aws_route_table", "id", rtb).is_some_and(|t| {
        t.attrs
            .get("route")
            .and_then(|r| r.as_array())
            .is_some_and(|routes| {
                routes
                    .iter()
                    .any(|r| igw(r.get("gateway_id").and_then(|g| g.as_str())))
            })
    });
    separate || inline
}

fn nat_in_private_subnet(s: &Subject) -> Option<Violation> {
    if !public_nat(s) {
        return None;
    }
    let subnet = s.value.attr("subnet_id").as_str()?;
    let rtb = s
        .world
        .find("aws_route_table_association", "subnet_id", subnet)?
        .str("route_table_id")?;
    s.world.find("aws_route_table", "id", rtb)?;
    if route_table_has_igw_route(s.world, rtb) {
        return None;
    }
    v(
        at("subnet_id"),
        format!(
            "The public NAT gateway is in subnet {subnet}, whose route table {rtb} has no route to an internet gateway: it cannot reach the internet."
        ),
    )
}

/// Inbound or outbound rules per security group (Amazon VPC quotas: 60 each, IPv4 and IPv6
/// counted apart; a rule with several CIDRs or sources is one rule per entry).
const RULES_PER_GROUP: usize = 60;

fn rule_entries(rule: &Value) -> usize {
    let n = [
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "prefix_list_ids",
        "security_groups",
    ]
    .iter()
    .map(|a| items(rule.attr(a)).len())
    .sum::<usize>()
        + usize::from(rule.attr("self").as_bool() == Some(true));
    n.max(1)
}

fn sg_inline_rules(s: &Subject) -> Option<Violation> {
    for dir in ["ingress", "egress"] {
        let count: usize = items(s.value.attr(dir)).iter().map(rule_entries).sum();
        if count > RULES_PER_GROUP {
            return v(
                at(dir),
                "The maximum number of rules per security group has been reached.".to_string(),
            );
        }
    }
    None
}

fn sg_rule_quota(s: &Subject, ty: &str, inline: &str) -> Option<Violation> {
    let sg = s.value.attr("security_group_id").as_str()?;
    let id = s.value.attr("id").as_str();
    let v6 = s.value.attr("cidr_ipv6").as_str().is_some();
    let separate = s
        .world
        .of_type(ty)
        .filter(|r| r.str("security_group_id") == Some(sg) && r.str("id") != id)
        .filter(|r| r.str("cidr_ipv6").is_some() == v6)
        .count();
    let inline_count = s
        .world
        .find("aws_security_group", "id", sg)
        .and_then(|g| g.attrs.get(inline).and_then(|r| r.as_array()).cloned())
        .map(|rules| {
            rules
                .iter()
                .map(|r| {
                    let key = if v6 {
                        "ipv6_cidr_blocks"
                    } else {
                        "cidr_blocks"
                    };
                    r.get(key).and_then(|c| c.as_array()).map_or(0, Vec::len)
                })
                .sum::<usize>()
        })
        .unwrap_or(0);
    if separate + inline_count >= RULES_PER_GROUP {
        return v(
            at("security_group_id"),
            "The maximum number of rules per security group has been reached.".to_string(),
        );
    }
    None
}

// ---- EKS ---------------------------------------------------------------------------------------

/// Nodes per managed node group (Amazon EKS service quotas).
const NODES_PER_NODE_GROUP: i64 = 450;

fn eks_scaling(s: &Subject) -> Option<Violation> {
    let sc = block(s.value, "scaling_config");
    let path = |a: &str| {
        AttrPath::attribute("scaling_config")
            .index(0)
            .attr(a.to_string())
    };
    let (min, max) = (num(sc.attr("min_size"))?, num(sc.attr("max_size"))?);
    let desired = num(sc.attr("desired_size"));
    if max < 1 {
        return v(path("max_size"), "maxSize must be at least 1".to_string());
    }
    if min < 0 || desired.is_some_and(|d| d < 0) {
        return v(path("min_size"), "minSize can't be negative".to_string());
    }
    if max > NODES_PER_NODE_GROUP {
        return v(
            path("max_size"),
            format!("maxSize can't be greater than {NODES_PER_NODE_GROUP}"),
        );
    }
    if min > max {
        return v(
            path("min_size"),
            "minSize can't be greater than maxSize".to_string(),
        );
    }
    if let Some(d) = desired {
        if min > d {
            return v(
                path("min_size"),
                "minSize can't be greater than desiredSize".to_string(),
            );
        }
        if d > max {
            return v(
                path("desired_size"),
                "desiredSize can't be greater than maxSize".to_string(),
            );
        }
    }
    let uc = block(s.value, "update_config");
    if let Some(mu) = num(uc.attr("max_unavailable"))
        && (mu < 1 || mu > max)
    {
        return v(
            AttrPath::attribute("update_config")
                .index(0)
                .attr("max_unavailable"),
            "max-unavailable must be within the range 1 and max size of the node group".to_string(),
        );
    }
    None
}

/// The CPU architecture of an EC2 instance type: Graviton families carry a `g` after the
/// generation digit (`m6g`, `c7gn`, `r8g`, `t4g`, `x2gd`, `im4gn`, `g5g`) or are `a1`.
pub(crate) fn architecture(instance_type: &str) -> &'static str {
    let family = instance_type.split('.').next().unwrap_or(instance_type);
    if family == "a1" {
        return "arm64";
    }
    let Some(digit) = family.find(|c: char| c.is_ascii_digit()) else {
        return "x86_64";
    };
    let suffix = family[digit..].trim_start_matches(|c: char| c.is_ascii_digit());
    if suffix.starts_with('g') {
        "arm64"
    } else {
        "x86_64"
    }
}

fn eks_mixed_architectures(s: &Subject) -> Option<Violation> {
    let types: Vec<&str> = items(s.value.attr("instance_types"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let first = types.first()?;
    let arch = architecture(first);
    if let Some(other) = types.iter().find(|t| architecture(t) != arch) {
        return v(
            at("instance_types"),
            format!(
                "Instance types {first} ({arch}) and {other} ({}) have different architectures; all instance types of a node group must have the same architecture.",
                architecture(other)
            ),
        );
    }
    None
}

fn eks_ami_architecture(s: &Subject) -> Option<Violation> {
    let ami = s.value.attr("ami_type").as_str()?;
    let want = if ami.contains("ARM") || ami.contains("arm64") {
        "arm64"
    } else if ami == "CUSTOM" {
        return None;
    } else {
        "x86_64"
    };
    let bad: Vec<&str> = items(s.value.attr("instance_types"))
        .iter()
        .filter_map(Value::as_str)
        .filter(|t| architecture(t) != want)
        .collect();
    if bad.is_empty() {
        return None;
    }
    v(
        at("instance_types"),
        format!(
            "[{}] is not a valid instance type for requested amiType {ami}",
            bad.join(", ")
        ),
    )
}

// ---- S3 ----------------------------------------------------------------------------------------

/// The general purpose bucket naming rules (S3 user guide), as the reason a name breaks them.
pub(crate) fn bucket_name_problem(name: &str) -> Option<&'static str> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&name.len()) {
        return Some("must be 3 to 63 characters long");
    }
    if !name.chars().all(ok_char) {
        return Some("may hold only lowercase letters, digits, dots and hyphens");
    }
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Some("must begin and end with a letter or digit");
    }
    if name.contains("..") {
        return Some("must not hold two adjacent periods");
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Some("must not be formatted as an IP address");
    }
    for p in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(p) {
            return Some("must not start with a reserved prefix (xn--, sthree-, amzn-s3-demo-)");
        }
    }
    for sfx in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(sfx) {
            return Some(
                "must not end with a reserved suffix (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)",
            );
        }
    }
    None
}

fn s3_bucket_name(s: &Subject) -> Option<Violation> {
    let name = s.value.attr("bucket").as_str()?;
    let why = bucket_name_problem(name)?;
    v(
        at("bucket"),
        format!("The specified bucket is not valid. (bucket name {name:?} {why})"),
    )
}

// ---- Secrets Manager ---------------------------------------------------------------------------

/// Why a rotation `ScheduleExpression` is not one Secrets Manager accepts.
pub(crate) fn schedule_problem(expr: &str) -> Option<String> {
    if let Some(inner) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let mut parts = inner.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Some(format!("{expr}: a rate is rate(<number> <unit>)"));
        };
        let Ok(n) = n.parse::<u32>() else {
            return Some(format!("{expr}: the rate must be a whole number"));
        };
        return match unit {
            "hour" | "hours" if (4..=23).contains(&n) => None,
            "hour" | "hours" => Some(format!(
                "{expr}: a rate in hours must be between 4 and 23 hours"
            )),
            "day" | "days" if (1..=1000).contains(&n) => None,
            "day" | "days" => Some(format!(
                "{expr}: a rate in days must be between 1 and 1000 days"
            )),
            _ => Some(format!("{expr}: the rate unit must be hours or days")),
        };
    }
    if let Some(inner) = expr.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        let fields: Vec<&str> = inner.split_whitespace().collect();
        if fields.len() != 6 {
            return Some(format!(
                "{expr}: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year)"
            ));
        }
        if fields[2] != "?" && fields[4] != "?" {
            return Some(format!(
                "{expr}: one of day-of-month and day-of-week must be ?"
            ));
        }
        return None;
    }
    Some(format!("{expr}: use rate(...) or cron(...)"))
}

fn sm_rotation_rules(s: &Subject) -> Option<Violation> {
    let rr = block(s.value, "rotation_rules");
    let path = |a: &str| {
        AttrPath::attribute("rotation_rules")
            .index(0)
            .attr(a.to_string())
    };
    let days = num(rr.attr("automatically_after_days"));
    let expr = rr
        .attr("schedule_expression")
        .as_str()
        .filter(|e| !e.is_empty());
    if days.is_some() && expr.is_some() {
        return v(
            path("schedule_expression"),
            "You cannot specify both rotation frequency and schedule expression together."
                .to_string(),
        );
    }
    if let Some(d) = days
        && !(1..=1000).contains(&d)
    {
        return v(
            path("automatically_after_days"),
            format!(
                "1 validation error detected: Value '{d}' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value {}",
                if d < 1 {
                    "greater than or equal to 1"
                } else {
                    "less than or equal to 1000"
                }
            ),
        );
    }
    if let Some(e) = expr
        && let Some(why) = schedule_problem(e)
    {
        return v(
            path("schedule_expression"),
            format!("Invalid schedule expression: {why}"),
        );
    }
    if let Some(d) = rr.attr("duration").as_str().filter(|d| !d.is_empty()) {
        let hours = d.strip_suffix('h').and_then(|h| h.parse::<u32>().ok());
        match hours {
            Some(1..=24) => {}
            _ => {
                return v(
                    path("duration"),
                    format!(
                        "The rotation window duration {d} is not valid: use 1h to 24h, in whole hours."
                    ),
                );
            }
        }
    }
    None
}

// ---- IAM policy documents ----------------------------------------------------------------------

/// The policy attribute of each resource type that carries an IAM policy document.
fn policy_attr(ty: &str) -> &'static str {
    match ty {
        "aws_iam_role" => "assume_role_policy",
        _ => "policy",
    }
}

fn policy_of<'a>(s: &'a Subject, ty: &str) -> Option<(&'static str, &'a str)> {
    let attr = policy_attr(ty);
    s.value
        .attr(attr)
        .as_str()
        .filter(|p| !p.is_empty())
        .map(|p| (attr, p))
}

fn iam_json(ty: &'static str) -> impl Fn(&Subject) -> Option<Violation> {
    move |s| {
        let (attr, doc) = policy_of(s, ty)?;
        match serde_json::from_str::<serde_json::Value>(doc) {
            Ok(j) if j.is_object() => None,
            _ => v(at(attr), "Syntax errors in policy.".to_string()),
        }
    }
}

/// Size quotas (IAM user guide, "IAM and AWS STS quotas"): characters, whitespace not counted.
fn size_quota(ty: &str) -> Option<(usize, &'static str)> {
    match ty {
        "aws_iam_policy" => Some((6144, "PolicySize")),
        "aws_iam_role" => Some((2048, "ACLSizePerRole")),
        "aws_iam_role_policy" => Some((10240, "RolePolicySize")),
        _ => None,
    }
}

fn iam_size(ty: &'static str) -> impl Fn(&Subject) -> Option<Violation> {
    move |s| {
        let (attr, doc) = policy_of(s, ty)?;
        let (limit, quota) = size_quota(ty)?;
        let size = doc.chars().filter(|c| !c.is_whitespace()).count();
        if size > limit {
            return v(
                at(attr),
                format!("Cannot exceed quota for {quota}: {limit}"),
            );
        }
        None
    }
}

/// The actions each service prefix our modules use is known to have (from the Service
/// Authorization Reference); a service not listed here is not checked action by action.
pub(crate) static KNOWN_ACTIONS: &[(&str, &[&str])] = &[
    (
        "sts",
        &[
            "AssumeRole",
            "AssumeRoleWithWebIdentity",
            "TagSession",
            "GetCallerIdentity",
        ],
    ),
    (
        "s3",
        &[
            "GetObject",
            "PutObject",
            "DeleteObject",
            "ListBucket",
            "GetBucketLocation",
            "GetObjectVersion",
            "AbortMultipartUpload",
            "ListMultipartUploadParts",
            "ListBucketMultipartUploads",
            "GetLifecycleConfiguration",
            "PutLifecycleConfiguration",
            "GetBucketPolicy",
            "PutBucketPolicy",
        ],
    ),
    (
        "secretsmanager",
        &[
            "DescribeSecret",
            "GetSecretValue",
            "PutSecretValue",
            "UpdateSecretVersionStage",
            "GetRandomPassword",
            "RotateSecret",
            "ListSecretVersionIds",
            "CreateSecret",
            "DeleteSecret",
            "TagResource",
        ],
    ),
    (
        "logs",
        &[
            "CreateLogGroup",
            "CreateLogStream",
            "PutLogEvents",
            "DescribeLogGroups",
            "DescribeLogStreams",
        ],
    ),
    (
        "ec2",
        &[
            "CreateNetworkInterface",
            "DescribeNetworkInterfaces",
            "DescribeSubnets",
            "DeleteNetworkInterface",
            "AssignPrivateIpAddresses",
            "UnassignPrivateIpAddresses",
            "DescribeSecurityGroups",
            "DescribeVpcs",
            "DescribeInstances",
        ],
    ),
    ("sns", &["Publish", "Subscribe", "GetTopicAttributes"]),
    (
        "kms",
        &[
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "DescribeKey",
            "ReEncryptFrom",
            "ReEncryptTo",
            "CreateGrant",
        ],
    ),
    ("lambda", &["InvokeFunction"]),
    ("rds-db", &["connect"]),
    (
        "eks",
        &["DescribeCluster", "ListClusters", "AccessKubernetesApi"],
    ),
    (
        "autoscaling",
        &[
            "DescribeAutoScalingGroups",
            "DescribeAutoScalingInstances",
            "DescribeLaunchConfigurations",
            "DescribeScalingActivities",
            "DescribeTags",
            "SetDesiredCapacity",
            "TerminateInstanceInAutoScalingGroup",
        ],
    ),
];

/// Service prefixes IAM knows beyond those in [`KNOWN_ACTIONS`] (actions not checked).
static OTHER_PREFIXES: &[&str] = &[
    "iam",
    "cloudwatch",
    "events",
    "ecr",
    "elasticfilesystem",
    "ssm",
    "ssmmessages",
    "ec2messages",
    "glue",
    "athena",
    "kafka",
    "dynamodb",
    "sqs",
    "xray",
    "states",
    "tag",
    "pods",
    "eks-auth",
    "elasticloadbalancing",
    "route53",
    "acm",
    "cloudtrail",
    "config",
];

fn actions_of(doc: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let stmts = match doc.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(o @ serde_json::Value::Object(_)) => vec![o.clone()],
        _ => Vec::new(),
    };
    for st in stmts {
        for key in ["Action", "NotAction"] {
            match st.get(key) {
                Some(serde_json::Value::String(a)) => out.push(a.clone()),
                Some(serde_json::Value::Array(a)) => {
                    out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string)))
                }
                _ => {}
            }
        }
    }
    out
}

fn parsed_policy(s: &Subject, ty: &str) -> Option<(&'static str, serde_json::Value)> {
    let (attr, doc) = policy_of(s, ty)?;
    serde_json::from_str(doc).ok().map(|j| (attr, j))
}

fn iam_action_vendor(ty: &'static str) -> impl Fn(&Subject) -> Option<Violation> {
    move |s| {
        let (attr, doc) = parsed_policy(s, ty)?;
        actions_of(&doc)
            .into_iter()
            .find(|a| a != "*" && (a.split(':').count() != 2 || a.starts_with(':')))?;
        v(
            at(attr),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
                .to_string(),
        )
    }
}

/// The first action of `actions` that does not exist: an unknown service prefix, or an action
/// (without wildcards) not in [`KNOWN_ACTIONS`] for a listed service.
pub(crate) fn unknown_action(actions: &[String]) -> Option<String> {
    actions.iter().find_map(|a| {
        let (svc, act) = a.split_once(':')?;
        let svc_l = svc.to_ascii_lowercase();
        match KNOWN_ACTIONS.iter().find(|(p, _)| *p == svc_l) {
            Some((_, known)) => {
                if act.contains('*') || act.contains('?') {
                    return None;
                }
                (!known.iter().any(|k| k.eq_ignore_ascii_case(act))).then(|| a.clone())
            }
            None if OTHER_PREFIXES.contains(&svc_l.as_str()) => None,
            None => Some(a.clone()),
        }
    })
}

fn iam_action_exists(ty: &'static str) -> impl Fn(&Subject) -> Option<Violation> {
    move |s| {
        let (attr, doc) = parsed_policy(s, ty)?;
        let a = unknown_action(&actions_of(&doc))?;
        v(
            at(attr),
            format!(
                "Invalid action: the action {a} does not exist. Did you mean a documented action of the service? (IAM Access Analyzer policy validation: INVALID_ACTION)"
            ),
        )
    }
}

// ---- More rows: names, sizes and ranges of the other resource types ----------------------------

/// `1 validation error detected: ...` as AWS's JSON protocols report a member out of range.
fn member_error(value: &str, member: &str, constraint: &str) -> String {
    format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    )
}

/// Retention periods CloudWatch Logs accepts (PutRetentionPolicy).
const LOG_RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

fn logs_retention(s: &Subject) -> Option<Violation> {
    let d = num(s.config.attr("retention_in_days"))?;
    // 0 is hashicorp/aws's "never expire" (no retention policy is put).
    if d == 0 || LOG_RETENTION_DAYS.contains(&d) {
        return None;
    }
    let set = LOG_RETENTION_DAYS
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    v(
        at("retention_in_days"),
        member_error(
            &d.to_string(),
            "retentionInDays",
            &format!("Member must satisfy enum value set: [{set}]"),
        ),
    )
}

fn sns_topic_name(s: &Subject) -> Option<Violation> {
    let name = s.config.attr("name").as_str()?;
    let fifo = s.config.attr("fifo_topic").as_bool() == Some(true);
    let base = if fifo {
        name.strip_suffix(".fifo")
    } else {
        Some(name)
    };
    let ok = base.is_some_and(|b| {
        (1..=256).contains(&name.len())
            && b.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !b.is_empty()
    });
    if ok {
        return None;
    }
    v(at("name"), "Invalid parameter: Topic Name".to_string())
}

/// The availability zones of the subnets listed in `subnet_ids`, when the stand-in knows every one of
/// them (otherwise `None`: coverage cannot be judged); `None` too for an empty list.
fn subnet_zones<'a>(
    w: &'a World,
    subnet_ids: &'a Value,
) -> Option<std::collections::BTreeSet<&'a str>> {
    let ids: Vec<&str> = items(subnet_ids).iter().filter_map(Value::as_str).collect();
    if ids.is_empty() {
        return None;
    }
    ids.iter()
        .map(|id| w.find("aws_subnet", "id", id)?.str("availability_zone"))
        .collect()
}

fn rds_subnet_group_azs(s: &Subject) -> Option<Violation> {
    let zones = subnet_zones(s.world, s.config.attr("subnet_ids"))?;
    if zones.len() >= 2 {
        return None;
    }
    v(
        at("subnet_ids"),
        format!(
            "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: {}. Add subnets to cover at least 2 AZs.",
            zones.into_iter().collect::<Vec<_>>().join(", ")
        ),
    )
}

/// Whether `id` is an RDS identifier: a letter first, then letters, digits and hyphens, no two hyphens in
/// a row, no hyphen at the end, at most `max` characters.
pub(crate) fn rds_identifier_ok(id: &str, max: usize) -> bool {
    id.len() <= max
        && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.contains("--")
        && !id.ends_with('-')
}

fn rds_parameter_group_name(s: &Subject) -> Option<Violation> {
    let name = s.config.attr("name").as_str()?;
    if rds_identifier_ok(name, 255) {
        return None;
    }
    v(
        at("name"),
        "The parameter DBParameterGroupName is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.".to_string(),
    )
}

/// An IPv4 CIDR block as (network, prefix length).
pub(crate) fn parse_cidr(cidr: &str) -> Option<(u32, u8)> {
    let (ip, len) = cidr.split_once('/')?;
    let len: u8 = len.parse().ok().filter(|l| *l <= 32)?;
    let addr: std::net::Ipv4Addr = ip.parse().ok()?;
    Some((u32::from(addr), len))
}

fn mask(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - len) }
}

fn contains_cidr(outer: (u32, u8), inner: (u32, u8)) -> bool {
    inner.1 >= outer.1 && (inner.0 & mask(outer.1)) == (outer.0 & mask(outer.1))
}

fn vpc_cidr_size(s: &Subject) -> Option<Violation> {
    let cidr = s.config.attr("cidr_block").as_str()?;
    match parse_cidr(cidr) {
        Some((_, 16..=28)) => None,
        _ => v(at("cidr_block"), format!("The CIDR '{cidr}' is invalid.")),
    }
}

fn subnet_cidr(s: &Subject) -> Option<Violation> {
    let cidr = s.config.attr("cidr_block").as_str()?;
    let Some(block) = parse_cidr(cidr).filter(|(_, l)| (16..=28).contains(l)) else {
        return v(at("cidr_block"), format!("The CIDR '{cidr}' is invalid."));
    };
    let vpc_id = s.config.attr("vpc_id").as_str()?;
    let vpc = s.world.find("aws_vpc", "id", vpc_id)?;
    if let Some(vpc_block) = vpc.str("cidr_block").and_then(parse_cidr)
        && !contains_cidr(vpc_block, block)
    {
        return v(at("cidr_block"), format!("The CIDR '{cidr}' is invalid."));
    }
    let me = s.value.attr("id").as_str();
    let clash = s.world.of_type("aws_subnet").find(|o| {
        o.str("vpc_id") == Some(vpc_id)
            && o.str("id") != me
            && o.str("cidr_block")
                .and_then(parse_cidr)
                .is_some_and(|other| contains_cidr(other, block) || contains_cidr(block, other))
    });
    clash.map(|_| Violation {
        path: at("cidr_block"),
        message: format!("The CIDR '{cidr}' conflicts with another subnet"),
    })
}

fn lambda_limits(s: &Subject) -> Option<Violation> {
    for (attr, member, lo, hi) in [
        ("timeout", "timeout", 1, 900),
        ("memory_size", "memorySize", 128, 10240),
    ] {
        if let Some(n) = num(s.config.attr(attr)) {
            if n < lo {
                return v(
                    at(attr),
                    member_error(
                        &n.to_string(),
                        member,
                        &format!("Member must have value greater than or equal to {lo}"),
                    ),
                );
            }
            if n > hi {
                return v(
                    at(attr),
                    member_error(
                        &n.to_string(),
                        member,
                        &format!("Member must have value less than or equal to {hi}"),
                    ),
                );
            }
        }
    }
    None
}

fn iam_role_name(s: &Subject) -> Option<Violation> {
    let name = s.value.attr("name").as_str()?;
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if name.len() > 64 {
        return v(
            at("name"),
            member_error(
                name,
                "roleName",
                "Member must have length less than or equal to 64",
            ),
        );
    }
    if !ok_chars || name.is_empty() {
        return v(
            at("name"),
            member_error(
                name,
                "roleName",
                "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
            ),
        );
    }
    None
}

fn secret_name_and_window(s: &Subject) -> Option<Violation> {
    if let Some(name) = s.config.attr("name").as_str() {
        let ok = (1..=512).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
        if !ok {
            return v(
                at("name"),
                format!(
                    "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@! (name {name:?})"
                ),
            );
        }
    }
    let w = num(s.config.attr("recovery_window_in_days"))?;
    // 0 is hashicorp/aws's "delete without recovery" (ForceDeleteWithoutRecovery).
    if w == 0 || (7..=30).contains(&w) {
        return None;
    }
    v(
        at("recovery_window_in_days"),
        "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).".to_string(),
    )
}

fn kms_deletion_window(s: &Subject) -> Option<Violation> {
    let w = num(s.config.attr("deletion_window_in_days"))?;
    if (7..=30).contains(&w) {
        return None;
    }
    v(
        at("deletion_window_in_days"),
        member_error(
            &w.to_string(),
            "pendingWindowInDays",
            if w < 7 {
                "Member must have value greater than or equal to 7"
            } else {
                "Member must have value less than or equal to 30"
            },
        ),
    )
}

/// A resource policy that is not a JSON object, with the message of the service that refuses it.
fn resource_policy_json(s: &Subject, message: &str) -> Option<Violation> {
    let doc = s.config.attr("policy").as_str().filter(|p| !p.is_empty())?;
    match serde_json::from_str::<serde_json::Value>(doc) {
        Ok(j) if j.is_object() => None,
        _ => v(at("policy"), message.to_string()),
    }
}

fn vpc_endpoint_service_name(s: &Subject) -> Option<Violation> {
    let name = s.config.attr("service_name").as_str()?;
    let parts: Vec<&str> = name.split('.').collect();
    let aws = parts.len() >= 4
        && parts[0] == "com"
        && parts[1] == "amazonaws"
        && parts[2].split('-').count() >= 3
        && parts[3..].iter().all(|p| !p.is_empty());
    let endpoint_service = name.starts_with("com.amazonaws.vpce.") && parts.len() == 5;
    if aws || endpoint_service {
        return None;
    }
    v(
        at("service_name"),
        format!("The Vpc Endpoint Service '{name}' does not exist"),
    )
}

// ---- The table ---------------------------------------------------------------------------------

macro_rules! iam_rows {
    ($ty:literal, $op:literal) => {
        [
            Constraint {
                id: concat!("iam.policy-json.", $ty),
                types: $ty,
                source: "IAM API reference, MalformedPolicyDocument; IAM user guide, Grammar of the IAM JSON policy language",
                operation: $op,
                code: "MalformedPolicyDocument",
                verbatim: true,
                outcome: Outcome::Refuse,
                cross: false,
                check: |s| iam_json($ty)(s),
            },
            Constraint {
                id: concat!("iam.action-vendor.", $ty),
                types: $ty,
                source: "IAM user guide, IAM JSON policy elements: Action",
                operation: $op,
                code: "MalformedPolicyDocument",
                verbatim: true,
                outcome: Outcome::Refuse,
                cross: false,
                check: |s| iam_action_vendor($ty)(s),
            },
            Constraint {
                id: concat!("iam.action-exists.", $ty),
                types: $ty,
                source: "Service Authorization Reference (actions defined by each service); IAM Access Analyzer policy check reference, Invalid action",
                operation: "AccessAnalyzer: ValidatePolicy",
                code: "INVALID_ACTION",
                verbatim: false,
                outcome: Outcome::Warn,
                cross: false,
                check: |s| iam_action_exists($ty)(s),
            },
        ]
    };
}

const IAM_POLICY: [Constraint; 3] = iam_rows!("aws_iam_policy", "IAM: CreatePolicy");
const IAM_ROLE: [Constraint; 3] = iam_rows!("aws_iam_role", "IAM: CreateRole");
const IAM_ROLE_POLICY: [Constraint; 3] = iam_rows!("aws_iam_role_policy", "IAM: PutRolePolicy");

// ---- EKS control plane, EC2 launch templates, KMS aliases -------------------------------------

fn eks_cluster_subnet_azs(s: &Subject) -> Option<Violation> {
    let zones = subnet_zones(s.world, block(s.config, "vpc_config").attr("subnet_ids"))?;
    if zones.len() >= 2 {
        return None;
    }
    v(
        AttrPath::attribute("vpc_config")
            .index(0)
            .attr("subnet_ids".to_string()),
        "Subnets specified must be in at least two different AZs".to_string(),
    )
}

/// A DNS-1123 label (Kubernetes namespace names): at most 63 of a-z, 0-9 and '-', alphanumeric at both ends.
pub(crate) fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn eks_access_entry_groups(s: &Subject) -> Option<Violation> {
    let bad = items(s.value.attr("kubernetes_groups"))
        .iter()
        .filter_map(Value::as_str)
        .find(|g| g.starts_with("system:"))?;
    v(
        at("kubernetes_groups"),
        format!("The kubernetes group name {bad} is invalid, it cannot start with system:"),
    )
}

fn eks_pod_identity_names(s: &Subject) -> Option<Violation> {
    let ns = s.value.attr("namespace").as_str()?;
    if !dns_label(ns) {
        return v(
            at("namespace"),
            format!("Namespace {ns} is not a valid Kubernetes namespace name"),
        );
    }
    let sa = s.value.attr("service_account").as_str()?;
    if sa.len() > 253 || !sa.split('.').all(dns_label) {
        return v(
            at("service_account"),
            format!("Service account {sa} is not a valid Kubernetes service account name"),
        );
    }
    None
}

/// Bytes encoded by base64 text of this length with this many `=` at the end.
fn base64_decoded_len(text: &str) -> usize {
    let t = text.trim_end();
    let pad = t.bytes().rev().take_while(|b| *b == b'=').count();
    (t.len() / 4 * 3).saturating_sub(pad)
}

fn launch_template_user_data(s: &Subject) -> Option<Violation> {
    let data = s.value.attr("user_data").as_str()?;
    let n = base64_decoded_len(data);
    if n <= 16 * 1024 {
        return None;
    }
    v(
        at("user_data"),
        format!("User data is limited to 16384 bytes; this user data is {n} bytes."),
    )
}

fn kms_alias_name(s: &Subject) -> Option<Violation> {
    let name = s.value.attr("name").as_str()?;
    let rest = name.strip_prefix("alias/");
    let ok = rest.is_some_and(|r| {
        !r.is_empty()
            && name.len() <= 256
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
    });
    if !ok {
        return v(
            at("name"),
            format!(
                "Alias {name} must begin with alias/ followed by letters, digits, '/', '_' and '-'"
            ),
        );
    }
    if name.starts_with("alias/aws/") {
        return v(
            at("name"),
            format!("Alias {name} begins with the reserved prefix alias/aws/"),
        );
    }
    None
}

/// The single-rule rows.
pub(crate) static ROWS: &[Constraint] = &[
    Constraint {
        id: "rds.replica-of-managed-password-source",
        types: "aws_db_instance",
        source: "Amazon RDS user guide, Password management with Amazon RDS and AWS Secrets Manager: Limitations for Secrets Manager integration with Amazon RDS",
        operation: "RDS: CreateDBInstanceReadReplica",
        code: "InvalidParameterValue",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: true,
        check: rds_replica_of_managed_password,
    },
    Constraint {
        id: "rds.replica-managed-password",
        types: "aws_db_instance",
        source: "Amazon RDS API reference, CreateDBInstanceReadReplica (no ManageMasterUserPassword parameter; the master user comes from the source)",
        operation: "RDS: CreateDBInstanceReadReplica",
        code: "InvalidParameterValue",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: rds_replica_managed_password,
    },
    Constraint {
        id: "rds.replica-inherits-master-user-and-db-name",
        types: "aws_db_instance",
        source: "Amazon RDS API reference, CreateDBInstanceReadReplica (no MasterUsername, MasterUserPassword or DBName except for Oracle); Amazon RDS user guide, Working with DB instance read replicas",
        operation: "RDS: CreateDBInstanceReadReplica",
        code: "InvalidParameterCombination",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: rds_replica_inherited,
    },
    Constraint {
        id: "rds.multi-az-with-availability-zone",
        types: "aws_db_instance",
        source: "Amazon RDS API reference, CreateDBInstance: AvailabilityZone (can't be specified if MultiAZ is true)",
        operation: "RDS: CreateDBInstance",
        code: "InvalidParameterCombination",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: rds_multi_az_with_az,
    },
    Constraint {
        id: "rds.enhanced-monitoring-role",
        types: "aws_db_instance",
        source: "Amazon RDS API reference, CreateDBInstance: MonitoringInterval (0, 1, 5, 10, 15, 30, 60) and MonitoringRoleArn (required when MonitoringInterval is not 0); Amazon RDS user guide, Setting up and enabling Enhanced Monitoring",
        operation: "RDS: CreateDBInstance",
        code: "InvalidParameterCombination",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: rds_monitoring_role,
    },
    Constraint {
        id: "vpc.nat-gateway-needs-internet-gateway",
        types: "aws_nat_gateway",
        source: "Amazon VPC user guide, NAT gateways: Create a NAT gateway (a public NAT gateway needs an internet gateway attached to the VPC); Amazon EC2 API reference, Error codes: Gateway.NotAttached",
        operation: "EC2: CreateNatGateway",
        code: "Gateway.NotAttached",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: true,
        check: nat_without_igw,
    },
    Constraint {
        id: "vpc.nat-gateway-in-public-subnet",
        types: "aws_nat_gateway",
        source: "Amazon VPC user guide, NAT gateways: NAT gateway basics (a public NAT gateway must be in a public subnet, one whose route table routes to an internet gateway); the API accepts it",
        operation: "EC2: CreateNatGateway",
        code: "PublicNatGatewayInPrivateSubnet",
        verbatim: false,
        outcome: Outcome::Warn,
        cross: true,
        check: nat_in_private_subnet,
    },
    Constraint {
        id: "vpc.security-group-inline-rules-per-group",
        types: "aws_security_group",
        source: "Amazon VPC user guide, Amazon VPC quotas: Security groups (inbound or outbound rules per security group: 60)",
        operation: "EC2: AuthorizeSecurityGroupIngress",
        code: "RulesPerSecurityGroupLimitExceeded",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: sg_inline_rules,
    },
    Constraint {
        id: "vpc.security-group-ingress-rules-per-group",
        types: "aws_vpc_security_group_ingress_rule",
        source: "Amazon VPC user guide, Amazon VPC quotas: Security groups (inbound rules per security group: 60)",
        operation: "EC2: AuthorizeSecurityGroupIngress",
        code: "RulesPerSecurityGroupLimitExceeded",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: true,
        check: |s| sg_rule_quota(s, "aws_vpc_security_group_ingress_rule", "ingress"),
    },
    Constraint {
        id: "vpc.security-group-egress-rules-per-group",
        types: "aws_vpc_security_group_egress_rule",
        source: "Amazon VPC user guide, Amazon VPC quotas: Security groups (outbound rules per security group: 60)",
        operation: "EC2: AuthorizeSecurityGroupEgress",
        code: "RulesPerSecurityGroupLimitExceeded",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: true,
        check: |s| sg_rule_quota(s, "aws_vpc_security_group_egress_rule", "egress"),
    },
    Constraint {
        id: "eks.node-group-scaling",
        types: "aws_eks_node_group",
        source: "Amazon EKS API reference, NodegroupScalingConfig and NodegroupUpdateConfig; Amazon EKS user guide, Amazon EKS service quotas (nodes per managed node group: 450)",
        operation: "EKS: CreateNodegroup",
        code: "InvalidParameterException",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: eks_scaling,
    },
    Constraint {
        id: "eks.node-group-one-architecture",
        types: "aws_eks_node_group",
        source: "Amazon EKS user guide, Managed node groups: Create a managed node group (instance types of a node group share one architecture)",
        operation: "EKS: CreateNodegroup",
        code: "InvalidParameterException",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: eks_mixed_architectures,
    },
    Constraint {
        id: "eks.node-group-ami-type-architecture",
        types: "aws_eks_node_group",
        source: "Amazon EKS API reference, CreateNodegroup: amiType (the AMI type's architecture must match the instance types)",
        operation: "EKS: CreateNodegroup",
        code: "InvalidParameterException",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: eks_ami_architecture,
    },
    Constraint {
        id: "s3.bucket-name",
        types: "aws_s3_bucket",
        source: "Amazon S3 user guide, General purpose bucket naming rules",
        operation: "S3: CreateBucket",
        code: "InvalidBucketName",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: s3_bucket_name,
    },
    Constraint {
        id: "secretsmanager.rotation-rules",
        types: "aws_secretsmanager_secret_rotation",
        source: "AWS Secrets Manager API reference, RotateSecret and RotationRulesType (AutomaticallyAfterDays 1-1000, ScheduleExpression rate()/cron(), Duration); Secrets Manager user guide, Schedule expressions in Secrets Manager rotation",
        operation: "SecretsManager: RotateSecret",
        code: "InvalidParameterException",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: sm_rotation_rules,
    },
    Constraint {
        id: "iam.policy-size.aws_iam_policy",
        types: "aws_iam_policy",
        source: "IAM user guide, IAM and AWS STS quotas: managed policy size 6,144 characters",
        operation: "IAM: CreatePolicy",
        code: "LimitExceeded",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: |s| iam_size("aws_iam_policy")(s),
    },
    Constraint {
        id: "iam.policy-size.aws_iam_role",
        types: "aws_iam_role",
        source: "IAM user guide, IAM and AWS STS quotas: role trust policy length 2,048 characters (default quota)",
        operation: "IAM: CreateRole",
        code: "LimitExceeded",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: |s| iam_size("aws_iam_role")(s),
    },
    Constraint {
        id: "iam.policy-size.aws_iam_role_policy",
        types: "aws_iam_role_policy",
        source: "IAM user guide, IAM and AWS STS quotas: inline policies of a role 10,240 characters in total",
        operation: "IAM: PutRolePolicy",
        code: "LimitExceeded",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: |s| iam_size("aws_iam_role_policy")(s),
    },
    Constraint {
        id: "logs.retention-in-days",
        types: "aws_cloudwatch_log_group",
        source: "Amazon CloudWatch Logs API reference, PutRetentionPolicy: retentionInDays (the listed values only)",
        operation: "CloudWatchLogs: PutRetentionPolicy",
        code: "InvalidParameterException",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: logs_retention,
    },
    Constraint {
        id: "sns.topic-name",
        types: "aws_sns_topic",
        source: "Amazon SNS API reference, CreateTopic: Name (1-256 letters, digits, hyphens and underscores; FIFO topics end in .fifo)",
        operation: "SNS: CreateTopic",
        code: "InvalidParameter",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: sns_topic_name,
    },
    Constraint {
        id: "rds.subnet-group-two-azs",
        types: "aws_db_subnet_group",
        source: "Amazon RDS user guide, Working with a DB instance in a VPC: Working with DB subnet groups (subnets in at least two Availability Zones)",
        operation: "RDS: CreateDBSubnetGroup",
        code: "DBSubnetGroupDoesNotCoverEnoughAZs",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: true,
        check: rds_subnet_group_azs,
    },
    Constraint {
        id: "rds.parameter-group-name",
        types: "aws_db_parameter_group",
        source: "Amazon RDS API reference, CreateDBParameterGroup: DBParameterGroupName (1-255 letters, digits and hyphens, a letter first, no two hyphens in a row, no hyphen at the end)",
        operation: "RDS: CreateDBParameterGroup",
        code: "InvalidParameterValue",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: rds_parameter_group_name,
    },
    Constraint {
        id: "vpc.cidr-block-size",
        types: "aws_vpc",
        source: "Amazon VPC user guide, VPC CIDR blocks: IPv4 VPC CIDR block sizes (/16 to /28)",
        operation: "EC2: CreateVpc",
        code: "InvalidVpc.Range",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: vpc_cidr_size,
    },
    Constraint {
        id: "vpc.subnet-cidr-block",
        types: "aws_subnet",
        source: "Amazon VPC user guide, Subnet CIDR blocks (/16 to /28, inside the VPC's CIDR block, not overlapping another subnet of the VPC); Amazon EC2 API reference, Error codes: InvalidSubnet.Range, InvalidSubnet.Conflict",
        operation: "EC2: CreateSubnet",
        code: "InvalidSubnet.Range",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: true,
        check: subnet_cidr,
    },
    Constraint {
        id: "lambda.timeout-and-memory",
        types: "aws_lambda_function",
        source: "AWS Lambda API reference, CreateFunction: Timeout (1-900 seconds), MemorySize (128-10240 MB)",
        operation: "Lambda: CreateFunction",
        code: "ValidationException",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: lambda_limits,
    },
    Constraint {
        id: "iam.role-name",
        types: "aws_iam_role",
        source: "IAM API reference, CreateRole: RoleName (1-64 characters of [\\w+=,.@-])",
        operation: "IAM: CreateRole",
        code: "ValidationError",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: iam_role_name,
    },
    Constraint {
        id: "secretsmanager.secret-name-and-recovery-window",
        types: "aws_secretsmanager_secret",
        source: "AWS Secrets Manager API reference, CreateSecret: Name (1-512 ASCII letters, digits and /_+=.@-), DeleteSecret: RecoveryWindowInDays (7-30)",
        operation: "SecretsManager: CreateSecret",
        code: "InvalidParameterException",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: secret_name_and_window,
    },
    Constraint {
        id: "kms.deletion-window",
        types: "aws_kms_key",
        source: "AWS KMS API reference, ScheduleKeyDeletion: PendingWindowInDays (7-30)",
        operation: "KMS: ScheduleKeyDeletion",
        code: "ValidationException",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: kms_deletion_window,
    },
    Constraint {
        id: "kms.key-policy-json",
        types: "aws_kms_key",
        source: "AWS KMS API reference, CreateKey: Policy (a JSON key policy, up to 32 KB); error MalformedPolicyDocumentException",
        operation: "KMS: CreateKey",
        code: "MalformedPolicyDocumentException",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: |s| resource_policy_json(s, "The key policy is not a valid JSON document."),
    },
    Constraint {
        id: "s3.bucket-policy-json",
        types: "aws_s3_bucket_policy",
        source: "Amazon S3 API reference, PutBucketPolicy (a JSON policy document); Amazon S3 error responses: MalformedPolicy",
        operation: "S3: PutBucketPolicy",
        code: "MalformedPolicy",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: |s| {
            resource_policy_json(
                s,
                "Policies must be valid JSON and the first byte must be '{'",
            )
        },
    },
    Constraint {
        id: "sns.topic-policy-json",
        types: "aws_sns_topic_policy",
        source: "Amazon SNS API reference, SetTopicAttributes: Policy (a JSON access policy)",
        operation: "SNS: SetTopicAttributes",
        code: "InvalidParameter",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: |s| {
            resource_policy_json(
                s,
                "Invalid parameter: Policy Error: the policy is not a valid JSON document",
            )
        },
    },
    Constraint {
        id: "vpc.endpoint-service-name",
        types: "aws_vpc_endpoint",
        source: "Amazon VPC user guide (AWS PrivateLink), AWS services that integrate with AWS PrivateLink: service names com.amazonaws.<region>.<service>; Amazon EC2 API reference, Error codes: InvalidServiceName",
        operation: "EC2: CreateVpcEndpoint",
        code: "InvalidServiceName",
        verbatim: true,
        outcome: Outcome::Refuse,
        cross: false,
        check: vpc_endpoint_service_name,
    },
    Constraint {
        id: "eks.cluster-subnets-two-azs",
        types: "aws_eks_cluster",
        source: "Amazon EKS user guide, View Amazon EKS networking requirements for VPC and subnets (subnets in at least two Availability Zones); Amazon EKS API reference, CreateCluster",
        operation: "EKS: CreateCluster",
        code: "InvalidParameterException",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: true,
        check: eks_cluster_subnet_azs,
    },
    Constraint {
        id: "eks.access-entry-kubernetes-groups",
        types: "aws_eks_access_entry",
        source: "Amazon EKS user guide, Create access entries (Kubernetes group names cannot start with system:); Amazon EKS API reference, CreateAccessEntry",
        operation: "EKS: CreateAccessEntry",
        code: "InvalidParameterException",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: eks_access_entry_groups,
    },
    Constraint {
        id: "eks.pod-identity-names",
        types: "aws_eks_pod_identity_association",
        source: "Amazon EKS API reference, CreatePodIdentityAssociation: namespace and serviceAccount (Kubernetes names: a DNS-1123 label and subdomain)",
        operation: "EKS: CreatePodIdentityAssociation",
        code: "InvalidParameterException",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: eks_pod_identity_names,
    },
    Constraint {
        id: "ec2.launch-template-user-data-size",
        types: "aws_launch_template",
        source: "Amazon EC2 user guide, Run commands when you launch an EC2 instance with user data input (user data is limited to 16 KB in raw form, before base64 encoding); Amazon EC2 API reference, RequestLaunchTemplateData: UserData",
        operation: "EC2: CreateLaunchTemplate",
        code: "InvalidUserData.Malformed",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: launch_template_user_data,
    },
    Constraint {
        id: "kms.alias-name",
        types: "aws_kms_alias",
        source: "AWS KMS API reference, CreateAlias: AliasName (alias/ followed by letters, digits, /, _ and -; at most 256 characters; the alias/aws/ prefix is reserved for AWS managed keys)",
        operation: "KMS: CreateAlias",
        code: "InvalidAliasNameException",
        verbatim: false,
        outcome: Outcome::Refuse,
        cross: false,
        check: kms_alias_name,
    },
];

/// Every row: [`ROWS`] and the IAM document rows of each policy-carrying type.
pub(crate) fn table() -> impl Iterator<Item = &'static Constraint> {
    static IAM: [&[Constraint]; 3] = [&IAM_POLICY, &IAM_ROLE, &IAM_ROLE_POLICY];
    ROWS.iter().chain(IAM.iter().flat_map(|rows| rows.iter()))
}

/// The rows that apply to `type_name`.
pub(crate) fn rows_for(type_name: &str) -> impl Iterator<Item = &'static Constraint> + '_ {
    table().filter(move |c| matches(c.types, type_name))
}

/// The diagnostics of every row of `type_name` that `value` breaks at `phase`.
pub(crate) fn evaluate(
    type_name: &str,
    value: &Value,
    config: &Value,
    world: &World,
    phase: Phase,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let subject = Subject {
        value,
        config,
        world,
    };
    for c in rows_for(type_name) {
        if c.cross && phase == Phase::Plan {
            continue;
        }
        let Some(violation) = (c.check)(&subject) else {
            continue;
        };
        diags.push(diagnostic(c, type_name, phase, violation));
    }
    diags
}

fn diagnostic(c: &Constraint, type_name: &str, phase: Phase, v: Violation) -> Diagnostic {
    let how = if c.verbatim {
        "AWS's message"
    } else {
        "message in AWS's shape"
    };
    let detail = format!(
        "aws stand-in constraint {} ({how}); source: {}.",
        c.id, c.source
    );
    match c.outcome {
        Outcome::Refuse => {
            let action = match phase {
                Phase::Plan => "planning",
                Phase::Apply => "creating",
            };
            Diagnostic::error(
                format!(
                    "{action} {type_name}: operation error {}, https response error StatusCode: 400, api error {}: {}",
                    c.operation, c.code, v.message
                ),
                detail,
            )
            .at(v.path)
        }
        Outcome::Warn => Diagnostic::warning(
            format!("{type_name}: {} ({}): {}", c.operation, c.code, v.message),
            detail,
        )
        .at(v.path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A Terraform value from JSON (objects, lists, strings, numbers, bools, null).
    fn tv(j: serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => {
                Value::Number(tfplugin::Number::parse(&n.to_string()).expect("number"))
            }
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::List(a.into_iter().map(tv).collect()),
            serde_json::Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, v)| (k, tv(v))).collect())
            }
        }
    }

    fn world(records: &[(&str, serde_json::Value)]) -> World {
        let mut w = World::default();
        for (ty, j) in records {
            w.record(ty, &tv(j.clone()));
        }
        w
    }

    /// The errors (and warnings) of `ty` configured as `cfg`, at apply, with `w`.
    fn run(ty: &str, cfg: serde_json::Value, w: &World) -> Vec<String> {
        {
            let v = tv(cfg);
            evaluate(ty, &v, &v, w, Phase::Apply)
        }
        .into_iter()
        .map(|d| format!("{} | {}", d.summary, d.detail))
        .collect()
    }

    fn one(ty: &str, cfg: serde_json::Value, w: &World, row: &str, text: &str) {
        let got = run(ty, cfg, w);
        assert!(
            got.iter().any(|d| d.contains(row) && d.contains(text)),
            "{ty}: want {row} with {text:?}, got {got:#?}"
        );
    }

    fn none(ty: &str, cfg: serde_json::Value, w: &World) {
        let got = run(ty, cfg, w);
        assert!(got.is_empty(), "{ty}: want nothing, got {got:#?}");
    }

    #[test]
    fn every_row_is_documented_and_named_once() {
        let mut ids = std::collections::BTreeSet::new();
        for c in table() {
            assert!(ids.insert(c.id), "duplicate id {}", c.id);
            assert!(c.source.len() > 20, "{} has no source", c.id);
            assert!(c.operation.contains(": "), "{}: operation", c.id);
            assert!(!c.code.is_empty(), "{}: code", c.id);
        }
    }

    #[test]
    fn rds_read_replica_of_a_managed_password_source() {
        let w = world(&[(
            "aws_db_instance",
            json!({"id": "db-1", "identifier": "meta", "engine": "mysql", "manage_master_user_password": true}),
        )]);
        let replica = json!({"identifier": "meta-r", "replicate_source_db": "meta"});
        one(
            "aws_db_instance",
            replica.clone(),
            &w,
            "rds.replica-of-managed-password-source",
            "api error InvalidParameterValue: Creating read replicas for source instance with engine mysql where ManageMasterUserPassword is enabled is not supported.",
        );
        // Not refused at plan (the source is another resource), nor without the flag.
        assert!(
            evaluate(
                "aws_db_instance",
                &tv(replica.clone()),
                &tv(replica.clone()),
                &w,
                Phase::Plan
            )
            .is_empty()
        );
        let plain = world(&[(
            "aws_db_instance",
            json!({"id": "db-1", "identifier": "meta", "engine": "mysql", "manage_master_user_password": false}),
        )]);
        none("aws_db_instance", replica, &plain);
    }

    #[test]
    fn rds_replica_settings_it_inherits() {
        let w = World::default();
        one(
            "aws_db_instance",
            json!({"replicate_source_db": "meta", "manage_master_user_password": true}),
            &w,
            "rds.replica-managed-password",
            "InvalidParameterValue: ManageMasterUserPassword isn't supported for read replica",
        );
        for (attr, param) in [("username", "MasterUsername"), ("db_name", "DBName")] {
            one(
                "aws_db_instance",
                json!({"replicate_source_db": "meta", attr: "x", "engine": "mysql"}),
                &w,
                "rds.replica-inherits-master-user-and-db-name",
                &format!("InvalidParameterCombination: The parameter {param} is not valid"),
            );
        }
        none(
            "aws_db_instance",
            json!({"replicate_source_db": "meta", "db_name": "x", "engine": "oracle-ee"}),
            &w,
        );
        none(
            "aws_db_instance",
            json!({"identifier": "meta", "db_name": "x", "username": "admin", "manage_master_user_password": true}),
            &w,
        );
    }

    #[test]
    fn rds_multi_az_with_an_availability_zone() {
        let w = World::default();
        one(
            "aws_db_instance",
            json!({"multi_az": true, "availability_zone": "eu-west-1a"}),
            &w,
            "rds.multi-az-with-availability-zone",
            "api error InvalidParameterCombination: Requesting a specific availability zone is not valid for Multi-AZ instances.",
        );
        none("aws_db_instance", json!({"multi_az": true}), &w);
        // The zone RDS placed a Multi-AZ primary in (planned from state) is not a request for one.
        let planned =
            tv(json!({"multi_az": true, "availability_zone": "eu-west-1a", "username": "admin"}));
        let config = tv(json!({"multi_az": true}));
        assert!(evaluate("aws_db_instance", &planned, &config, &w, Phase::Plan).is_empty());
        none(
            "aws_db_instance",
            json!({"multi_az": false, "availability_zone": "eu-west-1a"}),
            &w,
        );
    }

    #[test]
    fn rds_enhanced_monitoring_needs_a_role() {
        let w = World::default();
        one(
            "aws_db_instance",
            json!({"monitoring_interval": 60}),
            &w,
            "rds.enhanced-monitoring-role",
            "api error InvalidParameterCombination: A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.",
        );
        one(
            "aws_db_instance",
            json!({"monitoring_interval": 20, "monitoring_role_arn": "arn:aws:iam::123456789012:role/m"}),
            &w,
            "rds.enhanced-monitoring-role",
            "Invalid value 20 for MonitoringInterval",
        );
        none("aws_db_instance", json!({"monitoring_interval": 0}), &w);
        none(
            "aws_db_instance",
            json!({"monitoring_interval": 60, "monitoring_role_arn": "arn:aws:iam::123456789012:role/m"}),
            &w,
        );
        // A role created in the same apply is unknown at plan: not a violation.
        let mut cfg = tv(json!({"monitoring_interval": 60}));
        cfg.set(&AttrPath::attribute("monitoring_role_arn"), Value::Unknown);
        assert!(evaluate("aws_db_instance", &cfg, &cfg, &w, Phase::Plan).is_empty());
    }

    #[test]
    fn nat_gateway_needs_an_internet_gateway_and_a_public_subnet() {
        let base = [
            ("aws_subnet", json!({"id": "subnet-1", "vpc_id": "vpc-1"})),
            ("aws_route_table", json!({"id": "rtb-1", "route": []})),
            (
                "aws_route_table_association",
                json!({"id": "rtbassoc-1", "subnet_id": "subnet-1", "route_table_id": "rtb-1"}),
            ),
        ];
        let nat = json!({"subnet_id": "subnet-1", "connectivity_type": "public"});
        let w = world(&base);
        one(
            "aws_nat_gateway",
            nat.clone(),
            &w,
            "vpc.nat-gateway-needs-internet-gateway",
            "api error Gateway.NotAttached: Network vpc-1 has no Internet gateway attached",
        );
        let mut with_igw = base.to_vec();
        with_igw.push((
            "aws_internet_gateway",
            json!({"id": "igw-1", "vpc_id": "vpc-1"}),
        ));
        let w = world(&with_igw);
        let got = run("aws_nat_gateway", nat.clone(), &w);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert!(
            got[0].contains("vpc.nat-gateway-in-public-subnet"),
            "{got:#?}"
        );
        let d = evaluate(
            "aws_nat_gateway",
            &tv(nat.clone()),
            &tv(nat.clone()),
            &w,
            Phase::Apply,
        );
        assert!(
            !d.has_errors(),
            "a NAT gateway in a private subnet is a warning: AWS accepts it"
        );

        with_igw.push((
            "aws_route",
            json!({"id": "r-1", "route_table_id": "rtb-1", "gateway_id": "igw-1", "destination_cidr_block": "0.0.0.0/0"}),
        ));
        none("aws_nat_gateway", nat.clone(), &world(&with_igw));
        // Private NAT gateways need neither.
        none(
            "aws_nat_gateway",
            json!({"subnet_id": "subnet-1", "connectivity_type": "private"}),
            &world(&base),
        );
        // A subnet the stand-in has not seen is not a violation.
        none(
            "aws_nat_gateway",
            json!({"subnet_id": "subnet-9"}),
            &World::default(),
        );
    }

    #[test]
    fn security_group_rules_per_group() {
        let mut recs = vec![("aws_security_group", json!({"id": "sg-1", "ingress": []}))];
        for i in 0..60 {
            recs.push((
                "aws_vpc_security_group_ingress_rule",
                json!({"id": format!("sgr-{i}"), "security_group_id": "sg-1", "cidr_ipv4": "10.0.0.0/8"}),
            ));
        }
        let w = world(&recs);
        let rule = json!({"security_group_id": "sg-1", "cidr_ipv4": "10.1.0.0/16"});
        one(
            "aws_vpc_security_group_ingress_rule",
            rule.clone(),
            &w,
            "vpc.security-group-ingress-rules-per-group",
            "RulesPerSecurityGroupLimitExceeded: The maximum number of rules per security group has been reached.",
        );
        // The outbound quota is separate, and IPv6 rules are counted apart.
        none("aws_vpc_security_group_egress_rule", rule, &w);
        none(
            "aws_vpc_security_group_ingress_rule",
            json!({"security_group_id": "sg-1", "cidr_ipv6": "::/0"}),
            &w,
        );
        let cidrs: Vec<String> = (0..61).map(|i| format!("10.{i}.0.0/16")).collect();
        one(
            "aws_security_group",
            json!({"ingress": [{"cidr_blocks": cidrs}]}),
            &World::default(),
            "vpc.security-group-inline-rules-per-group",
            "RulesPerSecurityGroupLimitExceeded",
        );
    }

    #[test]
    fn node_group_scaling() {
        let w = World::default();
        let ng = |min: i64, desired: i64, max: i64| json!({"instance_types": ["m5.large"], "scaling_config": [{"min_size": min, "desired_size": desired, "max_size": max}]});
        let cases = [
            (
                ng(2, 1, 10),
                "InvalidParameterException: minSize can't be greater than desiredSize",
            ),
            (
                ng(0, 11, 10),
                "InvalidParameterException: desiredSize can't be greater than maxSize",
            ),
            (ng(0, 0, 0), "maxSize must be at least 1"),
            (ng(0, 0, 451), "maxSize can't be greater than 450"),
            (ng(5, 5, 4), "minSize can't be greater than maxSize"),
        ];
        for (cfg, text) in cases {
            one(
                "aws_eks_node_group",
                cfg,
                &w,
                "eks.node-group-scaling",
                text,
            );
        }
        none("aws_eks_node_group", ng(0, 0, 50), &w);
        none("aws_eks_node_group", ng(2, 2, 10), &w);
        one(
            "aws_eks_node_group",
            json!({"scaling_config": [{"min_size": 0, "desired_size": 0, "max_size": 2}], "update_config": [{"max_unavailable": 3}]}),
            &w,
            "eks.node-group-scaling",
            "max-unavailable must be within the range 1 and max size of the node group",
        );
    }

    #[test]
    fn node_group_architectures() {
        for (t, arch) in [
            ("m5.large", "x86_64"),
            ("c5.xlarge", "x86_64"),
            ("r5.large", "x86_64"),
            ("g4dn.xlarge", "x86_64"),
            ("m6g.large", "arm64"),
            ("c7gn.large", "arm64"),
            ("r8g.12xlarge", "arm64"),
            ("t4g.medium", "arm64"),
            ("g5g.xlarge", "arm64"),
            ("a1.large", "arm64"),
            ("m7i-flex.large", "x86_64"),
        ] {
            assert_eq!(architecture(t), arch, "{t}");
        }
        let w = World::default();
        one(
            "aws_eks_node_group",
            json!({"instance_types": ["m5.large", "m6g.large"]}),
            &w,
            "eks.node-group-one-architecture",
            "InvalidParameterException: Instance types m5.large (x86_64) and m6g.large (arm64) have different architectures",
        );
        one(
            "aws_eks_node_group",
            json!({"ami_type": "AL2023_x86_64_STANDARD", "instance_types": ["t4g.medium"]}),
            &w,
            "eks.node-group-ami-type-architecture",
            "InvalidParameterException: [t4g.medium] is not a valid instance type for requested amiType AL2023_x86_64_STANDARD",
        );
        none(
            "aws_eks_node_group",
            json!({"ami_type": "AL2023_ARM_64_STANDARD", "instance_types": ["m6g.large", "c7g.xlarge"]}),
            &w,
        );
        none(
            "aws_eks_node_group",
            json!({"instance_types": ["m5.large", "c5.xlarge", "r5.large"]}),
            &w,
        );
    }

    #[test]
    fn bucket_names() {
        let bad = [
            "ab",
            "Logs",
            "logs_raw",
            "-logs",
            "logs-",
            "logs..raw",
            "192.168.5.4",
            "xn--logs",
            "sthree-logs",
            "amzn-s3-demo-logs",
            "logs-s3alias",
            "logs--ol-s3",
            "logs.mrap",
            "logs--x-s3",
            "logs--table-s3",
        ];
        for name in bad {
            assert!(
                bucket_name_problem(name).is_some(),
                "{name} should be refused"
            );
        }
        let long = "a".repeat(64);
        assert!(bucket_name_problem(&long).is_some());
        for name in [
            "logexaminer-raw-logs-example",
            "a.b-c",
            "abc",
            &"a".repeat(63),
        ] {
            assert_eq!(bucket_name_problem(name), None, "{name}");
        }
        one(
            "aws_s3_bucket",
            json!({"bucket": "Raw_Logs"}),
            &World::default(),
            "s3.bucket-name",
            "api error InvalidBucketName: The specified bucket is not valid.",
        );
    }

    #[test]
    fn rotation_rules() {
        let w = World::default();
        let rr = |j: serde_json::Value| json!({"rotation_rules": [j]});
        let cases = [
            (
                json!({"automatically_after_days": 0}),
                "Member must have value greater than or equal to 1",
            ),
            (
                json!({"automatically_after_days": 1001}),
                "Member must have value less than or equal to 1000",
            ),
            (
                json!({"automatically_after_days": 30, "schedule_expression": "rate(30 days)"}),
                "You cannot specify both rotation frequency and schedule expression together.",
            ),
            (
                json!({"schedule_expression": "rate(2 hours)"}),
                "between 4 and 23 hours",
            ),
            (
                json!({"schedule_expression": "rate(1001 days)"}),
                "between 1 and 1000 days",
            ),
            (
                json!({"schedule_expression": "cron(0 4 * * ? )"}),
                "6 fields",
            ),
            (
                json!({"schedule_expression": "cron(0 4 * * MON *)"}),
                "must be ?",
            ),
            (
                json!({"schedule_expression": "every day"}),
                "use rate(...) or cron(...)",
            ),
            (
                json!({"schedule_expression": "rate(7 days)", "duration": "25h"}),
                "use 1h to 24h",
            ),
            (
                json!({"schedule_expression": "rate(7 days)", "duration": "90m"}),
                "use 1h to 24h",
            ),
        ];
        for (cfg, text) in cases {
            one(
                "aws_secretsmanager_secret_rotation",
                rr(cfg),
                &w,
                "secretsmanager.rotation-rules",
                text,
            );
        }
        for ok in [
            json!({"automatically_after_days": 30}),
            json!({"automatically_after_days": 1000}),
            json!({"schedule_expression": "rate(4 hours)"}),
            json!({"schedule_expression": "rate(10 days)", "duration": "3h"}),
            json!({"schedule_expression": "cron(0 16 1,15 * ? *)"}),
        ] {
            none("aws_secretsmanager_secret_rotation", rr(ok), &w);
        }
    }

    #[test]
    fn iam_policy_documents() {
        let w = World::default();
        one(
            "aws_iam_policy",
            json!({"policy": "{\"Version\": \"2012-10-17\", "}),
            &w,
            "iam.policy-json.aws_iam_policy",
            "api error MalformedPolicyDocument: Syntax errors in policy.",
        );
        let big = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": (0..400).map(|i| format!("arn:aws:s3:::bucket-{i}/*")).collect::<Vec<_>>()}]});
        one(
            "aws_iam_policy",
            json!({"policy": big.to_string()}),
            &w,
            "iam.policy-size.aws_iam_policy",
            "api error LimitExceeded: Cannot exceed quota for PolicySize: 6144",
        );
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": (0..100).map(|i| format!("arn:aws:iam::123456789012:role/r{i}")).collect::<Vec<_>>()}}]});
        one(
            "aws_iam_role",
            json!({"assume_role_policy": trust.to_string()}),
            &w,
            "iam.policy-size.aws_iam_role",
            "Cannot exceed quota for ACLSizePerRole: 2048",
        );
        let doc = |action: &str| json!({"policy": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [action], "Resource": "*"}]}).to_string()});
        one(
            "aws_iam_role_policy",
            doc("GetObject"),
            &w,
            "iam.action-vendor.aws_iam_role_policy",
            "MalformedPolicyDocument: Actions/Conditions must be prefaced by a vendor",
        );
        one(
            "aws_iam_role_policy",
            doc("s3:GetObjekt"),
            &w,
            "iam.action-exists.aws_iam_role_policy",
            "the action s3:GetObjekt does not exist",
        );
        one(
            "aws_iam_role_policy",
            doc("s4:GetObject"),
            &w,
            "iam.action-exists.aws_iam_role_policy",
            "the action s4:GetObject does not exist",
        );
        let typo = tv(doc("s3:GetObjekt"));
        let warn = evaluate("aws_iam_role_policy", &typo, &typo, &w, Phase::Plan);
        assert!(
            !warn.is_empty() && !warn.has_errors(),
            "unknown actions are warnings: IAM accepts them"
        );
        for ok in [
            "s3:GetObject",
            "s3:Get*",
            "secretsmanager:*",
            "iam:PassRole",
            "*",
        ] {
            none("aws_iam_role_policy", doc(ok), &w);
        }
    }

    #[test]
    fn unknown_values_are_not_violations_at_plan() {
        let mut cfg = Value::Object(Default::default());
        cfg.set(&AttrPath::attribute("bucket"), Value::Unknown);
        assert!(evaluate("aws_s3_bucket", &cfg, &cfg, &World::default(), Phase::Plan).is_empty());
    }

    /// The `aws_*` resource types declared in the repository's `modules/` and `examples/`.
    fn used_types() -> std::collections::BTreeSet<String> {
        fn walk(dir: &std::path::Path, out: &mut std::collections::BTreeSet<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                panic!("reading {}", dir.display());
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    if !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    {
                        walk(&p, out);
                    }
                } else if p.extension().is_some_and(|x| x == "tf") {
                    let text = std::fs::read_to_string(&p).expect("reading a .tf file");
                    for line in text.lines() {
                        let Some(rest) = line.trim_start().strip_prefix("resource \"") else {
                            continue;
                        };
                        if let Some(ty) = rest.split('"').next().filter(|t| t.starts_with("aws_")) {
                            out.insert(ty.to_string());
                        }
                    }
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut out = std::collections::BTreeSet::new();
        walk(&root.join("modules"), &mut out);
        walk(&root.join("examples"), &mut out);
        out
    }

    /// Prints the resource types our modules use that have no constraint row yet, and checks
    /// the list against the table: covered and uncovered split the used types exactly.
    #[test]
    fn resource_types_without_constraint_rows() {
        let used = used_types();
        assert!(
            used.contains("aws_db_instance"),
            "modules/ not found: {used:?}"
        );
        let covered: std::collections::BTreeSet<String> = used
            .iter()
            .filter(|t| rows_for(t).next().is_some())
            .cloned()
            .collect();
        let uncovered: Vec<&String> = used.difference(&covered).collect();
        println!(
            "resource types used in modules/ and examples/ with no constraint row yet ({} of {}):",
            uncovered.len(),
            used.len()
        );
        for t in &uncovered {
            println!("  {t}");
        }
        for t in &uncovered {
            assert!(rows_for(t).next().is_none(), "{t} is listed but has rows");
        }
        assert_eq!(covered.len() + uncovered.len(), used.len());
        for must in [
            "aws_db_instance",
            "aws_nat_gateway",
            "aws_eks_node_group",
            "aws_s3_bucket",
            "aws_security_group",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
            "aws_iam_role",
            "aws_iam_role_policy",
        ] {
            assert!(covered.contains(must), "{must} must have constraint rows");
        }
        // Every row's type is a real resource type of hashicorp/aws we use or may use: the
        // patterns are plain names.
        for c in table() {
            assert!(
                c.types.starts_with("aws_") && !c.types.contains('*'),
                "{}: {}",
                c.id,
                c.types
            );
        }
    }

    #[test]
    fn log_retention_topic_names_and_parameter_group_names() {
        let w = World::default();
        one(
            "aws_cloudwatch_log_group",
            json!({"retention_in_days": 10}),
            &w,
            "logs.retention-in-days",
            "InvalidParameterException: 1 validation error detected: Value '10' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14,",
        );
        none(
            "aws_cloudwatch_log_group",
            json!({"retention_in_days": 14}),
            &w,
        );
        none(
            "aws_cloudwatch_log_group",
            json!({"retention_in_days": 0}),
            &w,
        );
        for bad in [
            json!({"name": "rotation notices"}),
            json!({"name": "x.fifo"}),
            json!({"name": "x", "fifo_topic": true}),
        ] {
            one(
                "aws_sns_topic",
                bad,
                &w,
                "sns.topic-name",
                "InvalidParameter: Invalid parameter: Topic Name",
            );
        }
        none(
            "aws_sns_topic",
            json!({"name": "logexaminer-rotation_notices"}),
            &w,
        );
        none(
            "aws_sns_topic",
            json!({"name": "events.fifo", "fifo_topic": true}),
            &w,
        );
        for bad in ["1metastore", "meta--store", "metastore-", "meta_store"] {
            one(
                "aws_db_parameter_group",
                json!({"name": bad}),
                &w,
                "rds.parameter-group-name",
                "InvalidParameterValue: The parameter DBParameterGroupName is not a valid identifier.",
            );
        }
        none(
            "aws_db_parameter_group",
            json!({"name": "logexaminer-metastore-mysql8-0"}),
            &w,
        );
    }

    /// Subnets `subnet-a` and `subnet-a2` in eu-west-1a, `subnet-b` in eu-west-1b.
    fn two_zone_subnets() -> World {
        world(&[
            (
                "aws_subnet",
                json!({"id": "subnet-a", "availability_zone": "eu-west-1a"}),
            ),
            (
                "aws_subnet",
                json!({"id": "subnet-a2", "availability_zone": "eu-west-1a"}),
            ),
            (
                "aws_subnet",
                json!({"id": "subnet-b", "availability_zone": "eu-west-1b"}),
            ),
        ])
    }

    #[test]
    fn eks_cluster_subnets_cover_two_zones() {
        let w = two_zone_subnets();
        one(
            "aws_eks_cluster",
            json!({"vpc_config": [{"subnet_ids": ["subnet-a", "subnet-a2"]}]}),
            &w,
            "eks.cluster-subnets-two-azs",
            "InvalidParameterException: Subnets specified must be in at least two different AZs",
        );
        none(
            "aws_eks_cluster",
            json!({"vpc_config": [{"subnet_ids": ["subnet-a", "subnet-b"]}]}),
            &w,
        );
        none(
            "aws_eks_cluster",
            json!({"vpc_config": [{"subnet_ids": ["subnet-a", "subnet-z"]}]}),
            &w,
        );
    }

    #[test]
    fn eks_access_entries_and_pod_identities_use_kubernetes_names() {
        let w = World::default();
        one(
            "aws_eks_access_entry",
            json!({"kubernetes_groups": ["viewers", "system:masters"]}),
            &w,
            "eks.access-entry-kubernetes-groups",
            "system:masters is invalid",
        );
        none(
            "aws_eks_access_entry",
            json!({"kubernetes_groups": ["viewers"]}),
            &w,
        );
        one(
            "aws_eks_pod_identity_association",
            json!({"namespace": "Spark", "service_account": "spark"}),
            &w,
            "eks.pod-identity-names",
            "Namespace Spark",
        );
        one(
            "aws_eks_pod_identity_association",
            json!({"namespace": "spark", "service_account": "spark..exec"}),
            &w,
            "eks.pod-identity-names",
            "Service account spark..exec",
        );
        none(
            "aws_eks_pod_identity_association",
            json!({"namespace": "kube-system", "service_account": "cluster-autoscaler"}),
            &w,
        );
    }

    #[test]
    fn launch_template_user_data_is_at_most_16_kb() {
        let w = World::default();
        assert_eq!(base64_decoded_len("YWJj"), 3);
        assert_eq!(base64_decoded_len("YWI="), 2);
        assert_eq!(base64_decoded_len("YQ=="), 1);
        let big = "A".repeat(16 * 1024 / 3 * 4 + 8);
        one(
            "aws_launch_template",
            json!({"user_data": big}),
            &w,
            "ec2.launch-template-user-data-size",
            "User data is limited to 16384 bytes",
        );
        none(
            "aws_launch_template",
            json!({"user_data": "A".repeat(16 * 1024 / 3 * 4)}),
            &w,
        );
    }

    #[test]
    fn kms_alias_names() {
        let w = World::default();
        one(
            "aws_kms_alias",
            json!({"name": "logexaminer-eks"}),
            &w,
            "kms.alias-name",
            "must begin with alias/",
        );
        one(
            "aws_kms_alias",
            json!({"name": "alias/aws/eks"}),
            &w,
            "kms.alias-name",
            "reserved prefix alias/aws/",
        );
        one(
            "aws_kms_alias",
            json!({"name": "alias/logexaminer eks"}),
            &w,
            "kms.alias-name",
            "must begin with alias/",
        );
        none(
            "aws_kms_alias",
            json!({"name": "alias/logexaminer/eks-secrets"}),
            &w,
        );
    }

    #[test]
    fn subnet_groups_cover_two_zones() {
        let w = two_zone_subnets();
        one(
            "aws_db_subnet_group",
            json!({"subnet_ids": ["subnet-a", "subnet-a2"]}),
            &w,
            "rds.subnet-group-two-azs",
            "DBSubnetGroupDoesNotCoverEnoughAZs: The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: eu-west-1a.",
        );
        none(
            "aws_db_subnet_group",
            json!({"subnet_ids": ["subnet-a", "subnet-b"]}),
            &w,
        );
        // A subnet the stand-in has not seen: no judgement.
        none(
            "aws_db_subnet_group",
            json!({"subnet_ids": ["subnet-a", "subnet-z"]}),
            &w,
        );
    }

    #[test]
    fn vpc_and_subnet_cidr_blocks() {
        assert_eq!(parse_cidr("10.0.0.0/16"), Some((0x0A00_0000, 16)));
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
        assert_eq!(parse_cidr("10.0.0/16"), None);
        let w = World::default();
        for bad in ["10.0.0.0/8", "10.0.0.0/29", "10.0.0/16"] {
            one(
                "aws_vpc",
                json!({"cidr_block": bad}),
                &w,
                "vpc.cidr-block-size",
                &format!("InvalidVpc.Range: The CIDR '{bad}' is invalid."),
            );
        }
        none("aws_vpc", json!({"cidr_block": "10.0.0.0/16"}), &w);
        let w = world(&[
            (
                "aws_vpc",
                json!({"id": "vpc-1", "cidr_block": "10.0.0.0/16"}),
            ),
            (
                "aws_subnet",
                json!({"id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.0.0.0/20"}),
            ),
        ]);
        one(
            "aws_subnet",
            json!({"vpc_id": "vpc-1", "cidr_block": "10.1.0.0/24"}),
            &w,
            "vpc.subnet-cidr-block",
            "The CIDR '10.1.0.0/24' is invalid.",
        );
        one(
            "aws_subnet",
            json!({"vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"}),
            &w,
            "vpc.subnet-cidr-block",
            "The CIDR '10.0.1.0/24' conflicts with another subnet",
        );
        none(
            "aws_subnet",
            json!({"vpc_id": "vpc-1", "cidr_block": "10.0.16.0/20"}),
            &w,
        );
        // The subnet itself (an update, or a refresh) is not its own conflict.
        let me = tv(json!({"id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.0.0.0/20"}));
        assert!(evaluate("aws_subnet", &me, &me, &w, Phase::Apply).is_empty());
    }

    #[test]
    fn lambda_limits_and_role_names() {
        let w = World::default();
        one(
            "aws_lambda_function",
            json!({"timeout": 901}),
            &w,
            "lambda.timeout-and-memory",
            "ValidationException: 1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
        );
        one(
            "aws_lambda_function",
            json!({"memory_size": 64}),
            &w,
            "lambda.timeout-and-memory",
            "Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
        );
        none(
            "aws_lambda_function",
            json!({"timeout": 60, "memory_size": 256}),
            &w,
        );
        one(
            "aws_iam_role",
            json!({"name": "r".repeat(65)}),
            &w,
            "iam.role-name",
            "at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
        );
        one(
            "aws_iam_role",
            json!({"name": "spark executors"}),
            &w,
            "iam.role-name",
            "Member must satisfy regular expression pattern",
        );
        none("aws_iam_role", json!({"name": "logexaminer-spark@eks"}), &w);
    }

    #[test]
    fn secrets_keys_policies_and_endpoints() {
        let w = World::default();
        one(
            "aws_secretsmanager_secret",
            json!({"name": "meta store/master"}),
            &w,
            "secretsmanager.secret-name-and-recovery-window",
            "InvalidParameterException: Invalid name.",
        );
        one(
            "aws_secretsmanager_secret",
            json!({"name": "m", "recovery_window_in_days": 3}),
            &w,
            "secretsmanager.secret-name-and-recovery-window",
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        );
        none(
            "aws_secretsmanager_secret",
            json!({"name": "logexaminer-metastore/master", "recovery_window_in_days": 0}),
            &w,
        );
        one(
            "aws_kms_key",
            json!({"deletion_window_in_days": 31}),
            &w,
            "kms.deletion-window",
            "Value '31' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30",
        );
        none("aws_kms_key", json!({"deletion_window_in_days": 7}), &w);
        one(
            "aws_kms_key",
            json!({"policy": "[]"}),
            &w,
            "kms.key-policy-json",
            "MalformedPolicyDocumentException",
        );
        one(
            "aws_s3_bucket_policy",
            json!({"policy": "Version: 2012-10-17"}),
            &w,
            "s3.bucket-policy-json",
            "api error MalformedPolicy: Policies must be valid JSON and the first byte must be '{'",
        );
        none(
            "aws_s3_bucket_policy",
            json!({"policy": "{\"Version\": \"2012-10-17\", \"Statement\": []}"}),
            &w,
        );
        one(
            "aws_sns_topic_policy",
            json!({"policy": "{"}),
            &w,
            "sns.topic-policy-json",
            "InvalidParameter: Invalid parameter: Policy Error",
        );
        for bad in [
            "secretsmanager",
            "com.amazonaws.secretsmanager",
            "com.amazon.eu-west-1.s3",
        ] {
            one(
                "aws_vpc_endpoint",
                json!({"service_name": bad}),
                &w,
                "vpc.endpoint-service-name",
                &format!("InvalidServiceName: The Vpc Endpoint Service '{bad}' does not exist"),
            );
        }
        for ok in [
            "com.amazonaws.eu-west-1.secretsmanager",
            "com.amazonaws.eu-west-1.ecr.dkr",
            "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
        ] {
            none("aws_vpc_endpoint", json!({"service_name": ok}), &w);
        }
    }
}
