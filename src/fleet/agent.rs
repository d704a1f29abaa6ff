//! One poll cycle of the fleet client, and the loop around it: the I/O edge
//! where the DDI client, RAUC, systemd and the files meet the decisions in
//! `policy`.

use super::ddi::{Client, Consent, DdiError, Execution, Finished, Progress};
use super::policy::{self, Algo, Go, Installed, Outcome, RaucStatus};
use super::settings::Settings;
use super::state::{self, Download, State};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Poll interval when the server gives none, or could not be reached.
pub const DEFAULT_SLEEP: Duration = Duration::from_secs(300);
/// Download attempts in one cycle (each continues the last with `Range`).
const DOWNLOAD_ATTEMPTS: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error(transparent)]
    Ddi(#[from] DdiError),
    #[error("{0}")]
    Io(String),
}

/// What one cycle did, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleReport {
    pub sleep: Option<Duration>,
    pub attributes_sent: bool,
    pub reported: Option<String>,
    pub installed: Option<String>,
    pub waiting: Option<String>,
    pub cancelled: Option<String>,
    /// An action this panel consented to (hawkBit's confirmation flow).
    pub confirmed: Option<String>,
}

/// Polls forever (or once), at the interval the server asks for.
pub async fn run(settings: Settings, once: bool) -> Result<(), FleetError> {
    let client = client(&settings);
    loop {
        let result = cycle(&settings, &client).await;
        if once {
            return result.map(|r| tracing::info!(?r, "fleet cycle done"));
        }
        let sleep = match result {
            Ok(r) => r.sleep.unwrap_or(DEFAULT_SLEEP),
            Err(e) => {
                tracing::warn!(error = %e, "fleet cycle failed; trying again later");
                DEFAULT_SLEEP.min(Duration::from_secs(60))
            }
        };
        tokio::time::sleep(sleep).await;
    }
}

pub fn client(s: &Settings) -> Client {
    Client::new(&s.server, &s.tenant, &s.identity.kiosk_id, &s.token, s.ca.clone())
}

fn io(what: impl std::fmt::Display, e: impl std::fmt::Display) -> FleetError {
    FleetError::Io(format!("{what}: {e}"))
}

/// One cycle: report an install's result after its reboot, send attributes
/// that changed, honour a cancellation, work on a deployment.
pub async fn cycle(s: &Settings, c: &Client) -> Result<CycleReport, FleetError> {
    std::fs::create_dir_all(&s.dir).map_err(|e| io(s.dir.display(), e))?;
    let mut st = state::load(&s.dir);
    let mut report = CycleReport::default();
    let base = c.poll().await?;
    report.sleep = base.sleep();
    let rauc = rauc_status();
    let now = crate::now_ms();

    if let Some(installed) = st.installed.clone() {
        report_install(s, c, &mut st, &installed, rauc.as_ref(), now, &mut report).await?;
    }

    let attrs = attributes(s, rauc.as_ref(), now);
    if base.link("configData").is_some() || attrs != st.attributes {
        c.put_attributes(&attrs).await?;
        st.attributes = attrs;
        save(s, &st)?;
        report.attributes_sent = true;
    }

    if let Some(href) = base.link("cancelAction") {
        cancel(s, c, &mut st, href, &mut report).await?;
    } else if let Some(href) = base.link("confirmationBase").filter(|h| has_action(h)) {
        confirm(s, c, href, &mut report).await?;
    } else if let Some(href) = base.link("deploymentBase") {
        // Right after reporting a result the poll's answer is stale: next cycle.
        if st.installed.is_none() && report.reported.is_none() {
            deploy(s, c, &mut st, href, rauc.as_ref(), &mut report).await?;
        }
    }
    Ok(report)
}

/// `confirmationBase/{actionId}`, not the bare `confirmationBase` (the
/// auto-confirm state hawkBit may link to as well).
fn has_action(href: &str) -> bool {
    let path = href.split('?').next().unwrap_or(href).trim_end_matches('/');
    path.rsplit_once("/confirmationBase/").is_some_and(|(_, id)| !id.is_empty() && !id.contains('/'))
}

/// hawkBit's confirmation flow: the server waits for the panel's consent
/// before it offers the deployment. The panel consents when it would
/// install now (nobody at it, inside its maintenance hours, or at once when
/// forced); until then it gives no answer, and the action keeps waiting.
async fn confirm(s: &Settings, c: &Client, href: &str, report: &mut CycleReport) -> Result<(), FleetError> {
    let cb = c.confirmation(href).await?;
    match go_now(s, &cb.confirmation.update) {
        Go::Install => {
            let why = "confirmed by the panel: nobody at it, inside its maintenance hours".to_owned();
            c.consent(&cb.id, Consent::Confirmed, &[why]).await?;
            tracing::info!(action = %cb.id, "update confirmed");
            report.confirmed = Some(cb.id);
        }
        Go::Wait(why) => {
            tracing::info!(action = %cb.id, "not confirmed yet: {why}");
            report.waiting = Some(why);
        }
    }
    Ok(())
}

