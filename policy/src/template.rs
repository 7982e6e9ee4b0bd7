//! Rationale templates: text with `{{input}}` or `{{input.field}}` holes
//! filled from the evaluation's inputs.

use serde_json::{Map, Value};

/// What an absent (or null) input renders as.
const MISSING: &str = "(missing)";

#[derive(Debug)]
pub(crate) struct Template {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Hole(Hole),
}

#[derive(Debug)]
pub(crate) struct Hole {
    pub(crate) path: Vec<String>,
    /// 1-based line and column of the `{{` in the template text.
    pub(crate) line: u32,
    pub(crate) column: u32,
}

/// A malformed template, at a 1-based line and column of its text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TemplateError {
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) message: String,
}

impl Template {
    pub(crate) fn parse(source: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = source;
        let mut consumed = 0;
        while let Some(open) = rest.find("{{") {
            let (line, column) = line_column(source, consumed + open);
            let error = |message: String| TemplateError {
                line,
                column,
                message,
            };
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| error("`{{` without a closing `}}`".to_string()))?;
            let inner = after[..close].trim();
            let path: Vec<String> = inner.split('.').map(str::to_string).collect();
            if !path.iter().all(|p| is_field_name(p)) {
                return Err(error(format!(
                    "`{{{{{inner}}}}}` is not an input name or dotted path"
                )));
            }
            parts.push(Part::Hole(Hole { path, line, column }));
            let advance = open + 2 + close + 2;
            consumed += advance;
            rest = &rest[advance..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template {
            source: source.to_string(),
            parts,
        })
    }

    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    pub(crate) fn holes(&self) -> impl Iterator<Item = &Hole> {
        self.parts.iter().filter_map(|p| match p {
            Part::Hole(h) => Some(h),
            Part::Text(_) => None,
        })
    }

    pub(crate) fn render(&self, inputs: &Map<String, Value>) -> String {
        let mut out = String::with_capacity(self.source.len());
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Hole(hole) => render_value(&mut out, lookup(inputs, &hole.path)),
            }
        }
        out
    }
}

fn is_field_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn lookup<'a>(inputs: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(inputs.get(first)?, |value, key| value.as_object()?.get(key))
}

/// Strings render bare; everything else as compact JSON, which is
/// deterministic for a given input.
fn render_value(out: &mut String, value: Option<&Value>) {
    match value {
        None | Some(Value::Null) => out.push_str(MISSING),
        Some(Value::String(s)) => out.push_str(s),
        Some(other) => out.push_str(&other.to_string()),
    }
}

fn line_column(text: &str, byte_offset: usize) -> (u32, u32) {
    let before = text.get(..byte_offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, inputs: Value) -> String {
        let inputs = inputs.as_object().cloned().unwrap_or_default();
        match Template::parse(template) {
            Ok(t) => t.render(&inputs),
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn fills_holes() {
        assert_eq!(
            render(
                "d={{d}} t={{ c.tier }} n={{n}} l={{l}} m={{m}}",
                json!({"d": 0.25, "c": {"tier": "pro"}, "l": [1, "a"]})
            ),
            "d=0.25 t=pro n=(missing) l=[1,\"a\"] m=(missing)"
        );
    }

    #[test]
    fn rejects_malformed_holes() {
        let err = Template::parse("ok\n  {{ a b }}").err();
        assert_eq!(err.map(|e| (e.line, e.column)), Some((2, 3)));
        assert!(Template::parse("x {{a").is_err());
        assert!(Template::parse("{{}}").is_err());
    }

    #[test]
    fn records_hole_positions() {
        let t = Template::parse("a {{x}} b {{y.z}}").ok();
        let holes: Vec<_> = t
            .iter()
            .flat_map(|t| t.holes().map(|h| (h.path.join("."), h.column)))
            .collect();
        assert_eq!(holes, [("x".to_string(), 3), ("y.z".to_string(), 11)]);
    }
}
