//! How ID scanners frame a document on a byte stream, decoded by a pure,
//! incremental parser: feed it whatever a read returned (a torn half frame,
//! two frames, garbage between them) and it hands back whole documents.
//!
//! - `line`: every non-empty line (CR, LF or CRLF) is a document: QR and
//!   barcode scanners.
//! - `lines`: MRZ lines ending in CR, LF or CRLF; a document is complete when
//!   the last lines have an MRZ's shape (3×30, 2×36, 2×44). A blank line ends
//!   a document that has no MRZ shape, so a bad read is still reported.
//! - `stx-etx` (Desko style): `STX document ETX`.
//! - `soh-length` (3M/Thales style): `SOH len_hi len_lo payload ETX BCC`,
//!   BCC being the XOR of the length bytes, the payload and ETX.
//!
//! Bytes outside frames are dropped; a frame with a bad BCC is dropped and
//! the parser re-synchronises on the next SOH.

use serde::Deserialize;

const SOH: u8 = 0x01;
const STX: u8 = 0x02;
const ETX: u8 = 0x03;
/// A document is a few hundred bytes; anything longer is noise.
const MAX_FRAME: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framing {
    Line,
    Lines,
    StxEtx,
    SohLength,
}

#[derive(Debug)]
pub struct Framer {
    framing: Framing,
    buf: Vec<u8>,
    lines: Vec<String>,
    after_cr: bool,
}

fn is_mrz_shape(lines: &[String]) -> bool {
    let lens: Vec<usize> = lines.iter().map(|l| l.len()).collect();
    matches!(lens.as_slice(), [30, 30, 30] | [36, 36] | [44, 44])
}

impl Framer {
    pub fn new(framing: Framing) -> Framer {
        Framer { framing, buf: Vec::new(), lines: Vec::new(), after_cr: false }
    }

    /// Feeds bytes; returns the documents they completed, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(bytes);
        let docs = match self.framing {
            Framing::Lines | Framing::Line => self.lines(),
            Framing::StxEtx => self.stx_etx(),
            Framing::SohLength => self.soh_length(),
        };
        if self.buf.len() > MAX_FRAME {
            // Runaway garbage with no frame end: keep only the tail.
            let cut = self.buf.len() - MAX_FRAME;
            self.buf.drain(..cut);
        }
        docs
    }

    fn lines(&mut self) -> Vec<String> {
        let mut docs = vec![];
        // In this mode `buf` holds the line in progress.
        let bytes = std::mem::take(&mut self.buf);
        for b in bytes {
            match b {
                // The LF of a CRLF: the line already ended at the CR.
                b'\n' if self.after_cr => self.after_cr = false,
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    self.end_line(&mut docs);
                }
                _ => {
                    self.after_cr = false;
                    self.buf.push(b);
                }
            }
        }
        docs
    }

    fn end_line(&mut self, docs: &mut Vec<String>) {
        let text = String::from_utf8_lossy(&self.buf).trim().to_owned();
        self.buf.clear();
        if text.is_empty() {
            // A blank line ends a document in progress, MRZ-shaped or not.
            if !self.lines.is_empty() {
                docs.push(self.lines.drain(..).collect::<Vec<_>>().join("\n"));
            }
            return;
        }
        if self.framing == Framing::Line {
            docs.push(text);
            return;
        }
        self.lines.push(text);
        // Complete as soon as the tail has an MRZ's shape.
        for n in [3, 2] {
            if self.lines.len() >= n && is_mrz_shape(&self.lines[self.lines.len() - n..]) {
                let start = self.lines.len() - n;
                docs.push(self.lines.split_off(start).join("\n"));
                self.lines.clear();
                return;
            }
        }
        if self.lines.len() > 3 {
            self.lines.remove(0);
        }
    }

    fn stx_etx(&mut self) -> Vec<String> {
        let mut docs = vec![];
        loop {
            let Some(start) = self.buf.iter().position(|&b| b == STX) else {
                self.buf.clear();
                return docs;
            };
            self.buf.drain(..start);
            // A second STX before ETX means the first frame was torn: restart there.
            let next_stx = self.buf[1..].iter().position(|&b| b == STX).map(|p| p + 1);
            let Some(end) = self.buf.iter().position(|&b| b == ETX) else { return docs };
            if let Some(s) = next_stx.filter(|&s| s < end) {
                self.buf.drain(..s);
                continue;
            }
            let frame: Vec<u8> = self.buf.drain(..=end).collect();
            docs.push(String::from_utf8_lossy(&frame[1..frame.len() - 1]).trim().to_owned());
        }
    }

    fn soh_length(&mut self) -> Vec<String> {
        let mut docs = vec![];
        loop {
            let Some(start) = self.buf.iter().position(|&b| b == SOH) else {
                self.buf.clear();
                return docs;
            };
            self.buf.drain(..start);
            if self.buf.len() < 3 {
                return docs;
            }
            let len = usize::from(self.buf[1]) << 8 | usize::from(self.buf[2]);
            if len > MAX_FRAME {
                self.buf.drain(..1);
                continue;
            }
            let total = 3 + len + 2;
            if self.buf.len() < total {
                return docs;
            }
            let payload = &self.buf[3..3 + len];
            let etx = self.buf[3 + len];
            let bcc = self.buf[4 + len];
            let expected = self.buf[1..4 + len].iter().fold(0u8, |a, b| a ^ b);
            if etx == ETX && bcc == expected {
                docs.push(String::from_utf8_lossy(payload).trim().to_owned());
                self.buf.drain(..total);
            } else {
                // Corrupt: skip this SOH and look for the next one.
                self.buf.drain(..1);
            }
        }
    }
}

