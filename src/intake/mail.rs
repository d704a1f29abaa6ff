//! The citizen hears back by e-mail (issue #16): when a request that holds
//! an e-mail address (a field of type `email` in its form) is registered, and
//! for each message staff send, a mail goes out over SMTP (lettre; STARTTLS,
//! implicit TLS, or plain only for a relay on the same machine).
//!
//! The store queues each mail in the same transaction as the action
//! (`store::outbox`); [`run`] is the background sender: it takes due rows,
//! reads the address from the request, sends, and records the outcome; a
//! server that is down or refuses for now is tried again with a growing
//! pause ([`backoff`]). Staff never wait for a mail server. It must never
//! log or store personal data: logs and the outbox hold the tracking code
//! and an SMTP code, never the address or the server's text (which may
//! quote the address).
//!
//! A mail may go twice only if the intake stops between the server's "250"
//! and the outbox's update; its `Message-ID` is then the same, so mail
//! programs show it once.

use super::store::{outbox, work, Shared, StoreError};
use crate::forms::{Catalogue, FormDef};
use crate::i18n::Lang;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which the server must offer (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only for a relay on the same machine (and the tests' sink).
    Plain,
}

impl Security {
    pub fn parse(s: &str) -> Option<Security> {
        match s {
            "starttls" => Some(Security::StartTls),
            "tls" => Some(Security::Tls),
            "none" => Some(Security::Plain),
            _ => None,
        }
    }
}

/// Where and how the intake sends mail (`ghiseu intake --smtp-…`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub server: String,
    pub port: u16,
    pub security: Security,
    /// `Registratura <registratura@primaria.ro>`.
    pub from: Mailbox,
    /// A file of two lines: the user name, then the password.
    pub credentials: Option<PathBuf>,
    /// A PEM file of the CA(s) the server's certificate must chain to
    /// (instead of the public web's roots).
    pub ca: Option<PathBuf>,
    /// The intake's address as citizens reach it (`https://…`): the mail links `BASE/s/CODE`.
    pub public_url: String,
    /// Who writes: "Primăria Municipiului Roman".
    pub municipality: String,
    /// The first pause before trying a failed mail again; it doubles up to an hour.
    pub first_retry: Duration,
    /// How often the outbox is looked at.
    pub poll: Duration,
    /// The services, to find each form's e-mail field.
    pub forms_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("--smtp-credentials {0}: {1} (two lines: user name, then password)")]
    Credentials(String, String),
    #[error("--smtp-ca {0}: {1}")]
    Ca(String, String),
    #[error("SMTP settings: {0}")]
    Smtp(String),
}

impl Settings {
    /// The SMTP transport, checked now so a mistake stops the intake at start.
    pub fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.server)
            .port(self.port)
            .timeout(Some(Duration::from_secs(30)));
        if self.security != Security::Plain {
            let mut p = TlsParameters::builder(self.server.clone());
            if let Some(ca) = &self.ca {
                let pem = std::fs::read(ca).map_err(|e| MailError::Ca(ca.display().to_string(), e.to_string()))?;
                let cert =
                    Certificate::from_pem(&pem).map_err(|e| MailError::Ca(ca.display().to_string(), e.to_string()))?;
                p = p.certificate_store(CertificateStore::None).add_root_certificate(cert);
            }
            let p = p.build_rustls().map_err(|e| MailError::Smtp(e.to_string()))?;
            b = b.tls(if self.security == Security::Tls { Tls::Wrapper(p) } else { Tls::Required(p) });
        }
        if let Some(file) = &self.credentials {
            let name = file.display().to_string();
            let text =
                std::fs::read_to_string(file).map_err(|e| MailError::Credentials(name.clone(), e.to_string()))?;
            let mut lines = text.lines();
            match (lines.next(), lines.next()) {
                (Some(user), Some(pass)) if !user.is_empty() && !pass.is_empty() => {
                    b = b.credentials(Credentials::new(user.to_owned(), pass.to_owned()));
                }
                _ => return Err(MailError::Credentials(name, "expected two lines".into())),
            }
        }
        Ok(b.build())
    }
}

/// The pause before attempt `attempts + 1`: `first`, doubled each time, at most an hour.
pub fn backoff(first: Duration, attempts: i64) -> Duration {
    let doubled = first.saturating_mul(1u32 << attempts.clamp(0, 20) as u32);
    doubled.min(Duration::from_secs(3600))
}

