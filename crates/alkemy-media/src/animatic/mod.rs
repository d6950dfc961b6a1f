//! The animatic: a still becomes a clip of the shot's planned length with its
//! camera movement applied, dialogue burned in as subtitles, encoded to H.264.
//! Also scene title cards and dissolves, so a pipeline can cut a whole film.
//!
//! Design: camera motion is stepped at [`AnimaticOptions::motion_fps`] (12 by
//! default: "on twos", like a drawn animatic) and every frame between steps
//! is an all-skip repeat, so a static 5-second shot costs one coded picture
//! and a push-in costs half its frames. Every clip is constant-rate, starts
//! with an IDR and shares the encoder's SPS/PPS, so clips join without
//! re-encoding ([`crate::assemble`]). Each call builds its own encoder:
//! encode shots in parallel from as many threads as there are cores.

pub mod motion;
mod overlay;

use alkemy_core::{CameraMovement, Shot};

pub use self::motion::View;
use self::overlay::Overlay;
use crate::error::{MediaError, Result};
use crate::h264::{H264Encoder, Quality};
use crate::mp4::EncodedClip;
use crate::raster::RgbImage;
use crate::resample;
use crate::text::{self, Face, Rgba, Style};
use crate::yuv::{Yuv420, rgb_to_yuv420};

/// How the animatic is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnimaticOptions {
    /// Frame width (even).
    pub width: u32,
    /// Frame height (even).
    pub height: u32,
    /// Frames per second of the clips.
    pub fps: u32,
    /// Camera-motion updates per second (at most `fps`); frames in between repeat.
    pub motion_fps: u32,
    /// Encoder quantiser range.
    pub quality: Quality,
    /// Burn the shot's dialogue in as subtitles.
    pub subtitles: bool,
}

impl AnimaticOptions {
    /// Options for a frame size and rate, with motion on twos and subtitles.
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        Self {
            width,
            height,
            fps,
            motion_fps: (fps / 2).max(1),
            quality: Quality::default(),
            subtitles: true,
        }
    }
}

/// Which end of a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// The first frame.
    First,
    /// The last frame.
    Last,
}

/// What a scene's title card says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleCard {
    /// The small line above (`SCENE 12`).
    pub kicker: String,
    /// The main line (the scene heading).
    pub title: String,
    /// An optional line below (a synopsis).
    pub note: Option<String>,
}

/// What a clip shows of its still.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClipSpec<'a> {
    /// The camera movement over the still.
    pub movement: CameraMovement,
    /// Length in frames (at least 1).
    pub frames: u32,
    /// A line burned in at the bottom, if any.
    pub subtitle: Option<&'a str>,
    /// Varies handheld shake between clips, deterministically.
    pub seed: u64,
}

impl<'a> ClipSpec<'a> {
    /// A held still: no movement, no subtitle.
    pub fn hold(frames: u32) -> Self {
        Self {
            movement: CameraMovement::Static,
            frames,
            subtitle: None,
            seed: 0,
        }
    }
}

/// One frame of a clip, as [`Animatic::frames`] produces them.
#[derive(Debug, Clone, Copy)]
pub enum Frame<'a> {
    /// A new picture.
    New(&'a Yuv420),
    /// The previous picture again.
    Repeat,
}

/// Renders animatic clips. `Send + Sync`: share one across threads.
#[derive(Debug, Clone)]
pub struct Animatic {
    options: AnimaticOptions,
}

impl Animatic {
    /// Checks the options: even frame sides 16..=3840, 1..=120 fps.
    pub fn new(options: AnimaticOptions) -> Result<Self> {
        let AnimaticOptions {
            width, height, fps, ..
        } = options;
        if width % 2 == 1
            || height % 2 == 1
            || !(16..=3840).contains(&width)
            || !(16..=3840).contains(&height)
        {
            return Err(MediaError::param(
                "animatic frame size",
                format!("{width}x{height}; sides must be even, 16..=3840"),
            ));
        }
        if !(1..=120).contains(&fps) {
            return Err(MediaError::param(
                "frame rate",
                format!("{fps}; must be 1..=120"),
            ));
        }
        let motion_fps = options.motion_fps.clamp(1, fps);
        Ok(Self {
            options: AnimaticOptions {
                motion_fps,
                ..options
            },
        })
    }

