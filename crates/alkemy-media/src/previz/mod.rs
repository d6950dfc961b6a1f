//! The previz renderer: a storyboard panel for a planned [`Shot`], drawn in
//! pure Rust, deterministically (same shot and size → same pixels).
//!
//! A panel is the picture (set, figures, movement arrows) above a caption
//! band. The picture's framing follows the shot: the shot size sets how tall
//! a figure is relative to the frame (an extreme wide shot shows tiny people,
//! an extreme close-up a face filling the frame), the camera angle sets the
//! horizon (low angle: low horizon; high: the floor fills the frame;
//! overhead: straight down; Dutch: tilted), the blocking in
//! [`alkemy_core::Figure`] places each person, and the light colours the set.
//!
//! Speed: panels are drawn straight into packed RGB (no RGBA pixmap to
//! convert); axis-aligned fills are rows of pixels; shapes go through an
//! exact-area scanline rasteriser whose cost follows a shape's outline, not
//! its area; glyphs are cached; and PNGs use an encoder made for drawn
//! pictures (runs to the left and rows repeated from above).

mod arrows;
mod canvas;
mod caption;
mod figure;
pub mod look;
mod scan;
mod set;

use std::cell::RefCell;

use alkemy_core::{CameraAngle, Facing, Shot, ShotSize};
use tiny_skia_path::Transform;

use self::canvas::{Canvas, rounded_rect};
use self::look::{CharacterLook, Palette, Rgb};
use self::scan::Scanner;
use crate::error::{MediaError, Result};
use crate::png_encode;
use crate::raster::{self, RgbImage};
use crate::text::{self, Face};

/// What a panel shows besides the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelOptions {
    /// The caption band under the picture (scene/shot, camera, duration, line).
    pub caption: bool,
    /// Camera-movement arrows over the picture.
    pub arrows: bool,
}

impl Default for PanelOptions {
    /// A storyboard panel: caption band and arrows.
    fn default() -> Self {
        Self {
            caption: true,
            arrows: true,
        }
    }
}

impl PanelOptions {
    /// The picture alone: what an animatic moves the camera over.
    pub fn clean() -> Self {
        Self {
            caption: false,
            arrows: false,
        }
    }
}

/// Draws storyboard panels. Cheap to create, `Send + Sync`; call from as many
/// threads as you like.
#[derive(Debug, Clone, Default)]
pub struct PrevizRenderer {
    _private: (),
}

/// Smallest panel side accepted.
pub const MIN_SIDE: u32 = 64;

/// Per-thread scratch: the rasteriser's cells and the buffer that
/// [`PrevizRenderer::render_png`] draws into before encoding.
#[derive(Default)]
struct Scratch {
    scan: Scanner,
    panel: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl PrevizRenderer {
    /// A renderer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Renders the panel for `shot` at `width`×`height`.
    pub fn render(
        &self,
        shot: &Shot,
        width: u32,
        height: u32,
        options: PanelOptions,
    ) -> Result<RgbImage> {
        check_size(width, height)?;
        let mut data = vec![0u8; width as usize * height as usize * 3];
        with_scan(|scan| paint_shot(&mut data, width, height, scan, shot, options));
        RgbImage::from_raw(width, height, data)
    }

    /// Renders the panel for `shot` and encodes it as PNG.
    pub fn render_png(
        &self,
        shot: &Shot,
        width: u32,
        height: u32,
        options: PanelOptions,
    ) -> Result<Vec<u8>> {
        check_size(width, height)?;
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let Scratch { scan, panel } = &mut *scratch;
            // No clearing: every panel starts with an opaque layer over the
            // whole image (the set, an insert's surface), so what the buffer
            // held before never shows (tested against `render`).
            panel.resize(width as usize * height as usize * 3, 0);
            paint_shot(panel, width, height, scan, shot, options);
            png_encode::encode_rgb(width, height, panel)
        })
    }

    /// Draws a shot's storyboard marks over any still (a previz picture or a
    /// cloud model's frame): movement arrows and, if asked, the caption band
    /// (the still then fills the picture area above it, centre-cropped).
    pub fn annotate(
        &self,
        still: &RgbImage,
        shot: &Shot,
        options: PanelOptions,
    ) -> Result<RgbImage> {
        let (width, height) = (still.width(), still.height());
        check_size(width, height)?;
        let band_h = if options.caption {
            caption::band_height(width, height)
        } else {
            0
        };
        let pic_h = height - band_h;
        let mut data = if band_h == 0 {
            still.as_bytes().to_vec()
        } else {
            let picture = crate::resample::cover(still, width, pic_h)?;
            let mut data = picture.as_bytes().to_vec();
            data.resize(width as usize * height as usize * 3, 0);
            data
        };
        with_scan(|scan| {
            let mut c = Canvas::new(&mut data, width, height, scan, pic_h as f32);
            if options.arrows {
                arrows::draw(&mut c, shot.movement);
            }
            if options.caption {
                caption::draw_band(&mut c, shot, band_h as f32);
            }
        });
        RgbImage::from_raw(width, height, data)
    }

    /// Renders a readable card for a prompt when no shot is planned.
    pub fn render_prompt(&self, prompt: &str, width: u32, height: u32) -> Result<RgbImage> {
        check_size(width, height)?;
        let mut data = vec![0u8; width as usize * height as usize * 3];
        with_scan(|scan| {
            let mut c = Canvas::new(&mut data, width, height, scan, height as f32);
            caption::draw_prompt_card(&mut c, prompt);
        });
        RgbImage::from_raw(width, height, data)
    }
}

