//! A throw-away PostgreSQL server for tests: `initdb` in a temp dir, started
//! on a free port, stopped on drop. Uses Debian's `postgresql` package
//! (`scripts/setup --test` installs it). As root, the server runs as the
//! `postgres` user, since PostgreSQL refuses to run as root.

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

impl PgServer {
    /// Starts a server, or explains why not. On CI a missing PostgreSQL is a failure.
    pub fn start() -> Option<PgServer> {
        let Some(bin) = bin_dir() else {
            assert!(std::env::var_os("CI").is_none(), "PostgreSQL is not installed (scripts/setup --test installs it)");
            eprintln!("skipping the PostgreSQL run: no /usr/lib/postgresql/*/bin/initdb");
            return None;
        };
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
