//! The dated price table: what each `provider:model` costs per unit.
//!
//! The table ships in the repository (`prices.toml`, embedded at build time)
//! and a user file can replace any entry. Amounts are strings parsed into
//! [`Money`] (integer micro-dollars), so a price is exactly what is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use alkemy_core::{Billed, Money, ProviderError, TokenUsage, UnitKind, Units};
use serde::{Deserialize, Deserializer};

/// The table shipped with Alkemy.
pub const BUILTIN_PRICES: &str = include_str!("../prices.toml");

/// Environment variable naming a user price file.
pub const PRICES_ENV: &str = "ALKEMY_PRICES";

/// Why a price table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    /// The file could not be read.
    #[error("{path}: cannot read price table: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is invalid or has an unknown field.
    #[error("{origin}: invalid price table: {message}")]
    Parse {
        /// Where the text came from.
        origin: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// An entry has no price at all and is not marked free.
    #[error(
        "{origin}: model {model:?} has no price; give at least one unit price or `free = true`"
    )]
    Empty {
        /// Where the text came from.
        origin: String,
        /// The model.
        model: String,
    },
}

fn money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    s.map(|s| {
        let m: Money = s.parse().map_err(serde::de::Error::custom)?;
        if m < Money::ZERO {
            return Err(serde::de::Error::custom("a price cannot be negative"));
        }
        Ok(m)
    })
    .transpose()
}

/// What one model costs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Per generated image.
    #[serde(default, deserialize_with = "money")]
    pub per_image: Option<Money>,
    /// Per megapixel of output, rounded up per image.
    #[serde(default, deserialize_with = "money")]
    pub per_megapixel: Option<Money>,
    /// Per second of video, rounded up.
    #[serde(default, deserialize_with = "money")]
    pub per_video_second: Option<Money>,
    /// Per clip.
    #[serde(default, deserialize_with = "money")]
    pub per_clip: Option<Money>,
    /// Per million prompt tokens.
    #[serde(default, deserialize_with = "money")]
    pub per_million_input_tokens: Option<Money>,
    /// Per million answer tokens.
    #[serde(default, deserialize_with = "money")]
    pub per_million_output_tokens: Option<Money>,
    /// Per training run of `training_steps_per_run` steps.
    #[serde(default, deserialize_with = "money")]
    pub per_training_run: Option<Money>,
    /// Steps a training run's price covers (default 1000).
    #[serde(default)]
    pub training_steps_per_run: Option<u32>,
    /// Costs nothing.
    #[serde(default)]
    pub free: bool,
}

fn or_zero(m: Option<Money>) -> Money {
    m.unwrap_or(Money::ZERO)
}

/// Megapixels of one `width × height` image, rounded up (at least 1).
pub fn megapixels(width: u32, height: u32) -> u64 {
    (u64::from(width) * u64::from(height))
        .div_ceil(1_000_000)
        .max(1)
}

/// `err`, the rejection of an answer that arrived (HTTP success), with what
/// the provider billed for it when the answer reported its token `usage`
/// (a text answer, or a Gemini image answer that holds no image); an answer
/// without usage stays uncharged, since nothing is known of its bill.
pub(crate) fn bill_rejected(
    err: ProviderError,
    price: &Price,
    usage: Option<TokenUsage>,
) -> ProviderError {
    match usage {
        Some(usage) => err.with_billed(price.billed_text(usage)),
        None => err,
    }
}

impl Price {
    fn is_empty(&self) -> bool {
        !self.free
            && [
                self.per_image,
                self.per_megapixel,
                self.per_video_second,
                self.per_clip,
                self.per_million_input_tokens,
                self.per_million_output_tokens,
                self.per_training_run,
            ]
            .iter()
            .all(Option::is_none)
    }

    /// `count` images of `width × height`.
    pub fn images(&self, count: u32, width: u32, height: u32) -> Money {
        let n = u64::from(count);
        or_zero(self.per_image).times(n)
            + or_zero(self.per_megapixel).times(megapixels(width, height) * n)
    }

