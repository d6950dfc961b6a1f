//! Prompt length limits per provider, in characters.
//!
//! Token limits are converted at about four characters per token, rounded
//! down with a margin: Flux's T5 encoder reads 512 tokens, CLIP-based models
//! 77, Kling takes 2,500 characters, Veo about 1,024 tokens.

/// How long each prompt may be, in characters (Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptLimits {
    /// The image prompt.
    pub image_chars: usize,
    /// The motion prompt.
    pub motion_chars: usize,
    /// The negative prompt.
    pub negative_chars: usize,
}

impl Default for PromptLimits {
    /// Conservative limits that fit every supported model.
    fn default() -> Self {
        Self {
            image_chars: 1500,
            motion_chars: 1500,
            negative_chars: 500,
        }
    }
}

impl PromptLimits {
    /// CLIP-encoded models (77 tokens).
    pub const CLIP: PromptLimits = PromptLimits {
        image_chars: 300,
        motion_chars: 300,
        negative_chars: 300,
    };

    /// The limits of a `provider:model` id; unknown models get the default.
    pub fn for_model(id: &str) -> Self {
        let id = id.to_ascii_lowercase();
        let (provider, model) = id.split_once(':').unwrap_or(("", id.as_str()));
        match provider {
            "fal" if model.contains("kling") => Self {
                image_chars: 2500,
                motion_chars: 2500,
                negative_chars: 2500,
            },
            "fal" if model.contains("flux") => Self {
                image_chars: 1800,
                motion_chars: 1800,
                negative_chars: 1000,
            },
            "fal" if model.contains("sd") || model.contains("stable-diffusion") => Self::CLIP,
            "gemini" => Self {
                image_chars: 4000,
                motion_chars: 4000,
                negative_chars: 1000,
            },
            "local" => Self {
                image_chars: 4000,
                motion_chars: 4000,
                negative_chars: 4000,
            },
            _ => Self::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_models_get_their_limits() {
        assert_eq!(PromptLimits::for_model("fal:flux-dev").image_chars, 1800);
        assert_eq!(
            PromptLimits::for_model("fal:kling-video/v2").motion_chars,
            2500
        );
        assert_eq!(PromptLimits::for_model("FAL:fast-sdxl"), PromptLimits::CLIP);
        assert_eq!(PromptLimits::for_model("nobody"), PromptLimits::default());
    }
}
