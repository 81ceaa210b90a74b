//! EKS: `logexaminer_eks_node_group_scaling`, the desired size a managed node group should be given so
//! that it follows a raised `min_size` (or a lowered `max_size`) while the cluster autoscaler owns it.
//!
//! - [`scaling_rules`]: pure rules (which node group a name or prefix means, the size to configure);
//! - [`node_group_scaling`]: the data source (schema beside the EKS calls).

pub mod node_group_scaling;
pub mod scaling_rules;