/// Gives up a mail after this many attempts (about two days at an hour apart).
pub const MAX_ATTEMPTS: i64 = 60;

/// The citizen's address: the answer to the form's first field of type
/// `email`, if it is one (a form unknown here: the field named `email`).
pub fn address(form: Option<&FormDef>, answers: &BTreeMap<String, String>) -> Option<String> {
    let field = match form {
        Some(f) => f.fields.iter().find(|d| d.kind == crate::forms::FieldKind::Email).map(|d| d.id.as_str()),
        None => Some("email"),
    }?;
    let v = answers.get(field)?.trim();
    crate::forms::validate::is_email(v).then(|| v.to_owned())
}

/// What a mail announces, with what it needs to say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Registered,
    Message { text: String, file: Option<String> },
}

/// Everything a mail says (no answers of the citizen's, no CNP).
#[derive(Debug, Clone)]
pub struct Letter {
    pub municipality: String,
    pub code: String,
    pub number: String,
    pub date: String,
    /// The service's title in Romanian and in the citizen's language.
    pub service: (String, String),
    pub lang: Lang,
    pub link: String,
    pub event: Event,
}

struct Words {
    registered_subject: &'static str,
    message_subject: &'static str,
    hello: &'static str,
    registered: &'static str,
    not_yet: &'static str,
    message: &'static str,
    file: &'static str,
    code: &'static str,
    follow: &'static str,
    auto: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Ro => Words {
            registered_subject: "Cererea {code} a fost înregistrată cu nr. {number}",
            message_subject: "Mesaj nou despre cererea {code}",
            hello: "Bună ziua,",
            registered: "Cererea dumneavoastră ({service}) a fost înregistrată la {municipality} cu numărul {number} din {date}.",
            not_yet: "încă neînregistrată",
            message: "{municipality} v-a trimis un mesaj despre cererea dumneavoastră ({service}), nr. {number}:",
            file: "Mesajul are atașat fișierul „{file}”; îl găsiți la adresa de mai jos.",
            code: "Codul de urmărire: {code}",
            follow: "Stadiul cererii, istoricul și mesajele: {link}",
            auto: "Acest mesaj a fost trimis automat; nu răspundeți la el.",
        },
        Lang::En => Words {
            registered_subject: "Request {code} was registered as no. {number}",
            message_subject: "New message about request {code}",
            hello: "Hello,",
            registered: "Your request ({service}) was registered by {municipality} as number {number} of {date}.",
            not_yet: "not registered yet",
            message: "{municipality} sent you a message about your request ({service}), no. {number}:",
            file: "A file is attached to the message, “{file}”: you will find it at the address below.",
            code: "Tracking code: {code}",
            follow: "The request's status, history and messages: {link}",
            auto: "This message was sent automatically; please do not reply to it.",
        },
        Lang::Hu => Words {
            registered_subject: "A(z) {code} kérelmet {number} számon iktatták",
            message_subject: "Új üzenet a(z) {code} kérelemről",
            hello: "Jó napot kívánunk!",
            registered: "Kérelmét ({service}) {municipality} {number} számon iktatta, {date} dátummal.",
            not_yet: "még nincs iktatva",
            message: "{municipality} üzenetet küldött a kérelméről ({service}, {number}. szám):",
            file: "Az üzenethez csatolt fájl: „{file}”; az alábbi címen találja.",
            code: "Követési kód: {code}",
            follow: "A kérelem állapota, előzményei és üzenetei: {link}",
            auto: "Ezt az üzenetet automatikusan küldtük; kérjük, ne válaszoljon rá.",
        },
    }
}

fn fill(s: &str, l: &Letter, service: &str) -> String {
    let number = if l.number.is_empty() { words(l.lang).not_yet.to_owned() } else { l.number.clone() };
    s.replace("{code}", &l.code)
        .replace("{number}", &number)
        .replace("{date}", &l.date)
        .replace("{municipality}", &l.municipality)
        .replace("{service}", service)
        .replace("{link}", &l.link)
}

