//! Hand-built shots for tests and benches: a builder, every size/angle/
//! movement/cast layout, and a realistic shot list for Brick & Steel (until
//! the shot planner lands, this is what a director of photography would plan).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use alkemy_core::{
    CameraAngle, CameraMovement, Facing, Figure, IntExt, Light, Shot, ShotSize, Span, TimeOfDay,
};

/// Starts a shot with sensible defaults.
pub fn shot(id: &str) -> ShotBuilder {
    ShotBuilder(Shot {
        id: id.into(),
        scene_index: 0,
        scene_number: "1".into(),
        number: "1".into(),
        size: ShotSize::Medium,
        angle: CameraAngle::EyeLevel,
        movement: CameraMovement::Static,
        lens_mm: 35,
        duration_ms: 3000,
        cast: Vec::new(),
        speaker: None,
        dialogue: None,
        subject: None,
        location: "HOUSE - KITCHEN".into(),
        int_ext: IntExt::Int,
        time_of_day: TimeOfDay::Day,
        light: Light::Day,
        span: Span::line(1),
        description: "A shot.".to_owned(),
        setup: 1,
        prompt: None,
    })
}

/// Builds a [`Shot`] step by step.
pub struct ShotBuilder(pub Shot);

impl ShotBuilder {
    pub fn scene(mut self, index: u32, number: &str, shot_number: &str) -> Self {
        self.0.scene_index = index;
        self.0.scene_number = number.into();
        self.0.number = shot_number.into();
        self
    }
    pub fn size(mut self, size: ShotSize) -> Self {
        self.0.size = size;
        self
    }
    pub fn angle(mut self, angle: CameraAngle) -> Self {
        self.0.angle = angle;
        self
    }
    pub fn movement(mut self, movement: CameraMovement) -> Self {
        self.0.movement = movement;
        self
    }
    pub fn lens(mut self, mm: u16) -> Self {
        self.0.lens_mm = mm;
        self
    }
    pub fn ms(mut self, duration_ms: u32) -> Self {
        self.0.duration_ms = duration_ms;
        self
    }
    pub fn at(mut self, int_ext: IntExt, location: &str, light: Light) -> Self {
        self.0.int_ext = int_ext;
        self.0.location = location.into();
        self.0.light = light;
        self.0.time_of_day = match light {
            Light::Dawn => TimeOfDay::Dawn,
            Light::Day => TimeOfDay::Day,
            Light::Dusk => TimeOfDay::Dusk,
            Light::Night => TimeOfDay::Night,
        };
        self
    }
    pub fn fig(mut self, name: &str, x: f32, facing: Facing) -> Self {
        self.0.cast.push(Figure {
            name: name.into(),
            x,
            facing,
            foreground: false,
        });
        self
    }
    pub fn shoulder(mut self, name: &str, x: f32) -> Self {
        self.0.cast.push(Figure {
            name: name.into(),
            x,
            facing: Facing::Away,
            foreground: true,
        });
        self
    }
    pub fn says(mut self, speaker: &str, line: &str) -> Self {
        self.0.speaker = Some(speaker.into());
        self.0.dialogue = Some(line.to_owned());
        self
    }
    pub fn subject(mut self, subject: &str) -> Self {
        self.0.subject = Some(subject.into());
        self.0.size = ShotSize::Insert;
        self
    }
    pub fn describe(mut self, text: &str) -> Self {
        self.0.description = text.to_owned();
        self
    }
    pub fn build(self) -> Shot {
        self.0
    }
}

pub const SIZES: [ShotSize; 8] = [
    ShotSize::ExtremeWide,
    ShotSize::Wide,
    ShotSize::Full,
    ShotSize::Medium,
    ShotSize::MediumCloseUp,
    ShotSize::CloseUp,
    ShotSize::ExtremeCloseUp,
    ShotSize::Insert,
];

pub const ANGLES: [CameraAngle; 7] = [
    CameraAngle::EyeLevel,
    CameraAngle::High,
    CameraAngle::Low,
    CameraAngle::Overhead,
    CameraAngle::Dutch,
    CameraAngle::Pov,
    CameraAngle::OverTheShoulder,
];

pub const MOVEMENTS: [CameraMovement; 13] = [
    CameraMovement::Static,
    CameraMovement::PanLeft,
    CameraMovement::PanRight,
    CameraMovement::TiltUp,
    CameraMovement::TiltDown,
    CameraMovement::DollyIn,
    CameraMovement::DollyOut,
    CameraMovement::TrackLeft,
    CameraMovement::TrackRight,
    CameraMovement::Handheld,
    CameraMovement::CraneUp,
    CameraMovement::CraneDown,
    CameraMovement::Steadicam,
];

