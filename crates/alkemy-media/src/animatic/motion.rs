//! Camera motion over a still: each movement is a path of views (a zoom and a
//! centre) eased over the shot, stepped at the animatic's motion rate.

use alkemy_core::CameraMovement;

/// What the camera sees of the (cover-fitted) still at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Magnification (1 = the whole still).
    pub zoom: f32,
    /// Centre, 0..1 across the still.
    pub cx: f32,
    /// Centre, 0..1 down the still.
    pub cy: f32,
}

impl View {
    /// The whole still.
    pub const FULL: View = View {
        zoom: 1.0,
        cx: 0.5,
        cy: 0.5,
    };

    /// The crop rectangle `(x, y, w, h)` in 0..1 units, kept inside the still.
    pub fn rect(self) -> (f32, f32, f32, f32) {
        let size = 1.0 / self.zoom.max(1.0);
        let half = size / 2.0;
        let cx = self.cx.clamp(half, 1.0 - half);
        let cy = self.cy.clamp(half, 1.0 - half);
        (cx - half, cy - half, size, size)
    }
}

/// Largest zoom any movement uses: how much detail to keep in the source.
pub const MAX_ZOOM: f32 = 1.25;

fn smooth(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

/// Whether the movement changes the picture over time.
pub fn moves(movement: CameraMovement) -> bool {
    movement != CameraMovement::Static
}

/// The view at time `t` (0 = first frame, 1 = last) of a movement; `seed`
/// varies the handheld shake between shots, deterministically.
pub fn view_at(movement: CameraMovement, t: f32, seed: u64) -> View {
    use CameraMovement as M;
    let e = smooth(t);
    let pan = 1.2;
    // Where a pan starts and ends: the crop's centre at either edge.
    let edge = 0.5 / pan;
    match movement {
        M::Static => View::FULL,
        M::DollyIn => View {
            zoom: lerp(1.0, MAX_ZOOM, e),
            cx: 0.5,
            cy: lerp(0.5, 0.44, e),
        },
        M::DollyOut => View {
            zoom: lerp(MAX_ZOOM, 1.0, e),
            cx: 0.5,
            cy: lerp(0.44, 0.5, e),
        },
        M::PanLeft | M::TrackLeft => View {
            zoom: pan,
            cx: lerp(1.0 - edge, edge, e),
            cy: 0.5,
        },
        M::PanRight | M::TrackRight => View {
            zoom: pan,
            cx: lerp(edge, 1.0 - edge, e),
            cy: 0.5,
        },
        M::TiltUp => View {
            zoom: pan,
            cx: 0.5,
            cy: lerp(1.0 - edge, edge, e),
        },
        M::TiltDown => View {
            zoom: pan,
            cx: 0.5,
            cy: lerp(edge, 1.0 - edge, e),
        },
        M::CraneUp => View {
            zoom: lerp(1.2, 1.05, e),
            cx: 0.5,
            cy: lerp(1.0 - edge, 0.5, e),
        },
        M::CraneDown => View {
            zoom: lerp(1.05, 1.2, e),
            cx: 0.5,
            cy: lerp(0.5, 1.0 - edge, e),
        },
        M::Handheld => {
            let (a, b) = shake(t, seed);
            View {
                zoom: 1.08,
                cx: 0.5 + a * 0.012,
                cy: 0.5 + b * 0.012,
            }
        }
        M::Steadicam => {
            let (a, _) = shake(t * 0.3, seed);
            View {
                zoom: lerp(1.02, 1.14, e),
                cx: 0.5 + a * 0.01,
                cy: 0.48,
            }
        }
    }
}

/// A smooth pseudo-random wobble in -1..1 on both axes.
fn shake(t: f32, seed: u64) -> (f32, f32) {
    let p1 = (seed & 0xffff) as f32 / 65536.0 * std::f32::consts::TAU;
    let p2 = ((seed >> 16) & 0xffff) as f32 / 65536.0 * std::f32::consts::TAU;
    let x = t * 40.0;
    let a = 0.6 * (x * 1.3 + p1).sin() + 0.4 * (x * 2.9 + p2).sin();
    let b = 0.6 * (x * 1.7 + p2).sin() + 0.4 * (x * 3.1 + p1).cos();
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_in_magnifies_and_pull_out_reverses() {
        let a = view_at(CameraMovement::DollyIn, 0.0, 1);
        let b = view_at(CameraMovement::DollyIn, 1.0, 1);
        assert!(b.zoom > a.zoom + 0.2);
        let c = view_at(CameraMovement::DollyOut, 1.0, 1);
        assert!((c.zoom - a.zoom).abs() < 1e-6);
    }

    #[test]
    fn pans_travel_the_width_in_their_direction() {
        let l0 = view_at(CameraMovement::PanLeft, 0.0, 0).rect();
        let l1 = view_at(CameraMovement::PanLeft, 1.0, 0).rect();
        assert!(l1.0 < l0.0);
        assert!(l0.0 + l0.2 <= 1.0 + 1e-6 && l1.0 >= -1e-6);
        let r0 = view_at(CameraMovement::PanRight, 0.0, 0).rect();
        assert!(r0.0 < view_at(CameraMovement::PanRight, 1.0, 0).rect().0);
    }

    #[test]
    fn handheld_shakes_but_stays_inside() {
        let views: Vec<View> = (0..50)
            .map(|i| view_at(CameraMovement::Handheld, i as f32 / 49.0, 7))
            .collect();
        assert!(views.windows(2).any(|w| w[0] != w[1]));
        for v in views {
            let (x, y, w, h) = v.rect();
            assert!(x >= 0.0 && y >= 0.0 && x + w <= 1.0 + 1e-6 && y + h <= 1.0 + 1e-6);
        }
    }
}
