//! `storyboard.pdf`: panels in a grid (2×3 or 3×3 per page, or any grid up
//! to 6×6) on landscape A4 or Letter pages, each page headed by the
//! production title, the scene and the page number, each panel captioned as
//! in Storyboarder's export: shot and duration, size · angle · movement ·
//! lens, the action, the dialogue.
//!
//! Written with `pdf-writer` (the typst project's low-level PDF writer: no
//! C library, deterministic output, full control of fonts and images) and
//! `subsetter` (font subsets with TrueType or CFF outlines). Text is set
//! glyph by glyph from the embedded DejaVu Sans, then from the fallback
//! fonts the caller gives (see [`system_fallback_fonts`] for CJK); text is
//! not shaped, which is right for Latin, Cyrillic, Greek and CJK but not for
//! Arabic or Indic scripts.

mod fonts;
mod image;

use std::collections::BTreeMap;

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

pub use self::fonts::FontError;
use self::fonts::{Fonts, Glyph, Weight};
use self::image::PdfImage;
use super::{Panel, Storyboard, caption, format_running_time};

/// Panels per page: columns × rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    columns: u8,
    rows: u8,
}

impl Grid {
    /// Two rows of three: six large panels per page.
    pub const TWO_BY_THREE: Grid = Grid {
        columns: 3,
        rows: 2,
    };
    /// Three rows of three: nine panels per page.
    pub const THREE_BY_THREE: Grid = Grid {
        columns: 3,
        rows: 3,
    };

    /// A grid of `columns` × `rows`, each from 1 to 6.
    pub fn new(columns: u8, rows: u8) -> Option<Grid> {
        ((1..=6).contains(&columns) && (1..=6).contains(&rows)).then_some(Grid { columns, rows })
    }

    /// Panels per page.
    pub fn capacity(self) -> usize {
        usize::from(self.columns) * usize::from(self.rows)
    }
}

/// Paper, in landscape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageSize {
    /// A4 landscape (297 × 210 mm).
    #[default]
    A4,
    /// US Letter landscape (11 × 8.5 in).
    Letter,
}

impl PageSize {
    fn points(self) -> (f32, f32) {
        match self {
            PageSize::A4 => (841.89, 595.28),
            PageSize::Letter => (792.0, 612.0),
        }
    }
}

/// How to lay out the PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfOptions {
    /// Panels per page.
    pub grid: Grid,
    /// Paper size.
    pub page: PageSize,
    /// Start every scene on a new page (the header then names it).
    pub scene_per_page: bool,
    /// Fonts tried, in order, for characters DejaVu Sans lacks: font file
    /// bytes and the face index within a collection (0 for a single font).
    pub fallback_fonts: Vec<(Vec<u8>, u32)>,
}

impl Default for PdfOptions {
    fn default() -> Self {
        Self {
            grid: Grid::TWO_BY_THREE,
            page: PageSize::A4,
            scene_per_page: true,
            fallback_fonts: Vec::new(),
        }
    }
}

/// The PDF and what could not be rendered faithfully.
#[derive(Debug, Clone)]
pub struct PdfOutput {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
    /// Characters no font had (drawn as U+FFFD): add a fallback font.
    pub missing_chars: Vec<char>,
    /// Shots whose image could not be read (drawn as an empty frame), with why.
    pub unreadable_images: Vec<(String, String)>,
}

/// Why the PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A fallback font is not a font.
    #[error(transparent)]
    Font(#[from] FontError),
    /// A font could not be subset.
    #[error("{0}")]
    Subset(String),
}

/// Well-known places of CJK fonts on Linux, macOS and Windows; those that
/// exist are read (a few MB each). Pass the result as
/// [`PdfOptions::fallback_fonts`] so Japanese, Chinese and Korean dialogue is
/// set in real glyphs.
pub fn system_fallback_fonts() -> Vec<(Vec<u8>, u32)> {
    const CANDIDATES: &[(&str, u32)] = &[
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
        (
            "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
            0,
        ),
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
        (
            "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
            0,
        ),
        ("/System/Library/Fonts/Hiragino Sans GB.ttc", 0),
        ("/Library/Fonts/Arial Unicode.ttf", 0),
        ("C:\\Windows\\Fonts\\msgothic.ttc", 0),
    ];
    CANDIDATES
        .iter()
        .filter_map(|(path, index)| std::fs::read(path).ok().map(|data| (data, *index)))
        .filter(|(data, index)| ttf_parser::Face::parse(data, *index).is_ok())
        .collect()
}

/// One page: its header line and its panels.
struct PagePlan<'s, 'a> {
    heading: String,
    panels: &'s [Panel<'a>],
}

