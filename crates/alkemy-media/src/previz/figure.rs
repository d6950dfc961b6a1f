//! Figures: simple storyboard people, sized by the shot and placed by the
//! blocking. Head, hair, torso, arms and legs are flat shapes with an inked
//! outline; which way a figure faces shows in the face (two eyes toward the
//! camera, a profile nose to the side, hair only from behind).

use alkemy_core::Facing;

use super::canvas::{Canvas, ellipse, polygon, rounded_rect};
use super::look::{CharacterLook, Hair, Rgb};

/// Where and how big a figure is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Horizontal centre, pixels.
    pub cx: f32,
    /// Top of the head, pixels.
    pub top: f32,
    /// Full standing height, pixels.
    pub height: f32,
    /// Which way the figure faces.
    pub facing: Facing,
    /// Brightness applied to the colours (light and foreground darkening).
    pub light: f32,
}

/// Draws a standing figure.
pub fn draw(c: &mut Canvas<'_>, p: &Placement, look: &CharacterLook, ink: Rgb) {
    let hgt = p.height * look.height;
    let top = p.top + (p.height - hgt);
    let (cx, b) = (p.cx, look.build);
    let k = p.light;
    let skin = look.skin.scale(k);
    let top_c = look.top.scale(k);
    let bottom_c = look.bottom.scale(k);
    let hair_c = look.hair_color.scale(k);
    let ink_w = (hgt * 0.005).clamp(0.8, 6.0);
    let side = match p.facing {
        Facing::Left => -1.0,
        Facing::Right => 1.0,
        _ => 0.0,
    };
    let profile = side != 0.0;
    let body_w = if profile { 0.19 } else { 0.25 } * hgt * b;
    let hip_w = if profile { 0.15 } else { 0.19 } * hgt * b;
    let shoulder_y = top + 0.165 * hgt;
    let hip_y = top + 0.52 * hgt;
    let foot_y = top + 0.985 * hgt;

    // Legs.
    let leg_w = 0.075 * hgt * b;
    let gap = if profile { 0.0 } else { 0.012 * hgt };
    for (i, dx) in [-(leg_w / 2.0 + gap), leg_w / 2.0 + gap]
        .into_iter()
        .enumerate()
    {
        let stride = if profile {
            side * (i as f32 - 0.5) * 0.05 * hgt
        } else {
            0.0
        };
        let lx = cx + dx;
        if let Some(path) = polygon(&[
            (lx - leg_w / 2.0, hip_y - 0.02 * hgt),
            (lx + leg_w / 2.0, hip_y - 0.02 * hgt),
            (lx + leg_w / 2.0 * 0.8 + stride, foot_y),
            (lx - leg_w / 2.0 * 0.8 + stride, foot_y),
        ]) {
            c.fill_outlined(&path, bottom_c, ink, ink_w);
        }
        let shoe_dx = side * 0.03 * hgt;
        c.ellipse(
            lx + stride + shoe_dx,
            foot_y,
            leg_w * 0.62,
            0.018 * hgt,
            ink.mix(bottom_c, 0.3),
        );
    }

    // Long hair falls behind the shoulders.
    let head_cy = top + 0.068 * hgt;
    let head_rx = 0.05 * hgt;
    let head_ry = 0.064 * hgt;
    if look.hair == Hair::Long {
        let hx = cx - side * head_rx * 0.35;
        if let Some(path) = rounded_rect(
            hx - head_rx * 1.15,
            head_cy - head_ry * 0.6,
            head_rx * 2.3,
            head_ry * 2.1,
            head_rx * 0.8,
        ) {
            c.fill(&path, hair_c);
        }
    }

    // Arms behind the torso for profiles (the far arm).
    let arm_w = 0.055 * hgt * b;
    let arm_len = 0.34 * hgt;
    let arm = |c: &mut Canvas<'_>, ax: f32, swing: f32, color: Rgb| {
        if let Some(path) = polygon(&[
            (ax - arm_w / 2.0, shoulder_y + 0.01 * hgt),
            (ax + arm_w / 2.0, shoulder_y + 0.01 * hgt),
            (ax + arm_w * 0.4 + swing, shoulder_y + arm_len),
            (ax - arm_w * 0.4 + swing, shoulder_y + arm_len),
        ]) {
            c.fill_outlined(&path, color, ink, ink_w);
        }
        c.ellipse(
            ax + swing,
            shoulder_y + arm_len + arm_w * 0.3,
            arm_w * 0.45,
            arm_w * 0.5,
            skin,
        );
    };
    if profile {
        arm(
            c,
            cx - side * body_w * 0.15,
            -side * 0.04 * hgt,
            top_c.scale(0.8),
        );
    }

    // Torso.
    if let Some(path) = polygon(&[
        (cx - body_w / 2.0, shoulder_y + 0.03 * hgt),
        (cx - body_w / 2.0 + 0.03 * hgt, shoulder_y),
        (cx + body_w / 2.0 - 0.03 * hgt, shoulder_y),
        (cx + body_w / 2.0, shoulder_y + 0.03 * hgt),
        (cx + hip_w / 2.0, hip_y),
        (cx - hip_w / 2.0, hip_y),
    ]) {
        c.fill_outlined(&path, top_c, ink, ink_w);
    }

    if profile {
        arm(
            c,
            cx + side * body_w * 0.1,
            side * 0.05 * hgt,
            top_c.scale(0.92),
        );
    } else {
        arm(
            c,
            cx - body_w / 2.0 - arm_w * 0.25,
            -0.015 * hgt,
            top_c.scale(0.9),
        );
        arm(
            c,
            cx + body_w / 2.0 + arm_w * 0.25,
            0.015 * hgt,
            top_c.scale(0.9),
        );
    }

    // Neck and head.
    c.rect(
        cx - 0.018 * hgt,
        head_cy + head_ry * 0.6,
        0.036 * hgt,
        0.05 * hgt,
        skin.scale(0.9),
    );
    let head_cx = cx + side * head_rx * 0.15;
    if let Some(path) = ellipse(head_cx, head_cy, head_rx, head_ry) {
        let face = if p.facing == Facing::Away {
            hair_c
        } else {
            skin
        };
        c.fill_outlined(&path, face, ink, ink_w);
    }
    draw_face(
        c,
        p.facing,
        look,
        (head_cx, head_cy, head_rx, head_ry),
        ink,
        skin,
        hair_c,
        ink_w,
    );
}

