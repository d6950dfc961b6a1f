//! Looks derived from names and light: each character's colours and
//! silhouette (the same on every panel of the film), and the palette of a set
//! under dawn, day, dusk or night.

use alkemy_core::Light;

/// An opaque colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Mixes toward `other` by `t` (0 = self, 1 = other).
    pub fn mix(self, other: Rgb, t: f32) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let m = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }

    /// Scales brightness by `k`.
    pub fn scale(self, k: f32) -> Rgb {
        let s = |a: u8| (f32::from(a) * k).round().clamp(0.0, 255.0) as u8;
        Rgb(s(self.0), s(self.1), s(self.2))
    }

    /// As RGB bytes.
    pub fn bytes(self) -> [u8; 3] {
        [self.0, self.1, self.2]
    }

    /// From hue (degrees), saturation and lightness in 0..1.
    pub fn hsl(h: f32, s: f32, l: f32) -> Rgb {
        let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
        let hp = (h.rem_euclid(360.0)) / 60.0;
        let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
        let (r, g, b) = match hp as u32 {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        let m = l - c / 2.0;
        let to = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
        Rgb(to(r), to(g), to(b))
    }
}

/// Hair styles: part of a silhouette that reads at any size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hair {
    /// Close-cropped.
    Short,
    /// Falls to the shoulders.
    Long,
    /// None.
    Bald,
    /// Tied up on top.
    Bun,
    /// A brimmed hat.
    Hat,
}

/// How a character is drawn: derived from the name alone, so every panel of
/// every scene draws the same person the same way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CharacterLook {
    /// Main costume colour (the jacket/top).
    pub top: Rgb,
    /// Trousers or skirt.
    pub bottom: Rgb,
    /// Skin.
    pub skin: Rgb,
    /// Hair (or hat) colour.
    pub hair_color: Rgb,
    /// Hair style.
    pub hair: Hair,
    /// Shoulder-width factor (slim 0.85 … broad 1.2).
    pub build: f32,
    /// Height factor (0.92 … 1.06).
    pub height: f32,
}

impl CharacterLook {
    /// The look of the character called `name` (case and spacing ignored).
    pub fn of(name: &str) -> Self {
        let canonical: String = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        let h = blake3::hash(canonical.as_bytes());
        let b = h.as_bytes();
        let hue = f32::from(u16::from_le_bytes([b[0], b[1]])) / 65536.0 * 360.0;
        let sat = 0.45 + f32::from(b[2] % 4) * 0.1;
        let light = 0.42 + f32::from(b[3] % 3) * 0.08;
        let top = Rgb::hsl(hue, sat, light);
        let bottom_hue = hue + 150.0 + f32::from(b[4] % 60);
        let bottom = Rgb::hsl(bottom_hue, 0.2, 0.22 + f32::from(b[5] % 3) * 0.07);
        const SKINS: [Rgb; 5] = [
            Rgb(247, 217, 188),
            Rgb(232, 190, 150),
            Rgb(198, 145, 105),
            Rgb(150, 100, 70),
            Rgb(105, 70, 50),
        ];
        const HAIRS: [Rgb; 6] = [
            Rgb(30, 25, 25),
            Rgb(90, 60, 35),
            Rgb(200, 165, 90),
            Rgb(160, 160, 165),
            Rgb(150, 60, 30),
            Rgb(55, 40, 30),
        ];
        let hair = match b[6] % 5 {
            0 => Hair::Short,
            1 => Hair::Long,
            2 => Hair::Bald,
            3 => Hair::Bun,
            _ => Hair::Hat,
        };
        let hair_color = if hair == Hair::Hat {
            Rgb::hsl(hue + 180.0, 0.25, 0.25)
        } else {
            HAIRS[usize::from(b[7]) % HAIRS.len()]
        };
        Self {
            top,
            bottom,
            skin: SKINS[usize::from(b[8]) % SKINS.len()],
            hair_color,
            hair,
            build: 0.85 + f32::from(b[9] % 8) * 0.05,
            height: 0.92 + f32::from(b[10] % 8) * 0.02,
        }
    }
}

