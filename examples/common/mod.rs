//! What the benchmarks share: the raw client a drain is compared with.

use std::time::{Duration, Instant};

/// Posts each stored envelope once to `url`, as many in flight as the
/// uploader keeps (a sliding window of 8), reading and recording nothing:
/// the best a client could do with the same bodies. The time it took.
pub async fn raw_drain(url: &str, payloads: &[(String, Vec<u8>)]) -> anyhow::Result<Duration> {
    let client = reqwest::Client::new();
    let t = Instant::now();
    let mut todo = payloads.iter().cloned();
    let mut set = tokio::task::JoinSet::new();
    loop {
        while set.len() < 8 {
            let Some((key, body)) = todo.next() else { break };
            let (client, url) = (client.clone(), url.to_owned());
            set.spawn(async move {
                client
                    .post(format!("{url}/api/v1/submissions"))
                    .header("idempotency-key", key)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
            });
        }
        let Some(r) = set.join_next().await else { break };
        let r = r??;
        anyhow::ensure!(r.status().is_success(), "raw post: HTTP {}", r.status());
    }
    Ok(t.elapsed())
}
