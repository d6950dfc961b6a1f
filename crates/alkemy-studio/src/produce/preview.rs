//! The animatic (`animatic.mp4`), read off the assembled timeline.
//!
//! Each item of the edit becomes a segment of H.264 samples:
//! - a shot clip is *trimmed* (samples dropped at the tail where a dissolve
//!   covers it), never re-encoded: clips start with an IDR picture and share
//!   one SPS/PPS, so their samples simply follow each other;
//! - a title card is encoded as a short hold of the card, cached;
//! - a dissolve is encoded from the last frame shown before it to the first
//!   frame shown after it, cached.
//!
//! Segments are joined with [`alkemy_media::assemble`]; the result has exactly
//! the timeline's frames.
//!
//! Title cards' editorial files (`clips/title-N.mp4`, with handles) are made
//! here too, since they are the cards' only other use.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use alkemy_core::timeline::dissolve_split;
use alkemy_core::{ContentHash, Money, Shot, Timeline, TrackItem, VideoModel};
use alkemy_export::AssetKind;
use alkemy_media::{Animatic, AnimaticModel, AnimaticOptions, EncodedClip, RgbImage, TitleCard};
use futures_util::{StreamExt, TryStreamExt, stream};

use super::journal::{Entry, STATE_DIR};
use super::{
    Ctx, Prepared, ProduceError, Progress, ShotOutputs, Stage, io_err, read_output, video_request,
    write_output,
};

/// Version of the preview segment recipes: bump to invalidate cached segments.
const RECIPE: &str = "preview-v2";

/// What rendering the animatic left in the output folder.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Journalled files this stage made or reused (title cards, the animatic).
    pub files: Vec<String>,
    /// Every journalled path still in use (for sweeping stale ones).
    pub live: Vec<String>,
}

/// A segment of the animatic, before encoding or loading.
enum Segment {
    /// Samples `start..start + count` of a shot's clip.
    Shot {
        index: usize,
        start: u64,
        count: u64,
    },
    /// A title card held `frames` frames.
    Card { scene: u32, frames: u32 },
    /// A dissolve of `frames` frames between two items.
    Dissolve { from: Edge, to: Edge, frames: u32 },
}

/// One end of what is shown around a dissolve.
#[derive(Clone, Copy)]
enum Edge {
    /// Frame `frame` of shot `index`'s clip.
    Shot { index: usize, frame: u64 },
    /// A scene's title card.
    Card { scene: u32 },
}

