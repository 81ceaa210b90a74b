output "node_groups" {
  description = "The node groups keyed by `<group>` or `<group>-<zone>`: ARN, ID, name, status and Auto Scaling group names."
  value = {
    for k, ng in aws_eks_node_group.this : k => {
      arn                     = ng.arn
      id                      = ng.id
      node_group_name         = ng.node_group_name
      status                  = ng.status
      autoscaling_group_names = try(flatten([for r in ng.resources : [for a in r.autoscaling_groups : a.name]]), [])
      capacity_type           = ng.capacity_type
      availability_zone       = local.node_groups[k].az
    }
  }
}

output "node_group_arns" {
  description = "ARNs of the node groups keyed like `node_groups`."
  value       = { for k, ng in aws_eks_node_group.this : k => ng.arn }
}

output "autoscaler_tags" {
  description = "Cluster-autoscaler tags put on each node group's Auto Scaling group, keyed like `node_groups`."
  value       = local.create && var.create_autoscaler_tags ? local.autoscaler_tags : {}
}

output "launch_template_ids" {
  description = "IDs of the launch templates keyed by `node_groups` key."
  value       = { for k, lt in aws_launch_template.this : k => lt.id }
}

output "iam_role_arn" {
  description = "ARN of the node IAM role (created or given)."
  value       = local.create ? local.node_role_arn : null
}

output "iam_role_name" {
  description = "Name of the created node IAM role."
  value       = try(aws_iam_role.this[0].name, null)
}

output "node_security_group_id" {
  description = "ID of the node security group the module created (null unless `create_node_security_group`)."
  value       = try(aws_security_group.node[0].id, null)
}
