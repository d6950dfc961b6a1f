//! The set behind the figures: sky, ground and scenery for exteriors, a room
//! box for interiors, both following the camera angle through the horizon
//! line, and the light through the palette. Details (window place, skyline)
//! come from the location's name, so a location looks the same in every shot.

use alkemy_core::{IntExt, Shot};

use super::canvas::Canvas;
use super::look::{Palette, Rgb};

/// What a location looks like from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenery {
    City,
    Nature,
    Water,
}

fn scenery(location: &str) -> Scenery {
    let l = location.to_uppercase();
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if has(&[
        "SEA", "OCEAN", "BEACH", "LAKE", "RIVER", "SHORE", "HARBOR", "HARBOUR", "DOCK", "PIER",
        "BOAT",
    ]) {
        Scenery::Water
    } else if has(&[
        "STREET", "CITY", "ROOF", "ALLEY", "AVENUE", "PARKING", "DOWNTOWN", "BUILDING", "STATION",
        "TOWN", "ROAD", "SQUARE", "BRIDGE", "LOT",
    ]) {
        Scenery::City
    } else {
        Scenery::Nature
    }
}

/// A number in 0..1 drawn from a name and a salt: stable set dressing.
pub fn unit_hash(name: &str, salt: u8) -> f32 {
    let mut h = blake3::Hasher::new();
    h.update(&[salt]);
    h.update(name.to_uppercase().as_bytes());
    let b = h.finalize();
    let b = b.as_bytes();
    f32::from(u16::from_le_bytes([b[0], b[1]])) / 65535.0
}

/// Whether the shot is drawn as an interior.
pub fn is_interior(shot: &Shot) -> bool {
    matches!(shot.int_ext, IntExt::Int | IntExt::IntExt)
}

/// Draws the set. `horizon` is the picture row of the horizon (or the foot of
/// the back wall); `overhead` looks straight down at the floor.
pub fn draw(c: &mut Canvas<'_>, shot: &Shot, pal: &Palette, horizon: f32, overhead: bool) {
    // A rotated (Dutch) frame needs the set drawn past the picture's edges.
    let (x0, x1, y0, y1) = if c.straight {
        (0.0, c.w, 0.0, c.h)
    } else {
        let m = c.w.max(c.h) * 0.35;
        (-m, c.w + m, -m, c.h + m)
    };
    if overhead {
        draw_floor_from_above(c, shot, pal, (x0, x1, y0, y1));
    } else if is_interior(shot) {
        draw_room(c, shot, pal, horizon, (x0, x1, y0, y1));
    } else {
        draw_exterior(c, shot, pal, horizon, (x0, x1, y0, y1));
    }
}

fn draw_floor_from_above(c: &mut Canvas<'_>, shot: &Shot, pal: &Palette, b: (f32, f32, f32, f32)) {
    let (x0, x1, y0, y1) = b;
    let base = if is_interior(shot) {
        pal.floor
    } else {
        pal.ground
    };
    c.rect(x0, y0, x1 - x0, y1 - y0, base);
    // Tiles or paving: a grid that reads as a floor seen from above.
    let step = (c.w.min(c.h) / 6.0).max(8.0);
    let line = base.scale(0.88);
    let lw = (step / 40.0).max(1.0);
    let mut x = x0 + (unit_hash(&shot.location, 3) * step);
    while x < x1 {
        c.rect(x, y0, lw, y1 - y0, line);
        x += step;
    }
    let mut y = y0;
    while y < y1 {
        c.rect(x0, y, x1 - x0, lw, line);
        y += step;
    }
}

fn draw_exterior(
    c: &mut Canvas<'_>,
    shot: &Shot,
    pal: &Palette,
    horizon: f32,
    b: (f32, f32, f32, f32),
) {
    let (x0, x1, y0, y1) = b;
    let (w, h) = (c.w, c.h);
    c.vgradient(x0, x1, y0, horizon, pal.sky_top, pal.sky_horizon);
    if pal.stars {
        for i in 0..40u8 {
            let sx = x0 + unit_hash(&shot.location, i) * (x1 - x0);
            let sy = y0 + unit_hash(&shot.location, i.wrapping_add(100)) * (horizon - y0) * 0.8;
            let r = (h / 400.0).max(1.0);
            c.rect(sx, sy, r, r, Rgb(220, 225, 240));
        }
    }
    if let Some((sun, height)) = pal.sun {
        let sx = (0.15 + 0.7 * unit_hash(&shot.location, 7)) * w;
        let sky_h = (horizon - y0).max(1.0);
        let sy = horizon - height * sky_h * 0.85;
        let r = h * 0.055;
        c.ellipse(sx, sy, r * 1.9, r * 1.9, pal.sky_horizon.mix(sun, 0.35));
        c.ellipse(sx, sy, r, r, sun);
    }
    let far = pal.distance;
    match scenery(&shot.location) {
        Scenery::City => {
            let mut x = x0;
            let mut i = 0u8;
            while x < x1 {
                let bw = w * (0.05 + 0.07 * unit_hash(&shot.location, i));
                let bh = h * (0.08 + 0.22 * unit_hash(&shot.location, i.wrapping_add(50)));
                let tone = far.scale(0.85 + 0.25 * unit_hash(&shot.location, i.wrapping_add(9)));
                c.rect(x, horizon - bh, bw + 1.0, bh + 1.0, tone);
                if pal.stars {
                    // Lit windows at night.
                    let ws = (h / 60.0).max(2.0);
                    let mut wy = horizon - bh + ws;
                    while wy < horizon - ws {
                        let mut wx = x + ws;
                        while wx < x + bw - ws {
                            if unit_hash(&shot.location, ((wx + wy) as u32 % 251) as u8) > 0.6 {
                                c.rect(wx, wy, ws * 0.6, ws * 0.8, Rgb(240, 200, 120));
                            }
                            wx += ws * 1.6;
                        }
                        wy += ws * 1.8;
                    }
                }
                x += bw;
                i = i.wrapping_add(1);
            }
        }
        Scenery::Nature => {
            let mut pts = vec![(x0, horizon + 1.0)];
            let n = 12;
            for k in 0..=n {
                let t = k as f32 / n as f32;
                let hill = (unit_hash(&shot.location, k as u8) * 0.09 + 0.02) * h;
                pts.push((x0 + t * (x1 - x0), horizon - hill));
            }
            pts.push((x1, horizon + 1.0));
            c.polygon(&pts, far);
        }
        Scenery::Water => {
            let sea_h = (y1 - horizon) * 0.35;
            c.vgradient(
                x0,
                x1,
                horizon,
                horizon + sea_h,
                pal.sky_horizon.mix(far, 0.6),
                far.mix(pal.sky_top, 0.4),
            );
        }
    }
    let ground_top = match scenery(&shot.location) {
        Scenery::Water => horizon + (y1 - horizon) * 0.35,
        _ => horizon,
    };
    c.vgradient(
        x0,
        x1,
        ground_top,
        y1,
        pal.ground.mix(pal.distance, 0.3),
        pal.ground.scale(1.08),
    );
}