pub(super) async fn render(
    ctx: &Arc<Ctx>,
    prepared: &Prepared,
    results: &[ShotOutputs],
    cards: &BTreeMap<u32, (String, TitleCard)>,
    timeline: &Timeline,
    progress: &dyn Progress,
) -> Result<Rendered, ProduceError> {
    let started = Instant::now();
    let settings = &ctx.options.settings;
    let (width, height) = settings.resolution.frame_size(settings.aspect);
    let animatic = Arc::new(Animatic::new(AnimaticOptions::new(
        width,
        height,
        settings.fps,
    ))?);
    let mut rendered = Rendered::default();

    let segments = segments(prepared, timeline)?;
    progress.start(Stage::Animatic, (cards.len() + segments.len() + 1) as u64);

    // The cards' editorial files.
    let handle = u64::from(ctx.options.handle_frames());
    for (path, card) in cards.values() {
        let frames = timeline_card_frames(timeline, path).unwrap_or(0) + 2 * handle;
        let frames = u32::try_from(frames).unwrap_or(u32::MAX);
        let key = ContentHash::of_json(&(
            RECIPE,
            "card",
            card_fields(card),
            width,
            height,
            settings.fps,
            frames,
        ));
        let reused = ctx.journal.reusable(path, &key).is_some();
        if !reused {
            let t = Instant::now();
            let a = animatic.clone();
            let c = card.clone();
            let clip = blocking(move || a.title_card(&c, frames)).await??;
            let bytes = clip.to_mp4();
            let entry = Entry {
                path: path.clone(),
                kind: AssetKind::TitleCard,
                shot_id: None,
                key,
                hash: ContentHash::of_bytes(&bytes),
                bytes: bytes.len() as u64,
                model: "local:animatic".to_owned(),
                seed: None,
                cost: Money::ZERO,
                time_ms: t.elapsed().as_millis() as u64,
                frames: Some(u64::from(frames)),
            };
            write_output(ctx, bytes, entry).await?;
        }
        rendered.files.push(path.clone());
        rendered.live.push(path.clone());
        progress.advance(Stage::Animatic, 1, u64::from(reused));
    }

    // The preview clips of the shots: the editorial clips themselves when
    // the video model is the animatic, else animatic renders of the frames.
    let local_clips = ctx.models.video.id() == alkemy_media::model::ANIMATIC_ID;
    let preview_dir = ctx.options.out_dir.join(STATE_DIR).join("preview");
    std::fs::create_dir_all(&preview_dir).map_err(io_err(&preview_dir))?;
    super::remove_torn_writes(&preview_dir);
    let used: Arc<std::sync::Mutex<BTreeSet<String>>> = Arc::default();

    let jobs = segments.into_iter().map(|segment| {
        let ctx = ctx.clone();
        let animatic = animatic.clone();
        let used = used.clone();
        let preview_dir = preview_dir.clone();
        async move {
            let clip = match segment {
                Segment::Shot {
                    index,
                    start,
                    count,
                } => {
                    let shot = &prepared.shots.shots[index];
                    let bytes = if local_clips {
                        read_output(&ctx, &results[index].clip.entry.path).await?
                    } else {
                        local_clip(&ctx, shot, &results[index], &preview_dir, &used).await?
                    };
                    let context = results[index].clip.entry.path.clone();
                    let clip = EncodedClip::from_mp4(&bytes, &context)?;
                    trim(clip, start, count, &context)?
                }
                Segment::Card { scene, frames } => {
                    let card = cards.get(&scene).map(|(_, c)| c.clone()).ok_or_else(|| {
                        ProduceError::Internal(format!("no title card for scene index {scene}"))
                    })?;
                    let key = ContentHash::of_json(&(
                        RECIPE,
                        "card-hold",
                        card_fields(&card),
                        width,
                        height,
                        settings.fps,
                        frames,
                    ));
                    cached(&preview_dir, &used, key, async move {
                        Ok(blocking(move || animatic.title_card(&card, frames)).await??)
                    })
                    .await?
                }
                Segment::Dissolve { from, to, frames } => {
                    // Keyed by what the two pictures are made from, so a
                    // rerun reads the cached dissolve without drawing them.
                    let key = ContentHash::of_json(&(
                        RECIPE,
                        "dissolve",
                        edge_key(prepared, results, cards, from)?,
                        edge_key(prepared, results, cards, to)?,
                        width,
                        height,
                        settings.fps,
                        frames,
                    ));
                    let (ctx, animatic) = (ctx.clone(), animatic.clone());
                    cached(&preview_dir, &used, key, async move {
                        let a = edge_image(&ctx, &animatic, prepared, results, cards, from).await?;
                        let b = edge_image(&ctx, &animatic, prepared, results, cards, to).await?;
                        Ok(blocking(move || animatic.dissolve(&a, &b, frames)).await??)
                    })
                    .await?
                }
            };
            progress.advance(Stage::Animatic, 1, 0);
            Ok::<EncodedClip, ProduceError>(clip)
        }
    });
    let parts: Vec<EncodedClip> = stream::iter(jobs)
        .buffered(ctx.options.concurrency.max(1))
        .try_collect()
        .await?;

    // Cached segments no longer used are removed (they are ours alone).
    prune(
        &preview_dir,
        &used.lock().unwrap_or_else(|e| e.into_inner()),
    );

    let joined = blocking(move || alkemy_media::assemble(&parts)).await??;
    let frames = joined.frames() as u64;
    if frames != timeline.frames() {
        return Err(ProduceError::Internal(format!(
            "the animatic has {frames} frames but the timeline {}",
            timeline.frames()
        )));
    }
    let bytes = joined.to_mp4();
    let path = "animatic.mp4".to_owned();
    let key = ContentHash::of_bytes(&bytes);
    if ctx.journal.reusable(&path, &key).is_none() {
        let entry = Entry {
            path: path.clone(),
            kind: AssetKind::Animatic,
            shot_id: None,
            key,
            hash: key,
            bytes: bytes.len() as u64,
            model: "local:animatic".to_owned(),
            seed: None,
            cost: Money::ZERO,
            time_ms: started.elapsed().as_millis() as u64,
            frames: Some(frames),
        };
        write_output(ctx, bytes, entry).await?;
    }
    rendered.files.push(path.clone());
    rendered.live.push(path);
    progress.advance(Stage::Animatic, 1, 0);
    progress.finish(
        Stage::Animatic,
        &format!(
            "{} at {} fps in {:.1} s",
            super::clock(frames * 1000 / u64::from(settings.fps.max(1))),
            settings.fps,
            started.elapsed().as_secs_f64()
        ),
    );
    Ok(rendered)
}

/// The card's text as hashable fields.
fn card_fields(card: &TitleCard) -> (&str, &str, Option<&str>) {
    (&card.kicker, &card.title, card.note.as_deref())
}