fn check_size(width: u32, height: u32) -> Result<()> {
    if width < MIN_SIDE
        || height < MIN_SIDE
        || width > raster::MAX_DIMENSION
        || height > raster::MAX_DIMENSION
    {
        return Err(MediaError::param(
            "panel size",
            format!(
                "{width}x{height}; each side must be {MIN_SIDE}..={}",
                raster::MAX_DIMENSION
            ),
        ));
    }
    Ok(())
}

/// Runs `f` with this thread's rasteriser scratch.
fn with_scan<T>(f: impl FnOnce(&mut Scanner) -> T) -> T {
    SCRATCH.with(|cell| f(&mut cell.borrow_mut().scan))
}

/// The picture row of the horizon, as a fraction of the picture height.
fn horizon_for(angle: CameraAngle) -> f32 {
    match angle {
        CameraAngle::Low => 0.76,
        CameraAngle::High => 0.2,
        CameraAngle::Overhead => 0.0,
        _ => 0.45,
    }
}

/// Full figure height (in units of the frame's short side `u`) and the top of
/// the head (fraction of the picture height), by shot size.
fn framing(size: ShotSize) -> (f32, Anchor) {
    match size {
        ShotSize::ExtremeWide => (0.13, Anchor::Floor(0.3)),
        ShotSize::Wide => (0.36, Anchor::Floor(0.55)),
        ShotSize::Full => (0.82, Anchor::Top(0.09)),
        ShotSize::Medium => (1.9, Anchor::Top(0.09)),
        ShotSize::MediumCloseUp => (2.9, Anchor::Top(0.07)),
        ShotSize::CloseUp => (4.6, Anchor::Top(0.08)),
        ShotSize::ExtremeCloseUp | ShotSize::Insert => (9.0, Anchor::HeadCentre(0.42)),
    }
}

#[derive(Debug, Clone, Copy)]
enum Anchor {
    /// Feet stand this far between the horizon (0) and the bottom (1).
    Floor(f32),
    /// Top of the head at this fraction of the picture height.
    Top(f32),
    /// Centre of the head at this fraction of the picture height.
    HeadCentre(f32),
}

struct Placed<'a> {
    placement: figure::Placement,
    look: CharacterLook,
    name: &'a str,
    depth: f32,
    foreground: bool,
}

fn paint_shot(
    data: &mut [u8],
    width: u32,
    height: u32,
    scan: &mut Scanner,
    shot: &Shot,
    options: PanelOptions,
) {
    let band_h = if options.caption {
        caption::band_height(width, height)
    } else {
        0
    };
    let pic_h = (height - band_h) as f32;
    let mut c = Canvas::new(data, width, height, scan, pic_h);
    let w = c.w;
    if shot.angle == CameraAngle::Dutch {
        c.ts = Transform::from_rotate_at(-9.0, w / 2.0, pic_h / 2.0);
        c.straight = false;
    }
    let pal = Palette::new(shot.light, set::unit_hash(&shot.location, 0));
    if shot.size == ShotSize::Insert {
        caption::draw_insert(&mut c, shot, &pal);
    } else {
        let horizon = horizon_for(shot.angle) * pic_h;
        let overhead = shot.angle == CameraAngle::Overhead;
        set::draw(&mut c, shot, &pal, horizon, overhead);
        draw_cast(&mut c, shot, &pal, horizon, overhead);
        if shot.angle == CameraAngle::Pov {
            arrows::pov_iris(&mut c);
        }
    }
    if options.arrows {
        arrows::draw(&mut c, shot.movement);
    }
    if options.caption {
        caption::draw_band(&mut c, shot, band_h as f32);
    }
}

