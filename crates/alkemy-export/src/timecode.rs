//! Non-drop-frame SMPTE timecode and rational seconds for integer frame rates.

use std::fmt;

/// A frame count shown as `HH:MM:SS:FF` at an integer rate (non-drop frame).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timecode {
    pub frames: u64,
    pub fps: u32,
}

impl fmt::Display for Timecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fps = u64::from(self.fps.max(1));
        let ff = self.frames % fps;
        let total_s = self.frames / fps;
        let (hh, mm, ss) = (total_s / 3600, (total_s / 60) % 60, total_s % 60);
        write!(f, "{hh:02}:{mm:02}:{ss:02}:{ff:02}")
    }
}

/// A frame count as FCPXML rational seconds: `0s`, `48/24s` → reduced to `2s`.
pub(crate) fn rational_seconds(frames: u64, fps: u32) -> String {
    let fps = u64::from(fps.max(1));
    if frames == 0 {
        return "0s".to_owned();
    }
    if frames.is_multiple_of(fps) {
        return format!("{}s", frames / fps);
    }
    let g = gcd(frames, fps);
    format!("{}/{}s", frames / g, fps / g)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timecode_at_common_rates() {
        let cases = [
            (0, 24, "00:00:00:00"),
            (23, 24, "00:00:00:23"),
            (24, 24, "00:00:01:00"),
            (86_400, 24, "01:00:00:00"),
            (90_000 + 29, 25, "01:00:01:04"),
            (30 * 61 + 7, 30, "00:01:01:07"),
        ];
        for (frames, fps, want) in cases {
            assert_eq!(Timecode { frames, fps }.to_string(), want, "{frames}@{fps}");
        }
    }

    #[test]
    fn rational_seconds_reduce() {
        assert_eq!(rational_seconds(0, 24), "0s");
        assert_eq!(rational_seconds(48, 24), "2s");
        assert_eq!(rational_seconds(1, 24), "1/24s");
        assert_eq!(rational_seconds(30, 24), "5/4s");
        assert_eq!(rational_seconds(7, 25), "7/25s");
    }
}
