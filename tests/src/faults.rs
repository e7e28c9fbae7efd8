//! Faults between the library and a database server: a proxy on 127.0.0.1 that forwards a
//! connection's bytes both ways and, when armed, cuts the connection at the next `COMMIT`,
//! before or after forwarding it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Where a cut falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The `COMMIT` never reaches the server: the transaction is rolled back.
    BeforeCommit,
    /// The `COMMIT` reaches the server, which commits; its answer never reaches the client.
    AfterCommit,
}

const DISARMED: u8 = 0;
const BEFORE: u8 = 1;
const AFTER: u8 = 2;

/// A proxy to one server. It runs until the runtime that started it stops.
#[derive(Debug, Clone)]
pub struct CommitCutter {
    port: u16,
    armed: Arc<AtomicU8>,
}

impl CommitCutter {
    /// A proxy on a port of 127.0.0.1 of its own, to the server at `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let armed = Arc::new(AtomicU8::new(DISARMED));
        let cutter = CommitCutter {
            port,
            armed: armed.clone(),
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(target).await else {
                    continue;
                };
                tokio::spawn(relay(client, server, armed.clone()));
            }
        });
        cutter
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (user, rest) = rest.split_once('@').unwrap();
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        format!("{scheme}://{user}@127.0.0.1:{}{path}", self.port)
    }

    /// Cuts the next `COMMIT` any connection sends.
    pub fn arm(&self, cut: Cut) {
        let cut = match cut {
            Cut::BeforeCommit => BEFORE,
            Cut::AfterCommit => AFTER,
        };
        self.armed.store(cut, Ordering::SeqCst);
    }

    /// Whether the armed cut has happened.
    pub fn has_cut(&self) -> bool {
        self.armed.load(Ordering::SeqCst) == DISARMED
    }
}

/// The address of the server a URL names (`host:port`).
pub fn server_address(url: &str) -> SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let authority = rest.split(['/', '?']).next().unwrap();
    let authority = authority.replace("localhost", "127.0.0.1");
    authority.parse().unwrap()
}

/// Forwards bytes both ways until either side closes, or the armed cut happens.
async fn relay(client: TcpStream, server: TcpStream, armed: Arc<AtomicU8>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Set when this connection was cut: nothing more goes to the client.
    let cut = Arc::new(AtomicBool::new(false));
    let to_client = {
        let cut = cut.clone();
        async move {
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let n = match server_read.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if cut.load(Ordering::SeqCst) || client_write.write_all(&buffer[..n]).await.is_err()
                {
                    return;
                }
            }
        }
    };
    let to_server = async move {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let chunk = &buffer[..n];
            let commit = chunk.windows(6).any(|w| w.eq_ignore_ascii_case(b"COMMIT"));
            if commit {
                match armed.swap(DISARMED, Ordering::SeqCst) {
                    BEFORE => {
                        cut.store(true, Ordering::SeqCst);
                        return;
                    }
                    AFTER => {
                        cut.store(true, Ordering::SeqCst);
                        let _ = server_write.write_all(chunk).await;
                        // Let the server commit before the connection goes.
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        return;
                    }
                    _ => {}
                }
            }
            if server_write.write_all(chunk).await.is_err() {
                return;
            }
        }
    };
    // Either direction ending ends both: the sockets close as the halves drop.
    tokio::select! {
        () = to_client => {}
        () = to_server => {}
    }
}
