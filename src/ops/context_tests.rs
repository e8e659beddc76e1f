//! Tests of how operations commit (kept beside `context.rs`).

/// An operation commits only through `Context::commit`, which feeds
/// `KEYWARD_AUDIT_LOG`: no file under `src/ops/` calls `EnvDb::commit` itself.
#[test]
fn operations_commit_only_through_the_context() {
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/ops"
    ))];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            seen += 1;
            if p.ends_with("context.rs") || p.ends_with("context_tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(
                !text.contains("db.commit()"),
                "{} commits without `ctx.commit`",
                p.display()
            );
        }
    }
    assert!(seen > 20, "the walk found the operations");
}
