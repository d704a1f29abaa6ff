//! A kiosk with one sealed, signed envelope ready to send, and `ghiseu
//! intake` run as a process: for the intake's network tests and the abuse
//! harness.
#![allow(dead_code)]

use super::common;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A kiosk with one committed submission, and the intake's data folder beside it.
pub struct Kiosk {
    _dir: tempfile::TempDir,
    pub dir: PathBuf,
    pub cfg: ghiseu::config::Config,
    /// The envelope as the kiosk sends it, byte for byte.
    pub payload: Vec<u8>,
    pub key: String,
    pub code: String,
}

pub fn kiosk() -> Kiosk {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let cfg = ghiseu::config::Config::load(&common::write_config(&path, "http://127.0.0.1:9")).unwrap();
    let mut q = ghiseu::queue::Queue::open(&cfg.queue_path()).unwrap();
    let answers =
        [("nume", "Ionescu"), ("prenume", "Ana"), ("locatie", "Str. Morii 3"), ("descriere", "Groapă în asfalt.")];
    let r = common::commit(&cfg, &mut q, "sesizare", ghiseu::i18n::Lang::Ro, &answers, 1);
    let p = q.due(i64::MAX, 1).unwrap().remove(0);
    Kiosk { _dir: dir, dir: path, cfg, payload: p.payload, key: p.key, code: r.tracking_code }
}

impl Kiosk {
    pub fn intake_dir(&self) -> PathBuf {
        self.dir.join("intake")
    }
}

/// `ghiseu intake` as a process, on a free port.
pub struct Intake {
    pub child: std::process::Child,
    pub url: String,
    /// What the intake has written to standard error so far (its log).
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Intake {
    pub fn start(data: &Path, extra: &[&str], umask_022: bool) -> Intake {
        Intake::start_with(Path::new(common::bin()), data, extra, umask_022)
    }

    /// [`Intake::start`] with another build of `ghiseu` (the abuse harness's "before").
    pub fn start_with(bin: &Path, data: &Path, extra: &[&str], umask_022: bool) -> Intake {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        let mut cmd = std::process::Command::new(bin);
        cmd.args(["intake", "--listen", "127.0.0.1:0", "--data"]).arg(data).args(extra);
        cmd.stderr(std::process::Stdio::piped());
        if umask_022 {
            unsafe {
                cmd.pre_exec(|| {
                    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().unwrap();
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        // Keep draining stderr so the intake never blocks on a full pipe.
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while err.read_line(&mut line).is_ok_and(|n| n > 0) {
                eprint!("intake: {line}");
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        Intake { child, url, log }
    }

    /// The intake's peak and current resident memory, in MB (`VmHWM`, `VmRSS`).
    pub fn memory_mb(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// Ctrl-C, then the exit code (None: killed by a signal).
    pub fn interrupt(&mut self) -> Option<i32> {
        let pid = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
        let t = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(t.elapsed() < Duration::from_secs(15), "the intake did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Intake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