/// Every size × angle, every movement, every light, interior and exterior,
/// and the cast layouts: empty, single, two-shot, over-the-shoulder, crowd.
pub fn every_layout() -> Vec<Shot> {
    let lights = [Light::Dawn, Light::Day, Light::Dusk, Light::Night];
    let mut out = Vec::new();
    let mut n = 0;
    for (i, size) in SIZES.into_iter().enumerate() {
        for (j, angle) in ANGLES.into_iter().enumerate() {
            n += 1;
            let light = lights[(i + j) % 4];
            let (ie, loc) = if (i + j) % 2 == 0 {
                (IntExt::Int, "DINER")
            } else {
                (IntExt::Ext, "CITY STREET")
            };
            let mut b = shot(&format!("l{n}"))
                .scene(i as u32, &format!("{}", i + 1), &format!("{n}"))
                .size(size)
                .angle(angle)
                .movement(MOVEMENTS[n % MOVEMENTS.len()])
                .at(ie, loc, light);
            b = match n % 5 {
                0 => b,
                1 => b
                    .fig("MARA", 0.5, Facing::Camera)
                    .says("MARA", "Where were you?"),
                2 => b
                    .fig("MARA", 0.33, Facing::Right)
                    .fig("JONAH", 0.67, Facing::Left),
                3 => b.shoulder("JONAH", 0.15).fig("MARA", 0.64, Facing::Left),
                _ => (0..7).fold(b, |b, k| {
                    b.fig(&format!("EXTRA {k}"), 0.1 + 0.13 * k as f32, Facing::Camera)
                }),
            };
            if size == ShotSize::Insert {
                b = b.subject("the birthday card");
            }
            out.push(b.build());
        }
    }
    for (k, m) in MOVEMENTS.into_iter().enumerate() {
        out.push(
            shot(&format!("m{k}"))
                .movement(m)
                .size(ShotSize::Wide)
                .fig("MARA", 0.5, Facing::Camera)
                .at(IntExt::IntExt, "CAR", Light::Dusk)
                .build(),
        );
    }
    out
}