/// The used length of a title card in the timeline.
fn timeline_card_frames(timeline: &Timeline, path: &str) -> Option<u64> {
    timeline
        .tracks
        .iter()
        .flat_map(|t| t.clips())
        .find(|c| c.media == path)
        .map(|c| c.frames)
}

/// The timeline's items as animatic segments: each clip loses the frames a
/// neighbouring dissolve covers.
fn segments(prepared: &Prepared, timeline: &Timeline) -> Result<Vec<Segment>, ProduceError> {
    let index_of: BTreeMap<&str, usize> = prepared
        .shots
        .shots
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let Some(track) = timeline.tracks.first() else {
        return Ok(Vec::new());
    };
    let items = &track.items;
    let dissolve_at = |i: Option<usize>| match i.and_then(|i| items.get(i)) {
        Some(TrackItem::Dissolve { frames }) => Some(*frames),
        _ => None,
    };
    // What each clip item shows: (first shown frame of its media, count).
    let mut out = Vec::with_capacity(items.len());
    let mut shown: Vec<Option<(Edge, Edge)>> = vec![None; items.len()];
    for (i, item) in items.iter().enumerate() {
        let TrackItem::Clip(clip) = item else {
            continue;
        };
        let head = dissolve_at(i.checked_sub(1)).map_or(0, |d| dissolve_split(d).1);
        let tail = dissolve_at(Some(i + 1)).map_or(0, |d| dissolve_split(d).0);
        let count = clip.frames.saturating_sub(head + tail);
        if count == 0 {
            return Err(ProduceError::Internal(format!(
                "{} is entirely covered by dissolves",
                clip.name
            )));
        }
        let start = clip.source_in + head;
        match &clip.shot_id {
            Some(id) => {
                let index = *index_of.get(id.as_str()).ok_or_else(|| {
                    ProduceError::Internal(format!("the timeline names unknown shot {id}"))
                })?;
                shown[i] = Some((
                    Edge::Shot {
                        index,
                        frame: start,
                    },
                    Edge::Shot {
                        index,
                        frame: start + count - 1,
                    },
                ));
                out.push((
                    i,
                    Segment::Shot {
                        index,
                        start,
                        count,
                    },
                ));
            }
            None => {
                let scene = card_scene(prepared, timeline, &clip.media)?;
                shown[i] = Some((Edge::Card { scene }, Edge::Card { scene }));
                let frames = u32::try_from(count).unwrap_or(u32::MAX);
                out.push((i, Segment::Card { scene, frames }));
            }
        }
    }
    for (i, item) in items.iter().enumerate() {
        let TrackItem::Dissolve { frames } = item else {
            continue;
        };
        let before = i
            .checked_sub(1)
            .and_then(|j| shown.get(j).copied().flatten());
        let after = shown.get(i + 1).copied().flatten();
        let (Some((_, from)), Some((to, _))) = (before, after) else {
            return Err(ProduceError::Internal(
                "a dissolve without a clip on each side".to_owned(),
            ));
        };
        let frames = u32::try_from(*frames).unwrap_or(u32::MAX);
        out.push((i, Segment::Dissolve { from, to, frames }));
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, s)| s).collect())
}

/// The scene index of a title card clip, from its media path.
fn card_scene(prepared: &Prepared, timeline: &Timeline, media: &str) -> Result<u32, ProduceError> {
    let _ = timeline;
    super::first_shots(&prepared.shots)
        .find(|s| media == format!("clips/title-{}.mp4", super::sanitize(&s.scene_number)))
        .map(|s| s.scene_index)
        .ok_or_else(|| ProduceError::Internal(format!("unknown title card {media}")))
}

/// Keeps samples `start..start + count` of a clip; the first kept must be a
/// keyframe, the rest need nothing after them (no B pictures).
fn trim(
    mut clip: EncodedClip,
    start: u64,
    count: u64,
    context: &str,
) -> Result<EncodedClip, ProduceError> {
    let (start, count) = (start as usize, count as usize);
    if start + count > clip.samples.len() {
        return Err(ProduceError::Internal(format!(
            "{context}: {} frames, {} wanted from {start}",
            clip.samples.len(),
            count
        )));
    }
    if !clip.samples[start].sync {
        return Err(ProduceError::Internal(format!(
            "{context}: frame {start} is not a keyframe, the clip cannot be cut there without re-encoding"
        )));
    }
    clip.samples.truncate(start + count);
    clip.samples.drain(..start);
    Ok(clip)
}

/// Runs CPU work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ProduceError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ProduceError::Internal(e.to_string()))
}

/// The path of the cached segment `key`, marked as used by this run (so
/// [`prune`] keeps it).
fn claim(
    dir: &std::path::Path,
    used: &std::sync::Mutex<BTreeSet<String>>,
    key: ContentHash,
) -> std::path::PathBuf {
    let name = format!("{key}.mp4");
    let path = dir.join(&name);
    used.lock().unwrap_or_else(|e| e.into_inner()).insert(name);
    path
}

