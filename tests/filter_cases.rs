//! rsync's own filter cases (tests/fixtures/peer/rsync-filter-cases.json):
//! each tree is built in a temporary directory and
//! `wsync sync -r -n --out-format=%n ARGS src/ dst/` must print what the
//! real rsync 3.5.0 printed (the fixture keeps the lines sorted).

mod common;

use common::{build, old_time, run_in, wsync_path, Node};
use serde_json::Value;
use std::path::Path;

fn fixture() -> Value {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = here.join("tests/fixtures/peer/rsync-filter-cases.json");
    let text = std::fs::read_to_string(&copy)
        .or_else(|_| std::fs::read_to_string(here.join("../shared/peer/rsync-filter-cases.json")))
        .expect("rsync-filter-cases.json");
    serde_json::from_str(&text).unwrap()
}

fn nodes(v: &Value) -> Vec<Node> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    let s = |i: usize| e[i].as_str().unwrap().to_string();
                    match e[0].as_str().unwrap() {
                        "d" => Node::Dir(s(1)),
                        "f" => Node::File(s(1), e[2].as_u64().unwrap() as usize),
                        "l" => Node::Link(s(1), s(2)),
                        "t" => Node::Text(s(1), s(2)),
                        k => panic!("unknown node kind {k}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn rsync_testsuite_filter_cases() {
    let data = fixture();
    let cases = data["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 29);
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        build(&root.join("src"), &nodes(&case["src"]), None);
        build(&root.join("dst"), &nodes(&case["dst"]), Some(old_time()));
        std::fs::create_dir_all(root.join("home")).unwrap();
        for (path, text) in case["extra"].as_object().unwrap() {
            build(
                root,
                &[Node::Text(path.clone(), text.as_str().unwrap().into())],
                None,
            );
        }
        let mut env = vec![(
            "HOME".to_string(),
            root.join("home").to_string_lossy().into_owned(),
        )];
        for (k, v) in case["env"].as_object().unwrap() {
            env.push((k.clone(), v.as_str().unwrap().to_string()));
        }
        let mut args = vec!["sync".to_string()];
        args.extend(
            case["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string()),
        );
        args.push("src/".into());
        args.push("dst/".into());
        let got = run_in(wsync_path(), &args, root, &env, case["stdin"].as_str());
        let mut lines = got.lines.clone();
        lines.sort();
        let want: Vec<String> = case["expect"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect();
        let want_rc = case["expect"]["rc"].as_i64().unwrap() as i32;
        if lines != want || got.code != want_rc {
            let extra: Vec<_> = lines.iter().filter(|l| !want.contains(l)).collect();
            let missing: Vec<_> = want.iter().filter(|l| !lines.contains(l)).collect();
            failures.push(format!(
                "{id}: rc {} (want {want_rc})\n  unexpected: {extra:?}\n  missing: {missing:?}\n  stderr: {}",
                got.code, got.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 29 cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