/// Wraps a document the way a `soh-length` scanner sends it (for simulators and tests).
pub fn soh_frame(doc: &str) -> Vec<u8> {
    let len = doc.len() as u16;
    let mut f = vec![SOH, (len >> 8) as u8, len as u8];
    f.extend_from_slice(doc.as_bytes());
    f.push(ETX);
    let bcc = f[1..].iter().fold(0u8, |a, b| a ^ b);
    f.push(bcc);
    f
}

/// Wraps a document the way an `stx-etx` scanner sends it.
pub fn stx_frame(doc: &str) -> Vec<u8> {
    let mut f = vec![STX];
    f.extend_from_slice(doc.replace('\n', "\r").as_bytes());
    f.push(ETX);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD2: &str = "IDROUPOPESCU<<MARIA<ELENA<<<<<<<<<<<\nRX123456<9ROU8505095F300509522049960";
    const TD1: &str = "I<UTOD23145890<7349<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";

    /// Feeds `bytes` in every possible split into two reads and checks the documents.
    fn all_splits(framing: Framing, bytes: &[u8], expected: &[&str]) {
        for cut in 0..=bytes.len() {
            let mut f = Framer::new(framing);
            let mut docs = f.push(&bytes[..cut]);
            docs.extend(f.push(&bytes[cut..]));
            assert_eq!(docs, expected, "{framing:?} split at {cut}");
        }
    }

    #[test]
    fn lines_with_cr_lf_or_crlf_and_torn_reads() {
        for eol in ["\r", "\n", "\r\n"] {
            let bytes = format!("{}{eol}", TD2.replace('\n', eol));
            all_splits(Framing::Lines, bytes.as_bytes(), &[TD2]);
            let bytes = format!("{}{eol}", TD1.replace('\n', eol));
            all_splits(Framing::Lines, bytes.as_bytes(), &[TD1]);
        }
    }

    #[test]
    fn lines_skip_garbage_and_report_a_shapeless_document_on_a_blank_line() {
        let bytes = format!("noise\r{}\r\r", TD2.replace('\n', "\r"));
        let mut f = Framer::new(Framing::Lines);
        assert_eq!(f.push(bytes.as_bytes()), [TD2]);
        let mut f = Framer::new(Framing::Lines);
        assert_eq!(f.push(b"SMUDGED LINE\r\r"), ["SMUDGED LINE"]);
    }

    #[test]
    fn stx_etx_frames_with_garbage_between_and_torn_frames() {
        let mut bytes = b"\xff\x00junk".to_vec();
        bytes.extend(stx_frame(TD2));
        bytes.extend(b"\r\n");
        bytes.extend(stx_frame(TD1));
        let expected = [TD2.replace('\n', "\r"), TD1.replace('\n', "\r")];
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        all_splits(Framing::StxEtx, &bytes, &expected);
        // A frame cut off by a new STX is dropped, the next one read.
        let mut torn = stx_frame(TD2);
        torn.truncate(20);
        torn.extend(stx_frame(TD1));
        assert_eq!(Framer::new(Framing::StxEtx).push(&torn), [TD1.replace('\n', "\r")]);
    }

    #[test]
    fn soh_length_checks_the_bcc_and_resynchronises() {
        let mut bytes = b"garbage".to_vec();
        bytes.extend(soh_frame(TD2));
        bytes.extend(soh_frame(TD1));
        all_splits(Framing::SohLength, &bytes, &[TD2, TD1]);
        let mut corrupt = soh_frame(TD2);
        corrupt[10] ^= 0x20; // one flipped bit in the payload
        corrupt.extend(soh_frame(TD1));
        assert_eq!(Framer::new(Framing::SohLength).push(&corrupt), [TD1]);
    }

    #[test]
    fn line_framing_makes_every_line_a_document() {
        let bytes = b"https://x.ro/s/K7Q-4M2-X9\r\nghiseu-staff:ana\n\r\n";
        all_splits(Framing::Line, bytes, &["https://x.ro/s/K7Q-4M2-X9", "ghiseu-staff:ana"]);
    }

    #[test]
    fn endless_garbage_does_not_grow_the_buffer() {
        for framing in [Framing::Line, Framing::Lines, Framing::StxEtx, Framing::SohLength] {
            let mut f = Framer::new(framing);
            for _ in 0..100 {
                f.push(&[b'x'; 500]);
            }
            assert!(f.buf.len() <= MAX_FRAME, "{framing:?}");
        }
    }
}
