//! The [`Moto`] guard: starts, answers S3 requests with our fixes, and is gone after drop.

use anyhow::Result;
use test_support::Moto;

#[test]
fn moto_serves_s3_and_stops_on_drop() -> Result<()> {
    let moto = Moto::start()?;
    let port = moto.port();
    assert_eq!(moto.endpoint(), format!("http://127.0.0.1:{port}"));

    let created = moto.request("PUT", "/rig-bucket", b"")?;
    assert_eq!(created.status, 200, "{}", created.body);
    let listed = moto.request("GET", "/", b"")?;
    assert_eq!(listed.status, 200);
    assert!(
        listed.body.contains("<Name>rig-bucket</Name>"),
        "{}",
        listed.body
    );

    // The launcher's Intelligent-Tiering fix is live, and DELETE keeps the bucket.
    let config = br#"<IntelligentTieringConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Id>a</Id><Status>Enabled</Status><Tiering><Days>90</Days><AccessTier>ARCHIVE_ACCESS</AccessTier></Tiering></IntelligentTieringConfiguration>"#;
    let put = moto.request("PUT", "/rig-bucket?intelligent-tiering&id=a", config)?;
    assert_eq!(put.status, 200, "{}", put.body);
    let got = moto.request("GET", "/rig-bucket?intelligent-tiering&id=a", b"")?;
    assert!(got.body.contains("<Days>90</Days>"), "{}", got.body);
    let deleted = moto.request("DELETE", "/rig-bucket?intelligent-tiering&id=a", b"")?;
    assert_eq!(deleted.status, 204);
    assert_eq!(moto.request("HEAD", "/rig-bucket", b"")?.status, 200);

    moto.reset()?;
    assert_eq!(moto.request("HEAD", "/rig-bucket", b"")?.status, 404);

    drop(moto);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "moto still listens on {port} after drop"
    );
    Ok(())
}

#[test]
fn env_points_sdks_at_the_server() -> Result<()> {
    let moto = Moto::start()?;
    let env = moto.env();
    let get = |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(get("AWS_ENDPOINT_URL"), Some(moto.endpoint().as_str()));
    assert_eq!(get("AWS_ACCESS_KEY_ID"), Some("test"));
    assert_eq!(get("AWS_SECRET_ACCESS_KEY"), Some("test"));
    assert_eq!(get("AWS_REGION"), Some("us-east-1"));
    Ok(())
}

#[test]
fn parallel_servers_are_independent() -> Result<()> {
    let (a, b) = (Moto::start()?, Moto::start()?);
    assert_ne!(a.port(), b.port());
    assert_eq!(a.request("PUT", "/only-in-a", b"")?.status, 200);
    assert_eq!(a.request("HEAD", "/only-in-a", b"")?.status, 200);
    assert_eq!(b.request("HEAD", "/only-in-a", b"")?.status, 404);
    Ok(())
}
