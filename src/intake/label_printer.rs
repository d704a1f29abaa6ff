//! The registry's QR label from the intake: the same label the staff desk
//! prints at a kiosk (`print::label`: a 1-bit raster in ZPL, TSPL or ESC/POS),
//! sent raw over TCP to a network label printer (port 9100, "JetDirect"),
//! or offered as a download.
//!
//! A leaf: settings and bytes on a socket; it knows nothing of pages.

use crate::print::label::{self, LabelData, LabelLang, LabelQr};
use crate::print::{PrintJob, Profile};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// How the intake makes and sends labels (`ghiseu intake --label-…`).
#[derive(Debug, Clone)]
pub struct LabelSettings {
    /// `HOST:PORT` of the label printer (raw TCP, usually port 9100); none:
    /// labels can only be downloaded.
    pub printer: Option<String>,
    pub lang: LabelLang,
    /// The label's size and resolution.
    pub profile: Profile,
    /// What the QR holds: `NUMBER/DATE`, or a link to the document.
    pub qr: LabelQr,
    /// Printed under the number.
    pub municipality: String,
}

impl Default for LabelSettings {
    fn default() -> Self {
        LabelSettings {
            printer: None,
            lang: LabelLang::Zpl,
            profile: Profile::find("zebra-203", &Default::default()).expect("a built-in label profile"),
            qr: LabelQr::Number,
            municipality: String::new(),
        }
    }
}

impl LabelSettings {
    /// The label of registration `number` of `date`.
    pub fn job(&self, number: &str, date: &str) -> PrintJob {
        let data = LabelData {
            number: number.to_owned(),
            date: date.to_owned(),
            municipality: self.municipality.clone(),
            qr: self.qr.content(number, date),
        };
        label::job(&data, &self.profile, self.lang)
    }

    /// The file extension of the printer's language (for downloads).
    pub fn extension(&self) -> &'static str {
        match self.lang {
            LabelLang::Zpl => "zpl",
            LabelLang::Tspl => "tspl",
            LabelLang::Escpos => "bin",
        }
    }

    /// The printer's language as staff read it.
    pub fn lang_name(&self) -> &'static str {
        match self.lang {
            LabelLang::Zpl => "ZPL",
            LabelLang::Tspl => "TSPL",
            LabelLang::Escpos => "ESC/POS",
        }
    }
}

/// How long a printer may take to accept the connection and the bytes.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends `bytes` to the printer at `address` over raw TCP and closes the
/// connection (the printer prints what it received), within `timeout`.
pub async fn send(address: &str, bytes: &[u8], timeout: Duration) -> std::io::Result<()> {
    let work = async {
        let mut s = tokio::net::TcpStream::connect(address).await?;
        s.write_all(bytes).await?;
        s.flush().await?;
        s.shutdown().await
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the label printer did not answer in time")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_label_reaches_a_listening_printer_whole() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let got = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![];
            tokio::io::AsyncReadExt::read_to_end(&mut s, &mut buf).await.unwrap();
            buf
        });
        let job = LabelSettings::default().job("7", "29.11.2026");
        send(&addr, &job.bytes, SEND_TIMEOUT).await.unwrap();
        assert_eq!(got.await.unwrap(), job.bytes);
        assert!(job.bytes.starts_with(b"^XA"));
    }

    #[tokio::test]
    async fn a_printer_that_is_not_there_is_an_error_not_a_wait() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        assert!(send(&format!("127.0.0.1:{port}"), b"^XA^XZ", SEND_TIMEOUT).await.is_err());
    }
}
