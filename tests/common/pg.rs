//! A throw-away PostgreSQL server for tests: `initdb` in a temp dir, started
//! on a free port, stopped on drop. Uses Debian's `postgresql` package
//! (`scripts/setup --test` installs it). As root, the server runs as the
//! `postgres` user, since PostgreSQL refuses to run as root. Without
//! PostgreSQL the test fails, unless `GHISEU_SKIP_PG=1` asks to skip it.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PgServer {
    child: Child,
    _dir: tempfile::TempDir,
    pub url: String,
}

fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// uid and gid of the `postgres` user, from /etc/passwd.
fn postgres_user() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|l| l.starts_with("postgres:"))?;
    let f: Vec<&str> = line.split(':').collect();
    Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?))
}

/// Only an explicit `1` skips; an empty or other value does not.
pub fn skip_requested(value: Option<&str>) -> bool {
    value == Some("1")
}

impl PgServer {
    /// Starts a server. A missing PostgreSQL fails the test: a run without
    /// one proves nothing about the PostgreSQL store. `None` only when
    /// skipping was asked for explicitly, with `GHISEU_SKIP_PG=1`.
    pub fn start() -> Option<PgServer> {
        if skip_requested(std::env::var("GHISEU_SKIP_PG").ok().as_deref()) {
            eprintln!("skipping the PostgreSQL run: GHISEU_SKIP_PG=1");
            return None;
        }
        let bin = bin_dir().unwrap_or_else(|| {
            panic!(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup --test, \
                 or set GHISEU_SKIP_PG=1 to skip this test knowingly"
            )
        });
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let as_root = rustix::process::geteuid().is_root();
        let user =
            if as_root { Some(postgres_user().expect("a postgres user (Debian's package creates it)")) } else { None };
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let cmd = |name: &str| {
            let mut c = Command::new(bin.join(name));
            if let Some((uid, gid)) = user {
                c.uid(uid).gid(gid);
            }
            c.stdout(Stdio::null()).stderr(Stdio::null());
            c
        };
        let ok = cmd("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "ghiseu", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .status()
            .unwrap()
            .success();
        assert!(ok, "initdb failed");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = cmd("postgres")
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .arg("-k")
            .arg(dir.path())
            .spawn()
            .unwrap();
        let admin = format!("host=127.0.0.1 port={port} user=ghiseu dbname=postgres");
        let start = Instant::now();
        let mut client = loop {
            match postgres::Client::connect(&admin, postgres::NoTls) {
                Ok(c) => break c,
                Err(e) if start.elapsed() > Duration::from_secs(30) => panic!("PostgreSQL did not start: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        client.batch_execute("CREATE DATABASE ghiseu_test").unwrap();
        Some(PgServer { child, _dir: dir, url: format!("postgres://ghiseu@127.0.0.1:{port}/ghiseu_test") })
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
