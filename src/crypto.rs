//! Sealing and signing of submissions.
//!
//! Each submission's data is encrypted at commit time to the municipality's
//! public key with `age` (X25519), so a stolen kiosk's disk reveals no
//! personal data; only the intake, holding the private key, opens it. The
//! kiosk signs each envelope with its own Ed25519 key (PKCS#8 PEM, as
//! `openssl genpkey -algorithm ed25519` writes), so the registry knows which
//! kiosk sent what, also for envelopes carried by hand (`queue export`).

use age::secrecy::ExposeSecret;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("key file {path} is not {expected}: {detail}")]
    Format { path: String, expected: &'static str, detail: String },
    #[error("cannot write key file {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

fn read(path: &Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path).map_err(|source| KeyError::Read { path: path.display().to_string(), source })
}

fn format_err(path: &Path, expected: &'static str, detail: impl ToString) -> KeyError {
    KeyError::Format { path: path.display().to_string(), expected, detail: detail.to_string() }
}

/// Writes a secret file readable by its owner only.
fn write_secret(path: &Path, text: &str) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let err = |source| KeyError::Write { path: path.display().to_string(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut f =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path).map_err(err)?;
    f.write_all(text.as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)
}

/// The kiosk's own signing key.
pub struct KioskKey(SigningKey);

impl KioskKey {
    pub fn generate() -> KioskKey {
        KioskKey(SigningKey::from_bytes(&rand::random::<[u8; 32]>()))
    }

    /// Reads a PKCS#8 PEM key: the RFC 8410 form `save` writes, and the
    /// PKCS#8 v2 form (the public key embedded) earlier versions wrote and
    /// panels in the field still hold; a v2 key whose embedded public key
    /// does not match its private key is refused.
    pub fn load(path: &Path) -> Result<KioskKey, KeyError> {
        let pem = read(path)?;
        SigningKey::from_pkcs8_pem(&pem)
            .map(KioskKey)
            .map_err(|e| format_err(path, "an Ed25519 private key (PKCS#8 PEM)", e))
    }

    /// Writes the key as RFC 8410 PKCS#8 (v1, no embedded public key),
    /// exactly what `openssl genpkey -algorithm ed25519` writes; OpenSSL 3
    /// and Python's `cryptography` refuse the v2 form with the public key
    /// that `SigningKey::to_pkcs8_pem` produces.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        write_secret(path, &self.private_pem())
    }

    fn private_pem(&self) -> String {
        let v1 = ed25519_dalek::pkcs8::KeypairBytes { secret_key: self.0.to_bytes(), public_key: None };
        v1.to_pkcs8_pem(LineEnding::LF).expect("an Ed25519 key encodes").to_string()
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), as `openssl pkey -pubout` writes it.
    pub fn public_pem(&self) -> String {
        self.0.verifying_key().to_public_key_pem(LineEnding::LF).expect("an Ed25519 key encodes")
    }

    /// What an intake administrator compares when enrolling the kiosk.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0.verifying_key())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

/// SHA-256 of the public key, in groups of four hex digits.
pub fn fingerprint(key: &VerifyingKey) -> String {
    let hex: String = Sha256::digest(key.as_bytes()).iter().take(16).map(|b| format!("{b:02x}")).collect();
    hex.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

pub fn load_public_key(path: &Path) -> Result<VerifyingKey, KeyError> {
    let pem = read(path)?;
    VerifyingKey::from_public_key_pem(&pem).map_err(|e| format_err(path, "an Ed25519 public key (PEM)", e))
}

pub fn verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(sig) = Signature::from_slice(signature) else { return false };
    key.verify(message, &sig).is_ok()
}

/// The municipality's age recipient (public key), `age1…`.
pub fn load_recipient(path: &Path) -> Result<age::x25519::Recipient, KeyError> {
    let text = read(path)?;
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    line.parse().map_err(|e: &str| format_err(path, "an age public key (age1…)", e))
}

/// The municipality's age identity (private key), `AGE-SECRET-KEY-1…`; only the intake has it.
pub fn load_identity(path: &Path) -> Result<age::x25519::Identity, KeyError> {
    let text = read(path)?;
    let line = text.lines().map(str::trim).find(|l| l.starts_with("AGE-SECRET-KEY-")).unwrap_or("");
    line.parse().map_err(|e: &str| format_err(path, "an age private key (AGE-SECRET-KEY-1…)", e))
}

