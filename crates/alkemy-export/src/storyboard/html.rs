//! `storyboard.html`: one self-contained page (no external file, no script)
//! with every panel inlined as a `data:` URI, grouped by scene, printable.
//!
//! Inlining is the point of "self-contained": the page can be mailed, opened
//! from a download folder or archived and still show its pictures, which
//! relative links to `frames/` would not. Its size is the panels' size plus a
//! third (base64). Printing starts each scene on a new page and never splits
//! a panel; a Content-Security-Policy forbids anything but inline images and
//! styles.

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Storyboard, caption, format_running_time};
use crate::xml::Escaped;

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1d1d1f; --muted: #6e6e73; --rule: #d2d2d7; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 24px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
header.doc { border-bottom: 2px solid var(--ink); margin-bottom: 16px; }
header.doc h1 { margin: 0 0 4px; font-size: 28px; }
header.doc p { margin: 0 0 12px; color: var(--muted); }
section.scene { margin: 0 0 32px; }
section.scene > h2 { font-size: 16px; margin: 0 0 12px; padding: 6px 0; border-bottom: 1px solid var(--rule); }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 16px; }
figure.panel { margin: 0; border: 1px solid var(--rule); border-radius: 4px; overflow: hidden; break-inside: avoid; page-break-inside: avoid; }
figure.panel img, figure.panel .missing { display: block; width: 100%; aspect-ratio: var(--frame); object-fit: contain; background: #f5f5f7; }
figure.panel .missing { display: flex; align-items: center; justify-content: center; color: var(--muted); }
figcaption { padding: 8px 10px; }
.meta { display: flex; justify-content: space-between; gap: 8px; font-weight: 600; }
.camera { color: var(--muted); font-size: 12px; }
.desc { margin: 4px 0 0; }
blockquote { margin: 6px 0 0; padding-left: 8px; border-left: 3px solid var(--rule); font-style: italic; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  section.scene { break-before: page; page-break-before: always; }
  section.scene:first-of-type { break-before: auto; page-break-before: auto; }
  .panels { grid-template-columns: repeat(3, 1fr); gap: 8pt; }
}
"#;

/// Writes the storyboard page.
pub fn write(storyboard: &Storyboard<'_>, mut out: impl Write) -> io::Result<()> {
    let title = Escaped(storyboard.title);
    let scenes = storyboard.scenes();
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n\
         <meta name=\"generator\" content=\"Alkemy\">\n\
         <title>{title} · Storyboard</title>\n<style>:root {{ --frame: {aspect:.4}; }}{STYLE}</style>\n</head>\n<body>\n\
         <header class=\"doc\">\n<h1>{title}</h1>\n<p>Storyboard · {} scenes · {} shots · {}</p>\n</header>\n<main>\n",
        scenes.len(),
        storyboard.panels.len(),
        format_running_time(storyboard.duration_ms()),
        aspect = storyboard.frame_aspect(),
    )?;
    let mut b64 = String::new();
    for scene in &scenes {
        writeln!(
            out,
            "<section class=\"scene\" id=\"scene-{}\">\n<h2>{}</h2>\n<div class=\"panels\">",
            Escaped(&anchor(scene.number)),
            Escaped(&scene.heading)
        )?;
        for panel in scene.panels {
            let c = caption(panel.shot);
            writeln!(
                out,
                "<figure class=\"panel\" id=\"shot-{}\">",
                Escaped(&anchor(&panel.shot.id))
            )?;
            let alt = format!("Shot {}: {}", c.number, c.description);
            match panel
                .image
                .and_then(|bytes| mime(bytes).map(|m| (m, bytes)))
            {
                Some((mime, bytes)) => {
                    b64.clear();
                    STANDARD.encode_string(bytes, &mut b64);
                    writeln!(
                        out,
                        "<img alt=\"{}\" src=\"data:{mime};base64,{b64}\">",
                        Escaped(&alt)
                    )?;
                }
                None => writeln!(
                    out,
                    "<div class=\"missing\" role=\"img\" aria-label=\"{}\">no panel</div>",
                    Escaped(&alt)
                )?,
            }
            write!(
                out,
                "<figcaption>\n<div class=\"meta\"><span class=\"shot\">{}</span><span class=\"duration\">{}</span></div>\n\
                 <div class=\"camera\">{}</div>\n<p class=\"desc\">{}</p>\n",
                Escaped(&c.number),
                Escaped(&c.duration),
                Escaped(&c.camera),
                Escaped(&c.description)
            )?;
            if let Some(d) = &c.dialogue {
                writeln!(
                    out,
                    "<blockquote class=\"dialogue\">{}</blockquote>",
                    Escaped(d)
                )?;
            }
            writeln!(out, "</figcaption>\n</figure>")?;
        }
        writeln!(out, "</div>\n</section>")?;
    }
    writeln!(out, "</main>\n</body>\n</html>")?;
    Ok(())
}

/// The storyboard page as bytes.
pub fn to_bytes(storyboard: &Storyboard<'_>) -> Vec<u8> {
    let images: usize = storyboard
        .panels
        .iter()
        .filter_map(|p| p.image)
        .map(|i| i.len() * 4 / 3)
        .sum();
    let mut out = Vec::with_capacity(8192 + images + storyboard.panels.len() * 700);
    // Writing into a Vec cannot fail.
    let _ = write(storyboard, &mut out);
    out
}

/// The MIME type of an image from its signature; `None` if not PNG or JPEG.
fn mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// An id fragment: letters, digits, `-` and `_` kept, anything else `_`.
fn anchor(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
