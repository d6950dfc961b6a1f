//! How export files refer to media: paths relative to the production folder
//! (portable: move the folder and the edit still links) or absolute `file://`
//! URLs (what Final Cut Pro requires and every NLE accepts).

use std::path::PathBuf;

/// How media paths (relative to the output folder) appear in export files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MediaPaths {
    /// Relative URL references such as `clips/sc1-1.mp4`: the folder stays
    /// portable. Resolve and OTIO resolve them against the export file.
    #[default]
    Relative,
    /// Absolute `file://` URLs under this folder (the production's output
    /// folder, absolute): what Final Cut Pro needs.
    Absolute(PathBuf),
}

impl MediaPaths {
    /// The URL of a media path relative to the output folder.
    pub(crate) fn url(&self, media: &str) -> String {
        let media = media.replace('\\', "/");
        match self {
            MediaPaths::Relative => percent_encode(media.trim_start_matches("./")),
            MediaPaths::Absolute(root) => {
                let root = root.to_string_lossy().replace('\\', "/");
                let root = root.trim_end_matches('/');
                let joined = if media.starts_with('/') {
                    media
                } else {
                    format!("{root}/{}", media.trim_start_matches("./"))
                };
                let joined = if joined.starts_with('/') {
                    joined
                } else {
                    // A Windows drive path: file:///C:/…
                    format!("/{joined}")
                };
                format!("file://{}", percent_encode(&joined))
            }
        }
    }
}

/// Percent-encodes everything but unreserved characters, `/` and `:`.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' | b':' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_urls() {
        assert_eq!(MediaPaths::Relative.url("clips/a b.mp4"), "clips/a%20b.mp4");
        assert_eq!(
            MediaPaths::Relative.url("./clips/é.mp4"),
            "clips/%C3%A9.mp4"
        );
        let abs = MediaPaths::Absolute(PathBuf::from("/tmp/out dir/"));
        assert_eq!(abs.url("clips/x.mp4"), "file:///tmp/out%20dir/clips/x.mp4");
        let win = MediaPaths::Absolute(PathBuf::from("C:\\films"));
        assert_eq!(win.url("clips\\x.mp4"), "file:///C:/films/clips/x.mp4");
    }
}
