//! The inputs of the plan + prompts figures, shared by the `plan` bench and
//! the `plan_prof` example so that both measure the same work: Big Fish's
//! breakdown and a moodboard, composed for Flux at 2.39:1.

use alkemy_core::{AspectRatio, Breakdown, Moodboard, Rgb, Swatch};
use alkemy_studio::prompt::{PromptContext, PromptLimits};

const BIG_FISH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/corpus/features/big-fish.fountain"
);

/// Big Fish's breakdown. `ALKEMY_BIG_FISH` points a copied binary at the
/// script elsewhere.
pub fn big_fish() -> Breakdown {
    let path = std::env::var("ALKEMY_BIG_FISH").unwrap_or_else(|_| BIG_FISH.to_owned());
    let bytes = std::fs::read(path).unwrap();
    alkemy_script::breakdown(&alkemy_script::read(&bytes, Some("big-fish.fountain")).unwrap())
}

/// The look the prompts are composed with.
pub fn look() -> Moodboard {
    Moodboard {
        summary: "Southern fable".into(),
        style_keywords: vec!["35mm film".into(), "warm grain".into(), "storybook".into()],
        palette: vec![Swatch {
            name: "sun yellow".into(),
            rgb: Rgb([240, 200, 80]),
        }],
        avoid: vec!["cartoon".into()],
    }
}

/// The prompt context over `breakdown` and `look`.
pub fn context<'a>(breakdown: &'a Breakdown, look: &'a Moodboard) -> PromptContext<'a> {
    PromptContext {
        project: "big-fish",
        breakdown,
        identities: &[],
        moodboard: Some(look),
        aspect: AspectRatio::Scope,
        limits: PromptLimits::for_model("fal:flux-dev"),
    }
}
