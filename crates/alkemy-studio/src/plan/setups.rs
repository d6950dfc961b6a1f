//! Setups: shots that share a camera position and lighting, numbered per
//! scene in order of first use, so a first AD can shoot out one setup before
//! moving the camera.

/// What decides a camera position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupKey {
    /// The establishing position (often outside, or high and wide).
    Establishing,
    /// The wide master position: wides, two-shots and group shots.
    Master,
    /// The camera aimed at one character: their singles and the
    /// over-the-shoulders that favour them (lens changes, same position).
    Favouring(String),
    /// A tabletop insert of one subject.
    Insert(String),
    /// A move (track, crane, Steadicam) is its own setup: the rig changes.
    Move(usize),
}

/// Setup numbers (1-based) for a scene's shots, in order of first use.
pub fn number(keys: &[SetupKey]) -> Vec<u32> {
    number_refs(keys)
}

/// [`number`] of keys borrowed from wherever they live (the drafts).
pub fn number_refs<'k>(keys: impl IntoIterator<Item = &'k SetupKey>) -> Vec<u32> {
    let mut seen: Vec<&SetupKey> = Vec::new();
    keys.into_iter()
        .map(|k| match seen.iter().position(|s| *s == k) {
            Some(i) => i as u32 + 1,
            None => {
                seen.push(k);
                seen.len() as u32
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_positions_share_a_number() {
        let a = SetupKey::Favouring("A".into());
        let b = SetupKey::Favouring("B".into());
        let keys = [
            SetupKey::Establishing,
            SetupKey::Master,
            a.clone(),
            b.clone(),
            a,
            SetupKey::Move(5),
            b,
            SetupKey::Move(7),
        ];
        assert_eq!(number(&keys), [1, 2, 3, 4, 3, 5, 4, 6]);
    }
}
