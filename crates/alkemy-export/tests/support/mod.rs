//! Shared by the integration tests and the benches: a shot builder,
//! feature-length shot lists, rendered-media stand-ins and panel PNGs.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod tools;

use alkemy_core::{
    CameraAngle, CameraMovement, Facing, Figure, IntExt, Light, Shot, ShotList, ShotSize, Span,
    TimeOfDay,
};
use alkemy_export::{AssembleOptions, Media, MediaRef, Panel, Storyboard};

/// Builds a shot with sensible defaults.
pub struct ShotBuilder(Shot);

impl ShotBuilder {
    /// Shot `number` of scene `scene_index` (scene number = index + 1).
    pub fn new(scene_index: u32, number: &str) -> Self {
        let scene_number = (scene_index + 1).to_string();
        Self(Shot {
            id: format!("sc{scene_number}-{number}").into(),
            scene_index,
            scene_number: scene_number.into(),
            number: number.into(),
            size: ShotSize::Medium,
            angle: CameraAngle::EyeLevel,
            movement: CameraMovement::Static,
            lens_mm: 50,
            duration_ms: 3_000,
            cast: vec![Figure {
                name: "STEEL".into(),
                x: 0.5,
                facing: Facing::Camera,
                foreground: false,
            }],
            speaker: None,
            dialogue: None,
            subject: None,
            location: "WAREHOUSE - OFFICE".into(),
            int_ext: IntExt::Int,
            time_of_day: TimeOfDay::Night,
            light: Light::Night,
            span: Span::default(),
            description: "Steel waits by the window.".to_owned(),
            setup: 1,
            prompt: None,
        })
    }
    pub fn duration_ms(mut self, ms: u32) -> Self {
        self.0.duration_ms = ms;
        self
    }
    pub fn size(mut self, size: ShotSize) -> Self {
        self.0.size = size;
        self
    }
    pub fn movement(mut self, movement: CameraMovement) -> Self {
        self.0.movement = movement;
        self
    }
    pub fn location(mut self, int_ext: IntExt, location: &str, time: TimeOfDay) -> Self {
        self.0.int_ext = int_ext;
        self.0.location = location.into();
        self.0.time_of_day = time;
        self
    }
    pub fn description(mut self, text: &str) -> Self {
        self.0.description = text.to_owned();
        self
    }
    pub fn dialogue(mut self, speaker: &str, line: &str) -> Self {
        self.0.speaker = Some(speaker.into());
        self.0.dialogue = Some(line.to_owned());
        self
    }
    pub fn build(self) -> Shot {
        self.0
    }
}

/// Shot letters as the industry writes them: no I, no O.
pub fn shot_letter(i: usize) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut s = String::new();
    let mut n = i;
    loop {
        s.insert(0, char::from(LETTERS[n % LETTERS.len()]));
        if n < LETTERS.len() {
            break;
        }
        n = n / LETTERS.len() - 1;
    }
    s
}

/// A feature-like shot list: `scenes` scenes of 1 to 11 shots, 1.2 to 9.7 s
/// each, varied sizes, movements and dialogue (deterministic).
pub fn feature(scenes: u32, shots: usize) -> ShotList {
    let sizes = [
        ShotSize::Wide,
        ShotSize::Medium,
        ShotSize::CloseUp,
        ShotSize::MediumCloseUp,
        ShotSize::Insert,
        ShotSize::ExtremeWide,
    ];
    let moves = [
        CameraMovement::Static,
        CameraMovement::DollyIn,
        CameraMovement::PanLeft,
        CameraMovement::Handheld,
    ];
    let mut list = Vec::with_capacity(shots);
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Spread `shots` over `scenes`, at least one each.
    let base = shots / scenes as usize;
    let mut extra = shots % scenes as usize;
    for scene in 0..scenes {
        let n = base + usize::from(extra > 0);
        extra = extra.saturating_sub(1);
        let (ie, time) = if scene % 3 == 0 {
            (IntExt::Ext, TimeOfDay::Day)
        } else {
            (IntExt::Int, TimeOfDay::Night)
        };
        for k in 0..n {
            let mut b = ShotBuilder::new(scene, &format!("{}{}", scene + 1, shot_letter(k)))
                .duration_ms(1_200 + (next() % 8_500) as u32)
                .size(sizes[(next() % sizes.len() as u64) as usize])
                .movement(moves[(next() % moves.len() as u64) as usize])
                .location(ie, &format!("LOCATION {}", scene % 40), time)
                .description("Steel turns from the window & faces <Brick>; the \"deal\" is off.");
            if next() % 2 == 0 {
                b = b.dialogue("BRICK", "You said 9 o'clock — it's 10 & you're <late>.");
            }
            list.push(b.build());
        }
    }
    ShotList {
        style: "classic".to_owned(),
        shots: list,
    }
}

/// Media for every shot: `clips/<id>.mp4` with `handle` frames at each end.
pub fn media(shots: &ShotList, fps: u32, handle: u64) -> Media {
    let mut media = Media::default();
    for shot in &shots.shots {
        let used = u64::from(shot.frames(fps));
        media.shots.insert(
            shot.id.to_string(),
            MediaRef::with_handles(format!("clips/{}.mp4", shot.id), used, handle),
        );
    }
    media
}

/// A `width`×`height` RGB PNG with a pattern depending on `seed`.
pub fn panel_png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let band = ((x / 16 + y / 16) % 2) as u8;
            pixels.extend_from_slice(&[
                seed.wrapping_mul(37).wrapping_add(band * 60),
                (x % 256) as u8,
                (y % 256) as u8,
            ]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&pixels).unwrap();
    }
    out
}

/// The benchmark's assembly settings: 720p at 24 fps, 12-frame scene
/// dissolves, 2-second title cards.
pub fn feature_options() -> AssembleOptions {
    AssembleOptions {
        name: "Big Fish".to_owned(),
        fps: 24,
        width: 1280,
        height: 720,
        scene_dissolve_frames: 12,
        title_card_frames: 48,
    }
}

/// One `panel_png` per shot, seeded by its position.
pub fn pngs(shots: &ShotList, width: u32, height: u32) -> Vec<Vec<u8>> {
    (0..shots.shots.len())
        .map(|i| panel_png(width, height, i as u8))
        .collect()
}

/// A storyboard of the shots with the given panels.
pub fn board<'a>(title: &'a str, shots: &'a ShotList, pngs: &'a [Vec<u8>]) -> Storyboard<'a> {
    let panels = shots
        .shots
        .iter()
        .zip(pngs)
        .map(|(shot, png)| Panel {
            shot,
            image: Some(png),
        })
        .collect();
    Storyboard { title, panels }
}