fn plan<'s, 'a>(storyboard: &'s Storyboard<'a>, options: &PdfOptions) -> Vec<PagePlan<'s, 'a>> {
    let per_page = options.grid.capacity();
    let mut pages = Vec::new();
    if options.scene_per_page {
        for scene in storyboard.scenes() {
            for (i, chunk) in scene.panels.chunks(per_page).enumerate() {
                let heading = if i == 0 {
                    scene.heading.clone()
                } else {
                    format!("{} (continued)", scene.heading)
                };
                pages.push(PagePlan {
                    heading,
                    panels: chunk,
                });
            }
        }
    } else {
        for chunk in storyboard.panels.chunks(per_page) {
            let (first, last) = (chunk[0].shot, chunk[chunk.len() - 1].shot);
            let heading = if first.scene_index == last.scene_index {
                format!("Scene {}", first.scene_number)
            } else {
                format!("Scenes {}–{}", first.scene_number, last.scene_number)
            };
            pages.push(PagePlan {
                heading,
                panels: chunk,
            });
        }
    }
    if pages.is_empty() {
        pages.push(PagePlan {
            heading: "No shots".to_owned(),
            panels: &[],
        });
    }
    pages
}

const INK: [f32; 3] = [0.11, 0.11, 0.12];
const MUTED: [f32; 3] = [0.43, 0.43, 0.45];
const RULE: [f32; 3] = [0.7, 0.7, 0.72];
const MARGIN: f32 = 30.0;
const GUTTER: f32 = 14.0;

/// Renders the storyboard as a PDF.
pub fn render(storyboard: &Storyboard<'_>, options: &PdfOptions) -> Result<PdfOutput, PdfError> {
    let mut fonts = Fonts::new(&options.fallback_fonts)?;
    let pages = plan(storyboard, options);
    let (width, height) = options.page.points();
    let aspect = storyboard.frame_aspect();

    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree = next.bump();
    let info = next.bump();
    let mut pdf = Pdf::new();
    let mut unreadable = Vec::new();

    // Content first: it decides which glyphs and fonts are used.
    let mut page_objects = Vec::with_capacity(pages.len());
    for (index, page) in pages.iter().enumerate() {
        let mut content = Content::new();
        let mut images = Vec::new();
        draw_header(
            &mut content,
            &mut fonts,
            storyboard,
            page,
            index,
            pages.len(),
            width,
            height,
        );
        draw_panels(
            &mut content,
            &mut fonts,
            page,
            options.grid,
            aspect,
            width,
            height,
            &mut images,
            &mut unreadable,
        );

        let page_id = next.bump();
        let content_id = next.bump();
        let mut xobjects = Vec::with_capacity(images.len());
        for (name, image) in images {
            let id = next.bump();
            image.write(&mut pdf, id, &mut next);
            xobjects.push((name, id));
        }
        let data = miniz_oxide::deflate::compress_to_vec_zlib(&content.finish(), 6);
        pdf.stream(content_id, &data).filter(Filter::FlateDecode);
        page_objects.push((page_id, content_id, xobjects));
    }

    let font_refs: BTreeMap<usize, Ref> = fonts
        .used()
        .collect::<Vec<_>>()
        .into_iter()
        .map(|f| (f, next.bump()))
        .collect();
    fonts
        .write(&mut pdf, &font_refs, &mut next)
        .map_err(PdfError::Subset)?;

    for (page_id, content_id, xobjects) in &page_objects {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, width, height))
            .parent(tree)
            .contents(*content_id);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for (&face, &id) in &font_refs {
            let name = Fonts::resource_name(face);
            font_dict.pair(Name(name.as_bytes()), id);
        }
        font_dict.finish();
        let mut xdict = resources.x_objects();
        for (name, id) in xobjects {
            xdict.pair(Name(name.as_bytes()), *id);
        }
        xdict.finish();
        resources.finish();
        page.finish();
    }
    let kids: Vec<Ref> = page_objects.iter().map(|(id, _, _)| *id).collect();
    pdf.pages(tree)
        .kids(kids.iter().copied())
        .count(kids.len() as i32);
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(TextStr(&format!("{} · Storyboard", storyboard.title)))
        .creator(TextStr("Alkemy"))
        .producer(TextStr("Alkemy (pdf-writer)"));

    Ok(PdfOutput {
        bytes: pdf.finish(),
        pages: pages.len(),
        missing_chars: fonts.missing().iter().copied().collect(),
        unreadable_images: unreadable,
    })
}