fn draw_room(
    c: &mut Canvas<'_>,
    shot: &Shot,
    pal: &Palette,
    horizon: f32,
    b: (f32, f32, f32, f32),
) {
    let (x0, x1, y0, y1) = b;
    let (w, h) = (c.w, c.h);
    // The back wall: its foot is the horizon line, its top the ceiling line.
    let bx0 = w * (0.16 + 0.06 * unit_hash(&shot.location, 1));
    let bx1 = w * (0.84 - 0.06 * unit_hash(&shot.location, 2));
    let wall_h = h * 0.62;
    let by1 = horizon + h * 0.08;
    let by0 = by1 - wall_h;
    // Ceiling and side walls first, then the back wall and floor.
    c.rect(x0, y0, x1 - x0, y1 - y0, pal.side_wall);
    c.polygon(
        &[(x0, y0), (x1, y0), (bx1, by0), (bx0, by0)],
        pal.side_wall.scale(0.85),
    );
    c.polygon(&[(x0, y1), (bx0, by1), (bx1, by1), (x1, y1)], pal.floor);
    c.rect(bx0, by0, bx1 - bx0, by1 - by0, pal.wall);
    // Edges of the box, as a storyboard artist would ink them.
    let ink = pal.side_wall.scale(0.6);
    let lw = (h / 300.0).max(1.0);
    for (a, bpt) in [
        ((bx0, by0), (x0, y0)),
        ((bx1, by0), (x1, y0)),
        ((bx0, by1), (x0, y1)),
        ((bx1, by1), (x1, y1)),
    ] {
        if let Some(p) = super::canvas::polyline(&[a, bpt]) {
            c.stroke(&p, ink, lw);
        }
    }
    // Floor boards converging to the vanishing point.
    for k in 1..6 {
        let t = k as f32 / 6.0;
        let top = (bx0 + (bx1 - bx0) * t, by1);
        let bottom = (x0 + (x1 - x0) * t, y1);
        if let Some(p) = super::canvas::polyline(&[top, bottom]) {
            c.stroke(&p, pal.floor.scale(0.85), lw);
        }
    }
    // A window on the back wall showing the light outside, and a door.
    let ww = (bx1 - bx0) * 0.26;
    let wh = wall_h * 0.38;
    let wx = bx0 + (bx1 - bx0 - ww) * unit_hash(&shot.location, 4);
    let wy = by0 + wall_h * 0.18;
    c.rect(
        wx - lw * 2.0,
        wy - lw * 2.0,
        ww + lw * 4.0,
        wh + lw * 4.0,
        ink,
    );
    c.vgradient(wx, wx + ww, wy, wy + wh, pal.sky_top, pal.window);
    c.rect(wx + ww / 2.0 - lw / 2.0, wy, lw, wh, ink);
    c.rect(wx, wy + wh / 2.0 - lw / 2.0, ww, lw, ink);
    let door_left = unit_hash(&shot.location, 5) < 0.5;
    let dw = (bx1 - bx0) * 0.14;
    let dh = wall_h * 0.62;
    let dx = if wx - bx0 > dw * 1.6 && door_left {
        bx0 + dw * 0.4
    } else if bx1 - (wx + ww) > dw * 1.6 {
        bx1 - dw * 1.4
    } else {
        bx0 + dw * 0.2
    };
    c.rect(dx, by1 - dh, dw, dh, pal.wall.scale(0.72));
    c.rect(dx + dw * 0.78, by1 - dh * 0.5, lw * 2.0, lw * 2.0, ink);
    if shot.int_ext == IntExt::IntExt {
        // Inside looking out (a car, a porch): a wide opening on the wall.
        c.rect(
            bx0,
            by0 + wall_h * 0.12,
            bx1 - bx0,
            wall_h * 0.45,
            pal.window,
        );
    }
}
