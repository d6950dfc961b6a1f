//! Blob storage against a real S3-compatible server (`moto`) on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};

use alkemy_core::{AssetKind, ProjectId};
use alkemy_store::testing::MotoServer;
use alkemy_store::{BlobKey, BlobStore, S3Config, StoreError};
use bytes::Bytes;

/// Creates a bucket with a plain HTTP request (moto accepts it unsigned).
fn create_bucket(endpoint: &str, bucket: &str) {
    let addr = endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "PUT /{bucket} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

#[tokio::test]
async fn s3_storage_round_trips_under_a_prefix() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    create_bucket(&moto.endpoint(), "alkemy-media");
    let config = S3Config {
        endpoint: Some(moto.endpoint()),
        region: Some("us-east-1".into()),
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
        session_token: None,
        inherit_env: false,
    };
    let blobs = BlobStore::open_s3("s3://alkemy-media/studio-a", &config).unwrap();
    let project: ProjectId = "0190a5b2-6c1e-7d3a-9f00-1234567890ab".parse().unwrap();
    let frame = vec![7u8; 300_000];
    let a = blobs
        .put_generated(project, AssetKind::Frame, "png", Bytes::from(frame.clone()))
        .await
        .unwrap();
    let again = blobs
        .put_generated(project, AssetKind::Frame, "png", Bytes::from(frame.clone()))
        .await
        .unwrap();
    assert_eq!(a, again);
    assert!(
        a.key
            .as_str()
            .starts_with(&format!("projects/{project}/frames/"))
    );
    assert_eq!(blobs.get(&a.key).await.unwrap().as_ref(), frame.as_slice());
    assert_eq!(blobs.size(&a.key).await.unwrap(), Some(300_000));
    let clip = blobs
        .put_generated(project, AssetKind::Clip, "mp4", Bytes::from_static(b"clip"))
        .await
        .unwrap();
    let listed = blobs.list(&format!("projects/{project}")).await.unwrap();
    let mut expected = vec![a.key.to_string(), clip.key.to_string()];
    expected.sort();
    assert_eq!(listed, expected);

    // The prefix really is a prefix in the bucket.
    let whole = BlobStore::open_s3("s3://alkemy-media", &config).unwrap();
    let inside = BlobKey::parse(&format!("studio-a/{}", a.key)).unwrap();
    assert_eq!(whole.size(&inside).await.unwrap(), Some(300_000));

    blobs.delete(&clip.key).await.unwrap();
    assert!(matches!(
        blobs.get(&clip.key).await,
        Err(StoreError::NotFound(_))
    ));
    blobs.delete(&clip.key).await.unwrap();
}
