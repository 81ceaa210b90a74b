# The Spark executors' node group follows a raised min_size in one apply, and plans stay empty while the
# cluster autoscaler changes its size (no ignore_changes on desired_size).
data "logexaminer_eks_node_group_scaling" "this" {
  cluster_name = "logexaminer"

  node_groups = {
    spark = {
      name         = null
      name_prefix  = "logexaminer-spark-executor-"
      min_size     = 4
      max_size     = 50
      desired_size = 4
    }
  }
}

resource "aws_eks_node_group" "spark" {
  cluster_name           = "logexaminer"
  node_group_name_prefix = "logexaminer-spark-executor-"
  node_role_arn          = "arn:aws:iam::111122223333:role/logexaminer-eks-node"
  subnet_ids             = ["subnet-0a000000000000001", "subnet-0b000000000000002"]
  capacity_type          = "SPOT"
  instance_types         = ["m5.large", "c5.xlarge", "r5.large"]

  scaling_config {
    min_size     = 4
    max_size     = 50
    desired_size = data.logexaminer_eks_node_group_scaling.this.desired_sizes["spark"]
  }
}