    /// One clip of `seconds` (already rounded up).
    pub fn video(&self, seconds: u32) -> Money {
        or_zero(self.per_video_second).times(u64::from(seconds)) + or_zero(self.per_clip)
    }

    /// A text call with these token counts.
    pub fn tokens(&self, input: u64, output: u64) -> Money {
        or_zero(self.per_million_input_tokens).scaled(input, 1_000_000)
            + or_zero(self.per_million_output_tokens).scaled(output, 1_000_000)
    }

    /// What a text answer that reported `usage` costs: the one computation
    /// behind a used answer's cost and a turned-down answer's charge.
    pub fn text(&self, usage: TokenUsage) -> Money {
        self.tokens(usage.input, usage.output)
    }

    /// The charge for a text answer that arrived with `usage` but was turned
    /// down: its tokens, at [`text`](Self::text)'s price.
    pub fn billed_text(&self, usage: TokenUsage) -> Billed {
        Billed {
            units: usage.units(),
            cost: self.text(usage),
        }
    }

    /// One training run of `steps`.
    pub fn training(&self, steps: u32) -> Money {
        let per = u64::from(self.training_steps_per_run.unwrap_or(1000).max(1));
        or_zero(self.per_training_run).scaled(u64::from(steps.max(1)), per)
    }

    /// The cost of measured usage.
    pub fn cost_of(&self, units: &[Units]) -> Money {
        units
            .iter()
            .map(|u| {
                let per = match u.kind {
                    UnitKind::Image => self.per_image,
                    UnitKind::Megapixel => self.per_megapixel,
                    UnitKind::VideoSecond => self.per_video_second,
                    UnitKind::VideoClip => self.per_clip,
                    UnitKind::TrainingRun => self.per_training_run,
                    UnitKind::InputToken => {
                        return or_zero(self.per_million_input_tokens)
                            .scaled(u.quantity, 1_000_000);
                    }
                    UnitKind::OutputToken => {
                        return or_zero(self.per_million_output_tokens)
                            .scaled(u.quantity, 1_000_000);
                    }
                };
                or_zero(per).times(u.quantity)
            })
            .sum()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    models: BTreeMap<String, Price>,
}

/// Prices per `provider:model`, with the date they were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceTable {
    date: String,
    models: BTreeMap<String, Price>,
}

impl PriceTable {
    /// The built-in table.
    pub fn builtin() -> Result<Self, PriceError> {
        Self::parse(BUILTIN_PRICES, "built-in prices.toml")
    }