/// Whether an action may go ahead now: never during a citizen's session,
/// inside the maintenance hours unless `update` is `forced`, never while
/// hawkBit's own maintenance window is closed (`skip`).
fn go_now(s: &Settings, update: &str) -> Go {
    // A kiosk that is not running (no fresh report) has no citizen at it.
    let session = crate::health::read_fresh(&s.health_path, crate::now_ms()).map(|r| r.session_active).unwrap_or(false);
    let now = jiff::Zoned::now();
    let minute = now.hour() as u16 * 60 + now.minute() as u16;
    if update == "skip" {
        // hawkBit's own maintenance window for this assignment is closed.
        Go::Wait("waiting for the server's maintenance window".into())
    } else {
        policy::may_install(update == "forced", session, s.maintenance, minute)
    }
}

/// Tells the server why an action waits, once per reason (not at every poll
/// of a night-long wait), and remembers that it did.
async fn say_once(
    s: &Settings,
    c: &Client,
    st: &mut State,
    action: &str,
    progress: Option<Progress>,
    msg: &str,
) -> Result<(), FleetError> {
    if st.said.as_deref() != Some(msg) {
        c.feedback("deploymentBase", action, Execution::Proceeding, Finished::None, progress, &[msg.to_owned()])
            .await?;
        st.said = Some(msg.to_owned());
        save(s, st)?;
    }
    Ok(())
}

fn save(s: &Settings, st: &State) -> Result<(), FleetError> {
    state::save(&s.dir, st).map_err(|e| io(state::path(&s.dir).display(), e))
}

async fn report_install(
    s: &Settings,
    c: &Client,
    st: &mut State,
    installed: &Installed,
    rauc: Option<&RaucStatus>,
    now: i64,
    report: &mut CycleReport,
) -> Result<(), FleetError> {
    let Some(rauc) = rauc else {
        tracing::warn!("rauc status unreadable; the install's result waits");
        return Ok(());
    };
    let (finished, text) = match policy::boot_outcome(installed, rauc, now) {
        Outcome::Pending => {
            let msg = format!("slot {} runs {}; waiting for the health gate", rauc.booted, installed.version);
            say_once(s, c, st, &installed.action_id, None, &msg).await?;
            report.waiting = Some(msg);
            return Ok(());
        }
        Outcome::Success(m) => (Finished::Success, m),
        Outcome::Failure(m) => (Finished::Failure, m),
    };
    tracing::info!(action = %installed.action_id, result = ?finished, "{text}");
    c.feedback("deploymentBase", &installed.action_id, Execution::Closed, finished, None, &[text.clone()]).await?;
    st.installed = None;
    st.said = None;
    save(s, st)?;
    report.reported = Some(text);
    Ok(())
}

async fn cancel(
    s: &Settings,
    c: &Client,
    st: &mut State,
    href: &str,
    report: &mut CycleReport,
) -> Result<(), FleetError> {
    let cb = c.cancel(href).await?;
    let stop = cb.cancel_action.stop_id;
    if st.installed.as_ref().is_some_and(|i| i.action_id == stop) {
        // Written to the other slot already: the reboot decides, not a cancel.
        let msg = "the update is already installed; its result follows the reboot".to_owned();
        c.feedback("cancelAction", &cb.id, Execution::Rejected, Finished::Success, None, &[msg]).await?;
        return Ok(());
    }
    if st.download.as_ref().is_some_and(|d| d.action_id == stop) {
        if let Some(d) = st.download.take() {
            let _ = std::fs::remove_file(&d.file);
        }
    }
    let _ = std::fs::remove_file(bundle_path(s, &stop));
    st.said = None;
    save(s, st)?;
    let msg = format!("action {stop} cancelled; its download removed");
    c.feedback("cancelAction", &cb.id, Execution::Closed, Finished::Success, None, &[msg.clone()]).await?;
    tracing::info!("{msg}");
    report.cancelled = Some(stop);
    Ok(())
}

fn bundle_path(s: &Settings, action: &str) -> PathBuf {
    s.dir.join(format!("action-{}.raucb", sanitize(action)))
}

fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect()
}

