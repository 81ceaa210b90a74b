//! Property tests of the function's inputs: the invocation payload ([`Event::parse`]) and the
//! `ROTATION_BINDINGS` configuration ([`Bindings::parse`]), on arbitrary text and JSON and on valid shapes
//! with one field mutated. No input may panic, and a secret checked against a binding never puts its
//! password into the error.

use metastore_sql::secret_shape::RdsSecret;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::binding::Bindings;
use crate::event::Event;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn odd_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just("\u{0}".to_owned()),
        Just("createSecret".to_owned()),
        Just("CREATESECRET".to_owned()),
        Just("rollback".to_owned()),
        Just("ROLLBACK".to_owned()),
        Just("single_user".to_owned()),
        Just("alternating_users".to_owned()),
        Just("aurora-postgresql".to_owned()),
        Just("arn:aws:secretsmanager:eu-west-1:1:secret:x".to_owned()),
        Just("arn:aws:secretsmanager:eu-west-1:1:secret:é🦀".to_owned()),
        Just("arn:::::::::::".to_owned()),
        Just("日本語".repeat(40)),
        "\\PC{0,80}",
        any::<String>(),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        odd_string().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(odd_string(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn mutate_field(mut map: Map<String, Value>, field: &str, value: Option<Value>) -> Value {
    match value {
        Some(v) => map.insert(field.to_owned(), v),
        None => map.remove(field),
    };
    Value::Object(map)
}

const ARN: &str = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/hive-AbCdEf";
const ADMIN: &str = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/admin-GhIjKl";

fn valid_binding() -> Map<String, Value> {
    object(json!({
        "secret_arn": ARN,
        "engine": "mysql",
        "host": "db.example",
        "port": 3306,
        "dbname": "metastore",
        "username": "hive",
        "admin_secret_arn": ADMIN,
        "strategy": "alternating_users",
    }))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn event_any_json(v in json_value()) {
        let _ = Event::parse(&v);
    }

    #[test]
    fn event_one_field_mutated(
        rollback in any::<bool>(),
        field in prop::sample::select(vec!["Step", "SecretId", "ClientRequestToken", "Action", "VersionId", "Other"]),
        value in prop::option::of(json_value()),
    ) {
        let base = if rollback {
            json!({"Action": "rollback", "SecretId": ARN, "VersionId": "v1"})
        } else {
            json!({"Step": "setSecret", "SecretId": ARN, "ClientRequestToken": "t1"})
        };
        let v = mutate_field(object(base), field, value);
        if let Ok(e) = Event::parse(&v) {
            prop_assert!(!e.secret_id().trim().is_empty());
        }
    }

    /// Error texts quote at most a cut of the unknown step or action (64 characters), never a whole payload.
    #[test]
    fn event_errors_are_bounded(step in "\\PC{0,400}", action in "[a-zA-Z0-9 ]{0,400}") {
        if let Err(e @ crate::event::EventError::Step(_)) =
            Event::parse(&json!({"Step": step, "SecretId": ARN, "ClientRequestToken": "t"}))
        {
            let cut: String = step.chars().take(64).collect();
            prop_assert!(e.to_string().contains(&format!("{cut:?}")), "{}", e);
        }
        if let Err(e) = Event::parse(&json!({"Action": action, "SecretId": ARN})) {
            prop_assert!(e.to_string().chars().count() < 200, "{}", e);
        }
    }

    #[test]
    fn bindings_any_string(s in any::<String>()) {
        let _ = Bindings::parse(&s);
    }

    #[test]
    fn bindings_any_json(v in json_value()) {
        let _ = Bindings::parse(&v.to_string());
    }

    #[test]
    fn bindings_one_field_mutated(
        field in prop::sample::select(vec![
            "secret_arn", "engine", "host", "port", "dbname", "username", "admin_secret_arn", "strategy", "unknown",
        ]),
        value in prop::option::of(prop_oneof![
            json_value(),
            Just(json!(0)), Just(json!(65536)), Just(json!(-1)), Just(json!(1e300)), Just(json!(u64::MAX)),
            Just(json!("x".repeat(300))), Just(json!("é".repeat(200))),
        ]),
        twice in any::<bool>(),
    ) {
        let entry = mutate_field(valid_binding(), field, value);
        let mut all = Map::new();
        all.insert("hive".to_owned(), entry.clone());
        if twice {
            all.insert("again".to_owned(), entry);
        }
        if let Ok(b) = Bindings::parse(&Value::Object(all).to_string()) {
            prop_assert!(b.len() == 1 || !twice);
        }
    }

    #[test]
    fn bindings_deep_nesting(depth in 1usize..20_000) {
        let text = format!("{{\"a\":{{\"host\":{}1{}}}}}", "[".repeat(depth), "]".repeat(depth));
        let _ = Bindings::parse(&text);
    }

    /// A secret with one field changed, checked against its binding: the mismatch error names fields, never
    /// the password.
    #[test]
    fn binding_mismatch_hides_the_password(
        pw in "[A-Za-z0-9]{16,24}".prop_map(|s| format!("pw-{s}")),
        field in prop::sample::select(vec!["engine", "host", "port", "username", "dbname", "masterarn"]),
        value in prop_oneof![
            Just(json!("postgres")), Just(json!("other.example")), Just(json!(5432)), Just(json!("hive_clone")),
            Just(json!("other")), Just(json!(ADMIN)), Just(json!("arn:aws:secretsmanager:x:1:secret:y-zz")),
        ],
    ) {
        let binding = Bindings::parse(
            &json!({"hive": Value::Object(valid_binding())}).to_string(),
        );
        prop_assert!(binding.is_ok(), "{:?}", binding);
        let Ok(bindings) = binding else { return Ok(()) };
        let Ok(b) = bindings.get(ARN) else { return Ok(()) };
        let secret = mutate_field(object(json!({
            "engine": "mysql", "host": "db.example", "port": 3306, "username": "hive", "password": pw,
            "dbname": "metastore", "masterarn": ADMIN,
        })), field, Some(value));
        if let Ok(s) = RdsSecret::from_json(&secret.to_string()) {
            for r in [b.check_secret(&s, "AWSPENDING version t1"), b.check_admin(&s)] {
                if let Err(e) = r {
                    let shown = format!("{e} {e:?}");
                    prop_assert!(!shown.contains(&pw), "{}", shown);
                }
            }
        }
    }
}