    /// The options in force.
    pub fn options(&self) -> &AnimaticOptions {
        &self.options
    }

    /// Ticks per second of the clips' timestamps (1000 per frame).
    pub fn timescale(&self) -> u32 {
        self.options.fps * 1000
    }

    /// The clip for a planned shot: `shot.frames(fps)` frames of `still`
    /// (any size; scaled and centre-cropped) with the shot's movement and
    /// its dialogue as subtitles.
    pub fn shot_clip(&self, still: &RgbImage, shot: &Shot) -> Result<EncodedClip> {
        let frames = shot.frames(self.options.fps);
        let subtitle = self.subtitle_of(shot);
        let spec = ClipSpec {
            movement: shot.movement,
            frames,
            subtitle: subtitle.as_deref(),
            seed: seed_of(&shot.id),
        };
        self.clip(still, &spec, &shot.id)
    }

    /// A clip of `spec.frames` frames of `still` with a camera movement
    /// and an optional subtitle; `context` names the clip in errors.
    pub fn clip(
        &self,
        still: &RgbImage,
        spec: &ClipSpec<'_>,
        context: &str,
    ) -> Result<EncodedClip> {
        let o = &self.options;
        let mut enc = H264Encoder::new(o.width, o.height, o.fps, o.quality, context)?;
        let mut samples = Vec::with_capacity(spec.frames as usize);
        self.frames(still, spec, context, |frame| {
            samples.push(match frame {
                Frame::New(picture) => enc.encode(picture, 1000)?,
                Frame::Repeat => enc.repeat(1000)?,
            });
            Ok(())
        })?;
        self.finish(enc, samples, context)
    }