#[allow(clippy::too_many_arguments)]
fn draw_header(
    content: &mut Content,
    fonts: &mut Fonts<'_>,
    storyboard: &Storyboard<'_>,
    page: &PagePlan<'_, '_>,
    index: usize,
    count: usize,
    width: f32,
    height: f32,
) {
    let top = height - MARGIN;
    let inner = width - 2.0 * MARGIN;
    let right = fonts.glyphs(&format!("Page {} of {count}", index + 1), Weight::Regular);
    let right_w = text_width(&right, 9.0);
    let title = fonts.glyphs(storyboard.title, Weight::Bold);
    let title = fit_line(fonts, title, Weight::Bold, 14.0, inner - right_w - 24.0);
    draw_glyphs(content, fonts, &title, MARGIN, top - 14.0, 14.0, INK);
    draw_glyphs(
        content,
        fonts,
        &right,
        width - MARGIN - right_w,
        top - 12.0,
        9.0,
        MUTED,
    );

    let summary = if index == 0 {
        format!(
            " · {} shots · {}",
            storyboard.panels.len(),
            format_running_time(storyboard.duration_ms())
        )
    } else {
        String::new()
    };
    let heading = fonts.glyphs(&format!("{}{summary}", page.heading), Weight::Regular);
    let heading = fit_line(fonts, heading, Weight::Regular, 10.0, inner);
    draw_glyphs(content, fonts, &heading, MARGIN, top - 30.0, 10.0, INK);

    content
        .set_stroke_rgb(INK[0], INK[1], INK[2])
        .set_line_width(1.0);
    content
        .move_to(MARGIN, top - 38.0)
        .line_to(width - MARGIN, top - 38.0)
        .stroke();
}

#[allow(clippy::too_many_arguments)]
fn draw_panels(
    content: &mut Content,
    fonts: &mut Fonts<'_>,
    page: &PagePlan<'_, '_>,
    grid: Grid,
    aspect: f32,
    width: f32,
    height: f32,
    images: &mut Vec<(String, PdfImage)>,
    unreadable: &mut Vec<(String, String)>,
) {
    let cols = f32::from(grid.columns);
    let rows = f32::from(grid.rows);
    let area_top = height - MARGIN - 48.0;
    let cell_w = (width - 2.0 * MARGIN - (cols - 1.0) * GUTTER) / cols;
    let cell_h = (area_top - MARGIN - (rows - 1.0) * GUTTER) / rows;
    let size = if grid.capacity() > 6 { 7.0 } else { 8.0 };
    let leading = size * 1.3;
    let caption_h = leading * 6.0 + 4.0;
    let box_h = (cell_w / aspect).min(cell_h - caption_h).max(10.0);
    let box_w = (box_h * aspect).min(cell_w);

    for (i, panel) in page.panels.iter().enumerate() {
        let col = (i % usize::from(grid.columns)) as f32;
        let row = (i / usize::from(grid.columns)) as f32;
        // A frame narrower than its cell (short cells) is centred in it.
        let x = MARGIN + col * (cell_w + GUTTER) + (cell_w - box_w) / 2.0;
        let top = area_top - row * (cell_h + GUTTER);
        let box_y = top - box_h;

        // The panel: its image fitted in the frame, or the empty frame.
        let image = match panel.image.map(image::from_bytes) {
            Some(Ok(image)) => Some(image),
            Some(Err(why)) => {
                unreadable.push((panel.shot.id.to_string(), why));
                None
            }
            None => None,
        };
        match image {
            Some(image) => {
                let (iw, ih) = (image.width as f32, image.height as f32);
                let scale = (box_w / iw).min(box_h / ih);
                let (w, h) = (iw * scale, ih * scale);
                let name = format!("Im{i}");
                content.save_state();
                content.transform([
                    w,
                    0.0,
                    0.0,
                    h,
                    x + (box_w - w) / 2.0,
                    box_y + (box_h - h) / 2.0,
                ]);
                content.x_object(Name(name.as_bytes()));
                content.restore_state();
                images.push((name, image));
            }
            None => {
                content
                    .set_fill_rgb(0.95, 0.95, 0.96)
                    .rect(x, box_y, box_w, box_h)
                    .fill_nonzero();
                let label = fonts.glyphs("no panel", Weight::Regular);
                let lw = text_width(&label, size);
                draw_glyphs(
                    content,
                    fonts,
                    &label,
                    x + (box_w - lw) / 2.0,
                    box_y + box_h / 2.0,
                    size,
                    MUTED,
                );
            }
        }
        content
            .set_stroke_rgb(RULE[0], RULE[1], RULE[2])
            .set_line_width(0.6);
        content.rect(x, box_y, box_w, box_h).stroke();

        // The caption, as in Storyboarder's export.
        let c = caption(panel.shot);
        let mut y = box_y - leading;
        let shot = fonts.glyphs(&format!("Shot {}", c.number), Weight::Bold);
        let duration = fonts.glyphs(&c.duration, Weight::Bold);
        let dw = text_width(&duration, size);
        let shot = fit_line(fonts, shot, Weight::Bold, size, box_w - dw - 6.0);
        draw_glyphs(content, fonts, &shot, x, y, size, INK);
        draw_glyphs(content, fonts, &duration, x + box_w - dw, y, size, INK);
        y -= leading;
        let camera = fonts.glyphs(&c.camera, Weight::Regular);
        let camera = fit_line(fonts, camera, Weight::Regular, size, box_w);
        draw_glyphs(content, fonts, &camera, x, y, size, MUTED);
        let (desc_lines, dialogue_lines) = if c.dialogue.is_some() { (2, 2) } else { (4, 0) };
        for line in wrap(
            fonts,
            &c.description,
            Weight::Regular,
            size,
            box_w,
            desc_lines,
        ) {
            y -= leading;
            draw_glyphs(content, fonts, &line, x, y, size, INK);
        }
        if let Some(d) = &c.dialogue {
            for line in wrap(
                fonts,
                &format!("“{d}”"),
                Weight::Bold,
                size,
                box_w,
                dialogue_lines,
            ) {
                y -= leading;
                draw_glyphs(content, fonts, &line, x, y, size, INK);
            }
        }
    }
}