/// The mail's subject and text: Romanian first, then the citizen's language
/// when it is another. Files are a link, never attached.
pub fn render(l: &Letter) -> (String, String) {
    let part = |lang: Lang, service: &str| {
        let w = words(lang);
        let l = Letter { lang, ..l.clone() };
        let mut t = vec![w.hello.to_owned(), String::new()];
        match &l.event {
            Event::Registered => t.push(fill(w.registered, &l, service)),
            Event::Message { text, file } => {
                t.push(fill(w.message, &l, service));
                t.push(String::new());
                t.extend(text.lines().map(|x| format!("  {x}")));
                if let Some(f) = file {
                    t.push(String::new());
                    t.push(w.file.replace("{file}", f));
                }
            }
        }
        t.extend([String::new(), fill(w.code, &l, service), fill(w.follow, &l, service), String::new()]);
        t.push(w.auto.to_owned());
        t.join("\n")
    };
    let ro = words(Lang::Ro);
    let subject = match l.event {
        Event::Registered => fill(ro.registered_subject, &Letter { lang: Lang::Ro, ..l.clone() }, ""),
        Event::Message { .. } => fill(ro.message_subject, l, ""),
    };
    let mut body = part(Lang::Ro, &l.service.0);
    if l.lang != Lang::Ro {
        body.push_str("\n\n— — —\n\n");
        body.push_str(&part(l.lang, &l.service.1));
    }
    (format!("{}: {subject}", l.municipality), body)
}

/// What the sender needs of one mail, read from the store: the address
/// (None: the citizen left none) and the letter.
fn gather(
    c: &mut dyn super::store::Conn,
    p: &outbox::Pending,
    s: &Settings,
    forms: &Catalogue,
) -> Result<Option<(String, Letter)>, StoreError> {
    let Some((row, body)) = work::request(c, &p.tracking_code)? else { return Ok(None) };
    let Ok(body) = serde_json::from_str::<crate::wire::api::SubmissionBody>(&body) else { return Ok(None) };
    let form = forms.get(&body.form_id);
    let Some(to) = address(form.map(|f| &**f), &body.answers) else { return Ok(None) };
    let event = match p.kind {
        outbox::Kind::Registered => Event::Registered,
        outbox::Kind::Message => match outbox::message(c, &p.ref_id)? {
            Some((text, file)) => Event::Message { text, file },
            None => return Ok(None),
        },
    };
    let title = |lang| form.map_or_else(|| body.form_id.clone(), |f| f.title.get(lang).to_owned());
    let letter = Letter {
        municipality: s.municipality.clone(),
        code: row.tracking_code.clone(),
        number: row.registration_number,
        date: row.registration_date,
        service: (title(Lang::Ro), title(body.lang)),
        lang: body.lang,
        link: format!("{}/s/{}", s.public_url.trim_end_matches('/'), row.tracking_code),
        event,
    };
    Ok(Some((to, letter)))
}

fn message_of(s: &Settings, id: &str, to: &str, l: &Letter) -> Result<Message, String> {
    let to: Mailbox = to.parse().map_err(|_| "the address is not one a mail server takes".to_owned())?;
    let domain = s.from.email.domain().to_owned();
    let (subject, text) = render(l);
    Message::builder()
        .from(s.from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<{id}@{domain}>")))
        .header(ContentType::TEXT_PLAIN)
        .body(text)
        .map_err(|e| e.to_string())
}

/// Sends what is due, then waits `poll`, until the task is dropped.
pub async fn run(store: Shared, settings: Settings) {
    let transport = match settings.transport() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "mail to citizens is off");
            return;
        }
    };
    let forms = match &settings.forms_dir {
        Some(dir) => Catalogue::load_dir(dir).unwrap_or_else(|_| Catalogue::builtin()),
        None => Catalogue::builtin(),
    };
    let forms = std::sync::Arc::new(forms);
    let settings = std::sync::Arc::new(settings);
    loop {
        if let Err(e) = send_due(&store, &transport, &settings, &forms).await {
            tracing::warn!(error = %e, "mail outbox unavailable; trying again");
        }
        tokio::time::sleep(settings.poll).await;
    }
}