#[allow(clippy::too_many_arguments)]
fn draw_face(
    c: &mut Canvas<'_>,
    facing: Facing,
    look: &CharacterLook,
    head: (f32, f32, f32, f32),
    ink: Rgb,
    skin: Rgb,
    hair_c: Rgb,
    ink_w: f32,
) {
    let (hx, hy, rx, ry) = head;
    let side = match facing {
        Facing::Left => -1.0,
        Facing::Right => 1.0,
        _ => 0.0,
    };
    // Hair on top (from behind the whole head is hair, drawn above).
    match look.hair {
        Hair::Short | Hair::Long => {
            let back = -side * rx * 0.25;
            if let Some(path) = ellipse(hx + back, hy - ry * 0.45, rx * 1.06, ry * 0.62) {
                c.fill(&path, hair_c);
            }
        }
        Hair::Bun => {
            if let Some(path) = ellipse(hx, hy - ry * 0.45, rx * 1.04, ry * 0.6) {
                c.fill(&path, hair_c);
            }
            c.ellipse(
                hx - side * rx * 0.5,
                hy - ry * 1.05,
                rx * 0.42,
                ry * 0.36,
                hair_c,
            );
        }
        Hair::Hat => {
            c.ellipse(hx, hy - ry * 0.55, rx * 1.55, ry * 0.16, hair_c);
            if let Some(path) = rounded_rect(
                hx - rx * 0.85,
                hy - ry * 1.25,
                rx * 1.7,
                ry * 0.75,
                rx * 0.25,
            ) {
                c.fill(&path, hair_c);
            }
            c.rect(
                hx - rx * 0.85,
                hy - ry * 0.72,
                rx * 1.7,
                ry * 0.1,
                hair_c.mix(Rgb(200, 60, 50), 0.5),
            );
        }
        Hair::Bald => {}
    }
    if facing == Facing::Away {
        return;
    }
    let eye_r = (rx * 0.1).max(0.6);
    let eye_y = hy + ry * 0.02;
    let feature = ink.mix(skin, 0.15);
    if side == 0.0 {
        for dx in [-0.38, 0.38] {
            c.ellipse(hx + dx * rx, eye_y, eye_r, eye_r * 1.2, feature);
        }
        let brow_w = rx * 0.3;
        for dx in [-0.38, 0.38] {
            c.rect(
                hx + dx * rx - brow_w / 2.0,
                eye_y - ry * 0.2,
                brow_w,
                (ry * 0.05).max(0.6),
                hair_c.scale(0.8),
            );
        }
        c.rect(
            hx - rx * 0.06,
            eye_y + ry * 0.12,
            rx * 0.12,
            ry * 0.22,
            skin.scale(0.85),
        );
        c.rect(
            hx - rx * 0.25,
            hy + ry * 0.5,
            rx * 0.5,
            (ry * 0.06).max(0.6),
            feature.mix(Rgb(170, 60, 60), 0.4),
        );
    } else {
        // Profile: nose bump and one eye toward the facing side.
        if let Some(path) = polygon(&[
            (hx + side * rx * 0.92, eye_y + ry * 0.02),
            (hx + side * rx * 1.22, eye_y + ry * 0.32),
            (hx + side * rx * 0.9, eye_y + ry * 0.36),
        ]) {
            c.fill_outlined(&path, skin, ink, ink_w * 0.7);
        }
        c.ellipse(hx + side * rx * 0.55, eye_y, eye_r, eye_r * 1.2, feature);
        c.rect(
            hx + side * rx * 0.45 - rx * 0.12,
            hy + ry * 0.52,
            rx * 0.3,
            (ry * 0.06).max(0.6),
            feature.mix(Rgb(170, 60, 60), 0.4),
        );
        // An ear on the far side of the face.
        c.ellipse(
            hx - side * rx * 0.1,
            hy + ry * 0.05,
            rx * 0.16,
            ry * 0.22,
            skin.scale(0.88),
        );
    }
}

