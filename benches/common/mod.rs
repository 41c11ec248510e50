//! Checks shared by the benches: before anything is timed, every gradient is
//! compared with the hand-written one, so the rows of a table compute the same
//! thing.

/// `|a − b| ≤ rel · max(|a|, |b|) + floor · ‖b‖∞` entry by entry: relative, with
/// an absolute floor (a fraction of the largest entry) for entries that cancel to
/// nearly zero.
#[track_caller]
pub fn assert_same_gradient(what: &str, a: &[f64], b: &[f64], rel: f64, floor: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for (i, (&u, &v)) in a.iter().zip(b).enumerate() {
        let bound = rel * u.abs().max(v.abs()) + floor * scale;
        assert!(
            u.is_finite() && (u - v).abs() <= bound,
            "{what}: entry {i}: {u:e} vs hand-written {v:e}"
        );
    }
}

#[track_caller]
pub fn assert_same_value(what: &str, a: f64, b: f64, rel: f64) {
    assert!(
        a.is_finite() && (a - b).abs() <= rel * a.abs().max(b.abs()),
        "{what}: value {a:e} vs {b:e}"
    );
}
