//! The offline capability implementations behave as the pipeline expects of
//! any provider: `local:previz` returns PNGs of the requested size (a prompt
//! card without a shot), `local:animatic` returns an MP4 of the requested
//! duration that reads back as H.264.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use alkemy_core::{
    AspectRatio, ContentHash, ImageModel, ImageRequest, InputImage, Money, VideoModel, VideoRequest,
};
use alkemy_media::{AnimaticModel, EncodedClip, PanelOptions, PrevizModel, RgbImage};

fn image_request(shot: Option<alkemy_core::Shot>) -> ImageRequest {
    ImageRequest {
        prompt: "A diner at night, rain on the windows".to_owned(),
        negative_prompt: String::new(),
        aspect: AspectRatio::Widescreen,
        width: 640,
        height: 360,
        seed: 3,
        count: 2,
        references: Vec::new(),
        identities: Vec::new(),
        shot,
    }
}

#[tokio::test]
async fn previz_model_draws_the_shot_or_a_prompt_card() {
    let model = PrevizModel::new(PanelOptions::default());
    assert_eq!(model.id(), "local:previz");
    let shot = support::brick_and_steel().remove(1);
    let req = image_request(Some(shot));
    assert_eq!(model.quote(&req), Money::ZERO);
    let images = model.generate(&req).await.unwrap();
    assert_eq!(images.len(), 2);
    let panel = RgbImage::decode(&images[0].bytes, "panel").unwrap();
    assert_eq!((panel.width(), panel.height()), (640, 360));
    assert_eq!(images[0].mime, "image/png");
    let card = model.generate(&image_request(None)).await.unwrap();
    assert_ne!(
        ContentHash::of_bytes(&card[0].bytes),
        ContentHash::of_bytes(&images[0].bytes)
    );
    // A bad size is the caller's fault, reported as such.
    let mut bad = image_request(None);
    bad.width = 3;
    let err = model.generate(&bad).await.unwrap_err();
    assert_eq!(err.class(), alkemy_core::ErrorClass::Fatal, "{err}");
}

#[tokio::test]
async fn animatic_model_animates_any_still_for_the_requested_duration() {
    let shot = support::brick_and_steel()
        .into_iter()
        .find(|s| s.id == "sc1-1E")
        .unwrap();
    let still = alkemy_media::PrevizRenderer::new()
        .render_png(&shot, 500, 300, PanelOptions::clean())
        .unwrap();
    let model = AnimaticModel::default();
    let req = VideoRequest {
        prompt: String::new(),
        negative_prompt: String::new(),
        first_frame: InputImage::new(still, "image/png"),
        last_frame: None,
        duration_ms: 2500,
        aspect: AspectRatio::Widescreen,
        width: 321,
        height: 180,
        fps: 24,
        seed: 1,
        shot: Some(shot),
    };
    let video = model.generate(&req).await.unwrap();
    assert_eq!(video.mime, "video/mp4");
    assert_eq!((video.width, video.height), (320, 180));
    let clip = EncodedClip::from_mp4(&video.bytes, "animatic").unwrap();
    assert_eq!(clip.frames(), 60);
    assert_eq!(video.duration_ms, 2500);
    let mut junk = req.clone();
    junk.first_frame = InputImage::new(b"GIF89a".to_vec(), "image/gif");
    assert!(model.generate(&junk).await.is_err());
}

/// The offline keys name what the picture is drawn from, so an edit that
/// cannot change a panel or clip does not remake it, and one that can does.
#[test]
fn offline_cache_keys_follow_what_is_drawn() {
    let clean = PrevizModel::new(PanelOptions::clean());
    let captioned = PrevizModel::new(PanelOptions::default());
    let shot = support::brick_and_steel().remove(1);
    let base = image_request(Some(shot.clone()));

    // A new prompt around the same shot: same panel.
    let mut reworded = base.clone();
    reworded.prompt = "Another wording of the same shot".to_owned();
    assert_eq!(clean.cache_key(&base), clean.cache_key(&reworded));

    // A new line and length: the same clean picture, a new caption band.
    let mut relined = base.clone();
    let s = relined.shot.as_mut().unwrap();
    s.dialogue = Some("A different line".to_owned());
    s.duration_ms += 500;
    assert_eq!(clean.cache_key(&base), clean.cache_key(&relined));
    assert_ne!(captioned.cache_key(&base), captioned.cache_key(&relined));
    assert_ne!(clean.cache_key(&base), captioned.cache_key(&base));

    // What the picture shows, or its size: a new panel.
    let mut reframed = base.clone();
    reframed.shot.as_mut().unwrap().size = alkemy_core::ShotSize::ExtremeCloseUp;
    assert_ne!(clean.cache_key(&base), clean.cache_key(&reframed));
    let mut bigger = base.clone();
    bigger.width = 1280;
    assert_ne!(clean.cache_key(&base), clean.cache_key(&bigger));
    // Without a shot the prompt is the picture.
    assert_ne!(
        clean.cache_key(&image_request(None)),
        clean.cache_key(&ImageRequest {
            prompt: "A beach at dawn".to_owned(),
            ..image_request(None)
        })
    );

    // The animatic: the motion prompt is not an input; length and frame are.
    let animatic = AnimaticModel::default();
    let video = VideoRequest {
        prompt: "slow push in".to_owned(),
        negative_prompt: String::new(),
        first_frame: InputImage::new(vec![1, 2, 3], "image/png"),
        last_frame: None,
        duration_ms: 2000,
        aspect: AspectRatio::Widescreen,
        width: 640,
        height: 360,
        fps: 24,
        seed: 1,
        shot: Some(shot),
    };
    let reprompted = VideoRequest {
        prompt: "a gentle drift".to_owned(),
        ..video.clone()
    };
    assert_eq!(animatic.cache_key(&video), animatic.cache_key(&reprompted));
    let longer = VideoRequest {
        duration_ms: 2500,
        ..video.clone()
    };
    assert_ne!(animatic.cache_key(&video), animatic.cache_key(&longer));
    let other_frame = VideoRequest {
        first_frame: InputImage::new(vec![4, 5, 6], "image/png"),
        ..video.clone()
    };
    assert_ne!(animatic.cache_key(&video), animatic.cache_key(&other_frame));
}