/// One pass over the outbox: every due mail is tried once.
pub async fn send_due(
    store: &Shared,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    settings: &std::sync::Arc<Settings>,
    forms: &std::sync::Arc<Catalogue>,
) -> Result<(), StoreError> {
    let now = crate::now_ms();
    let due = store.with(move |c| outbox::due(c, now, 50)).await?;
    for p in due {
        let (s, f, p2) = (settings.clone(), forms.clone(), p.clone());
        // Taken for a minute: long enough for one SMTP exchange.
        let taken = store
            .with(move |c| {
                if !outbox::claim(c, &p2, crate::now_ms(), 60_000)? {
                    return Ok(None);
                }
                Ok(Some(gather(c, &p2, &s, &f)?))
            })
            .await?;
        let (id, code, kind) = (p.id.clone(), p.tracking_code.clone(), p.kind.code());
        let Some(found) = taken else { continue };
        let Some((to, letter)) = found else {
            store.with(move |c| outbox::done(c, &id, "no-address", crate::now_ms())).await?;
            continue;
        };
        let outcome = match message_of(settings, &p.id, &to, &letter) {
            Err(why) => Err((why, true)),
            Ok(m) => transport.send(m).await.map(|_| ()).map_err(|e| {
                // The server's own words may quote the address: only its code is kept.
                let why =
                    e.status().map_or_else(|| "no answer from the mail server".to_owned(), |c| format!("SMTP {c}"));
                (why, e.is_permanent())
            }),
        };
        match outcome {
            Ok(()) => {
                tracing::info!(%code, kind, "mail to the citizen sent");
                store.with(move |c| outbox::done(c, &id, "sent", crate::now_ms())).await?;
            }
            Err((why, _)) if p.attempts + 1 >= MAX_ATTEMPTS => {
                tracing::error!(%code, kind, %why, "mail to the citizen given up");
                store.with(move |c| outbox::done(c, &id, &format!("failed: {why}"), crate::now_ms())).await?;
            }
            Err((why, permanent)) => {
                let pause = backoff(settings.first_retry, p.attempts);
                tracing::warn!(%code, kind, %why, permanent, retry_secs = pause.as_secs(), "mail to the citizen not sent yet");
                let next = crate::now_ms() + pause.as_millis() as i64;
                store.with(move |c| outbox::retry_at(c, &id, next, &why)).await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(lang: Lang, event: Event) -> Letter {
        Letter {
            municipality: "Primăria Test".into(),
            code: "K7Q-4M2-X9".into(),
            number: "12".into(),
            date: "23.11.2026".into(),
            service: ("Petiție".into(), "Petition".into()),
            lang,
            link: "https://ghiseu.example/s/K7Q-4M2-X9".into(),
            event,
        }
    }

    #[test]
    fn a_registration_mail_says_the_number_the_code_and_the_link_in_romanian_then_english() {
        let (subject, body) = render(&letter(Lang::En, Event::Registered));
        assert_eq!(subject, "Primăria Test: Cererea K7Q-4M2-X9 a fost înregistrată cu nr. 12");
        assert!(body.contains("înregistrată la Primăria Test cu numărul 12 din 23.11.2026"), "{body}");
        assert!(body.contains("registered by Primăria Test as number 12 of 23.11.2026"), "{body}");
        assert!(body.find("Bună ziua").unwrap() < body.find("Hello").unwrap());
        assert_eq!(body.matches("https://ghiseu.example/s/K7Q-4M2-X9").count(), 2);
    }

    #[test]
    fn a_message_mail_carries_the_text_and_names_the_file_as_a_link() {
        let event =
            Event::Message { text: "Vă rugăm să aduceți\ncopia actului.".into(), file: Some("raspuns.pdf".into()) };
        let (subject, body) = render(&letter(Lang::Ro, event));
        assert_eq!(subject, "Primăria Test: Mesaj nou despre cererea K7Q-4M2-X9");
        assert!(body.contains("  Vă rugăm să aduceți\n  copia actului."), "{body}");
        assert!(body.contains("„raspuns.pdf”") && !body.contains("Hello"), "{body}");
        let hu = render(&letter(Lang::Hu, Event::Message { text: "x".into(), file: None })).1;
        assert!(hu.contains("üzenetet küldött") && !hu.contains("csatolt"), "{hu}");
    }

    #[test]
    fn the_address_is_the_forms_email_field_when_it_holds_one() {
        let forms = Catalogue::builtin();
        let petitie = forms.get("petitie").map(|f| &**f);
        let mut answers = BTreeMap::from([("email".to_owned(), " ana@exemplu.ro ".to_owned())]);
        assert_eq!(address(petitie, &answers).as_deref(), Some("ana@exemplu.ro"));
        answers.insert("email".into(), "nu e adresă".into());
        assert_eq!(address(petitie, &answers), None);
        assert_eq!(address(petitie, &BTreeMap::new()), None);
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let first = Duration::from_secs(30);
        assert_eq!(backoff(first, 0), first);
        assert_eq!(backoff(first, 3), Duration::from_secs(240));
        assert_eq!(backoff(first, 40), Duration::from_secs(3600));
    }
}
