//! `ghiseu intake`: the reference intake server and its administration.

use super::runtime;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum IntakeAdmin {
    /// Enrols a kiosk: its public key is trusted for its id.
    Enroll {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        kiosk: String,
        #[arg(long)]
        public_key: PathBuf,
    },
    /// Revokes a kiosk: its submissions are refused from now on.
    Revoke {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        kiosk: String,
    },
    /// Moves a request to another stage: registered, in-progress, resolved, rejected.
    Stage {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        database: Option<String>,
        tracking_code: String,
        stage: String,
    },
    /// Registers envelopes exported from a kiosk (`ghiseu queue export`).
    Import {
        #[arg(long)]
        data: PathBuf,
        files: Vec<PathBuf>,
    },
}

/// Serves the intake API until Ctrl-C.
pub fn serve(
    listen: String,
    data: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    database: Option<String>,
) -> Result<ExitCode> {
    let Some(data) = data else { bail!("--data DIR is required") };
    let tls = tls_cert.zip(tls_key).map(|(cert, key)| ghiseu::intake::Tls { cert, key });
    let rt = runtime()?;
    rt.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("listening on {listen}"))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        eprintln!("ghiseu intake: listening on {scheme}://{}", listener.local_addr()?);
        ghiseu::intake::serve_with(listener, &data, database, tls, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn admin(admin: IntakeAdmin) -> Result<ExitCode> {
    match admin {
        IntakeAdmin::Enroll { data, kiosk, public_key } => {
            if !ghiseu::wire::api::valid_kiosk_id(&kiosk) {
                bail!("kiosk id `{kiosk}`: use letters, digits, '-', '_' and '.'");
            }
            let key = ghiseu::crypto::load_public_key(&public_key)?;
            let dir = data.join("kiosks");
            std::fs::create_dir_all(&dir)?;
            std::fs::copy(&public_key, dir.join(format!("{kiosk}.pem")))?;
            let _ = std::fs::remove_file(dir.join(format!("{kiosk}.revoked")));
            println!("enrolled {kiosk}, fingerprint {}", ghiseu::crypto::fingerprint(&key));
        }
        IntakeAdmin::Revoke { data, kiosk } => {
            if !ghiseu::wire::api::valid_kiosk_id(&kiosk) {
                bail!("kiosk id `{kiosk}`: use letters, digits, '-', '_' and '.'");
            }
            let dir = data.join("kiosks");
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(format!("{kiosk}.revoked")), b"")?;
            println!("revoked {kiosk}");
        }
        IntakeAdmin::Stage { data, database, tracking_code, stage } => {
            let code = ghiseu::wire::tracking::parse(&tracking_code)?;
            let stage = ghiseu::wire::api::Stage::parse(&stage)
                .context("stage must be one of: registered, in-progress, resolved, rejected")?;
            let mut store = ghiseu::intake::store::Store::open_for(&data, database.as_deref())?;
            if !store.set_stage(&code, stage)? {
                bail!("no submission with tracking code {code}");
            }
            println!("{code}: {}", stage.code());
        }
        IntakeAdmin::Import { data, files } => {
            let rt = runtime()?;
            let mut failed = 0;
            rt.block_on(async {
                let router = ghiseu::intake::router(&data, None)?;
                for f in &files {
                    let body = std::fs::read(f)?;
                    let env: ghiseu::wire::api::Envelope = serde_json::from_slice(&body)
                        .with_context(|| format!("{} is not an exported envelope", f.display()))?;
                    let req = axum::http::Request::post("/api/v1/submissions")
                        .header("idempotency-key", &env.key)
                        .body(axum::body::Body::from(body))?;
                    let res = tower::ServiceExt::oneshot(router.clone(), req).await?;
                    let status = res.status();
                    let text = axum::body::to_bytes(res.into_body(), 64 * 1024).await?;
                    println!("{}: {} {}", f.display(), status.as_u16(), String::from_utf8_lossy(&text));
                    if !status.is_success() {
                        failed += 1;
                    }
                }
                anyhow::Ok(())
            })?;
            return Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
    }
    Ok(ExitCode::SUCCESS)
}
