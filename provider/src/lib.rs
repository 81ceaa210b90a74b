//! The LogExaminer Terraform provider: what the stock hashicorp/aws provider lacks
//! for running LogExaminer (Hive Metastore on RDS, raw logs in S3, Spark on EKS).
//!
//! One folder per service, one file per resource (schema beside CRUD), pure rules
//! in files of their own:
//! - [`db`]: `logexaminer_db_user` and `logexaminer_db_credentials` (metastore users, secrets);
//! - [`eks`]: `logexaminer_eks_node_group_scaling` (node group sizes that follow their bounds);
//! - [`rds`]: `logexaminer_db_parameter_profile` (validated RDS parameter profiles);
//! - [`s3`]: `logexaminer_s3_tier_policy` and `logexaminer_s3_tier_cost`;
//! - [`secretsmanager`]: `logexaminer_secret_rotation` and `logexaminer_rotation_function_package`;
//! - [`config`]: provider configuration and lazily built AWS clients;
//! - [`errors`]: the one place that turns failures into diagnostics.

pub mod config;
pub mod db;
pub mod eks;
pub mod errors;
pub mod rds;
pub mod s3;
pub mod secretsmanager;

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::provider::{DynDataSource, DynEphemeral, DynResource};
use tfplugin::{Config, DiagResult, Schema};

pub use config::ProviderData;

/// The provider.
pub struct LogExaminer;

#[async_trait]
impl tfplugin::Provider for LogExaminer {
    type Data = ProviderData;

    fn schema(&self) -> Schema {
        config::schema()
    }
    async fn configure(
        &self,
        _terraform_version: &str,
        config: Config,
    ) -> DiagResult<ProviderData> {
        config::configure(config)
    }
    fn resources(&self) -> Vec<Arc<dyn DynResource<ProviderData>>> {
        vec![
            tfplugin::resource(s3::tier_policy::TierPolicyResource),
            tfplugin::resource(db::db_user::DbUser),
            tfplugin::resource(secretsmanager::secret_rotation::SecretRotation),
        ]
    }
    fn actions(&self) -> Vec<Arc<dyn tfplugin::action::DynAction<ProviderData>>> {
        vec![
            tfplugin::action(secretsmanager::rotate_secret::RotateSecret),
            tfplugin::action(secretsmanager::rotate_secret::RollbackSecret),
            tfplugin::action(db::check_login::CheckLogin),
        ]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<ProviderData>>> {
        vec![
            tfplugin::data_source(rds::parameter_profile::ParameterProfile),
            tfplugin::data_source(s3::tier_cost_data::TierCost),
            tfplugin::data_source(eks::node_group_scaling::NodeGroupScaling),
            tfplugin::data_source(
                secretsmanager::rotation_function_package::RotationFunctionPackage,
            ),
        ]
    }
    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeral<ProviderData>>> {
        vec![
            tfplugin::ephemeral(db::db_credentials::DbCredentials),
            tfplugin::ephemeral(db::password::Password),
        ]
    }
}