fn draw_cast(c: &mut Canvas<'_>, shot: &Shot, pal: &Palette, horizon: f32, overhead: bool) {
    let (w, pic_h) = (c.w, c.h);
    let u = pic_h.min(w * 0.8);
    let (scale, anchor) = framing(shot.size);
    let angle_k = match shot.angle {
        CameraAngle::Low => 1.05,
        CameraAngle::High => 0.94,
        _ => 1.0,
    };
    let crowd = shot.cast.len() > 3 && shot.size <= ShotSize::Full;
    let mut placed: Vec<Placed<'_>> = Vec::with_capacity(shot.cast.len());
    for fig in &shot.cast {
        let look = CharacterLook::of(&fig.name);
        let depth = if crowd {
            0.75 + 0.25 * set::unit_hash(&fig.name, 11)
        } else {
            1.0
        };
        let mut hgt = scale * u * angle_k * depth;
        let mut top = match anchor {
            Anchor::Floor(f) => {
                let floor = horizon + (pic_h - horizon) * f * (0.55 + 0.45 * depth);
                floor - hgt
            }
            Anchor::Top(f) => f * pic_h,
            Anchor::HeadCentre(f) => f * pic_h - 0.068 * hgt,
        };
        let mut light = pal.figure_light;
        if fig.foreground {
            // The shoulder of an over-the-shoulder: larger, lower, darker, cropped.
            hgt *= 1.45;
            top += 0.2 * pic_h;
            light *= 0.6;
        }
        let facing = if fig.foreground && fig.facing == Facing::Camera {
            Facing::Away
        } else {
            fig.facing
        };
        placed.push(Placed {
            placement: figure::Placement {
                cx: fig.x.clamp(-0.2, 1.2) * w,
                top,
                height: hgt,
                facing,
                light,
            },
            look,
            name: &fig.name,
            depth,
            foreground: fig.foreground,
        });
    }
    // Far figures first, the foreground shoulder last.
    placed.sort_by(|a, b| {
        (a.foreground, a.depth)
            .partial_cmp(&(b.foreground, b.depth))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for (i, p) in placed.iter().enumerate() {
        if overhead {
            let from_above = match shot.size {
                ShotSize::ExtremeWide => 0.3,
                ShotSize::Wide => 0.55,
                ShotSize::Full => 0.85,
                ShotSize::Medium => 1.3,
                ShotSize::MediumCloseUp => 1.8,
                ShotSize::CloseUp => 2.6,
                _ => 4.0,
            } * u;
            let cy = pic_h * (0.5 + 0.12 * ((i % 3) as f32 - 1.0));
            figure::draw_from_above(
                c,
                (p.placement.cx, cy),
                from_above,
                &p.look,
                p.placement.facing,
                pal.figure_light,
                pal.ink,
            );
        } else {
            figure::draw(c, &p.placement, &p.look, pal.ink);
        }
    }
    let tags = shot.size <= ShotSize::Medium || shot.cast.len() > 1;
    if tags && !overhead {
        for p in &placed {
            name_tag(c, p, shot.size);
        }
    }
}

/// A small label with the character's name in their colour, above the head.
fn name_tag(c: &mut Canvas<'_>, p: &Placed<'_>, size: ShotSize) {
    let px = (c.w.min(c.h) * 0.034).clamp(9.0, 26.0);
    let name = text::ellipsize(Face::Bold, px, p.name, c.w * 0.3);
    let tw = text::measure(Face::Bold, px, &name);
    let pl = &p.placement;
    let (x, y) = if size <= ShotSize::Full {
        (pl.cx, pl.top - px * 0.6)
    } else {
        // Closer: inside the frame, on the chest.
        (pl.cx, pl.top + pl.height * 0.3)
    };
    let pt = {
        let mut q = [tiny_skia_path::Point::from_xy(x, y)];
        c.ts.map_points(&mut q);
        q[0]
    };
    let (bw, bh) = (tw + px * 0.8, px * 1.3);
    let bx = (pt.x - bw / 2.0).clamp(2.0, (c.w - bw - 2.0).max(2.0));
    let by = (pt.y - bh).clamp(2.0, (c.h - bh - 2.0).max(2.0));
    let saved = (c.ts, c.straight);
    c.ts = Transform::identity();
    c.straight = true;
    if let Some(path) = rounded_rect(bx, by, bw, bh, bh / 2.0) {
        c.fill_alpha(&path, p.look.top.scale(0.8), 225);
    }
    let lum = 0.3 * f32::from(p.look.top.0)
        + 0.59 * f32::from(p.look.top.1)
        + 0.11 * f32::from(p.look.top.2);
    let ink = if lum * 0.8 > 150.0 {
        Rgb(20, 20, 24)
    } else {
        Rgb(255, 255, 255)
    };
    c.label(Face::Bold, px, (bx + px * 0.4, by + bh * 0.76), ink, &name);
    c.ts = saved.0;
    c.straight = saved.1;
}