    /// Parses a table; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, PriceError> {
        let file: PriceFile = toml::from_str(text).map_err(|e| PriceError::Parse {
            origin: origin.to_owned(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        if let Some(v) = file.version
            && v != 1
        {
            return Err(PriceError::Parse {
                origin: origin.to_owned(),
                message: format!("unsupported version {v}; this Alkemy reads version 1"),
            });
        }
        if let Some((model, _)) = file.models.iter().find(|(_, p)| p.is_empty()) {
            return Err(PriceError::Empty {
                origin: origin.to_owned(),
                model: model.clone(),
            });
        }
        Ok(Self {
            date: file.date.unwrap_or_else(|| "undated".to_owned()),
            models: file.models,
        })
    }

    /// Replaces entries with those of `user` (whole entries, not fields); the
    /// date becomes `user`'s when it has one.
    pub fn overridden_by(mut self, user: PriceTable) -> Self {
        if user.date != "undated" {
            self.date = user.date;
        }
        self.models.extend(user.models);
        self
    }

    /// The built-in table overridden by `user_file` when given, else by the
    /// file named in `ALKEMY_PRICES`, if any.
    pub fn load(user_file: Option<&Path>) -> Result<Self, PriceError> {
        let builtin = Self::builtin()?;
        let env_path = std::env::var_os(PRICES_ENV).map(PathBuf::from);
        let Some(path) = user_file.map(Path::to_path_buf).or(env_path) else {
            return Ok(builtin);
        };
        let text = std::fs::read_to_string(&path).map_err(|source| PriceError::Read {
            path: path.clone(),
            source,
        })?;
        let user = Self::parse(&text, &path.display().to_string())?;
        Ok(builtin.overridden_by(user))
    }

    /// The date the prices were checked.
    pub fn date(&self) -> &str {
        &self.date
    }

    /// The price of a model, if known.
    pub fn get(&self, model: &str) -> Option<&Price> {
        self.models.get(model)
    }

    /// All entries, by model id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Price)> {
        self.models.iter().map(|(k, v)| (k.as_str(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn builtin_table_parses_and_prices_the_chain_defaults() {
        let t = PriceTable::builtin().unwrap();
        assert!(t.date().starts_with("20"), "{}", t.date());
        for id in [
            "gemini:gemini-2.5-flash",
            "gemini:image",
            "gemini:veo-3.1",
            "fal:flux-dev",
            "fal:kling",
            "fal:flux-lora-fast-training",
            "local:previz",
        ] {
            assert!(t.get(id).is_some(), "{id} has no price");
        }
    }

    #[test]
    fn unit_arithmetic_is_exact() {
        let flux = Price {
            per_megapixel: Some(usd("0.025")),
            ..Price::default()
        };
        // 1280×720 is 0.92 MP → billed as 1; 1920×1080 is 2.07 MP → 3.
        assert_eq!(flux.images(2, 1280, 720), usd("0.05"));
        assert_eq!(flux.images(1, 1920, 1080), usd("0.075"));
        let flash = Price {
            per_million_input_tokens: Some(usd("0.30")),
            per_million_output_tokens: Some(usd("2.50")),
            ..Price::default()
        };
        // 10,000 in → $0.003; 2,000 out → $0.005.
        assert_eq!(flash.tokens(10_000, 2_000), usd("0.008"));
        let veo = Price {
            per_video_second: Some(usd("0.40")),
            ..Price::default()
        };
        assert_eq!(veo.video(8), usd("3.20"));
        let lora = Price {
            per_training_run: Some(usd("2")),
            training_steps_per_run: Some(1000),
            ..Price::default()
        };
        assert_eq!(lora.training(500), usd("1"));
        assert_eq!(
            flash.cost_of(&[
                Units::new(UnitKind::InputToken, 10_000),
                Units::new(UnitKind::OutputToken, 2_000)
            ]),
            flash.tokens(10_000, 2_000)
        );
    }

    #[test]
    fn user_entries_replace_builtin_ones() {
        let user = PriceTable::parse(
            r#"
            date = "2030-01-01"
            [models."fal:flux-dev"]
            per_image = "0.01"
            [models."openai:llama3"]
            free = true
            "#,
            "user.toml",
        )
        .unwrap();
        let t = PriceTable::builtin().unwrap().overridden_by(user);
        assert_eq!(t.date(), "2030-01-01");
        let flux = t.get("fal:flux-dev").unwrap();
        assert_eq!(flux.per_megapixel, None, "whole entry replaced");
        assert_eq!(flux.images(3, 1024, 1024), usd("0.03"));
        assert!(t.get("openai:llama3").unwrap().free);
        assert!(t.get("gemini:veo-3.1").is_some(), "others kept");
    }

    #[test]
    fn bad_tables_are_refused_with_their_origin() {
        let typo = PriceTable::parse("[models.\"x:y\"]\nper_imag = \"1\"\n", "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(
            typo.contains("mine.toml") && typo.contains("per_imag"),
            "{typo}"
        );
        let empty = PriceTable::parse("[models.\"x:y\"]\n", "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(empty.contains("has no price"), "{empty}");
        let negative = PriceTable::parse("[models.\"x:y\"]\nper_image = \"-1\"\n", "m")
            .unwrap_err()
            .to_string();
        assert!(negative.contains("negative"), "{negative}");
    }
}