/// Generates a municipality key pair: writes the identity, returns the recipient.
pub fn generate_municipality_key(path: &Path) -> Result<String, KeyError> {
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    write_secret(path, &format!("# public key: {recipient}\n{}\n", id.to_string().expose_secret()))?;
    Ok(recipient)
}

pub fn seal(recipient: &age::x25519::Recipient, plaintext: &[u8]) -> Vec<u8> {
    age::encrypt(recipient, plaintext).expect("age encryption to an X25519 recipient cannot fail")
}

pub fn open(identity: &age::x25519::Identity, sealed: &[u8]) -> Result<Vec<u8>, String> {
    age::decrypt(identity, sealed).map_err(|e| e.to_string())
}

/// What a kiosk needs to seal and sign: its id, the municipality's public
/// key and its own signing key.
pub struct Sealer {
    pub kiosk_id: String,
    pub recipient: age::x25519::Recipient,
    pub key: KioskKey,
}

impl Sealer {
    /// Seals a submission into the envelope the kiosk stores and sends.
    pub fn envelope(&self, body: &crate::wire::api::SubmissionBody) -> crate::wire::api::Envelope {
        use base64::Engine;
        let plain = serde_json::to_vec(body).expect("a submission serialises");
        let mut env = crate::wire::api::Envelope {
            key: body.key.clone(),
            tracking_code: body.tracking_code.clone(),
            kiosk_id: self.kiosk_id.clone(),
            form_id: body.form_id.clone(),
            created_ms: body.created_ms,
            sealed: base64::engine::general_purpose::STANDARD.encode(seal(&self.recipient, &plain)),
            signature: String::new(),
            supplement_of: body.supplement_of.clone(),
        };
        env.signature = base64::engine::general_purpose::STANDARD.encode(self.key.sign(&env.signed_message()));
        env
    }
}

/// Creates a matching set of keys for a kiosk and an intake (the demo and
/// tests; a real municipality keeps its private key away from kiosks):
/// `kiosk_dir/{kiosk.pem, municipality.pub}`, `intake_dir/{municipality.key, kiosks/ID.pem}`.
pub fn provision_pair(kiosk_dir: &Path, intake_dir: &Path, kiosk_id: &str) -> Result<(), KeyError> {
    let recipient = generate_municipality_key(&intake_dir.join("municipality.key"))?;
    let werr = |path: &Path| {
        let path = path.display().to_string();
        move |source| KeyError::Write { path, source }
    };
    std::fs::create_dir_all(kiosk_dir).map_err(werr(kiosk_dir))?;
    let pubfile = kiosk_dir.join("municipality.pub");
    std::fs::write(&pubfile, format!("{recipient}\n")).map_err(werr(&pubfile))?;
    let key = KioskKey::generate();
    key.save(&kiosk_dir.join("kiosk.pem"))?;
    let enrolled = intake_dir.join("kiosks").join(format!("{kiosk_id}.pem"));
    std::fs::create_dir_all(enrolled.parent().expect("has a parent")).map_err(werr(&enrolled))?;
    std::fs::write(&enrolled, key.public_pem()).map_err(werr(&enrolled))?;
    Ok(())
}