fn text_width(glyphs: &[Glyph], size: f32) -> f32 {
    glyphs.iter().map(|g| g.advance).sum::<f32>() * size / 1000.0
}

/// Cuts a line to `max` points, ending it with an ellipsis if cut.
fn fit_line(
    fonts: &mut Fonts<'_>,
    mut glyphs: Vec<Glyph>,
    weight: Weight,
    size: f32,
    max: f32,
) -> Vec<Glyph> {
    if text_width(&glyphs, size) <= max {
        return glyphs;
    }
    let ellipsis = fonts.glyphs("…", weight);
    let room = max - text_width(&ellipsis, size);
    while !glyphs.is_empty() && text_width(&glyphs, size) > room {
        glyphs.pop();
    }
    while glyphs.last().is_some_and(|g| g.ch == ' ') {
        glyphs.pop();
    }
    glyphs.extend(ellipsis);
    glyphs
}

/// Word-wraps text into at most `max_lines` lines of `width` points; breaks
/// inside a word (CJK has no spaces) when a word is wider than a line. Text
/// that does not fit ends the last line with an ellipsis.
fn wrap(
    fonts: &mut Fonts<'_>,
    text: &str,
    weight: Weight,
    size: f32,
    width: f32,
    max_lines: usize,
) -> Vec<Vec<Glyph>> {
    let mut lines: Vec<Vec<Glyph>> = Vec::new();
    if max_lines == 0 {
        return lines;
    }
    let mut line: Vec<Glyph> = Vec::new();
    for g in fonts.glyphs(text.trim(), weight) {
        if line.is_empty() && g.ch == ' ' {
            continue;
        }
        line.push(g);
        if text_width(&line, size) <= width || line.len() == 1 {
            continue;
        }
        // Overflow: break at the last space before `g`, else just before `g`.
        let overflow = match line.iter().rposition(|x| x.ch == ' ') {
            Some(space) => line.split_off(space + 1),
            None => line.split_off(line.len() - 1),
        };
        if lines.len() + 1 == max_lines {
            line.extend(overflow);
            // Wider than `width` by construction, so this cuts and adds "…".
            lines.push(fit_line(fonts, line, weight, size, width));
            return lines;
        }
        while line.last().is_some_and(|x| x.ch == ' ') {
            line.pop();
        }
        lines.push(std::mem::replace(&mut line, overflow));
    }
    if !line.is_empty() && lines.len() < max_lines {
        lines.push(line);
    }
    lines
}

/// Draws glyphs from `x`, `y` (baseline), one text object per font run.
fn draw_glyphs(
    content: &mut Content,
    fonts: &mut Fonts<'_>,
    glyphs: &[Glyph],
    x: f32,
    y: f32,
    size: f32,
    color: [f32; 3],
) {
    if glyphs.is_empty() {
        return;
    }
    content.set_fill_rgb(color[0], color[1], color[2]);
    let mut pen = x;
    let mut start = 0;
    while start < glyphs.len() {
        let face = glyphs[start].face;
        let end = glyphs[start..]
            .iter()
            .position(|g| g.face != face)
            .map_or(glyphs.len(), |n| start + n);
        let run = &glyphs[start..end];
        let mut bytes = Vec::with_capacity(run.len() * 2);
        for g in run {
            bytes.extend_from_slice(&fonts.use_glyph(*g).to_be_bytes());
        }
        let name = Fonts::resource_name(face);
        content.begin_text();
        content.set_font(Name(name.as_bytes()), size);
        content.next_line(pen, y);
        content.show(Str(&bytes));
        content.end_text();
        pen += text_width(run, size);
        start = end;
    }
}
