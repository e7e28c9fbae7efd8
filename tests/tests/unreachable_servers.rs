//! Servers that refuse or never answer: connecting fails fast, with the cause. Both are local:
//! a closed port of 127.0.0.1 (refused) and a listener on 127.0.0.1 that accepts and never
//! answers (silent).

use std::time::Duration;

use eventsourcing_seaorm::application::{Application, ApplicationError};
use eventsourcing_seaorm::seaorm;
use tokio::net::TcpListener;

/// Long enough for any fast failure, far below the pool's 30 s acquire timeout: a test that
/// reaches it has waited for the pool.
const PATIENCE: Duration = Duration::from_secs(15);

/// A port of 127.0.0.1 that nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// A port of 127.0.0.1 whose listener accepts connections and never sends a byte; it stops with
/// the test's runtime.
async fn silent_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut accepted = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            accepted.push(socket);
        }
    });
    port
}

async fn build(url: &str, timeout: Option<&str>) -> Result<Application, ApplicationError> {
    let mut builder = Application::builder("Worlds")
        .environment([("", ""); 0])
        .setting("PERSISTENCE_MODULE", "eventsourcing_seaorm")
        .setting("DATABASE_URL", url);
    if let Some(timeout) = timeout {
        builder = builder.setting("CONNECT_TIMEOUT", timeout);
    }
    tokio::time::timeout(PATIENCE, builder.build())
        .await
        .expect("connecting waited for the pool's timeout")
}

#[tokio::test]
async fn refused_connections_fail_at_once_with_their_cause() {
    let port = closed_port().await;
    for url in [
        format!("postgres://postgres@127.0.0.1:{port}/test"),
        format!("mysql://root@127.0.0.1:{port}/test"),
    ] {
        let error = build(&url, None).await.unwrap_err();
        let text = error.to_string().to_lowercase();
        assert!(text.contains("refused"), "{url}: {error}");
        assert!(
            text.contains("connecting to database_url"),
            "{url}: {error}"
        );
        let error = tokio::time::timeout(PATIENCE, seaorm::connect(&url))
            .await
            .expect("connecting waited for the pool's timeout")
            .unwrap_err();
        assert!(
            error.to_string().to_lowercase().contains("refused"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn silent_servers_fail_after_the_connect_timeout() {
    let port = silent_port().await;
    for url in [
        format!("postgres://postgres@127.0.0.1:{port}/test"),
        format!("mysql://root@127.0.0.1:{port}/test"),
    ] {
        let error = build(&url, Some("0.5")).await.unwrap_err();
        assert!(
            error.to_string().contains("CONNECT_TIMEOUT"),
            "{url}: {error}"
        );
        let error = tokio::time::timeout(
            PATIENCE,
            seaorm::connect_within(&url, Duration::from_millis(300)),
        )
        .await
        .expect("connecting waited for the pool's timeout")
        .unwrap_err();
        assert!(error.to_string().contains("did not answer"), "{error}");
    }
}

#[tokio::test]
async fn connect_timeouts_are_checked() {
    let error = build("postgres://postgres@127.0.0.1:5432/test", Some("soon"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ApplicationError::Setting { key, .. } if key == "CONNECT_TIMEOUT"),
        "{error:?}"
    );
}