/// A content-addressed preview segment: read it if made before, else make it.
async fn cached(
    dir: &std::path::Path,
    used: &std::sync::Mutex<BTreeSet<String>>,
    key: ContentHash,
    make: impl Future<Output = Result<EncodedClip, ProduceError>>,
) -> Result<EncodedClip, ProduceError> {
    let path = claim(dir, used, key);
    if let Ok(bytes) = tokio::fs::read(&path).await
        && let Ok(clip) = EncodedClip::from_mp4(&bytes, &path.to_string_lossy())
    {
        return Ok(clip);
    }
    let clip = make.await?;
    let bytes = clip.to_mp4();
    blocking(move || super::write_file(&path, &bytes)).await??;
    Ok(clip)
}

/// The animatic clip of a shot's frame, when the editorial clips come from
/// another video model (their encodings cannot be joined with ours).
async fn local_clip(
    ctx: &Arc<Ctx>,
    shot: &Shot,
    outputs: &ShotOutputs,
    dir: &std::path::Path,
    used: &std::sync::Mutex<BTreeSet<String>>,
) -> Result<Vec<u8>, ProduceError> {
    let model = AnimaticModel::default();
    let first = alkemy_core::InputImage {
        hash: outputs.frame.entry.hash,
        mime: super::mime_of_path(&outputs.frame.entry.path).to_owned(),
        bytes: Vec::new(),
    };
    let mut request = video_request(shot, first, &ctx.options);
    let key = model.cache_key(&request);
    let path = claim(dir, used, key);
    if let Ok(bytes) = tokio::fs::read(&path).await {
        return Ok(bytes);
    }
    request.first_frame.bytes = read_output(ctx, &outputs.frame.entry.path).await?;
    let video = model
        .generate(&request)
        .await
        .map_err(|error| ProduceError::Model {
            shot: shot.id.to_string(),
            stage: Stage::Animatic,
            error,
        })?;
    let bytes = video.bytes;
    let copy = bytes.clone();
    blocking(move || super::write_file(&path, &copy)).await??;
    Ok(bytes)
}

/// What the picture at one end of a dissolve is made from: the card's
/// text, or the shot's frame (by content), its movement and the frame's
/// place in the clip.
fn edge_key(
    prepared: &Prepared,
    results: &[ShotOutputs],
    cards: &BTreeMap<u32, (String, TitleCard)>,
    edge: Edge,
) -> Result<ContentHash, ProduceError> {
    Ok(match edge {
        Edge::Card { scene } => {
            let (_, card) = cards.get(&scene).ok_or_else(|| {
                ProduceError::Internal(format!("no title card for scene index {scene}"))
            })?;
            ContentHash::of_json(&("card", card_fields(card)))
        }
        Edge::Shot { index, frame } => {
            let outputs = &results[index];
            ContentHash::of_json(&(
                "shot",
                outputs.frame.entry.hash,
                super::model_shot(&prepared.shots.shots[index]),
                outputs.clip.entry.frames,
                frame,
            ))
        }
    })
}

/// The picture at one end of a dissolve.
async fn edge_image(
    ctx: &Arc<Ctx>,
    animatic: &Arc<Animatic>,
    prepared: &Prepared,
    results: &[ShotOutputs],
    cards: &BTreeMap<u32, (String, TitleCard)>,
    edge: Edge,
) -> Result<RgbImage, ProduceError> {
    match edge {
        Edge::Card { scene } => {
            let card = cards.get(&scene).map(|(_, c)| c.clone()).ok_or_else(|| {
                ProduceError::Internal(format!("no title card for scene index {scene}"))
            })?;
            let a = animatic.clone();
            Ok(blocking(move || a.title_image(&card)).await??)
        }
        Edge::Shot { index, frame } => {
            let shot = prepared.shots.shots[index].clone();
            let outputs = &results[index];
            let bytes = read_output(ctx, &outputs.frame.entry.path).await?;
            let total = outputs.clip.entry.frames.unwrap_or(0);
            let a = animatic.clone();
            let context = outputs.frame.entry.path.clone();
            Ok(blocking(move || {
                let still = RgbImage::decode(&bytes, &context)?;
                let total = u32::try_from(total).unwrap_or(u32::MAX);
                let frame = u32::try_from(frame).unwrap_or(u32::MAX);
                a.shot_frame_at(&still, &shot, total, frame)
            })
            .await??)
        }
    }
}

/// Removes cached segments not used by this run.
fn prune(dir: &std::path::Path, used: &BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".mp4") && !used.contains(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
