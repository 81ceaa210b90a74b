//! Docs are generated from the provider's own schema descriptions plus `examples/`
//! (registry layout). This test fails when the committed `docs/` are stale or an
//! attribute lacks a description; `make docs` (UPDATE_DOCS=1) rewrites them.

use std::path::{Path, PathBuf};

use terraform_provider_logexaminer::LogExaminer;
use tfplugin::Provider;
use tfplugin::docs::{Kind, render};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read_opt(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

fn pages() -> Vec<(PathBuf, String, Vec<String>)> {
    let root = repo();
    let p = LogExaminer;
    let mut out = Vec::new();
    let short = |n: &str| n.trim_start_matches("logexaminer_").to_string();
    let mut add =
        |kind: Kind, dir: &str, exdir: &str, exfile: &str, name: &str, schema: tfplugin::Schema| {
            let example = read_opt(&root.join("examples").join(exdir).join(name).join(exfile));
            let notes = read_opt(&root.join("docs-src").join(format!("{}.md", short(name))));
            let md = render(kind, name, &schema, example.as_deref(), notes.as_deref());
            let undocumented = schema.block.undocumented("");
            out.push((
                root.join("docs")
                    .join(dir)
                    .join(format!("{}.md", short(name))),
                md,
                undocumented,
            ));
        };
    for r in p.resources() {
        add(
            Kind::Resource,
            "resources",
            "resources",
            "resource.tf",
            r.type_name(),
            r.schema(),
        );
    }
    for d in p.data_sources() {
        add(
            Kind::DataSource,
            "data-sources",
            "data-sources",
            "data-source.tf",
            d.type_name(),
            d.schema(),
        );
    }
    for e in p.ephemeral_resources() {
        add(
            Kind::Ephemeral,
            "ephemeral-resources",
            "ephemeral-resources",
            "ephemeral-resource.tf",
            e.type_name(),
            e.schema(),
        );
    }
    for a in p.actions() {
        add(
            Kind::Action,
            "actions",
            "actions",
            "action.tf",
            a.type_name(),
            a.schema(),
        );
    }
    let example = read_opt(&root.join("examples/provider/provider.tf"));
    let notes = read_opt(&root.join("docs-src/index.md"));
    let schema = p.schema();
    let undocumented = schema.block.undocumented("");
    out.push((
        root.join("docs/index.md"),
        render(
            Kind::Provider,
            "logexaminer",
            &schema,
            example.as_deref(),
            notes.as_deref(),
        ),
        undocumented,
    ));
    out
}

#[test]
fn docs_are_current_and_complete() {
    let update = std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (path, md, undocumented) in pages() {
        assert!(
            undocumented.is_empty(),
            "{}: attributes without a description: {undocumented:?}",
            path.display()
        );
        let want = format!("{md}\n");
        if update {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("mkdir docs");
            }
            std::fs::write(&path, &want).expect("write docs");
            println!("wrote {}", path.display());
        } else if read_opt(&path).as_deref() != Some(want.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "docs are stale (run `make docs` and commit): {stale:?}"
    );
}
