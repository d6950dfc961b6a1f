//! The JSON-Schema subset Gemini and OpenAI share: checking answers against
//! it, and adapting it to each provider's dialect.
//!
//! Models that promise structured output still return answers that miss a
//! required field or put a string where a number belongs, so every answer is
//! checked before it reaches the pipeline; a failure is `Malformed` and the
//! router retries. How much is checked is the request's [`SchemaFit`]: the
//! whole answer ([`SchemaFit::Strict`]), or its envelope down to the items of
//! arrays ([`SchemaFit::Envelope`]) for callers that validate items one by one.
//! Supported keywords: `type` (string or list), `properties`, `required`,
//! `items`, `enum`, `anyOf`, `nullable`, `minItems`, `maxItems`.

use alkemy_core::SchemaFit;
use serde_json::{Map, Value};

/// Checks `value` against `schema`, as far as `fit` asks; the error names
/// the JSON path.
pub(crate) fn validate(schema: &Value, value: &Value, fit: SchemaFit) -> Result<(), String> {
    check(schema, value, "$", fit)
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn check(schema: &Value, value: &Value, path: &str, fit: SchemaFit) -> Result<(), String> {
    let Some(s) = schema.as_object() else {
        return Ok(());
    };
    if value.is_null() && s.get("nullable").and_then(Value::as_bool) == Some(true) {
        return Ok(());
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array)
        && !any.iter().any(|alt| check(alt, value, path, fit).is_ok())
    {
        return Err(format!("{path}: matches none of anyOf"));
    }
    match s.get("type") {
        Some(Value::String(t)) if !type_matches(t, value) => {
            return Err(format!("{path}: expected {t}"));
        }
        Some(Value::Array(ts))
            if !ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| type_matches(t, value)) =>
        {
            return Err(format!(
                "{path}: expected one of {}",
                Value::Array(ts.clone())
            ));
        }
        _ => {}
    }
    if let Some(options) = s.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        return Err(format!("{path}: {value} is not one of the allowed values"));
    }
    if let Value::Object(obj) = value {
        if let Some(required) = s.get("required").and_then(Value::as_array) {
            for key in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(key) {
                    return Err(format!("{path}: missing required field {key:?}"));
                }
            }
        }
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (key, sub) in props {
                if let Some(v) = obj.get(key) {
                    check(sub, v, &format!("{path}.{key}"), fit)?;
                }
            }
        }
    }
    if let Value::Array(items) = value {
        let len = items.len() as u64;
        if let Some(min) = s.get("minItems").and_then(Value::as_u64)
            && len < min
        {
            return Err(format!("{path}: {len} items, at least {min} wanted"));
        }
        if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
            && len > max
        {
            return Err(format!("{path}: {len} items, at most {max} wanted"));
        }
        // The envelope ends at an array's items: they are the caller's.
        if let Some(item_schema) = s.get("items").filter(|_| fit.is_strict()) {
            for (i, item) in items.iter().enumerate() {
                check(item_schema, item, &format!("{path}[{i}]"), fit)?;
            }
        }
    }
    Ok(())
}

/// Parses a model's answer as JSON and checks it against the request's
/// schema as far as `fit` asks; any failure is `Malformed` (retryable:
/// sampling may do better).
pub(crate) fn parse_answer(
    model: &str,
    text: &str,
    schema: &Value,
    fit: SchemaFit,
) -> Result<Value, alkemy_core::ProviderError> {
    let json: Value = serde_json::from_str(text.trim())
        .map_err(|e| crate::http::malformed(model, format!("answer is not JSON: {e}")))?;
    validate(schema, &json, fit).map_err(|e| {
        let what = match fit {
            SchemaFit::Strict => "the schema",
            SchemaFit::Envelope => "the schema's envelope",
        };
        crate::http::malformed(model, format!("answer does not fit {what}: {e}"))
    })?;
    Ok(json)
}

/// Keywords Gemini's `responseSchema` (an OpenAPI 3 subset) accepts.
const GEMINI_KEYS: &[&str] = &[
    "type",
    "format",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "propertyOrdering",
    "items",
    "anyOf",
    "minimum",
    "maximum",
    "title",
];

/// Rewrites a JSON Schema into Gemini's `responseSchema` dialect: unknown
/// keywords (`additionalProperties`, `$schema`…) are dropped, `type: [T,
/// "null"]` becomes `type: T, nullable: true`, and objects get a
/// `propertyOrdering` matching their declaration order so answers come back
/// in the order the schema reads.
pub(crate) fn to_gemini(schema: &Value) -> Value {
    let Some(s) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in s {
        if !GEMINI_KEYS.contains(&key.as_str()) {
            continue;
        }
        let converted = match key.as_str() {
            "properties" => match value.as_object() {
                Some(props) => Value::Object(
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), to_gemini(v)))
                        .collect(),
                ),
                None => value.clone(),
            },
            "items" => to_gemini(value),
            "anyOf" => match value.as_array() {
                Some(alts) => Value::Array(alts.iter().map(to_gemini).collect()),
                None => value.clone(),
            },
            "type" => match value {
                Value::Array(types) => {
                    let mut non_null = types.iter().filter(|t| t.as_str() != Some("null"));
                    if types.iter().any(|t| t.as_str() == Some("null")) {
                        out.insert("nullable".into(), Value::Bool(true));
                    }
                    non_null.next().cloned().unwrap_or(Value::from("string"))
                }
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object)
        && !out.contains_key("propertyOrdering")
    {
        out.insert(
            "propertyOrdering".into(),
            Value::Array(props.keys().map(|k| Value::from(k.as_str())).collect()),
        );
    }
    Value::Object(out)
}

