//! Property tests of the import ID with its query parameters ([`parse_import`]): no input panics, and an ID
//! that parses keeps its URL part: the ID prints back to a URL that parses to the same ID.

use metastore_sql::import_id::ImportId;
use proptest::prelude::*;

use super::user_rules::{IMPORT_PARAMETERS, parse_import};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("%".to_owned()),
        Just("%ff".to_owned()),
        Just("%C3%A9".to_owned()),
        Just("true".to_owned()),
        Just("verify-full".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("-9223372036854775808".to_owned()),
        Just("30".to_owned()),
        Just("0".to_owned()),
        Just("１２".to_owned()),
        Just("a=b".to_owned()),
        Just("?".to_owned()),
        "\\PC{0,12}",
    ]
}

fn param() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        prop::sample::select(IMPORT_PARAMETERS.to_vec()).prop_map(str::to_owned),
        "\\PC{0,8}",
    ];
    (key, value(), any::<bool>()).prop_map(|(k, v, eq)| if eq { format!("{k}={v}") } else { k })
}

fn import_text() -> impl Strategy<Value = String> {
    let url = prop_oneof![
        Just("mysql://db.example.com:3306/hive_rw@%25".to_owned()),
        Just("postgres://[::1]:5432/metastore/hive_ro".to_owned()),
        Just("mariadb://db/u".to_owned()),
        Just("postgresql://db/metastore/r%C3%A9le".to_owned()),
        "\\PC{0,30}",
    ];
    (url, prop::collection::vec(param(), 0..5), any::<bool>()).prop_map(|(u, ps, q)| {
        if q || !ps.is_empty() {
            format!("{u}?{}", ps.join("&"))
        } else {
            u
        }
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn import_any_string(s in any::<String>()) {
        let _ = parse_import(&s);
    }

    #[test]
    fn import_near_valid(text in import_text()) {
        if let Ok(spec) = parse_import(&text) {
            let rendered = spec.id.to_string();
            prop_assert_eq!(ImportId::parse(&rendered), Ok(spec.id.clone()), "{}", text);
            if let Some(t) = &spec.connect_timeout {
                prop_assert!((1..=300).contains(t));
            }
            if let Some(n) = &spec.password_length {
                prop_assert!((32..=128).contains(n));
            }
        }
    }
}