/// A plausible shot plan for Brick & Steel (examples/brick-and-steel.fountain).
pub fn brick_and_steel() -> Vec<Shot> {
    use CameraAngle as A;
    use CameraMovement as M;
    use Facing as F;
    use ShotSize as S;
    let patio = |b: ShotBuilder| b.at(IntExt::Ext, "BRICK'S PATIO", Light::Day);
    let trailer = |b: ShotBuilder| b.at(IntExt::Int, "TRAILER HOME", Light::Day);
    let pool = |b: ShotBuilder| b.at(IntExt::Ext, "BRICK'S POOL", Light::Day);
    let shack = |b: ShotBuilder| b.at(IntExt::Ext, "WOODEN SHACK", Light::Dusk);
    let garage = |b: ShotBuilder| b.at(IntExt::Int, "GARAGE", Light::Night);
    vec![
        patio(
            shot("sc1-1")
                .scene(0, "1", "1")
                .size(S::ExtremeWide)
                .movement(M::CraneDown)
                .lens(18)
                .ms(4000),
        )
        .fig("BRICK", 0.5, F::Camera)
        .describe("A gorgeous day. Brick sits quietly, contemplating.")
        .build(),
        patio(
            shot("sc1-1A")
                .scene(0, "1", "1A")
                .size(S::Wide)
                .lens(24)
                .ms(3500),
        )
        .fig("BRICK", 0.35, F::Right)
        .fig("STEEL", 0.72, F::Left)
        .says("STEEL", "Beer's ready!")
        .build(),
        patio(
            shot("sc1-1B")
                .scene(0, "1", "1B")
                .size(S::MediumCloseUp)
                .angle(A::OverTheShoulder)
                .lens(50)
                .ms(2000),
        )
        .shoulder("STEEL", 0.14)
        .fig("BRICK", 0.62, F::Left)
        .says("BRICK", "Are they cold?")
        .build(),
        patio(
            shot("sc1-1C")
                .scene(0, "1", "1C")
                .size(S::MediumCloseUp)
                .angle(A::OverTheShoulder)
                .lens(50)
                .ms(2500),
        )
        .shoulder("BRICK", 0.86)
        .fig("STEEL", 0.38, F::Right)
        .says("STEEL", "Does a bear crap in the woods?")
        .build(),
        patio(
            shot("sc1-1D")
                .scene(0, "1", "1D")
                .size(S::Medium)
                .lens(35)
                .ms(3000),
        )
        .fig("BRICK", 0.32, F::Right)
        .fig("STEEL", 0.68, F::Left)
        .says("STEEL", "To retirement.")
        .build(),
        patio(
            shot("sc1-1E")
                .scene(0, "1", "1E")
                .size(S::CloseUp)
                .movement(M::DollyIn)
                .lens(85)
                .ms(4000),
        )
        .fig("STEEL", 0.5, F::Camera)
        .says("STEEL", "Screw retirement.")
        .build(),
        trailer(
            shot("sc2-2")
                .scene(1, "2", "2")
                .size(S::Wide)
                .angle(A::High)
                .movement(M::PanRight)
                .lens(24)
                .ms(5000),
        )
        .fig("DAN", 0.35, F::Right)
        .fig("JACK", 0.65, F::Left)
        .describe("The Boy Band count the take from their last smash-and-grab.")
        .build(),
        trailer(
            shot("sc2-2A")
                .scene(1, "2", "2A")
                .subject("money, drugs and ridiculous props")
                .lens(50)
                .ms(2000),
        )
        .describe("The loot strewn about the table.")
        .build(),
        trailer(
            shot("sc2-2B")
                .scene(1, "2", "2B")
                .size(S::MediumCloseUp)
                .movement(M::Handheld)
                .lens(40)
                .ms(3000),
        )
        .fig("JACK", 0.45, F::Right)
        .says("JACK", "Did you know Brick and Steel are retired?")
        .build(),
        pool(
            shot("sc3-3")
                .scene(2, "3", "3")
                .size(S::Full)
                .angle(A::Low)
                .lens(28)
                .ms(3500),
        )
        .fig("BRICK", 0.4, F::Camera)
        .fig("STEEL", 0.62, F::Camera)
        .describe("Brick and Steel by the pool, guns drawn.")
        .build(),
        pool(
            shot("sc3-3A")
                .scene(2, "3", "3A")
                .size(S::Wide)
                .angle(A::Pov)
                .movement(M::PanLeft)
                .lens(135)
                .ms(3000),
        )
        .fig("BRICK", 0.55, F::Left)
        .describe("SNIPER SCOPE POV: the crosshairs find Brick.")
        .build(),
        pool(
            shot("sc3-3B")
                .scene(2, "3", "3B")
                .size(S::ExtremeCloseUp)
                .angle(A::Dutch)
                .lens(100)
                .ms(1500),
        )
        .fig("STEEL", 0.5, F::Camera)
        .says("STEEL", "Get down!")
        .build(),
        shack(
            shot("sc5-5")
                .scene(4, "5", "5")
                .size(S::ExtremeWide)
                .movement(M::TrackRight)
                .lens(21)
                .ms(5000),
        )
        .fig("BRICK", 0.42, F::Right)
        .fig("STEEL", 0.5, F::Right)
        .describe("A wooden shack in the middle of nowhere.")
        .build(),
        shack(
            shot("sc5-5A")
                .scene(4, "5", "5A")
                .size(S::Full)
                .movement(M::Steadicam)
                .lens(32)
                .ms(4000),
        )
        .fig("BRICK", 0.38, F::Right)
        .fig("STEEL", 0.6, F::Right)
        .fig("DAN", 0.8, F::Left)
        .says("BRICK", "Nobody move. This is a citizen's arrest.")
        .build(),
        garage(
            shot("sc6-6")
                .scene(5, "6", "6")
                .size(S::Medium)
                .angle(A::Low)
                .movement(M::TiltUp)
                .lens(28)
                .ms(3500),
        )
        .fig("STEEL", 0.5, F::Camera)
        .describe("Steel reveals the arsenal.")
        .build(),
        garage(
            shot("sc6-6A")
                .scene(5, "6", "6A")
                .size(S::Wide)
                .angle(A::Overhead)
                .movement(M::DollyOut)
                .lens(18)
                .ms(3000),
        )
        .fig("BRICK", 0.4, F::Right)
        .fig("STEEL", 0.6, F::Left)
        .describe("Overhead: the two men and the van.")
        .build(),
        shot("sc7-7")
            .scene(6, "7", "7")
            .size(S::ExtremeWide)
            .angle(A::Low)
            .movement(M::CraneUp)
            .lens(16)
            .ms(5000)
            .at(IntExt::Ext, "PALATIAL MANSION", Light::Night)
            .describe("The palatial mansion, lit up.")
            .build(),
        shot("sc7-7A")
            .scene(6, "7", "7A")
            .size(S::Full)
            .movement(M::TrackLeft)
            .lens(35)
            .ms(4000)
            .at(IntExt::Ext, "PALATIAL MANSION", Light::Night)
            .fig("GUARD 1", 0.15, F::Camera)
            .fig("GUARD 2", 0.3, F::Camera)
            .fig("BRICK", 0.48, F::Left)
            .fig("STEEL", 0.62, F::Left)
            .fig("GUARD 3", 0.8, F::Camera)
            .fig("MR. BIG", 0.92, F::Left)
            .says("MR. BIG", "Gentlemen. I was expecting you.")
            .build(),
    ]
}