/// Whether OpenAI's `strict` structured outputs accept the schema: every
/// object lists all its properties as required and forbids others.
pub(crate) fn openai_strict_ok(schema: &Value) -> bool {
    let Some(s) = schema.as_object() else {
        return true;
    };
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if s.get("additionalProperties") != Some(&Value::Bool(false))
            || props.keys().any(|k| !required.contains(&k.as_str()))
            || !props.values().all(openai_strict_ok)
        {
            return false;
        }
    }
    if let Some(items) = s.get("items")
        && !openai_strict_ok(items)
    {
        return false;
    }
    if let Some(alts) = s.get("anyOf").and_then(Value::as_array) {
        return alts.iter().all(openai_strict_ok);
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "logline": {"type": "string"},
                "mood": {"type": "string", "enum": ["tense", "warm"]},
                "scenes": {"type": "array", "minItems": 1, "items": {
                    "type": "object",
                    "properties": {"n": {"type": "integer"}, "note": {"type": ["string", "null"]}},
                    "required": ["n"]
                }}
            },
            "required": ["logline", "scenes"]
        })
    }

    #[test]
    fn validation_names_the_path() {
        let s = schema();
        assert!(
            validate(
                &s,
                &json!({"logline": "x", "scenes": [{"n": 1, "note": null}]}),
                SchemaFit::Strict
            )
            .is_ok()
        );
        let cases = [
            (
                json!({"scenes": [{"n": 1}]}),
                "missing required field \"logline\"",
            ),
            (
                json!({"logline": 3, "scenes": [{"n": 1}]}),
                "$.logline: expected string",
            ),
            (json!({"logline": "x", "scenes": []}), "at least 1"),
            (
                json!({"logline": "x", "scenes": [{"n": "1"}]}),
                "$.scenes[0].n: expected integer",
            ),
            (
                json!({"logline": "x", "mood": "sad", "scenes": [{"n": 1}]}),
                "$.mood",
            ),
        ];
        for (value, want) in cases {
            let err = validate(&s, &value, SchemaFit::Strict).unwrap_err();
            assert!(err.contains(want), "{err} should contain {want}");
        }
    }

    #[test]
    fn the_envelope_stops_at_array_items() {
        let s = schema();
        let envelope = |v: Value| validate(&s, &v, SchemaFit::Envelope);
        // Items of any shape pass: they are the caller's to check.
        let odd_items = json!({"logline": "x", "scenes": [{"n": "1"}, 42, null, {"extra": true}]});
        assert!(envelope(odd_items.clone()).is_ok());
        assert!(validate(&s, &odd_items, SchemaFit::Strict).is_err());
        // The envelope itself is still checked: its type, required fields,
        // their types and enums, and the arrays' lengths.
        let cases = [
            (json!([]), "$: expected object"),
            (json!({"scenes": []}), "missing required field \"logline\""),
            (
                json!({"logline": 3, "scenes": [1]}),
                "$.logline: expected string",
            ),
            (
                json!({"logline": "x", "scenes": {}}),
                "$.scenes: expected array",
            ),
            (json!({"logline": "x", "scenes": []}), "at least 1"),
            (
                json!({"logline": "x", "mood": "sad", "scenes": [1]}),
                "$.mood",
            ),
        ];
        for (value, want) in cases {
            let err = envelope(value).unwrap_err();
            assert!(err.contains(want), "{err} should contain {want}");
        }
    }

    #[test]
    fn answers_that_miss_name_how_strictly_they_were_checked() {
        let s = schema();
        let text = r#"{"logline": "x", "scenes": [{"n": "one"}]}"#;
        let err = parse_answer("m", text, &s, SchemaFit::Strict).unwrap_err();
        assert_eq!(err.kind, alkemy_core::ProviderErrorKind::Malformed);
        assert!(
            err.message.contains("$.scenes[0].n: expected integer"),
            "{err}"
        );
        assert!(parse_answer("m", text, &s, SchemaFit::Envelope).is_ok());
        let err = parse_answer("m", "scenes: none", &s, SchemaFit::Envelope).unwrap_err();
        assert!(err.message.contains("not JSON"), "{err}");
        let err = parse_answer("m", "[]", &s, SchemaFit::Envelope).unwrap_err();
        assert!(err.message.contains("the schema's envelope"), "{err}");
    }

    #[test]
    fn gemini_dialect_drops_unknown_keywords_and_orders_properties() {
        let g = to_gemini(&schema());
        assert!(g.get("$schema").is_none() && g.get("additionalProperties").is_none());
        assert_eq!(g["propertyOrdering"], json!(["logline", "mood", "scenes"]));
        let note = &g["properties"]["scenes"]["items"]["properties"]["note"];
        assert_eq!(note, &json!({"type": "string", "nullable": true}));
    }

    #[test]
    fn strictness_detection() {
        assert!(
            !openai_strict_ok(&schema()),
            "optional mood and nested additionalProperties"
        );
        let strict = json!({"type": "object", "additionalProperties": false,
            "properties": {"a": {"type": "string"}}, "required": ["a"]});
        assert!(openai_strict_ok(&strict));
    }
}
