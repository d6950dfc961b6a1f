//! Blocking: where each character stands in frame, so that the 180° line
//! holds for the whole scene.
//!
//! Each scene gets one [`Stage`]: its characters in a fixed left-to-right
//! order along the line of action (order of first appearance: the first to
//! appear is on the left). Every shot of the scene draws from that order, so
//! a character on the left of the line is on the left of every frame that
//! holds both, and looks right in their single; their partner is on the right
//! and looks left. The camera never crosses the line; the renderer places
//! figures exactly where [`Figure::x`] says.

use alkemy_core::{Beat, CompactString, Facing, Figure, Scene};

use super::grammar::is_off_screen;

/// Frame position of a single's subject looking right (lead room on the right).
const SINGLE_LEFT_X: f32 = 0.42;
/// Frame position of an over-the-shoulder's subject when on the left.
const OTS_SUBJECT_LEFT_X: f32 = 0.36;
/// Frame position of an over-the-shoulder's foreground shoulder.
const OTS_SHOULDER_X: f32 = 0.84;

/// A scene's line of action: its characters from left to right.
#[derive(Debug, Clone)]
pub struct Stage {
    order: Vec<String>,
}

impl Stage {
    /// The stage of a scene: characters in order of first on-screen
    /// appearance (on-screen speech or a mention in action), then anyone else
    /// present.
    pub fn of_scene(scene: &Scene) -> Self {
        let mut order: Vec<String> = Vec::with_capacity(scene.characters.len());
        let add = |name: &str, order: &mut Vec<String>| {
            if !order.iter().any(|n| n == name) && scene.characters.iter().any(|c| c == name) {
                order.push(name.to_owned());
            }
        };
        for beat in &scene.beats {
            // Once everyone is placed, no beat can add anyone.
            if order.len() == scene.characters.len() {
                break;
            }
            match beat {
                Beat::Dialogue {
                    speaker,
                    extensions,
                    ..
                } if !is_off_screen(extensions) => add(speaker, &mut order),
                Beat::Action { characters, .. } => {
                    for c in characters {
                        add(c, &mut order);
                    }
                }
                _ => {}
            }
        }
        for c in &scene.characters {
            add(c, &mut order);
        }
        Self { order }
    }

    /// A stage with this left-to-right order (for tests and for proposals).
    pub fn from_order(order: Vec<String>) -> Self {
        Self { order }
    }

    /// Position along the line, if the character is on this stage.
    pub fn rank(&self, name: &str) -> Option<usize> {
        self.order.iter().position(|n| n == name)
    }

    /// Where the character at `rank` stands on the line, 0.0 (left) to 1.0
    /// (right).
    fn x_at(&self, rank: Option<usize>) -> f32 {
        let n = self.order.len().max(1) as f32;
        match rank {
            Some(r) => (r as f32 + 1.0) / (n + 1.0),
            None => 0.5,
        }
    }

    /// Which way the character looks: toward the rest of the cast.
    pub fn facing(&self, name: &str) -> Facing {
        self.facing_at(self.rank(name))
    }

    /// [`facing`](Self::facing) of a character at `rank` on the line.
    fn facing_at(&self, rank: Option<usize>) -> Facing {
        let x = self.x_at(rank);
        if (x - 0.5).abs() < 1e-3 {
            Facing::Camera
        } else if x < 0.5 {
            Facing::Right
        } else {
            Facing::Left
        }
    }

    /// A group in frame (two-shot, group shot, action): spread evenly across
    /// the frame in line order, each facing as on the line.
    pub fn group(&self, names: &[String]) -> Vec<Figure> {
        self.group_of(names)
    }

    /// [`group`](Self::group) of borrowed or owned names.
    pub(crate) fn group_of<S: AsRef<str>>(&self, names: &[S]) -> Vec<Figure> {
        if let [one] = names {
            return vec![self.single(one.as_ref())];
        }
        // Sorted along the line (unknown names last, in given order), each
        // name's rank looked up once; the figures are made in that order.
        let mut order: Vec<(usize, usize, Option<usize>)> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let rank = self.rank(name.as_ref());
                (rank.unwrap_or(usize::MAX), i, rank)
            })
            .collect();
        order.sort_unstable();
        let n = order.len() as f32;
        let mut figures = Vec::with_capacity(order.len());
        for (k, &(_, i, rank)) in order.iter().enumerate() {
            let Some(name) = names.get(i) else { continue };
            figures.push(Figure {
                name: CompactString::new(name.as_ref()),
                x: (k as f32 + 1.0) / (n + 1.0),
                facing: self.facing_at(rank),
                foreground: false,
            });
        }
        figures
    }

    /// A single: the subject off-centre with room to look into.
    pub fn single(&self, name: &str) -> Figure {
        let facing = self.facing(name);
        let x = match facing {
            Facing::Right => SINGLE_LEFT_X,
            Facing::Left => 1.0 - SINGLE_LEFT_X,
            Facing::Camera | Facing::Away => 0.5,
        };
        Figure {
            name: CompactString::new(name),
            x,
            facing,
            foreground: false,
        }
    }

    /// An over-the-shoulder on `subject`, past `shoulder` in the foreground:
    /// each keeps their side of the line.
    pub fn over_the_shoulder(&self, subject: &str, shoulder: &str) -> Vec<Figure> {
        let subject_left = match (self.rank(subject), self.rank(shoulder)) {
            (Some(a), Some(b)) => a < b,
            _ => true,
        };
        let (sx, shx, facing) = if subject_left {
            (OTS_SUBJECT_LEFT_X, OTS_SHOULDER_X, Facing::Right)
        } else {
            (1.0 - OTS_SUBJECT_LEFT_X, 1.0 - OTS_SHOULDER_X, Facing::Left)
        };
        vec![
            Figure {
                name: CompactString::new(shoulder),
                x: shx,
                facing: Facing::Away,
                foreground: true,
            },
            Figure {
                name: CompactString::new(subject),
                x: sx,
                facing,
                foreground: false,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(names: &[&str]) -> Stage {
        Stage::from_order(names.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn two_hander_faces_each_other_across_the_line() {
        let s = stage(&["A", "B"]);
        assert_eq!(s.single("A").facing, Facing::Right);
        assert_eq!(s.single("B").facing, Facing::Left);
        assert!(s.single("A").x < 0.5 && s.single("B").x > 0.5);
        let g = s.group(&["B".into(), "A".into()]);
        assert_eq!(g[0].name, "A");
        assert!(g[0].x < g[1].x);
    }

    #[test]
    fn over_the_shoulder_keeps_sides() {
        let s = stage(&["A", "B"]);
        let on_a = s.over_the_shoulder("A", "B");
        let on_b = s.over_the_shoulder("B", "A");
        let x = |v: &[Figure], n: &str| v.iter().find(|f| f.name == n).unwrap().x;
        assert!(x(&on_a, "A") < x(&on_a, "B"));
        assert!(x(&on_b, "A") < x(&on_b, "B"));
        assert!(on_a.iter().any(|f| f.name == "B" && f.foreground));
        assert!(on_b.iter().any(|f| f.name == "A" && f.foreground));
    }

    #[test]
    fn middle_of_three_faces_camera() {
        let s = stage(&["A", "B", "C"]);
        assert_eq!(s.facing("B"), Facing::Camera);
        assert_eq!(s.facing("C"), Facing::Left);
    }
}