async fn deploy(
    s: &Settings,
    c: &Client,
    st: &mut State,
    href: &str,
    rauc: Option<&RaucStatus>,
    report: &mut CycleReport,
) -> Result<(), FleetError> {
    let Some(d) = c.deployment(href).await? else {
        return Ok(()); // the server withdrew it between the poll and now
    };
    let id = d.id.clone();
    let fail = |msg: String| async move {
        tracing::warn!(action = %id, "{msg}");
        c.feedback("deploymentBase", &id, Execution::Closed, Finished::Failure, None, &[msg]).await
    };
    let Some((chunk, artifact)) = d
        .deployment
        .chunks
        .iter()
        .flat_map(|ch| ch.artifacts.iter().map(move |a| (ch, a)))
        .find(|(_, a)| a.href().is_some())
    else {
        return Ok(fail("the deployment has no artifact to download".into()).await?);
    };
    let Some((algo, want)) = policy::pick_hash(&artifact.hashes) else {
        return Ok(fail(format!("{}: the server gave no sha256, sha1 or md5 hash", artifact.filename)).await?);
    };
    let bundle = bundle_path(s, &d.id);
    let same = st.download.as_ref().is_some_and(|x| x.action_id == d.id && x.hash == want);
    if !(same && bundle.is_file()) {
        // A partial file is continued only for the same action and artifact.
        let part = s.dir.join(format!("action-{}.part", sanitize(&d.id)));
        if !(same && st.download.as_ref().is_some_and(|x| x.file == part)) {
            if let Some(old) = st.download.take() {
                let _ = std::fs::remove_file(old.file);
            }
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&bundle);
            st.download = Some(Download { action_id: d.id.clone(), hash: want.clone(), file: part.clone() });
            save(s, st)?;
        }
        let details = [format!("downloading {} ({})", artifact.filename, chunk.version)];
        c.feedback(
            "deploymentBase",
            &d.id,
            Execution::Proceeding,
            Finished::None,
            Some(Progress { cnt: 1, of: 4 }),
            &details,
        )
        .await?;
        // A bundle that cannot fit fails now, with the numbers, not at ENOSPC
        // halfway (and never eats the queue's reserve on a shared partition).
        if let Some(size) = artifact.size {
            let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            let free = free_bytes(&s.dir).map_err(|e| io(s.dir.display(), e))?;
            if let Some(msg) = policy::no_room(size, have, free) {
                return Ok(fail(format!("{}: {msg} in {}", artifact.filename, s.dir.display())).await?);
            }
        }
        let url = artifact.href().unwrap_or_default();
        let mut last = Err(io("download", "not tried"));
        for attempt in 1..=DOWNLOAD_ATTEMPTS {
            match c.download(url, &part, &mut |_| {}).await {
                Ok(n) => {
                    last = Ok(n);
                    break;
                }
                Err(e) => {
                    tracing::warn!(attempt, error = %e, "download interrupted; continuing from what arrived");
                    last = Err(e.into());
                    tokio::time::sleep(Duration::from_millis(500 * attempt as u64)).await;
                }
            }
        }
        let len = last?;
        if let Some(size) = artifact.size.filter(|&n| n != len) {
            let _ = std::fs::remove_file(&part);
            return Ok(fail(format!("{}: {len} bytes arrived, the server announced {size}", artifact.filename)).await?);
        }
        let got = digest(&part, algo).map_err(|e| io(part.display(), e))?;
        if got != want {
            let _ = std::fs::remove_file(&part);
            st.download = None;
            save(s, st)?;
            return Ok(fail(format!("{}: {algo:?} {got} does not match the server's {want}", artifact.filename)).await?);
        }
        std::fs::rename(&part, &bundle).map_err(|e| io(bundle.display(), e))?;
        let details = [format!("downloaded {} ({len} bytes, {algo:?} verified)", artifact.filename)];
        c.feedback(
            "deploymentBase",
            &d.id,
            Execution::Proceeding,
            Finished::None,
            Some(Progress { cnt: 2, of: 4 }),
            &details,
        )
        .await?;
    }
    st.download = Some(Download { action_id: d.id.clone(), hash: want, file: bundle.clone() });
    save(s, st)?;

    if let Go::Wait(why) = go_now(s, &d.deployment.update) {
        // Said once per reason, not at every poll of a night-long wait.
        say_once(s, c, st, &d.id, Some(Progress { cnt: 2, of: 4 }), &why).await?;
        report.waiting = Some(why);
        return Ok(());
    }

    c.feedback(
        "deploymentBase",
        &d.id,
        Execution::Proceeding,
        Finished::None,
        Some(Progress { cnt: 3, of: 4 }),
        &["installing with rauc".to_owned()],
    )
    .await?;
    // RAUC writes the slot for minutes: off the async workers.
    let b = bundle.clone();
    let out = tokio::task::spawn_blocking(move || std::process::Command::new("rauc").arg("install").arg(&b).output())
        .await
        .map_err(|e| io("rauc install", e))?;
    let out = match out {
        Ok(o) => o,
        Err(e) => return Ok(fail(format!("cannot run rauc: {e}")).await?),
    };
    if !out.status.success() {
        let _ = std::fs::remove_file(&bundle);
        st.download = None;
        save(s, st)?;
        let err = String::from_utf8_lossy(&out.stderr);
        let last: Vec<&str> = err.lines().rev().take(3).collect();
        return Ok(
            fail(format!("rauc install failed: {}", last.into_iter().rev().collect::<Vec<_>>().join(" / "))).await?
        );
    }
    let _ = std::fs::remove_file(&bundle);
    st.download = None;
    st.said = None;
    st.installed = Some(Installed {
        action_id: d.id.clone(),
        version: chunk.version.clone(),
        from_slot: rauc.map(|r| r.booted.clone()).unwrap_or_default(),
        installed_ms: crate::now_ms(),
    });
    // Durable before the reboot: the next boot reports this action's result.
    save(s, st)?;
    c.feedback(
        "deploymentBase",
        &d.id,
        Execution::Proceeding,
        Finished::None,
        Some(Progress { cnt: 4, of: 4 }),
        &[format!("installed {}; rebooting into it (kept only if the health gate passes)", chunk.version)],
    )
    .await?;
    report.installed = Some(d.id.clone());
    tracing::info!(action = %d.id, version = %chunk.version, "installed; rebooting");
    match std::process::Command::new("systemctl").arg("reboot").status() {
        Ok(st) if st.success() => {}
        other => tracing::error!(?other, "systemctl reboot failed; the update waits for the next boot"),
    }
    Ok(())
}

fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    let st = rustix::fs::statvfs(dir).map_err(std::io::Error::from)?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

fn digest(path: &Path, algo: Algo) -> std::io::Result<String> {
    use std::io::Read;
    fn run<D: sha2::Digest>(mut d: D, f: &mut std::fs::File) -> std::io::Result<String> {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            d.update(&buf[..n]);
        }
        Ok(d.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
    let mut f = std::fs::File::open(path)?;
    match algo {
        Algo::Sha256 => run(sha2::Sha256::default(), &mut f),
        Algo::Sha1 => run(sha1::Sha1::default(), &mut f),
        Algo::Md5 => run(md5::Md5::default(), &mut f),
    }
}

/// `rauc status --output-format=json`, or `None` when RAUC cannot tell.
pub fn rauc_status() -> Option<RaucStatus> {
    let out = std::process::Command::new("rauc").args(["status", "--output-format=json"]).output().ok()?;
    if !out.status.success() {
        tracing::debug!(stderr = %String::from_utf8_lossy(&out.stderr), "rauc status failed");
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// The image version: what RAUC installed in the booted slot, else what the
/// image build wrote.
fn image_version(rauc: Option<&RaucStatus>) -> String {
    rauc.and_then(|r| r.booted_version())
        .or_else(|| std::fs::read_to_string("/etc/ghiseu-version").ok().map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned())
}

/// Everything the server learns about the panel. `hw_boardname` and
/// `sw_version` repeat the RAUC compatible and the image version under the
/// names gooseBit matches software on.
pub fn attributes(s: &Settings, rauc: Option<&RaucStatus>, now: i64) -> BTreeMap<String, String> {
    let report = crate::health::read_fresh(&s.health_path, now)
        .map_err(|e| tracing::debug!(error = %e, "no report from a running kiosk"))
        .ok();
    let mut a = policy::health_attributes(report.as_ref(), now);
    let version = image_version(rauc);
    let compatible = rauc.map(|r| r.compatible.clone()).filter(|c| !c.is_empty()).unwrap_or_else(|| "unknown".into());
    let slot = rauc.map(|r| r.booted.clone()).filter(|c| !c.is_empty()).unwrap_or_else(|| "unknown".into());
    a.insert("kiosk_id".into(), s.identity.kiosk_id.clone());
    a.insert("municipality".into(), s.identity.municipality.clone());
    a.insert("board".into(), s.identity.board.clone());
    a.insert("image_version".into(), version.clone());
    a.insert("slot".into(), slot);
    a.insert("rauc_compatible".into(), compatible.clone());
    a.insert("hw_boardname".into(), compatible);
    a.insert("sw_version".into(), version);
    // hawkBit keeps at most 128 characters of a value.
    for v in a.values_mut() {
        if v.chars().count() > 128 {
            *v = v.chars().take(128).collect();
        }
    }
    a
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_an_action_waiting_for_consent_is_answered_not_the_auto_confirm_state() {
        let base = "https://h/DEFAULT/controller/v1/k";
        assert!(super::has_action(&format!("{base}/confirmationBase/7?c=-2129030598")));
        assert!(super::has_action(&format!("{base}/confirmationBase/7")));
        assert!(!super::has_action(&format!("{base}/confirmationBase")));
        assert!(!super::has_action(&format!("{base}/confirmationBase/activateAutoConfirm/x")));
    }
}
