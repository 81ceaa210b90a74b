//! `terraform-provider-logexaminer`: entry point. Everything lives in the library.

fn main() -> std::process::ExitCode {
    tfplugin::serve(
        "provider.terraform-provider-logexaminer",
        terraform_provider_logexaminer::LogExaminer,
    )
}