/// The colours of a set under one light.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    /// Top of the sky.
    pub sky_top: Rgb,
    /// Sky at the horizon.
    pub sky_horizon: Rgb,
    /// Ground / exterior floor.
    pub ground: Rgb,
    /// Distant scenery silhouettes.
    pub distance: Rgb,
    /// Interior back wall.
    pub wall: Rgb,
    /// Interior side walls.
    pub side_wall: Rgb,
    /// Interior floor.
    pub floor: Rgb,
    /// The sun or moon, if drawn, and its height above the horizon (0..1 of the sky).
    pub sun: Option<(Rgb, f32)>,
    /// Stars in the sky.
    pub stars: bool,
    /// Brightness applied to figures.
    pub figure_light: f32,
    /// Window glass (interior).
    pub window: Rgb,
    /// Lines and outlines.
    pub ink: Rgb,
}

impl Palette {
    /// The palette for a light; `tint` (0..1, from the location) shifts the walls.
    pub fn new(light: Light, tint: f32) -> Self {
        let wall_day = Rgb::hsl(30.0 + tint * 200.0, 0.22, 0.80);
        match light {
            Light::Dawn => Palette {
                sky_top: Rgb(118, 128, 186),
                sky_horizon: Rgb(250, 196, 156),
                ground: Rgb(122, 116, 104),
                distance: Rgb(140, 120, 140),
                wall: wall_day.mix(Rgb(250, 200, 170), 0.25).scale(0.92),
                side_wall: wall_day.mix(Rgb(250, 200, 170), 0.25).scale(0.78),
                floor: Rgb(150, 128, 112),
                sun: Some((Rgb(255, 226, 170), 0.12)),
                stars: false,
                figure_light: 0.95,
                window: Rgb(250, 200, 170),
                ink: Rgb(40, 34, 40),
            },
            Light::Day => Palette {
                sky_top: Rgb(106, 162, 222),
                sky_horizon: Rgb(205, 228, 246),
                ground: Rgb(150, 162, 118),
                distance: Rgb(140, 165, 170),
                wall: wall_day,
                side_wall: wall_day.scale(0.86),
                floor: Rgb(176, 150, 120),
                sun: Some((Rgb(255, 250, 220), 0.78)),
                stars: false,
                figure_light: 1.0,
                window: Rgb(190, 222, 246),
                ink: Rgb(36, 36, 44),
            },
            Light::Dusk => Palette {
                sky_top: Rgb(66, 58, 118),
                sky_horizon: Rgb(246, 146, 84),
                ground: Rgb(92, 78, 82),
                distance: Rgb(110, 74, 96),
                wall: wall_day.mix(Rgb(240, 150, 100), 0.3).scale(0.8),
                side_wall: wall_day.mix(Rgb(240, 150, 100), 0.3).scale(0.66),
                floor: Rgb(120, 92, 80),
                sun: Some((Rgb(255, 170, 90), 0.06)),
                stars: false,
                figure_light: 0.85,
                window: Rgb(240, 140, 90),
                ink: Rgb(30, 24, 34),
            },
            Light::Night => Palette {
                sky_top: Rgb(10, 14, 36),
                sky_horizon: Rgb(40, 52, 92),
                ground: Rgb(34, 36, 46),
                distance: Rgb(22, 26, 44),
                wall: wall_day.mix(Rgb(60, 70, 110), 0.55).scale(0.62),
                side_wall: wall_day.mix(Rgb(60, 70, 110), 0.55).scale(0.5),
                floor: Rgb(64, 58, 66),
                sun: Some((Rgb(235, 235, 220), 0.7)),
                stars: true,
                figure_light: 0.7,
                window: Rgb(28, 40, 80),
                ink: Rgb(8, 8, 14),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_looks_the_same_however_the_name_is_written() {
        assert_eq!(CharacterLook::of("Steel"), CharacterLook::of("  STEEL "));
        assert_ne!(CharacterLook::of("STEEL"), CharacterLook::of("BRICK"));
    }

    #[test]
    fn hsl_primaries() {
        assert_eq!(Rgb::hsl(0.0, 1.0, 0.5), Rgb(255, 0, 0));
        assert_eq!(Rgb::hsl(120.0, 1.0, 0.5), Rgb(0, 255, 0));
        assert_eq!(Rgb::hsl(240.0, 1.0, 0.5), Rgb(0, 0, 255));
    }
}
