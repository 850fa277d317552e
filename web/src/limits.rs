//! Limits on scenes from untrusted places: a share link, a dropped file,
//! the host page of an embed (docs/embedding.md lists them). What the
//! broker allows is far more than a browser tab can show moving: a link
//! with 100,000 queues or a producer at 10⁹ msg/s would freeze the page
//! that opened it. Too much topology or too big a body is refused with the
//! limit named; a rate is clamped (the scene still makes sense slower), and
//! the clamp is reported.
//!
//! Exchange-to-exchange binding cycles need no limit: the broker visits
//! each exchange at most once per message, as RabbitMQ does
//! (`core/src/broker/publish.rs`), so a cycle routes and ends.

use warren_core::Op;

use crate::state::scene::Scene;

/// Most exchanges, queues, bindings and steps, together, in one scene.
pub const MAX_TOPOLOGY: usize = 400;

/// Most simulated producers and consumers, together.
pub const MAX_ACTORS: usize = 60;

/// Longest message body (a producer's template or a published body), bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Most messages per second of virtual time all producers together
/// publish (what e2e/bench.md measures the page holding); rates above are
/// scaled down in proportion.
pub const MAX_TOTAL_RATE: f64 = 5000.0;

/// Checks `scene` against the limits, clamping rates.
///
/// # Errors
/// Which limit the scene is over, and by how much.
pub fn check(scene: &mut Scene) -> Result<Vec<String>, String> {
    if scene.ops.len() > MAX_TOPOLOGY {
        return Err(format!(
            "the scene has {} exchanges, queues, bindings and steps; at most {MAX_TOPOLOGY} are loaded",
            scene.ops.len()
        ));
    }
    let actors = scene.producers.len() + scene.consumers.len();
    if actors > MAX_ACTORS {
        return Err(format!(
            "the scene has {actors} producers and consumers; at most {MAX_ACTORS} are loaded"
        ));
    }
    for (path, op) in &scene.ops {
        if let Op::BasicPublish(p) = op {
            body_fits(&p.body, path)?;
        }
    }
    for (i, p) in scene.producers.iter().enumerate() {
        body_fits(&p.body, &format!("$.actors.producers[{i}].body"))?;
    }
    let mut notes = Vec::new();
    let total: f64 = scene
        .producers
        .iter()
        .filter_map(|p| p.rate_per_sec)
        .filter(|r| r.is_finite())
        .sum();
    if total > MAX_TOTAL_RATE {
        let scale = MAX_TOTAL_RATE / total;
        for p in &mut scene.producers {
            if let Some(r) = p.rate_per_sec.as_mut() {
                *r *= scale;
            }
        }
        notes.push(format!(
            "producers' rates scaled down to {MAX_TOTAL_RATE} msg/s in all (they asked for {total} msg/s)"
        ));
    }
    Ok(notes)
}

/// Reads untrusted scene text (a link, a file, a host message) and
/// checks it: the scene, and what was clamped.
///
/// # Errors
/// What does not read, or which limit it is over.
pub fn read(text: &str) -> Result<(Scene, Vec<String>), String> {
    let mut scene = crate::state::scene::parse(text)?;
    let notes = check(&mut scene)?;
    Ok((scene, notes))
}

/// A message body within [`MAX_BODY_BYTES`].
///
/// # Errors
/// Its size and where it is.
pub fn body_fits(body: &str, path: &str) -> Result<(), String> {
    if body.len() > MAX_BODY_BYTES {
        return Err(format!(
            "{path}: a body of {} bytes; at most {MAX_BODY_BYTES} are accepted",
            body.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::scene::parse;

    #[test]
    fn too_much_topology_is_refused_naming_the_limit() {
        let queues: Vec<String> = (0..MAX_TOPOLOGY + 1)
            .map(|i| format!(r#"{{"name":"q{i}"}}"#))
            .collect();
        let text = format!(r#"{{"definitions":{{"queues":[{}]}}}}"#, queues.join(","));
        let mut scene = parse(&text).unwrap();
        let e = check(&mut scene).unwrap_err();
        assert!(e.contains("401") && e.contains("400"), "{e}");
    }

    #[test]
    fn a_huge_body_is_refused_and_a_huge_rate_clamped() {
        let body = "x".repeat(MAX_BODY_BYTES + 1);
        let text = format!(
            r#"{{"actors":{{"producers":[{{"name":"p","exchange":"","routing_key":"q","body":"{body}"}}]}}}}"#
        );
        let e = check(&mut parse(&text).unwrap()).unwrap_err();
        assert!(e.contains("$.actors.producers[0].body"), "{e}");

        let text = r#"{"actors":{"producers":[
            {"name":"a","exchange":"","routing_key":"q","body":"","rate_per_sec":1000000000},
            {"name":"b","exchange":"","routing_key":"q","body":"","rate_per_sec":1000000000}]}}"#;
        let mut scene = parse(text).unwrap();
        let notes = check(&mut scene).unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        let total: f64 = scene.producers.iter().filter_map(|p| p.rate_per_sec).sum();
        assert!((total - MAX_TOTAL_RATE).abs() < 1e-6, "{total}");
    }

    #[test]
    fn a_built_in_scene_is_within_the_limits() {
        for b in crate::state::scene::BUILT_IN {
            let mut scene = parse(b.json).unwrap();
            assert_eq!(check(&mut scene), Ok(Vec::new()), "{}", b.id);
        }
    }
}
