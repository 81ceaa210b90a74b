//! Passwords: the [`Secret`] holder, generation, and PostgreSQL SCRAM-SHA-256 verifiers.
//!
//! [`Secret`] never shows its value through `Debug` (it prints `***`) and has no `Display`; the value is
//! reachable only through [`Secret::expose`] and serde (which the secret JSON needs).
//!
//! Generated passwords are [`DEFAULT_LENGTH`] (32) characters or longer, drawn with the operating system's
//! CSPRNG (through `rand`'s thread generator) from `A-Z a-z 0-9` and the symbols `- . _ ~`: RFC 3986
//! "unreserved" characters, so the password can sit in a URL, a JDBC string, a shell word or a properties
//! file unescaped. In particular `/ @ " ' \` and space never appear. Every password holds at least one
//! upper-case letter, lower-case letter, digit and symbol, and starts with a letter or digit (a leading `-`
//! reads as an option on command lines).
//!
//! For PostgreSQL the statement builders send a SCRAM-SHA-256 verifier ([`scram_sha256_verifier`]) instead of
//! the password, so the clear text never reaches the server: PostgreSQL logs a failing statement in full
//! (`log_min_error_statement`), and a verifier in a log cannot be used to log in.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::Rng;
use rand::seq::SliceRandom;
use sha2::{Digest, Sha256};

use crate::engine::Engine;

/// A password or other credential. `Debug` prints `***`; there is no `Display`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value. Call only where the value must leave the process (SQL to the server, Secrets Manager).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// The shortest password [`generate`] makes.
pub const MIN_LENGTH: usize = 32;
/// The default length of generated passwords.
pub const DEFAULT_LENGTH: usize = 32;
/// The longest password [`generate`] makes.
pub const MAX_LENGTH: usize = 1024;
/// The symbols generated passwords may contain (RFC 3986 unreserved punctuation).
pub const SYMBOLS: &str = "-._~";
/// `ExcludeCharacters` for Secrets Manager's `GetRandomPassword`, matching what RDS rotation functions use:
/// the characters that break connection strings and SQL quoting. Spaces are already left out by
/// `GetRandomPassword` unless `IncludeSpace` is set.
pub const AWS_EXCLUDE_CHARACTERS: &str = "/@\"'\\";

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";

/// Errors of this module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// Requested length out of range.
    #[error("password length {0} is out of range; use {MIN_LENGTH} to {MAX_LENGTH}")]
    Length(usize),
    /// The password is empty.
    #[error("the password is empty")]
    Empty,
    /// The password holds a character that cannot be carried safely in SQL for this engine.
    #[error(
        "the password contains {what}, which cannot be sent to {engine} safely; generate one without it"
    )]
    Unsafe {
        /// The engine.
        engine: Engine,
        /// A description of the character (never the password).
        what: &'static str,
    },
}

/// Makes a new random password of `length` characters (see the module documentation for the alphabet).
pub fn generate(length: usize) -> Result<Secret, PasswordError> {
    generate_with(&mut rand::rng(), length)
}

/// [`generate`] with a caller-supplied random generator (tests use a seeded one; production code should
/// call [`generate`], which uses the operating system's CSPRNG).
pub fn generate_with<R: Rng + ?Sized>(rng: &mut R, length: usize) -> Result<Secret, PasswordError> {
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(PasswordError::Length(length));
    }
    let symbols = SYMBOLS.as_bytes();
    let all: Vec<u8> = [LOWER, UPPER, DIGITS, symbols].concat();
    let pick = |rng: &mut R, set: &[u8]| set[rng.random_range(0..set.len())];
    let mut bytes = vec![
        pick(rng, LOWER),
        pick(rng, UPPER),
        pick(rng, DIGITS),
        pick(rng, symbols),
    ];
    while bytes.len() < length {
        bytes.push(pick(rng, &all));
    }
    bytes.shuffle(rng);
    if let Some(pos) = bytes.iter().position(u8::is_ascii_alphanumeric) {
        bytes.swap(0, pos);
    }
    Ok(Secret(bytes.into_iter().map(char::from).collect()))
}

/// Checks that a password (generated here, by Secrets Manager, or found in an existing secret) can be sent
/// to `engine` by this crate's statement builders: not empty, no NUL or other control characters, and for
/// MySQL/MariaDB no backslash (see [`crate::ident::quote_string`]). Error texts never contain the password.
pub fn validate(engine: Engine, password: &Secret) -> Result<(), PasswordError> {
    let value = password.expose();
    if value.is_empty() {
        return Err(PasswordError::Empty);
    }
    if value.contains('\0') {
        return Err(PasswordError::Unsafe {
            engine,
            what: "a NUL character",
        });
    }
    if value.chars().any(char::is_control) {
        return Err(PasswordError::Unsafe {
            engine,
            what: "a control character",
        });
    }
    if engine.is_mysql_family() && value.contains('\\') {
        return Err(PasswordError::Unsafe {
            engine,
            what: "a backslash (its meaning in MySQL literals depends on sql_mode)",
        });
    }
    Ok(())
}