/// Draws a figure seen from straight above: shoulders and the top of the head.
pub fn draw_from_above(
    c: &mut Canvas<'_>,
    centre: (f32, f32),
    height: f32,
    look: &CharacterLook,
    facing: Facing,
    light: f32,
    ink: Rgb,
) {
    let (cx, cy) = centre;
    let w = 0.27 * height * look.build;
    let d = 0.11 * height;
    let ink_w = (height * 0.006).clamp(0.8, 5.0);
    if let Some(path) = ellipse(cx, cy, w / 2.0, d / 2.0) {
        c.fill_outlined(&path, look.top.scale(light), ink, ink_w);
    }
    let (dx, dy) = match facing {
        Facing::Left => (-1.0, 0.0),
        Facing::Right => (1.0, 0.0),
        Facing::Camera => (0.0, 1.0),
        Facing::Away => (0.0, -1.0),
    };
    let r = 0.052 * height;
    c.ellipse(
        cx + dx * r * 0.9,
        cy + dy * r * 0.9,
        r * 0.35,
        r * 0.35,
        look.skin.scale(light),
    );
    if let Some(path) = ellipse(cx, cy, r, r) {
        let top = if look.hair == Hair::Bald {
            look.skin
        } else {
            look.hair_color
        };
        c.fill_outlined(&path, top.scale(light), ink, ink_w);
    }
}