    /// Produces the frames of a clip in order without encoding them: each is
    /// a new picture or a repeat of the previous one (for other encoders,
    /// previews and benchmarks).
    pub fn frames(
        &self,
        still: &RgbImage,
        spec: &ClipSpec<'_>,
        context: &str,
        mut sink: impl FnMut(Frame<'_>) -> Result<()>,
    ) -> Result<()> {
        let frames = spec.frames;
        if frames == 0 {
            return Err(MediaError::param(
                "clip length",
                format!("{context}: zero frames"),
            ));
        }
        let o = &self.options;
        let overlay = spec
            .subtitle
            .filter(|s| !s.trim().is_empty())
            .map(|s| Overlay::subtitle(s, o.width, o.height))
            .transpose()?;
        let moves = motion::moves(spec.movement);
        let steps = self.steps(frames, moves);
        let source = Source::new(still, o.width, o.height, moves)?;
        let mut picture = Yuv420::new(o.width, o.height)?;
        let mut step_done = u32::MAX;
        for i in 0..frames {
            let step = step_of(i, steps, frames);
            if step == step_done {
                sink(Frame::Repeat)?;
                continue;
            }
            step_done = step;
            let t = step_time(step, steps);
            source.render(motion::view_at(spec.movement, t, spec.seed), &mut picture);
            if let Some(ov) = &overlay {
                ov.apply(&mut picture);
            }
            sink(Frame::New(&picture))?;
        }
        Ok(())
    }

    /// Camera-motion steps in a clip of `frames` frames.
    fn steps(&self, frames: u32, moves: bool) -> u32 {
        let o = &self.options;
        if moves {
            (u64::from(frames) * u64::from(o.motion_fps))
                .div_ceil(u64::from(o.fps))
                .clamp(1, u64::from(frames)) as u32
        } else {
            1
        }
    }

    /// One end of a shot's clip as an RGB image (for dissolves and thumbnails).
    pub fn shot_frame(&self, still: &RgbImage, shot: &Shot, edge: Edge) -> Result<RgbImage> {
        let t = match edge {
            Edge::First => 0.0,
            Edge::Last => 1.0,
        };
        self.shot_view(still, shot, t)
    }

    /// Frame `index` of the clip [`Animatic::shot_clip`] makes from `still`
    /// when the shot lasts `frames` frames: exactly the picture the clip shows
    /// there (for a dissolve out of a clip trimmed before its end).
    pub fn shot_frame_at(
        &self,
        still: &RgbImage,
        shot: &Shot,
        frames: u32,
        index: u32,
    ) -> Result<RgbImage> {
        let frames = frames.max(1);
        let steps = self.steps(frames, motion::moves(shot.movement));
        let t = step_time(step_of(index.min(frames - 1), steps, frames), steps);
        self.shot_view(still, shot, t)
    }

    /// The shot's picture at motion time `t` (0 to 1), subtitles included.
    fn shot_view(&self, still: &RgbImage, shot: &Shot, t: f32) -> Result<RgbImage> {
        let o = &self.options;
        let moves = motion::moves(shot.movement);
        let source = Source::new(still, o.width, o.height, moves)?;
        let mut frame = Yuv420::new(o.width, o.height)?;
        source.render(
            motion::view_at(shot.movement, t, seed_of(&shot.id)),
            &mut frame,
        );
        if let Some(text) = self.subtitle_of(shot) {
            Overlay::subtitle(&text, o.width, o.height)?.apply(&mut frame);
        }
        frame.to_rgb()
    }

    /// A scene title card as a picture at the animatic's size.
    pub fn title_image(&self, card: &TitleCard) -> Result<RgbImage> {
        render_title(card, self.options.width, self.options.height)
    }

    /// A scene title card held for `frames` frames.
    pub fn title_card(&self, card: &TitleCard, frames: u32) -> Result<EncodedClip> {
        let img = render_title(card, self.options.width, self.options.height)?;
        let context = format!("title card {}", card.kicker);
        self.clip(&img, &ClipSpec::hold(frames), &context)
    }

    /// A dissolve from `from` to `to` (any sizes; fitted to the frame) over
    /// `frames` frames, neither end included: place it between the two clips.
    pub fn dissolve(&self, from: &RgbImage, to: &RgbImage, frames: u32) -> Result<EncodedClip> {
        if frames == 0 {
            return Err(MediaError::param("dissolve length", "zero frames"));
        }
        let o = &self.options;
        let a = Yuv420::from_rgb(&resample::cover(from, o.width, o.height)?)?;
        let b = Yuv420::from_rgb(&resample::cover(to, o.width, o.height)?)?;
        let mut frame = Yuv420::new(o.width, o.height)?;
        let mut enc = H264Encoder::new(o.width, o.height, o.fps, o.quality, "dissolve")?;
        let mut samples = Vec::with_capacity(frames as usize);
        for i in 0..frames {
            let t = ((i + 1) * 256) / (frames + 1);
            frame.blend_from(&a, &b, t);
            samples.push(enc.encode(&frame, 1000)?);
        }
        self.finish(enc, samples, "dissolve")
    }

    fn finish(
        &self,
        enc: H264Encoder,
        samples: Vec<crate::h264::Sample>,
        context: &str,
    ) -> Result<EncodedClip> {
        let params = enc
            .parameter_sets()
            .cloned()
            .ok_or_else(|| MediaError::Encode {
                context: context.to_owned(),
                message: "no picture was coded".to_owned(),
            })?;
        Ok(EncodedClip {
            width: self.options.width,
            height: self.options.height,
            timescale: self.timescale(),
            params,
            samples,
        })
    }

    fn subtitle_of(&self, shot: &Shot) -> Option<String> {
        if !self.options.subtitles {
            return None;
        }
        let line = shot.dialogue.as_ref()?;
        Some(match &shot.speaker {
            Some(who) => format!("{who}: {line}"),
            None => line.clone(),
        })
    }
}

/// A stable seed from a shot id.
/// The motion step shown at frame `index` of a clip of `frames` frames.
fn step_of(index: u32, steps: u32, frames: u32) -> u32 {
    (u64::from(index) * u64::from(steps) / u64::from(frames.max(1))) as u32
}

/// Motion time (0 to 1) of a step.
fn step_time(step: u32, steps: u32) -> f32 {
    if steps > 1 {
        step as f32 / (steps - 1) as f32
    } else {
        0.0
    }
}

fn seed_of(id: &str) -> u64 {
    let h = blake3::hash(id.as_bytes());
    let b = h.as_bytes();
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

/// The still prepared for sampling: fitted to the frame's aspect, with extra
/// resolution for zooms, as full-resolution Y, U and V planes.
struct Source {
    w: usize,
    h: usize,
    y: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
    /// Already exactly the output frame (no motion).
    exact: Option<Yuv420>,
}

impl Source {
    fn new(still: &RgbImage, width: u32, height: u32, moves: bool) -> Result<Self> {
        if !moves {
            let fitted = resample::cover(still, width, height)?;
            return Ok(Self {
                w: 0,
                h: 0,
                y: Vec::new(),
                u: Vec::new(),
                v: Vec::new(),
                exact: Some(Yuv420::from_rgb(&fitted)?),
            });
        }
        let sw = ((width as f32 * motion::MAX_ZOOM).round() as u32).max(2) & !1;
        let sh = ((height as f32 * motion::MAX_ZOOM).round() as u32).max(2) & !1;
        // Never upscale the still beyond its own detail twice over.
        let fitted = resample::cover(still, sw, sh)?;
        let (w, h) = (sw as usize, sh as usize);
        let mut y = vec![0; w * h];
        let mut u = vec![0; w * h];
        let mut v = vec![0; w * h];
        for (i, p) in fitted.as_bytes().chunks_exact(3).enumerate() {
            let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
            y[i] = (((47 * r + 157 * g + 16 * b + 128) >> 8) + 16) as u8;
            u[i] = (((-26 * r - 87 * g + 113 * b + 128) >> 8) + 128) as u8;
            v[i] = (((112 * r - 102 * g - 10 * b + 128) >> 8) + 128) as u8;
        }
        Ok(Self {
            w,
            h,
            y,
            u,
            v,
            exact: None,
        })
    }

    fn render(&self, view: View, out: &mut Yuv420) {
        if let Some(exact) = &self.exact {
            out.clone_from(exact);
            return;
        }
        let (x, y, rw, rh) = view.rect();
        let rect = (
            x * self.w as f32,
            y * self.h as f32,
            rw * self.w as f32,
            rh * self.h as f32,
        );
        let (ow, oh) = (out.width() as usize, out.height() as usize);
        sample_plane(&self.y, self.w, self.h, rect, &mut out.y, ow, oh);
        sample_plane(&self.u, self.w, self.h, rect, &mut out.u, ow / 2, oh / 2);
        sample_plane(&self.v, self.w, self.h, rect, &mut out.v, ow / 2, oh / 2);
    }
}

/// Bilinear resampling of `rect` of a plane into `out` (`ow`×`oh`), 8-bit
/// fixed-point weights. Separable: each output row first blends its two
/// source rows into a contiguous buffer (vectorised), then interpolates
/// horizontally from it.
fn sample_plane(
    src: &[u8],
    sw: usize,
    sh: usize,
    rect: (f32, f32, f32, f32),
    out: &mut [u8],
    ow: usize,
    oh: usize,
) {
    if sw < 2 || sh < 2 || ow == 0 || oh == 0 {
        return;
    }
    let (rx, ry, rw, rh) = rect;
    // Source index and weight for each output column/row; the index is at
    // most `len - 2`, so `index + 1` is always inside.
    let axis = |n: usize, start: f32, len: f32, max: usize| -> (Vec<usize>, Vec<u32>) {
        let scale = len / n as f32;
        (0..n)
            .map(|i| {
                let s = (start + (i as f32 + 0.5) * scale - 0.5).clamp(0.0, (max - 1) as f32);
                let i0 = (s.floor() as usize).min(max - 2);
                let f = ((s - i0 as f32) * 256.0).round().clamp(0.0, 256.0) as u32;
                (i0, f)
            })
            .unzip()
    };
    let (x0s, fxs) = axis(ow, rx, rw, sw);
    let (y0s, fys) = axis(oh, ry, rh, sh);
    let lo = x0s.first().copied().unwrap_or(0);
    let hi = x0s.last().copied().unwrap_or(0) + 2;
    let mut blended = vec![0u32; hi - lo];
    for ((row, &y0), &fy) in out.chunks_exact_mut(ow).zip(&y0s).zip(&fys) {
        let a = &src[y0 * sw + lo..y0 * sw + hi];
        let b = &src[(y0 + 1) * sw + lo..(y0 + 1) * sw + hi];
        let wa = 256 - fy;
        for ((m, &p), &q) in blended.iter_mut().zip(a).zip(b) {
            *m = u32::from(p) * wa + u32::from(q) * fy;
        }
        for ((o, &x0), &fx) in row.iter_mut().zip(&x0s).zip(&fxs) {
            let i = x0 - lo;
            let v = blended[i] * (256 - fx) + blended[i + 1] * fx;
            *o = ((v + 32768) >> 16) as u8;
        }
    }
}

fn render_title(card: &TitleCard, width: u32, height: u32) -> Result<RgbImage> {
    let (w, h) = (width as f32, height as f32);
    let mut rgba = [18u8, 18, 24, 255].repeat(width as usize * height as usize);
    let big = (w.min(h) * 0.075).clamp(10.0, 96.0);
    let small = big * 0.55;
    let max_w = w * 0.86;
    let lines = text::wrap(Face::Bold, big, &card.title, max_w, 2);
    let note = card
        .note
        .as_ref()
        .map(|n| text::wrap(Face::Regular, small, n, max_w, 2))
        .unwrap_or_default();
    let total = small * 1.6 + lines.len() as f32 * big * 1.25 + note.len() as f32 * small * 1.4;
    let mut y = (h - total) / 2.0 + small;
    let centre = |s: &str, face: Face, px: f32| (w - text::measure(face, px, s)) / 2.0;
    text::draw(
        &mut rgba,
        width,
        Style::new(Face::Bold, small, Rgba([255, 196, 80, 255])),
        (centre(&card.kicker, Face::Bold, small), y),
        &card.kicker,
    );
    y += small * 0.6 + big * 1.1;
    for l in &lines {
        text::draw(
            &mut rgba,
            width,
            Style::new(Face::Bold, big, Rgba([245, 245, 240, 255])),
            (centre(l, Face::Bold, big), y),
            l,
        );
        y += big * 1.25;
    }
    for l in &note {
        text::draw(
            &mut rgba,
            width,
            Style::new(Face::Regular, small, Rgba([170, 172, 180, 255])),
            (centre(l, Face::Regular, small), y),
            l,
        );
        y += small * 1.4;
    }
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    RgbImage::from_raw(width, height, rgb)
}

/// Converts RGB to 4:2:0 into a frame (used by overlays).
pub(crate) fn rgb_into(rgb: &[u8], w: usize, h: usize, frame: &mut Yuv420) {
    let Yuv420 { y, u, v, .. } = frame;
    rgb_to_yuv420(rgb, w, h, y, u, v);
}