/// What to do about a TLS failure reaching the intake, for the mistakes a
/// technician makes with certificates (`error` is the connection error's
/// text, with rustls's reason in it). The recipe is in image-build/README.md#tls.
pub fn tls_advice(error: &str) -> Option<&'static str> {
    Some(if error.contains("CaUsedAsEndEntity") {
        "the intake's certificate is a CA certificate; make a server certificate signed by your CA: \
         see image-build/README.md#tls"
    } else if error.contains("UnknownIssuer") {
        "the intake's certificate is signed by a CA this kiosk does not trust: give the kiosk your CA's \
         certificate (intake.ca, or intake_ca when provisioning): see image-build/README.md#tls"
    } else if error.contains("NotValidForName") {
        "the intake's certificate does not name the host in intake.url (its subjectAltName must): \
         see image-build/README.md#tls"
    } else if error.contains("Expired") || error.contains("NotValidYet") {
        "the intake's certificate has expired or is not valid yet (check this panel's clock, then the \
         certificate's dates): see image-build/README.md#tls"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_with_the_municipality_key() {
        let dir = tempfile::tempdir().unwrap();
        let recipient = generate_municipality_key(&dir.path().join("m.key")).unwrap();
        std::fs::write(dir.path().join("m.pub"), format!("{recipient}\n")).unwrap();
        let r = load_recipient(&dir.path().join("m.pub")).unwrap();
        let id = load_identity(&dir.path().join("m.key")).unwrap();
        let sealed = seal(&r, "CNP 2850509204996, Ștefan".as_bytes());
        assert!(!sealed.windows(4).any(|w| w == b"2850"), "plaintext visible in the sealed bytes");
        assert_eq!(open(&id, &sealed).unwrap(), "CNP 2850509204996, Ștefan".as_bytes());
        let other = age::x25519::Identity::generate();
        assert!(open(&other, &sealed).is_err());
    }

    #[test]
    fn kiosk_keys_round_trip_through_pem_and_sign() {
        let dir = tempfile::tempdir().unwrap();
        let k = KioskKey::generate();
        k.save(&dir.path().join("k.pem")).unwrap();
        std::fs::write(dir.path().join("k.pub.pem"), k.public_pem()).unwrap();
        let k2 = KioskKey::load(&dir.path().join("k.pem")).unwrap();
        let pubkey = load_public_key(&dir.path().join("k.pub.pem")).unwrap();
        let sig = k2.sign(b"envelope");
        assert!(verify(&pubkey, b"envelope", &sig));
        assert!(!verify(&pubkey, b"envelop3", &sig));
        assert_eq!(fingerprint(&pubkey), k.fingerprint());
        assert_eq!(k.fingerprint().len(), 39);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(dir.path().join("k.pem")).unwrap().permissions().mode() & 0o777, 0o600);
    }

    /// A key as earlier versions wrote it (PKCS#8 v2, public key embedded,
    /// `SigningKey::to_pkcs8_pem`): panels in the field hold these.
    const V2_KEY: &str = "-----BEGIN PRIVATE KEY-----
MFECAQEwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f
gSEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=
-----END PRIVATE KEY-----
";

    #[test]
    fn keys_are_written_as_rfc8410_pkcs8_and_the_old_v2_files_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let k = KioskKey::generate();
        k.save(&dir.path().join("k.pem")).unwrap();
        let pem = std::fs::read_to_string(dir.path().join("k.pem")).unwrap();
        let (label, der) = pem_rfc7468_decode(&pem);
        assert_eq!(label, "PRIVATE KEY");
        // SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }: 48 bytes.
        assert_eq!(der.len(), 48, "{pem}");
        assert_eq!(&der[..16], &hex("302e020100300506032b657004220420")[..]);
        assert_eq!(&der[16..], &k.0.to_bytes()[..]);

        let old = dir.path().join("old.pem");
        std::fs::write(&old, V2_KEY).unwrap();
        let loaded = KioskKey::load(&old).unwrap();
        assert_eq!(loaded.0.to_bytes(), std::array::from_fn(|i| i as u8));
        // A v2 file whose embedded public key belongs to another key is refused.
        let tampered = V2_KEY.replace("A6EHv", "A6EHw");
        std::fs::write(&old, tampered).unwrap();
        assert!(KioskKey::load(&old).is_err());
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn pem_rfc7468_decode(pem: &str) -> (String, Vec<u8>) {
        use base64::Engine;
        let label = pem.lines().next().unwrap().trim_start_matches("-----BEGIN ").trim_end_matches("-----").to_owned();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        (label, base64::engine::general_purpose::STANDARD.decode(body).unwrap())
    }

    #[test]
    fn wrong_key_files_say_what_they_should_be() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, "hello").unwrap();
        let e = KioskKey::load(&p).err().unwrap().to_string();
        assert!(e.contains("Ed25519 private key"), "{e}");
        let e = load_recipient(&p).unwrap_err().to_string();
        assert!(e.contains("age public key"), "{e}");
        let e = load_identity(&dir.path().join("missing")).err().unwrap().to_string();
        assert!(e.contains("cannot read key file"), "{e}");
    }
}
