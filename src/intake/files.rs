//! The intake's files at rest: its data folder holds opened answers (CNPs
//! included) and the registry's PDFs, so folders are 0700 and files 0600
//! whatever the umask, and a filed document is written once, whole.
//!
//! A leaf: it imports nothing of the intake, so the store and the routes can
//! both use it.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` (and its parents) if missing and makes it 0700, also when it
/// was already there with looser modes.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Makes sure `path` exists and is 0600 before anyone (SQLite) opens it.
pub fn private_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// Files `bytes` as `dir/name`: written to a temporary file of its own in the
/// same folder (0600), synced, then renamed over, so a reader sees the whole
/// document or none. When the same bytes are already filed nothing is written.
pub fn write_whole(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = dir.join(name);
    if std::fs::read(&path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let mut tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&path).map_err(|e| e.error)?;
    // The rename itself is durable once the folder is synced.
    std::fs::File::open(dir)?.sync_all()
}

/// Where the files staff send with their messages are kept (`DATA/messages/`):
/// on disk, not in the database, each under a random name that is also the
/// secret part of its link on the citizen's status page.
pub fn messages_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("messages")
}

/// The largest file a message may carry unless the intake is told otherwise.
pub const DEFAULT_MESSAGE_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Files a message's attachment (whole, synced, 0600) under a fresh random
/// name (256 bits, URL-safe); the name is returned for the store.
pub fn save_message_file(messages_dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    use base64::Engine;
    private_dir(messages_dir)?;
    let name = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    write_whole(messages_dir, &name, bytes)?;
    Ok(name)
}

/// Whether `name` could be one of [`save_message_file`]'s names (so a link
/// can never reach outside the folder).
pub fn is_stored_name(name: &str) -> bool {
    name.len() == 43 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A file name as sent by a browser or a shell, made safe to show and to
/// offer back: no folders, no control characters, at most 100 characters.
pub fn clean_file_name(sent: &str) -> String {
    let base = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(100).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "fisier".to_owned()
    } else {
        clean
    }
}

/// A stored file's type, from a short list by its extension (the web inbox,
/// the citizen's page and the registry API all serve files with this).
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// How a stored file is served: a type from a short list by its extension
/// (anything else is `application/octet-stream`), always as a download
/// (`attachment`) with the name in ASCII and in UTF-8 (RFC 6266).
pub fn download_headers(name: &str) -> (&'static str, String) {
    let ct = content_type(name);
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "._- ".contains(c) { c } else { '_' }).collect();
    let mut utf8 = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
            utf8.push(b as char);
        } else {
            utf8.push_str(&format!("%{b:02X}"));
        }
    }
    (ct, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"))
}

/// The files of a request filed beside its PDF: `documents/CODE-*`,
/// `documents/CODE_*` and `documents/CODE/*` (the attached pages are
/// `documents/CODE/NN-DOCUMENT.jpg`), by name: the staff's request page and the
/// registry API list these, and serve only a name this listing gives.
pub fn request_files(documents: &Path, code: &str) -> Vec<(String, std::path::PathBuf)> {
    let mut out = vec![];
    if let Ok(dir) = std::fs::read_dir(documents) {
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let beside = name.strip_prefix(code).is_some_and(|rest| rest.starts_with(['-', '_']));
            if beside && e.path().is_file() {
                out.push((name, e.path()));
            }
        }
    }
    if let Ok(dir) = std::fs::read_dir(documents.join(code)) {
        for e in dir.flatten() {
            if e.path().is_file() {
                out.push((e.file_name().to_string_lossy().into_owned(), e.path()));
            }
        }
    }
    out.retain(|(n, _)| !n.starts_with('.') && !n.contains(['/', '\\']));
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_file_name_loses_its_folders_and_tricks() {
        assert_eq!(clean_file_name("C:\\Users\\ana\\răspuns.pdf"), "răspuns.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("..\"x\n.pdf"), "x.pdf");
        assert_eq!(clean_file_name(""), "fisier");
    }

    #[test]
    fn a_stored_file_is_offered_as_a_download_with_a_safe_type() {
        let (ct, cd) = download_headers("Răspuns nr 5.pdf");
        assert_eq!(ct, "application/pdf");
        assert_eq!(cd, "attachment; filename=\"R_spuns nr 5.pdf\"; filename*=UTF-8''R%C4%83spuns%20nr%205.pdf");
        assert_eq!(download_headers("pagina.html").0, "application/octet-stream");
        assert_eq!(download_headers("fără-extensie").0, "application/octet-stream");
    }

    #[test]
    fn only_stored_names_pass() {
        let dir = tempfile::tempdir().unwrap();
        let name = save_message_file(dir.path(), b"%PDF-1.7").unwrap();
        assert!(is_stored_name(&name), "{name}");
        assert_eq!(std::fs::read(dir.path().join(&name)).unwrap(), b"%PDF-1.7");
        assert!(!is_stored_name("../intake.sqlite") && !is_stored_name(""));
    }

    #[test]
    fn only_the_requests_own_files_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["K7Q-4M2-X9.pdf", "K7Q-4M2-X9-p1.jpg", "K7Q-4M2-X99.pdf", "ABC-DEF-GH-p1.jpg"] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("K7Q-4M2-X9")).unwrap();
        std::fs::write(dir.path().join("K7Q-4M2-X9/pagina-2.png"), b"x").unwrap();
        let names: Vec<String> = request_files(dir.path(), "K7Q-4M2-X9").into_iter().map(|f| f.0).collect();
        assert_eq!(names, ["K7Q-4M2-X9-p1.jpg", "pagina-2.png"]);
    }
}