/// PostgreSQL's default SCRAM iteration count (`scram_iterations`).
pub const SCRAM_ITERATIONS: u32 = 4096;

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    for part in parts {
        inner.update(part);
    }
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut u = hmac_sha256(password, &[salt, &1u32.to_be_bytes()]);
    let mut out = u;
    for _ in 1..iterations {
        u = hmac_sha256(password, &[&u]);
        for (o, b) in out.iter_mut().zip(u.iter()) {
            *o ^= b;
        }
    }
    out
}

/// The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, as `pg_authid.rolpassword`):
/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64. PostgreSQL stores a verifier given in
/// `PASSWORD '...'` as is. Returns `None` unless the password is printable ASCII: PostgreSQL normalises other
/// passwords with SASLprep first, which this crate does not implement (the builders then send the password
/// itself as an `E''` literal).
pub fn scram_sha256_verifier(password: &Secret, salt: &[u8], iterations: u32) -> Option<String> {
    let value = password.expose();
    if value.is_empty() || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) || iterations == 0 {
        return None;
    }
    let salted = pbkdf2_sha256(value.as_bytes(), salt, iterations);
    let client_key = hmac_sha256(&salted, &[b"Client Key"]);
    let stored_key: [u8; 32] = Sha256::digest(client_key).into();
    let server_key = hmac_sha256(&salted, &[b"Server Key"]);
    Some(format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        BASE64.encode(salt),
        BASE64.encode(stored_key),
        BASE64.encode(server_key)
    ))
}

/// [`scram_sha256_verifier`] with a fresh random 16-byte salt and [`SCRAM_ITERATIONS`].
pub fn new_scram_sha256_verifier(password: &Secret) -> Option<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    scram_sha256_verifier(password, &salt, SCRAM_ITERATIONS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(***)");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn generated_passwords_follow_the_policy() {
        let mut rng = StdRng::seed_from_u64(7);
        for length in [32, 33, 64, 200] {
            for _ in 0..300 {
                let p = generate_with(&mut rng, length).expect("generate");
                let v = p.expose();
                assert_eq!(v.len(), length);
                assert!(v.bytes().any(|b| b.is_ascii_lowercase()), "{v}");
                assert!(v.bytes().any(|b| b.is_ascii_uppercase()), "{v}");
                assert!(v.bytes().any(|b| b.is_ascii_digit()), "{v}");
                assert!(v.bytes().any(|b| SYMBOLS.as_bytes().contains(&b)), "{v}");
                assert!(v.as_bytes()[0].is_ascii_alphanumeric(), "{v}");
                for bad in [
                    '/', '@', '"', '\'', '\\', ' ', ':', '?', '#', '%', '&', '$', '`', '!', ';',
                ] {
                    assert!(!v.contains(bad), "{v} contains {bad}");
                }
                for engine in Engine::ALL {
                    assert_eq!(validate(engine, &p), Ok(()));
                }
            }
        }
        assert_eq!(generate(31), Err(PasswordError::Length(31)));
        assert_eq!(
            generate(MAX_LENGTH + 1),
            Err(PasswordError::Length(MAX_LENGTH + 1))
        );
        let a = generate(DEFAULT_LENGTH).expect("a");
        let b = generate(DEFAULT_LENGTH).expect("b");
        assert_ne!(a, b);
    }

    #[test]
    fn validate_rejects_unsafe_passwords_without_echoing_them() {
        let p = Secret::new("abc\\def");
        let err = validate(Engine::Mysql, &p).expect_err("backslash");
        assert!(!err.to_string().contains("abc"), "{err}");
        assert_eq!(validate(Engine::Postgres, &p), Ok(()));
        assert_eq!(
            validate(Engine::Postgres, &Secret::new("")),
            Err(PasswordError::Empty)
        );
        assert!(validate(Engine::Postgres, &Secret::new("a\nb")).is_err());
        assert!(validate(Engine::Mariadb, &Secret::new("a\0b")).is_err());
        assert_eq!(validate(Engine::Mysql, &Secret::new("it's fine")), Ok(()));
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn pbkdf2_matches_known_vector() {
        // PBKDF2-HMAC-SHA256, P="password", S="salt", c=4096, dkLen=32.
        let dk = pbkdf2_sha256(b"password", b"salt", 4096);
        let hex: String = dk.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"
        );
    }

    #[test]
    fn scram_verifier_shape() {
        let v = scram_sha256_verifier(&Secret::new("pencil"), b"0123456789abcdef", 4096)
            .expect("ascii");
        let (head, keys) = v.split_once("$4096:").expect("iterations");
        assert_eq!(head, "SCRAM-SHA-256");
        let (salt, rest) = keys.split_once('$').expect("salt");
        assert_eq!(BASE64.decode(salt).expect("b64"), b"0123456789abcdef");
        let (stored, server) = rest.split_once(':').expect("keys");
        assert_eq!(BASE64.decode(stored).expect("b64").len(), 32);
        assert_eq!(BASE64.decode(server).expect("b64").len(), 32);
        assert_eq!(
            scram_sha256_verifier(&Secret::new("pässword"), b"salt", 4096),
            None
        );
        let a = new_scram_sha256_verifier(&Secret::new("pencil")).expect("a");
        let b = new_scram_sha256_verifier(&Secret::new("pencil")).expect("b");
        assert_ne!(a, b, "fresh salt each time");
    }
}
